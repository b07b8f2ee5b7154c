"""An operator whose only factors are passkeys adds an authenticator app (SPEC 5.4)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from models import (
    AuditEvent,
    Authenticator,
    TokenPurpose,
    TwoFactorMode,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.machinery import tokens
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.passkey_support import REMOVE_PASSKEY, register
from tests.support import (
    CONFIRM_ENROLLMENT,
    PASSWORD,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    Team,
    enroll,
    make_team,
    session_for,
    set_default,
    totp_code,
    verify,
)

LOGIN = """
mutation ($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    outcome challengeToken availableSecondFactors } }
"""
MINE = """{ viewer { twoFactorConfiguredAt recoveryCodesRemaining
  effectiveTwoFactorPolicy { state canEnroll enrollmentNeedsEmailLink }
  passkeys { id name } }
  viewerSession { authenticationMethods } }"""
ADDED = {"via": "SETTINGS", "factor": "TOTP", "added": True}


async def passkey_operator(
    gql: GraphQLClient, team: Team, clock: FrozenClock
) -> tuple[str, list[str]]:
    """Give the basic operator a passkey as their only factor: the session and the codes."""
    token = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    done = await register(gql, SoftwareAuthenticator(), token=token, name="Desk key")
    codes: list[str] = done["recoveryCodes"]
    assert len(codes) == 10
    return token, codes


async def start(gql: GraphQLClient, token: str | None, setup_token: str | None = None) -> Any:
    """Run ``startTwoFactorEnrollment``; return its payload."""
    variables = {"setupToken": setup_token}
    data = await gql.data(START_ENROLLMENT, variables, token=token)
    return data["startTwoFactorEnrollment"]


async def confirm(gql: GraphQLClient, token: str, code: str) -> Any:
    """Run ``confirmTwoFactorEnrollment`` from a session; return its payload."""
    data = await gql.data(CONFIRM_ENROLLMENT, {"code": code}, token=token)
    return data["confirmTwoFactorEnrollment"]


def error_codes(payload: dict[str, Any]) -> list[str]:
    """The codes of a payload's userErrors."""
    return [error["code"] for error in payload["userErrors"]]


async def test_an_authenticator_app_is_added_beside_passkeys_and_changes_nothing_else(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    token, codes = await passkey_operator(gql, team, clock)
    await WebhookEndpoint.create(
        account_id=team.account.id,
        url="https://93.184.216.34/twofa",
        event_types=["two_factor.enabled"],
        secret_encrypted="unused",
        created_at=clock.now(),
    )
    other = await session_for(
        team.basic, clock, methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.PASSKEY]
    )
    before = await gql.data(MINE, token=token)
    policy = before["viewer"]["effectiveTwoFactorPolicy"]
    assert policy == {"state": "CONFIGURED", "canEnroll": False, "enrollmentNeedsEmailLink": False}
    sent_before = len(await deliver())
    clock.advance(timedelta(minutes=5))

    started = await start(gql, token)
    assert started["userErrors"] == []
    secret = started["enrollment"]["secret"]
    done = await confirm(gql, token, totp_code(secret, clock.now()))

    assert done["userErrors"] == []
    assert done["recoveryCodes"] is None and done["sessionToken"] is None
    assert done["operator"]["effectiveTwoFactorPolicy"]["state"] == "CONFIGURED"
    assert done["operator"]["recoveryCodesRemaining"] == 10
    after = await gql.data(MINE, token=token)
    assert after["viewer"]["twoFactorConfiguredAt"] == before["viewer"]["twoFactorConfiguredAt"]
    assert "TOTP" in after["viewerSession"]["authenticationMethods"]
    still = await gql.data("{ viewer { email } }", token=other)
    assert still["viewer"] == {"email": team.basic.email}  # the other session goes on

    confirmed = await AuditEvent.filter(kind="ENROLLMENT_CONFIRMED").order_by("id")
    assert [event.details for event in confirmed][-1] == ADDED
    assert confirmed[-1].actor_id == confirmed[-1].target_id == team.basic.id
    # Two-factor authentication was on already: no webhook says it was just turned on.
    assert not await WebhookDelivery.exists(event_type="two_factor.enabled")
    [notice] = (await deliver())[sent_before:]
    assert notice["Subject"] == "An authenticator app was added to your account"

    clock.advance(timedelta(seconds=30))
    login = (await gql.data(LOGIN, {"email": team.basic.email, "password": PASSWORD}))["login"]
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    assert login["availableSecondFactors"] == ["TOTP", "PASSKEY", "RECOVERY_CODE"]
    verified = await verify(gql, login["challengeToken"], totp_code(secret, clock.now()))
    assert verified["userErrors"] == [] and verified["sessionToken"]
    # The recovery codes from the passkey's registration still work.
    login = (await gql.data(LOGIN, {"email": team.basic.email, "password": PASSWORD}))["login"]
    recovered = await verify(gql, login["challengeToken"], codes[0])
    assert recovered["userErrors"] == [] and recovered["sessionToken"]


