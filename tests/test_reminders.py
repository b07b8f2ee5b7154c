"""Reminders before a setup deadline and the event when it passes: the background job, with
the clock moved across every boundary, deadlines moved by administrators, two jobs at once,
and the cost of a round with nothing to do."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from tortoise.connection import get_connection

from models import (
    Account,
    AuditEvent,
    OneTimeToken,
    Operator,
    OperatorRole,
    OperatorStatus,
    OutboxMessage,
    TokenPurpose,
    TwoFactorMode,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.tokens import hash_token
from services.notifications import notify
from services.operators import policy_of
from services.policy import Deadlines, TwoFactorCompliance, reminders
from services.policy.reminders import ReminderJob, RoundReport, remaining_words
from tests.support import (
    Delivery,
    GraphQLClient,
    Team,
    add_operator,
    make_team,
    session_for,
    stop_senders,
)
from twofa.sql_log import StatementCounter

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
GRACE_HOURS = 10 * 24
"""A 10-day grace period: a deadline far enough ahead for both reminders."""
SET_DEFAULT = """mutation ($input: SetAccountTwoFactorDefaultInput!) {
  setAccountTwoFactorDefault(input: $input) { userErrors { code field message } } }"""
NOTHING = RoundReport()
FIRST = RoundReport(first_reminders=1)
LAST = RoundReport(last_reminders=1)
OVERDUE = RoundReport(overdue_events=1)


@pytest.fixture
async def job(app: Starlette) -> ReminderJob:
    """The app's reminder job (its background loop waits a minute of real time: tests call
    ``run_once`` themselves).

    The app's mail and webhook senders are stopped: these tests move the clock by days, and
    a sender holding a message's lease across such a jump would see it lapse and another
    round send it again. ``deliver`` sends the mail, and webhook rows stay as queued.
    """
    await stop_senders(app)
    running: ReminderJob = app.state.reminders
    return running


async def required_team(
    hasher: PasswordHasher,
    clock: FrozenClock,
    *,
    grace_hours: int = GRACE_HOURS,
    enforce_from: datetime | None = None,
) -> Team:
    """An account requiring 2FA, whose basic operator became required now, without 2FA.

    The administrator is left out (override OPTIONAL), so that only the basic operator is
    concerned.
    """
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    team.account.two_factor_grace_period_hours = grace_hours
    team.account.two_factor_enforce_from = enforce_from
    await team.account.save()
    team.admin.two_factor_override = TwoFactorMode.OPTIONAL
    await team.admin.save(update_fields=["two_factor_override"])
    await start_requirement(team.basic, clock)
    return team


async def start_requirement(operator: Operator, clock: FrozenClock) -> None:
    """Make the operator's grace period start now (as a policy change does)."""
    operator.two_factor_required_since = clock.now()
    await operator.save(update_fields=["two_factor_required_since"])


async def set_rule(account: Account, grace_hours: int, enforce_from: datetime | None) -> None:
    """Change the account's grace period and enforcement date directly."""
    account.two_factor_grace_period_hours = grace_hours
    account.two_factor_enforce_from = enforce_from
    await account.save(update_fields=["two_factor_grace_period_hours", "two_factor_enforce_from"])


async def kinds_sent(deliver: Delivery) -> list[tuple[str, str]]:
    """Deliver the outbox; return (recipient, subject) of every message so far."""
    return [(str(m["To"]), str(m["Subject"])) for m in await deliver()]


def reminders_in(messages: list[EmailMessage]) -> list[EmailMessage]:
    return [m for m in messages if "two-factor" in str(m["Subject"]).lower()]


async def overdue_events(operator: Operator) -> list[AuditEvent]:
    return await AuditEvent.filter(kind="TWO_FACTOR_OVERDUE", target_id=operator.id).order_by("id")


