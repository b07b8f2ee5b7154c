"""HTTP details of ``/graphql``: CORS request headers, mutations over GET, refused tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import CountingHasher, GraphQLClient, make_team, running_app, session_for
from twofa.settings import ConfigurationError, Settings

CONSOLE = "https://console.acme.example"
SET_DEFAULT = """mutation { setAccountTwoFactorDefault(input: {mode: REQUIRED}) {
  account { twoFactorDefault } userErrors { code } } }"""
INVALID_TOKEN = 'Bearer error="invalid_token"'


@asynccontextmanager
async def client_of(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of an app started with ``settings``."""
    async with (
        running_app(settings, clock, hasher) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


def preflight(headers: str) -> dict[str, str]:
    """The headers of a browser's CORS preflight for a POST from the console's origin."""
    return {
        "Origin": CONSOLE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def test_extra_request_headers_pass_the_preflight_only_when_configured(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    extra = "authorization, content-type, x-request-id, sentry-trace"
    plain = replace(settings, cors_origins=(CONSOLE,))
    async with client_of(plain, clock, hasher) as http:
        refused = await http.options("/graphql", headers=preflight(extra))
        assert refused.status_code == 400
        assert "headers" in refused.text.lower()
        assert "x-request-id" not in refused.headers.get("access-control-allow-headers", "")
        usual = await http.options("/graphql", headers=preflight("authorization, content-type"))
        assert usual.status_code == 200

    configured = replace(
        plain,
        cors_allow_headers=Settings.from_env(
            {"CORS_ALLOW_HEADERS": "X-Request-ID, sentry-trace"}
        ).cors_allow_headers,
    )
    async with client_of(configured, clock, hasher) as http:
        allowed = await http.options("/graphql", headers=preflight(extra))
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == CONSOLE
        granted = {
            h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")
        }
        assert {"authorization", "content-type", "x-request-id", "sentry-trace"} <= granted
        other = await http.options("/graphql", headers=preflight("x-other"))
        assert other.status_code == 400


@pytest.mark.parametrize("value", ["x-request-id, bad header", "x-a:b", "sentry-trace,\u00e9"])
def test_cors_allow_headers_must_be_header_names(value: str) -> None:
    with pytest.raises(ConfigurationError, match="CORS_ALLOW_HEADERS"):
        Settings.from_env({"CORS_ALLOW_HEADERS": value})


async def test_a_mutation_over_get_is_405_with_allow_post(gql: GraphQLClient) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        response = await gql.http.get(
            "/graphql",
            params={"query": "mutation { logout { userErrors { code } } }"},
            headers={"Accept": accept},
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"].startswith(accept)
        body = response.json()
        assert "data" not in body or body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["METHOD_NOT_ALLOWED"]
        assert "POST" in body["errors"][0]["message"]


async def test_queries_over_get_still_run(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    response = await gql.http.get(
        "/graphql",
        params={"query": "{ viewer { email } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"email": team.admin.email}}}
    assert "www-authenticate" not in response.headers


async def assert_treated_as_anonymous(gql: GraphQLClient, token: str) -> None:
    """The token is refused: the request runs anonymously and says the token was refused."""
    viewer = await gql.post("{ viewer { id } viewerSession { id } }", token=token)
    assert viewer.status_code == 200
    assert viewer.json() == {"data": {"viewer": None, "viewerSession": None}}
    assert viewer.headers["www-authenticate"] == INVALID_TOKEN
    mutation = await gql.post(SET_DEFAULT, token=token)
    assert mutation.status_code == 200
    assert [e["extensions"]["code"] for e in mutation.json()["errors"]] == ["UNAUTHENTICATED"]
    assert mutation.headers["www-authenticate"] == INVALID_TOKEN


async def test_an_invalid_token_is_anonymous_and_flagged(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    await assert_treated_as_anonymous(gql, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    await assert_treated_as_anonymous(gql, "not a token")
    anonymous = await gql.post("{ viewer { id } }")  # no token at all: nothing to flag
    assert "www-authenticate" not in anonymous.headers


async def test_an_expired_token_is_anonymous_and_flagged(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    clock.advance(timedelta(hours=11, minutes=59))
    live = await gql.post("{ viewer { email } }", token=token)
    assert live.json() == {"data": {"viewer": {"email": team.admin.email}}}
    assert "www-authenticate" not in live.headers
    clock.advance(timedelta(minutes=1))
    await assert_treated_as_anonymous(gql, token)


async def test_a_browser_client_may_read_the_refusal(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    async with client_of(replace(settings, cors_origins=(CONSOLE,)), clock, hasher) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={"Origin": CONSOLE, "Authorization": "Bearer gone"},
        )
    assert response.headers["www-authenticate"] == INVALID_TOKEN
    assert "www-authenticate" in response.headers["access-control-expose-headers"].lower()


async def test_without_allowed_origins_no_cross_origin_request_is_answered(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    async with client_of(replace(settings, cors_origins=()), clock, hasher) as http:
        refused = await http.options("/graphql", headers=preflight("authorization, content-type"))
        assert refused.status_code == 405
        posted = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": CONSOLE}
        )
        assert posted.status_code == 200
        for response in (refused, posted):
            assert not any(name.startswith("access-control-") for name in response.headers)
