"""Reminders before a setup deadline, and the event when it passes: a background job.

Every PERIOD, in every process, the job looks for required operators without 2FA (active,
not single sign-on) whose deadline (``Deadlines.ends_at``: the later of their grace
period's end and the account's scheduled enforcement) is:

- at most FIRST_REMINDER (7 days) ahead: it emails them a first reminder with a setup link;
- at most LAST_REMINDER (1 day) ahead: it emails the last reminder (and no first one, if
  the deadline came that close before the first was sent);
- passed: it records ``TWO_FACTOR_OVERDUE`` in the audit log, which queues the webhook
  event ``two_factor.compliance_changed`` in the same transaction.

Each happens once per operator and deadline: the operator's row keeps the deadline each
was done for (``reminded_7d_for``, ``reminded_1d_for``, ``overdue_recorded_for``). A
deadline that moves (the account's grace period or enforcement date changes, the operator
becomes required anew) is a new deadline, whose reminders are due again as it comes within
reach; the event is recorded for a deadline that passes with time, or for one that an
administrator moved into the past while the operator was still before the old one. An
operator who was already overdue and stays so gets no second event.

Deadlines are computed from the current data at each round, never scheduled when a policy
changes. The round is cheap when nothing is due: it does not read every operator, only

- operators whose grace period's end crosses one of the three marks (7 days before, 1 day
  before, the end) since the previous round: ranges of the indexed
  ``two_factor_required_since``, one per distinct grace period of the accounts;
- operators who became required since the previous round (a new grace period may begin
  less than 7 days from its end);
- every operator of an account whose scheduled enforcement crosses a mark, or whose grace
  period or enforcement date differs from what the job last saw (``DeadlineWatch``), or
  that the job has never seen.

Five statements when nothing is due, whatever the number of operators. How far the job
has looked is kept in ``DeadlineRound``; each round looks OVERLAP further back, for
changes that committed a moment after the previous round read, and for the clocks of
processes slightly apart. A round in which something failed (it is logged; the others are
still done) moves neither that mark nor the watches, so the next round tries it again.

Several processes may run rounds at once: each reminder and event is claimed by a
conditional UPDATE of the operator's row (the deadline it is for, if not already that, and
only while the operator is still concerned), in the transaction that queues the email or
writes the event. A second process's UPDATE of the same row waits for the first to commit
and then matches nothing, so each is done once; one whose transaction rolled back (or
whose process died) leaves the row to the other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from mail.messages import MailKind
from mail.outbox import SETUP_PATH
from models import (
    Account,
    DeadlineRound,
    DeadlineWatch,
    Operator,
    OperatorStatus,
    TokenPurpose,
    TwoFactorMode,
)
from services import audit
from services.audit import AuditEventKind
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.machinery.model_rows import instant
from services.machinery.periodic import PeriodicJob
from services.notifications import notify
from services.policy import Deadlines, TwoFactorCompliance

logger = logging.getLogger("twofa.reminders")

PERIOD = timedelta(minutes=1)
"""Time between two rounds of one process (the first comes one period after start)."""
FIRST_REMINDER = timedelta(days=7)
"""How long before their deadline an operator is first reminded (at most)."""
LAST_REMINDER = timedelta(days=1)
"""How long before their deadline an operator is reminded the last time (at most)."""
OVERLAP = timedelta(minutes=5)
"""How far before the previous round each round looks again."""
ACCOUNTS_PER_STATEMENT = 500
"""Accounts whose operators one statement reads, when many accounts changed at once."""
_ROUND_ID = 1
"""The id of the one ``DeadlineRound`` row."""
_MARKS = (FIRST_REMINDER, LAST_REMINDER, timedelta(0))
"""The instants, before a deadline, at which something becomes due."""


@dataclass(frozen=True)
class RoundReport:
    """What one round did."""

    first_reminders: int = 0
    last_reminders: int = 0
    overdue_events: int = 0


@dataclass(frozen=True)
class _Rule:
    """An account's deadline rule: its grace period and scheduled enforcement."""

    grace_period_hours: int
    enforce_from: datetime | None

    def at(self, now: datetime) -> Deadlines:
        return Deadlines(timedelta(hours=self.grace_period_hours), self.enforce_from, now)


