"""The outbox: mail survives an SMTP outage, is retried with back-off, and is sent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from mail.messages import MailKind, compose
from mail.outbox import Outbox
from mail.sender import OutboxSender, claim, retry_delay
from mail.transport import SmtpTransport
from models import OutboxMessage
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from tests.mail_server import MailSink, SmtpServer
from tests.servers import free_port
from tests.support import (
    INVITE,
    CountingHasher,
    GraphQLClient,
    eventually,
    make_team,
    running_app,
    session_for,
    stop_senders,
)
from twofa.settings import Settings


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (40, 3600)]
)
def test_retry_delay_doubles_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts) == timedelta(seconds=seconds)


async def test_mail_waits_out_an_smtp_outage_and_is_delivered_once(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    down = SmtpServer(port=free_port())  # nothing listens on this port yet
    settings = Settings(**{**settings.__dict__, "smtp_port": down.port})
    async with running_app(settings, clock, hasher) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            gql = GraphQLClient(http)
            team = await make_team(hasher, clock)
            invited = await gql.data(
                INVITE,
                {"email": "new@acme.example", "name": "N"},
                token=await session_for(team.admin, clock),
            )
            assert invited["inviteOperator"]["userErrors"] == []
            assert invited["inviteOperator"]["operator"]["status"] == "INVITED"

            # The app's sender tries, fails, and schedules a retry.
            message = await eventually(lambda: OutboxMessage.get_or_none(attempts__gte=1))
            assert message.sent_at is None
            assert message.last_error and "Connect" in message.last_error
            assert message.next_attempt_at == clock.now() + timedelta(seconds=10)

            sender = app.state.outbox_sender
            down.start()
            try:
                # Not due yet (back-off): a round delivers nothing, and no sender holds it.
                assert await sender.run_once() == 0
                waiting = await OutboxMessage.get(id=message.id)
                assert (waiting.sent_at, waiting.claimed_until, waiting.attempts) == (None, None, 1)
                assert down.sink.messages == []
                # Once due, the app's own sender delivers it.
                clock.advance(timedelta(seconds=10))
                [received] = await down.sink.wait_for(1)
                assert received["To"] == "new@acme.example"
                # After its last round has ended, another round has nothing left to send.
                await stop_senders(app)
                assert await sender.run_once() == 0
                assert len(down.sink.messages) == 1
                delivered = await OutboxMessage.get()
                assert delivered.sent_at is not None and delivered.content_encrypted == ""
                assert delivered.attempts == 1
            finally:
                down.stop()


async def test_two_senders_deliver_each_message_exactly_once(
    app: Starlette, settings: Settings, clock: FrozenClock, mail: MailSink, encryption_key: str
) -> None:
    await stop_senders(app)  # only the two senders below deliver
    outbox = Outbox(SecretBox([encryption_key]), settings.public_url)
    for n in range(40):
        email = compose(
            MailKind.TWO_FACTOR_ENABLED,
            f"op{n}@acme.example",
            {"name": f"N{n}", "account_name": "Acme"},
        )
        await outbox.enqueue(email, clock.now())
    smtp = settings.smtp()
    assert smtp is not None
    first = OutboxSender(outbox, SmtpTransport(smtp), clock.now)
    second = OutboxSender(outbox, SmtpTransport(smtp), clock.now)
    counts = [0, 0]
    for _ in range(10):
        results = await asyncio.gather(first.run_once(), second.run_once())
        counts = [counts[0] + results[0], counts[1] + results[1]]
    # Every round above has ended: the SMTP server got all it will ever get.
    received = sorted(m["To"] for m in mail.messages)
    assert received == sorted(f"op{n}@acme.example" for n in range(40))
    assert sum(counts) == 40
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0
    assert await claim(clock.now()) == []


async def test_claims_are_leases_that_lapse(
    app: Starlette,
    settings: Settings,
    clock: FrozenClock,
    encryption_key: str,
    hasher: PasswordHasher,
) -> None:
    await stop_senders(app)
    outbox = Outbox(SecretBox([encryption_key]), settings.public_url)
    await outbox.enqueue(
        compose(
            MailKind.TWO_FACTOR_DISABLED, "a@acme.example", {"name": "A", "account_name": "Acme"}
        ),
        clock.now(),
    )
    assert len(await claim(clock.now())) == 1
    assert await claim(clock.now()) == []  # held by the first claim
    clock.advance(timedelta(minutes=2, seconds=1))
    assert len(await claim(clock.now())) == 1  # a sender that died let go
