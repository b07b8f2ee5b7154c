"""Emails to an operator about their own account: queued in the outbox, never sent inline."""

from __future__ import annotations

from datetime import datetime

from mail.messages import MailKind, compose
from models import Account, Operator
from services.machinery.dependencies import Dependencies


async def notify(
    deps: Dependencies, kind: MailKind, operator: Operator, now: datetime, **values: str
) -> None:
    """Queue the email of ``kind`` to ``operator``; call inside the change's transaction."""
    account = await Account.get(id=operator.account_id)
    email = compose(
        kind, operator.email, {"name": operator.name, "account_name": account.name, **values}
    )
    await deps.outbox.enqueue(email, now)
