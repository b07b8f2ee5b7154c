"""twoFactorPolicyPreview: what a change of the account default would do, read before it is
made, agreeing with what the change then does, and writing and sending nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models import AuditEvent, OperatorStatus, OutboxMessage, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.policy import TwoFactorState
from tests.support import (
    GraphQLClient,
    Team,
    add_operator,
    give_state,
    make_team,
    session_for,
)
from twofa.sql_log import StatementCounter

PREVIEW = """query ($mode: TwoFactorMode!, $grace: Int, $from: DateTime) {
  twoFactorPolicyPreview(mode: $mode, gracePeriodHours: $grace, enforceFrom: $from) {
    compliant pending overdue exempt notRequired
    wouldBeOverdue(first: 10) { totalCount edges { node { email } } }
  } }"""
SUMMARY = """{ viewer { account { twoFactorSummary {
  compliant pending overdue exempt notRequired } } } }"""
APPLY = """mutation ($input: SetAccountTwoFactorDefaultInput!) {
  setAccountTwoFactorDefault(input: $input) { userErrors { code } } }"""
COUNTS = ("compliant", "pending", "overdue", "exempt", "notRequired")


async def populated(hasher: PasswordHasher, clock: FrozenClock) -> Team:
    """An OPTIONAL account with an operator in every situation a preview tells apart.

    The administrator has 2FA, so that any change is allowed to them.
    """
    team = await make_team(hasher, clock)
    await give_state(team.admin, TwoFactorState.CONFIGURED, clock)
    team.admin.two_factor_configured_at = clock.now()
    await team.admin.save(update_fields=["two_factor_configured_at"])
    await add_operator(team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True)
    await add_operator(team.account, "optional@acme.example", hasher, clock,
                       override=TwoFactorMode.OPTIONAL)  # fmt: skip
    await add_operator(team.account, "required@acme.example", hasher, clock,
                       override=TwoFactorMode.REQUIRED)  # fmt: skip
    await add_operator(team.account, "invited@acme.example", hasher, clock,
                       status=OperatorStatus.INVITED)  # fmt: skip
    pending = await add_operator(team.account, "enrolling@acme.example", hasher, clock)
    await give_state(pending, TwoFactorState.PENDING, clock)
    return team


async def test_a_preview_counts_and_lists_who_would_be_overdue_and_changes_nothing(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await populated(hasher, clock)
    admin = await session_for(team.admin, clock)
    events_before = await AuditEvent.all().count()
    with StatementCounter() as counter:
        data = await gql.data(PREVIEW, {"mode": "REQUIRED"}, token=admin)
    preview = data["twoFactorPolicyPreview"]
    assert {key: preview[key] for key in COUNTS} == {
        "compliant": 1,  # the administrator
        "pending": 1,  # the invited operator
        "overdue": 3,  # basic, enrolling, and the one required by override all along
        "exempt": 1,
        "notRequired": 1,
    }
    overdue = preview["wouldBeOverdue"]
    assert overdue["totalCount"] == 3
    assert [edge["node"]["email"] for edge in overdue["edges"]] == [
        "basic@acme.example",
        "required@acme.example",
        "enrolling@acme.example",
    ]
    written = [s for s in counter.statements if not s.lstrip().upper().startswith("SELECT")]
    assert written == []
    await team.account.refresh_from_db()
    assert team.account.two_factor_default is TwoFactorMode.OPTIONAL
    assert await AuditEvent.all().count() == events_before
    assert await OutboxMessage.all().count() == 0


@pytest.mark.parametrize(
    ("mode", "grace", "enforce_in"),
    [
        ("REQUIRED", 0, None),
        ("REQUIRED", 72, None),
        ("REQUIRED", 0, timedelta(days=3)),
        ("OPTIONAL", 0, None),
        ("DISABLED", 24, None),
    ],
)
async def test_a_preview_agrees_with_the_change_it_previews(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    mode: str,
    grace: int,
    enforce_in: timedelta | None,
) -> None:
    team = await populated(hasher, clock)
    admin = await session_for(team.admin, clock)
    enforce_from = (clock.now() + enforce_in).isoformat() if enforce_in else None
    variables: dict[str, Any] = {"mode": mode, "grace": grace, "from": enforce_from}
    preview = (await gql.data(PREVIEW, variables, token=admin))["twoFactorPolicyPreview"]
    applied = await gql.data(
        APPLY,
        {"input": {"mode": mode, "gracePeriodHours": grace, "enforceFrom": enforce_from}},
        token=admin,
    )
    assert applied["setAccountTwoFactorDefault"]["userErrors"] == []
    summary = (await gql.data(SUMMARY, token=admin))["viewer"]["account"]["twoFactorSummary"]
    assert {key: preview[key] for key in COUNTS} == summary


async def test_a_preview_is_for_administrators_and_checks_its_arguments(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    basic = await session_for(team.basic, clock)
    refused = await gql.execute(PREVIEW, {"mode": "REQUIRED"}, token=basic)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = await session_for(team.admin, clock)
    for variables, argument in (
        ({"mode": "REQUIRED", "grace": 721}, "gracePeriodHours"),
        ({"mode": "REQUIRED", "from": (clock.now() + timedelta(days=181)).isoformat()},
         "enforceFrom"),
    ):  # fmt: skip
        answer = await gql.execute(PREVIEW, variables, token=admin)
        assert answer["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "argument": argument}
