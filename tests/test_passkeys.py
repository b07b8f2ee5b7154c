"""Registering, listing and removing passkeys (SPEC 5.4), through GraphQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models import AuditEvent, Operator, Passkey, RecoveryCode, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.passkey_authenticator import SoftwareAuthenticator, unb64url
from tests.passkey_support import (
    REMOVE_PASSKEY,
    STATE,
    finish_registration,
    passkey_only,
    register,
    start_registration,
)
from tests.smtp import link_token, text_of
from tests.support import (
    PUBLIC_URL,
    Delivery,
    GraphQLClient,
    add_operator,
    enroll,
    gid,
    make_team,
    session_for,
    set_default,
)

SETUP_LINK = f"{PUBLIC_URL}/two-factor/setup"


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The (code, field) pairs of a payload's userErrors."""
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
async def test_a_passkey_is_added_beside_an_authenticator_from_settings(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    algorithm: str,
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    await enroll(gql, token, clock)
    sent_before = len(await deliver())  # the TOTP setup's notice

    started = await start_registration(gql, token=token)
    options = started["publicKeyOptions"]
    assert options["rp"]["id"] == "twofa.test"  # the host of PUBLIC_URL
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == []
    assert options["user"]["name"] == team.basic.email
    assert len(unb64url(options["user"]["id"])) == 32  # an HMAC: no email, no id

    key = SoftwareAuthenticator(algorithm)
    credential = key.register(options)
    done = await finish_registration(gql, credential, token=token, name="  Blue key  ")
    assert done["userErrors"] == []
    assert done["passkey"]["name"] == "Blue key"
    assert done["passkey"]["lastUsedAt"] is None
    assert done["recoveryCodes"] is None and done["sessionToken"] is None
    viewer = (await gql.data(STATE, token=token))["viewer"]
    assert viewer["effectiveTwoFactorPolicy"]["state"] == "CONFIGURED"
    assert [p["name"] for p in viewer["passkeys"]] == ["Blue key"]
    [notice] = (await deliver())[sent_before:]
    assert notice["Subject"] == "A passkey was added to your account"
    assert "Blue key" in text_of(notice)
    added = await AuditEvent.get(kind="PASSKEY_ADDED")
    assert added.details == {"name": "Blue key"} and added.actor_id == team.basic.id

    again = await start_registration(gql, token=token)
    assert [c["id"] for c in again["publicKeyOptions"]["excludeCredentials"]] == [key.id]


async def test_a_password_session_gets_the_setup_link_which_registers_and_logs_in(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    by_password = await gql.session(team.basic.email)
    refused = await start_registration(gql, token=by_password)
    assert codes(refused) == [("SETUP_LINK_REQUIRED", None)]
    assert refused["publicKeyOptions"] is None
    [mail] = await deliver()
    setup_token = link_token(mail, SETUP_LINK)

    key = SoftwareAuthenticator("RS256")
    done = await register(gql, key, setup_token=setup_token)
    assert len(done["recoveryCodes"]) == 10 and len(set(done["recoveryCodes"])) == 10
    session = done["sessionToken"]
    status = await gql.data(
        "{ viewer { effectiveTwoFactorPolicy { state } recoveryCodesRemaining } "
        "viewerSession { authenticationMethods } }",
        token=session,
    )
    assert status["viewer"] == {
        "effectiveTwoFactorPolicy": {"state": "CONFIGURED"},
        "recoveryCodesRemaining": 10,
    }
    assert status["viewerSession"]["authenticationMethods"] == ["SETUP_LINK", "PASSKEY"]
    assert (await gql.data("{ viewer { email } }", token=by_password))["viewer"] is None
    [_, enabled] = await deliver()
    assert enabled["Subject"] == "Two-factor authentication is on"
    confirmed = await AuditEvent.get(kind="ENROLLMENT_CONFIRMED")
    assert confirmed.details == {"via": "SETUP_FROM_EMAIL", "factor": "PASSKEY"}

    # The link is spent, and the codes are not shown again with a further passkey.
    reused = await start_registration(gql, setup_token=setup_token)
    assert codes(reused) == [("TOKEN_INVALID", ["input", "setupToken"])]
    more = await register(gql, SoftwareAuthenticator(), token=session, name="Spare")
    assert more["recoveryCodes"] is None


async def test_a_session_that_proved_the_mailbox_registers_a_first_passkey(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await session_for(team.basic, clock)
    token = await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    methods = await gql.data("{ viewerSession { authenticationMethods } }", token=token)
    assert methods["viewerSession"]["authenticationMethods"] == ["INVITATION", "PASSKEY"]
    assert await RecoveryCode.filter(operator_id=team.basic.id).count() == 10
    assert (await gql.data("{ viewer { email } }", token=other))["viewer"] is None


async def test_bad_answers_names_and_the_limit_are_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    await enroll(gql, token, clock)
    key = SoftwareAuthenticator()
    invalid = [("PASSKEY_INVALID", ["input", "credential"])]

    for spoil in ({"origin": "https://evil.example"}, {"rp_id": "evil.example"}):
        options = (await start_registration(gql, token=token))["publicKeyOptions"]
        refused = await finish_registration(gql, key.register(options, **spoil), token=token)
        assert codes(refused) == invalid, spoil
    options = (await start_registration(gql, token=token))["publicKeyOptions"]
    stale = key.register(options)
    newer = (await start_registration(gql, token=token))["publicKeyOptions"]  # replaces it
    assert codes(await finish_registration(gql, stale, token=token)) == invalid
    for name in ("   ", "x" * 101):
        refused = await finish_registration(gql, key.register(newer), token=token, name=name)
        assert codes(refused) == [("INVALID_INPUT", ["input", "name"])]
    answer = key.register(newer)
    assert (await finish_registration(gql, answer, token=token))["userErrors"] == []
    assert codes(await finish_registration(gql, answer, token=token)) == invalid  # replayed

    # The same credential for someone else is refused too.
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    options = (await start_registration(gql, token=admin))["publicKeyOptions"]
    assert codes(await finish_registration(gql, key.register(options), token=admin)) == invalid
    assert await Passkey.filter(credential_id=key.id).count() == 1

    for n in range(9):
        await register(gql, SoftwareAuthenticator(), token=token, name=f"Key {n}")
    eleventh = await start_registration(gql, token=token)
    assert codes(eleventh) == [("INVALID_INPUT", ["input", "name"])]
    assert await Passkey.filter(operator_id=team.basic.id).count() == 10


async def test_more_passkeys_need_a_session_with_a_second_factor(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    by_password = await session_for(team.basic, clock, methods=[AuthenticationMethod.PASSWORD])
    refused = await start_registration(gql, token=by_password)
    assert codes(refused) == [("REAUTHENTICATION_REQUIRED", None)]

    off = await add_operator(
        team.account, "off@acme.example", hasher, clock, override=TwoFactorMode.DISABLED
    )
    token = await session_for(off, clock)
    assert codes(await start_registration(gql, token=token)) == [("NOT_ALLOWED_BY_POLICY", None)]


async def test_removing_the_last_passkey_follows_the_policy(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    token = await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    [passkey] = (await gql.data(STATE, token=token))["viewer"]["passkeys"]
    sent_before = len(await deliver())

    await set_default(team, TwoFactorMode.REQUIRED)
    refused = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]
    assert codes(refused) == [("NOT_ALLOWED_BY_POLICY", ["input", "passkeyId"])]
    assert await Passkey.filter(operator_id=team.basic.id).exists()

    await set_default(team, TwoFactorMode.OPTIONAL)
    other = await session_for(team.basic, clock)
    removed = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]
    assert removed["userErrors"] == []
    assert removed["operator"]["effectiveTwoFactorPolicy"]["state"] == "NOT_CONFIGURED"
    assert removed["operator"]["passkeys"] == []
    assert not await RecoveryCode.filter(operator_id=team.basic.id).exists()
    assert (await gql.data("{ viewer { email } }", token=other))["viewer"] is None
    methods = await gql.data("{ viewerSession { authenticationMethods } }", token=token)
    assert methods["viewerSession"]["authenticationMethods"] == ["INVITATION"]
    kinds = set(await AuditEvent.filter(target_id=team.basic.id).values_list("kind", flat=True))
    assert {"PASSKEY_REMOVED", "TWO_FACTOR_DISABLED"} <= kinds
    sent = [m["Subject"] for m in await deliver()][sent_before:]
    assert sent == ["Two-factor authentication is off"]


async def test_removing_one_of_several_keeps_2fa_and_ends_the_other_sessions(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    await register(gql, SoftwareAuthenticator("RS256"), token=token, name="Spare")
    other = await session_for(team.basic, clock)
    lost = (await gql.data(STATE, token=token))["viewer"]["passkeys"][0]

    admin = await session_for(team.admin, clock)
    foreign = (await gql.data(REMOVE_PASSKEY, {"id": lost["id"]}, token=admin))["removePasskey"]
    assert codes(foreign) == [("NOT_FOUND", ["input", "passkeyId"])]

    removed = (await gql.data(REMOVE_PASSKEY, {"id": lost["id"]}, token=token))["removePasskey"]
    assert removed["userErrors"] == []
    assert removed["operator"]["effectiveTwoFactorPolicy"]["state"] == "CONFIGURED"
    assert removed["operator"]["passkeys"] == [{"name": "Spare"}]
    assert (await gql.data("{ viewer { email } }", token=other))["viewer"] is None
    assert (await gql.data("{ viewer { email } }", token=token))["viewer"] is not None
    event = await AuditEvent.get(kind="PASSKEY_REMOVED")
    assert event.details == {"name": "Security key"}

    missing = (await gql.data(REMOVE_PASSKEY, {"id": lost["id"]}, token=token))["removePasskey"]
    assert codes(missing) == [("NOT_FOUND", ["input", "passkeyId"])]


async def test_removing_a_passkey_needs_a_recent_authentication(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    [passkey] = (await gql.data(STATE, token=token))["viewer"]["passkeys"]
    clock.advance(timedelta(hours=2))
    stale = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]
    assert codes(stale) == [("REAUTHENTICATION_REQUIRED", None)]
    assert await Passkey.filter(operator_id=team.basic.id).exists()


async def test_disabling_and_resetting_two_factor_delete_passkeys(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])

    # A passkey-only operator turns 2FA off with a recovery code (no TOTP authenticator).
    done = await register(gql, SoftwareAuthenticator(), token=token)
    disabled = await gql.data(
        "mutation ($c: String!) { disableTwoFactor(input: {code: $c}) { "
        "operator { effectiveTwoFactorPolicy { state } passkeys { id } } userErrors { code } } }",
        {"c": done["recoveryCodes"][0]},
        token=token,
    )
    assert disabled["disableTwoFactor"] == {
        "operator": {"effectiveTwoFactorPolicy": {"state": "NOT_CONFIGURED"}, "passkeys": []},
        "userErrors": [],
    }

    await register(gql, SoftwareAuthenticator(), token=token)
    admin = await session_for(team.admin, clock)
    reset = await gql.data(
        "mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id}) "
        "{ userErrors { code } } }",
        {"id": gid(team.basic)},
        token=admin,
    )
    assert reset["resetOperatorTwoFactor"]["userErrors"] == []
    assert not await Passkey.filter(operator_id=team.basic.id).exists()
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"


OPERATOR_PASSKEYS = "query ($id: ID!) { node(id: $id) { ... on Operator { passkeys { name } } } }"
PASSKEY_NODE = "query ($id: ID!) { node(id: $id) { id ... on Passkey { name createdAt } } }"


async def test_passkeys_are_seen_by_their_operator_and_the_account_administrators(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    [own] = (await gql.data(STATE, token=token))["viewer"]["passkeys"]
    admin = await session_for(team.admin, clock)
    colleague = await session_for(
        await add_operator(team.account, "colleague@acme.example", hasher, clock), clock
    )
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    stranger = await session_for(other.admin, clock)

    seen = await gql.data(OPERATOR_PASSKEYS, {"id": gid(team.basic)}, token=admin)
    assert seen["node"] == {"passkeys": [{"name": "Security key"}]}
    assert (await gql.data(OPERATOR_PASSKEYS, {"id": gid(team.basic)}, token=stranger)) == {
        "node": None
    }
    by_id = await gql.data(PASSKEY_NODE, {"id": own["id"]}, token=admin)
    assert by_id["node"]["name"] == "Security key"
    assert (await gql.data(PASSKEY_NODE, {"id": own["id"]}, token=token))["node"]["id"] == own["id"]
    for outsider in (stranger, colleague):
        assert (await gql.data(PASSKEY_NODE, {"id": own["id"]}, token=outsider)) == {"node": None}


async def test_a_session_that_proved_no_second_factor_removes_no_passkey(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """A password-only session (from a login while 2FA was not asked of the operator)."""
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    await Operator.filter(id=team.basic.id).update(two_factor_override=TwoFactorMode.DISABLED)
    logged = await gql.login(team.basic.email)
    assert logged["outcome"] == "AUTHENTICATED"
    await Operator.filter(id=team.basic.id).update(two_factor_override=None)
    password_only = logged["sessionToken"]
    [passkey] = (await gql.data(STATE, token=password_only))["viewer"]["passkeys"]
    removed = await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=password_only)
    assert [e["code"] for e in removed["removePasskey"]["userErrors"]] == [
        "REAUTHENTICATION_REQUIRED"
    ]
    assert await Passkey.exists(operator_id=team.basic.id)
