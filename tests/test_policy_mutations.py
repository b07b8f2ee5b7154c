"""The administrators' policy mutations and their authorization rules."""

from __future__ import annotations

import pytest

from models import AuditEvent, Operator, OperatorRole, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import GraphQLClient, add_operator, enroll, gid, make_team, session_for

SET_DEFAULT = """
mutation ($mode: TwoFactorMode!) {
  setAccountTwoFactorDefault(input: {mode: $mode}) {
    account { twoFactorDefault }
    userErrors { code field message }
  }
}
"""
SET_OVERRIDE = """
mutation ($id: ID!, $mode: TwoFactorMode!) {
  setOperatorTwoFactorOverride(input: {operatorId: $id, mode: $mode}) {
    operator { email twoFactorOverride effectiveTwoFactorPolicy { mode source override accountDefault } }
    userErrors { code field message }
  }
}
"""
CLEAR_OVERRIDE = """
mutation ($id: ID!) {
  clearOperatorTwoFactorOverride(input: {operatorId: $id}) {
    operator { twoFactorOverride effectiveTwoFactorPolicy { mode source override } }
    userErrors { code field message }
  }
}
"""
MY_POLICY = "{ viewer { effectiveTwoFactorPolicy { mode source accountDefault override setupRequired canEnroll } } }"


async def test_administrator_changes_default_and_operators_see_it(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)  # an administrator without 2FA could not require it
    basic = await session_for(team.basic, clock)
    data = await gql.data(SET_DEFAULT, {"mode": "REQUIRED"}, token=admin)
    assert data["setAccountTwoFactorDefault"] == {
        "account": {"twoFactorDefault": "REQUIRED"},
        "userErrors": [],
    }
    policy = (await gql.data(MY_POLICY, token=basic))["viewer"]["effectiveTwoFactorPolicy"]
    assert policy == {
        "mode": "REQUIRED",
        "source": "ACCOUNT_DEFAULT",
        "accountDefault": "REQUIRED",
        "override": None,
        "setupRequired": True,
        "canEnroll": True,
    }
    event = await AuditEvent.get(kind="ACCOUNT_DEFAULT_CHANGED")
    assert (event.actor_id, event.account_id) == (team.admin.id, team.account.id)
    assert event.details == {
        "from": "OPTIONAL",
        "to": "REQUIRED",
        "gracePeriodHours": 0,
        "enforceFrom": None,
    }


