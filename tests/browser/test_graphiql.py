"""GraphiQL at /graphql in a real browser: it renders and runs queries under the page's own
strict Content-Security-Policy, with every request going to the server itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.browser.support import Admin, OpenPage, Server, require_browser, snap

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""

require_browser()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.steps import api_session  # noqa: E402

PASSWORD_TYPED = "typed into GraphiQL, kept nowhere"
"""A (wrong) password sent through the page, looked for in the browser's storage."""

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
"""Runs before the page's own scripts (through the browser's debugging protocol, not CSP)."""


@dataclass
class GraphiQLPage:
    """An open GraphiQL page and every URL it requested."""

    page: Page
    requested: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """The page's Content-Security-Policy violations so far."""
        found: list[str] = self.page.evaluate("window.cspViolations")
        return found

    def type_into(self, editor: str, text: str) -> None:
        """Replace the content of a CodeMirror editor (``.graphiql-query-editor``, ...)."""
        self.page.locator(f"{editor} .CodeMirror").click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)

    def run(self, query: str) -> None:
        """Type a query into the query editor and run it with Ctrl-Enter."""
        self.type_into(".graphiql-query-editor", query)
        self.page.keyboard.press("Control+Enter")


@pytest.fixture
def graphiql(server: Server, new_page: OpenPage) -> Iterator[GraphiQLPage]:
    """GraphiQL opened at /graphql; afterwards, no CSP violation and no foreign request."""
    page = new_page()
    opened = GraphiQLPage(page)
    page.on("request", lambda request: opened.requested.append(request.url))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{server.url}/graphql")
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    yield opened
    assert opened.violations() == []
    assert opened.requested, "the page requested nothing"
    assert [url for url in opened.requested if not url.startswith(f"{server.url}/")] == []


def test_graphiql_renders_and_runs_a_query(graphiql: GraphiQLPage, server: Server) -> None:
    page = graphiql.page
    expect(page.locator("#graphiql")).not_to_contain_text("Loading")
    graphiql.run("{ __typename }")
    expect(page.locator(".graphiql-response")).to_contain_text('"__typename": "Query"')
    assert f"{server.url}/graphql" in graphiql.requested
    snap(page, "graphiql")

    # The schema loaded (introspection passes the query limits): the docs and the explorer.
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_contain_text("viewer")

    # The settings dialog inserts a <style> element: allowed by the response's nonce only.
    page.get_by_role("button", name="Open settings dialog").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_graphiql_sends_the_authorization_header(
    graphiql: GraphiQLPage, server: Server, admin: Admin
) -> None:
    token = api_session(server, admin)
    page = graphiql.page
    graphiql.type_into(
        ".graphiql-editor-tool .graphiql-editor:not(.hidden)",
        json.dumps({"Authorization": f"Bearer {token}"}),
    )
    graphiql.run("{ viewer { email } }")
    expect(page.locator(".graphiql-response")).to_contain_text(f'"email": "{admin.email}"')

    # Headers carry session tokens, and documents passwords and codes: nothing GraphiQL
    # keeps reaches the browser's storage.
    graphiql.run(
        f'mutation {{ login(input: {{email: "{admin.email}", password: "{PASSWORD_TYPED}"}})'
        " { outcome } }"
    )
    expect(page.locator(".graphiql-response")).to_contain_text('"outcome"')
    stored = page.evaluate(
        "JSON.stringify([Object.entries(window.localStorage),"
        " Object.entries(window.sessionStorage)])"
    )
    assert token not in stored
    assert PASSWORD_TYPED not in stored
    assert "graphiql" not in stored
