"""Integrations in the console: an API key used by a program as curl would until it is
revoked, and a webhook endpoint whose deliveries a real receiver verifies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.browser.receiver import Receiver
from tests.browser.support import Admin, OpenPage, Server, require_browser, snap

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.steps import fact, log_in  # noqa: E402

NIGHTLY = "\N{LEFT SINGLE QUOTATION MARK}Nightly\N{RIGHT SINGLE QUOTATION MARK}"
"""The key's name as the console quotes it."""
LONG_AGO = timedelta(hours=3)
"""Older than the two hours in which a session counts as recently authenticated."""
SUMMARY = "{ account { name twoFactorSummary { totalOperators } } }"
INVITE = """mutation($e: String!) {
  inviteOperator(input: {email: $e, name: "Kim Keyed"}) { operator { id } userErrors { code } }
}"""


def with_key(server: Server, secret: str, query: str, **variables: Any) -> httpx.Response:
    """POST to /graphql as a program holding the key does: no cookies, a bearer header."""
    return httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )


def confirm_it_is_me(page: Page, admin: Admin) -> None:
    """Answer the "confirm it is you" prompt with the password (no authenticator here)."""
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_label("Password")).to_be_focused()
    dialog.get_by_label("Password").fill(admin.password)
    dialog.get_by_label("Password").press("Enter")
    expect(dialog).to_have_count(0)