@dataclass(frozen=True)
class _Seen:
    """An account to read whole this round, with the rule the job last saw it with."""

    rule: _Rule
    """The rule as read at the start of the round (what the watch will record)."""
    before: _Rule | None
    """The rule the job last applied (None: never seen, or unchanged)."""
    unwatched: bool
    """Whether the watch must be written: the account is new to the job, or changed."""


@dataclass(frozen=True)
class _Candidate:
    """A concerned operator whose deadline may have come within reach."""

    id: int
    account_id: int
    required_since: datetime | None
    override: TwoFactorMode | None
    reminded_7d_for: datetime | None
    reminded_1d_for: datetime | None
    overdue_recorded_for: datetime | None
    rule: _Rule


@dataclass(frozen=True)
class _Due:
    """One thing to do for one operator, for one deadline."""

    candidate: _Candidate
    kind: MailKind | AuditEventKind
    deadline: datetime


_MARK_COLUMN: dict[MailKind | AuditEventKind, str] = {
    MailKind.TWO_FACTOR_REMINDER: "reminded_7d_for",
    MailKind.TWO_FACTOR_LAST_REMINDER: "reminded_1d_for",
    AuditEventKind.TWO_FACTOR_OVERDUE: "overdue_recorded_for",
}
"""The column of the operator's row that records each thing done, and for which deadline."""

_CANDIDATES = """
SELECT o.id AS id, o.account_id AS account_id, o.two_factor_required_since AS required_since,
  o.two_factor_override AS override, o.reminded_7d_for AS reminded_7d_for,
  o.reminded_1d_for AS reminded_1d_for, o.overdue_recorded_for AS overdue_recorded_for,
  a.two_factor_grace_period_hours AS grace, a.two_factor_enforce_from AS enforce_from
FROM operators o JOIN accounts a ON a.id = o.account_id
WHERE o.status = {active} AND NOT o.uses_single_sign_on AND o.two_factor_configured_at IS NULL
  AND (o.two_factor_override = {required}
       OR (o.two_factor_override IS NULL AND a.two_factor_default = {required}))
  AND {where}
"""
"""Concerned operators (required, active, not single sign-on, no 2FA) meeting ``where``."""

_ACCOUNTS = """
SELECT a.id AS id, a.two_factor_grace_period_hours AS grace,
  a.two_factor_enforce_from AS enforce_from, w.id AS watch,
  w.grace_period_hours AS watched_grace, w.enforce_from AS watched_enforce_from
FROM accounts a LEFT JOIN deadline_watches w ON w.account_id = a.id
WHERE w.id IS NULL OR w.grace_period_hours <> a.two_factor_grace_period_hours
  OR (w.enforce_from IS NULL) <> (a.two_factor_enforce_from IS NULL)
  OR w.enforce_from <> a.two_factor_enforce_from OR {crossing}
"""
"""Accounts never seen, whose rule changed, or whose enforcement crossed a mark."""


class _Statement:
    """One parameterized statement in the dialect of the default connection."""

    def __init__(self) -> None:
        self.connection = get_connection("default")
        self.postgres = self.connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def param(self, value: Any) -> str:
        """Bind ``value``; return its numbered placeholder (which may appear several times)."""
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else f"?{len(self.values)}"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        return await self.connection.execute_query_dict(sql, self.values)


