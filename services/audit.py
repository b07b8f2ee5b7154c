"""The audit log: who changed what in an account's two-factor setup, and when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from models import AuditEvent


class AuditEventKind(StrEnum):
    """Every kind of event the audit log records."""

    ACCOUNT_DEFAULT_CHANGED = "ACCOUNT_DEFAULT_CHANGED"
    OVERRIDE_SET = "OVERRIDE_SET"
    OVERRIDE_CLEARED = "OVERRIDE_CLEARED"
    TWO_FACTOR_RESET = "TWO_FACTOR_RESET"
    ENROLLMENT_STARTED = "ENROLLMENT_STARTED"
    ENROLLMENT_CONFIRMED = "ENROLLMENT_CONFIRMED"
    TWO_FACTOR_DISABLED = "TWO_FACTOR_DISABLED"
    RECOVERY_CODES_REGENERATED = "RECOVERY_CODES_REGENERATED"
    LOGIN_SUCCEEDED = "LOGIN_SUCCEEDED"
    LOGIN_FAILED = "LOGIN_FAILED"
    CODE_REJECTED = "CODE_REJECTED"
    LOCKED_OUT = "LOCKED_OUT"
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED"
    INVITATION_SENT = "INVITATION_SENT"
    INVITATION_ACCEPTED = "INVITATION_ACCEPTED"


async def record(
    kind: AuditEventKind,
    *,
    account_id: int,
    now: datetime,
    actor_id: int | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event; call it inside the transaction of the change it describes."""
    await AuditEvent.create(
        account_id=account_id,
        actor_id=actor_id,
        target_id=target_id,
        kind=kind.value,
        details=details or {},
        created_at=now,
    )
