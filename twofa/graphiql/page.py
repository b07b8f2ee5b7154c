"""GraphiQL's page and assets, every one served by twofa (no CDN, nothing inline).

The page loads its scripts and stylesheets from ``/graphql/assets/<name>?v=<fingerprint>``;
an asset requested with its current fingerprint may be cached for a year, since a change to
the file changes the URL. Assets are sent gzipped to clients that accept it.

The page's Content-Security-Policy differs from the rest of the site's in two places, both
found by running GraphiQL under the strict policy in Chromium:

- ``font-src 'self' data:``: GraphiQL's stylesheet embeds its fonts as ``data:`` URLs;
- ``style-src 'self' 'nonce-…'``: GraphiQL's dialogs (react-remove-scroll) insert a
  ``<style>`` element, which carries the nonce of the response (read by
  ``graphiql-start.js``). Inline style *attributes* are never needed: React and CodeMirror
  set styles through the DOM, which CSP does not restrict.

Scripts stay ``script-src 'self'``: no inline script, no ``eval``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import secrets
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ASSETS_URL = "graphql/assets"
"""Where the assets are served, relative to the site root (the page links them relatively)."""
STYLESHEETS = ("graphiql.min.css", "graphiql-plugin-explorer.css", "graphiql-page.css")
"""The page's stylesheets, in order."""
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql-plugin-explorer.umd.js",
    "graphiql-start.js",
)
"""The page's scripts, in the order they run."""
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of an asset requested with its current fingerprint."""


def page_csp(nonce: str) -> str:
    """Return the page's Content-Security-Policy for one response's style nonce."""
    return (
        "default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
        f"style-src 'self' 'nonce-{nonce}'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


@dataclass(frozen=True)
class Asset:
    """One file the page loads, ready to send."""

    body: bytes
    """The file's content."""
    gzipped: bytes
    """The same, gzip-compressed."""
    media_type: str
    """Its Content-Type."""
    fingerprint: str
    """The start of its sha256: the ``v`` of its URL."""


@functools.cache
def asset(name: str) -> Asset:
    """Read and compress one of the page's assets (once per process)."""
    body = (STATIC / name).read_bytes()
    return Asset(
        body=body,
        gzipped=gzip.compress(body, mtime=0),
        media_type=MEDIA_TYPES[Path(name).suffix],
        fingerprint=fingerprint(name),
    )


@functools.cache
def fingerprint(name: str) -> str:
    """Return the first 16 hex digits of an asset's sha256."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]


def asset_url(name: str) -> str:
    """Return an asset's URL as the page links it: relative, with its fingerprint."""
    return f"{ASSETS_URL}/{name}?v={fingerprint(name)}"


@functools.cache
def template() -> Template:
    """Return the page's HTML with its asset links filled in, leaving the nonce to fill."""
    stylesheets = "\n".join(
        f'  <link rel="stylesheet" href="{escape(asset_url(name))}">' for name in STYLESHEETS
    )
    scripts = "\n".join(f'  <script src="{escape(asset_url(name))}"></script>' for name in SCRIPTS)
    page = Template((HERE / "index.html").read_text())
    return Template(page.safe_substitute(stylesheets=stylesheets, scripts=scripts))


def graphiql_page() -> Response:
    """Answer a browser's ``GET /graphql``: the page, with a fresh nonce and its own CSP."""
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(
        template().substitute(nonce=nonce),
        headers={"content-security-policy": page_csp(nonce), "cache-control": "no-store"},
    )


async def graphiql_asset(request: Request) -> Response:
    """Serve one of the page's assets (and nothing else) by name; 404 for any other name."""
    name = request.path_params["name"]
    if name not in STYLESHEETS + SCRIPTS:
        return PlainTextResponse("Not found.", status_code=404)
    found = await run_in_threadpool(asset, name)
    current = request.query_params.get("v") == found.fingerprint
    headers = {
        "cache-control": IMMUTABLE if current else "no-cache",
        "etag": f'W/"{found.fingerprint}"',  # weak: the same for both encodings
        "vary": "accept-encoding",
    }
    known = request.headers.get("if-none-match", "")
    if headers["etag"] in (tag.strip() for tag in known.split(",")):
        return Response(status_code=304, headers=headers)
    body = found.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = found.gzipped
        headers["content-encoding"] = "gzip"
    return Response(body, media_type=found.media_type, headers=headers)
