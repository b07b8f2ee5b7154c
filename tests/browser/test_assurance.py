"""The console and how sessions carry their assurance: grace periods, re-authentication for
sensitive actions, the sessions list, and single-sign-on invitees."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    CODE_FIELD,
    api_session,
    basil_signed_in_and_boss_on_his_page,
    enroll_by_api,
    fact,
    invite_and_accept,
    log_in,
    next_code,
    operator_row,
    preview_and_apply,
    set_up_from_qr_code,
)

SETUP_DEADLINE = "query($id: ID!) { node(id: $id) { ... on Operator { effectiveTwoFactorPolicy { setupDeadline } } } }"
LONG_AGO = timedelta(hours=3)
"""Older than the re-authentication window (2 hours)."""


def test_a_grace_period_lets_a_required_operator_in_and_every_page_says_until_when(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    basil = admin.email.replace("admin@", "basil@")
    basil_id = invite_and_accept(server, token, basil, "Basil Basic")

    # The administrator requires 2FA, with two days of grace.
    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Account").click()
    boss.get_by_label("Required").check()
    boss.get_by_label("Grace period (hours)").fill("48")
    preview_and_apply(boss)
    expect(boss.get_by_role("status")).to_have_text(
        "Saved: two-factor authentication is required by default, with a grace period of 48 hours."
    )
    deadline = server.graphql(SETUP_DEADLINE, {"id": basil_id}, token=token)["node"][
        "effectiveTwoFactorPolicy"
    ]["setupDeadline"]
    assert deadline is not None
    in_two_days = datetime.now(UTC) + timedelta(hours=48)
    assert abs(datetime.fromisoformat(deadline) - in_two_days) < timedelta(minutes=1)

    # Basil, in India, still logs in with his password alone, and is told until when (his
    # local time) and where the setup link is. Setup from the session would be refused.
    page = new_page(timezone_id="Asia/Kolkata")
    log_in(page, server, basil, PASSWORD)
    expect(page.get_by_role("heading", name="Your settings")).to_be_focused()
    local = datetime.fromisoformat(deadline).astimezone(ZoneInfo("Asia/Kolkata"))
    banner = page.get_by_role("alert")
    expect(banner).to_have_text(
        re.compile(
            rf"^Two-factor authentication is required from {local.day} {local:%B} {local.year}"
            rf"\D+{local:%H:%M}:\d\d\. Set it up from the link we emailed you\.$"
        )
    )
    expect(banner.locator("time")).to_have_attribute("datetime", deadline)
    expect(page.get_by_text("Use the link we emailed you when you logged in")).to_be_visible()
    expect(page.get_by_role("link", name="Set up two-factor authentication")).to_have_count(0)
    snap(page, "grace-period-banner")

    # The administrator has no authenticator either: every page shows the banner to her too,
    # and Basil's page says when his grace period ends.
    for link in ["Operators", "Audit log", "Your settings"]:
        boss.get_by_role("link", name=link).click()
        expect(boss.get_by_role("heading", level=1)).to_be_focused()
        expect(boss.get_by_role("alert")).to_contain_text("Two-factor authentication is required")
    boss.get_by_role("link", name="Operators").click()
    boss.get_by_role("link", name="Basil Basic").click()
    expect(fact(boss, "Grace period ends")).to_have_text(re.compile(str(in_two_days.year)))

    # The link emailed at his login sets it up; then the banner is gone.
    email = server.wait_for_mail(basil, "Set up two-factor authentication")
    page.goto(server.link(email, "/two-factor/setup"))
    set_up_from_qr_code(page)
    page.get_by_role("button", name="I saved them, continue").click()
    expect(fact(page, "Your authenticator")).to_have_text("set up")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_an_old_session_confirms_who_it_is_then_the_sensitive_change_goes_through(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, recovery = enroll_by_api(server, admin)
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_label(CODE_FIELD).fill(recovery[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()

    # Three hours later (the server runs on the real clock: the session is aged instead),
    # inviting someone needs a fresh proof.
    server.age_sessions(admin.email, LONG_AGO)
    page.get_by_role("link", name="Operators").click()
    olga = admin.email.replace("admin@", "olga@")
    page.get_by_label("Email").fill(olga)
    page.get_by_label("Name").fill("Olga Operator")
    send = page.get_by_role("button", name="Send invitation")
    send.click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_label("Password")).to_be_focused()
    expect(dialog).to_have_accessible_description(
        "You logged in a while ago. To do this, enter your password and a code from your authenticator app."
    )
    expect(dialog.get_by_label(CODE_FIELD)).to_be_visible()
    snap(page, "reauthenticate")

    # Cancel (or Escape) gives up: the focus returns and the form says why nothing happened.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(send).to_be_focused()
    expect(page.locator(".form-error [data-code=REAUTHENTICATION_REQUIRED]")).to_be_visible()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Password")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(send).to_be_focused()

    # A wrong password is explained next to its field; the right one (and a code) renews
    # the session and the invitation is sent without asking again.
    send.click()
    dialog.get_by_label("Password").fill("not the password at all")
    dialog.get_by_label(CODE_FIELD).fill(next_code(secret))
    dialog.get_by_role("button", name="Confirm").click()
    password = dialog.get_by_label("Password")
    expect(password).to_have_accessible_description(re.compile("The password is not correct."))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_be_focused()
    password.fill(admin.password)
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(f"Invitation sent to {olga}.")
    expect(send).to_be_focused()
    expect(operator_row(page, olga)).to_contain_text("Invited")
    server.wait_for_mail(olga, "You are invited to Acme Cloud")

    page.get_by_role("link", name="Audit log").click()
    events = page.locator(".events li")
    expect(events.first).to_contain_text("Invitation sent by Ada Admin · about Olga Operator")
    expect(events.nth(1)).to_contain_text("Confirmed their identity again by Ada Admin")


def test_an_operator_sees_their_sessions_and_logs_out_everywhere_else(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)  # a script's session
    laptop = new_page()
    log_in(laptop, server, admin.email, admin.password)
    expect(laptop.get_by_role("heading", name="Your settings")).to_be_visible()
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()

    # Newest first, this one marked; each with its device, address, use and proof.
    items = page.get_by_role("list", name="Sessions").get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(page.get_by_text("3 sessions.")).to_be_visible()
    current = items.first
    expect(current).to_contain_text("This session")
    expect(current.locator(".device strong")).to_have_text("Chrome on Linux")
    expect(fact(current, "Address")).to_have_text("127.0.0.1")
    expect(fact(current, "Signed in with")).to_have_text("Password")
    expect(fact(current, "Last used")).to_have_text(re.compile(r"\d\d:\d\d"))
    expect(current.get_by_role("button", name="End session")).to_have_count(0)
    expect(items.filter(has_text="python-httpx")).to_have_count(1)
    snap(page, "sessions")

    # Log out everywhere else; the session is old, so first the password (Ada has no
    # authenticator: no code is asked).
    server.age_sessions(admin.email, LONG_AGO)
    page.get_by_role("button", name="Log out everywhere else").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_label("Password")).to_be_focused()
    expect(dialog.get_by_label(CODE_FIELD)).to_have_count(0)
    dialog.get_by_label("Password").fill(admin.password)
    dialog.get_by_label("Password").press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("Logged out of 2 other sessions.")
    expect(items).to_have_count(1)
    expect(page.get_by_text("1 session.")).to_be_focused()
    expect(page.get_by_role("button", name="Log out everywhere else")).to_be_hidden()
    assert server.graphql("{ viewer { id } }", token=token)["viewer"] is None

    # The other browser's next request finds its session gone: back to login.
    laptop.reload()
    expect(laptop.get_by_role("heading", name="Log in")).to_be_visible()
    expect(laptop.get_by_role("status")).to_have_text(
        "Your session has ended. Please log in again."
    )

    # One session at a time.
    log_in(laptop, server, admin.email, admin.password)
    expect(laptop.get_by_role("heading", name="Your settings")).to_be_visible()
    page.reload()
    expect(items).to_have_count(2)
    items.filter(has_not_text="This session").get_by_role("button", name="End session").click()
    expect(page.get_by_role("status")).to_have_text("Session ended.")
    expect(items).to_have_count(1)
    laptop.get_by_role("link", name="Account").click()
    expect(laptop.get_by_role("heading", name="Log in")).to_be_visible()

    # A session that ended meanwhile (logged out over there) just leaves the list.
    log_in(laptop, server, admin.email, admin.password)
    expect(laptop.get_by_role("heading", name="Your settings")).to_be_visible()
    page.reload()
    expect(items).to_have_count(2)
    laptop.get_by_role("navigation").get_by_role("button", name="Log out").click()
    expect(laptop.get_by_role("status")).to_have_text("You are logged out.")
    items.filter(has_not_text="This session").get_by_role("button", name="End session").click()
    expect(page.get_by_role("status")).to_have_text("That session had ended already.")
    expect(items).to_have_count(1)


def test_an_administrator_ends_all_sessions_of_an_operator(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    _, his, boss = basil_signed_in_and_boss_on_his_page(server, admin, new_page)
    items = boss.get_by_role("list", name="Sessions").get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="This session")).to_have_count(0)
    expect(fact(items.first, "Signed in with")).to_have_text("Password")
    expect(fact(items.nth(1), "Signed in with")).to_have_text("Invitation link")
    snap(boss, "operator-sessions")

    boss.get_by_role("button", name="End all sessions").click()
    expect(boss.get_by_role("status")).to_have_text("Ended 2 sessions of Basil Basic.")
    expect(boss.get_by_text("No sessions.")).to_be_focused()
    expect(items).to_have_count(0)
    expect(boss.get_by_role("button", name="End all sessions")).to_be_hidden()

    his.reload()
    expect(his.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_single_sign_on_invitee_joins_without_a_password(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Operators").click()
    sam = admin.email.replace("admin@", "sam@")
    boss.get_by_label("Email").fill(sam)
    boss.get_by_label("Name").fill("Sam Single")
    boss.get_by_label("Signs in with single sign-on").check()
    boss.get_by_role("button", name="Send invitation").click()
    expect(boss.get_by_role("status")).to_have_text(f"Invitation sent to {sam}.")
    expect(operator_row(boss, sam)).to_contain_text("Not used with single sign-on")

    invitation = server.wait_for_mail(sam, "You are invited to Acme Cloud")
    page = new_page()
    page.goto(server.link(invitation, "/invitations/accept"))
    expect(page.get_by_role("heading", name="Accept your invitation")).to_be_visible()
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name="You have joined")).to_be_focused()
    expect(page.get_by_text("You are now an operator of Acme Cloud.")).to_be_visible()
    expect(
        page.get_by_text(
            "You sign in through your organisation's identity provider (single sign-on),"
            " so you need no password here."
        )
    ).to_be_visible()
    snap(page, "invitation-single-sign-on")
    # No session here: nothing to navigate to.
    assert page.evaluate("sessionStorage.getItem('twofa.sessionToken')") is None
    expect(page.get_by_role("navigation").get_by_role("link")).to_have_count(0)

    boss.reload()
    expect(operator_row(boss, sam)).to_contain_text("Active")
