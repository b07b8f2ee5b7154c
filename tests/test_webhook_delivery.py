"""Webhook deliveries, end to end: a change over GraphQL, the background sender, and a real
HTTP receiver on loopback that verifies every request with ``standardwebhooks``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from models import AuditEvent, WebhookDelivery, WebhookEndpoint
from schema.ids import decode_id
from services import audit
from services.audit import AuditEventKind
from services.machinery.clock import FrozenClock, SystemClock
from services.machinery.hashing import PasswordHasher
from services.webhooks import events
from services.webhooks.events import WebhookEventType
from services.webhooks.schedule import RETRY_DELAYS
from services.webhooks.sender import LEASE, SenderLimits, WebhookSender
from tests.mail_server import MailSink
from tests.support import (
    Delivery,
    GraphQLClient,
    Team,
    eventually,
    gid,
    make_team,
    running_app,
    session_for,
)
from tests.webhook_receiver import Receiver
from twofa.settings import Settings

CREATE = """mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input)
  { secret endpoint { id } userErrors { code field message } } }"""
SEND_TEST = """mutation ($id: ID!) { sendTestWebhook(input: {endpointId: $id})
  { delivery { id eventId status } userErrors { code } } }"""
LOG = """query ($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledAt
  failingSince secretRotatedUntil deliveries(first: 50) { edges { node {
  id eventType eventId status attempts lastAttemptAt nextAttemptAt responseStatus lastError
  } } } } } }"""


@pytest.fixture
async def hooks(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, mail: MailSink
) -> AsyncIterator[Starlette]:
    """The app, allowed to deliver to loopback (as WEBHOOK_ALLOW_PRIVATE_NETWORKS=true)."""
    allowed = replace(settings, webhook_allow_private_networks=True)
    async with running_app(allowed, clock, hasher) as application:
        yield application


@pytest.fixture
async def client(hooks: Starlette) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of that app."""
    transport = httpx.ASGITransport(app=hooks)
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        yield GraphQLClient(http)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A verifying HTTP receiver on loopback."""
    with Receiver() as running:
        yield running


async def add_endpoint(
    client: GraphQLClient, token: str, url: str, event_types: list[str], receiver: Receiver
) -> str:
    """Create an endpoint; the receiver learns its secret. Return the endpoint's id."""
    data = await client.data(
        CREATE, {"input": {"url": url, "eventTypes": event_types}}, token=token
    )
    payload = data["createWebhookEndpoint"]
    assert payload["userErrors"] == []
    receiver.secrets.append(payload["secret"])
    endpoint_id: str = payload["endpoint"]["id"]
    return endpoint_id


async def delivery_log(client: GraphQLClient, token: str, endpoint_id: str) -> dict[str, Any]:
    """The endpoint as the API shows it, its deliveries newest first."""
    node: dict[str, Any] = (await client.data(LOG, {"id": endpoint_id}, token=token))["node"]
    node["deliveries"] = [edge["node"] for edge in node["deliveries"]["edges"]]
    return node


async def drain(app: Starlette) -> None:
    """Have the app's sender deliver everything due now."""
    await app.state.webhook_sender.drain()


async def started(hasher: PasswordHasher, clock: FrozenClock) -> tuple[Team, str]:
    """A team and its administrator's session."""
    team = await make_team(hasher, clock)
    return team, await session_for(team.admin, clock)


async def one_endpoint(
    client: GraphQLClient, receiver: Receiver, hasher: PasswordHasher, clock: FrozenClock
) -> tuple[Team, str, str]:
    """A team, its administrator's session, and an endpoint of theirs at the receiver."""
    team, admin = await started(hasher, clock)
    endpoint = await add_endpoint(client, admin, receiver.url(), ["two_factor.reset"], receiver)
    return team, admin, endpoint


@asynccontextmanager
async def other_senders(app: Starlette, count: int) -> AsyncIterator[list[WebhookSender]]:
    """Senders besides the app's, as other processes would run them on the same database."""
    senders = [
        WebhookSender(app.state.dependencies, wall_clock=SystemClock().now) for _ in range(count)
    ]
    try:
        yield senders
    finally:
        for sender in senders:
            await sender.aclose()


