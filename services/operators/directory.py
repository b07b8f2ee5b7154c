"""Lists and counts of an account's operators by effective policy, computed in SQL.

Statements are assembled from fixed SQL text and placeholders only; every value travels as
a bound parameter (hence the S608 exemptions below).

The effective mode and state are derived in one SQL expression (the same rules as
``services.policy``, which a test holds them to), so filtering, paging and the compliance
summary each cost one statement whatever the account's size.

Search is a prefix match on the case-folded email and name, written as ranges on the
indexed columns ``(account_id, email_folded)`` and ``(account_id, name_key)``: each
keystroke reads the matching index entries, not all of the account's operators
(BENCHMARKS.md shows the plans). A range is a prefix match only where text sorts by code
point: always on SQLite (BINARY), on PostgreSQL under the C, POSIX or C.UTF-8 collations.
Under a linguistic collation (Czech sorts "ch" after "h", so ``chris@x`` falls outside the
range from ``c`` to ``d``) the comparison is made in the C collation instead: still exact,
but reading all of the account's index entries rather than the prefix's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tortoise.connection import get_connection

from models import Operator
from models.enums import OperatorRole, OperatorStatus, TwoFactorMode
from services.machinery.model_rows import build, datetime_columns, model_columns
from services.policy import Deadlines, TwoFactorCompliance, TwoFactorState, requires_setup
from services.validation import email_search_key, is_storable, name_key

_POLICY_VIEW = """
SELECT o.id AS id, o.role AS role, o.status AS status,{operator_columns}
  o.uses_single_sign_on AS sso, {required_since} AS required_since,
  CASE WHEN o.uses_single_sign_on THEN 'DISABLED'
       WHEN o.two_factor_override IS NOT NULL THEN o.two_factor_override
       ELSE {default_mode} END AS mode,
  CASE WHEN o.two_factor_configured_at IS NOT NULL THEN 'CONFIGURED'
       WHEN au.pending_expires_at > {now} THEN 'PENDING'
       ELSE 'NOT_CONFIGURED' END AS state
FROM operators o
JOIN accounts a ON a.id = o.account_id
LEFT JOIN authenticators au ON au.operator_id = o.id
WHERE o.account_id = {account}{search}
"""

_COMPLIANCE = """
SELECT p.*,
  CASE WHEN p.sso THEN 'EXEMPT'
       WHEN p.mode <> {required} THEN 'NOT_REQUIRED'
       WHEN NOT {setup_required} THEN 'COMPLIANT'
       WHEN p.status = {invited} OR {before_deadline} THEN 'PENDING'
       ELSE 'OVERDUE' END AS compliance
FROM ({view}) p
"""
"""Adds each operator's compliance to the policy view, as ``policy.compliance_of`` says."""

_CODE_POINT_COLLATIONS = frozenset({"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"})
"""PostgreSQL collations that order text by code point, as prefix ranges need."""
_code_point_order: dict[tuple[str, ...], bool] = {}
"""Per PostgreSQL database, whether its default collation orders by code point."""


@dataclass(frozen=True)
class OperatorFilter:
    """Conditions on the listed operators; None means any."""

    mode: TwoFactorMode | None = None
    state: TwoFactorState | None = None
    setup_required: bool | None = None
    role: OperatorRole | None = None
    status: OperatorStatus | None = None
    compliance: tuple[TwoFactorCompliance, ...] | None = None
    """Any of these compliance states."""
    search: str | None = None
    """Text that the case-folded email or name starts with (blank: any)."""


KEEP: Literal["keep"] = "keep"
"""``Hypothesis.followers_since``: the followers keep when they became required."""


@dataclass(frozen=True)
class Hypothesis:
    """An account default not applied yet: what lists and counts would show under it.

    The account's own grace period and scheduled enforcement are replaced through the
    ``Deadlines`` the view is given; this replaces its default, and when the operators who
    follow it became required (``set_account_default`` writes the same).
    """

    default_mode: TwoFactorMode
    followers_since: datetime | Literal["keep"] | None
    """When active followers of the default became required under it: an instant, none
    (not required), or ``KEEP`` (as stored)."""


@dataclass(frozen=True)
class PolicyRow:
    """An operator of a page with their effective mode and state."""

    id: int
    mode: TwoFactorMode
    state: TwoFactorState
    operator: Operator
    """The whole stored operator, read in the same statement."""


_OPERATOR_PREFIX = "operator_"
"""Prefix of the operator's own columns in the page's statement (``operator_email``, ...)."""


