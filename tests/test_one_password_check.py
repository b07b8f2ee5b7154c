"""One request holds at most one password check: aliases, fragments and several
password-hashing mutations are refused before anything is hashed."""

from __future__ import annotations

import pytest

from services.machinery.clock import FrozenClock
from tests.support import PASSWORD, CountingHasher, GraphQLClient, gid, make_team, session_for

LOGIN = 'login(input: {email: "basic@acme.example", password: "a wrong password"}) { outcome }'
REAUTHENTICATE = 'reauthenticate(input: {password: "a wrong password"}) { userErrors { code } }'
CHANGE_PASSWORD = (
    'changePassword(input: {currentPassword: "a wrong password", '
    'newPassword: "another long passphrase"}) { userErrors { code } }'
)
REFUSED = {
    "two aliased logins": f"mutation {{ a: {LOGIN} b: {LOGIN} }}",
    "logins spread from fragments": (
        f"mutation {{ ...One ...Two }} fragment One on Mutation {{ a: {LOGIN} }} "
        f"fragment Two on Mutation {{ b: {LOGIN} }}"
    ),
    "a login in an inline fragment beside another": (
        f"mutation {{ a: {LOGIN} ... on Mutation {{ b: {LOGIN} }} }}"
    ),
    "reauthenticate and changePassword": f"mutation {{ {REAUTHENTICATE} {CHANGE_PASSWORD} }}",
    "a skipped login still counts": (
        f'mutation {{ a: {LOGIN} b: login(input: {{email: "x@acme.example", '
        'password: "a wrong password"}) @skip(if: true) { outcome } }'
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_more_than_one_password_check_is_refused_before_any_hash(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock, case: str
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    before = hasher.verifications
    response = await gql.post(REFUSED[case], token=token)
    body = response.json()
    assert "data" not in body or body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["TOO_MANY_PASSWORD_CHECKS"]
    assert hasher.verifications == before


async def test_one_password_check_beside_other_mutations_runs(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    data = await gql.data(
        """mutation ($password: String!, $me: ID!) {
          reauthenticate(input: {password: $password}) { userErrors { code } }
          revokeOperatorSessions(input: {operatorId: $me}) { revokedCount } }""",
        {"password": PASSWORD, "me": gid(team.basic)},
        token=token,
    )
    assert data["reauthenticate"]["userErrors"] == []
    assert data["revokeOperatorSessions"]["revokedCount"] == 0