class ReminderJob(PeriodicJob):
    """Sends the reminders and records the overdue events, forever or one round at a time."""

    def __init__(self, deps: Dependencies, period_seconds: float = PERIOD.total_seconds()) -> None:
        super().__init__(period_seconds, logger)
        self._deps = deps

    async def run_once(self) -> RoundReport:
        """Do what is due now; return how many reminders and events this round made."""
        now = self._deps.now()
        stored = await DeadlineRound.get_or_none(id=_ROUND_ID)
        checked_until = stored.checked_until if stored is not None else None
        since = (checked_until or now) - OVERLAP
        accounts = await _accounts_to_read(since, now)
        candidates = await _candidates(since, now, accounts)
        due = sorted(
            (
                item
                for candidate in candidates
                if (item := _due(candidate, now, since, checked_until, accounts)) is not None
            ),
            key=lambda item: item.candidate.id,
        )
        done: dict[MailKind | AuditEventKind, int] = dict.fromkeys(_MARK_COLUMN, 0)
        failed = 0
        for item in due:
            try:
                if await self._do(item, now):
                    done[item.kind] += 1
            except Exception:  # one operator must not hold up the others
                logger.exception("%s for operator %s failed", item.kind, item.candidate.id)
                failed += 1
        if not failed:
            await _watch(accounts)
            await _checked(now, first=checked_until is None)
        report = RoundReport(
            first_reminders=done[MailKind.TWO_FACTOR_REMINDER],
            last_reminders=done[MailKind.TWO_FACTOR_LAST_REMINDER],
            overdue_events=done[AuditEventKind.TWO_FACTOR_OVERDUE],
        )
        if any(done.values()):
            logger.info(
                "Reminded %d (first) and %d (last), recorded %d overdue",
                report.first_reminders, report.last_reminders, report.overdue_events,
            )  # fmt: skip
        return report

    async def _do(self, item: _Due, now: datetime) -> bool:
        """Claim ``item`` and do it, in one transaction; False when it was not to be had.

        Another process did it, or the operator changed since they were read (set up 2FA,
        was deactivated, became required anew, changed mode): then nothing is done.
        """
        candidate, deadline = item.candidate, item.deadline
        column = _MARK_COLUMN[item.kind]
        async with in_transaction():
            # The account first, as set_account_default holds it: a change of its rule
            # either commits before (and is seen here) or waits for this one.
            if not await _rule_unchanged(candidate):
                return False
            unset: dict[str, Any] = {f"{column}__isnull": True}
            other: dict[str, Any] = {f"{column}__not": deadline}
            claimed = (
                await _still_concerned(candidate)
                .filter(Q(**unset) | Q(**other))
                .update(**{column: deadline})
            )
            if claimed != 1:
                return False
            if isinstance(item.kind, MailKind):
                await self._remind(item.kind, candidate.id, deadline, now)
            else:
                await audit.record(
                    AuditEventKind.TWO_FACTOR_OVERDUE,
                    account_id=candidate.account_id,
                    target_id=candidate.id,
                    now=now,
                    details={
                        "from": TwoFactorCompliance.PENDING.value,
                        "to": TwoFactorCompliance.OVERDUE.value,
                        "deadline": deadline.isoformat(),
                    },
                )
        return True

    async def _remind(
        self, kind: MailKind, operator_id: int, deadline: datetime, now: datetime
    ) -> None:
        """Queue a reminder with a fresh setup link (replacing older links, as a login does)."""
        operator = await Operator.get(id=operator_id)
        token = await tokens.issue(operator.id, TokenPurpose.SETUP_FROM_EMAIL, now)
        await notify(
            self._deps,
            kind,
            operator,
            now,
            link=self._deps.outbox.link(SETUP_PATH, token),
            deadline=deadline.strftime("%Y-%m-%d %H:%M UTC"),
            remaining=remaining_words(deadline - now),
        )


async def _rule_unchanged(candidate: _Candidate) -> bool:
    """Lock the operator's account; tell whether it still requires them under the rule read.

    An administrator who changed the grace period, the scheduled enforcement or the
    default since the round read the operator makes the item stale: it is left to the
    next round, which computes it afresh.
    """
    account = await Account.filter(id=candidate.account_id).select_for_update(no_key=True).first()
    if account is None:
        return False
    rule = _Rule(account.two_factor_grace_period_hours, account.two_factor_enforce_from)
    required = (
        candidate.override is not None or account.two_factor_default is TwoFactorMode.REQUIRED
    )
    return required and rule == candidate.rule


def _still_concerned(candidate: _Candidate) -> QuerySet[Operator]:
    """Return the operator's row, if they are still as they were read: concerned, same start."""
    query = Operator.filter(
        id=candidate.id,
        status=OperatorStatus.ACTIVE,
        uses_single_sign_on=False,
        two_factor_configured_at__isnull=True,
    )
    if candidate.required_since is None:
        query = query.filter(two_factor_required_since__isnull=True)
    else:
        query = query.filter(two_factor_required_since=candidate.required_since)
    if candidate.override is None:
        return query.filter(two_factor_override__isnull=True)
    return query.filter(two_factor_override=candidate.override)