async def subscribe(account: Account, clock: FrozenClock) -> WebhookEndpoint:
    """An endpoint of the account subscribed to compliance changes (nothing delivers)."""
    return await WebhookEndpoint.create(
        account=account,
        url="https://hooks.acme.example/twofa",
        event_types=["two_factor.compliance_changed"],
        secret_encrypted="unused",
        created_at=clock.now(),
    )


def bulk_operator(account: Account, n: int, required_since: datetime) -> Operator:
    """An unsaved active operator, required since then, for ``bulk_create``."""
    email = f"p{n}@bulk.example"
    return Operator(
        account_id=account.id, email=email, email_key=email, email_folded=email,
        name=f"P{n}", name_key=f"p{n}", role=OperatorRole.BASIC, status=OperatorStatus.ACTIVE,
        created_at=required_since, two_factor_required_since=required_since,
    )  # fmt: skip


def link_token(message: EmailMessage) -> str:
    """The token of the setup link in a message's text part."""
    text = message.get_body(("plain",))
    assert text is not None
    found = re.search(r"https://twofa\.test/two-factor/setup\?token=\S+", text.get_content())
    assert found, text.get_content()
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


def test_a_deadline_is_the_one_the_policy_shows_while_it_is_ahead() -> None:
    """``ends_at`` (the job's) and ``deadline`` (the policy's) are one rule: equal while the
    deadline is ahead, and ``deadline`` None once it has passed."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for period, enforce_from, required_since in itertools.product(
        [timedelta(0), 72 * HOUR],
        [None, now - HOUR, now, now + HOUR, now + 100 * HOUR],
        [None, now - 200 * HOUR, now - 72 * HOUR, now - 71 * HOUR, now],
    ):
        rule = Deadlines(period=period, enforce_from=enforce_from, now=now)
        ends = rule.ends_at(required_since)
        ahead = ends is not None and ends > now
        assert rule.deadline(required_since) == (ends if ahead else None)
        assert rule.running(required_since) is ahead


def test_time_left_is_said_to_the_hour() -> None:
    assert remaining_words(7 * DAY) == "7 days"
    assert remaining_words(7 * DAY - MINUTE) == "7 days"
    assert remaining_words(DAY) == "1 day"
    assert remaining_words(2 * DAY + 5 * HOUR) == "2 days and 5 hours"
    assert remaining_words(23 * HOUR) == "23 hours"
    assert remaining_words(HOUR) == "1 hour"
    assert remaining_words(10 * MINUTE) == "less than an hour"


async def test_reminded_once_7_days_and_once_1_day_before_with_a_setup_link(
    app: Starlette,
    job: ReminderJob,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
) -> None:
    team = await required_team(hasher, clock)
    deadline = clock.now() + GRACE_HOURS * HOUR
    assert await job.run_once() == NOTHING  # 10 days ahead

    clock.set(deadline - 7 * DAY - MINUTE)
    assert await job.run_once() == NOTHING
    clock.set(deadline - 7 * DAY)
    assert await job.run_once() == FIRST
    assert await job.run_once() == NOTHING  # once
    clock.advance(HOUR)
    assert await job.run_once() == NOTHING
    [first] = reminders_in(await deliver())
    assert str(first["To"]) == "basic@acme.example"
    assert str(first["Subject"]) == (
        f"Set up two-factor authentication for Acme by {deadline:%Y-%m-%d %H:%M} UTC"
    )
    text = first.get_body(("plain",))
    assert text is not None and "(7 days from now)" in text.get_content()
    # The link is a one-time setup token stored hashed, as a login's.
    token = link_token(first)
    stored = await OneTimeToken.get(token_hash=hash_token(token))
    assert stored.purpose is TokenPurpose.SETUP_FROM_EMAIL
    assert stored.operator_id == team.basic.id

    clock.set(deadline - DAY - MINUTE)
    assert await job.run_once() == NOTHING
    clock.set(deadline - DAY)
    assert await job.run_once() == LAST
    assert await job.run_once() == NOTHING
    clock.set(deadline - MINUTE)
    assert await job.run_once() == NOTHING
    messages = reminders_in(await deliver())
    assert len(messages) == 2
    last = messages[1]
    assert str(last["Subject"]) == "Last day to set up two-factor authentication for Acme"
    assert link_token(last) != token
    # The newer link replaced the older one.
    assert not await OneTimeToken.exists(token_hash=hash_token(token))
    html = last.get_body(("html",))
    assert html is not None and "/two-factor/setup?token=" in html.get_content()

    operator = await Operator.get(id=team.basic.id)
    assert operator.reminded_7d_for == deadline
    assert operator.reminded_1d_for == deadline


async def test_a_deadline_less_than_7_days_ahead_is_reminded_at_once_then_the_last_day(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    """A 3-day grace period: the first reminder goes as it begins, saying 3 days."""
    await job.run_once()  # the job has run before this account existed
    clock.advance(MINUTE)
    await required_team(hasher, clock, grace_hours=72)
    assert await job.run_once() == FIRST
    [message] = reminders_in(await deliver())
    text = message.get_body(("plain",))
    assert text is not None and "(3 days from now)" in text.get_content()
    clock.advance(2 * DAY)
    assert await job.run_once() == LAST
    assert await job.run_once() == NOTHING


async def test_a_deadline_less_than_a_day_ahead_gets_only_the_last_reminder(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await required_team(hasher, clock, grace_hours=12)
    assert await job.run_once() == LAST
    clock.advance(HOUR)
    assert await job.run_once() == NOTHING


async def test_no_reminder_after_2fa_is_set_up(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await required_team(hasher, clock)
    deadline = clock.now() + GRACE_HOURS * HOUR
    clock.set(deadline - 7 * DAY)
    assert await job.run_once() == FIRST
    team.basic.two_factor_configured_at = clock.now()
    await team.basic.save(update_fields=["two_factor_configured_at"])
    clock.set(deadline - DAY)
    assert await job.run_once() == NOTHING
    clock.set(deadline + MINUTE)
    assert await job.run_once() == NOTHING
    assert await overdue_events(team.basic) == []


async def test_nobody_but_pending_active_password_operators_is_reminded(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    """Single sign-on, optional (override or default), invited, deactivated and configured
    operators get nothing; a required one beside them does."""
    team = await required_team(hasher, clock)
    account = team.account
    others = [
        await add_operator(account, "sso@acme.example", hasher, clock, uses_single_sign_on=True),
        await add_operator(
            account, "optional@acme.example", hasher, clock, override=TwoFactorMode.OPTIONAL
        ),
        await add_operator(
            account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED
        ),
        await add_operator(
            account, "gone@acme.example", hasher, clock, status=OperatorStatus.DEACTIVATED
        ),
        await add_operator(account, "done@acme.example", hasher, clock),
    ]
    for operator in others:
        await start_requirement(operator, clock)
    others[-1].two_factor_configured_at = clock.now()
    await others[-1].save(update_fields=["two_factor_configured_at"])
    # An account that does not require 2FA, with the same grace period.
    elsewhere = await make_team(hasher, clock, name="Other", domain="other.example")
    await set_rule(elsewhere.account, GRACE_HOURS, None)
    await start_requirement(elsewhere.basic, clock)

    deadline = clock.now() + GRACE_HOURS * HOUR
    for instant in (deadline - 7 * DAY, deadline - DAY, deadline):
        clock.set(instant)
        await job.run_once()
    assert {str(m["To"]) for m in reminders_in(await deliver())} == {"basic@acme.example"}
    assert await AuditEvent.filter(kind="TWO_FACTOR_OVERDUE").count() == 1
    for operator in others:
        assert await overdue_events(operator) == []


async def test_the_overdue_event_is_recorded_once_and_announced_once(
    app: Starlette, job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await required_team(hasher, clock)
    endpoint = await subscribe(team.account, clock)
    deadline = clock.now() + GRACE_HOURS * HOUR
    policy = await policy_of(await Operator.get(id=team.basic.id), clock.now())
    assert policy.setup_deadline == deadline

    clock.set(deadline - MINUTE)
    await job.run_once()
    assert await overdue_events(team.basic) == []
    clock.set(deadline)
    assert await job.run_once() == OVERDUE
    policy = await policy_of(await Operator.get(id=team.basic.id), clock.now())
    assert policy.compliance is TwoFactorCompliance.OVERDUE
    for later in (MINUTE, HOUR, 30 * DAY):
        clock.set(deadline + later)
        assert await job.run_once() == NOTHING

    [event] = await overdue_events(team.basic)
    assert event.account_id == team.account.id
    assert event.actor_id is None
    assert event.created_at == deadline
    assert event.details == {"from": "PENDING", "to": "OVERDUE", "deadline": deadline.isoformat()}
    [delivery] = await WebhookDelivery.filter(endpoint_id=endpoint.id)
    assert delivery.event_type == "two_factor.compliance_changed"
    body = json.loads(delivery.payload)
    assert body["type"] == "two_factor.compliance_changed"
    assert body["data"]["details"] == {
        "from": "PENDING",
        "to": "OVERDUE",
        "deadline": deadline.isoformat(),
    }
    assert "operator" in body["data"] and "actor" not in body["data"]


async def test_a_later_deadline_is_reminded_again_and_its_passing_recorded_again(
    app: Starlette,
    gql: GraphQLClient,
    job: ReminderJob,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
) -> None:
    """An administrator schedules enforcement after the first deadline passed: the operator
    is before a new deadline, reminded for it, and its passing is a second event."""
    team = await required_team(hasher, clock, grace_hours=72)
    await subscribe(team.account, clock)
    first = clock.now() + 72 * HOUR
    assert await job.run_once() == FIRST
    clock.set(first - DAY)
    assert await job.run_once() == LAST
    clock.set(first)
    assert await job.run_once() == OVERDUE

    clock.advance(DAY)
    second = clock.now() + 20 * DAY
    admin = await session_for(team.admin, clock)
    variables = {
        "input": {"mode": "REQUIRED", "gracePeriodHours": 72, "enforceFrom": second.isoformat()}
    }
    changed = await gql.data(SET_DEFAULT, variables, token=admin)
    assert changed["setAccountTwoFactorDefault"]["userErrors"] == []
    assert await job.run_once() == NOTHING  # 20 days ahead: nothing yet
    clock.set(second - 7 * DAY)
    assert await job.run_once() == FIRST
    clock.set(second - DAY)
    assert await job.run_once() == LAST
    clock.set(second)
    assert await job.run_once() == OVERDUE
    assert await job.run_once() == NOTHING

    events = await overdue_events(team.basic)
    assert [event.details["deadline"] for event in events] == [
        first.isoformat(),
        second.isoformat(),
    ]
    assert await WebhookDelivery.filter(event_type="two_factor.compliance_changed").count() == 2
    assert len(reminders_in(await deliver())) == 4


async def test_a_deadline_moved_later_within_the_week_is_reminded_again_at_once(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """The first reminder said one date; the date moved: the operator is told the new one."""
    team = await required_team(hasher, clock)
    deadline = clock.now() + GRACE_HOURS * HOUR
    clock.set(deadline - 5 * DAY)
    assert await job.run_once() == FIRST
    clock.advance(HOUR)
    await set_rule(team.account, GRACE_HOURS, deadline + 2 * DAY)
    assert await job.run_once() == FIRST
    assert (await Operator.get(id=team.basic.id)).reminded_7d_for == deadline + 2 * DAY
    clock.advance(HOUR)
    assert await job.run_once() == NOTHING


async def test_a_deadline_moved_earlier_to_within_a_day_gets_only_the_last_reminder(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    started = clock.now()
    team = await required_team(hasher, clock)
    assert await job.run_once() == NOTHING  # 10 days ahead
    clock.advance(3 * DAY)  # 7 days left, not reminded yet (no round since)
    await set_rule(team.account, 3 * 24 + 12, None)  # the deadline is 12 hours away now
    assert await job.run_once() == LAST
    operator = await Operator.get(id=team.basic.id)
    assert operator.reminded_7d_for is None
    assert operator.reminded_1d_for == started + (3 * 24 + 12) * HOUR


async def test_shortening_the_grace_period_past_now_records_the_event(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Shortening a grace period catches a PENDING operator: their new deadline is already
    behind them, and their compliance changed from PENDING to OVERDUE."""
    started = clock.now()
    team = await required_team(hasher, clock)
    await job.run_once()
    clock.advance(2 * DAY)
    await job.run_once()
    clock.advance(MINUTE)
    await set_rule(team.account, 24, None)
    assert await job.run_once() == OVERDUE
    [event] = await overdue_events(team.basic)
    assert event.details["deadline"] == (started + DAY).isoformat()
    clock.advance(MINUTE)
    assert await job.run_once() == NOTHING


