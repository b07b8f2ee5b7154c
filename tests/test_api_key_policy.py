"""An API key with MANAGE_TWO_FACTOR_POLICY changes the account's two-factor policy as an
administrator does, without a recent authentication, audited as the key; a key without the
scope, revoked or expired, changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import text_of
from tests.support import (
    Delivery,
    GraphQLClient,
    Team,
    create_key,
    enroll,
    gid,
    make_team,
    session_for,
)

SET_DEFAULT = """mutation ($mode: TwoFactorMode!) { setAccountTwoFactorDefault(input:
  {mode: $mode, gracePeriodHours: 24}) { account { twoFactorDefault } userErrors { code } } }"""
OVERRIDE = """mutation ($id: ID!) { setOperatorTwoFactorOverride(input:
  {operatorId: $id, mode: DISABLED}) { operator { twoFactorOverride } userErrors { code } } }"""
CLEAR = """mutation ($id: ID!) { clearOperatorTwoFactorOverride(input: {operatorId: $id})
  { operator { twoFactorOverride } userErrors { code } } }"""
RESET = """mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id})
  { operator { email } userErrors { code } } }"""
EVENTS = """{ account { auditEvents(first: 10) { edges { node { kind actor { email }
  apiKey { name } } } } } }"""


async def policy_key(gql: GraphQLClient, team: Team, clock: FrozenClock, scopes: list[str]) -> str:
    """A key created by the team's administrator; return its secret."""
    admin = await session_for(team.admin, clock)
    payload = await create_key(gql, admin, scopes)
    assert payload["userErrors"] == []
    secret: str = payload["secret"]
    return secret


async def changed(gql: GraphQLClient, document: str, secret: str, **variables: Any) -> Any:
    """Run a policy mutation with a key; return its payload, which must carry no userErrors."""
    data = await gql.data(document, variables, token=secret)
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload
    return payload


async def test_a_key_with_the_scope_changes_the_policy_and_is_audited_as_the_actor(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    basic = await session_for(team.basic, clock)
    await enroll(gql, basic, clock)
    secret = await policy_key(
        gql, team, clock, ["MANAGE_TWO_FACTOR_POLICY", "READ_AUDIT_LOG", "READ_OPERATORS"]
    )
    clock.advance(timedelta(days=2))  # long past any person's reauthentication window
    done = await changed(gql, SET_DEFAULT, secret, mode="REQUIRED")
    assert done["account"] == {"twoFactorDefault": "REQUIRED"}
    target = gid(team.basic)
    assert (await changed(gql, OVERRIDE, secret, id=target))["operator"] == {
        "twoFactorOverride": "DISABLED"
    }
    assert (await changed(gql, CLEAR, secret, id=target))["operator"] == {"twoFactorOverride": None}
    await deliver()
    assert (await changed(gql, RESET, secret, id=target))["operator"] == {"email": team.basic.email}
    delivered = await deliver()
    (mail,) = [m for m in delivered if m["Subject"] and "reset" in m["Subject"].lower()]
    assert mail["To"] == team.basic.email
    assert "Nightly report (an API key of Acme)" in text_of(mail)

    events = (await gql.data(EVENTS, token=secret))["account"]["auditEvents"]["edges"]
    by_key = [e["node"] for e in events if e["node"]["apiKey"] is not None]
    assert [e["kind"] for e in by_key] == [
        "TWO_FACTOR_RESET",
        "OVERRIDE_CLEARED",
        "OVERRIDE_SET",
        "ACCOUNT_DEFAULT_CHANGED",
    ]
    assert all(e["actor"] is None and e["apiKey"] == {"name": "Nightly report"} for e in by_key)
    # The administrators see which key it was, in the same log.
    admin = await session_for(team.admin, clock)
    seen = await gql.data(
        "{ viewer { account { auditEvents(first: 10) { edges { node { kind apiKey { name } } } } } } }",
        token=admin,
    )
    named = [
        edge["node"]["kind"]
        for edge in seen["viewer"]["account"]["auditEvents"]["edges"]
        if edge["node"]["apiKey"] == {"name": "Nightly report"}
    ]
    assert named == [e["kind"] for e in by_key]
