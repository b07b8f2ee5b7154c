"""Passwords: changing one from a session, and resetting a forgotten one through an emailed
link that never bypasses two-factor authentication."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from starlette.applications import Starlette

from models import AuditEvent, OneTimeToken, Operator, OperatorStatus, Session, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.hashing_queue import Ticket
from tests.smtp import html_of, link_token, text_of
from tests.support import (
    OWNER,
    PASSWORD,
    PUBLIC_URL,
    CountingHasher,
    Delivery,
    GraphQLClient,
    add_operator,
    enroll,
    from_address,
    make_team,
    session_for,
    set_default,
    totp_code,
    verify,
)

RESET_URL = f"{PUBLIC_URL}/password/reset"
NEW_PASSWORD = "a brand new password 2026"
CHANGE = """
mutation ($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    userErrors { code field message lockedUntil }
  }
}
"""
REQUEST = """
mutation ($email: String!) {
  requestPasswordReset(input: {email: $email}) { userErrors { code field message } }
}
"""
RESET = """
mutation ($token: String!, $new: String!) {
  resetPassword(input: {token: $token, newPassword: $new}) {
    userErrors { code field message }
  }
}
"""
VIEWER = "{ viewer { email } }"


async def change(
    gql: GraphQLClient, token: str, current: str, new: str = NEW_PASSWORD
) -> list[dict[str, Any]]:
    data = await gql.data(CHANGE, {"current": current, "new": new}, token=token)
    errors: list[dict[str, Any]] = data["changePassword"]["userErrors"]
    return errors


async def request_reset(gql: GraphQLClient, email: str) -> dict[str, Any]:
    """The whole response body: it must not differ between emails."""
    return await gql.execute(REQUEST, {"email": email})


async def reset(gql: GraphQLClient, token: str, new: str = NEW_PASSWORD) -> list[dict[str, Any]]:
    data = await gql.data(RESET, {"token": token, "new": new})
    errors: list[dict[str, Any]] = data["resetPassword"]["userErrors"]
    return errors


async def viewer_of(gql: GraphQLClient, token: str) -> Any:
    return (await gql.data(VIEWER, token=token))["viewer"]


def reset_links(messages: list[EmailMessage]) -> list[str]:
    return [
        link_token(message, RESET_URL)
        for message in messages
        if message["Subject"].startswith("Reset your password")
    ]


async def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    email = team.basic.email
    current = await gql.session(email)
    other = await gql.session(email)
    challenge_holder = await add_operator(team.account, "c@acme.example", hasher, clock)
    assert challenge_holder  # an operator whose sessions must stay untouched
    bystander = await gql.session("c@acme.example")

    wrong = await change(gql, current, "not my password at all")
    assert wrong == [
        {
            "code": "INVALID_CREDENTIALS",
            "field": ["input", "currentPassword"],
            "message": "The current password is not correct.",
            "lockedUntil": None,
        }
    ]
    weak = await change(gql, current, PASSWORD, new="short")
    assert [(e["code"], e["field"]) for e in weak] == [("WEAK_PASSWORD", ["input", "newPassword"])]
    assert await viewer_of(gql, other) is not None  # nothing changed so far

    assert await change(gql, current, PASSWORD) == []
    assert await viewer_of(gql, current) == {"email": email}
    assert await viewer_of(gql, other) is None
    assert await viewer_of(gql, bystander) is not None
    assert (await gql.login(email))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await gql.login(email, NEW_PASSWORD))["outcome"] == "AUTHENTICATED"

    [message] = await deliver()
    assert (message["To"], message["Subject"]) == (email, "Your password was changed")
    assert "changed from your settings" in text_of(message)
    assert "changed from your settings" in html_of(message)
    [event] = await AuditEvent.filter(kind="PASSWORD_CHANGED")
    assert (event.actor_id, event.target_id) == (team.basic.id, team.basic.id)
    assert event.details == {"sessionsEnded": 1}
    assert NEW_PASSWORD not in str(event.details) and PASSWORD not in str(event.details)


async def test_changing_the_password_needs_a_session_sudo_mode_and_counts_guesses(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    anonymous = await gql.execute(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    stale = await gql.session(team.basic.email)
    clock.advance(timedelta(hours=2, seconds=1))
    assert [e["code"] for e in await change(gql, stale, PASSWORD)] == ["REAUTHENTICATION_REQUIRED"]

    token = await gql.session(team.basic.email)
    for _ in range(5):
        assert (await change(gql, token, "a wrong guess, long enough"))[0]["code"] == (
            "INVALID_CREDENTIALS"
        )
    # Locked like reauthenticate: the right password is refused too until the lock ends.
    locked = await change(gql, token, PASSWORD)
    assert locked[0]["code"] == "TOO_MANY_ATTEMPTS" and locked[0]["lockedUntil"]
    clock.advance(timedelta(seconds=30))
    assert await change(gql, token, PASSWORD) == []
    assert (await Operator.get(id=team.basic.id)).password_hash != team.basic.password_hash
    assert len(await deliver()) == 1


async def test_a_password_reset_ends_every_session_and_the_next_login_asks_for_the_code(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    email = team.basic.email
    signed_in = await session_for(team.basic, clock)
    enrolled = await enroll(gql, signed_in, clock)
    await set_default(team, TwoFactorMode.REQUIRED)
    clock.advance(timedelta(minutes=1))
    pending = (await gql.login(email))["challengeToken"]  # proved the old password

    assert await request_reset(gql, " BASIC@Acme.example ") == {
        "data": {"requestPasswordReset": {"userErrors": []}}
    }
    messages = await deliver()
    [link] = reset_links(messages)
    mail = messages[-1]
    assert (mail["To"], mail["Subject"]) == (email, "Reset your password for Acme")
    assert "for 1 hour" in text_of(mail) and "still asks for a code" in text_of(mail)

    weak = await reset(gql, link, "short")
    assert [(e["code"], e["field"]) for e in weak] == [("WEAK_PASSWORD", ["input", "newPassword"])]
    assert await reset(gql, link) == []
    # Every session ended, none was issued, and the challenge the old password won is void.
    assert not await Session.filter(operator_id=team.basic.id).exists()
    assert await viewer_of(gql, signed_in) is None
    code = totp_code(enrolled.secret, clock.now())
    assert (await verify(gql, pending, code))["userErrors"][0]["code"] == "TOKEN_INVALID"
    # The link worked once.
    assert await reset(gql, link, "yet another password 99") == [
        {
            "code": "TOKEN_INVALID",
            "field": ["input", "token"],
            "message": "This link or token is not valid.",
        }
    ]
    # The new password is only the first factor.
    assert (await gql.login(email))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    login = await gql.login(email, NEW_PASSWORD)
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED" and login["sessionToken"] is None
    assert (await verify(gql, login["challengeToken"], code))["sessionToken"]

    changed = (await deliver())[-1]
    assert (changed["To"], changed["Subject"]) == (email, "Your password was changed")
    assert "with a password reset link" in text_of(changed)
    kinds = [
        (event.kind, event.actor_id, event.details)
        for event in await AuditEvent.filter(
            target_id=team.basic.id, kind__startswith="PASSWORD"
        ).order_by("id")
    ]
    assert kinds == [
        ("PASSWORD_RESET_REQUESTED", None, {}),
        ("PASSWORD_RESET", team.basic.id, {"sessionsEnded": 1}),
    ]


async def test_after_a_reset_a_required_operator_without_2fa_still_gets_the_setup_email(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await request_reset(gql, team.basic.email)
    [link] = reset_links(await deliver())
    assert await reset(gql, link) == []
    login = await gql.login(team.basic.email, NEW_PASSWORD)
    assert login["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT" and login["sessionToken"] is None


async def test_reset_links_last_an_hour_and_go_out_at_most_once_a_minute(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    email = team.basic.email
    await request_reset(gql, email)
    clock.advance(timedelta(seconds=59))
    await request_reset(gql, email)  # too soon: the first link is still on its way
    [first] = reset_links(await deliver())
    clock.advance(timedelta(seconds=1))
    await request_reset(gql, email)
    [_, second] = reset_links(await deliver())
    assert (await reset(gql, first))[0]["code"] == "TOKEN_INVALID"  # the newer link wins
    assert await AuditEvent.filter(kind="PASSWORD_RESET_REQUESTED").count() == 2

    clock.advance(timedelta(hours=1))
    assert await reset(gql, second) == [
        {
            "code": "TOKEN_EXPIRED",
            "field": ["input", "token"],
            "message": "This link or token has expired.",
        }
    ]
    assert (await gql.login(email))["outcome"] == "AUTHENTICATED"  # the password is unchanged
    clock.advance(timedelta(minutes=1))
    await request_reset(gql, email)
    [*_, third] = reset_links(await deliver())
    clock.advance(timedelta(minutes=59, seconds=59))
    assert await reset(gql, third) == []


async def test_a_reset_request_answers_the_same_for_every_email_and_hashes_nothing(
    gql: GraphQLClient,
    hasher: CountingHasher,
    clock: FrozenClock,
    deliver: Delivery,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    await add_operator(team.account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED)  # fmt: skip
    await add_operator(team.account, "gone@acme.example", hasher, clock, status=OperatorStatus.DEACTIVATED)  # fmt: skip
    await add_operator(team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True)
    hashed: list[str] = []
    real_hash = hasher.hash

    async def counting_hash(secret: str) -> str:
        hashed.append(secret)
        return await real_hash(secret)

    monkeypatch.setattr(hasher, "hash", counting_hash)
    verifications = hasher.verifications
    emails = (
        "nobody@acme.example",
        "invited@acme.example",
        "gone@acme.example",
        "SSO@acme.example",
        other.basic.email,
        team.basic.email,
    )
    answers = [await request_reset(gql, email) for email in emails]
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0] == {"data": {"requestPasswordReset": {"userErrors": []}}}
    assert hashed == [] and hasher.verifications == verifications
    # Only the two active operators who sign in with a password got a link.
    messages = await deliver()
    assert sorted(message["To"] for message in messages) == sorted(
        [other.basic.email, team.basic.email]
    )
    assert await OneTimeToken.filter(purpose="PASSWORD_RESET").count() == 2
    # Text that is no address at all is refused as such: that says nothing about anyone.
    malformed = await request_reset(gql, "not an email")
    assert malformed["data"]["requestPasswordReset"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": ["input", "email"], "message": "Enter a valid email address."}
    ]  # fmt: skip


async def test_a_reset_link_stops_working_for_an_operator_who_cannot_use_a_password(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    await request_reset(gql, team.basic.email)
    await request_reset(gql, team.admin.email)
    basic_link, admin_link = reset_links(await deliver())
    await Operator.filter(id=team.basic.id).update(uses_single_sign_on=True)
    await Operator.filter(id=team.admin.id).update(status=OperatorStatus.DEACTIVATED)
    for link in (basic_link, admin_link):
        assert (await reset(gql, link))[0]["code"] == "TOKEN_INVALID"
    for operator in (team.basic, team.admin):
        assert (await Operator.get(id=operator.id)).password_hash == operator.password_hash


async def test_a_login_checking_the_old_password_while_a_reset_commits_gets_nothing(
    app: Starlette,
    gql: GraphQLClient,
    hasher: CountingHasher,
    clock: FrozenClock,
    deliver: Delivery,
) -> None:
    """Checking a hash takes long enough for a reset to end every session in between."""
    team = await make_team(hasher, clock)
    await set_default(team, TwoFactorMode.DISABLED)  # the right password alone is a session
    email = team.basic.email
    await request_reset(gql, email)
    [link] = reset_links(await deliver())
    checking, release = asyncio.Event(), asyncio.Event()
    verify = hasher.verify

    async def held_verify(hashed: str | None, secret: str, *, ticket: Ticket | None = None) -> bool:
        checking.set()
        await release.wait()
        return await verify(hashed, secret, ticket=ticket)

    hasher.verify = held_verify  # type: ignore[method-assign]
    login = asyncio.create_task(gql.login(email, PASSWORD))
    await checking.wait()
    hasher.verify = verify  # type: ignore[method-assign]
    # From another device (one client's password checks take turns at the hasher).
    async with from_address(app, OWNER) as phone:
        assert await reset(phone, link) == []
    release.set()
    payload = await login
    assert [error["code"] for error in payload["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert payload["sessionToken"] is None
    assert not await Session.filter(operator_id=team.basic.id).exists()
    assert (await gql.login(email, NEW_PASSWORD))["userErrors"] == []
