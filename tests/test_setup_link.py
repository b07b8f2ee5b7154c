"""The email link sent when a required operator logs in without 2FA, and why a stolen
password alone cannot enroll an authenticator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models import Authenticator, Operator, Session, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.smtp import link_token, text_of
from tests.support import (
    CONFIRM_ENROLLMENT,
    PUBLIC_URL,
    START_ENROLLMENT,
    TWO_FACTOR_LOGIN,
    Delivery,
    GraphQLClient,
    add_operator,
    enroll,
    gid,
    make_team,
    session_for,
    set_default,
    totp_code,
)

SETUP_URL = f"{PUBLIC_URL}/two-factor/setup"


async def test_login_emails_a_link_that_leads_to_enrollment_and_a_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    login = await gql.login(team.basic.email)
    assert login["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    [message] = await deliver()
    assert message["To"] == team.basic.email
    assert message["Subject"] == "Set up two-factor authentication for Acme"
    assert "24 hours" in text_of(message)
    setup = link_token(message, SETUP_URL)

    started = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    secret = started["enrollment"]["secret"]
    confirmed = (
        await gql.data(
            CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now()), "setupToken": setup}
        )
    )["confirmTwoFactorEnrollment"]
    assert confirmed["userErrors"] == [] and confirmed["sessionToken"]
    viewer = await gql.data("{ viewer { email } }", token=confirmed["sessionToken"])
    assert viewer["viewer"]["email"] == team.basic.email
    # Single use: the link cannot set up another authenticator.
    again = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    assert again["userErrors"][0]["code"] == "TOKEN_INVALID"


async def test_a_newer_link_replaces_older_ones_and_links_expire(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await gql.login(team.basic.email)
    await gql.login(team.basic.email)  # within a minute: no second email
    assert len(await deliver()) == 1
    clock.advance(timedelta(minutes=1))
    await gql.login(team.basic.email)
    first, second = (link_token(m, SETUP_URL) for m in await deliver())
    stale = (await gql.data(START_ENROLLMENT, {"setupToken": first}))["startTwoFactorEnrollment"]
    assert stale["userErrors"][0]["code"] == "TOKEN_INVALID"
    clock.advance(timedelta(hours=24))
    expired = (await gql.data(START_ENROLLMENT, {"setupToken": second}))["startTwoFactorEnrollment"]
    assert expired["userErrors"][0]["code"] == "TOKEN_EXPIRED"


async def test_a_stolen_password_alone_cannot_enroll_an_authenticator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    # Everything the thief gets back from logging in:
    body = (
        await gql.post(
            "mutation ($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
            "{ outcome sessionToken challengeToken viewer { id } userErrors { code } } }",
            {"e": team.basic.email, "p": "correct horse battery staple"},
        )
    ).json()
    login = body["data"]["login"]
    assert login["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    assert login["sessionToken"] is None and login["challengeToken"] is None
    # Nothing they hold starts an enrollment: no session, and the challenge is not a setup token.
    anonymous = await gql.execute(START_ENROLLMENT)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert login["viewer"] is None  # nothing about the operator before the second factor
    for guess in (gid(team.basic), "", "x" * 43):
        refused = (await gql.data(START_ENROLLMENT, {"setupToken": guess}))[
            "startTwoFactorEnrollment"
        ]
        assert refused["userErrors"][0]["code"] == "TOKEN_INVALID"
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    assert not await Session.filter(operator_id=team.basic.id).exists()
    # The link went to the operator's mailbox only.
    [message] = await deliver()
    assert message["To"] == team.basic.email


async def test_a_password_session_from_before_required_cannot_enroll(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)  # OPTIONAL: the password alone gives a session
    thief = await gql.session(team.basic.email)
    victim = await gql.session(team.basic.email)
    admin = await session_for(team.admin, clock)
    changed = await gql.data(
        "mutation { setAccountTwoFactorDefault(input: {mode: REQUIRED, gracePeriodHours: 24}) "
        "{ userErrors { code } } }",
        token=admin,
    )
    assert changed["setAccountTwoFactorDefault"]["userErrors"] == []

    # Inside the grace period the password sessions still work, but cannot enroll.
    for document, variables in ((START_ENROLLMENT, {}), (CONFIRM_ENROLLMENT, {"code": "123456"})):
        payload = next(iter((await gql.data(document, variables, token=thief)).values()))
        assert payload["userErrors"][0]["code"] == "SETUP_LINK_REQUIRED"
        assert "link in the email" in payload["userErrors"][0]["message"]
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    # The operator gets the link instead (once, despite two refused requests), and the
    # victim's own session is untouched.
    [message] = await deliver()
    assert message["To"] == team.basic.email and link_token(message, SETUP_URL)
    assert (await gql.data("{ viewer { email } }", token=victim))["viewer"] is not None
    # Once the grace period is over, a password session is not accepted at all.
    clock.advance(timedelta(hours=24))
    for token in (thief, victim):
        assert (await gql.data("{ viewer { email } }", token=token))["viewer"] is None


# -- A password alone never binds a first factor, under any mode ----------------------------


async def test_under_optional_a_password_session_enrolls_only_through_the_emailed_link(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)  # OPTIONAL
    by_password = await gql.session(team.basic.email)
    refused = (await gql.data(START_ENROLLMENT, token=by_password))["startTwoFactorEnrollment"]
    assert [e["code"] for e in refused["userErrors"]] == ["SETUP_LINK_REQUIRED"]
    assert refused["enrollment"] is None
    assert not await Authenticator.exists(operator_id=team.basic.id)
    [message] = await deliver()
    assert message["To"] == team.basic.email
    assert message["Subject"] == "Continue setting up two-factor authentication"
    assert "did not ask for this" in text_of(message)
    setup = link_token(message, SETUP_URL)

    started = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    code = totp_code(started["enrollment"]["secret"], clock.now())
    # The link, not the password session, confirms it too.
    from_session = (await gql.data(CONFIRM_ENROLLMENT, {"code": code}, token=by_password))[
        "confirmTwoFactorEnrollment"
    ]
    assert [e["code"] for e in from_session["userErrors"]] == ["SETUP_LINK_REQUIRED"]
    confirmed = (await gql.data(CONFIRM_ENROLLMENT, {"code": code, "setupToken": setup}))[
        "confirmTwoFactorEnrollment"
    ]
    assert confirmed["userErrors"] == [] and confirmed["sessionToken"]
    methods = await gql.data(
        "{ viewerSession { authenticationMethods } }", token=confirmed["sessionToken"]
    )
    assert methods["viewerSession"]["authenticationMethods"] == ["SETUP_LINK", "TOTP"]


async def test_sessions_that_proved_the_mailbox_or_a_factor_enroll_directly(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    for method in (AuthenticationMethod.INVITATION, AuthenticationMethod.SETUP_LINK):
        token = await session_for(team.basic, clock, methods=[method])
        started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
        assert started["userErrors"] == [] and started["enrollment"]["secret"], method
    # A password renewed in such a session keeps what the session proved.
    token = await session_for(
        team.admin,
        clock,
        methods=[AuthenticationMethod.INVITATION, AuthenticationMethod.PASSWORD],
    )
    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []
    assert await deliver() == []


# -- What the policy tells a client before it tries ------------------------------------------

POLICY = """query ($id: ID!) { node(id: $id) { ... on Operator {
  effectiveTwoFactorPolicy { canEnroll enrollmentNeedsEmailLink } } } }"""
PASSWORD_ONLY = [AuthenticationMethod.PASSWORD]
MAILBOX = [AuthenticationMethod.INVITATION]


@pytest.mark.parametrize(
    ("mode", "grace", "methods", "configured", "expected", "answer"),
    [
        (TwoFactorMode.OPTIONAL, False, PASSWORD_ONLY, False, (True, True), "SETUP_LINK_REQUIRED"),
        (TwoFactorMode.OPTIONAL, False, MAILBOX, False, (True, False), None),
        (TwoFactorMode.OPTIONAL, False, TWO_FACTOR_LOGIN, False, (True, False), None),
        (TwoFactorMode.REQUIRED, True, PASSWORD_ONLY, False, (True, True), "SETUP_LINK_REQUIRED"),
        (TwoFactorMode.REQUIRED, True, MAILBOX, False, (True, True), "SETUP_LINK_REQUIRED"),
        (
            TwoFactorMode.DISABLED,
            False,
            PASSWORD_ONLY,
            False,
            (False, False),
            "NOT_ALLOWED_BY_POLICY",
        ),
        (
            TwoFactorMode.OPTIONAL,
            False,
            TWO_FACTOR_LOGIN,
            True,
            (False, False),
            "ALREADY_CONFIGURED",
        ),
    ],
    ids=[
        "optional-password-session",
        "optional-invitation-session",
        "optional-two-factor-session",
        "required-in-grace-password-session",
        "required-in-grace-invitation-session",
        "disabled",
        "configured",
    ],
)
async def test_the_policy_says_whether_enrolling_from_this_session_needs_the_emailed_link(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    mode: TwoFactorMode,
    grace: bool,
    methods: list[AuthenticationMethod],
    configured: bool,
    expected: tuple[bool, bool],
    answer: str | None,
) -> None:
    """The viewer's ``enrollmentNeedsEmailLink`` is what ``startTwoFactorEnrollment`` then
    does: SETUP_LINK_REQUIRED and a link in the mailbox exactly when it is true."""
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock, methods=methods)
    if configured:
        await enroll(gql, token, clock)
    await set_default(team, mode)
    if grace:
        team.account.two_factor_grace_period_hours = 24
        await team.account.save(update_fields=["two_factor_grace_period_hours"])
        await Operator.filter(id=team.basic.id).update(two_factor_required_since=clock.now())
    sent_before = len(await deliver())

    policy = (await gql.data(POLICY, {"id": gid(team.basic)}, token=token))["node"]
    shown = policy["effectiveTwoFactorPolicy"]
    assert (shown["canEnroll"], shown["enrollmentNeedsEmailLink"]) == expected
    viewer = await gql.data(
        "{ viewer { effectiveTwoFactorPolicy { canEnroll enrollmentNeedsEmailLink } } }",
        token=token,
    )
    assert viewer["viewer"]["effectiveTwoFactorPolicy"] == shown

    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
    codes = [error["code"] for error in started["userErrors"]]
    assert codes == ([answer] if answer else [])
    assert (codes == ["SETUP_LINK_REQUIRED"]) is shown["enrollmentNeedsEmailLink"]
    assert (started["enrollment"] is not None) is (shown["canEnroll"] and not expected[1])
    links = [m for m in (await deliver())[sent_before:] if SETUP_URL in text_of(m)]
    assert len(links) == (1 if shown["enrollmentNeedsEmailLink"] else 0)


async def test_for_someone_else_the_policy_answers_as_for_their_password_login(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)  # OPTIONAL, nobody configured
    enrolled = await add_operator(team.account, "enrolled@acme.example", hasher, clock)
    await enroll(gql, await session_for(enrolled, clock), clock)
    disabled = await add_operator(
        team.account, "off@acme.example", hasher, clock, override=TwoFactorMode.DISABLED
    )
    admin = await session_for(team.admin, clock)  # a two-factor session: enrolls directly

    def seen(data: dict[str, Any]) -> tuple[bool, bool]:
        policy = data["node"]["effectiveTwoFactorPolicy"]
        return policy["canEnroll"], policy["enrollmentNeedsEmailLink"]

    by_admin = {
        operator.email: seen(await gql.data(POLICY, {"id": gid(operator)}, token=admin))
        for operator in (team.admin, team.basic, enrolled, disabled)
    }
    assert by_admin == {
        team.admin.email: (True, False),  # the viewer's own: from this session
        team.basic.email: (True, True),
        enrolled.email: (False, False),
        disabled.email: (False, False),
    }
    # What the administrator was shown is what the operator meets after a password login.
    own = await gql.session(team.basic.email)
    assert seen(await gql.data(POLICY, {"id": gid(team.basic)}, token=own)) == (True, True)
    started = (await gql.data(START_ENROLLMENT, token=own))["startTwoFactorEnrollment"]
    assert [error["code"] for error in started["userErrors"]] == ["SETUP_LINK_REQUIRED"]
    from_admin = (await gql.data(START_ENROLLMENT, token=admin))["startTwoFactorEnrollment"]
    assert from_admin["userErrors"] == []
