"""Login over GraphQL: the decision table, no enumeration, sessions and logout."""

from __future__ import annotations

from datetime import timedelta

from models import OperatorStatus, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import PASSWORD, CountingHasher, GraphQLClient, add_operator, make_team

VIEWER = "{ viewer { email effectiveTwoFactorPolicy { mode source state } } }"
LOGOUT = "mutation { logout { userErrors { code } } }"


async def test_optional_operator_without_authenticator_gets_a_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    payload = await gql.login("BASIC@acme.example")  # emails are case-insensitive
    assert payload["outcome"] == "AUTHENTICATED"
    assert payload["userErrors"] == []
    assert payload["challengeToken"] is None
    assert payload["viewer"]["email"] == team.basic.email
    data = await gql.data(VIEWER, token=payload["sessionToken"])
    assert data["viewer"]["email"] == "basic@acme.example"
    assert data["viewer"]["effectiveTwoFactorPolicy"]["mode"] == "OPTIONAL"


async def test_disabled_operator_gets_a_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock, default=TwoFactorMode.DISABLED)
    payload = await gql.login("basic@acme.example")
    assert payload["outcome"] == "AUTHENTICATED"
    assert payload["sessionToken"]


async def test_required_operator_without_authenticator_gets_no_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    payload = await gql.login("basic@acme.example")
    assert payload["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    assert payload["sessionToken"] is None
    assert payload["challengeToken"] is None
    assert payload["userErrors"] == []


async def test_unknown_email_wrong_password_and_invited_look_the_same(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await add_operator(
        team.account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED
    )
    answers = [
        await gql.login("nobody@acme.example"),
        await gql.login("basic@acme.example", "wrong password, long enough"),
        await gql.login("invited@acme.example", PASSWORD),
    ]
    for payload in answers:
        assert payload["outcome"] is None
        assert payload["sessionToken"] is None
        assert payload["viewer"] is None
        assert payload["userErrors"] == answers[0]["userErrors"]
    assert answers[0]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_unknown_email_costs_one_argon2_verification_like_a_known_one(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    # Timing parity: an unknown email is checked against a dummy hash of the same cost,
    # so both paths do exactly the same argon2 work.
    await make_team(hasher, clock)
    before = hasher.verifications
    await gql.login("nobody@acme.example")
    unknown = hasher.verifications - before
    await gql.login("basic@acme.example", "wrong password, long enough")
    known = hasher.verifications - before - unknown
    assert unknown == known == 1


async def test_single_sign_on_operator_is_sent_to_their_identity_provider(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await add_operator(team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True)
    right = await gql.login("sso@acme.example")
    assert right["userErrors"][0]["code"] == "SINGLE_SIGN_ON_OPERATOR"
    assert right["sessionToken"] is None
    wrong = await gql.login("sso@acme.example", "not the password at all")
    assert wrong["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_logout_revokes_the_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    token = await gql.session("basic@acme.example")
    other = await gql.session("basic@acme.example")
    assert (await gql.data(LOGOUT, token=token))["logout"]["userErrors"] == []
    assert (await gql.data(VIEWER, token=token))["viewer"] is None
    assert (await gql.data(VIEWER, token=other))["viewer"] is not None
    again = await gql.execute(LOGOUT, token=token)
    assert again["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_session_expires_after_twelve_hours(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    token = await gql.session("basic@acme.example")
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert (await gql.data(VIEWER, token=token))["viewer"] is not None
    clock.advance(timedelta(seconds=1))
    assert (await gql.data(VIEWER, token=token))["viewer"] is None


async def test_garbage_and_missing_bearer_tokens_mean_no_viewer(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    assert (await gql.data(VIEWER))["viewer"] is None
    assert (await gql.data(VIEWER, token="not-a-token"))["viewer"] is None
    response = await gql.post(VIEWER, headers={"Authorization": "Basic abc"})
    assert response.json()["data"]["viewer"] is None
