"""Enrollment from the operator's settings, over GraphQL."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from models import AuditEvent, Authenticator, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    CONFIRM_ENROLLMENT,
    START_ENROLLMENT,
    GraphQLClient,
    add_operator,
    enroll,
    make_team,
    read_qr_png,
    session_for,
    totp_code,
    verify,
)

POLICY = "{ viewer { recoveryCodesRemaining effectiveTwoFactorPolicy { state setupRequired canEnroll codeRequiredAtLogin } } }"


async def test_enrollment_from_settings_end_to_end(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    other_session = await session_for(team.basic, clock)

    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []
    enrollment = started["enrollment"]
    secret = enrollment["secret"]
    assert len(secret) == 32
    assert enrollment["expiresAt"] == (clock.now() + timedelta(minutes=15)).isoformat()
    # The QR code carries exactly the URI, which carries the secret, issuer and label.
    assert read_qr_png(enrollment["qrCodePng"]) == enrollment["otpauthUri"]
    uri = urlsplit(enrollment["otpauthUri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/Acme Cloud:basic@acme.example"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Acme Cloud"]
    assert enrollment["qrCodeSvg"].startswith("<svg") and enrollment["qrCodeSvg"].endswith("</svg>")
    pending = (await gql.data(POLICY, token=token))["viewer"]["effectiveTwoFactorPolicy"]
    assert pending == {
        "state": "PENDING",
        "setupRequired": False,
        "canEnroll": True,
        "codeRequiredAtLogin": False,
    }

    wrong = await gql.data(CONFIRM_ENROLLMENT, {"code": "000000"}, token=token)
    assert wrong["confirmTwoFactorEnrollment"]["userErrors"][0]["code"] == "INVALID_CODE"
    assert wrong["confirmTwoFactorEnrollment"]["userErrors"][0]["field"] == ["input", "code"]

    confirmed = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now())}, token=token
    )
    payload = confirmed["confirmTwoFactorEnrollment"]
    assert payload["userErrors"] == []
    assert len(payload["recoveryCodes"]) == 10 and len(set(payload["recoveryCodes"])) == 10
    assert payload["sessionToken"] is None
    assert payload["operator"]["recoveryCodesRemaining"] == 10
    assert payload["operator"]["effectiveTwoFactorPolicy"] == {
        "state": "CONFIGURED",
        "codeRequiredAtLogin": True,
    }
    # The session that confirmed stays; the operator's other sessions end.
    assert (await gql.data(POLICY, token=token))["viewer"] is not None
    assert (await gql.data(POLICY, token=other_session))["viewer"] is None
    kinds = {e.kind for e in await AuditEvent.filter(target_id=team.basic.id)}
    assert {"ENROLLMENT_STARTED", "ENROLLMENT_CONFIRMED"} <= kinds

    # Login now asks for a code; the code used to confirm cannot be the first login code.
    login = await gql.login(team.basic.email)
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    assert login["sessionToken"] is None and login["challengeToken"]
    reused = await verify(gql, login["challengeToken"], totp_code(secret, clock.now()))
    assert reused["userErrors"][0]["code"] == "CODE_ALREADY_USED"
    clock.advance(timedelta(seconds=30))
    ok = await verify(gql, login["challengeToken"], totp_code(secret, clock.now()))
    assert ok["userErrors"] == [] and ok["sessionToken"]
    assert ok["viewer"]["email"] == "basic@acme.example"
    # The challenge is single use.
    clock.advance(timedelta(seconds=30))
    again = await verify(gql, login["challengeToken"], totp_code(secret, clock.now()))
    assert again["userErrors"][0]["code"] == "TOKEN_INVALID"


async def test_restarting_replaces_the_pending_secret(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    first = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"][
        "enrollment"
    ]
    second = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"][
        "enrollment"
    ]
    assert first["secret"] != second["secret"]
    assert await Authenticator.filter(operator_id=team.basic.id).count() == 1
    stale = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(first["secret"], clock.now())}, token=token
    )
    assert stale["confirmTwoFactorEnrollment"]["userErrors"][0]["code"] == "INVALID_CODE"


async def test_pending_secret_expires_after_fifteen_minutes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"][
        "enrollment"
    ]
    clock.advance(timedelta(minutes=15))
    late = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(started["secret"], clock.now())}, token=token
    )
    assert late["confirmTwoFactorEnrollment"]["userErrors"][0]["code"] == "NO_PENDING_ENROLLMENT"
    state = (await gql.data(POLICY, token=token))["viewer"]["effectiveTwoFactorPolicy"]["state"]
    assert state == "NOT_CONFIGURED"


async def test_confirm_without_start_has_no_pending_enrollment(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    data = await gql.data(CONFIRM_ENROLLMENT, {"code": "123456"}, token=token)
    assert data["confirmTwoFactorEnrollment"]["userErrors"][0]["code"] == "NO_PENDING_ENROLLMENT"


async def test_enrollment_is_refused_when_disabled_for_sso_and_when_configured(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    disabled = await add_operator(
        team.account, "off@acme.example", hasher, clock, override=TwoFactorMode.DISABLED
    )
    sso = await add_operator(
        team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True
    )
    data = await gql.data(START_ENROLLMENT, token=await session_for(disabled, clock))
    assert data["startTwoFactorEnrollment"]["userErrors"][0]["code"] == "NOT_ALLOWED_BY_POLICY"
    assert data["startTwoFactorEnrollment"]["enrollment"] is None
    # A single-sign-on operator's session is not accepted at all: they sign in elsewhere.
    refused = await gql.execute(START_ENROLLMENT, token=await session_for(sso, clock))
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    token = await session_for(team.basic, clock)
    await enroll(gql, token, clock)
    again = await gql.data(START_ENROLLMENT, token=token)
    assert again["startTwoFactorEnrollment"]["userErrors"][0]["code"] == "ALREADY_CONFIGURED"
    assert await Authenticator.filter(operator_id__in=[disabled.id, sso.id]).count() == 0


async def test_enrollment_needs_a_session_or_a_setup_token(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    anonymous = await gql.execute(START_ENROLLMENT)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bogus = await gql.data(START_ENROLLMENT, {"setupToken": "made-up"})
    error = bogus["startTwoFactorEnrollment"]["userErrors"][0]
    assert (error["code"], error["field"]) == ("TOKEN_INVALID", ["input", "setupToken"])


async def test_switching_modes_keeps_a_configured_authenticator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    await enroll(gql, token, clock)
    await team.account.__class__.filter(id=team.account.id).update(
        two_factor_default=TwoFactorMode.DISABLED
    )
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"
    await team.account.__class__.filter(id=team.account.id).update(
        two_factor_default=TwoFactorMode.REQUIRED
    )
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
