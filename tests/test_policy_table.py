"""Every combination of account default, override, SSO flag and state, against the rules."""

from __future__ import annotations

import itertools

import pytest

from models.enums import TwoFactorMode
from services.policy import PolicySource, TwoFactorState, effective_policy

REQ, OPT, DIS = TwoFactorMode.REQUIRED, TwoFactorMode.OPTIONAL, TwoFactorMode.DISABLED
NC, P, C = TwoFactorState.NOT_CONFIGURED, TwoFactorState.PENDING, TwoFactorState.CONFIGURED
DEFAULT, OVERRIDE, SSO = (
    PolicySource.ACCOUNT_DEFAULT,
    PolicySource.OPERATOR_OVERRIDE,
    PolicySource.SINGLE_SIGN_ON,
)

# (account default, override, uses SSO) -> (mode, source)
MODE_TABLE = {
    (REQ, None, False): (REQ, DEFAULT), (OPT, None, False): (OPT, DEFAULT), (DIS, None, False): (DIS, DEFAULT),
    (REQ, REQ, False): (REQ, OVERRIDE), (OPT, REQ, False): (REQ, OVERRIDE), (DIS, REQ, False): (REQ, OVERRIDE),
    (REQ, OPT, False): (OPT, OVERRIDE), (OPT, OPT, False): (OPT, OVERRIDE), (DIS, OPT, False): (OPT, OVERRIDE),
    (REQ, DIS, False): (DIS, OVERRIDE), (OPT, DIS, False): (DIS, OVERRIDE), (DIS, DIS, False): (DIS, OVERRIDE),
    (REQ, None, True): (DIS, SSO), (OPT, None, True): (DIS, SSO), (DIS, None, True): (DIS, SSO),
    (REQ, REQ, True): (DIS, SSO), (OPT, REQ, True): (DIS, SSO), (DIS, REQ, True): (DIS, SSO),
    (REQ, OPT, True): (DIS, SSO), (OPT, OPT, True): (DIS, SSO), (DIS, OPT, True): (DIS, SSO),
    (REQ, DIS, True): (DIS, SSO), (OPT, DIS, True): (DIS, SSO), (DIS, DIS, True): (DIS, SSO),
}  # fmt: skip

# (effective mode, state) -> (setupRequired, canEnroll, codeRequiredAtLogin)
FLAG_TABLE = {
    (REQ, NC): (True, True, False), (REQ, P): (True, True, False), (REQ, C): (False, False, True),
    (OPT, NC): (False, True, False), (OPT, P): (False, True, False), (OPT, C): (False, False, True),
    (DIS, NC): (False, False, False), (DIS, P): (False, False, False), (DIS, C): (False, False, False),
}  # fmt: skip

COMBINATIONS = [(d, o, s, state) for (d, o, s) in MODE_TABLE for state in TwoFactorState]


def test_the_tables_cover_every_combination() -> None:
    # Built from the enums, not from the tables: a new mode or state fails here until the
    # tables say what it means.
    modes, states = list(TwoFactorMode), list(TwoFactorState)
    assert set(MODE_TABLE) == set(itertools.product(modes, [None, *modes], [False, True]))
    assert set(FLAG_TABLE) == set(itertools.product(modes, states))


@pytest.mark.parametrize(("default", "override", "sso", "state"), COMBINATIONS)
def test_effective_policy(
    default: TwoFactorMode,
    override: TwoFactorMode | None,
    sso: bool,
    state: TwoFactorState,
) -> None:
    policy = effective_policy(
        account_default=default, override=override, uses_single_sign_on=sso, state=state
    )
    mode, source = MODE_TABLE[(default, override, sso)]
    setup_required, can_enroll, code_required = FLAG_TABLE[(mode, state)]
    assert (policy.mode, policy.source) == (mode, source)
    assert policy.account_default is default
    assert policy.override is override
    assert policy.state is state
    assert policy.setup_required is setup_required
    assert policy.can_enroll is can_enroll
    assert policy.code_required_at_login is code_required