def _due(
    candidate: _Candidate,
    now: datetime,
    since: datetime,
    checked_until: datetime | None,
    accounts: dict[int, _Seen],
) -> _Due | None:
    """Return what is due for the operator now, if anything (the deadline rule is Python's).

    Before the deadline: the last reminder within LAST_REMINDER of it, else the first
    within FIRST_REMINDER, unless already sent for this deadline. After it: the overdue
    event, unless recorded for this deadline, if the operator was before it until lately:
    the deadline passed since the previous round (after they became required), or the
    account's rule changed and they were before their old deadline at the previous round.
    """
    deadline = candidate.rule.at(now).ends_at(candidate.required_since)
    if deadline is None:
        return _deadline_removed(candidate, now, checked_until, accounts)
    if deadline > now:
        if deadline - now <= LAST_REMINDER:
            kind: MailKind | AuditEventKind = MailKind.TWO_FACTOR_LAST_REMINDER
            done = candidate.reminded_1d_for
        elif deadline - now <= FIRST_REMINDER:
            kind, done = MailKind.TWO_FACTOR_REMINDER, candidate.reminded_7d_for
        else:
            return None
        return _Due(candidate, kind, deadline) if done != deadline else None
    if candidate.overdue_recorded_for == deadline:
        return None
    started = candidate.required_since
    passed_lately = deadline > since and (started is None or deadline > started)
    seen = accounts.get(candidate.account_id)
    moved_into_the_past = False
    if seen is not None and seen.before is not None and checked_until is not None:
        before = seen.before.at(checked_until).ends_at(started)
        was_required = started is None or started <= checked_until
        moved_into_the_past = was_required and before is not None and before > checked_until
    if passed_lately or moved_into_the_past:
        return _Due(candidate, AuditEventKind.TWO_FACTOR_OVERDUE, deadline)
    return None


def _deadline_removed(
    candidate: _Candidate,
    now: datetime,
    checked_until: datetime | None,
    accounts: dict[int, _Seen],
) -> _Due | None:
    """Return the overdue event of an operator whose deadline the account's rule removed.

    A grace period set to 0 (with no date ahead) leaves a pending operator with no deadline:
    overdue at once. The event is keyed by ``now``, the moment they became overdue; later
    rounds find no deadline and nothing more to do.
    """
    seen = accounts.get(candidate.account_id)
    if seen is None or seen.before is None or checked_until is None:
        return None
    started = candidate.required_since
    before = seen.before.at(checked_until).ends_at(started)
    was_required = started is None or started <= checked_until
    if not (was_required and before is not None and before > checked_until):
        return None
    if candidate.overdue_recorded_for is not None and candidate.overdue_recorded_for >= before:
        return None
    return _Due(candidate, AuditEventKind.TWO_FACTOR_OVERDUE, now)


async def _accounts_to_read(since: datetime, now: datetime) -> dict[int, _Seen]:
    """Return the accounts whose operators must all be looked at this round.

    Those never seen, those whose rule changed since the job last applied it, and those
    whose scheduled enforcement crossed a mark since ``since``. One statement that reads
    each account's row (a narrow table), no operator.
    """
    statement = _Statement()
    crossing = " OR ".join(
        f"(a.two_factor_enforce_from > {statement.param(since + mark)} "
        f"AND a.two_factor_enforce_from <= {statement.param(now + mark)})"
        for mark in _MARKS
    )
    rows = await statement.rows(_ACCOUNTS.format(crossing=crossing))
    seen = {}
    for row in rows:
        rule = _Rule(row["grace"], _instant(row["enforce_from"]))
        watched = None
        if row["watch"] is not None:
            watched = _Rule(row["watched_grace"], _instant(row["watched_enforce_from"]))
        changed = watched != rule
        seen[row["id"]] = _Seen(rule, watched if changed else None, unwatched=changed)
    return seen


