"""The reference console in a real browser, against a real server and SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap
from tests.support import totp_code

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    CODE_FIELD,
    api_session,
    enroll_by_api,
    fact,
    invite_and_accept,
    log_in,
    next_code,
    operator_row,
    preview_and_apply,
    set_up_from_qr_code,
)

NEW_PASSWORD = "a long new password 42"


def test_an_invited_operator_sets_up_two_factor_and_the_administrator_resets_it(
    server: Server, admin: Admin, new_page: OpenPage, tmp_path: Path
) -> None:
    # The administrator logs in (the account starts OPTIONAL: no code yet).
    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    expect(boss.get_by_role("heading", name="Your settings")).to_be_focused()
    expect(boss.get_by_text("Optional in your account")).to_be_visible()

    # Account settings: the default becomes Required. Ada has no authenticator herself, so
    # Required without a grace period would lock her out: the console says why it is refused.
    boss.get_by_role("link", name="Account").click()
    expect(boss.get_by_label("Optional")).to_be_checked()
    expect(boss.get_by_label("Grace period (hours)")).to_have_value("0")
    boss.get_by_label("Required").check()
    preview_and_apply(boss)
    refused = boss.locator(".form-error [data-code=SET_UP_TWO_FACTOR_FIRST]")
    expect(refused).to_have_text(re.compile("^Set up two-factor authentication for yourself first"))
    expect(boss.get_by_role("alert")).to_have_count(0)

    # With three days of grace, operators without an authenticator (Ada too) keep logging in
    # with their password meanwhile, and every page tells them until when.
    boss.get_by_label("Grace period (hours)").fill("72")
    preview_and_apply(boss)
    expect(boss.get_by_role("status")).to_have_text(
        "Saved: two-factor authentication is required by default, with a grace period of 72 hours."
    )
    expect(boss.get_by_label("Required")).to_be_checked()
    expect(boss.get_by_label("Grace period (hours)")).to_have_value("72")
    expect(boss.get_by_role("alert")).to_contain_text("Two-factor authentication is required from")
    snap(boss, "account-settings")

    # Operators: invite Olga; she shows up as needing setup, also under the filter.
    boss.get_by_role("link", name="Operators").click()
    expect(boss.get_by_role("heading", name="Operators")).to_be_visible()
    olga = admin.email.replace("admin@", "olga@")
    boss.get_by_label("Email").fill(olga)
    boss.get_by_label("Name").fill("Olga Operator")
    boss.get_by_label("Role").select_option("BASIC")
    boss.get_by_role("button", name="Send invitation").click()
    expect(boss.get_by_role("status")).to_have_text(f"Invitation sent to {olga}.")
    row = operator_row(boss, olga)
    expect(row).to_contain_text("Invited")
    expect(row.locator(".badge")).to_have_text("Pending")
    boss.get_by_label(re.compile("^Needs setup")).check()
    expect(
        boss.get_by_text("2 operators still to set up two-factor authentication.")
    ).to_be_visible()
    expect(row).to_be_visible()
    snap(boss, "operators")

    # Olga opens the link from her email; the token leaves the address bar and history.
    invitation = server.wait_for_mail(olga, "You are invited to Acme Cloud")
    operator = new_page()
    operator.goto(server.link(invitation, "/invitations/accept"))
    expect(operator.get_by_role("heading", name="Accept your invitation")).to_be_visible()
    assert operator.url == f"{server.url}/#/invitation"
    expect(operator.get_by_label("Password")).to_have_accessible_description(
        "At least 12 characters."
    )
    snap(operator, "invitation")
    operator.get_by_label("Password").fill("too short")
    operator.get_by_role("button", name="Accept invitation").click()
    expect(operator.get_by_label("Password")).to_have_accessible_description(
        re.compile("Use a password of at least 12 characters")
    )
    operator.get_by_label("Password").fill(NEW_PASSWORD)
    operator.get_by_role("button", name="Accept invitation").click()

    # Setup is part of accepting: QR code, first code, recovery codes.
    expect(operator.get_by_text("Acme Cloud requires two-factor authentication.")).to_be_visible()
    secret, codes = set_up_from_qr_code(operator, shot="setup-qr-code")
    snap(operator, "recovery-codes")
    operator.get_by_role("button", name="Copy").click()
    expect(operator.get_by_role("status")).to_have_text("Recovery codes copied.")
    assert operator.evaluate("navigator.clipboard.readText()").split() == codes
    with operator.expect_download() as download:
        operator.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "twofa-recovery-codes.txt"
    download.value.save_as(tmp_path / "codes.txt")
    assert (tmp_path / "codes.txt").read_text().split() == codes

    # Confirming with the setup token logged her in.
    operator.get_by_role("button", name="I saved them, continue").click()
    expect(operator.get_by_role("status")).to_have_text("Two-factor authentication is on.")
    expect(operator.get_by_text("Required by your account")).to_be_visible()
    expect(fact(operator, "Recovery codes left")).to_have_text("10")
    snap(operator, "user-settings")

    # Log out and back in with the code of the next step (this step's code was used).
    operator.get_by_role("navigation").get_by_role("button", name="Log out").click()
    expect(operator.get_by_role("status")).to_have_text("You are logged out.")
    log_in(operator, server, olga, NEW_PASSWORD)
    expect(operator.get_by_label(CODE_FIELD)).to_be_focused()
    snap(operator, "login-code")
    operator.get_by_label(CODE_FIELD).fill(next_code(secret))
    operator.get_by_role("button", name="Verify").click()
    expect(operator.get_by_role("heading", name="Your settings")).to_be_visible()

    # The administrator overrides Olga's mode, then resets her two-factor authentication.
    boss.get_by_role("link", name="Olga Operator").click()
    expect(boss.get_by_role("heading", name="Olga Operator")).to_be_visible()
    overrides = boss.get_by_role("group", name="Mode for this operator")
    expect(overrides.get_by_label("Optional")).to_be_disabled()
    boss.get_by_label("Override two-factor authentication settings").check()
    overrides.get_by_label("Optional").check()
    boss.get_by_role("button", name="Save").click()
    expect(boss.get_by_role("status")).to_have_text("Saved: optional for Olga Operator.")
    expect(fact(boss, "Two-factor policy")).to_have_text("Optional, overridden for this operator")
    expect(fact(boss, "Authenticator")).to_have_text("set up")

    boss.get_by_role("button", name="Reset two-factor authentication").click()
    expect(boss.get_by_role("button", name="Cancel")).to_be_focused()
    snap(boss, "operator-reset-confirmation")
    boss.get_by_role("button", name="Yes, reset").click()
    expect(boss.get_by_role("status")).to_have_text(
        "Two-factor authentication was reset for Olga Operator."
    )
    expect(fact(boss, "Authenticator")).to_have_text("not set up")
    snap(boss, "operator")
    server.wait_for_mail(olga, "Your two-factor authentication was reset")

    # The reset ended Olga's session: her console goes back to login.
    operator.reload()
    expect(operator.get_by_role("heading", name="Log in")).to_be_visible()
    expect(operator.get_by_role("status")).to_have_text(
        "Your session has ended. Please log in again."
    )

    # All of it is in the audit log, newest first.
    boss.get_by_role("link", name="Audit log").click()
    events = boss.locator(".events li")
    expect(events.first).to_contain_text(
        "Two-factor authentication reset by Ada Admin · about Olga Operator"
    )
    expect(events.nth(1)).to_contain_text("Override set by Ada Admin · about Olga Operator")
    snap(boss, "audit-log")


def test_a_required_operator_sets_up_from_the_emailed_link(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    # Rita joined while 2FA was optional; then the administrator requires it of her alone,
    # with no grace period (only an administrator's own settings need one).
    token = api_session(server, admin)
    rita = admin.email.replace("admin@", "rita@")
    rita_id = invite_and_accept(server, token, rita, "Rita Required")
    overridden = server.graphql(
        """mutation($id: ID!) { setOperatorTwoFactorOverride(input: {operatorId: $id, mode: REQUIRED}) {
          userErrors { code } } }""",
        {"id": rita_id},
        token=token,
    )
    assert overridden["setOperatorTwoFactorOverride"]["userErrors"] == []

    page = new_page()
    log_in(page, server, rita, admin.password)
    expect(page.get_by_role("heading", name="Check your email")).to_be_focused()
    snap(page, "login-check-your-email")

    email = server.wait_for_mail(rita, "Set up two-factor authentication")
    page.goto(server.link(email, "/two-factor/setup"))
    assert page.url == f"{server.url}/#/setup-link"
    set_up_from_qr_code(page)
    page.get_by_role("button", name="I saved them, continue").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(fact(page, "Your authenticator")).to_have_text("set up")


def test_keyboard_only_login_with_a_code(server: Server, admin: Admin, new_page: OpenPage) -> None:
    secret, _ = enroll_by_api(server, admin)
    page = new_page()
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(admin.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(admin.password)
    page.keyboard.press("Enter")
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    page.keyboard.type(next_code(secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your settings")).to_be_focused()
    # The navigation is reachable with the keyboard, and Enter on a link follows it.
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Log out").first).to_be_focused()
    for _ in range(5):  # Audit log, Webhooks, API keys, Operators, Account
        page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="Account")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Account settings")).to_be_focused()


def test_a_wrong_code_is_explained_next_to_the_code_field_and_lockouts_say_until_when(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, _ = enroll_by_api(server, admin)
    now = datetime.now(UTC)
    valid = {totp_code(secret, now + timedelta(seconds=30 * step)) for step in range(-2, 3)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)

    page = new_page()
    log_in(page, server, admin.email, admin.password)
    code = page.get_by_label(CODE_FIELD)
    for attempt in range(5):
        code.fill(wrong)
        with page.expect_response(f"{server.url}/graphql"):
            page.get_by_role("button", name="Verify").click()
        # The error is the input's description, shown right by it, and announced.
        expect(code).to_have_accessible_description(re.compile("The code is not correct."))
        expect(code).to_have_attribute("aria-invalid", "true")
        expect(code.locator("xpath=..").locator("[data-code=INVALID_CODE]")).to_have_text(
            "The code is not correct."
        )
        # The status region speaks it without showing it a second time above the page.
        expect(page.get_by_role("status")).to_have_text("The code is not correct.")
        expect(page.get_by_role("status")).to_have_class(re.compile(r"\bvisually-hidden\b"))
        if attempt == 0:
            snap(page, "login-wrong-code")

    # Locked: even the right code is refused, and the console says until when (local time).
    code.fill(next_code(secret))
    page.get_by_role("button", name="Verify").click()
    locked = re.compile(
        r"^Too many failed attempts\. Try again after \d+ \w+ \d{4} at \d\d:\d\d:\d\d\.$"
    )
    expect(page.locator(".form-error [data-code=TOO_MANY_ATTEMPTS]")).to_have_text(locked)
    expect(page.get_by_role("status")).to_have_text(locked)


def test_recovery_codes_log_in_renew_and_two_factor_goes_off_and_on_again(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, recovery = enroll_by_api(server, admin)
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_label(CODE_FIELD).fill(recovery[0])
    page.get_by_role("button", name="Verify").click()
    expect(fact(page, "Recovery codes left")).to_have_text("9")

    # New codes, proven with a current code; the old ones stop working.
    page.get_by_text("Get new recovery codes").click()
    page.get_by_label("Current code").first.fill(next_code(secret))
    page.get_by_role("button", name="Get new codes").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_focused()
    renewed = (
        page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    )
    assert len(renewed) == 10 and not set(renewed) & set(recovery)
    page.get_by_role("button", name="I saved them, continue").click()
    expect(fact(page, "Recovery codes left")).to_have_text("10")

    # Optional in this account: the operator may turn it off, with a current code.
    page.get_by_text("Turn off two-factor authentication").click()
    snap(page, "user-settings-optional")
    turn_off = page.locator("details", has_text="Turn off")
    turn_off.get_by_label("Current code").fill(recovery[1])
    turn_off.get_by_role("button", name="Turn off").click()
    expect(turn_off.get_by_label("Current code")).to_have_accessible_description(
        re.compile("The code is not correct.")
    )
    turn_off.get_by_label("Current code").fill(renewed[0])
    turn_off.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor authentication is off.")
    expect(fact(page, "Your authenticator")).to_have_text("not set up")

    # Setting it up again from the settings: without its second factor the session proves
    # only the password, so the setup continues from the link emailed to the operator.
    before = server.mail_count()
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    message = server.wait_for_mail(admin.email, "Continue setting up", after=before)
    page.goto(server.link(message, "/two-factor/setup"))
    set_up_from_qr_code(page)
    page.get_by_role("button", name="I saved them, continue").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor authentication is on.")
    expect(fact(page, "Your authenticator")).to_have_text("set up")


def test_operators_and_audit_events_are_paged(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    domain = admin.email.split("@")[1]
    for n in range(21):
        invited = server.graphql(
            "mutation($e: String!) { inviteOperator(input: {email: $e, name: $e}) { userErrors { code } } }",
            {"e": f"op{n:02d}@{domain}"},
            token=token,
        )
        assert invited["inviteOperator"]["userErrors"] == []

    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_role("link", name="Operators").click()
    expect(page.get_by_text("22 operators.")).to_be_visible()
    rows = page.get_by_role("table", name="Operators").get_by_role("link")
    expect(rows).to_have_count(20)
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_text([f"op19@{domain}", f"op20@{domain}"])
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(20)
    expect(rows.first).to_have_text("Ada Admin")

    page.get_by_role("link", name="Audit log").click()
    events = page.locator(".events li")
    expect(events).to_have_count(20)
    page.get_by_role("button", name="More").click()
    expect(events).to_have_count(23)  # 21 invitations and two logins
    expect(events.last).to_contain_text("Logged in by Ada Admin")
    expect(events.nth(20)).to_be_focused()
    expect(page.get_by_role("button", name="More")).to_be_hidden()
