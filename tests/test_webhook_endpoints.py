"""Managing webhook endpoints over GraphQL: secrets shown once and kept encrypted, clear
refusals, administrators of the account only, and no URL that reaches inside the network."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import httpx
import pytest

from models import AuditEvent, WebhookEndpoint
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.webhooks.endpoints import MAX_ENDPOINTS
from tests.support import GraphQLClient, make_team, running_app, session_for
from twofa.settings import Settings

CREATE = """mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input)
  { secret endpoint { id url description eventTypes enabled createdAt }
    userErrors { code field message } } }"""
UPDATE = """mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input)
  { endpoint { url description eventTypes enabled disabledAt } userErrors { code field } } }"""
DELETE = """mutation ($id: ID!) { deleteWebhookEndpoint(input: {endpointId: $id})
  { deletedEndpointId userErrors { code } } }"""
LIST = "{ viewer { account { webhookEndpoints { edges { node { id url eventTypes } } } } } }"
PUBLIC_URL = "https://93.184.216.34/twofa"
"""A public address literal: accepted without asking a DNS server."""


def created(variables: dict[str, Any]) -> dict[str, Any]:
    """The input of a CREATE."""
    return {"input": {"eventTypes": ["two_factor.reset"], **variables}}


async def test_an_endpoint_is_created_with_its_secret_shown_once_and_stored_encrypted(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    data = await gql.data(
        CREATE,
        created(
            {
                "url": PUBLIC_URL,
                "eventTypes": ["two_factor.reset", "operator.invited", "two_factor.reset"],
                "description": "  CRM sync ",
            }
        ),
        token=admin,
    )
    payload = data["createWebhookEndpoint"]
    assert payload["userErrors"] == []
    secret, endpoint = payload["secret"], payload["endpoint"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert endpoint["eventTypes"] == ["operator.invited", "two_factor.reset"]  # a fixed order
    assert (endpoint["url"], endpoint["description"], endpoint["enabled"]) == (
        PUBLIC_URL,
        "CRM sync",
        True,
    )
    (stored,) = await WebhookEndpoint.all().values()
    assert secret not in str(stored) and secret[6:] not in str(stored)
    listed = await gql.data(LIST, token=admin)
    assert listed["viewer"]["account"]["webhookEndpoints"]["edges"] == [
        {"node": {"id": endpoint["id"], "url": PUBLIC_URL, "eventTypes": endpoint["eventTypes"]}}
    ]
    (event,) = await AuditEvent.filter(kind="WEBHOOK_ENDPOINT_CREATED")
    assert event.actor_id == team.admin.id
    assert event.details == {
        "url": "https://93.184.216.34",  # the origin: a path or query may hold a token
        "eventTypes": ["operator.invited", "two_factor.reset"],
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"url": PUBLIC_URL, "eventTypes": []}, "INVALID_INPUT", "eventTypes"),
        ({"url": PUBLIC_URL, "eventTypes": ["operator.exploded"]}, "INVALID_INPUT", "eventTypes"),
        ({"url": PUBLIC_URL, "description": "x" * 501}, "INVALID_INPUT", "description"),
        ({"url": "http://93.184.216.34/twofa"}, "INVALID_URL", "url"),
        ({"url": "ftp://93.184.216.34/twofa"}, "INVALID_URL", "url"),
        ({"url": "not a url"}, "INVALID_URL", "url"),
        ({"url": "https://user:secret@93.184.216.34/"}, "INVALID_URL", "url"),
        ({"url": "https://93.184.216.34/" + "a" * 2048}, "INVALID_URL", "url"),
        ({"url": "https://no-such-host.invalid/twofa"}, "INVALID_URL", "url"),
        ({"url": "https://hooks.partner.example./twofa"}, "INVALID_URL", "url"),
    ],
    ids=[
        "no-event-types",
        "unknown-event-type",
        "long-description",
        "http",
        "ftp",
        "no-url",
        "credentials-in-url",
        "long-url",
        "host-that-does-not-resolve",
        "trailing-dot",
    ],
)
async def test_bad_input_is_refused_clearly_and_writes_nothing(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    variables: dict[str, Any],
    code: str,
    field: str,
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    data = await gql.data(CREATE, created(variables), token=admin)
    (error,) = data["createWebhookEndpoint"]["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", field])
    assert error["message"]
    assert await WebhookEndpoint.all().count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/twofa",
        "https://127.1.2.3:8443/twofa",
        "https://10.0.0.5/twofa",
        "https://172.16.3.4/twofa",
        "https://192.168.1.10/twofa",
        "https://100.64.0.1/twofa",
        "https://169.254.169.254/latest/meta-data/",
        "https://0.0.0.0/twofa",
        "https://[::1]/twofa",
        "https://[::ffff:127.0.0.1]/twofa",
        "https://[fe80::1]/twofa",
        "https://[fd12:3456::1]/twofa",
        "https://[::]/twofa",
        "https://localhost/twofa",
        "https://224.0.0.1/twofa",
    ],
    ids=[
        "loopback",
        "loopback-range",
        "private-10",
        "private-172",
        "private-192",
        "shared-address-space",
        "metadata-link-local",
        "unspecified",
        "ipv6-loopback",
        "ipv4-mapped-loopback",
        "ipv6-link-local",
        "ipv6-unique-local",
        "ipv6-unspecified",
        "name-resolving-to-loopback",
        "multicast",
    ],
)
async def test_a_url_that_reaches_inside_the_network_is_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, url: str
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    data = await gql.data(CREATE, created({"url": url}), token=admin)
    (error,) = data["createWebhookEndpoint"]["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_URL", ["input", "url"])
    assert await WebhookEndpoint.all().count() == 0


async def test_allowing_private_networks_allows_loopback_and_http(
    settings: Settings, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    allowed = replace(settings, webhook_allow_private_networks=True)
    async with running_app(allowed, clock, hasher) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            gql = GraphQLClient(http)
            team = await make_team(hasher, clock)
            admin = await session_for(team.admin, clock)
            for url in ("http://127.0.0.1:8080/twofa", "https://[::1]/twofa"):
                data = await gql.data(CREATE, created({"url": url}), token=admin)
                assert data["createWebhookEndpoint"]["userErrors"] == [], url


async def test_only_the_accounts_administrators_manage_its_endpoints(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    endpoint = (await gql.data(CREATE, created({"url": PUBLIC_URL}), token=admin))[
        "createWebhookEndpoint"
    ]["endpoint"]["id"]
    basic = await session_for(team.basic, clock)
    refused = await gql.execute(CREATE, created({"url": PUBLIC_URL}), token=basic)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await gql.execute(LIST, token=basic)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stranger = await session_for(other.admin, clock)
    for document, variables in (
        (UPDATE, {"input": {"endpointId": endpoint, "enabled": False}}),
        (DELETE, {"id": endpoint}),
    ):
        data = await gql.data(document, variables, token=stranger)
        (payload,) = data.values()
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    node = await gql.data("query ($id: ID!) { node(id: $id) { id } }", {"id": endpoint},
                          token=stranger)  # fmt: skip
    assert node == {"node": None}
    assert await WebhookEndpoint.filter(enabled=True).count() == 1


async def test_update_changes_what_is_given_and_delete_removes_the_endpoint(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    endpoint = (await gql.data(CREATE, created({"url": PUBLIC_URL}), token=admin))[
        "createWebhookEndpoint"
    ]["endpoint"]["id"]
    changed = await gql.data(
        UPDATE,
        {"input": {"endpointId": endpoint, "enabled": False, "description": "CRM"}},
        token=admin,
    )
    assert changed["updateWebhookEndpoint"]["endpoint"] == {
        "url": PUBLIC_URL,
        "description": "CRM",
        "eventTypes": ["two_factor.reset"],
        "enabled": False,
        "disabledAt": clock.now().isoformat(),
    }
    refused = await gql.data(
        UPDATE, {"input": {"endpointId": endpoint, "url": "https://10.0.0.1/"}}, token=admin
    )
    assert refused["updateWebhookEndpoint"]["userErrors"] == [
        {"code": "INVALID_URL", "field": ["input", "url"]}
    ]
    enabled = await gql.data(UPDATE, {"input": {"endpointId": endpoint, "enabled": True}},
                             token=admin)  # fmt: skip
    assert enabled["updateWebhookEndpoint"]["endpoint"]["disabledAt"] is None
    deleted = await gql.data(DELETE, {"id": endpoint}, token=admin)
    assert deleted["deleteWebhookEndpoint"] == {"deletedEndpointId": endpoint, "userErrors": []}
    assert await WebhookEndpoint.all().count() == 0


async def test_an_account_holds_at_most_twenty_endpoints(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for n in range(MAX_ENDPOINTS):
        data = await gql.data(CREATE, created({"url": f"{PUBLIC_URL}/{n}"}), token=admin)
        assert data["createWebhookEndpoint"]["userErrors"] == []
    data = await gql.data(CREATE, created({"url": PUBLIC_URL}), token=admin)
    assert data["createWebhookEndpoint"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert await WebhookEndpoint.all().count() == MAX_ENDPOINTS
