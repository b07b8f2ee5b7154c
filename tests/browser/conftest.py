"""Browser tests of the reference console: a real ``twofa serve`` process, a real SMTP
server, and Debian's Chromium driven by Playwright.

Without /usr/bin/chromium or the playwright package they skip with the reason, except under
CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from services.machinery.encryption import generate_key
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Admin,
    OpenPage,
    Server,
    require_browser,
)
from tests.mail_server import SmtpServer
from tests.servers import free_port, twofa, twofa_server
from tests.support import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium for one test module.

    Not for the whole run: Playwright's sync API keeps an event loop running in this
    thread while it is open, and the asyncio tests after these could not run theirs.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m twofa serve`` on a throw-away SQLite file, mailing to a local SMTP server."""
    require_browser()
    folder = tmp_path_factory.mktemp("console")
    database_url = f"sqlite://{folder}/console.sqlite3"
    assert twofa("migrate", database_url=database_url).returncode == 0
    mail = SmtpServer()
    mail.start()
    port = free_port()
    # localhost, not 127.0.0.1: WebAuthn needs a domain as the relying party id (the host
    # of PUBLIC_URL) and a secure context, which Chromium grants to http://localhost.
    url = f"http://localhost:{port}"
    env = {
        "DATABASE_URL": database_url,
        "PUBLIC_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMTP_TLS": "none",
        "ENCRYPTION_KEYS": generate_key(),
        "TOTP_ISSUER": "Console Test",
        # The webhook tests' receiver listens on loopback, over http.
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
    }
    try:
        with twofa_server(env, folder / "server.log", port=port):
            yield Server(url=url, database_url=database_url, mail=mail)
    finally:
        mail.stop()


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
def new_page(browser: Browser) -> Iterator[OpenPage]:
    """Open pages in fresh browser contexts (one per person); fail on script or CSP errors."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_page(*, timezone_id: str | None = None) -> Page:
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-GB", timezone_id=timezone_id
        )
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