class _Query:
    """Builds one parameterized statement in the dialect of the default connection."""

    def __init__(self) -> None:
        self.connection = get_connection("default")
        self.postgres = self.connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def param(self, value: Any) -> str:
        self.values.append(value)
        # Numbered on both (SQLite's ?NNN), so that the text may use them in any order.
        return f"${len(self.values)}" if self.postgres else f"?{len(self.values)}"

    async def view(
        self,
        account_id: int,
        deadlines: Deadlines,
        where: OperatorFilter | None,
        *,
        operator_columns: tuple[str, ...] = (),
        hypothesis: Hypothesis | None = None,
    ) -> str:
        """Return the policy view of the account's operators, filtered by ``where``.

        ``deadlines`` are the account's (its grace period and scheduled enforcement, at
        the instant of the list). ``operator_columns`` are the operator's own columns to
        return as well, each under its name with ``_OPERATOR_PREFIX`` (none for counts).
        With ``hypothesis``, the view shows the operators as they would be under it.
        """
        head = self.compliance_head(deadlines)
        required_since, default_mode = self.assumed(hypothesis)
        now_param, account = self.param(deadlines.now), self.param(account_id)
        search = ""
        if where is not None and where.search is not None and where.search.strip():
            search = f" AND {await self.search_condition(account_id, where.search)}"
        selected = "".join(
            f' o."{column}" AS "{_OPERATOR_PREFIX}{column}",' for column in operator_columns
        )
        sql = head.replace(
            "{view}",
            _POLICY_VIEW.format(
                operator_columns=selected,
                required_since=required_since,
                default_mode=default_mode,
                now=now_param,
                account=account,
                search=search,
            ),
        )
        conditions = ["1 = 1"]
        if where is not None:
            if where.mode is not None:
                conditions.append(f"mode = {self.param(where.mode.value)}")
            if where.state is not None:
                conditions.append(f"state = {self.param(where.state.value)}")
            if where.role is not None:
                conditions.append(f"role = {self.param(where.role.value)}")
            if where.status is not None:
                conditions.append(f"status = {self.param(where.status.value)}")
            if where.setup_required is not None:
                required = self.setup_required_condition()
                conditions.append(required if where.setup_required else f"NOT {required}")
            if where.compliance is not None:
                chosen = [self.param(value.value) for value in where.compliance] or ["NULL"]
                conditions.append(f"compliance IN ({', '.join(chosen)})")
        return f"SELECT * FROM ({sql}) policy WHERE {' AND '.join(conditions)}"  # noqa: S608

    def assumed(self, hypothesis: Hypothesis | None) -> tuple[str, str]:
        """Return the view's "required since" and "account default" expressions."""
        stored = "o.two_factor_required_since"
        if hypothesis is None:
            return stored, "a.two_factor_default"
        since = stored
        if hypothesis.followers_since != KEEP:
            active = self.param(OperatorStatus.ACTIVE.value)
            value = hypothesis.followers_since
            assumed = self.param(value) if value is not None else "NULL"
            since = (
                "CASE WHEN o.two_factor_override IS NULL AND NOT o.uses_single_sign_on "
                f"AND o.status = {active} THEN {assumed} ELSE {stored} END"
            )
        return since, self.param(hypothesis.default_mode.value)

    def compliance_head(self, deadlines: Deadlines) -> str:
        """Return the statement that adds each operator's compliance to ``{view}``.

        "Before the deadline" is ``Deadlines.running`` in SQL: required since after
        ``required_after``, or an enforcement still ahead.
        """
        required = self.param(TwoFactorMode.REQUIRED.value)
        setup_required = self.setup_required_condition(prefix="p.")
        invited = self.param(OperatorStatus.INVITED.value)
        after = deadlines.required_after
        in_grace = f"p.required_since > {self.param(after)}" if after is not None else "1 = 0"
        ahead = "1 = 1" if deadlines.enforcement_ahead else "1 = 0"
        return _COMPLIANCE.format(
            required=required,
            setup_required=setup_required,
            invited=invited,
            before_deadline=f"({in_grace} OR {ahead})",
            view="{view}",
        )

    def setup_required_condition(self, prefix: str = "") -> str:
        """Return the SQL condition "must still set up 2FA", derived from ``requires_setup``.

        It lists the (mode, state) pairs the Python rule marks, so the two cannot disagree.
        """
        pairs = [
            f"({prefix}mode = {self.param(mode.value)} "
            f"AND {prefix}state = {self.param(state.value)})"
            for mode in TwoFactorMode
            for state in TwoFactorState
            if requires_setup(mode, state)
        ]
        return f"({' OR '.join(pairs)})"

    async def search_condition(self, account_id: int, text: str) -> str:
        """Return "email or name starts with ``text``", folded as the stored keys are.

        The matching ids come from two range scans, one on each index (the account first,
        then the prefix), so a search reads the index entries that match, never the whole
        account; without statistics, a plain OR would let SQLite walk the account by id for
        the sake of the ORDER BY. Text that no stored key can hold matches nothing.
        """
        keys = search_keys(text)
        if keys is None:
            return "1 = 0"
        collate = "" if await self._orders_by_code_point() else ' COLLATE "C"'
        scans = []
        for column, prefix in (("email_folded", keys[0]), ("name_key", keys[1])):
            conditions = [
                f"account_id = {self.param(account_id)}",
                f"{column}{collate} >= {self.param(prefix)}",
            ]
            upper = prefix_successor(prefix)
            if upper is not None:
                conditions.append(f"{column}{collate} < {self.param(upper)}")
            scans.append(f"SELECT id FROM operators WHERE {' AND '.join(conditions)}")  # noqa: S608
        return f"o.id IN ({' UNION ALL '.join(scans)})"

    async def _orders_by_code_point(self) -> bool:
        """Tell whether the database compares text by code point (checked once per database)."""
        if not self.postgres:
            return True  # SQLite's BINARY collation compares UTF-8 bytes: code point order
        key = tuple(
            str(getattr(self.connection, name, "")) for name in ("host", "port", "database")
        )
        if key not in _code_point_order:
            rows = await self.connection.execute_query_dict(
                "SELECT datcollate AS collation, to_jsonb(d) ->> 'datlocprovider' AS provider "
                "FROM pg_database d WHERE datname = current_database()"
            )
            _code_point_order[key] = bool(rows) and _is_code_point_order(rows[0])
        return _code_point_order[key]

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        return await self.connection.execute_query_dict(sql, self.values)


