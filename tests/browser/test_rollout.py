"""Rolling two-factor authentication out from the console: the preview before a new default
is applied, the operators' compliance (badges, filter, counts) and the compliance report."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

from tests.browser.steps import (  # noqa: E402
    CODE_FIELD,
    api_session,
    enroll_by_api,
    fact,
    invite,
    invite_and_accept,
    log_in,
    next_code,
    operator_row,
)

PARIS = ZoneInfo("Europe/Paris")
"""The administrator's browser's time zone: "Enforce from" is typed in local time."""
LONG_AGO = timedelta(hours=3)
"""Older than the two hours in which a session counts as recently authenticated."""
SET_OVERRIDE = """mutation($id: ID!) {
  setOperatorTwoFactorOverride(input: {operatorId: $id, mode: OPTIONAL}) { userErrors { code } }
}"""
REPORT_COLUMNS = [
    "id", "email", "name", "role", "status", "mode", "source", "compliance",
    "configured_at", "setup_deadline", "last_login_at",
]  # fmt: skip


def someone(admin: Admin, who: str) -> str:
    return admin.email.replace("admin@", f"{who}@")


def log_in_with_recovery_code(page: Page, server: Server, admin: Admin, code: str) -> None:
    """Log in with a recovery code: the authenticator's current code stays unused for later."""
    log_in(page, server, admin.email, admin.password)
    page.get_by_label(CODE_FIELD).fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()


def preview_of(page: Page) -> Locator:
    page.get_by_role("button", name="Preview change").click()
    preview = page.get_by_role("group", name="Check before applying")
    expect(preview.get_by_role("heading")).to_be_focused()
    return preview


