"""Steps that several browser test modules take: in the console (Playwright) and through the
API to set the scene.

Import it only after ``require_browser()``: it needs the playwright package.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser.support import Admin, OpenPage, Server, otpauth_secret, snap
from tests.smtp import link_token
from tests.support import PASSWORD, totp_code

CODE_FIELD = "Authentication code"


def log_in(page: Page, server: Server, email: str, password: str) -> None:
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def fact(page: Page | Locator, term: str) -> Locator:
    """The value of a fact (<dt>term</dt><dd>value</dd>) on the page."""
    return page.locator(".facts dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def operator_row(page: Page, text: str) -> Locator:
    """The row of the operators table (not of the pending invitations) containing ``text``."""
    return page.get_by_role("table", name="Operators").get_by_role("row").filter(has_text=text)


def preview_and_apply(page: Page) -> None:
    """On the account page: preview the default the form holds, then apply it."""
    page.get_by_role("button", name="Preview change").click()
    preview = page.get_by_role("group", name="Check before applying")
    expect(preview.get_by_role("heading")).to_be_focused()
    preview.get_by_role("button", name="Apply").click()


def next_code(secret: str) -> str:
    """The code of the next time step: the current one may have been used already."""
    return totp_code(secret, datetime.now(UTC) + timedelta(seconds=30))


def api_session(server: Server, admin: Admin) -> str:
    """Log the administrator in through the API (no code needed) and return the session."""
    token: str = server.graphql(
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { sessionToken } }",
        {"e": admin.email, "p": admin.password},
    )["login"]["sessionToken"]
    return token


ENROLL_START = """mutation($t: String) {
  startTwoFactorEnrollment(input: {setupToken: $t}) { enrollment { secret } userErrors { code } } }"""
ENROLL_CONFIRM = """mutation($c: String!, $t: String) {
  confirmTwoFactorEnrollment(input: {code: $c, setupToken: $t}) { recoveryCodes userErrors { code } } }"""


def enroll_by_api(server: Server, admin: Admin) -> tuple[str, list[str]]:
    """Set up the administrator's authenticator through the API, as a client must after a
    login with the password alone: through the link the refusal emails.

    Returns its secret and recovery codes.
    """
    token = api_session(server, admin)
    refused = server.graphql(ENROLL_START, token=token)["startTwoFactorEnrollment"]
    assert [error["code"] for error in refused["userErrors"]] == ["SETUP_LINK_REQUIRED"]
    setup = link_token(
        server.wait_for_mail(admin.email, "Continue setting up"), f"{server.url}/two-factor/setup"
    )
    started = server.graphql(ENROLL_START, {"t": setup})["startTwoFactorEnrollment"]
    secret: str = started["enrollment"]["secret"]
    confirmed = server.graphql(
        ENROLL_CONFIRM, {"c": totp_code(secret, datetime.now(UTC)), "t": setup}
    )
    payload = confirmed["confirmTwoFactorEnrollment"]
    assert payload["userErrors"] == []
    return secret, payload["recoveryCodes"]


INVITE = """mutation($e: String!, $n: String!, $r: OperatorRole! = BASIC, $s: Boolean! = false) {
  inviteOperator(input: {email: $e, name: $n, role: $r, usesSingleSignOn: $s}) {
    operator { id } userErrors { code }
  }
}"""
ACCEPT = """mutation($t: String!, $p: String!) {
  acceptInvitation(input: {invitationToken: $t, password: $p}) { outcome userErrors { code } }
}"""


def invite(
    server: Server,
    token: str,
    email: str,
    name: str,
    *,
    role: str = "BASIC",
    single_sign_on: bool = False,
) -> str:
    """Invite an operator with the administrator's session ``token``; return their id."""
    invited = server.graphql(
        INVITE, {"e": email, "n": name, "r": role, "s": single_sign_on}, token=token
    )["inviteOperator"]
    assert invited["userErrors"] == []
    operator_id: str = invited["operator"]["id"]
    return operator_id


def invite_and_accept(
    server: Server, token: str, email: str, name: str, *, role: str = "BASIC"
) -> str:
    """Invite an operator (basic unless ``role`` says otherwise) with the administrator's
    session ``token`` and accept the invitation through the API with the password
    ``PASSWORD``; return the operator's id.

    Accepting logs them in (the account must not require 2FA yet): that is one session.
    """
    operator_id = invite(server, token, email, name, role=role)
    invitation = link_token(
        server.wait_for_mail(email, "You are invited"), f"{server.url}/invitations/accept"
    )
    accepted = server.graphql(ACCEPT, {"t": invitation, "p": PASSWORD})
    assert accepted["acceptInvitation"]["outcome"] == "AUTHENTICATED", accepted
    return operator_id


def set_up_from_qr_code(page: Page, shot: str | None = None) -> tuple[str, list[str]]:
    """On the setup page: decode the QR code, type its current code, finish.

    Returns the secret and the recovery codes shown.
    """
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    src = qr.get_attribute("src") or ""
    assert src.startswith("data:image/png;base64,")
    [barcode] = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    )
    assert barcode.text.startswith("otpauth://totp/Console%20Test:")
    secret = otpauth_secret(barcode.text)

    page.get_by_role("button", name="Can't scan it? Enter this key").click()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    expect(page.locator(".secret")).to_have_text(grouped)
    if shot:
        snap(page, shot)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    page.get_by_label(CODE_FIELD).fill(totp_code(secret, datetime.now(UTC)))
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = (
        page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    )
    assert len(codes) == 10
    return secret, codes


def basil_signed_in_and_boss_on_his_page(
    server: Server, admin: Admin, new_page: OpenPage
) -> tuple[str, Page, Page]:
    """Invite Basil (basic), sign him in in one page, and open his page as the administrator.

    Returns Basil's email, his page and the administrator's page.
    """
    token = api_session(server, admin)
    basil = admin.email.replace("admin@", "basil@")
    invite_and_accept(server, token, basil, "Basil Basic")
    his = new_page()
    log_in(his, server, basil, PASSWORD)
    expect(his.get_by_role("heading", name="Your settings")).to_be_visible()
    boss = new_page()
    log_in(boss, server, admin.email, admin.password)
    boss.get_by_role("link", name="Operators").click()
    boss.get_by_role("link", name="Basil Basic").click()
    return basil, his, boss
