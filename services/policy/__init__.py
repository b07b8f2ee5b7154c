"""The effective two-factor policy of an operator: a pure function of four facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from models.enums import TwoFactorMode


class PolicySource(StrEnum):
    """Where an operator's effective mode comes from."""

    ACCOUNT_DEFAULT = "ACCOUNT_DEFAULT"
    OPERATOR_OVERRIDE = "OPERATOR_OVERRIDE"
    SINGLE_SIGN_ON = "SINGLE_SIGN_ON"


class TwoFactorState(StrEnum):
    """How far an operator's authenticator has been set up."""

    NOT_CONFIGURED = "NOT_CONFIGURED"
    PENDING = "PENDING"
    CONFIGURED = "CONFIGURED"


@dataclass(frozen=True)
class EffectivePolicy:
    """What two-factor authentication means for one operator right now."""

    mode: TwoFactorMode
    source: PolicySource
    account_default: TwoFactorMode
    override: TwoFactorMode | None
    state: TwoFactorState
    setup_required: bool
    can_enroll: bool
    code_required_at_login: bool
    setup_deadline: datetime | None = None
    """Until when a required operator without 2FA may still log in with the password alone;
    None outside a grace period."""


@dataclass(frozen=True)
class Grace:
    """The facts a grace period is computed from."""

    required_since: datetime | None
    """When the operator (already active) became required; None: no grace for them."""
    period: timedelta
    """The account's grace period."""
    now: datetime
    """The instant the policy is evaluated at."""


def effective_policy(
    *,
    account_default: TwoFactorMode,
    override: TwoFactorMode | None,
    uses_single_sign_on: bool,
    state: TwoFactorState,
    grace: Grace | None = None,
) -> EffectivePolicy:
    """Combine the account default, the override, the SSO flag and the state into a policy.

    Single sign-on wins over everything (TOTP does not apply), then an override, then the
    account default. A configured authenticator is kept under every mode but only asked for
    when the mode is not DISABLED. With ``grace``, a required operator without 2FA gets the
    deadline of their grace period while it runs.
    """
    mode, source = effective_mode(
        account_default=account_default, override=override, uses_single_sign_on=uses_single_sign_on
    )
    configured = state is TwoFactorState.CONFIGURED
    return EffectivePolicy(
        mode=mode,
        source=source,
        account_default=account_default,
        override=override,
        state=state,
        setup_required=requires_setup(mode, state),
        can_enroll=mode is not TwoFactorMode.DISABLED and not configured,
        code_required_at_login=mode is not TwoFactorMode.DISABLED and configured,
        setup_deadline=setup_deadline(grace) if requires_setup(mode, state) else None,
    )


def effective_mode(
    *, account_default: TwoFactorMode, override: TwoFactorMode | None, uses_single_sign_on: bool
) -> tuple[TwoFactorMode, PolicySource]:
    """Return the mode that applies and where it comes from: SSO, else override, else default."""
    if uses_single_sign_on:
        return TwoFactorMode.DISABLED, PolicySource.SINGLE_SIGN_ON
    if override is not None:
        return override, PolicySource.OPERATOR_OVERRIDE
    return account_default, PolicySource.ACCOUNT_DEFAULT


def setup_deadline(grace: Grace | None) -> datetime | None:
    """Return the end of a running grace period (None: no grace, or it is over).

    The grace period runs from the moment an active operator became required; operators
    required since before they were active (a new invitation under REQUIRED) get none.
    """
    if grace is None or grace.required_since is None or grace.period <= timedelta(0):
        return None
    deadline = grace.required_since + grace.period
    return deadline if deadline > grace.now else None


def requires_setup(mode: TwoFactorMode, state: TwoFactorState) -> bool:
    """Tell whether an operator with this effective mode and state must still set up 2FA.

    The one statement of the rule: the SQL filter and the compliance summary derive from it.
    """
    return mode is TwoFactorMode.REQUIRED and state is not TwoFactorState.CONFIGURED


def authenticator_state(
    *, confirmed_at: datetime | None, pending_expires_at: datetime | None, now: datetime
) -> TwoFactorState:
    """Return the state an authenticator row stands for (None fields: no row at all).

    An enrollment that was never confirmed and has lapsed counts as not configured.
    """
    if confirmed_at is not None:
        return TwoFactorState.CONFIGURED
    if pending_expires_at is not None and pending_expires_at > now:
        return TwoFactorState.PENDING
    return TwoFactorState.NOT_CONFIGURED