def test_an_api_key_works_for_a_program_until_it_is_revoked(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    page = new_page()
    log_in(page, server, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys")).to_be_focused()
    expect(page.get_by_text("No keys yet.")).to_be_visible()

    # Creating a key needs a recent login: an old session is asked for the password first.
    server.age_sessions(admin.email, LONG_AGO)
    page.get_by_label("Name").fill("Nightly")
    page.get_by_label("Read operators").check()
    page.get_by_label("Manage operators").check()
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_role("button", name="Create key").click()
    confirm_it_is_me(page, admin)

    # The secret is shown once, with Copy; the key is listed by its first characters only.
    expect(page.get_by_role("heading", name=f"The key {NIGHTLY}")).to_be_focused()
    expect(page.get_by_text("Copy it now: you won't see it again.", exact=True)).to_be_visible()
    secret = page.get_by_role("textbox", name="API key").input_value()
    assert secret.startswith("twofa_key_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status")).to_have_text("API key copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    snap(page, "api-key-created")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("textbox", name="API key")).to_have_count(0)
    key = page.get_by_role("listitem").filter(has_text="Nightly")
    expect(key.locator("code")).to_have_text(f"{secret[:16]}…")
    expect(fact(key, "Scopes")).to_have_text("Read operators, Manage operators")
    expect(fact(key, "Last used")).to_have_text("Never")

    # A program reads the account with it, and invites someone (audited as the key's doing).
    answer = with_key(server, secret, SUMMARY)
    assert answer.json() == {
        "data": {"account": {"name": "Acme Cloud", "twoFactorSummary": {"totalOperators": 1}}}
    }
    kim = admin.email.replace("admin@", "kim@")
    invited = with_key(server, secret, INVITE, e=kim).json()["data"]["inviteOperator"]
    assert invited["userErrors"] == []
    page.reload()
    expect(fact(key, "Last used")).to_contain_text(" from 127.0.0.1")

    # Revoked (after confirming), the same request is an anonymous one: no account, and the
    # answer says the token is no good.
    key.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    page.get_by_role("button", name="Yes, revoke").click()
    expect(page.get_by_role("status")).to_have_text(
        f"The key {NIGHTLY} is revoked: programs using it are refused from now on."
    )
    expect(key.locator(".badge")).to_have_text("Revoked")
    expect(key.get_by_role("button", name="Revoke")).to_have_count(0)
    snap(page, "api-keys")
    refused = with_key(server, secret, SUMMARY)
    assert refused.json() == {"data": {"account": None}}
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]

    # The audit log names the key where a person's name would be; its filters narrow it.
    page.get_by_role("link", name="Audit log").click()
    events = page.get_by_role("list", name="Audit events").get_by_role("listitem")
    page.get_by_label("Kind").select_option(label="Invitation sent")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 event matching the filters.")).to_be_focused()
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text(
        f"Invitation sent by API key {NIGHTLY} ({secret[:16]}) · about Kim Keyed"
    )
    page.get_by_label("Kind").select_option(label="Any kind")
    page.get_by_label("Done by").select_option(label=f"Ada Admin ({admin.email})")
    page.get_by_role("button", name="Show").click()
    expect(events.first).to_contain_text("API key revoked by Ada Admin")
    expect(events.filter(has_text="by API key")).to_have_count(0)
    snap(page, "audit-log-filtered")
    page.get_by_role("button", name="Clear").click()
    expect(events.first).to_contain_text("API key revoked by Ada Admin")
    expect(events.filter(has_text=f"Invitation sent by API key {NIGHTLY}")).to_have_count(1)


def test_a_webhook_endpoint_gets_a_verified_test_event(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    with Receiver() as receiver:
        page = new_page()
        log_in(page, server, admin.email, admin.password)
        expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks")).to_be_focused()
        expect(page.get_by_text("No endpoints yet.")).to_be_visible()

        # A URL the server will not send to is refused next to the field.
        page.get_by_label("URL").fill("ftp://127.0.0.1/hooks")
        page.get_by_label("Description").fill("Staging receiver")
        page.get_by_label("operator.invited").check()
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_label("URL")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("[data-code=INVALID_URL]")).to_have_count(1)

        page.get_by_label("URL").fill(receiver.url)
        page.get_by_role("button", name="Add endpoint").click()
        expect(
            page.get_by_role("heading", name=f"Signing secret of {receiver.url}")
        ).to_be_focused()
        first_secret = page.get_by_role("textbox", name="Signing secret").input_value()
        assert first_secret.startswith("whsec_")
        receiver.secret = first_secret
        snap(page, "webhook-added")
        page.get_by_role("button", name="Done").click()

        # Send test: the receiver gets a webhook.test event it verifies with that secret,
        # and the delivery log says it succeeded.
        page.get_by_role("link", name=receiver.url).click()
        expect(page.get_by_role("heading", name="Webhook endpoint")).to_be_focused()
        page.get_by_role("button", name="Send test").click()
        expect(page.get_by_role("status")).to_contain_text("A webhook.test event is queued")
        [event] = receiver.wait_for(1)
        assert event["type"] == "webhook.test"
        deliveries = page.get_by_role("table", name="Deliveries").locator("tbody tr")
        page.get_by_role("button", name="Refresh").click()
        expect(deliveries).to_have_count(1)
        expect(deliveries.first).to_contain_text("Succeeded", timeout=10_000)
        expect(deliveries.first).to_contain_text("HTTP 204")
        snap(page, "webhook-deliveries")

        # Redeliver: the same event again (same webhook-id), as a new entry in the log.
        deliveries.first.get_by_role("button", name="Redeliver").click()
        expect(page.get_by_role("status")).to_have_text(
            "The webhook.test event is queued again, as a new delivery."
        )
        again = receiver.wait_for(2)[1]
        assert again["_id"] == event["_id"]
        expect(deliveries).to_have_count(2)
        expect(deliveries.first).to_contain_text("Succeeded", timeout=10_000)

        # A new secret, shown once; the receiver switched to it verifies the next test.
        page.get_by_role("button", name="Rotate secret").click()
        page.get_by_role("button", name="Yes, make a new secret").click()
        expect(page.get_by_role("heading", name="New signing secret")).to_be_focused()
        expect(page.get_by_text("the old secret keeps signing beside this one")).to_be_visible()
        receiver.secret = page.get_by_role("textbox", name="Signing secret").input_value()
        assert receiver.secret not in (first_secret, "")
        page.get_by_role("button", name="Done").click()
        expect(fact(page, "Old secret signs until").locator("time")).to_have_count(1)
        page.get_by_role("button", name="Send test").click()
        assert receiver.wait_for(3)[2]["type"] == "webhook.test"

        # Disabled, it cannot be tested; deleted (after confirming), it is gone.
        page.get_by_role("button", name="Disable").click()
        expect(fact(page, "State")).to_contain_text("Disabled since")
        expect(page.get_by_role("button", name="Send test")).to_be_disabled()
        page.get_by_role("button", name="Enable").click()
        expect(fact(page, "State")).to_have_text("Enabled")
        page.get_by_role("button", name="Delete").click()
        page.get_by_role("button", name="Yes, delete").click()
        expect(page.get_by_role("status")).to_have_text(f"The endpoint {receiver.url} was deleted.")
        expect(page.get_by_text("No endpoints yet.")).to_be_visible()
        assert receiver.refused == []