def as_local_input(moment: datetime) -> str:
    """A datetime-local input's value for ``moment`` (to the minute)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_the_preview_says_who_would_be_locked_out_before_required_is_applied(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    # Ada (the administrator) has an authenticator; Basil and Carla, an administrator too,
    # have none. The account is OPTIONAL.
    token = api_session(server, admin)
    invite_and_accept(server, token, someone(admin, "basil"), "Basil Basic")
    invite_and_accept(server, token, someone(admin, "carla"), "Carla Chief", role="ADMINISTRATOR")
    secret, recovery = enroll_by_api(server, admin)
    page = new_page(timezone_id="Europe/Paris")
    log_in_with_recovery_code(page, server, admin, recovery[0])
    page.get_by_role("link", name="Account").click()
    expect(fact(page, "Default")).to_have_text("Optional")
    expect(fact(page, "Not required")).to_have_text("3")
    server.wait_for_mail(admin.email, "A recovery code was used")
    mails = server.mail_count()

    # Required with no grace period: Basil and Carla could no longer log in with a password
    # alone, and Carla is an administrator.
    page.get_by_label("Required").check()
    preview = preview_of(page)
    expect(preview).to_contain_text(
        "If you apply this, two-factor authentication will be required by default."
    )
    expect(preview).to_contain_text(
        "2 operators have not set up two-factor authentication; they can no longer log in"
        " with a password alone once this is applied: Basil Basic and Carla Chief."
    )
    expect(preview).to_contain_text(
        "1 administrator would be locked out of password-only login at once: Carla Chief."
    )
    for state, count in [("Overdue", "2"), ("Pending", "0"), ("Compliant", "1")]:
        expect(fact(preview, state)).to_have_text(count)
    snap(page, "policy-preview")

    # Cancel changes nothing: after a reload the account is still OPTIONAL.
    preview.get_by_role("button", name="Cancel").click()
    expect(preview).to_have_count(0)
    expect(page.get_by_role("button", name="Preview change")).to_be_focused()
    page.reload()
    expect(fact(page, "Default")).to_have_text("Optional")
    expect(page.get_by_label("Optional")).to_be_checked()

    # A schedule more than 180 days ahead is refused, next to its field.
    page.get_by_label("Required").check()
    enforce = page.get_by_label("Enforce from")
    enforce.fill(as_local_input(datetime.now(PARIS) + timedelta(days=200)))
    page.get_by_role("button", name="Preview change").click()
    expect(enforce).to_have_attribute("aria-invalid", "true")
    expect(enforce).to_have_accessible_description(
        re.compile("Schedule enforcement for a time in the next 180 days.")
    )
    expect(enforce).to_be_focused()

    # With three days of grace, no one is locked out, and the sentence says until when.
    enforce.fill("")
    page.get_by_label("Grace period (hours)").fill("72")
    asked = datetime.now(UTC)
    preview = preview_of(page)
    expect(preview).to_contain_text(
        "2 operators have not set up two-factor authentication; with a 72-hour grace period"
        " they can still log in with their password until "
    )
    expect(preview).to_contain_text("No one would be locked out of password-only login at once.")
    expect(fact(preview, "Pending")).to_have_text("2")
    until = datetime.fromisoformat(preview.locator("time").get_attribute("datetime") or "")
    assert timedelta(seconds=-1) <= until - (asked + timedelta(hours=72)) < timedelta(minutes=1)

    # Enforcement ten days ahead comes after the grace period: it is the deadline.
    # At noon, a time every day has in Paris, daylight saving or not.
    start = (datetime.now(PARIS) + timedelta(days=10)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    enforce.fill(as_local_input(start))
    preview = preview_of(page)
    in_utc = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")
    expect(preview.locator("time")).to_have_count(2)
    for moment in preview.locator("time").all():
        expect(moment).to_have_attribute("datetime", in_utc)
    assert server.mail_count() == mails  # previews email no one

    # Applying needs a recent login: the old session confirms who it is, then it is saved.
    server.age_sessions(admin.email, LONG_AGO)
    preview.get_by_role("button", name="Apply").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    dialog.get_by_label("Password").fill(admin.password)
    dialog.get_by_label(CODE_FIELD).fill(next_code(secret))
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            "^Saved: two-factor authentication is required by default, with a grace period"
            rf" of 72 hours, enforced from {start.day} {start:%B} {start.year}\D+{start:%H:%M}:00\.$"
        )
    )
    expect(fact(page, "Default")).to_have_text("Required")
    scheduled = fact(page, "Enforced from").locator("time").get_attribute("datetime") or ""
    assert datetime.fromisoformat(scheduled) == start
    expect(enforce).to_have_value(as_local_input(start))
    expect(fact(page, "Pending")).to_have_text("2")


def test_operators_by_compliance_and_the_compliance_report(
    server: Server, admin: Admin, new_page: OpenPage
) -> None:
    # Under REQUIRED with no grace period: Ada has an authenticator (compliant), Basil has
    # none (overdue), Ivy is invited (pending), Sam signs in with single sign-on (exempt) and
    # Olga's override makes it optional for her (not required).
    token = api_session(server, admin)
    invite_and_accept(server, token, someone(admin, "basil"), "Basil Basic")
    olga = invite_and_accept(server, token, someone(admin, "olga"), "Olga Optional")
    assert server.graphql(SET_OVERRIDE, {"id": olga}, token=token)[
        "setOperatorTwoFactorOverride"
    ] == {"userErrors": []}
    invite(server, token, someone(admin, "ivy"), "Ivy Invited")
    invite(server, token, someone(admin, "sam"), "Sam Single", single_sign_on=True)
    _, recovery = enroll_by_api(server, admin)
    page = new_page()
    log_in_with_recovery_code(page, server, admin, recovery[0])
    page.get_by_role("link", name="Account").click()
    page.get_by_label("Required").check()
    preview = preview_of(page)
    expect(preview).to_contain_text(
        "1 invited operator will set it up as they accept their invitation."
    )
    expect(preview).to_contain_text(
        "1 operator has not set up two-factor authentication; they can no longer log in"
        " with a password alone once this is applied: Basil Basic."
    )
    preview.get_by_role("button", name="Apply").click()
    expect(fact(page, "Default")).to_have_text("Required")
    expected = {
        "admin": "COMPLIANT",
        "basil": "OVERDUE",
        "ivy": "PENDING",
        "sam": "EXEMPT",
        "olga": "NOT_REQUIRED",
    }
    for state in ["Overdue", "Pending", "Compliant", "Exempt", "Not required"]:
        expect(fact(page, state)).to_have_text("1")

    # The report: the same compliance, one row per operator.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download report").click()
    assert re.fullmatch(
        r"two-factor-compliance-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename
    )
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0] == REPORT_COLUMNS
    by_email = {row[1]: dict(zip(REPORT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert {email: row["compliance"] for email, row in by_email.items()} == {
        someone(admin, who): state for who, state in expected.items()
    }
    expect(page.get_by_role("status")).to_have_text(
        f"The report is downloaded as {download.value.suggested_filename}."
    )

    # The operators list: a badge each, and a filter by compliance.
    page.get_by_role("link", name="Operators").click()
    for who, label in [("basil", "Overdue"), ("ivy", "Pending"), ("sam", "Exempt")]:
        expect(operator_row(page, someone(admin, who)).locator(".badge")).to_have_text(label)
    expect(operator_row(page, admin.email).locator(".badge")).to_have_text("Compliant")
    expect(operator_row(page, "Olga Optional").locator(".badge")).to_have_text("Not required")
    snap(page, "operators-compliance")
    page.get_by_label("Compliance").select_option(label="Overdue")
    expect(page.get_by_text("1 operator past their setup deadline.")).to_be_visible()
    rows_shown = page.get_by_role("table", name="Operators").locator("tbody tr")
    expect(rows_shown).to_have_count(1)
    expect(rows_shown).to_contain_text("Basil Basic")
    page.get_by_label("Compliance").select_option(label="Pending")
    expect(page.get_by_text("1 operator still in time to set up two-factor")).to_be_visible()
    expect(rows_shown).to_have_count(1)
    expect(rows_shown).to_contain_text("Ivy Invited")
