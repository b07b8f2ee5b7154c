"""Logging in and reauthenticating with a passkey (SPEC 5.4), through GraphQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from models import Account, AuditEvent, Operator, Passkey, Session
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.passkey_authenticator import SoftwareAuthenticator, b64url, unb64url
from tests.passkey_support import (
    REAUTHENTICATE,
    REMOVE_PASSKEY,
    START_REAUTHENTICATION,
    START_VERIFICATION,
    STATE,
    VERIFY_PASSKEY,
    login_options,
    passkey_only,
    verify_passkey,
)
from tests.support import (
    PASSWORD,
    GraphQLClient,
    enroll,
    make_team,
    session_for,
    verify,
)

INVALID = [("PASSKEY_INVALID", ["input", "credential"])]


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The (code, field) pairs of a payload's userErrors."""
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def rejections(operator: Operator) -> int:
    """How many second-factor attempts of the operator were refused and audited."""
    return await AuditEvent.filter(kind="CODE_REJECTED", target_id=operator.id).count()


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
async def test_a_passkey_completes_the_login(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, algorithm: str
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator(algorithm)
    await passkey_only(gql, team.basic, clock, key)
    clock.advance(timedelta(minutes=1))

    challenge, options = await login_options(gql, team.basic.email)
    assert options["rpId"] == "twofa.test"
    assert options["allowCredentials"] == [
        {"id": key.id, "type": "public-key", "transports": ["usb", "nfc"]}
    ]
    done = await verify_passkey(gql, challenge, key.assertion(options))
    assert done["userErrors"] == [] and done["viewer"] == {"email": team.basic.email}
    assert done["deviceToken"] is None
    status = await gql.data(
        "{ viewerSession { authenticationMethods } viewer { passkeys { lastUsedAt } } }",
        token=done["sessionToken"],
    )
    assert status["viewerSession"]["authenticationMethods"] == ["PASSWORD", "PASSKEY"]
    assert status["viewer"]["passkeys"] == [{"lastUsedAt": clock.now().isoformat()}]
    assert (await Passkey.get(credential_id=key.id)).sign_count == key.counter == 1
    # The login challenge is spent.
    again = await verify(gql, challenge, "123456")
    assert again["userErrors"][0]["code"] == "TOKEN_INVALID"


async def test_a_remembered_device_token_comes_only_when_the_account_allows_it(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    challenge, options = await login_options(gql, team.basic.email)
    off = await verify_passkey(gql, challenge, key.assertion(options), remember=True)
    assert off["sessionToken"] and off["deviceToken"] is None

    await Account.filter(id=team.account.id).update(trusted_device_days=7)
    challenge, options = await login_options(gql, team.basic.email)
    on = await verify_passkey(gql, challenge, key.assertion(options), remember=True)
    assert on["sessionToken"] and on["deviceToken"]


Spoil = Callable[[SoftwareAuthenticator, dict[str, Any], GraphQLClient], Awaitable[Any]]


async def _wrong_origin(key: SoftwareAuthenticator, options: dict[str, Any], _: Any) -> Any:
    return key.assertion(options, origin="https://twofa.test.evil.example")


async def _wrong_rp_id(key: SoftwareAuthenticator, options: dict[str, Any], _: Any) -> Any:
    return key.assertion(options, rp_id="evil.example")


async def _bad_signature(key: SoftwareAuthenticator, options: dict[str, Any], _: Any) -> Any:
    return key.assertion(options, bad_signature=True)


async def _made_up_challenge(key: SoftwareAuthenticator, options: dict[str, Any], _: Any) -> Any:
    return key.assertion(options, challenge="A" * 43)


async def _regressed_counter(key: SoftwareAuthenticator, options: dict[str, Any], _: Any) -> Any:
    return key.assertion(options, counter=key.counter)  # the count already recorded


async def _another_operators_key(
    key: SoftwareAuthenticator, options: dict[str, Any], _: Any
) -> Any:
    admins = await Passkey.get(name="Admin key")
    other = SoftwareAuthenticator(credential_id=unb64url(admins.credential_id))
    return other.assertion(options)


async def _foreign_challenge(
    key: SoftwareAuthenticator, options: dict[str, Any], gql: GraphQLClient
) -> Any:
    _, foreign = await login_options(gql, "basic@acme.example")  # another login's challenge
    return key.assertion(foreign)


async def _deeply_nested_client_data(
    key: SoftwareAuthenticator, options: dict[str, Any], _: Any
) -> Any:
    answer = key.assertion(options)
    answer["response"]["clientDataJSON"] = b64url(b"[" * 50_000 + b"]" * 50_000)
    return answer


@pytest.mark.parametrize(
    ("spoil", "answers_this_challenge"),
    [
        (_wrong_origin, True),
        (_wrong_rp_id, True),
        (_bad_signature, True),
        (_regressed_counter, True),
        (_another_operators_key, True),
        (_made_up_challenge, False),
        (_foreign_challenge, False),
        (_deeply_nested_client_data, False),
    ],
)
async def test_a_spoiled_assertion_is_refused_and_counted(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    spoil: Spoil,
    answers_this_challenge: bool,
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    await passkey_only(gql, team.admin, clock, SoftwareAuthenticator())
    await Passkey.filter(operator_id=team.admin.id).update(name="Admin key")
    challenge, options = await login_options(gql, team.basic.email)
    assert not (await verify_passkey(gql, challenge, key.assertion(options)))["userErrors"]
    sessions_before = await Session.filter(operator_id=team.basic.id).count()

    challenge, options = await login_options(gql, team.basic.email)
    refused = await verify_passkey(gql, challenge, await spoil(key, options, gql))
    assert codes(refused) == INVALID
    assert refused["sessionToken"] is None
    assert await rejections(team.basic) == 1
    assert await Session.filter(operator_id=team.basic.id).count() == sessions_before
    # An answer to this challenge used it up before its signature was checked: even the
    # right answer is refused now. An answer to another challenge spent none of this login's.
    right = await verify_passkey(gql, challenge, key.assertion(options))
    assert (codes(right) == INVALID) is answers_this_challenge


async def test_a_replayed_assertion_is_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    challenge, options = await login_options(gql, team.basic.email)
    answer = key.assertion(options)
    assert (await verify_passkey(gql, challenge, answer))["sessionToken"]

    later, _ = await login_options(gql, team.basic.email)
    assert codes(await verify_passkey(gql, later, answer)) == INVALID
    # A newer challenge for the same login replaces the older one.
    challenge, first = await login_options(gql, team.basic.email)
    await gql.data(START_VERIFICATION, {"ch": challenge})
    assert codes(await verify_passkey(gql, challenge, key.assertion(first))) == INVALID
    # And a challenge lives five minutes.
    challenge, options = await login_options(gql, team.basic.email)
    clock.advance(timedelta(minutes=5))
    late = await verify_passkey(gql, challenge, key.assertion(options))
    assert late["userErrors"][0]["code"] in {"PASSKEY_INVALID", "TOKEN_EXPIRED"}


async def test_ten_parallel_uses_of_one_assertion_make_one_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    challenge, options = await login_options(gql, team.basic.email)
    answer = key.assertion(options)
    before = await Session.filter(operator_id=team.basic.id).count()

    results = await asyncio.gather(*(verify_passkey(gql, challenge, answer) for _ in range(10)))
    winners = [r for r in results if r["sessionToken"]]
    assert len(winners) == 1
    losers = {error["code"] for r in results if not r["sessionToken"] for error in r["userErrors"]}
    assert losers <= {"PASSKEY_INVALID", "TOKEN_INVALID", "TOO_MANY_ATTEMPTS"}
    assert await Session.filter(operator_id=team.basic.id).count() == before + 1


async def test_failed_assertions_lock_like_codes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    challenge, _ = await login_options(gql, team.basic.email)
    for _ in range(5):
        options = (await gql.data(START_VERIFICATION, {"ch": challenge}))[
            "startPasskeyVerification"
        ]["publicKeyOptions"]
        failed = await verify_passkey(gql, challenge, key.assertion(options, bad_signature=True))
        assert codes(failed) == INVALID
    options = (await gql.data(START_VERIFICATION, {"ch": challenge}))["startPasskeyVerification"][
        "publicKeyOptions"
    ]
    locked = await verify_passkey(gql, challenge, key.assertion(options))
    assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert locked["userErrors"][0]["lockedUntil"]
    assert locked["sessionToken"] is None
    assert await AuditEvent.filter(kind="LOCKED_OUT", target_id=team.basic.id).exists()


async def test_aliased_assertions_in_one_request_are_each_counted(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    await passkey_only(gql, team.basic, clock, key)
    challenge, options = await login_options(gql, team.basic.email)
    fields = " ".join(
        f"a{n}: verifyPasskey(input: {{challengeToken: $ch, credential: $c{n}}}) "
        "{ sessionToken userErrors { code } }"
        for n in range(5)
    )
    params = ", ".join(f"$c{n}: JSON!" for n in range(5))
    variables: dict[str, Any] = {"ch": challenge}
    for n in range(5):
        variables[f"c{n}"] = key.assertion(options, bad_signature=True)
    data = await gql.data(f"mutation ($ch: String!, {params}) {{ {fields} }}", variables)
    assert all(payload["sessionToken"] is None for payload in data.values())
    assert await rejections(team.basic) == 5

    options = (await gql.data(START_VERIFICATION, {"ch": challenge}))["startPasskeyVerification"][
        "publicKeyOptions"
    ]
    locked = await verify_passkey(gql, challenge, key.assertion(options))
    assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"


async def test_starting_verification_needs_a_live_login_and_a_passkey(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    unknown = await gql.data(START_VERIFICATION, {"ch": "no such challenge"})
    assert codes(unknown["startPasskeyVerification"]) == [
        ("TOKEN_INVALID", ["input", "challengeToken"])
    ]
    await enroll(gql, await session_for(team.basic, clock), clock)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    no_passkey = await gql.data(START_VERIFICATION, {"ch": challenge})
    assert codes(no_passkey["startPasskeyVerification"]) == [("NOT_CONFIGURED", None)]
    clock.advance(timedelta(minutes=5))
    expired = await gql.data(START_VERIFICATION, {"ch": challenge})
    assert codes(expired["startPasskeyVerification"]) == [
        ("TOKEN_EXPIRED", ["input", "challengeToken"])
    ]
    bad = await gql.data(VERIFY_PASSKEY, {"ch": "no such challenge", "c": {}})
    assert codes(bad["verifyPasskey"]) == [("TOKEN_INVALID", ["input", "challengeToken"])]


async def test_reauthenticating_with_a_passkey_renews_the_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    key = SoftwareAuthenticator()
    token = await passkey_only(gql, team.basic, clock, key)
    [passkey] = (await gql.data(STATE, token=token))["viewer"]["passkeys"]
    clock.advance(timedelta(hours=3))
    stale = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]
    assert codes(stale) == [("REAUTHENTICATION_REQUIRED", None)]

    # A challenge of another session does not serve this one.
    other = await session_for(team.basic, clock)
    foreign = (await gql.data(START_REAUTHENTICATION, token=other))["startPasskeyReauthentication"]
    answer = key.assertion(foreign["publicKeyOptions"])
    refused = await gql.data(REAUTHENTICATE, {"p": PASSWORD, "c": answer}, token=token)
    assert codes(refused["reauthenticate"]) == INVALID
    assert await rejections(team.basic) == 1

    started = (await gql.data(START_REAUTHENTICATION, token=token))["startPasskeyReauthentication"]
    assert started["userErrors"] == []
    answer = key.assertion(started["publicKeyOptions"])
    renewed = await gql.data(REAUTHENTICATE, {"p": PASSWORD, "c": answer}, token=token)
    assert renewed["reauthenticate"]["userErrors"] == []
    session = renewed["reauthenticate"]["session"]
    assert session["authenticatedAt"] == clock.now().isoformat()
    assert "PASSKEY" in session["authenticationMethods"]
    replayed = await gql.data(REAUTHENTICATE, {"p": PASSWORD, "c": answer}, token=token)
    assert codes(replayed["reauthenticate"]) == INVALID
    both = await gql.data(REAUTHENTICATE, {"p": PASSWORD, "c": answer, "code": "1"}, token=token)
    assert codes(both["reauthenticate"]) == [("INVALID_INPUT", ["input", "credential"])]

    removed = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]
    assert removed["userErrors"] == []
    event = await AuditEvent.filter(kind="REAUTHENTICATED").order_by("-id").first()
    assert event is not None and event.details == {"method": "passkey"}
