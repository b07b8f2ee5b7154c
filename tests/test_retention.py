"""Retention: expired sessions and tokens, spent throttle rows and old mail are swept in
batches, live rows are kept, and sweepers running side by side share the work."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta

import pytest
from starlette.applications import Starlette

from models import (
    OneTimeToken,
    OutboxMessage,
    PasskeyCeremony,
    PasskeyChallenge,
    Session,
    Throttle,
    TokenPurpose,
    TrustedDevice,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.machinery import throttle
from services.machinery.clock import FrozenClock
from services.machinery.retention import (
    DELIVERY_LOG_KEPT,
    GIVEN_UP_MAIL_KEPT,
    SENT_MAIL_KEPT,
    Sweeper,
)
from services.machinery.throttle import (
    FREE_ATTEMPTS,
    QUIET_PERIOD,
    account_budget_key,
    address_budget_key,
    address_key,
    password_key,
)
from services.machinery.tokens import LIFETIMES, hash_token, issue
from services.sessions import SESSION_LIFETIME, AuthenticationMethod
from services.validation import email_key
from tests.support import (
    ATTACKERS,
    OWNER,
    PASSWORD,
    WRONG,
    CountingHasher,
    from_address,
    login_from,
    make_team,
    session_for,
)

VIEWER = "{ viewer { email } }"


async def test_a_sweep_leaves_only_live_sessions_tokens_and_throttle_rows(
    app: Starlette, clock: FrozenClock, hasher: CountingHasher
) -> None:
    team = await make_team(hasher, clock)
    async with from_address(app, OWNER) as gql:
        expired_session = await gql.session(team.admin.email)
    # A burst of guesses at random emails from many addresses: a throttle row for each
    # address, each (email, address) pair and each email.
    await asyncio.gather(
        *(
            login_from(app, address, f"{secrets.token_hex(6)}@example.com")
            for address in ATTACKERS
            for _ in range(3)
        )
    )
    assert await Throttle.all().count() > len(ATTACKERS) * 3
    await issue(team.basic.id, TokenPurpose.LOGIN_CHALLENGE, clock.now())

    clock.advance(max(SESSION_LIFETIME, QUIET_PERIOD) + timedelta(seconds=1))
    async with from_address(app, OWNER) as gql:
        live_session = await gql.session(team.admin.email)
        for _ in range(FREE_ATTEMPTS):  # locks the basic operator's login from OWNER
            await gql.login(team.basic.email, WRONG)
        live_token = await issue(team.basic.id, TokenPurpose.PASSWORD_RESET, clock.now())

        deleted = await app.state.sweeper.run_once()

        assert deleted["sessions"] == 1 and deleted["one-time tokens"] == 1
        assert deleted["throttles"] > len(ATTACKERS) * 3
        assert [row.id for row in await Session.all()] == [
            (await Session.get(expires_at__gt=clock.now())).id
        ]
        assert [row.token_hash for row in await OneTimeToken.all()] == [hash_token(live_token)]
        # What is left of throttling is the running lock and the failures it counts, the
        # address the administrator logged in from (known to their email for 30 days) and
        # the login budgets the last login spent.
        assert {row.key for row in await Throttle.all()} == {
            address_key(OWNER),
            password_key(email_key(team.basic.email), OWNER),
            password_key(email_key(team.admin.email), OWNER),
            address_budget_key(OWNER),
            account_budget_key(team.account.id),
        }
        assert set((await app.state.sweeper.run_once()).values()) == {0}
        assert (await gql.data(VIEWER, token=live_session))["viewer"] is not None
        assert (await gql.data(VIEWER, token=expired_session))["viewer"] is None
        still_locked = await gql.login(team.basic.email, PASSWORD)
        assert [e["code"] for e in still_locked["userErrors"]] == ["TOO_MANY_ATTEMPTS"]
        # The guessers start over as new.
    assert (await login_from(app, ATTACKERS[0], "new@example.com"))["userErrors"][0][
        "code"
    ] == "INVALID_CREDENTIALS"


async def test_a_sweep_between_a_logins_insert_and_its_lock_does_not_break_the_login(
    app: Starlette, clock: FrozenClock, hasher: CountingHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await make_team(hasher, clock)
    sweeper: Sweeper = app.state.sweeper
    insert = throttle._create_missing
    swept = []

    async def insert_then_sweep(*rows: Throttle) -> None:
        await insert(*rows)
        swept.append((await sweeper.run_once())["throttles"])

    monkeypatch.setattr(throttle, "_create_missing", insert_then_sweep)
    async with from_address(app, OWNER) as gql:
        assert await gql.session(team.basic.email)
        failed = await gql.login(team.basic.email, WRONG)
    assert [e["code"] for e in failed["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert sum(swept) > 0  # rows were swept in the gap, and put back
    pair = await Throttle.get(key=password_key(email_key(team.basic.email), OWNER))
    assert (pair.failures, pair.scope) == (1, throttle.email_digest(email_key(team.basic.email)))


async def test_mail_is_kept_a_while_after_it_is_sent_or_given_up(
    app: Starlette, clock: FrozenClock
) -> None:
    now = clock.now()
    second = timedelta(seconds=1)

    async def message(sent_at: datetime | None = None, given_up_at: datetime | None = None) -> int:
        row = await OutboxMessage.create(
            kind="k", recipient="r@example.com", content_encrypted="", created_at=now,
            next_attempt_at=now, sent_at=sent_at, given_up_at=given_up_at,
        )  # fmt: skip
        return row.id

    await message(sent_at=now - SENT_MAIL_KEPT - second)
    await message(given_up_at=now - GIVEN_UP_MAIL_KEPT - second)
    kept = {
        await message(sent_at=now - SENT_MAIL_KEPT + second),
        await message(given_up_at=now - GIVEN_UP_MAIL_KEPT + second),
        await message(),  # still queued
    }
    deleted = await Sweeper(clock.now).run_once()
    assert (deleted["sent mail"], deleted["given-up mail"]) == (1, 1)
    assert {row.id for row in await OutboxMessage.all()} == kept


async def test_a_webhook_delivery_log_reaches_thirty_days_back(
    app: Starlette, clock: FrozenClock, hasher: CountingHasher
) -> None:
    team = await make_team(hasher, clock)
    endpoint = await WebhookEndpoint.create(
        account_id=team.account.id, url="https://93.184.216.34/", event_types=["webhook.test"],
        secret_encrypted="unused", created_at=clock.now(),
    )  # fmt: skip
    now, second = clock.now(), timedelta(seconds=1)

    async def delivery(created_at: datetime, next_attempt_at: datetime | None) -> int:
        row = await WebhookDelivery.create(
            endpoint_id=endpoint.id, account_id=team.account.id, event_id="msg_x",
            event_type="webhook.test", payload="{}", status="SUCCEEDED", created_at=created_at,
            next_attempt_at=next_attempt_at,
        )  # fmt: skip
        return row.id

    await delivery(now - DELIVERY_LOG_KEPT - second, None)  # over, and old enough
    kept = {
        await delivery(now - DELIVERY_LOG_KEPT + second, None),
        await delivery(now - DELIVERY_LOG_KEPT - second, now),  # still to be tried
    }
    deleted = await Sweeper(clock.now).run_once()
    assert deleted["webhook deliveries"] == 1
    assert {row.id for row in await WebhookDelivery.all()} == kept


async def test_expired_browsers_go_with_their_sessions_and_expired_passkey_challenges_go(
    app: Starlette, clock: FrozenClock, hasher: CountingHasher
) -> None:
    team = await make_team(hasher, clock)
    now, second = clock.now(), timedelta(seconds=1)

    async def device(expires_at: datetime) -> tuple[int, int]:
        row = await TrustedDevice.create(
            operator_id=team.admin.id, token_hash=secrets.token_hex(32), created_at=now,
            expires_at=expires_at,
        )  # fmt: skip
        session = await Session.create(
            operator_id=team.admin.id, token_hash=secrets.token_hex(32),
            authentication_methods=[AuthenticationMethod.PASSWORD.value,
                                    AuthenticationMethod.TRUSTED_DEVICE.value],
            authenticated_at=now, last_used_at=now, created_at=now,
            expires_at=now + SESSION_LIFETIME, trusted_device_id=row.id,
        )  # fmt: skip
        return row.id, session.id

    async def challenge(expires_at: datetime) -> int:
        row = await PasskeyChallenge.create(
            operator_id=team.admin.id, ceremony=PasskeyCeremony.REGISTRATION,
            challenge=secrets.token_urlsafe(32), created_at=now, expires_at=expires_at,
        )  # fmt: skip
        return row.id

    await device(now - second)
    kept_device, kept_session = await device(now + second)
    await challenge(now - second)
    kept_challenge = await challenge(now + second)

    deleted = await Sweeper(clock.now).run_once()

    # (SQLite's count of the devices' statement includes the session it cascades to.)
    assert deleted["trusted devices"] and deleted["passkey challenges"] == 1, deleted
    assert [row.id for row in await TrustedDevice.all()] == [kept_device]
    assert [row.id for row in await Session.all()] == [kept_session]
    assert [row.id for row in await PasskeyChallenge.all()] == [kept_challenge]


async def test_two_sweepers_at_once_delete_each_row_once(
    app: Starlette, clock: FrozenClock, hasher: CountingHasher
) -> None:
    team = await make_team(hasher, clock)
    expired, live = 1050, 5
    await Session.bulk_create(
        [
            Session(
                operator_id=team.admin.id,
                token_hash=secrets.token_hex(32),
                authentication_methods=[AuthenticationMethod.PASSWORD.value],
                authenticated_at=clock.now(),
                last_used_at=clock.now(),
                created_at=clock.now(),
                expires_at=clock.now() + (timedelta(hours=1) if n < live else timedelta(0)),
            )
            for n in range(expired + live)
        ]
    )
    tokens = LIFETIMES[TokenPurpose.LOGIN_CHALLENGE]
    for _ in range(30):
        await issue(team.basic.id, TokenPurpose.LOGIN_CHALLENGE, clock.now() - tokens)
    first, second = Sweeper(clock.now, batch_size=100), Sweeper(clock.now, batch_size=100)
    results = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(r["sessions"] for r in results) == expired
    assert sum(r["one-time tokens"] for r in results) == 30
    assert await Session.all().count() == live
    assert await OneTimeToken.all().count() == 0
    token = await session_for(team.basic, clock)
    assert set((await first.run_once()).values()) == {0}
    assert await Session.filter(token_hash=hash_token(token)).exists()
