"""Protective limits of the endpoint: depth, aliases, tokens, batching, masked errors."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import CountingHasher, GraphQLClient, gid, make_team, running_app, session_for
from twofa.settings import Settings
from twofa.sql_log import StatementCounter


def first_error(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    message: str = body["errors"][0]["message"]
    return message


async def test_queries_deeper_than_the_limit_are_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    nested = "name"
    for _ in range(6):
        nested = f"account {{ operators {{ edges {{ node {{ {nested} }} }} }} }}"
    response = await gql.post(
        f"{{ viewer {{ {nested} }} }}", token=await session_for(team.admin, clock)
    )
    assert "exceeds maximum operation depth" in first_error(response.json())


async def test_more_aliases_than_the_limit_are_refused(gql: GraphQLClient) -> None:
    fields = " ".join(f"a{n}: viewer {{ id }}" for n in range(31))
    response = await gql.post(f"{{ {fields} }}")
    assert "aliases" in first_error(response.json()).lower()


async def test_documents_with_too_many_tokens_are_refused(gql: GraphQLClient) -> None:
    response = await gql.post("{ viewer { " + "id " * 2100 + "} }")
    assert "token" in first_error(response.json()).lower()


async def test_batched_requests_are_not_accepted(gql: GraphQLClient) -> None:
    response = await gql.http.post("/graphql", json=[{"query": "{ viewer { id } }"}] * 2)
    assert response.status_code == 400


async def test_mutations_over_get_are_refused(gql: GraphQLClient) -> None:
    response = await gql.http.get(
        "/graphql", params={"query": "mutation { logout { userErrors { code } } }"}
    )
    assert response.status_code == 405  # tests/test_http_details.py has the details


async def test_unexpected_errors_are_masked_and_logged(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = await make_team(hasher, clock)

    async def broken(*args: object) -> None:
        raise RuntimeError("connection to db.internal:5432 failed, password=hunter2")

    monkeypatch.setattr("resolvers.query.visible_operator", broken)
    with caplog.at_level(logging.ERROR):
        response = await gql.post(
            "query ($id: ID!) { node(id: $id) { id } }",
            {"id": gid(team.basic)},
            token=await session_for(team.admin, clock),
        )
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in response.text and "db.internal" not in response.text
    assert "Traceback" not in response.text
    assert any(
        "hunter2" in (record.exc_text or "") + record.getMessage() for record in caplog.records
    )


async def test_graphql_response_media_type_is_served_when_asked_for(gql: GraphQLClient) -> None:
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await gql.post("{ viewer { id } }", headers=accept)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    assert ok.json() == {"data": {"viewer": None}}
    invalid = await gql.post("{ viewer { nope } }", headers=accept)
    assert invalid.status_code == 400 and "data" not in invalid.json()
    legacy = await gql.post("{ viewer { nope } }")
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith(
        "application/json"
    )
    assert ok.headers["cache-control"] == "no-store"


async def test_cors_answers_configured_origins(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    allowed = Settings(**{**settings.__dict__, "cors_origins": ("https://console.acme.example",)})
    async with (
        running_app(allowed, clock, hasher) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        preflight = await http.options(
            "/graphql",
            headers={
                "Origin": "https://console.acme.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://console.acme.example"
        refused = await http.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers


async def test_request_bodies_over_the_limit_get_413(gql: GraphQLClient) -> None:
    huge = '{"query": "{ viewer { id } }", "variables": {"pad": "' + "x" * (1024 * 1024) + '"}}'
    response = await gql.http.post(
        "/graphql", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):  # no Content-Length: the streamed body is counted
            yield b" " * 100_000

    streamed = await gql.http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_a_cross_site_form_post_is_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    # What a malicious page's <form method=post> can send: form-encoded or plain text,
    # with cookies perhaps but never an Authorization header. Neither is accepted.
    team = await make_team(hasher, clock)
    query = (
        "mutation { setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } } }"
    )
    for content_type, body in (
        ("application/x-www-form-urlencoded", f"query={query}"),
        ("text/plain", '{"query": "' + query + '"}'),
        (
            "multipart/form-data; boundary=x",
            f'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{query}\r\n--x--\r\n',
        ),
    ):
        response = await gql.http.post(
            "/graphql",
            content=body,
            headers={"Content-Type": content_type, "Origin": "https://evil.example"},
        )
        assert response.status_code == 400, content_type
    await team.account.refresh_from_db()
    assert team.account.two_factor_default.value == "OPTIONAL"


async def test_every_response_carries_the_security_headers(gql: GraphQLClient) -> None:
    for response in (
        await gql.post("{ viewer { id } }"),
        await gql.http.get("/"),
        await gql.http.get("/healthz"),
    ):
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


MALFORMED_BODIES = {
    "invalid JSON": b'{"query": ',
    "invalid UTF-8": b'{"query": "{ viewer { id } }", "pad": "\xff\xfe"}',
    "an array nested 100,000 deep": b"[" * 100_000,
    "an object nested 100,000 deep": b'{"query": "{ viewer { id } }", "variables": '
    + b'{"a": ' * 100_000
    + b"1"
    + b"}" * 100_001,
    "variables nested 100 deep": b'{"query": "{ viewer { id } }", "variables": {"a": '
    + b"[" * 100
    + b"]" * 100
    + b"}}",
    "a number": b"42",
    "a string": b'"{ viewer { id } }"',
    "null": b"null",
    "a list": b'[{"query": "{ viewer { id } }"}]',
    "variables that are a list": b'{"query": "{ viewer { id } }", "variables": [1]}',
    "variables that are a number": b'{"query": "{ viewer { id } }", "variables": 5}',
    "an empty body": b"",
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
async def test_malformed_bodies_get_400_with_the_security_headers(
    gql: GraphQLClient, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await gql.http.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "Traceback" not in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("variables", ["[1]", "5", "{", "[" * 10_000, '"x"'])
async def test_get_variables_that_are_not_an_object_get_400(
    gql: GraphQLClient, variables: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await gql.http.get(
            "/graphql", params={"query": "{ viewer { id } }", "variables": variables}
        )
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_well_formed_body_still_runs(gql: GraphQLClient) -> None:
    response = await gql.http.post(
        "/graphql",
        content='{"query": "{ viewer { id } }", "variables": {}, "extensions": {"a": [[1]]}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200 and response.json() == {"data": {"viewer": None}}


OPERATORS = "operators(first: 100) { edges { node { email account { %s } } } }"


async def test_a_query_past_the_cost_limit_is_refused_before_any_statement(
    gql: GraphQLClient,
) -> None:
    # No token: authenticating one is a statement of its own, made before the query is read.
    # Ten levels deep, the most the depth limit allows (tests/test_request_limits.py).
    inner = "operators(first: 100) { edges { node { email } } }"
    nested = " ".join(f"a{n}: {OPERATORS % inner}" for n in range(10))
    started = time.perf_counter()
    with StatementCounter() as counter:
        response = await gql.post(f"{{ viewer {{ account {{ {nested} }} }} }}")
    elapsed = time.perf_counter() - started
    body = response.json()
    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    # 10 aliases * (100 operators + 100 * 100 nested operators)
    assert "101000" in error["message"] and "10000" in error["message"]
    assert counter.statements == []
    assert elapsed < 0.5


async def test_page_sizes_from_variables_and_fragments_are_counted(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    query = """
    query ($outer: Int, $inner: Int) { viewer { account { ...Page } } }
    fragment Page on Account {
      operators(first: $outer) { edges { node { sessions(first: $inner) { edges { node { id } } } } } }
    }
    """
    small = await gql.post(query, {"outer": 50, "inner": 50}, token=token)  # 50 + 2,500
    assert "errors" not in small.json(), small.json()
    large = await gql.post(query, {"outer": 100, "inner": 100}, token=token)  # 10,100
    assert large.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    absent = await gql.post(query, token=token)  # 100 each when absent
    assert absent.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
