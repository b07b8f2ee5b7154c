"""Request limits: the body (413 before the app has read it, on every path), and the
document's depth, aliases, tokens and cost, each refused with its code before anything runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import GraphQLClient, make_team, session_for
from twofa.sql_log import StatementCounter
from twofa.web import MAX_BODY_BYTES

CHUNK = 100_000


class Chunks:
    """A request body sent in chunks, counting how many the app pulled."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.sent += 1
            yield b" " * CHUNK


async def test_a_declared_length_over_the_limit_is_refused_before_any_is_read(
    gql: GraphQLClient,
) -> None:
    body = Chunks(30)
    response = await gql.http.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(30 * CHUNK)},
    )
    assert response.status_code == 413
    assert body.sent == 0


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(gql: GraphQLClient) -> None:
    body = Chunks(50)
    request = gql.http.build_request(
        "POST", "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in request.headers  # chunked: only counting can catch it
    response = await gql.http.send(request)
    assert response.status_code == 413
    assert body.sent == MAX_BODY_BYTES // CHUNK + 1  # the chunk that crossed the limit, no more


@pytest.mark.parametrize("path", ["/", "/two-factor/setup", "/console/index.html", "/healthz"])
async def test_pages_that_never_read_a_body_refuse_an_oversized_one_too(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    # Starlette's own limit (max_body_size, 1.10) lets these run and then swaps their
    # response, which on a FileResponse ends in an unhandled ExceptionGroup: see twofa/web.py.
    with caplog.at_level(logging.INFO, logger="twofa.access"):
        response = await gql.http.request("GET", path, content=b"x" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert [r.getMessage().split()[-2] for r in caplog.records if r.name == "twofa.access"] == [
        "413"
    ]


def levels(count: int) -> str:
    """A valid query exactly ``count`` levels deep (a top-level field is level 1)."""
    inner = "id"  # level `count`; `viewer` is level 1, then these in turn from level 2
    fields = ["account", "operators(first: 1)", "edges", "node"]
    for level in range(count - 1, 1, -1):
        inner = f"{fields[(level - 2) % 4]} {{ {inner} }}"
    return f"{{ viewer {{ {inner} }} }}"


class RequestStatements(StatementCounter):
    """The statements of the current task only: the app's mail sender and sweeper poll the
    database in tasks of their own, while an ASGI request runs in the caller's task."""

    def __init__(self) -> None:
        super().__init__()
        self._task = asyncio.current_task()

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the statement if the request (this task) sent it."""
        if asyncio.current_task() is self._task:
            super().emit(record)


async def statements_of(gql: GraphQLClient, query: str, token: str) -> tuple[Any, list[str]]:
    """Send ``query`` with ``token``; return the body and the SQL statements it caused."""
    with RequestStatements() as counter:
        response = await gql.post(query, token=token)
    return response.json(), counter.statements


async def test_the_depth_limit_allows_exactly_ten_levels(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    assert levels(3) == "{ viewer { account { id } } }"
    ten = await gql.post(levels(10), token=token)
    assert "errors" not in ten.json(), ten.json()
    assert ten.json()["data"]["viewer"]["account"]["operators"]["edges"]
    _, authenticating = await statements_of(gql, "{ __typename }", token)
    body, statements = await statements_of(gql, levels(11), token)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_DEEP"]
    assert "10" in body["errors"][0]["message"]
    assert statements == authenticating  # the session lookup only: nothing ran


async def test_fragments_add_no_level(gql: GraphQLClient) -> None:
    def under_viewer(count: int) -> str:
        return levels(count).removeprefix("{ viewer { ").removesuffix(" } }")

    deep = f"{{ viewer {{ ...Deep }} }} fragment Deep on Operator {{ {under_viewer(10)} }}"
    assert (await gql.post(deep)).json() == {"data": {"viewer": None}}
    deeper = f"{{ viewer {{ ... on Operator {{ {under_viewer(11)} }} }} }}"
    body = (await gql.post(deeper)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_DEEP"]


LIMITED = {
    "TOO_MANY_ALIASES": "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(31)) + " }",
    "TOO_MANY_TOKENS": "{ viewer { " + "id " * 2100 + "} }",
    # Comments are no tokens: the length is limited on its own.
    "DOCUMENT_TOO_LARGE": "{ viewer { id } } #" + "x" * 50_000,
    "QUERY_TOO_COMPLEX": "{ viewer { account { a: operators { edges { node { account {"
    " operators(first: 100) { edges { node { id } } } } } } } } } }",
}


@pytest.mark.parametrize("code", LIMITED.keys())
async def test_every_limit_error_has_its_code_and_nothing_runs(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, code: str
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    _, authenticating = await statements_of(gql, "{ __typename }", token)
    body, statements = await statements_of(gql, LIMITED[code], token)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert statements == authenticating


async def test_default_values_of_variables_count_towards_the_cost(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    query = """query ($n: Int = 100000) {
      viewer { account { operators(first: $n) { edges { node { id } } } } } }"""
    _, authenticating = await statements_of(gql, "{ __typename }", token)
    body, statements = await statements_of(gql, query, token)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert "100000" in body["errors"][0]["message"]
    assert statements == authenticating
    small = await gql.post(query.replace("100000", "2"), token=token)
    assert len(small.json()["data"]["viewer"]["account"]["operators"]["edges"]) == 2
    given = await gql.post(query, {"n": 1}, token=token)  # a value sent overrides the default
    assert len(given.json()["data"]["viewer"]["account"]["operators"]["edges"]) == 1
    # Costs are remembered per document and variables: each answer stays its own.
    again = (await gql.post(query, token=token)).json()
    assert [e["extensions"]["code"] for e in again["errors"]] == ["QUERY_TOO_COMPLEX"]
    refused = (await gql.post(query, {"n": 100_000}, token=token)).json()
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["QUERY_TOO_COMPLEX"]
    given_again = await gql.post(query, {"n": 1}, token=token)
    assert len(given_again.json()["data"]["viewer"]["account"]["operators"]["edges"]) == 1
    # null is not the default: the page size is then the server's own, within the limit.
    nulled = (await gql.post(query, {"n": None}, token=token)).json()
    assert "errors" not in nulled, nulled
    absent_again = (await gql.post(query, token=token)).json()
    assert [e["extensions"]["code"] for e in absent_again["errors"]] == ["QUERY_TOO_COMPLEX"]
