"""Every top-level error carries ``extensions.code``: unparsable and invalid documents, bad
variables, operations that cannot be resolved, requests refused before they run, and
unexpected errors, in both media types a client may ask for."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from models import Operator
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import GraphQLClient, gid, make_team, session_for

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPTS = (JSON, GRAPHQL_RESPONSE)

CYCLIC_INTROSPECTION = (
    "{ __schema { types { fields { type { ofType { fields { type { ofType {"
    " fields { name } } } } } } } } } }"
)
NODE_BY_VARIABLE = "query ($id: ID!) { node(id: $id) { id } }"
TWO_NAMED = "query A { viewer { id } } query B { __typename }"
TOO_DEEP = (  # 11 levels
    "{ viewer { account { operators(first: 1) { edges { node { account {"
    " operators(first: 1) { edges { node { account { name } } } } } } } } } } }"
)

# name: (request body, the code of every error, a part of the first error's message)
UNRUNNABLE: dict[str, tuple[dict[str, Any], str, str]] = {
    "a syntax error": ({"query": "{ viewer { id "}, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    "nothing but a comment": ({"query": "# hello"}, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    "an unknown field": (
        {"query": "{ viewer { nope } }"},
        "GRAPHQL_VALIDATION_FAILED",
        "Cannot query field 'nope'",
    ),
    "an argument of the wrong type": (
        {
            "query": '{ viewer { account { operators(first: "ten") { pageInfo { hasNextPage } } } } }'
        },
        "GRAPHQL_VALIDATION_FAILED",
        "Int cannot represent",
    ),
    "cyclic introspection": (
        {"query": CYCLIC_INTROSPECTION},
        "GRAPHQL_VALIDATION_FAILED",
        "Maximum introspection depth exceeded",
    ),
    "an unknown fragment": (
        {"query": "{ viewer { ...Missing } }"},
        "GRAPHQL_VALIDATION_FAILED",
        "Unknown fragment 'Missing'",
    ),
    "an undefined variable": (
        {"query": "{ node(id: $id) { id } }"},
        "GRAPHQL_VALIDATION_FAILED",
        "Variable '$id' is not defined",
    ),
    "an anonymous operation beside a named one": (
        {"query": "{ viewer { id } } query B { __typename }", "operationName": "B"},
        "GRAPHQL_VALIDATION_FAILED",
        "anonymous operation must be the only defined operation",
    ),
    "a subscription": (
        {"query": "subscription { viewer }"},
        "GRAPHQL_VALIDATION_FAILED",
        "subscription operation is not supported",
    ),
    "a variable of the wrong type": (
        {"query": NODE_BY_VARIABLE, "variables": {"id": {"not": "an id"}}},
        "BAD_USER_INPUT",
        "Variable '$id' has invalid value",
    ),
    "a missing variable": (
        {"query": NODE_BY_VARIABLE, "variables": {}},
        "BAD_USER_INPUT",
        "Variable '$id' has invalid value",
    ),
    "an enum variable out of range": (
        {
            "query": "mutation ($m: TwoFactorMode!) { setAccountTwoFactorDefault("
            "input: {mode: $m}) { userErrors { code } } }",
            "variables": {"m": "SOMETIMES"},
        },
        "BAD_USER_INPUT",
        "Variable '$m' has invalid value",
    ),
    "an unknown operationName": (
        {"query": "query A { viewer { id } }", "operationName": "B"},
        "OPERATION_RESOLUTION_FAILURE",
        "Unknown operation named 'B'",
    ),
    "several operations and no operationName": (
        {"query": TWO_NAMED},
        "OPERATION_RESOLUTION_FAILURE",
        "Must provide operation name",
    ),
    "several anonymous operations": (
        {"query": "{ viewer { id } } { __typename }"},
        "OPERATION_RESOLUTION_FAILURE",
        "Must provide operation name",
    ),
    "fragments but no operation": (
        {"query": "fragment F on Query { __typename }"},
        "OPERATION_RESOLUTION_FAILURE",
        "Must provide an operation",
    ),
}


async def send(
    http: httpx.AsyncClient,
    body: object,
    accept: str = JSON,
    *,
    method: str = "POST",
    content_type: str = JSON,
    token: str | None = None,
) -> httpx.Response:
    """Send a request to /graphql: ``body`` as JSON (a string as it is), or GET parameters."""
    headers = {"Accept": accept, "Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if method == "GET":
        return await http.get("/graphql", params=body, headers=headers)  # type: ignore[arg-type]
    content = body if isinstance(body, str) else json.dumps(body)
    return await http.post("/graphql", content=content, headers=headers)


def codes(response: httpx.Response) -> list[str | None]:
    """The ``extensions.code`` of each top-level error of a response (None where absent)."""
    return [(e.get("extensions") or {}).get("code") for e in response.json()["errors"]]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("case", UNRUNNABLE.values(), ids=UNRUNNABLE.keys())
async def test_a_request_that_cannot_run_has_a_code_for_its_reason(
    gql: GraphQLClient, case: tuple[dict[str, Any], str, str], accept: str
) -> None:
    body, code, message = case
    for _ in range(2):  # the second time from the parser's and the validation's caches
        response = await send(gql.http, body, accept)
        assert response.headers["content-type"].startswith(accept)
        errors = response.json()["errors"]
        assert set(codes(response)) == {code}, errors
        assert message in errors[0]["message"]
        assert not any("path" in error for error in errors)
        if accept == GRAPHQL_RESPONSE:
            assert response.status_code == 400
            assert "data" not in response.json()
        else:
            assert response.status_code == 200
            assert response.json()["data"] is None


async def test_an_operation_named_among_several_runs(gql: GraphQLClient) -> None:
    for name, data in (("A", {"viewer": None}), ("B", {"__typename": "Query"})):
        response = await send(gql.http, {"query": TWO_NAMED, "operationName": name})
        assert response.json() == {"data": data}


async def test_limit_errors_keep_their_own_codes(gql: GraphQLClient) -> None:
    cases = {
        "{ " + "a: __typename " * 1500 + "}": "TOO_MANY_TOKENS",
        "{ __typename }" + " " * 50_001: "DOCUMENT_TOO_LARGE",
        "{ " + " ".join(f"a{n}: __typename" for n in range(31)) + " }": "TOO_MANY_ALIASES",
    }
    for query, code in cases.items():
        response = await send(gql.http, {"query": query})
        assert codes(response) == [code], response.text


# name: (method, body or GET parameters, content type)
REFUSED: dict[str, tuple[str, Any, str]] = {
    "an empty query": ("POST", {"query": ""}, JSON),
    "no query": ("POST", {"variables": {}}, JSON),
    "a query that is not a string": ("POST", {"query": 5}, JSON),
    "variables that are not an object": (
        "POST",
        {"query": "{ __typename }", "variables": [1]},
        JSON,
    ),
    "extensions that are not an object": (
        "POST",
        {"query": "{ __typename }", "extensions": "x"},
        JSON,
    ),
    "an operationName that is not a string": (
        "POST",
        {"query": "query A { __typename }", "operationName": ["A"]},
        JSON,
    ),
    "a batch": ("POST", [{"query": "{ __typename }"}], JSON),
    "a body that is not JSON": ("POST", "{not json", JSON),
    "a body that is JSON but no object": ("POST", "42", JSON),
    "a form": ("POST", "query={ __typename }", "application/x-www-form-urlencoded"),
    "a GET without a query": ("GET", {}, JSON),
    "a GET whose variables are not JSON": (
        "GET",
        {"query": "{ __typename }", "variables": "{"},
        JSON,
    ),
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
async def test_a_malformed_request_is_a_graphql_error_coded_bad_request(
    gql: GraphQLClient, case: tuple[str, Any, str], accept: str
) -> None:
    method, body, content_type = case
    response = await send(gql.http, body, accept, method=method, content_type=content_type)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    assert response.headers["cache-control"] == "no-store"
    assert codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"]
    assert "data" not in response.json()


async def test_a_crash_inside_a_resolver_is_masked_as_an_internal_error(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = await make_team(hasher, clock)

    async def broken(*args: object) -> None:
        raise RuntimeError("password=hunter2")

    monkeypatch.setattr("resolvers.query.visible_operator", broken)
    response = await gql.post(
        NODE_BY_VARIABLE, {"id": gid(team.basic)}, token=await session_for(team.admin, clock)
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in response.text


async def test_a_value_a_resolver_should_not_return_is_masked_as_an_internal_error(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # graphql-core refuses to serialize it with an error of its own, not an exception.
    team = await make_team(hasher, clock)

    async def corrupt(*args: object) -> Operator:
        operator = await Operator.get(id=team.basic.id)
        operator.role = "OVERLORD"  # type: ignore[assignment]
        return operator

    monkeypatch.setattr("resolvers.query.visible_operator", corrupt)
    with caplog.at_level(logging.ERROR):
        response = await gql.post(
            "query ($id: ID!) { node(id: $id) { ... on Operator { role } } }",
            {"id": gid(team.basic)},
            token=await session_for(team.admin, clock),
        )
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["path"] == ["node", "role"]
    assert "OVERLORD" not in response.text
    assert any("OVERLORD" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_a_crash_before_execution_is_masked_logged_and_coded(
    gql: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    accept: str,
) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("cost table at /srv/secret/costs.db is corrupt")

    monkeypatch.setattr("schema.cost.operation_cost", broken)
    query = f"{{ viewer {{ account {{ name }} }} }} # {accept}"  # a document not yet priced
    with caplog.at_level(logging.ERROR):
        response = await send(gql.http, {"query": query}, accept)
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any("secret" in (record.exc_text or "") for record in caplog.records)
    monkeypatch.undo()
    assert (await send(gql.http, {"query": query}, accept)).json() == {"data": {"viewer": None}}


SET_DEFAULT = (
    "mutation { setAccountTwoFactorDefault(input: {mode: REQUIRED}) { userErrors { code } } }"
)
COSTLY = (  # 100 + 100 * 100 nodes
    "{ viewer { account { operators(first: 100) { edges { node {"
    " sessions(first: 100) { pageInfo { hasNextPage } } } } } } } }"
)


async def test_no_top_level_error_lacks_a_code(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    member = await session_for(team.basic, clock)
    # (method, body or GET parameters, content type, bearer token)
    requests: list[tuple[str, Any, str, str | None]] = [
        *(("POST", body, JSON, None) for body, _, _ in UNRUNNABLE.values()),
        *((method, body, content_type, None) for method, body, content_type in REFUSED.values()),
        ("POST", {"query": TOO_DEEP}, JSON, None),
        ("POST", {"query": "{ " + "a: __typename " * 1500 + "}"}, JSON, None),
        ("POST", {"query": "{ __typename }" + " " * 50_001}, JSON, None),
        ("POST", {"query": COSTLY}, JSON, member),
        ("POST", {"query": SET_DEFAULT}, JSON, None),  # UNAUTHENTICATED
        ("POST", {"query": SET_DEFAULT}, JSON, member),  # FORBIDDEN
        (
            "POST",
            {"query": "{ viewer { account { operators(first: -1) { edges { cursor } } } } }"},
            JSON,
            member,
        ),
        ("GET", {"query": "mutation { logout { userErrors { code } } }"}, JSON, None),
    ]
    for accept in ACCEPTS:
        for method, body, content_type, token in requests:
            response = await send(
                gql.http, body, accept, method=method, content_type=content_type, token=token
            )
            assert response.headers["content-type"].startswith(accept), response.text
            errors = response.json()["errors"]
            assert errors and all(codes(response)), (body, errors)