async def test_a_change_is_delivered_signed_with_ids_and_nothing_secret(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    team, admin = await started(hasher, clock)
    endpoint = await add_endpoint(
        client, admin, receiver.url(), ["operator.role_changed", "two_factor.reset"], receiver
    )
    changed = await client.data(
        """mutation ($id: ID!) { changeOperatorRole(input: {operatorId: $id, role: ADMINISTRATOR})
        { userErrors { code } } }""",
        {"id": gid(team.basic)},
        token=admin,
    )
    assert changed["changeOperatorRole"]["userErrors"] == []
    # Not subscribed: an override change queues nothing for this endpoint.
    await client.data(
        """mutation ($id: ID!) { setOperatorTwoFactorOverride(input: {operatorId: $id,
        mode: REQUIRED}) { userErrors { code } } }""",
        {"id": gid(team.basic)},
        token=admin,
    )
    await drain(hooks)

    (got,) = receiver.received
    assert got.verified_by == receiver.secrets
    assert got.event_id.startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    assert got.event == {
        "type": "operator.role_changed",
        "timestamp": "2026-03-02T09:00:00.000Z",
        "data": {
            "account": {"id": team.account_id},
            "operator": {"id": gid(team.basic)},
            "actor": {"operator": {"id": gid(team.admin)}},
            "details": {"from": "BASIC", "to": "ADMINISTRATOR"},
        },
    }
    assert team.basic.email.encode() not in got.body
    log = await delivery_log(client, admin, endpoint)
    assert log["deliveries"] == [
        {
            "id": log["deliveries"][0]["id"],
            "eventType": "operator.role_changed",
            "eventId": got.event_id,
            "status": "SUCCEEDED",
            "attempts": 1,
            "lastAttemptAt": clock.now().isoformat(),
            "nextAttemptAt": None,
            "responseStatus": 204,
            "lastError": None,
        }
    ]


async def test_an_event_commits_and_rolls_back_with_its_change(
    hooks: Starlette, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await WebhookEndpoint.create(
        account_id=team.account.id,
        url="http://127.0.0.1:9/never",
        event_types=["operator.role_changed"],
        secret_encrypted="unused",
        created_at=clock.now(),
    )
    await app_quiet(hooks)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await audit.record(
                AuditEventKind.ROLE_CHANGED,
                account_id=team.account.id,
                target_id=team.basic.id,
                now=clock.now(),
            )
            assert await WebhookDelivery.all().count() == 1  # written beside the audit event
            raise RuntimeError("the change fails after its audit event")
    assert await WebhookDelivery.all().count() == 0
    assert await AuditEvent.filter(kind="ROLE_CHANGED").count() == 0


async def app_quiet(app: Starlette) -> None:
    """Stop the app's webhook sender, so that queued deliveries stay as they are."""
    app.state.webhook_sender.stop()
    await app.state.webhook_task


async def test_failures_are_retried_on_schedule_then_given_up_and_the_endpoint_disabled(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
    mail: MailSink,
) -> None:
    team, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    receiver.status = 500
    queued = (await client.data(SEND_TEST, {"id": endpoint}, token=admin))["sendTestWebhook"]
    assert queued["delivery"]["status"] == "PENDING"
    first_attempt = clock.now()
    await drain(hooks)
    for attempt, delay in enumerate(RETRY_DELAYS, start=1):
        admin = await session_for(team.admin, clock)  # hours pass: sessions expire
        log = await delivery_log(client, admin, endpoint)
        (delivery,) = log["deliveries"]
        assert (delivery["status"], delivery["attempts"]) == ("FAILED", attempt)
        assert delivery["responseStatus"] == 500
        assert delivery["lastError"] == "The endpoint answered HTTP 500."
        assert delivery["nextAttemptAt"] == (clock.now() + delay).isoformat()
        assert log["enabled"] and log["failingSince"] == first_attempt.isoformat()
        clock.advance(delay - timedelta(seconds=1))
        await drain(hooks)  # not due yet
        assert len(receiver.received) == attempt
        clock.advance(timedelta(seconds=1))
        await drain(hooks)
    admin = await session_for(team.admin, clock)
    log = await delivery_log(client, admin, endpoint)
    (delivery,) = log["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["nextAttemptAt"]) == (
        "GIVEN_UP",
        8,
        None,
    )
    # The same event each time, each verified.
    assert {got.event_id for got in receiver.received} == {queued["delivery"]["eventId"]}
    assert all(got.verified_by for got in receiver.received)
    # The last attempt came more than 24 hours after the first failure: disabled.
    assert not log["enabled"] and log["disabledAt"] == clock.now().isoformat()
    (disabled,) = await AuditEvent.filter(kind="WEBHOOK_ENDPOINT_DISABLED")
    # The audit log keeps the URL's origin only: a path or query may hold a token.
    assert disabled.details == {"url": f"http://127.0.0.1:{receiver.port}"}
    assert disabled.actor_id is None
    messages = await Delivery(hooks.state.outbox_sender, mail)()
    alerts = [m for m in messages if "webhook endpoint" in m["Subject"]]
    assert [m["To"] for m in alerts] == [team.admin.email]
    assert receiver.url() in alerts[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # A disabled endpoint takes no test until it is enabled again.
    refused = (await client.data(SEND_TEST, {"id": endpoint}, token=admin))["sendTestWebhook"]
    assert refused["userErrors"] == [{"code": "WEBHOOK_ENDPOINT_DISABLED"}]


async def test_a_success_ends_a_run_of_failures(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    _, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    receiver.status = 503
    await client.data(SEND_TEST, {"id": endpoint}, token=admin)
    await drain(hooks)
    assert (await delivery_log(client, admin, endpoint))["failingSince"] is not None
    receiver.status = 200
    clock.advance(RETRY_DELAYS[0])
    await drain(hooks)
    log = await delivery_log(client, admin, endpoint)
    assert log["failingSince"] is None
    assert [(d["status"], d["attempts"]) for d in log["deliveries"]] == [("SUCCEEDED", 2)]


async def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    team, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    (old,) = receiver.secrets
    rotated = await client.data(
        """mutation ($id: ID!) { rotateWebhookSecret(input: {endpointId: $id})
        { secret endpoint { secretRotatedUntil } userErrors { code } } }""",
        {"id": endpoint},
        token=admin,
    )
    new = rotated["rotateWebhookSecret"]["secret"]
    assert new.startswith("whsec_") and new != old
    until = (clock.now() + timedelta(hours=24)).isoformat()
    assert rotated["rotateWebhookSecret"]["endpoint"]["secretRotatedUntil"] == until
    receiver.secrets.append(new)
    await client.data(SEND_TEST, {"id": endpoint}, token=admin)
    await drain(hooks)
    assert receiver.received[-1].verified_by == [old, new]
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 2

    clock.advance(timedelta(hours=24))
    admin = await session_for(team.admin, clock)
    await client.data(SEND_TEST, {"id": endpoint}, token=admin)
    await drain(hooks)
    assert receiver.received[-1].verified_by == [new]
    assert (await delivery_log(client, admin, endpoint))["secretRotatedUntil"] is None


async def test_a_redelivery_sends_the_same_event_again_as_a_new_entry(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    _, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    sent = (await client.data(SEND_TEST, {"id": endpoint}, token=admin))["sendTestWebhook"]
    await drain(hooks)
    clock.advance(timedelta(hours=1))
    again = await client.data(
        """mutation ($id: ID!) { redeliverWebhook(input: {deliveryId: $id})
        { delivery { id eventId status } userErrors { code } } }""",
        {"id": sent["delivery"]["id"]},
        token=admin,
    )
    redelivery = again["redeliverWebhook"]["delivery"]
    assert redelivery["id"] != sent["delivery"]["id"]
    assert redelivery["eventId"] == sent["delivery"]["eventId"]
    await drain(hooks)
    first, second = receiver.received
    assert first.event_id == second.event_id and first.body == second.body
    assert first.event["type"] == "webhook.test"
    statuses = [d["status"] for d in (await delivery_log(client, admin, endpoint))["deliveries"]]
    assert statuses == ["SUCCEEDED", "SUCCEEDED"]


async def test_a_redirect_is_not_followed(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    _, admin = await started(hasher, clock)
    with Receiver() as elsewhere:
        endpoint = await add_endpoint(client, admin, receiver.url(), ["two_factor.reset"], receiver)
        receiver.status, receiver.location = 302, elsewhere.url("/internal")
        await client.data(SEND_TEST, {"id": endpoint}, token=admin)
        await drain(hooks)
        assert elsewhere.received == []
    (delivery,) = (await delivery_log(client, admin, endpoint))["deliveries"]
    assert (delivery["status"], delivery["responseStatus"]) == ("FAILED", 302)


async def test_a_slow_endpoint_does_not_hold_up_another_account(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    """One account's receiver holds every request; another account's events still go out,
    and the slow one never has more than its share of attempts at once."""
    _, slow_admin = await started(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    fast_admin = await session_for(other.admin, clock)
    slow = await add_endpoint(client, slow_admin, receiver.url(), ["two_factor.reset"], receiver)
    with Receiver() as fast_receiver:
        fast = await add_endpoint(
            client, fast_admin, fast_receiver.url(), ["two_factor.reset"], fast_receiver
        )
        receiver.hold.clear()
        for _ in range(12):
            await client.data(SEND_TEST, {"id": slow}, token=slow_admin)
        await eventually(lambda: _at_least(receiver, SenderLimits().per_endpoint))
        await client.data(SEND_TEST, {"id": fast}, token=fast_admin)
        await eventually(lambda: _at_least(fast_receiver, 1))
        (done,) = (await delivery_log(client, fast_admin, fast))["deliveries"]
        await eventually(lambda: _succeeded(done["id"]))
        assert receiver.waiting == SenderLimits().per_endpoint  # still held, all of them
        receiver.hold.set()
        await drain(hooks)
    assert receiver.most_waiting == SenderLimits().per_endpoint
    statuses = {d["status"] for d in (await delivery_log(client, slow_admin, slow))["deliveries"]}
    assert statuses == {"SUCCEEDED"} and len(receiver.received) == 12


async def _at_least(receiver: Receiver, count: int) -> bool | None:
    return True if len(receiver.received) >= count else None


async def _succeeded(delivery_id: str) -> bool | None:
    key = decode_id(delivery_id, "WebhookDelivery")
    delivery = await WebhookDelivery.get(id=key)
    return True if delivery.status == "SUCCEEDED" else None


async def test_two_senders_deliver_each_event_once(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    """Two processes' senders on one database: every event reaches the receiver once."""
    _, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    await app_quiet(hooks)
    for _ in range(40):
        await client.data(SEND_TEST, {"id": endpoint}, token=admin)
    async with other_senders(hooks, 2) as senders:
        await asyncio.gather(*(sender.drain() for sender in senders))
    ids = [got.event_id for got in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert await WebhookDelivery.filter(status="SUCCEEDED").count() == 40


async def test_an_attempt_that_outlived_its_lease_does_not_overwrite_a_later_one(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    """Sender A's request hangs past the lease; sender B takes the delivery and succeeds;
    A's late failure is dropped, not written over B's success (nor sent a third time)."""
    _, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    await app_quiet(hooks)
    await client.data(SEND_TEST, {"id": endpoint}, token=admin)
    receiver.hold.clear()
    receiver.hold_first_only = True
    async with other_senders(hooks, 2) as (first, second):
        late = asyncio.create_task(first.drain())
        await eventually(lambda: _at_least(receiver, 1))
        clock.advance(LEASE + timedelta(seconds=1))
        await second.drain()
        receiver.status = 503
        receiver.hold.set()
        await late
    assert len(receiver.received) == 2
    log = await delivery_log(client, admin, endpoint)
    (delivery,) = log["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["responseStatus"]) == (
        "SUCCEEDED",
        1,
        204,
    )
    assert log["failingSince"] is None


async def test_one_accounts_backlog_does_not_queue_another_accounts_event_behind_it(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    """300 events of one account are due before another account's one; the accounts take
    turns, so the other's goes out in the first round, not after the 300."""
    busy, busy_admin = await started(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    await add_endpoint(client, busy_admin, receiver.url("/busy"), ["api_key.created"], receiver)
    await add_endpoint(
        client, await session_for(other.admin, clock), receiver.url("/other"),
        ["api_key.created"], receiver,
    )  # fmt: skip
    await app_quiet(hooks)
    async with in_transaction():
        for _ in range(300):
            await events.emit(busy.account.id, WebhookEventType.API_KEY_CREATED, {}, clock.now())
    clock.advance(timedelta(seconds=1))
    await events.emit(other.account.id, WebhookEventType.API_KEY_CREATED, {}, clock.now())
    async with other_senders(hooks, 1) as (sender,):
        await sender.drain()
    assert len(receiver.received) == 301
    order = [index for index, got in enumerate(receiver.received) if got.path == "/other"]
    assert order and order[0] <= SenderLimits().per_account


async def test_tests_and_redeliveries_stop_at_a_hundred_waiting(
    hooks: Starlette,
    client: GraphQLClient,
    receiver: Receiver,
    hasher: PasswordHasher,
    clock: FrozenClock,
) -> None:
    """Aliases count one each: nobody grows the shared queue by hand past the cap."""
    _, admin, endpoint = await one_endpoint(client, receiver, hasher, clock)
    await app_quiet(hooks)
    aliased = " ".join(
        f"t{n}: sendTestWebhook(input: {{endpointId: $id}}) {{ userErrors {{ code }} }}"
        for n in range(25)
    )
    for _ in range(4):
        data = await client.data(f"mutation ($id: ID!) {{ {aliased} }}", {"id": endpoint},
                                 token=admin)  # fmt: skip
        assert all(payload["userErrors"] == [] for payload in data.values())
    refused = (await client.data(SEND_TEST, {"id": endpoint}, token=admin))["sendTestWebhook"]
    assert refused["userErrors"] == [{"code": "RATE_LIMITED"}]
    assert await WebhookDelivery.all().count() == 100
