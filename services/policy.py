"""The effective two-factor policy of an operator: a pure function of four facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


def effective_policy(
    *,
    account_default: TwoFactorMode,
    override: TwoFactorMode | None,
    uses_single_sign_on: bool,
    state: TwoFactorState,
) -> EffectivePolicy:
    """Combine the account default, the override, the SSO flag and the state into a policy.

    Single sign-on wins over everything (TOTP does not apply), then an override, then the
    account default. A configured authenticator is kept under every mode but only asked for
    when the mode is not DISABLED.
    """
    if uses_single_sign_on:
        mode, source = TwoFactorMode.DISABLED, PolicySource.SINGLE_SIGN_ON
    elif override is not None:
        mode, source = override, PolicySource.OPERATOR_OVERRIDE
    else:
        mode, source = account_default, PolicySource.ACCOUNT_DEFAULT
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
    )


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
