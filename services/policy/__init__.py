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


class TwoFactorCompliance(StrEnum):
    """Whether an operator meets the two-factor requirement, and if not, how late they are."""

    NOT_REQUIRED = "NOT_REQUIRED"
    EXEMPT = "EXEMPT"
    COMPLIANT = "COMPLIANT"
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"


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
    compliance: TwoFactorCompliance = TwoFactorCompliance.NOT_REQUIRED
    """Whether they meet the requirement, and if not, whether their deadline has passed."""


@dataclass(frozen=True)
class Deadlines:
    """The one rule of setup deadlines in an account, at an instant.

    An operator who became required at T must have set up 2FA by the later of T + the
    grace period and the account's ``enforce_from``. The Python checks (``setup_deadline``)
    and the SQL of lists, filters and counts (``services.operators.directory``) both decide
    "still before the deadline" from the two values below, so they cannot disagree.
    """

    period: timedelta
    """The account's grace period."""
    enforce_from: datetime | None
    """The account's scheduled enforcement, if any."""
    now: datetime
    """The instant the deadlines are judged at."""

    @property
    def required_after(self) -> datetime | None:
        """Return the instant after which a required operator is still in their grace period.

        None for a zero grace period: nobody is.
        """
        return self.now - self.period if self.period > timedelta(0) else None

    @property
    def enforcement_ahead(self) -> bool:
        """Whether the scheduled enforcement is still to come (everyone is before it)."""
        return self.enforce_from is not None and self.enforce_from > self.now

    def running(self, required_since: datetime | None) -> bool:
        """Tell whether an operator required since ``required_since`` is before the deadline."""
        after = self.required_after
        in_grace = required_since is not None and after is not None and required_since > after
        return in_grace or self.enforcement_ahead

    def deadline(self, required_since: datetime | None) -> datetime | None:
        """Return the deadline of an operator required since then, if it is still ahead."""
        if not self.running(required_since):
            return None
        return self.ends_at(required_since)

    def ends_at(self, required_since: datetime | None) -> datetime | None:
        """Return the deadline of an operator required since then, passed or not.

        The later of the end of their grace period (none for a zero period, or without a
        start) and the scheduled enforcement; None when there is neither. It is ahead
        exactly when ``running`` says so.
        """
        ends = [self.enforce_from] if self.enforce_from is not None else []
        if required_since is not None and self.period > timedelta(0):
            ends.append(required_since + self.period)
        return max(ends, default=None)


@dataclass(frozen=True)
class Grace:
    """The facts a grace period is computed from."""

    required_since: datetime | None
    """When the operator (already active) became required; None: no grace period of theirs
    (the scheduled enforcement still applies)."""
    period: timedelta
    """The account's grace period."""
    now: datetime
    """The instant the policy is evaluated at."""
    enforce_from: datetime | None = None
    """The account's scheduled enforcement: no deadline falls before it."""

    @property
    def deadlines(self) -> Deadlines:
        """The account's deadline rule at this instant."""
        return Deadlines(period=self.period, enforce_from=self.enforce_from, now=self.now)


def effective_policy(
    *,
    account_default: TwoFactorMode,
    override: TwoFactorMode | None,
    uses_single_sign_on: bool,
    state: TwoFactorState,
    grace: Grace | None = None,
    invited: bool = False,
) -> EffectivePolicy:
    """Combine the account default, the override, the SSO flag and the state into a policy.

    Single sign-on wins over everything (TOTP does not apply), then an override, then the
    account default. A configured authenticator is kept under every mode but only asked for
    when the mode is not DISABLED. With ``grace``, a required operator without 2FA gets the
    deadline of their grace period while it runs; ``invited`` operators are PENDING until
    they accept (and set up as they do).
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
        compliance=compliance_of(
            mode,
            source,
            state,
            invited=invited,
            before_deadline=grace is not None and setup_deadline(grace) is not None,
        ),
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

    The grace period runs from the moment an active operator became required, and lasts at
    least until the account's scheduled enforcement (``Deadlines``); operators required
    since before they were active (a new invitation under REQUIRED) get only the latter.
    """
    if grace is None:
        return None
    return grace.deadlines.deadline(grace.required_since)


def compliance_of(
    mode: TwoFactorMode,
    source: PolicySource,
    state: TwoFactorState,
    *,
    invited: bool,
    before_deadline: bool,
) -> TwoFactorCompliance:
    """Return an operator's compliance: the one statement the SQL of lists follows.

    Single sign-on is EXEMPT; a mode other than REQUIRED is NOT_REQUIRED; a required
    operator with 2FA is COMPLIANT, one without it PENDING while invited or before their
    deadline, OVERDUE after it (or with none).
    """
    if source is PolicySource.SINGLE_SIGN_ON:
        return TwoFactorCompliance.EXEMPT
    if mode is not TwoFactorMode.REQUIRED:
        return TwoFactorCompliance.NOT_REQUIRED
    if not requires_setup(mode, state):
        return TwoFactorCompliance.COMPLIANT
    if invited or before_deadline:
        return TwoFactorCompliance.PENDING
    return TwoFactorCompliance.OVERDUE


def requires_setup(mode: TwoFactorMode, state: TwoFactorState) -> bool:
    """Tell whether an operator with this effective mode and state must still set up 2FA.

    The one statement of the rule: the SQL filter and the compliance summary derive from it.
    """
    return mode is TwoFactorMode.REQUIRED and state is not TwoFactorState.CONFIGURED


def two_factor_state(
    *, configured_at: datetime | None, pending_expires_at: datetime | None, now: datetime
) -> TwoFactorState:
    """Return an operator's two-factor state from what their rows say.

    ``configured_at`` is the operator's ``two_factor_configured_at``: set while they have a
    confirmed authenticator or at least one passkey. ``pending_expires_at`` is that of an
    unconfirmed TOTP enrollment (None: there is none); one that lapsed counts for nothing.
    """
    if configured_at is not None:
        return TwoFactorState.CONFIGURED
    if pending_expires_at is not None and pending_expires_at > now:
        return TwoFactorState.PENDING
    return TwoFactorState.NOT_CONFIGURED
