"""What administrators do to operators themselves: roles, deactivation, unlocking.

API keys with MANAGE_OPERATORS may do the same (``services.acting``). Every change is
audited, and a person needs a recent authentication. An account always keeps at least
one active administrator who signs in here (not through single sign-on): demoting or
deactivating the last one is LAST_ADMINISTRATOR. Each
change holds the account's row while it counts administrators and writes, so changes to one
account take turns (two administrators demoting each other at once cannot both succeed),
and the acting administrator (or key) is read again under that lock: one who
lost the role meanwhile is refused as any non-administrator is, one whose session ended
(deactivated, signed out) as any anonymous caller.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import OneTimeToken, Operator, OperatorRole, OperatorStatus
from services import sessions
from services.acting import Acting, Held, begin_administration, hold_administration
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.auth.trusted_devices import ForgetReason, forget_all
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.operators import is_administrator, locks, operator_in_account
from services.validation import unclaimed_email_key

OPERATOR_ID_FIELD = ("input", "operatorId")
SCOPE = ApiKeyScope.MANAGE_OPERATORS
"""The scope an API key needs for these changes."""


def _last_administrator() -> DomainError:
    return DomainError(
        ErrorCode.LAST_ADMINISTRATOR,
        "The account must keep at least one active administrator: make another operator "
        "an administrator first.",
    )


async def _hold_account(
    acting: Acting, operator_id: int | None, now: datetime
) -> tuple[Held, Operator]:
    """Hold the account and the actor, then the target operator of that account.

    Call it first inside the change's transaction; returns the actor and the target as
    stored. Raises SessionEnded or Forbidden unless the actor may still act
    (``services.acting``), and NOT_FOUND for an operator outside the account.
    """
    held = await hold_administration(acting, SCOPE, now)
    operator = await operator_in_account(held.account_id, operator_id, OPERATOR_ID_FIELD, lock=True)
    return held, operator


async def _ensure_another_administrator(operator: Operator) -> None:
    """Raise LAST_ADMINISTRATOR if ``operator`` is their account's only active administrator.

    Only administrators who can sign in here count: a single-sign-on operator never gets a
    session of twofa's, so an account whose remaining administrators all use single sign-on
    could no longer change its own policy. Needs the account's row held, so that no other
    change counts at the same time.
    """
    if (
        operator.status is not OperatorStatus.ACTIVE
        or operator.uses_single_sign_on
        or not is_administrator(operator)
    ):
        return
    others = (
        await Operator.filter(
            account_id=operator.account_id,
            role=OperatorRole.ADMINISTRATOR,
            status=OperatorStatus.ACTIVE,
            uses_single_sign_on=False,
        )
        .exclude(id=operator.id)
        .exists()
    )
    if not others:
        raise _last_administrator()


async def change_role(
    deps: Dependencies, acting: Acting, operator_id: int | None, role: OperatorRole
) -> Operator:
    """Give an operator of the actor's account another role; it applies to their next request.

    Any status may change role (an invitation's role, a deactivated operator's role on
    return). Demoting the last active administrator, oneself included, is refused.
    Setting the role an operator already has changes nothing and logs nothing.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held, operator = await _hold_account(acting, operator_id, now)
        previous = operator.role
        if previous is role:
            return operator
        if role is not OperatorRole.ADMINISTRATOR:
            await _ensure_another_administrator(operator)
        operator.role = role
        await operator.save(update_fields=["role"])
        await held.record(
            AuditEventKind.ROLE_CHANGED,
            target_id=operator.id,
            now=now,
            details={"from": previous.value, "to": role.value},
        )
    return operator


async def deactivate(deps: Dependencies, acting: Acting, operator_id: int | None) -> Operator:
    """Deactivate an active operator of the actor's account: they can no longer log in.

    Their email stops being their login (it may be claimed by someone else), every session
    ends at once and every outstanding login challenge, setup link or reset link stops
    working; their authenticator, recovery codes and history are kept for a reactivation.
    An invited operator is not deactivated (revoke the invitation instead), the last active
    administrator neither; an operator already deactivated is left as is.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held, operator = await _hold_account(acting, operator_id, now)
        if operator.status is OperatorStatus.DEACTIVATED:
            return operator
        if operator.status is not OperatorStatus.ACTIVE:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "This operator has not accepted their invitation: revoke the invitation instead.",
                field=OPERATOR_ID_FIELD,
            )
        await _ensure_another_administrator(operator)
        operator.status = OperatorStatus.DEACTIVATED
        operator.email_key = unclaimed_email_key()
        await operator.save(update_fields=["status", "email_key"])
        ended = await sessions.revoke_operator_sessions(operator.id)
        await OneTimeToken.filter(operator_id=operator.id).delete()
        await forget_all(operator.id, ForgetReason.DEACTIVATED, now)
        await held.record(
            AuditEventKind.OPERATOR_DEACTIVATED,
            target_id=operator.id,
            now=now,
            details={"sessionsEnded": ended},
        )
    return operator


async def reactivate(deps: Dependencies, acting: Acting, operator_id: int | None) -> Operator:
    """Let a deactivated operator of the actor's account log in again, as before.

    They log in with their email and the password they had; their two-factor setup is as
    they left it. If another operator has claimed the email meanwhile (an email is unique
    among active operators) it is EMAIL_TAKEN and nothing changes. An active operator is
    left as is; an invited one is not deactivated, so there is nothing to undo.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    try:
        async with in_transaction():
            held, operator = await _hold_account(acting, operator_id, now)
            if operator.status is OperatorStatus.ACTIVE:
                return operator
            if operator.status is not OperatorStatus.DEACTIVATED:
                raise DomainError(
                    ErrorCode.INVALID_INPUT,
                    "This operator is invited, not deactivated: they become active by "
                    "accepting their invitation.",
                    field=OPERATOR_ID_FIELD,
                )
            operator.status = OperatorStatus.ACTIVE
            # Claims the email again; the unique login key refuses it when someone else
            # active has it now.
            operator.email_key = operator.email_folded
            await operator.save(update_fields=["status", "email_key"])
            await held.record(
                AuditEventKind.OPERATOR_REACTIVATED,
                target_id=operator.id,
                now=now,
            )
    except IntegrityError as error:
        raise DomainError(
            ErrorCode.EMAIL_TAKEN,
            "Another active operator uses this email address now, so this one cannot be "
            "reactivated.",
            field=OPERATOR_ID_FIELD,
        ) from error
    return operator


async def unlock(deps: Dependencies, acting: Acting, operator_id: int | None) -> Operator:
    """Lift an operator's password and code locks and forget their failed attempts.

    See ``services.operators.locks`` for which counters are theirs.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held, operator = await _hold_account(acting, operator_id, now)
        lifted = await locks.clear(operator.id, operator.email_key, now)
        await held.record(
            AuditEventKind.OPERATOR_UNLOCKED,
            target_id=operator.id,
            now=now,
            details={"lockedUntil": lifted.isoformat() if lifted is not None else None},
        )
    return operator
