"""Where webhooks may go, decided on the address actually connected to; and the retry
schedule. The pure parts are tested as tables; DNS rebinding end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from services.errors import DomainError
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.webhooks.addresses import Resolver, WebhookNetwork, is_public
from services.webhooks.schedule import retry_delay
from tests.mail_server import MailSink
from tests.support import GraphQLClient, make_team, running_app, session_for
from tests.webhook_receiver import Receiver
from twofa.settings import Settings


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.255.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.100.100.200", False),
        ("0.0.0.0", False),  # noqa: S104 (an address checked, not bound)
        ("255.255.255.255", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("ff02::1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:5", False),
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("::ffff:0:a00:5", False),  # SIIT of 10.0.0.5
        ("::127.0.0.1", False),  # IPv4-compatible
        ("fec0::1", False),  # site-local
        ("2001:db8::1", False),
        ("198.18.0.1", False),
        ("192.0.0.8", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_the_retry_schedule_is_seven_waits_then_giving_up() -> None:
    waits = [retry_delay(attempts) for attempts in range(1, 10)]
    assert waits == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
        None,
        None,
    ]


async def test_a_target_connects_to_the_checked_address_and_names_the_host() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return {"hooks.partner.example": ["2606:2800:220:1::1"]}[host]

    target = await WebhookNetwork(resolve=resolve).target(
        "https://hooks.partner.example:8443/in?x=1"
    )
    assert target.address_url() == "https://[2606:2800:220:1::1]:8443/in?x=1"
    assert target.host_header() == "hooks.partner.example:8443"
    default_port = await WebhookNetwork(resolve=resolve).target("https://hooks.partner.example/")
    assert default_port.host_header() == "hooks.partner.example"


async def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(DomainError, match="private"):
        await WebhookNetwork(resolve=resolve).target("https://mixed.partner.example/")


class Rebinding:
    """A resolver whose answer for a name the test changes, as an attacker's DNS would."""

    def __init__(self) -> None:
        self.answer = ["93.184.216.34"]

    async def __call__(self, host: str, port: int) -> list[str]:
        return list(self.answer) if host == "hooks.partner.example" else []


@pytest.fixture
def dns() -> Rebinding:
    """The test's resolver."""
    return Rebinding()


@pytest.fixture
async def rebinding_app(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, mail: MailSink, dns: Rebinding
) -> AsyncIterator[Starlette]:
    """The app as in production (private networks refused), resolving with ``dns``."""
    async with running_app(settings, clock, hasher, webhook_resolver=dns) as application:
        yield application


async def test_a_name_that_resolves_to_loopback_at_delivery_is_not_connected_to(
    rebinding_app: Starlette, dns: Rebinding, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Public when saved, loopback when delivered (DNS rebinding): nothing reaches loopback."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    transport = httpx.ASGITransport(app=rebinding_app)
    with Receiver() as receiver:
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            gql = GraphQLClient(http)
            created = await gql.data(
                """mutation ($url: String!) { createWebhookEndpoint(input: {url: $url,
                eventTypes: ["two_factor.reset"]}) { endpoint { id } userErrors { code } } }""",
                {"url": f"https://hooks.partner.example:{receiver.port}/twofa"},
                token=admin,
            )
            endpoint = created["createWebhookEndpoint"]["endpoint"]["id"]
            dns.answer = ["127.0.0.1"]
            await gql.data(
                """mutation ($id: ID!) { sendTestWebhook(input: {endpointId: $id})
                { userErrors { code } } }""",
                {"id": endpoint},
                token=admin,
            )
            await rebinding_app.state.webhook_sender.drain()
            log = await gql.data(
                """query ($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries {
                edges { node { status responseStatus lastError } } } } } }""",
                {"id": endpoint},
                token=admin,
            )
    assert receiver.received == []
    (delivery,) = [edge["node"] for edge in log["node"]["deliveries"]["edges"]]
    assert delivery["status"] == "FAILED" and delivery["responseStatus"] is None
    assert "public addresses only" in delivery["lastError"]


CREATE = """mutation ($url: String!) { createWebhookEndpoint(input: {url: $url,
  eventTypes: ["two_factor.reset"]}) { secret endpoint { id } } }"""
SEND_TEST = """mutation ($id: ID!) { sendTestWebhook(input: {endpointId: $id})
  { userErrors { code } } }"""


async def send_through_private_network(
    settings: Settings,
    hasher: PasswordHasher,
    clock: FrozenClock,
    resolver: Resolver,
    receiver: Receiver,
    host: str,
) -> None:
    """With private networks allowed and names resolved by ``resolver``, add an endpoint
    at ``http://host:<the receiver's port>`` and have a test event delivered."""
    allowed = replace(settings, webhook_allow_private_networks=True)
    async with running_app(allowed, clock, hasher, webhook_resolver=resolver) as app:
        team = await make_team(hasher, clock)
        admin = await session_for(team.admin, clock)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:
            gql = GraphQLClient(http)
            url = f"http://{host}:{receiver.port}/twofa"
            created = (await gql.data(CREATE, {"url": url}, token=admin))["createWebhookEndpoint"]
            receiver.secrets.append(created["secret"])
            await gql.data(SEND_TEST, {"id": created["endpoint"]["id"]}, token=admin)
            await app.state.webhook_sender.drain()


async def test_a_delivery_connects_to_the_address_it_checked_and_names_the_host(
    settings: Settings, dns: Rebinding, hasher: PasswordHasher, clock: FrozenClock, mail: MailSink
) -> None:
    """No second lookup between the check and the connection: the name, unknown to the
    system's resolver, is reached at the address the check resolved, with its Host header."""
    dns.answer = ["127.0.0.1"]
    with Receiver() as receiver:
        await send_through_private_network(
            settings, hasher, clock, dns, receiver, "hooks.partner.example"
        )
    (got,) = receiver.received
    assert got.headers["host"] == f"hooks.partner.example:{receiver.port}"
    assert got.verified_by == receiver.secrets


async def test_an_international_host_name_is_resolved_and_sent_in_its_ascii_form(
    settings: Settings, hasher: PasswordHasher, clock: FrozenClock, mail: MailSink
) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    with Receiver() as receiver:
        await send_through_private_network(
            settings, hasher, clock, resolve, receiver, "bücher.example"
        )
    assert set(asked) == {"xn--bcher-kva.example"}
    (got,) = receiver.received
    assert got.headers["host"] == f"xn--bcher-kva.example:{receiver.port}"
    assert got.verified_by == receiver.secrets
