"""The console's password pages (forgotten, reset from the link, changed in the settings)
and an administrator's open invitations (search, a new link, withdrawal)."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    CODE_FIELD,
    INVITE,
    api_session,
    enroll_by_api,
    log_in,
    next_code,
)

NEW_PASSWORD = "a long new password 42"
CHANGED_PASSWORD = "another long password 7"


def test_a_forgotten_password_is_reset_from_the_link_and_the_code_is_still_asked(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, _ = enroll_by_api(server, admin)
    page = new_page()
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_focused()
    page.get_by_label("Email").fill(admin.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_focused()
    expect(page.get_by_text("It works once, for 1 hour.")).to_be_visible()
    snap(page, "password-reset-requested")

    # The link opens the console; its token leaves the address bar and the history.
    mail = server.wait_for_mail(admin.email, "Reset your password")
    reset = new_page()
    reset.goto(server.link(mail, "/password/reset"))
    expect(reset.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert reset.url == f"{server.url}/#/password-reset"
    reset.get_by_label("New password").fill("too short")
    reset.get_by_role("button", name="Save password").click()
    expect(reset.get_by_label("New password")).to_have_accessible_description(
        re.compile("Use a password of at least 12 characters")
    )
    reset.get_by_label("New password").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="Save password").click()
    expect(reset.get_by_role("status")).to_have_text(
        "Your password was changed. Log in with the new one."
    )

    # No session came with it: the login asks for the password, then the code.
    expect(reset.get_by_role("heading", name="Log in")).to_be_visible()
    reset.get_by_label("Email").fill(admin.email)
    reset.get_by_label("Password").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="Log in").click()
    expect(reset.get_by_role("heading", name="Enter your code")).to_be_visible()
    reset.get_by_label(CODE_FIELD).fill(next_code(secret))
    reset.get_by_role("button", name="Verify").click()
    expect(reset.get_by_role("heading", name="Your settings")).to_be_visible()


def test_the_password_is_changed_in_the_settings(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Your settings")).to_be_focused()
    page.get_by_text("Change your password").click()
    page.get_by_label("Current password").fill("not the password at all")
    page.get_by_label("New password").fill(CHANGED_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("Current password")).to_have_accessible_description(
        "The current password is not correct."
    )
    page.get_by_label("Current password").fill(admin.password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your password was changed. Your other sessions were ended."
    )
    snap(page, "password-changed")
    mail = server.wait_for_mail(admin.email, "Your password was changed")
    assert mail["To"] == admin.email


def test_an_open_invitation_is_found_sent_again_and_withdrawn(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    olga = admin.email.replace("admin@", "olga@")
    invited = server.graphql(INVITE, {"e": olga, "n": "Olga Operator"}, token=token)
    assert invited["inviteOperator"]["userErrors"] == []

    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_role("link", name="Operators").click()
    page.get_by_label("Search").fill("OLGA OP")
    expect(page.get_by_text("1 operator matching “OLGA OP”.")).to_be_visible()
    page.get_by_role("link", name="Olga Operator").click()
    expect(page.get_by_role("heading", name="Invitation")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Sent .+ by Ada Admin\. The link works until"))
    ).to_be_visible()
    snap(page, "open-invitation")

    page.get_by_role("button", name="Send a new link").click()
    expect(page.get_by_role("status")).to_have_text(
        f"A new invitation link was sent to {olga}; the earlier one no longer works."
    )
    page.get_by_role("button", name="Withdraw invitation").click()
    page.get_by_role("button", name="Yes, withdraw").click()
    expect(page.get_by_role("heading", name="Operators")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"The invitation of {olga} was withdrawn.")
    expect(page.get_by_role("row").filter(has_text=olga)).to_have_count(0)