async def _candidates(
    since: datetime, now: datetime, accounts: dict[int, _Seen]
) -> list[_Candidate]:
    """Return the concerned operators who may have something due, each once.

    The ranges of ``two_factor_required_since`` (grace periods whose end crossed a mark,
    operators newly required) take one statement; the accounts to read whole, one more per
    ACCOUNTS_PER_STATEMENT of them.
    """
    ranges = await _required_since_ranges(since, now)
    found: dict[int, _Candidate] = {}
    account_ids = sorted(accounts)
    chunks = [
        account_ids[start : start + ACCOUNTS_PER_STATEMENT]
        for start in range(0, len(account_ids), ACCOUNTS_PER_STATEMENT)
    ] or [[]]
    for number, chunk in enumerate(chunks):
        statement = _Statement()
        branches = []
        # Placeholders in the order they appear: the head of _CANDIDATES comes first.
        active = statement.param(OperatorStatus.ACTIVE.value)
        required = statement.param(TwoFactorMode.REQUIRED.value)
        if number == 0:
            branches += [
                f"(o.two_factor_required_since > {statement.param(low)} "
                f"AND o.two_factor_required_since <= {statement.param(high)})"
                for low, high in ranges
            ]
        if chunk:
            ids = ", ".join(statement.param(account_id) for account_id in chunk)
            branches.append(f"o.account_id IN ({ids})")
        if not branches:
            continue
        # Each branch is a statement of its own, read through its own index.
        sql = " UNION ALL ".join(
            _CANDIDATES.format(active=active, required=required, where=branch)
            for branch in branches
        )
        for row in await statement.rows(sql):
            found.setdefault(row["id"], _candidate(row))
    return list(found.values())


async def _required_since_ranges(since: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    """Return the ranges of ``two_factor_required_since`` worth reading, merged.

    For each grace period an account has, the starts whose grace period's end crossed a
    mark between ``since`` and ``now``; and the starts in that time itself (operators newly
    required). Ranges wholly after ``now`` hold nobody and are left out. One statement.
    """
    statement = _Statement()
    rows = await statement.rows(
        "SELECT DISTINCT two_factor_grace_period_hours AS grace FROM accounts "
        "WHERE two_factor_grace_period_hours > 0"
    )
    ranges = [(since, now)]
    for row in rows:
        period = timedelta(hours=row["grace"])
        ranges += [(since + mark - period, now + mark - period) for mark in _MARKS]
    return _merged(low_high for low_high in ranges if low_high[0] < now)


def _merged(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Return the union of half-open ranges (low, high] as few disjoint ranges, in order."""
    merged: list[tuple[datetime, datetime]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _candidate(row: dict[str, Any]) -> _Candidate:
    return _Candidate(
        id=row["id"],
        account_id=row["account_id"],
        required_since=_instant(row["required_since"]),
        override=TwoFactorMode(row["override"]) if row["override"] is not None else None,
        reminded_7d_for=_instant(row["reminded_7d_for"]),
        reminded_1d_for=_instant(row["reminded_1d_for"]),
        overdue_recorded_for=_instant(row["overdue_recorded_for"]),
        rule=_Rule(row["grace"], _instant(row["enforce_from"])),
    )


_INSTANT = Operator._meta.fields_map["created_at"]
"""An instant column: how the driver's values of every instant column are read."""


def _instant(value: Any) -> datetime | None:
    return instant(_INSTANT, value)


async def _watch(accounts: dict[int, _Seen]) -> None:
    """Record the rule each new or changed account was read with (the job applied it now)."""
    accounts = {account_id: seen for account_id, seen in accounts.items() if seen.unwatched}
    if not accounts:
        return
    await DeadlineWatch.bulk_create(
        [
            DeadlineWatch(
                account_id=account_id,
                grace_period_hours=seen.rule.grace_period_hours,
                enforce_from=seen.rule.enforce_from,
            )
            for account_id, seen in accounts.items()
        ],
        on_conflict=["account_id"],
        update_fields=["grace_period_hours", "enforce_from"],
        batch_size=ACCOUNTS_PER_STATEMENT,
    )


async def _checked(now: datetime, *, first: bool) -> None:
    """Move the round's mark forward to ``now`` (never back: another process may be ahead)."""
    moved = await DeadlineRound.filter(id=_ROUND_ID, checked_until__lt=now).update(
        checked_until=now
    )
    if not moved and first:
        await DeadlineRound.bulk_create(
            [DeadlineRound(id=_ROUND_ID, checked_until=now)], ignore_conflicts=True
        )


def remaining_words(left: timedelta) -> str:
    """Return a time left in words, to the nearest hour: "7 days", "2 days and 5 hours"."""
    hours = round(left.total_seconds() / 3600)
    if hours < 1:
        return "less than an hour"
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return " and ".join(parts)
