"""Reading: viewer, node access rules and the operators connection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.support import START, GraphQLClient, add_operator, enroll, gid, make_team, session_for

NODE = """
query ($id: ID!) {
  node(id: $id) {
    id
    ... on Operator { email account { name } }
    ... on Account { name twoFactorDefault }
  }
}
"""
OPERATORS = """
query ($first: Int, $after: String) {
  viewer {
    account {
      operators(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { email role effectiveTwoFactorPolicy { mode state setupRequired } } }
      }
    }
  }
}
"""


async def test_viewer_shows_the_whole_operator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    token = await session_for(team.basic, clock)
    data = await gql.data(
        """{ viewer { id email name role status usesSingleSignOn twoFactorOverride
             account { id name twoFactorDefault }
             effectiveTwoFactorPolicy { mode source accountDefault override state
               setupRequired canEnroll codeRequiredAtLogin } } }""",
        token=token,
    )
    assert data["viewer"] == {
        "id": gid(team.basic),
        "email": "basic@acme.example",
        "name": "Basic",
        "role": "BASIC",
        "status": "ACTIVE",
        "usesSingleSignOn": False,
        "twoFactorOverride": None,
        "account": {"id": team.account_id, "name": "Acme", "twoFactorDefault": "REQUIRED"},
        "effectiveTwoFactorPolicy": {
            "mode": "REQUIRED",
            "source": "ACCOUNT_DEFAULT",
            "accountDefault": "REQUIRED",
            "override": None,
            "state": "NOT_CONFIGURED",
            "setupRequired": True,
            "canEnroll": True,
            "codeRequiredAtLogin": False,
        },
    }


async def test_node_follows_the_access_rules_of_direct_fields(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    colleague = await add_operator(team.account, "colleague@acme.example", hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    basic = await session_for(team.basic, clock)

    async def node(token: str | None, id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await gql.data(NODE, {"id": id}, token=token))["node"]
        return found

    colleague_node = {
        "id": gid(colleague),
        "email": "colleague@acme.example",
        "account": {"name": "Acme"},
    }
    basic_node = {"id": gid(team.basic), "email": "basic@acme.example", "account": {"name": "Acme"}}
    account_node = {"id": team.account_id, "name": "Acme", "twoFactorDefault": "OPTIONAL"}
    # Administrators see every operator of their account and the account.
    assert await node(admin, gid(colleague)) == colleague_node
    assert await node(admin, team.account_id) == account_node
    # Basic operators see themselves and their account, not their colleagues.
    assert await node(basic, gid(team.basic)) == basic_node
    assert await node(basic, team.account_id) == account_node
    assert await node(basic, gid(colleague)) is None
    # Nothing crosses accounts, nothing is readable anonymously, garbage is just null.
    assert await node(admin, gid(other.basic)) is None
    assert await node(admin, other.account_id) is None
    assert await node(None, gid(team.basic)) is None
    assert await node(admin, "bm90aGluZw==") is None
    assert await node(admin, "%%%") is None


async def test_operators_is_for_administrators_and_checks_its_arguments(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    basic = await session_for(team.basic, clock)
    forbidden = await gql.execute(OPERATORS, {"first": 1}, token=basic)
    assert [e["extensions"]["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    too_many = await gql.execute(OPERATORS, {"first": 101}, token=admin)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    bad_cursor = await gql.execute(OPERATORS, {"first": 1, "after": "garbage"}, token=admin)
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_an_operator_shows_when_they_were_created_invited_and_last_logged_in(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    clock.advance(timedelta(minutes=5))
    token = await gql.session(team.basic.email)
    data = await gql.data(
        "{ viewer { createdAt invitedAt lastLoginAt twoFactorConfiguredAt } }", token=token
    )
    assert data["viewer"] == {
        "createdAt": START.isoformat(),
        "invitedAt": None,
        "lastLoginAt": (START + timedelta(minutes=5)).isoformat(),
        "twoFactorConfiguredAt": None,
    }
    enrolled_at = clock.now()
    # From a session that proved the mailbox: a password alone binds no authenticator.
    mailbox = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    await enroll(gql, mailbox, clock)
    data = await gql.data("{ viewer { twoFactorConfiguredAt } }", token=mailbox)
    assert data["viewer"]["twoFactorConfiguredAt"] == enrolled_at.isoformat()
