"""What the browser tests share: their requirements, the served app they drive, and
helpers for pages and emails."""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx
import pytest

from services.validation import email_key
from tests.mail_server import SmtpServer
from tests.servers import ROOT
from tests.smtp import link_token
from tests.support import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

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


def require_browser() -> None:
    """Skip the calling test (or module) when Chromium or Playwright is missing; under CI
    (``CI=true``) fail it instead, since there a missing browser is a broken set-up and a
    skip would hide that the console went untested."""
    reason = missing_requirement()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; CI=true, so the browser tests must run", pytrace=False)
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

    def mail_count(self) -> int:
        """How many emails the SMTP server has received so far."""
        return len(self.mail.sink.messages)

    def wait_for_mail(
        self, to: str, subject: str, within: float = 15.0, *, after: int = 0
    ) -> EmailMessage:
        """The newest email to ``to`` whose subject starts with ``subject``; waits for it.

        ``after``: ignore the first that many emails received (a ``mail_count()`` taken
        before the step that sends it), so that an older email of the same kind is not taken.
        """
        deadline = time.monotonic() + within
        while True:
            found = [
                m
                for m in self.mail.sink.messages[after:]
                if m["To"] == to and m["Subject"].startswith(subject)
            ]
            if found:
                return found[-1]
            assert time.monotonic() < deadline, f"no email {subject!r} to {to}"
            time.sleep(0.05)  # polling the SMTP sink, not waiting for the app

    def link(self, message: EmailMessage, path: str) -> str:
        """The full link to ``path`` (with its token) in an email."""
        return f"{self.url}{path}?token={quote(link_token(message, self.url + path))}"

    def age_sessions(self, email: str, by: timedelta) -> None:
        """Make the operator's sessions have proved who they are ``by`` ago.

        The server runs on the real clock, so instead of waiting out the re-authentication
        window the test moves ``authenticated_at`` back in the SQLite file the server uses;
        it reads that column afresh on every request.
        """
        path = self.database_url.removeprefix("sqlite://")
        then = (datetime.now(UTC) - by).isoformat(sep=" ")
        with closing(sqlite3.connect(path, timeout=10)) as database, database:
            changed = database.execute(
                "UPDATE sessions SET authenticated_at = ? WHERE operator_id ="
                " (SELECT id FROM operators WHERE email_key = ?)",  # the active operator's
                (then, email_key(email)),
            ).rowcount
        assert changed > 0, f"no session of {email} to age"


class OpenPage(Protocol):
    """The ``new_page`` fixture: opens a page in a fresh browser context (one per person)."""

    def __call__(self, *, timezone_id: str | None = None) -> Page:
        """Open a page; ``timezone_id`` (e.g. "Asia/Kolkata") sets the browser's local time."""
        ...


@dataclass
class Admin:
    """The administrator of a fresh account."""

    email: str
    password: str = PASSWORD


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
