"""Every way of getting a session is one login, audited with how the operator proved it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from models import AuditEvent, Operator, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.smtp import link_token
from tests.support import (
    CONFIRM_ENROLLMENT,
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    enroll,
    make_team,
    session_for,
    set_default,
    totp_code,
    verify,
)

INVITE = """mutation ($email: String!) {
  inviteOperator(input: {email: $email, name: "New Person"}) { userErrors { code } } }"""
ACCEPT = """mutation ($token: String!) {
  acceptInvitation(input: {invitationToken: $token, password: "a long new password 42"}) {
    sessionToken setupToken userErrors { code } } }"""


INVITATION_URL = f"{PUBLIC_URL}/invitations/accept"
SETUP_URL = f"{PUBLIC_URL}/two-factor/setup"


async def mail_to(deliver: Delivery, address: str) -> EmailMessage:
    """The latest message delivered to ``address``."""
    [*_, message] = [m for m in await deliver() if m["To"] == address]
    return message


async def login_methods(operator_email: str) -> list[str]:
    """The methods of the operator's LOGIN_SUCCEEDED events, oldest first."""
    operator = await Operator.get(email_key=operator_email)
    events = await AuditEvent.filter(kind="LOGIN_SUCCEEDED", target_id=operator.id).order_by("id")
    assert all(event.actor_id == operator.id for event in events)
    return [",".join(event.details["methods"]) for event in events]


async def confirm_with_token(gql: GraphQLClient, setup_token: str, clock: FrozenClock) -> str:
    """Enroll with a setup token and return the session that confirming issues."""
    started = await gql.data(START_ENROLLMENT, {"setupToken": setup_token})
    secret = started["startTwoFactorEnrollment"]["enrollment"]["secret"]
    confirmed = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now()), "setupToken": setup_token}
    )
    token: str = confirmed["confirmTwoFactorEnrollment"]["sessionToken"]
    assert token
    return token


async def test_password_totp_and_recovery_code_logins_are_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    assert (await gql.login(team.basic.email))["sessionToken"]
    mailbox = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    enrolled = await enroll(gql, mailbox, clock)
    clock.advance(timedelta(minutes=5))  # past the step used to confirm
    by_totp = await verify(
        gql,
        (await gql.login(team.basic.email))["challengeToken"],
        totp_code(enrolled.secret, clock.now()),
    )
    by_recovery = await verify(
        gql, (await gql.login(team.basic.email))["challengeToken"], enrolled.recovery_codes[0]
    )
    assert by_totp["sessionToken"] and by_recovery["sessionToken"]
    assert await login_methods(team.basic.email) == [
        "password",
        "invitation",
        "password,totp",
        "password,recovery_code",
    ]


async def test_setup_link_and_invitation_sessions_are_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await gql.data(INVITE, {"email": "opt@acme.example"}, token=admin))["inviteOperator"][
        "userErrors"
    ] == []
    invitation = await mail_to(deliver, "opt@acme.example")
    accepted = await gql.data(ACCEPT, {"token": link_token(invitation, INVITATION_URL)})
    assert accepted["acceptInvitation"]["sessionToken"]
    assert await login_methods("opt@acme.example") == ["invitation"]

    await set_default(team, TwoFactorMode.REQUIRED)
    await gql.data(INVITE, {"email": "req@acme.example"}, token=admin)
    invitation = await mail_to(deliver, "req@acme.example")
    accepted = await gql.data(ACCEPT, {"token": link_token(invitation, INVITATION_URL)})
    await confirm_with_token(gql, accepted["acceptInvitation"]["setupToken"], clock)
    assert await login_methods("req@acme.example") == ["invitation,totp"]

    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    setup = await mail_to(deliver, team.basic.email)
    await confirm_with_token(gql, link_token(setup, SETUP_URL), clock)
    assert await login_methods(team.basic.email) == ["setup_link,totp"]