async def test_override_wins_over_default_and_clearing_restores_it(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    admin = await session_for(team.admin, clock)
    data = await gql.data(SET_OVERRIDE, {"id": gid(team.basic), "mode": "DISABLED"}, token=admin)
    payload = data["setOperatorTwoFactorOverride"]
    assert payload["userErrors"] == []
    assert payload["operator"]["twoFactorOverride"] == "DISABLED"
    assert payload["operator"]["effectiveTwoFactorPolicy"] == {
        "mode": "DISABLED",
        "source": "OPERATOR_OVERRIDE",
        "override": "DISABLED",
        "accountDefault": "REQUIRED",
    }
    # The operator now logs in without any second factor.
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"

    data = await gql.data(CLEAR_OVERRIDE, {"id": gid(team.basic)}, token=admin)
    assert data["clearOperatorTwoFactorOverride"]["operator"] == {
        "twoFactorOverride": None,
        "effectiveTwoFactorPolicy": {
            "mode": "REQUIRED",
            "source": "ACCOUNT_DEFAULT",
            "override": None,
        },
    }
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    kinds = [e.kind for e in await AuditEvent.filter(target_id=team.basic.id).order_by("id")]
    assert "OVERRIDE_SET" in kinds and "OVERRIDE_CLEARED" in kinds


async def test_single_sign_on_ignores_default_and_override(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    sso = await add_operator(
        team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True
    )
    admin = await session_for(team.admin, clock)
    data = await gql.data(SET_OVERRIDE, {"id": gid(sso), "mode": "REQUIRED"}, token=admin)
    policy = data["setOperatorTwoFactorOverride"]["operator"]["effectiveTwoFactorPolicy"]
    assert (policy["mode"], policy["source"], policy["override"]) == (
        "DISABLED",
        "SINGLE_SIGN_ON",
        "REQUIRED",
    )


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (SET_OVERRIDE, {"mode": "DISABLED"}),
        (CLEAR_OVERRIDE, {}),
    ],
)
async def test_other_accounts_operators_answer_not_found_and_stay_unchanged(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    mutation: str,
    variables: dict[str, str],
) -> None:
    ours = await make_team(hasher, clock)
    theirs = await make_team(hasher, clock, name="Other", domain="other.example")
    await Operator.filter(id=theirs.basic.id).update(two_factor_override=TwoFactorMode.REQUIRED)
    admin = await session_for(ours.admin, clock)
    foreign = await gql.data(mutation, {**variables, "id": gid(theirs.basic)}, token=admin)
    missing = await gql.data(mutation, {**variables, "id": "T3BlcmF0b3I6OTk5OTk5"}, token=admin)
    malformed = await gql.data(mutation, {**variables, "id": "definitely not an id"}, token=admin)
    an_account = await gql.data(mutation, {**variables, "id": ours.account_id}, token=admin)
    payloads = [next(iter(d.values())) for d in (foreign, missing, malformed, an_account)]
    for payload in payloads:
        assert payload["operator"] is None
        assert payload["userErrors"] == [
            {"code": "NOT_FOUND", "field": ["input", "operatorId"], "message": "No such object."}
        ]
    unchanged = await Operator.get(id=theirs.basic.id)
    assert unchanged.two_factor_override is TwoFactorMode.REQUIRED
    assert not await AuditEvent.filter(target_id=theirs.basic.id).exists()


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (SET_DEFAULT, {"mode": "DISABLED"}),
        (SET_OVERRIDE, {"mode": "DISABLED"}),
        (CLEAR_OVERRIDE, {}),
    ],
)
async def test_basic_operators_are_forbidden_and_anonymous_callers_unauthenticated(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    mutation: str,
    variables: dict[str, str],
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await Operator.filter(id=team.admin.id).update(two_factor_override=TwoFactorMode.REQUIRED)
    variables = {**variables, "id": gid(team.admin)}
    if mutation is SET_DEFAULT:
        variables.pop("id")
    basic = await session_for(team.basic, clock)
    forbidden = await gql.execute(mutation, variables, token=basic)
    assert forbidden["data"] is None
    assert [e["extensions"]["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    anonymous = await gql.execute(mutation, variables)
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    expired = await gql.execute(mutation, variables, token="expired-or-made-up")
    assert [e["extensions"]["code"] for e in expired["errors"]] == ["UNAUTHENTICATED"]
    await team.account.refresh_from_db()
    assert team.account.two_factor_default is TwoFactorMode.REQUIRED
    assert (await Operator.get(id=team.admin.id)).two_factor_override is TwoFactorMode.REQUIRED
    assert await AuditEvent.exclude(kind="LOGIN_SUCCEEDED").count() == 0


async def test_an_administrator_changes_only_their_own_account(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    ours = await make_team(hasher, clock)
    theirs = await make_team(hasher, clock, name="Other", domain="other.example")
    other_admin = await session_for(theirs.admin, clock)
    data = await gql.data(SET_DEFAULT, {"mode": "DISABLED"}, token=other_admin)
    assert data["setAccountTwoFactorDefault"]["account"] == {"twoFactorDefault": "DISABLED"}
    await ours.account.refresh_from_db()
    await theirs.account.refresh_from_db()
    assert (ours.account.two_factor_default, theirs.account.two_factor_default) == (
        TwoFactorMode.OPTIONAL,
        TwoFactorMode.DISABLED,
    )
    assert not await AuditEvent.filter(account_id=ours.account.id).exclude(kind="LOGIN_SUCCEEDED")


async def test_administrator_can_override_themselves_and_other_admins(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    second = await add_operator(
        team.account, "admin2@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    admin = await session_for(team.admin, clock)
    myself = await gql.data(SET_OVERRIDE, {"id": gid(team.admin), "mode": "REQUIRED"}, token=admin)
    assert myself["setOperatorTwoFactorOverride"]["userErrors"][0]["code"] == (
        "SET_UP_TWO_FACTOR_FIRST"
    )
    await enroll(gql, admin, clock)
    for target in (team.admin, second):
        data = await gql.data(SET_OVERRIDE, {"id": gid(target), "mode": "REQUIRED"}, token=admin)
        assert data["setOperatorTwoFactorOverride"]["operator"]["twoFactorOverride"] == "REQUIRED"