def _is_code_point_order(database: dict[str, Any]) -> bool:
    """Tell from a pg_database row whether its default collation orders by code point.

    With libc (provider ``c``, or no provider column before PostgreSQL 15) it depends on
    ``datcollate``; the builtin provider of PostgreSQL 17 always does; ICU never does.
    """
    provider = database.get("provider")
    if provider in (None, "c"):
        return str(database.get("collation")) in _CODE_POINT_COLLATIONS
    return bool(provider == "b")


def search_keys(text: str) -> tuple[str, str] | None:
    """Return the prefixes to look for in ``email_folded`` and ``name_key``.

    Folded as the stored keys are (``services.validation``): a whole address becomes its
    email key (domain in IDNA form), other text is case-folded; names are case-folded.
    None when the text could not be stored (NUL, lone surrogates): no key starts with it.
    """
    text = text.strip()
    if not is_storable(text):
        return None
    return email_search_key(text), name_key(text)


_SURROGATES = range(0xD800, 0xE000)
_MAX_CODE_POINT = 0x10FFFF


def prefix_successor(prefix: str) -> str | None:
    """Return the least text above every text that starts with ``prefix`` (code point order).

    ``prefix <= s < prefix_successor(prefix)`` holds exactly for the texts ``s`` that start
    with ``prefix``: the last character that can be raised is raised (skipping surrogates,
    which cannot be stored). None when there is no such bound (only U+10FFFF characters).
    """
    chars = list(prefix)
    while chars:
        last = ord(chars.pop()) + 1
        if last in _SURROGATES:
            last = _SURROGATES.stop
        if last <= _MAX_CODE_POINT:
            return "".join(chars) + chr(last)
    return None


async def operator_page(
    account_id: int,
    deadlines: Deadlines,
    where: OperatorFilter | None,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    limit: int,
    from_end: bool = False,
    hypothesis: Hypothesis | None = None,
) -> tuple[list[PolicyRow], bool]:
    """Return up to ``limit`` matching operators between the cursors, in id order.

    The flag says whether more match beyond the page: after it, or before it when
    ``from_end`` (paging backwards from the end). One statement reads the page's
    operators whole, with their effective mode and state.
    """
    query = _Query()
    columns = model_columns(Operator)
    sql = await query.view(
        account_id, deadlines, where, operator_columns=columns, hypothesis=hypothesis
    )
    if after_id is not None:
        sql += f" AND id > {query.param(after_id)}"
    if before_id is not None:
        sql += f" AND id < {query.param(before_id)}"
    sql += f" ORDER BY id {'DESC' if from_end else 'ASC'} LIMIT {query.param(limit + 1)}"
    rows = await query.rows(sql)
    times = datetime_columns(Operator)
    page = [
        PolicyRow(
            row["id"],
            TwoFactorMode(row["mode"]),
            TwoFactorState(row["state"]),
            build(Operator, columns, times, (row[_OPERATOR_PREFIX + c] for c in columns)),
        )
        for row in rows[:limit]
    ]
    if from_end:
        page.reverse()
    return page, len(rows) > limit


