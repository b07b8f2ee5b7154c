"""What administrators do to their account's two-factor policy, and API keys may too.

An API key needs MANAGE_TWO_FACTOR_POLICY, a person a recent authentication; every change
reads its actor again where it writes (``services.acting``). Whoever the change makes
required gets a grace period from that moment (the account's ``gracePeriodHours``); an
administrator cannot make 2FA required of themselves without having it and without a grace
period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import (
    Account,
    Authenticator,
    OneTimeToken,
    Operator,
    OperatorStatus,
    Passkey,
    PasskeyChallenge,
    RecoveryCode,
    TokenPurpose,
    TwoFactorMode,
)
from services import sessions
from services.acting import Acting, begin_administration, hold_administration
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.auth.trusted_devices import ForgetReason, forget_all
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import deadlines_of, operator_in_account, states_by_operator
from services.operators.directory import KEEP
from services.policy import Deadlines, TwoFactorState, requires_setup

SCOPE = ApiKeyScope.MANAGE_TWO_FACTOR_POLICY
"""The scope an API key needs for these changes."""
OPERATOR_ID_FIELD = ("input", "operatorId")
GRACE_FIELD = ("input", "gracePeriodHours")
MAX_GRACE_PERIOD_HOURS = 720
"""Longest grace period an account may give (30 days)."""
MAX_ENFORCE_AHEAD = timedelta(days=180)
"""How far ahead enforcement may be scheduled."""
ENFORCE_FROM_FIELD = ("input", "enforceFrom")


def checked_enforce_from(enforce_from: datetime | None, now: datetime) -> datetime | None:
    """Return a scheduled enforcement in UTC, or refuse one not in the next 180 days."""
    if enforce_from is None:
        return None
    if enforce_from.tzinfo is None:
        enforce_from = enforce_from.replace(tzinfo=UTC)
    if not now < enforce_from <= now + MAX_ENFORCE_AHEAD:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Schedule enforcement for a time in the next 180 days.",
            field=ENFORCE_FROM_FIELD,
        )
    return enforce_from.astimezone(UTC)


async def set_account_default(
    deps: Dependencies,
    acting: Acting,
    mode: TwoFactorMode,
    grace_period_hours: int = 0,
    enforce_from: datetime | None = None,
) -> Account:
    """Set the account-wide default, grace period and scheduled enforcement; log the change.

    Operators who follow the default and become required by it start their grace period
    now; those who stop being required lose it. Deadlines are computed when read, so a
    longer or shorter grace period, or another date, applies at once to everyone.
    """
    begin_administration(deps, acting, SCOPE)
    if not 0 <= grace_period_hours <= MAX_GRACE_PERIOD_HOURS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"The grace period is 0 to {MAX_GRACE_PERIOD_HOURS} hours.",
            field=GRACE_FIELD,
        )
    now = deps.now()
    enforce_from = checked_enforce_from(enforce_from, now)
    async with in_transaction():
        held = await hold_administration(acting, SCOPE, now)
        account = held.account
        previous = account.two_factor_default
        # Sessions that lapsed under the old policy (a grace period that ran out) stay ended.
        await sessions.end_sessions_failing_policy(account, now)
        me = held.operator
        if me is not None:  # a key has no login to lock out
            my_mode = _mode_of(me.two_factor_override, mode, me)
            before = _mode_of(me.two_factor_override, previous, me)
            my_since = _required_since(me, before, my_mode, now)
            _ensure_no_self_lockout(
                me,
                my_mode,
                my_since,
                Deadlines(timedelta(hours=grace_period_hours), enforce_from, now),
            )
        followers = Operator.filter(
            account_id=account.id,
            two_factor_override__isnull=True,
            uses_single_sign_on=False,
            status=OperatorStatus.ACTIVE,
        )
        since = followers_since(previous, mode, now)
        if since != KEEP:
            await followers.update(two_factor_required_since=since)
        account.two_factor_default = mode
        account.two_factor_grace_period_hours = grace_period_hours
        account.two_factor_enforce_from = enforce_from
        await account.save(
            update_fields=[
                "two_factor_default",
                "two_factor_grace_period_hours",
                "two_factor_enforce_from",
            ]
        )
        await sessions.end_sessions_failing_policy(account, now)
        await held.record(
            AuditEventKind.ACCOUNT_DEFAULT_CHANGED,
            now=now,
            details={
                "from": previous.value,
                "to": mode.value,
                "gracePeriodHours": grace_period_hours,
                "enforceFrom": enforce_from.isoformat() if enforce_from else None,
            },
        )
    return account


async def set_override(
    deps: Dependencies,
    acting: Acting,
    operator_id: int | None,
    mode: TwoFactorMode | None,
) -> Operator:
    """Set (``mode``) or clear (None) an operator's override, within the actor's account.

    An operator the change makes required starts their grace period now.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        # The account first, as setAccountTwoFactorDefault holds it: the two take turns.
        held = await hold_administration(acting, SCOPE, now)
        account = held.account
        operator = await operator_in_account(account.id, operator_id, OPERATOR_ID_FIELD, lock=True)
        # Sessions that lapsed under the old policy (a grace period that ran out) stay ended.
        await sessions.end_sessions_failing_policy(account, now, operator_id=operator.id)
        default = account.two_factor_default
        after = _mode_of(mode, default, operator)
        since = _required_since(
            operator, _mode_of(operator.two_factor_override, default, operator), after, now
        )
        if operator.id == held.operator_id:
            _ensure_no_self_lockout(operator, after, since, deadlines_of(account, now))
        previous = operator.two_factor_override
        operator.two_factor_override = mode
        operator.two_factor_required_since = since
        await operator.save(update_fields=["two_factor_override", "two_factor_required_since"])
        await sessions.end_sessions_failing_policy(account, now, operator_id=operator.id)
        await held.record(
            AuditEventKind.OVERRIDE_SET if mode is not None else AuditEventKind.OVERRIDE_CLEARED,
            target_id=operator.id,
            now=now,
            details={
                "from": previous.value if previous else None,
                "to": mode.value if mode else None,
            },
        )
    return operator


