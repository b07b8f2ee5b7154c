"""Stronger factors in the console: a passkey made by Chromium's virtual authenticator
(registered, used at login and at the "confirm it is you" prompt, removed), a remembered
browser that skips the code until it is forgotten, and a temporary access pass that lets an
operator who lost their phone back in to set up a new one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import CDPSession, Page, expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    CODE_FIELD,
    api_session,
    enroll_by_api,
    fact,
    invite_and_accept,
    log_in,
    next_code,
    set_up_from_qr_code,
)

LONG_AGO = timedelta(hours=3)
"""Older than the two hours in which a session counts as recently authenticated."""
DEVICE_TOKENS = "JSON.parse(localStorage.getItem('twofa.deviceTokens') ?? '{}')"
"""The device tokens this browser keeps, by email."""


def quoted(name: str) -> str:
    """A passkey's name as the console quotes it."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{name}\N{RIGHT SINGLE QUOTATION MARK}"


class VirtualAuthenticator:
    """Chromium's virtual platform authenticator (DevTools' WebAuthn domain) in one page:
    it answers navigator.credentials as a fingerprint reader would, always verified."""

    def __init__(self, page: Page) -> None:
        self._cdp: CDPSession = page.context.new_cdp_session(page)
        self._cdp.send("WebAuthn.enable")
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
        }
        added = self._cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        self._id: str = added["authenticatorId"]

    def credentials(self) -> list[dict[str, Any]]:
        """The credentials the authenticator holds (rpId, signCount, …)."""
        answer = self._cdp.send("WebAuthn.getCredentials", {"authenticatorId": self._id})
        found: list[dict[str, Any]] = answer["credentials"]
        return found


def log_out(page: Page) -> None:
    """Log out with the navigation's button."""
    page.get_by_role("navigation").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def current_session(page: Page) -> Any:
    """The item of the sessions list marked as this session."""
    items = page.get_by_role("list", name="Sessions").get_by_role("listitem")
    return items.filter(has_text="This session")


def test_a_passkey_logs_in_confirms_it_is_you_and_can_be_removed(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, _ = enroll_by_api(server, admin)
    page = new_page()
    authenticator = VirtualAuthenticator(page)
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # Without a passkey, the step offers the code only.
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)
    page.get_by_label(CODE_FIELD).fill(next_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()

    # Add one: the browser's prompt (here the virtual authenticator) makes it for localhost.
    passkeys = page.get_by_role("list", name="Passkeys").get_by_role("listitem")
    expect(page.get_by_text("No passkeys yet.")).to_be_visible()
    page.get_by_label("Passkey name").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("status")).to_have_text(
        f"The passkey {quoted('Work laptop')} is added."
    )
    expect(passkeys).to_have_count(1)
    expect(passkeys.first.locator("strong")).to_have_text("Work laptop")
    expect(fact(passkeys.first, "Last used")).to_have_text("Never")
    [credential] = authenticator.credentials()
    assert credential["rpId"] == "localhost"
    snap(page, "passkeys")

    # Log in again: the passkey instead of the code.
    log_out(page)
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(fact(current_session(page), "Signed in with")).to_have_text("Password and passkey")
    expect(fact(passkeys.first, "Last used")).to_have_text(re.compile(r"\d\d:\d\d"))

    # Removing it needs a recent login: the prompt takes the password with the passkey.
    server.age_sessions(admin.email, LONG_AGO)
    passkeys.first.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    page.get_by_role("button", name="Yes, remove").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_label("Password")).to_be_focused()
    dialog.get_by_role("button", name="Use a passkey").click()
    # The password comes first; the field says so, and has the focus.
    expect(dialog.get_by_label("Password")).to_be_focused()
    expect(dialog.get_by_label("Password")).to_have_accessible_description(
        "Enter your password, then use your passkey."
    )
    dialog.get_by_label("Password").fill(admin.password)
    dialog.get_by_role("button", name="Use a passkey").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(
        f"The passkey {quoted('Work laptop')} is removed."
    )
    expect(passkeys).to_have_count(0)
    expect(page.get_by_text("No passkeys yet.")).to_be_visible()

    # The next login offers the code only again.
    log_out(page)
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)


