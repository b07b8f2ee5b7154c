"""An administrator's view of operators' lifecycles: pending invitations, roles, locks,
deactivation and reactivation."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap
from tests.support import PASSWORD

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    api_session,
    basil_signed_in_and_boss_on_his_page,
    fact,
    invite,
    invite_and_accept,
    log_in,
    operator_row,
)

REAUTHENTICATE = """mutation($p: String!) {
  reauthenticate(input: {password: $p}) { userErrors { code } }
}"""
LOCKED_UNTIL = "query($id: ID!) { node(id: $id) { ... on Operator { lockedUntil } } }"
LAST_ADMINISTRATOR = re.compile("^The account must keep at least one active administrator")


def test_pending_invitations_are_listed_sent_again_and_withdrawn(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    olga, pia = (admin.email.replace("admin@", f"{who}@") for who in ("olga", "pia"))
    for email, name in [(olga, "Olga Operator"), (pia, "Pia Pending")]:
        invite(server, token, email, name)

    page = new_page()
    log_in(page, server, admin.email, admin.password)
    page.get_by_role("link", name="Operators").click()
    pending = page.get_by_role("table", name="Pending invitations").get_by_role("row")
    expect(pending).to_have_count(3)  # the header and two invitations
    olga_row = pending.filter(has_text=olga)
    expect(olga_row).to_contain_text("by Ada Admin")
    expect(olga_row.locator("td[data-label='Link works until'] time")).to_have_count(1)
    snap(page, "pending-invitations")

    olga_row.get_by_role("button", name="Send a new link").click()
    expect(page.get_by_role("status")).to_have_text(
        f"A new invitation link was sent to {olga}; the earlier one no longer works."
    )
    expect(page.get_by_role("heading", name="Pending invitations")).to_be_focused()
    server.wait_for_mail(olga, "You are invited")

    pending.filter(has_text=pia).get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    page.get_by_role("button", name="Yes, withdraw").click()
    expect(page.get_by_role("status")).to_have_text(f"The invitation of {pia} was withdrawn.")
    expect(pending).to_have_count(2)
    expect(operator_row(page, pia)).to_have_count(0)

    # The status filter narrows the operators table.
    page.get_by_label("Status").select_option("INVITED")
    expect(page.get_by_text("1 invited operator.")).to_be_visible()
    expect(operator_row(page, olga)).to_have_count(1)
    page.get_by_label("Status").select_option("ACTIVE")
    expect(page.get_by_text("1 active operator.")).to_be_visible()
    expect(operator_row(page, admin.email)).to_have_count(1)


def test_a_deactivated_operator_is_logged_out_and_kept_out_until_reactivated(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    basil, his, boss = basil_signed_in_and_boss_on_his_page(server, admin, new_page)
    expect(fact(boss, "Role")).to_have_text("Basic")
    expect(fact(boss, "Status")).to_have_text("Active")
    expect(fact(boss, "Last login")).not_to_have_text("Never")
    expect(fact(boss, "Created").locator("time")).to_have_count(1)
    expect(fact(boss, "Lock")).to_have_text("Not locked")

    # Deactivating asks first; then his sessions end and the page says so.
    boss.get_by_role("button", name="Deactivate").click()
    expect(boss.get_by_role("button", name="Cancel")).to_be_focused()
    snap(boss, "operator-deactivate-confirmation")
    boss.get_by_role("button", name="Yes, deactivate").click()
    expect(boss.get_by_role("status")).to_have_text(
        "Basil Basic is deactivated: they were logged out and cannot log in."
    )
    expect(fact(boss, "Status")).to_have_text("Deactivated")
    expect(boss.get_by_text("No sessions.")).to_be_visible()

    # His console's next action finds the session gone, and he cannot log in again.
    his.get_by_role("button", name="Log out everywhere else").click()
    expect(his.get_by_role("heading", name="Log in")).to_be_visible()
    expect(his.get_by_role("status")).to_have_text("Your session has ended. Please log in again.")
    log_in(his, server, basil, PASSWORD)
    expect(his.locator(".form-error [data-code=INVALID_CREDENTIALS]")).to_be_visible()
    expect(his.get_by_role("heading", name="Log in")).to_be_visible()

    boss.get_by_role("button", name="Reactivate").click()
    expect(boss.get_by_role("status")).to_have_text("Basil Basic is active again and can log in.")
    expect(fact(boss, "Status")).to_have_text("Active")
    log_in(his, server, basil, PASSWORD)
    expect(his.get_by_role("heading", name="Your settings")).to_be_visible()

    boss.get_by_role("link", name="Audit log").click()
    events = boss.locator(".events li")
    expect(
        events.filter(has_text="Operator deactivated by Ada Admin · about Basil Basic")
    ).to_have_count(1)
    expect(
        events.filter(has_text="Operator reactivated by Ada Admin · about Basil Basic")
    ).to_have_count(1)


def test_the_last_administrator_is_kept_and_one_who_leaves_is_logged_out(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    basil = admin.email.replace("admin@", "basil@")
    invite_and_accept(server, token, basil, "Basil Basic")

    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Operators").click()
    boss.get_by_role("link", name="Ada Admin").click()
    expect(boss.get_by_role("heading", name="Ada Admin")).to_be_focused()
    expect(fact(boss, "Role")).to_have_text("Administrator")

    # Ada is the only administrator: she can neither step down nor leave.
    boss.get_by_label("Role", exact=True).select_option("BASIC")
    boss.get_by_role("button", name="Change role").click()
    refused = boss.locator(".form-error [data-code=LAST_ADMINISTRATOR]")
    expect(refused).to_have_text(LAST_ADMINISTRATOR)
    expect(boss.get_by_role("status")).to_have_text(LAST_ADMINISTRATOR)
    expect(fact(boss, "Role")).to_have_text("Administrator")
    snap(boss, "operator-last-administrator")
    boss.get_by_role("button", name="Deactivate").click()
    boss.get_by_role("button", name="Yes, deactivate").click()
    expect(refused).to_have_count(2)
    expect(boss.get_by_role("button", name="Deactivate")).to_be_focused()
    expect(fact(boss, "Status")).to_have_text("Active")

    # With Basil made an administrator, she may deactivate herself: that logs her out.
    boss.get_by_role("link", name="← Operators").click()
    boss.get_by_role("link", name="Basil Basic").click()
    expect(boss.get_by_role("heading", name="Basil Basic")).to_be_focused()
    boss.get_by_label("Role", exact=True).select_option("ADMINISTRATOR")
    boss.get_by_role("button", name="Change role").click()
    expect(boss.get_by_role("status")).to_have_text("Saved: Basil Basic is an administrator.")
    expect(fact(boss, "Role")).to_have_text("Administrator")
    boss.get_by_role("link", name="← Operators").click()
    boss.get_by_role("link", name="Ada Admin").click()
    expect(boss.get_by_role("heading", name="Ada Admin")).to_be_focused()
    boss.get_by_role("button", name="Deactivate").click()
    expect(boss.get_by_text("Deactivate yourself? You will be logged out at once.")).to_be_visible()
    boss.get_by_role("button", name="Yes, deactivate").click()
    expect(boss.get_by_role("heading", name="Log in")).to_be_visible()
    expect(boss.get_by_role("status")).to_have_text("You deactivated yourself and were logged out.")
    assert boss.evaluate("sessionStorage.getItem('twofa.sessionToken')") is None
    assert server.graphql("{ viewer { id } }", token=token)["viewer"] is None


def test_a_locked_operator_is_shown_and_unlocked(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    token = api_session(server, admin)
    basil = admin.email.replace("admin@", "basil@")
    basil_id = invite_and_accept(server, token, basil, "Basil Basic")
    his = api_session(server, Admin(email=basil))

    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Operators").click()
    expect(operator_row(boss, basil)).not_to_contain_text("Locked")

    # Five wrong passwords lock him (for 30 seconds at first).
    for _ in range(5):
        refused = server.graphql(REAUTHENTICATE, {"p": "not the password at all"}, token=his)
        assert refused["reauthenticate"]["userErrors"] == [{"code": "INVALID_CREDENTIALS"}]
    locked = server.graphql(LOCKED_UNTIL, {"id": basil_id}, token=token)["node"]["lockedUntil"]
    assert locked is not None

    boss.reload()
    expect(operator_row(boss, basil)).to_contain_text("Locked")
    boss.get_by_role("link", name="Basil Basic").click()
    expect(fact(boss, "Lock")).to_have_text(
        re.compile(r"^Locked until \d+ \w+ \d{4} at \d\d:\d\d:\d\d$")
    )
    expect(fact(boss, "Lock").locator("time")).to_have_attribute("datetime", locked)
    snap(boss, "operator-locked")
    boss.get_by_role("button", name="Unlock").click()
    expect(boss.get_by_role("status")).to_have_text("Basil Basic is unlocked and may try again.")
    expect(fact(boss, "Lock")).to_have_text("Not locked")
    expect(boss.get_by_role("button", name="Unlock")).to_have_count(0)

    assert (
        server.graphql(LOCKED_UNTIL, {"id": basil_id}, token=token)["node"]["lockedUntil"] is None
    )
    renewed = server.graphql(REAUTHENTICATE, {"p": PASSWORD}, token=his)
    assert renewed["reauthenticate"]["userErrors"] == []