async def test_an_overdue_operator_whose_deadline_moves_but_stays_past_gets_no_new_event(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Already OVERDUE, and still after the new deadline: their compliance did not change."""
    team = await required_team(hasher, clock, grace_hours=24)
    await job.run_once()
    clock.advance(DAY)
    assert await job.run_once() == OVERDUE
    clock.advance(5 * DAY)
    assert await job.run_once() == NOTHING
    await set_rule(team.account, 48, None)  # a longer grace period, over by now as well
    assert await job.run_once() == NOTHING
    assert len(await overdue_events(team.basic)) == 1


async def test_deadlines_that_passed_before_the_job_first_ran_are_not_announced(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """On its first round (a new deployment) the job announces no old deadline."""
    team = await required_team(hasher, clock, grace_hours=24)
    clock.advance(30 * DAY)
    assert await job.run_once() == NOTHING
    clock.advance(MINUTE)
    assert await job.run_once() == NOTHING
    assert await overdue_events(team.basic) == []


async def test_a_round_missed_is_caught_up_on_the_next(
    job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """With no round for days (every process stopped), the next one does what came due."""
    team = await required_team(hasher, clock)
    await job.run_once()
    deadline = clock.now() + GRACE_HOURS * HOUR
    clock.set(deadline - 3 * DAY)
    assert await job.run_once() == FIRST
    clock.set(deadline + HOUR)
    assert await job.run_once() == OVERDUE  # the last reminder came too late to send
    assert (await Operator.get(id=team.basic.id)).reminded_1d_for is None


async def test_a_reminder_that_failed_is_sent_on_the_next_round_and_holds_up_nobody(
    job: ReminderJob,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = await required_team(hasher, clock)
    extra = await add_operator(team.account, "extra@acme.example", hasher, clock)
    await start_requirement(extra, clock)
    await job.run_once()
    failures: list[int] = []

    async def fails_once_for_basic(
        deps: Any, kind: Any, operator: Operator, *more: Any, **values: Any
    ) -> None:
        if operator.id == team.basic.id and not failures:
            failures.append(operator.id)
            raise ConnectionError("the database went away for a moment")
        await notify(deps, kind, operator, *more, **values)

    monkeypatch.setattr(reminders, "notify", fails_once_for_basic)
    clock.set(clock.now() + GRACE_HOURS * HOUR - 7 * DAY)
    assert await job.run_once() == FIRST  # extra's; basic's failed, rolled back
    assert "failed" in caplog.text
    assert (await Operator.get(id=team.basic.id)).reminded_7d_for is None
    clock.advance(MINUTE)
    assert await job.run_once() == FIRST  # basic's, this time
    clock.advance(MINUTE)
    assert await job.run_once() == NOTHING
    assert sorted(str(m["To"]) for m in reminders_in(await deliver())) == [
        "basic@acme.example",
        "extra@acme.example",
    ]


async def test_two_jobs_at_once_send_each_reminder_and_record_each_event_once(
    app: Starlette,
    job: ReminderJob,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes' rounds at the same instant, over many operators. Both read every due
    operator before either writes (a barrier holds the first until the second has read);
    then each operator's conditional UPDATE lets one of them through. On PostgreSQL a
    process waits on the other's row lock and its UPDATE then matches nothing."""
    barrier = asyncio.Barrier(2)
    read_candidates = reminders._candidates

    async def candidates_then_wait(*args: Any) -> Any:
        found = await read_candidates(*args)
        await barrier.wait()
        return found

    monkeypatch.setattr(reminders, "_candidates", candidates_then_wait)
    team = await required_team(hasher, clock)
    await subscribe(team.account, clock)
    operators = [team.basic]
    for n in range(20):
        operator = await add_operator(team.account, f"op{n}@acme.example", hasher, clock)
        await start_requirement(operator, clock)
        operators.append(operator)
    other = ReminderJob(app.state.dependencies)
    deadline = clock.now() + GRACE_HOURS * HOUR

    for instant, expected in (
        (deadline - 7 * DAY, RoundReport(first_reminders=21)),
        (deadline - DAY, RoundReport(last_reminders=21)),
        (deadline, RoundReport(overdue_events=21)),
    ):
        clock.set(instant)
        mine, theirs = await asyncio.gather(job.run_once(), other.run_once())
        assert (
            RoundReport(
                first_reminders=mine.first_reminders + theirs.first_reminders,
                last_reminders=mine.last_reminders + theirs.last_reminders,
                overdue_events=mine.overdue_events + theirs.overdue_events,
            )
            == expected
        )

    messages = reminders_in(await deliver())
    assert len(messages) == 42
    assert sorted(str(m["To"]) for m in messages) == sorted(
        str(operator.email) for operator in operators for _ in range(2)
    )
    assert await AuditEvent.filter(kind="TWO_FACTOR_OVERDUE").count() == 21
    assert await WebhookDelivery.filter(event_type="two_factor.compliance_changed").count() == 21
    assert await OutboxMessage.filter(kind="two_factor_reminder").count() == 21


async def test_a_round_with_nothing_due_costs_the_same_few_statements_for_any_number(
    app: Starlette, job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Pending, overdue and reminded operators in several accounts: once the job has seen
    them, a round with nothing due sends five statements, however many there are."""

    async def quiet_round() -> int:
        clock.advance(MINUTE)
        with StatementCounter() as counter:
            assert await job.run_once() == NOTHING
        return len(counter.statements)

    team = await required_team(hasher, clock, grace_hours=24)
    await job.run_once()
    few = await quiet_round()
    for n in range(3):
        other = await make_team(
            hasher, clock, name=f"Team {n}", domain=f"team{n}.example",
            default=TwoFactorMode.REQUIRED,
        )  # fmt: skip
        await set_rule(other.account, 24 * (n + 2), clock.now() + (n + 3) * DAY)
        for m in range(30):
            operator = await add_operator(other.account, f"op{m}@team{n}.example", hasher, clock)
            await start_requirement(operator, clock)
    for m in range(30):
        operator = await add_operator(team.account, f"late{m}@acme.example", hasher, clock)
        await start_requirement(operator, clock)
    clock.advance(MINUTE)
    await job.run_once()  # the first reminders, the new accounts seen
    clock.advance(2 * DAY)
    await job.run_once()  # the overdue events of the 24-hour account
    assert await AuditEvent.filter(kind="TWO_FACTOR_OVERDUE").count() == 31
    many = await quiet_round()
    assert few == many == 5


async def test_the_grace_periods_ending_soon_are_read_through_the_index(
    app: Starlette, job: ReminderJob, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """2,000 operators required over 200 days: a round reads the few whose grace period's
    end crossed a mark through the index on ``two_factor_required_since``."""
    team = await required_team(hasher, clock, grace_hours=72)
    start = clock.now() - 200 * DAY
    bulk = [bulk_operator(team.account, n, start + n * (2 * HOUR + MINUTE)) for n in range(2000)]
    await Operator.bulk_create(bulk, batch_size=500)
    await job.run_once()
    clock.advance(MINUTE)
    with StatementCounter() as counter:
        await job.run_once()
    [(statement, values)] = [
        (sql, values)
        for sql, values in zip(counter.statements, counter.parameters, strict=True)
        if "UNION ALL" in sql
    ]
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("ANALYZE operators")
        rows = await connection.execute_query_dict(f"EXPLAIN {statement}", list(values))
        plan = "\n".join(row["QUERY PLAN"] for row in rows)
        assert "Index Cond: ((two_factor_required_since >" in plan, plan
        assert "Seq Scan on operators" not in plan, plan
    else:
        rows = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {statement}", list(values))
        plan = "\n".join(row["detail"] for row in rows)
        assert "(two_factor_required_since>? AND two_factor_required_since<?)" in plan, plan
        assert "SCAN o" not in plan, plan


async def test_the_job_runs_in_the_app_and_stops_with_it(app: Starlette) -> None:
    assert isinstance(app.state.reminders, ReminderJob)


async def test_a_rule_changed_between_the_read_and_the_claim_leaves_the_item_to_the_next_round(
    job: ReminderJob,
    hasher: PasswordHasher,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An administrator extends the grace period while a round is between reading an
    operator and claiming their overdue event: the claim sees the account's new rule and
    records nothing, and the next round finds the operator pending."""
    team = await required_team(hasher, clock, grace_hours=72)
    deadline = clock.now() + 72 * HOUR
    await job.run_once()
    clock.set(deadline - DAY)
    await job.run_once()
    clock.set(deadline)
    read = reminders._candidates

    async def read_then_extend(*args: Any) -> Any:
        found = await read(*args)
        await set_rule(team.account, 240, None)
        return found

    monkeypatch.setattr(reminders, "_candidates", read_then_extend)
    await job.run_once()
    assert await overdue_events(team.basic) == []
    monkeypatch.undo()
    assert (await job.run_once()).overdue_events == 0
    policy = await policy_of(await Operator.get(id=team.basic.id), clock.now())
    assert policy.compliance is TwoFactorCompliance.PENDING


@pytest.mark.parametrize("scheduled", [False, True], ids=["grace-to-zero", "date-cleared"])
async def test_removing_a_deadline_announces_the_overdue_operators_once(
    job: ReminderJob,
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    scheduled: bool,
) -> None:
    """A pending operator whose deadline an administrator removes (the grace period set to
    0, or the date cleared with no grace) is overdue at once: one event, in the next round."""
    team = await required_team(
        hasher,
        clock,
        grace_hours=0 if scheduled else 240,
        enforce_from=clock.now() + 10 * DAY if scheduled else None,
    )
    await job.run_once()
    clock.advance(DAY)
    await job.run_once()
    clock.advance(MINUTE)
    changed = await gql.data(
        SET_DEFAULT,
        {"input": {"mode": "REQUIRED", "gracePeriodHours": 0, "enforceFrom": None}},
        token=await session_for(team.admin, clock),
    )
    assert changed["setAccountTwoFactorDefault"]["userErrors"] == []
    policy = await policy_of(await Operator.get(id=team.basic.id), clock.now())
    assert policy.compliance is TwoFactorCompliance.OVERDUE
    for _ in range(3):
        await job.run_once()
        clock.advance(MINUTE)
    assert len(await overdue_events(team.basic)) == 1