async def count_operators(
    account_id: int,
    deadlines: Deadlines,
    where: OperatorFilter | None,
    hypothesis: Hypothesis | None = None,
) -> int:
    """Return how many of the account's operators match ``where``."""
    query = _Query()
    view = await query.view(account_id, deadlines, where, hypothesis=hypothesis)
    sql = f"SELECT COUNT(*) AS n FROM ({view}) v"  # noqa: S608
    rows = await query.rows(sql)
    return int(rows[0]["n"])


@dataclass(frozen=True)
class PolicyCounts:
    """An account's operators counted by (effective mode, state) and by compliance."""

    by_mode_and_state: dict[tuple[TwoFactorMode, TwoFactorState], int]
    by_compliance: dict[TwoFactorCompliance, int]


async def policy_counts(
    account_id: int, deadlines: Deadlines, hypothesis: Hypothesis | None = None
) -> PolicyCounts:
    """Count the account's operators by mode, state and compliance, in one statement."""
    query = _Query()
    view = await query.view(account_id, deadlines, None, hypothesis=hypothesis)
    rows = await query.rows(
        f"SELECT mode, state, compliance, COUNT(*) AS n FROM ({view}) v "  # noqa: S608
        "GROUP BY mode, state, compliance"
    )
    cells: dict[tuple[TwoFactorMode, TwoFactorState], int] = {}
    compliance: dict[TwoFactorCompliance, int] = {}
    for row in rows:
        pair = (TwoFactorMode(row["mode"]), TwoFactorState(row["state"]))
        cells[pair] = cells.get(pair, 0) + int(row["n"])
        kind = TwoFactorCompliance(row["compliance"])
        compliance[kind] = compliance.get(kind, 0) + int(row["n"])
    return PolicyCounts(by_mode_and_state=cells, by_compliance=compliance)


_TOTALS = """
SELECT compliance, COUNT(*) AS n FROM (
  SELECT CASE WHEN o.uses_single_sign_on THEN 'EXEMPT'
       WHEN COALESCE(o.two_factor_override, a.two_factor_default) <> {required}
         THEN 'NOT_REQUIRED'
       WHEN o.two_factor_configured_at IS NOT NULL THEN 'COMPLIANT'
       WHEN o.status = {invited} OR {in_grace} OR a.two_factor_enforce_from > {now}
         THEN 'PENDING'
       ELSE 'OVERDUE' END AS compliance
  FROM operators o
  JOIN accounts a ON a.id = o.account_id
) c GROUP BY compliance
"""
"""Every account's operators by compliance: ``compliance_of`` with each account's own
deadline rule, its grace period added in the database's own date arithmetic."""


async def compliance_totals(now: datetime) -> dict[TwoFactorCompliance, int]:
    """Count the operators of all accounts by compliance, in one statement (for metrics).

    Each account's grace period is applied in SQL (``Deadlines.running`` with the period
    added to ``required_since``), since accounts differ; tests hold it to the per-account
    counts.
    """
    query = _Query()
    now_param = query.param(now)
    if query.postgres:
        grace_end = (
            "o.two_factor_required_since + make_interval(hours => a.two_factor_grace_period_hours)"
        )
        in_grace = f"{grace_end} > {now_param}"
    else:
        # Exact to the microsecond, as the view's text comparisons are: whole seconds
        # through strftime (julianday's floating point would misplace the deadline), then
        # the stored fraction, which adding whole hours leaves as it is.
        since = "o.two_factor_required_since"
        ends = (
            f"strftime('%Y-%m-%d %H:%M:%S', {since}, "
            "'+' || a.two_factor_grace_period_hours || ' hours')"
        )
        now_seconds = f"strftime('%Y-%m-%d %H:%M:%S', {now_param})"

        def fraction(stamp: str) -> str:
            return (
                f"CASE WHEN substr({stamp}, 20, 1) = '.' THEN substr({stamp}, 21, 6) "
                "ELSE '000000' END"
            )

        in_grace = (
            f"({ends} > {now_seconds} OR ({ends} = {now_seconds} "
            f"AND {fraction(since)} > {fraction(now_param)}))"
        )
    sql = _TOTALS.format(
        required=query.param(TwoFactorMode.REQUIRED.value),
        invited=query.param(OperatorStatus.INVITED.value),
        in_grace=f"(a.two_factor_grace_period_hours > 0 AND {in_grace})",
        now=now_param,
    )
    rows = await query.rows(sql)
    return {TwoFactorCompliance(row["compliance"]): int(row["n"]) for row in rows}
