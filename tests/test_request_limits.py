"""The request body limit: refused with 413 before the app has read the body, on every path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.support import GraphQLClient
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
