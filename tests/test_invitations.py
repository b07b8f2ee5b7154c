"""Invitations end to end: the email, the link, the password, two-factor setup, logged in."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from models import AuditEvent, Operator, OperatorStatus, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import html_of, link_token, text_of
from tests.support import (
    CONFIRM_ENROLLMENT,
    INVITE,
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    make_team,
    read_qr_png,
    session_for,
    totp_code,
)

ACCEPT = """
mutation ($token: String!, $password: String!, $name: String) {
  acceptInvitation(input: {invitationToken: $token, password: $password, name: $name}) {
    outcome sessionToken setupToken viewer { email name status }
    userErrors { code field message }
  }
}
"""
NEW_PASSWORD = "a long new password 42"
INVITATION_URL = f"{PUBLIC_URL}/invitations/accept"


async def invite(
    gql: GraphQLClient, token: str, email: str = "new@acme.example", **extra: object
) -> dict[str, Any]:
    data = await gql.data(INVITE, {"email": email, "name": "New Person", **extra}, token=token)
    payload: dict[str, Any] = data["inviteOperator"]
    return payload


async def test_invitation_with_required_two_factor_ends_logged_in(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    admin = await session_for(team.admin, clock)
    invited = await invite(gql, admin)
    assert invited["userErrors"] == []
    assert invited["operator"]["status"] == "INVITED"

    [message] = await deliver()
    assert message["To"] == "new@acme.example"
    assert message["From"] == "twofa@acme-cloud.example"
    assert message["Subject"] == "You are invited to Acme"
    assert "Ada Admin invited you" in text_of(message)
    assert "Ada Admin invited you" in html_of(message)
    token = link_token(message, INVITATION_URL)

    weak = (await gql.data(ACCEPT, {"token": token, "password": "short"}))["acceptInvitation"]
    assert weak["userErrors"] == [
        {
            "code": "WEAK_PASSWORD",
            "field": ["input", "password"],
            "message": "Use a password of at least 12 characters.",
        }
    ]
    accepted = (
        await gql.data(ACCEPT, {"token": token, "password": NEW_PASSWORD, "name": "Nia New"})
    )["acceptInvitation"]
    assert accepted["outcome"] == "TWO_FACTOR_SETUP_REQUIRED"
    assert accepted["sessionToken"] is None and accepted["setupToken"]
    assert accepted["viewer"] == {
        "email": "new@acme.example",
        "name": "Nia New",
        "status": "ACTIVE",
    }
    again = (await gql.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))["acceptInvitation"]
    assert again["userErrors"][0]["code"] == "TOKEN_INVALID"

    setup = accepted["setupToken"]
    started = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    secret = started["enrollment"]["secret"]
    assert read_qr_png(started["enrollment"]["qrCodePng"]).startswith(
        "otpauth://totp/Acme%20Cloud:new%40acme.example?"
    )
    confirmed = (
        await gql.data(
            CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now()), "setupToken": setup}
        )
    )["confirmTwoFactorEnrollment"]
    assert confirmed["userErrors"] == []
    assert len(confirmed["recoveryCodes"]) == 10
    viewer = await gql.data(
        "{ viewer { email effectiveTwoFactorPolicy { state } } }", token=confirmed["sessionToken"]
    )
    assert viewer["viewer"] == {
        "email": "new@acme.example",
        "effectiveTwoFactorPolicy": {"state": "CONFIGURED"},
    }
    # By subject, not position: the background sender and ``deliver`` may each send some.
    delivered = await deliver()
    assert len(delivered) == 2
    (enabled,) = [m for m in delivered if m["Subject"] == "Two-factor authentication is on"]
    assert enabled["To"] == "new@acme.example"
    # The setup token is used up; a password login now asks for a code.
    reuse = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    assert reuse["userErrors"][0]["code"] == "TOKEN_INVALID"
    assert (await gql.login("new@acme.example", NEW_PASSWORD))[
        "outcome"
    ] == "TWO_FACTOR_CODE_REQUIRED"
    kinds = [
        e.kind
        for e in await AuditEvent.filter(
            target_id=(await Operator.get(email_key="new@acme.example")).id
        ).order_by("id")
    ]
    assert kinds[:2] == ["INVITATION_SENT", "INVITATION_ACCEPTED"]


async def test_invitation_under_optional_logs_in_directly(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    await invite(gql, await session_for(team.admin, clock), role="ADMINISTRATOR")
    [message] = await deliver()
    token = link_token(message, INVITATION_URL)
    accepted = (await gql.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert accepted["outcome"] == "AUTHENTICATED" and accepted["setupToken"] is None
    viewer = await gql.data("{ viewer { role name } }", token=accepted["sessionToken"])
    assert viewer["viewer"] == {"role": "ADMINISTRATOR", "name": "New Person"}


async def test_inviting_again_replaces_the_link_and_invitations_expire(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    first = await invite(gql, admin)
    second = await invite(gql, admin, email="NEW@acme.example")
    assert second["userErrors"] == [] and second["operator"]["id"] == first["operator"]["id"]
    # Two senders may deliver in either order: tell the links apart by their recipient.
    links = {m["To"]: link_token(m, INVITATION_URL) for m in await deliver()}
    old, new = links["new@acme.example"], links["NEW@acme.example"]
    stale = (await gql.data(ACCEPT, {"token": old, "password": NEW_PASSWORD}))["acceptInvitation"]
    assert stale["userErrors"][0]["code"] == "TOKEN_INVALID"
    clock.advance(timedelta(days=7))
    expired = (await gql.data(ACCEPT, {"token": new, "password": NEW_PASSWORD}))["acceptInvitation"]
    assert expired["userErrors"] == [
        {
            "code": "TOKEN_EXPIRED",
            "field": ["input", "invitationToken"],
            "message": "This link or token has expired.",
        }
    ]
    assert (await Operator.get(email_folded="new@acme.example")).status is OperatorStatus.INVITED


async def test_invitation_setup_token_lasts_thirty_minutes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await invite(gql, await session_for(team.admin, clock))
    [message] = await deliver()
    token = link_token(message, INVITATION_URL)
    setup = (await gql.data(ACCEPT, {"token": token, "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]["setupToken"]
    clock.advance(timedelta(minutes=30))
    late = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"]
    assert late["userErrors"][0]["code"] == "TOKEN_EXPIRED"


async def test_taken_emails_and_bad_input_are_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for email in ("BASIC@acme.example", " basic@ACME.example "):
        taken = await invite(gql, admin, email=email)
        assert taken["userErrors"] == [
            {
                "code": "EMAIL_TAKEN",
                "field": ["input", "email"],
                "message": "An operator with this email already exists.",
            }
        ]
    for email in (
        "not an email",
        "<admin@other.example>",
        "Admin <admin@other.example>",
        "admin@other.example,",
        "admin@other.example, eve@evil.example",
        "admin@other.example\nBcc: eve@evil.example",
        '"quoted"@other.example',
        "admin@[127.0.0.1]",
    ):
        bad = await invite(gql, admin, email=email)
        assert bad["userErrors"][0]["code"] == "INVALID_INPUT", email
        assert bad["userErrors"][0]["field"] == ["input", "email"]
    blank = await gql.data(INVITE, {"email": "x@acme.example", "name": "   "}, token=admin)
    assert blank["inviteOperator"]["userErrors"][0]["field"] == ["input", "name"]
    basic = await gql.execute(
        INVITE, {"email": "y@acme.example", "name": "Y"}, token=await session_for(team.basic, clock)
    )
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gql.execute(INVITE, {"email": "y@acme.example", "name": "Y"})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Operator.filter(account_id=team.account.id).count() == 2
    assert await deliver() == []


async def test_internationalized_domains_are_one_address_in_either_form(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    first = await invite(gql, admin, email="Ana@Bücher.example")
    assert first["userErrors"] == [] and first["operator"]["email"] == "Ana@bücher.example"
    again = await invite(gql, admin, email="ana@xn--bcher-kva.example")
    assert again["userErrors"] == []  # the same invitee, invited again
    assert await Operator.filter(account_id=team.account.id).count() == 3


async def test_an_invitation_reserves_nothing_and_the_first_acceptance_claims_the_email(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    ours = await make_team(hasher, clock)
    theirs = await make_team(hasher, clock, name="Other", domain="other.example")
    ours_admin = await session_for(ours.admin, clock)
    theirs_admin = await session_for(theirs.admin, clock)
    # An address active in another account is invited like any other: nothing leaks.
    active_elsewhere = await invite(gql, ours_admin, email=theirs.basic.email)
    fresh = await invite(gql, ours_admin, email="fresh@acme.example")
    assert active_elsewhere["userErrors"] == fresh["userErrors"] == []
    assert active_elsewhere["operator"]["status"] == fresh["operator"]["status"] == "INVITED"

    # Two accounts invite one new address; the first acceptance wins.
    for admin in (ours_admin, theirs_admin):
        assert (await invite(gql, admin, email="Both@shared.example"))["userErrors"] == []
    links = [
        link_token(message, INVITATION_URL)
        for message in await deliver()
        if message["To"] == "Both@shared.example"
    ]
    assert len(links) == 2
    first = (await gql.data(ACCEPT, {"token": links[1], "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert first["outcome"] == "AUTHENTICATED"
    second = (await gql.data(ACCEPT, {"token": links[0], "password": NEW_PASSWORD}))[
        "acceptInvitation"
    ]
    assert second["userErrors"][0]["code"] == "EMAIL_TAKEN"
    assert second["outcome"] is None and second["sessionToken"] is None
    # The loser's invitee stays invited; the one already active elsewhere cannot accept.
    [elsewhere] = [
        link_token(message, INVITATION_URL)
        for message in await deliver()
        if message["To"] == theirs.basic.email
    ]
    taken = await gql.data(ACCEPT, {"token": elsewhere, "password": NEW_PASSWORD})
    assert taken["acceptInvitation"]["userErrors"][0]["code"] == "EMAIL_TAKEN"
    assert (await gql.login(theirs.basic.email))["outcome"] == "AUTHENTICATED"


async def test_names_cannot_inject_markup_into_emails(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    await gql.data(
        INVITE,
        {"email": "eve@acme.example", "name": '<img src=x onerror="alert(1)">'},
        token=await session_for(team.admin, clock),
    )
    [message] = await deliver()
    assert "<img" not in html_of(message)
    assert "&lt;img src=x" in html_of(message)


async def test_long_addresses_of_many_scripts_are_answered_not_crashed_on(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    fits = "\u0390" * 60 + "@" + "b" * 63 + "." + "b" * 63 + ".c.com"  # 194 characters
    too_long = "\u0130" * 32 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".example"
    assert (await invite(gql, admin, email=fits))["userErrors"] == []
    assert (await invite(gql, admin, email=too_long))["userErrors"][0]["code"] == "INVALID_INPUT"
    for email in (fits, too_long):
        reset = await gql.execute(
            "mutation ($e: String!) { requestPasswordReset(input: {email: $e}) "
            "{ userErrors { code } } }",
            {"e": email},
        )
        assert "errors" not in reset, reset


async def test_accepting_and_revoking_one_invitation_at_once_end_cleanly(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await invite(gql, admin)
    [message] = await deliver()
    token = link_token(message, INVITATION_URL)
    revoke = """mutation ($id: ID!) { revokeInvitation(input: {operatorId: $id}) {
      revokedOperatorId userErrors { code } } }"""
    accepted, revoked = await asyncio.gather(
        gql.execute(ACCEPT, {"token": token, "password": NEW_PASSWORD}),
        gql.execute(revoke, {"id": invited["operator"]["id"]}, token=admin),
    )
    assert "errors" not in accepted and "errors" not in revoked, (accepted, revoked)
    won = [
        accepted["data"]["acceptInvitation"]["userErrors"] == [],
        revoked["data"]["revokeInvitation"]["userErrors"] == [],
    ]
    assert won.count(True) == 1
    exists = await Operator.filter(email_folded="new@acme.example").exists()
    assert exists is won[0]
