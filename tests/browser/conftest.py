"""Browser tests of the reference console: a real ``twofa serve`` process, a real SMTP
server, and Debian's Chromium driven by Playwright.

They skip (with the reason) when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest

from services.encryption import generate_key
from tests.servers import ROOT, twofa, twofa_server
from tests.smtp import SmtpServer, free_port, link_token
from tests.support import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return "browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install playwright)"
    return None


def skip_without_browser() -> None:
    """Skip the calling test module when Chromium or Playwright is missing."""
    reason = missing_requirement()
    if reason:
        pytest.skip(reason, allow_module_level=True)


@dataclass
class Server:
    """A running ``twofa serve`` process and what it was started with."""

    url: str
    database_url: str
    mail: SmtpServer

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """POST a GraphQL document; return ``data`` (top-level errors fail the test)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=10,
        ).json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def wait_for_mail(self, to: str, subject: str, within: float = 15.0) -> EmailMessage:
        """The newest email to ``to`` whose subject starts with ``subject``; waits for it."""
        deadline = time.monotonic() + within
        while True:
            found = [
                m
                for m in self.mail.sink.messages
                if m["To"] == to and m["Subject"].startswith(subject)
            ]
            if found:
                return found[-1]
            assert time.monotonic() < deadline, f"no email {subject!r} to {to}"
            time.sleep(0.05)  # polling the SMTP sink, not waiting for the app

    def link(self, message: EmailMessage, path: str) -> str:
        """The full link to ``path`` (with its token) in an email."""
        return f"{self.url}{path}?token={quote(link_token(message, self.url + path))}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium for one test module.

    Not for the whole run: Playwright's sync API keeps an event loop running in this
    thread while it is open, and the asyncio tests after these could not run theirs.
    """
    skip_without_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m twofa serve`` on a throw-away SQLite file, mailing to a local SMTP server."""
    skip_without_browser()
    folder = tmp_path_factory.mktemp("console")
    database_url = f"sqlite://{folder}/console.sqlite3"
    assert twofa("migrate", database_url=database_url).returncode == 0
    mail = SmtpServer()
    mail.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": database_url,
        "PUBLIC_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMTP_TLS": "none",
        "ENCRYPTION_KEYS": generate_key(),
        "TOTP_ISSUER": "Console Test",
    }
    try:
        with twofa_server(env, folder / "server.log", port=port):
            yield Server(url=url, database_url=database_url, mail=mail)
    finally:
        mail.stop()


@dataclass
class Admin:
    """The administrator of a fresh account."""

    email: str
    password: str = PASSWORD


@pytest.fixture
def admin(server: Server) -> Admin:
    """A new account (``twofa create-account``) with its administrator; default OPTIONAL."""
    domain = f"acme-{secrets.token_hex(4)}.example"
    email = f"admin@{domain}"
    created = twofa(
        "create-account", "--name", "Acme Cloud", "--admin-email", email,
        "--admin-password", PASSWORD, "--admin-name", "Ada Admin",
        database_url=server.database_url,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    return Admin(email=email)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Open pages in fresh browser contexts (one per person); fail on script or CSP errors."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == []


def snap(page: Page, name: str) -> None:
    """Save full-page screenshots at desktop width and at 375 px (a small phone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=SCREENSHOTS / f"{name}-375px.png", full_page=True)
    if size:
        page.set_viewport_size(size)


def otpauth_secret(uri: str) -> str:
    """The ``secret`` parameter of an otpauth:// URI."""
    found = re.search(r"[?&]secret=([A-Z2-7]+)", uri)
    assert found, uri
    return found.group(1)