def test_a_remembered_browser_skips_the_code_until_it_is_forgotten(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    secret, recovery_codes = enroll_by_api(server, admin)
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_label(CODE_FIELD).fill(next_code(secret))
    # The account does not remember browsers yet: ticking the box says so, and keeps nothing.
    page.get_by_label("Remember this browser").check()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_have_text(
        "This browser was not remembered: your next login here asks for a second factor again."
    )
    assert page.evaluate(DEVICE_TOKENS) == {}

    # The administrator turns it on for 7 days on the account page.
    page.get_by_role("link", name="Account").click()
    expect(fact(page, "Remember browsers")).to_have_text("Off")
    page.get_by_label("Remember browsers for (days)").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved: browsers are remembered for 7 days.")
    expect(fact(page, "Remember browsers")).to_have_text("For 7 days")

    # A code with "Remember this browser": the expiry is said, the token kept.
    log_out(page)
    log_in(page, server, admin.email, admin.password)
    # A recovery code: the time step's code may have been used by the first login.
    page.get_by_label(CODE_FIELD).fill(recovery_codes[0])
    page.get_by_label("Remember this browser").check()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^This browser is remembered until .+\d\d:\d\d:\d\d\.$")
    )
    assert list(page.evaluate(DEVICE_TOKENS)) == [admin.email]

    # The next login asks for the password only.
    log_out(page)
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(fact(current_session(page), "Signed in with")).to_have_text(
        "Password and remembered browser"
    )
    devices = page.get_by_role("list", name="Remembered browsers").get_by_role("listitem")
    expect(devices).to_have_count(1)
    expect(devices.first.locator(".device strong")).to_have_text("Chrome on Linux")
    expect(fact(devices.first, "Address")).to_have_text("127.0.0.1")
    expect(fact(devices.first, "Expires")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    expect(fact(devices.first, "Last used")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    snap(page, "remembered-browsers")

    # Forgotten, the browser is asked for a code again, and drops its token. A session that
    # a remembered browser opened is no recent authentication: a second factor comes first.
    devices.first.get_by_role("button", name="Forget").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    dialog.get_by_label("Password").fill(admin.password)
    dialog.get_by_label(CODE_FIELD).fill(recovery_codes[1])
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(
        "Browser forgotten: it is asked for a code at its next login."
    )
    expect(page.get_by_text("No remembered browsers.")).to_be_focused()
    log_out(page)
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    assert page.evaluate(DEVICE_TOKENS) == {}


def test_a_temporary_access_pass_lets_an_operator_who_lost_their_phone_set_up_a_new_one(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    basil = admin.email.replace("admin@", "basil@")
    invite_and_accept(server, token, basil, "Basil Basic")
    old_secret, _ = enroll_by_api(server, Admin(email=basil))  # the phone he then lost

    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Operators").click()
    boss.get_by_role("link", name="Basil Basic").click()
    expect(boss.get_by_role("heading", name="Lost their phone or security key?")).to_be_visible()
    # The pass comes before the reset on the page: it is the first thing to try.
    headings = boss.get_by_role("heading", level=2).all_inner_texts()
    assert headings.index("Lost their phone or security key?") < headings.index(
        "Reset two-factor authentication"
    )
    mails = server.mail_count()
    boss.get_by_label("Valid for").select_option(label="8 hours")
    boss.get_by_role("button", name="Issue a temporary access pass").click()
    expect(
        boss.get_by_role("heading", name="Temporary access pass for Basil Basic")
    ).to_be_focused()
    expect(boss.get_by_text(re.compile(r"It works once, until .+\d\d:\d\d:\d\d"))).to_be_visible()
    access_pass = boss.get_by_role("textbox", name="Temporary access pass").input_value()
    assert access_pass
    boss.get_by_role("button", name="Copy").click()
    expect(boss.get_by_role("status")).to_have_text("Temporary access pass copied.")
    assert boss.evaluate("navigator.clipboard.readText()") == access_pass
    snap(boss, "temporary-access-pass")
    boss.get_by_role("button", name="Done").click()
    expect(boss.get_by_role("textbox", name="Temporary access pass")).to_have_count(0)
    expect(boss.get_by_role("button", name="Issue a temporary access pass")).to_be_focused()
    server.wait_for_mail(basil, "A temporary access pass was issued", after=mails)

    # Basil types the pass where a code goes, and is in.
    his = new_page()
    log_in(his, server, basil, PASSWORD)
    expect(his.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(his.get_by_text("the temporary access pass your administrator gave you")).to_be_visible()
    his.get_by_label(CODE_FIELD).fill(access_pass)
    his.get_by_role("button", name="Verify").click()
    expect(his.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(fact(current_session(his), "Signed in with")).to_have_text(
        "Password and temporary access pass"
    )

    # That session may set up his new phone, no emailed link needed: it replaces the old one.
    his.get_by_role("link", name="Set up a new authenticator").click()
    new_secret, _ = set_up_from_qr_code(his)
    assert new_secret != old_secret
    his.get_by_role("button", name="I saved them, continue").click()
    expect(his.get_by_role("status")).to_have_text("Two-factor authentication is on.")
    expect(his.get_by_role("link", name="Set up a new authenticator")).to_have_count(0)

    # The pass worked once, the lost phone's codes no longer do; the new phone's do.
    log_out(his)
    log_in(his, server, basil, PASSWORD)
    expect(his.get_by_text("the temporary access pass your administrator gave you")).to_have_count(
        0
    )
    for refused in (access_pass, next_code(old_secret)):
        his.get_by_label(CODE_FIELD).fill(refused)
        his.get_by_role("button", name="Verify").click()
        # The refusal has come back once the button is no longer busy.
        expect(his.get_by_role("button", name="Verify")).not_to_have_attribute(
            "aria-disabled", "true"
        )
        expect(his.get_by_label(CODE_FIELD)).to_have_attribute("aria-invalid", "true")
    his.get_by_label(CODE_FIELD).fill(next_code(new_secret))
    his.get_by_role("button", name="Verify").click()
    expect(his.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(fact(current_session(his), "Signed in with")).to_have_text(
        "Password and authenticator code"
    )
