"""GraphiQL over HTTP: the page, its own CSP and its assets, all from twofa; the GraphQL
endpoint behind it answers API clients as before. (The page in a browser:
tests/browser/test_graphiql.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.support import GraphQLClient
from twofa.graphiql import vendor

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ASSETS = Path(vendor.__file__).resolve().parent / "static"


class Links(HTMLParser):
    """Collects the URLs a page loads (``src`` and ``href``) and its ``nonce`` attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.nonces: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        self.nonces += [value for name, value in attrs if name == "nonce" and value]
        if tag == "script" and "src" not in found:
            self.inline_scripts += 1
        assert "style" not in found, f"inline style attribute on <{tag}>"


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


async def open_page(http: httpx.AsyncClient) -> tuple[httpx.Response, Links]:
    response = await http.get("/graphql", headers={"Accept": BROWSER_ACCEPT})
    links = Links()
    links.feed(response.text)
    return response, links


async def test_browsers_get_twofa_s_own_page_under_a_strict_policy(gql: GraphQLClient) -> None:
    response, links = await open_page(gql.http)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert links.inline_scripts == 0

    policy = directives(response.headers["content-security-policy"])
    (nonce,) = links.nonces
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["font-src"] == ["'self'", "data:"]  # GraphiQL's stylesheet embeds its fonts
    assert policy["default-src"] == policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == policy["base-uri"] == ["'none'"]
    assert "unsafe" not in response.headers["content-security-policy"]

    _, again = await open_page(gql.http)
    assert again.nonces != links.nonces, "a nonce serves one response only"


async def test_the_rest_of_the_site_keeps_its_policy(gql: GraphQLClient) -> None:
    policy = directives((await gql.http.get("/healthz")).headers["content-security-policy"])
    assert policy["style-src"] == policy["script-src"] == ["'self'"]
    assert "font-src" not in policy


async def test_every_asset_comes_from_twofa_with_its_type_and_a_long_cache(
    gql: GraphQLClient,
) -> None:
    _, links = await open_page(gql.http)
    assets = [url for url in links.urls if not url.startswith("data:")]
    assert len(assets) == 8  # three stylesheets, five scripts
    for url in assets:
        assert not urlsplit(url).scheme and not url.startswith("/"), url  # relative: same origin
        response = await gql.http.get(urljoin("http://twofa.test/graphql", url))
        assert response.status_code == 200, url
        kind = "text/javascript" if url.split("?")[0].endswith(".js") else "text/css"
        assert response.headers["content-type"] == f"{kind}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        name = urlsplit(url).path.rsplit("/", 1)[1]
        assert response.content == (ASSETS / name).read_bytes()


async def test_assets_are_compressed_and_revalidated(gql: GraphQLClient) -> None:
    _, links = await open_page(gql.http)
    url = urljoin(
        "http://twofa.test/graphql", next(u for u in links.urls if "graphiql.min.js" in u)
    )
    whole = (ASSETS / "graphiql.min.js").read_bytes()

    zipped = await gql.http.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(whole) / 2
    assert zipped.content == whole  # as decompressed by the client
    assert "accept-encoding" in zipped.headers["vary"].lower()

    plain = await gql.http.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == whole

    unchanged = await gql.http.get(url, headers={"If-None-Match": zipped.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    # Without its current fingerprint a URL may point at another version: revalidate it.
    stale = await gql.http.get(url.replace("?v=", "?v=0"))
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/graphql/assets/page.py",
        "/graphql/assets/vendor.json",
        "/graphql/assets/..%2Fpage.py",
        "/graphql/assets/",
        "/graphql/assets/.gitattributes",
    ],
)
async def test_nothing_else_is_served_from_the_assets_path(gql: GraphQLClient, path: str) -> None:
    response = await gql.http.get(path)
    assert response.status_code == 404
    assert "content-security-policy" in response.headers


async def test_api_clients_still_get_json(gql: GraphQLClient) -> None:
    posted = await gql.data("{ __typename }")
    assert posted == {"__typename": "Query"}

    fetched = await gql.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "application/json"}
    )
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("application/json")
    assert fetched.json() == {"data": {"__typename": "Query"}}

    # A browser's Accept with a query in the URL runs the query, as before.
    shared = await gql.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": BROWSER_ACCEPT}
    )
    assert shared.json() == {"data": {"__typename": "Query"}}


def test_vendored_files_match_their_pinned_hashes() -> None:
    manifest = json.loads(vendor.MANIFEST.read_text())
    assert vendor.check(manifest) == []
    for package in manifest["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), package  # exact versions
        assert package["license"] == "MIT", package
        assert package["integrity"].startswith("sha512-"), package


def test_the_hash_check_notices_a_changed_file() -> None:
    manifest = json.loads(vendor.MANIFEST.read_text())
    entry = manifest["packages"][0]["files"]["umd/react.production.min.js"]
    entry["sha256"] = "0" * 64
    assert vendor.check(manifest) == [
        "static/react.production.min.js: sha256 differs from react umd/react.production.min.js"
    ]