async def reset_two_factor(deps: Dependencies, acting: Acting, operator_id: int | None) -> Operator:
    """Delete an operator's authenticator, pending enrollment, passkeys and recovery codes.

    Their sessions, login challenges and setup links end too, and so does any grace period:
    under REQUIRED, their next login sends the setup email again and issues no session.
    An operator with nothing to reset (state NOT_CONFIGURED) is refused with NOT_CONFIGURED,
    and then nothing is written, audited or emailed.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held = await hold_administration(acting, SCOPE, now)
        operator = await operator_in_account(
            held.account_id, operator_id, OPERATOR_ID_FIELD, lock=True
        )
        states = await states_by_operator([operator.id], now)
        if states[operator.id] is TwoFactorState.NOT_CONFIGURED:
            raise DomainError(
                ErrorCode.NOT_CONFIGURED,
                "This operator has not set up two-factor authentication: there is nothing to "
                "reset.",
                field=OPERATOR_ID_FIELD,
            )
        await Authenticator.filter(operator_id=operator.id).delete()
        await Passkey.filter(operator_id=operator.id).delete()
        await PasskeyChallenge.filter(operator_id=operator.id).delete()
        await RecoveryCode.filter(operator_id=operator.id).delete()
        await OneTimeToken.filter(
            operator_id=operator.id, purpose__not=TokenPurpose.INVITATION
        ).delete()
        await Operator.filter(id=operator.id).update(
            two_factor_configured_at=None, two_factor_required_since=None
        )
        operator.two_factor_configured_at = operator.two_factor_required_since = None
        await sessions.revoke_operator_sessions(operator.id)
        await forget_all(operator.id, ForgetReason.TWO_FACTOR_RESET, now)
        await held.record(
            AuditEventKind.TWO_FACTOR_RESET,
            target_id=operator.id,
            now=now,
        )
        await notify(deps, MailKind.TWO_FACTOR_RESET, operator, now, admin_name=held.name)
    return operator


def _mode_of(
    override: TwoFactorMode | None, default: TwoFactorMode, operator: Operator
) -> TwoFactorMode:
    """Return the effective mode an operator has with ``override`` and ``default``."""
    if operator.uses_single_sign_on:
        return TwoFactorMode.DISABLED
    return override if override is not None else default


def followers_since(
    previous: TwoFactorMode, mode: TwoFactorMode, now: datetime
) -> datetime | Literal["keep"] | None:
    """Return since when the active followers of the default are required under ``mode``.

    Now if the default becomes REQUIRED, ``KEEP`` if it stays so, else none.
    ``set_account_default`` writes it; ``twoFactorPolicyPreview`` assumes it.
    """
    if mode is not TwoFactorMode.REQUIRED:
        return None
    return KEEP if previous is TwoFactorMode.REQUIRED else now


def _required_since(
    operator: Operator, before: TwoFactorMode, after: TwoFactorMode, now: datetime
) -> datetime | None:
    """Return since when the operator is required once their mode goes from before to after.

    Becoming required starts the grace period now (for active operators: an invitation
    accepted under REQUIRED includes setup instead); staying required keeps it; anything
    else ends it.
    """
    if after is not TwoFactorMode.REQUIRED:
        return None
    if before is TwoFactorMode.REQUIRED:
        return operator.two_factor_required_since
    return now if operator.status is OperatorStatus.ACTIVE else None


def _ensure_no_self_lockout(
    actor: Operator,
    mode: TwoFactorMode,
    required_since: datetime | None,
    deadlines: Deadlines,
) -> None:
    """Refuse a change that would require 2FA of the acting administrator, who has none.

    Allowed when they have 2FA, single sign-on, or a deadline still ahead after the change
    (a grace period, or a scheduled enforcement).
    """
    if actor.uses_single_sign_on or actor.two_factor_configured_at is not None:
        return
    if requires_setup(mode, TwoFactorState.NOT_CONFIGURED) and not deadlines.running(
        required_since
    ):
        raise DomainError(
            ErrorCode.SET_UP_TWO_FACTOR_FIRST,
            "Set up two-factor authentication for yourself first, or give a grace period: "
            "otherwise this would lock you out.",
        )