async def test_a_session_that_proved_no_second_factor_recently_is_asked_to_reauthenticate(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token, _ = await passkey_operator(gql, team, clock)
    remembered = await session_for(
        team.basic,
        clock,
        methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.TRUSTED_DEVICE],
    )
    assert error_codes(await start(gql, remembered)) == ["REAUTHENTICATION_REQUIRED"]

    started = await start(gql, token)
    assert started["userErrors"] == []
    clock.advance(timedelta(hours=2))  # the window ends before the code is given
    code = totp_code(started["enrollment"]["secret"], clock.now())
    assert error_codes(await confirm(gql, token, code)) == ["REAUTHENTICATION_REQUIRED"]
    assert error_codes(await start(gql, token)) == ["REAUTHENTICATION_REQUIRED"]
    assert await AuditEvent.filter(kind="ENROLLMENT_CONFIRMED").count() == 1  # the passkey


async def test_a_password_only_session_never_adds_an_authenticator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    await passkey_operator(gql, team, clock)
    sent_before = len(await deliver())
    password_only = await session_for(team.basic, clock, methods=[AuthenticationMethod.PASSWORD])
    # Its password alone binds nothing: it is asked for a second factor, with no link sent.
    assert error_codes(await start(gql, password_only)) == ["REAUTHENTICATION_REQUIRED"]
    assert len(await deliver()) == sent_before  # and no setup link is emailed
    assert not await Authenticator.exists(operator_id=team.basic.id)


async def test_a_setup_token_cannot_add_an_authenticator_once_a_passkey_is_set_up(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await passkey_operator(gql, team, clock)
    setup = await tokens.issue(team.basic.id, TokenPurpose.SETUP_FROM_EMAIL, clock.now())
    assert error_codes(await start(gql, None, setup_token=setup)) == ["ALREADY_CONFIGURED"]


async def test_an_operator_with_an_authenticator_cannot_start_another(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    await enroll(gql, token, clock)
    await register(gql, SoftwareAuthenticator(), token=token)
    assert error_codes(await start(gql, token)) == ["ALREADY_CONFIGURED"]


async def test_parallel_confirmations_add_exactly_one_authenticator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    token, _ = await passkey_operator(gql, team, clock)
    started = await start(gql, token)
    code = totp_code(started["enrollment"]["secret"], clock.now())
    results = await asyncio.gather(*(confirm(gql, token, code) for _ in range(4)))
    assert sum(result["userErrors"] == [] for result in results) == 1
    assert await AuditEvent.filter(kind="ENROLLMENT_CONFIRMED").count() == 2  # passkey + app
    sent = await deliver()
    assert [m["Subject"] for m in sent].count("An authenticator app was added to your account") == 1


@pytest.mark.parametrize("mode", ["OPTIONAL", "REQUIRED"])
async def test_removing_the_last_passkey_afterwards_keeps_two_factor_on(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, mode: str
) -> None:
    team = await make_team(hasher, clock)
    token, _ = await passkey_operator(gql, team, clock)
    await set_default(team, TwoFactorMode(mode))
    started = await start(gql, token)
    secret = started["enrollment"]["secret"]
    assert (await confirm(gql, token, totp_code(secret, clock.now())))["userErrors"] == []
    [passkey] = (await gql.data(MINE, token=token))["viewer"]["passkeys"]

    removed = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=token))["removePasskey"]

    assert removed["userErrors"] == []
    assert removed["operator"]["effectiveTwoFactorPolicy"]["state"] == "CONFIGURED"
    assert removed["operator"]["passkeys"] == []
    assert not await AuditEvent.exists(kind="TWO_FACTOR_DISABLED")
    after = await gql.data(MINE, token=token)
    assert after["viewer"]["recoveryCodesRemaining"] == 10
    login = (await gql.data(LOGIN, {"email": team.basic.email, "password": PASSWORD}))["login"]
    assert login["availableSecondFactors"] == ["TOTP", "RECOVERY_CODE"]
