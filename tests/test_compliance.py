"""Compliance and scheduled enforcement: one deadline rule for the Python checks, the SQL of
lists and counts, and logins; every boundary crossed with a moved clock."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.connection import get_connection

from models import Operator, OperatorStatus, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.operators import deadlines_of, directory, policies_of
from services.policy import (
    Deadlines,
    PolicySource,
    TwoFactorCompliance,
    TwoFactorState,
    compliance_of,
)
from tests.support import (
    PASSWORD,
    SEED,
    GraphQLClient,
    add_operator,
    gid,
    give_state,
    make_team,
    plan_of,
    seed_operators,
    session_for,
    stop_senders,
)
from twofa.metrics import CachedComplianceTotals
from twofa.sql_log import StatementCounter

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SET_DEFAULT = """mutation ($input: SetAccountTwoFactorDefaultInput!) {
  setAccountTwoFactorDefault(input: $input) { account { twoFactorEnforceFrom }
  userErrors { code field } } }"""
POLICY = """query ($id: ID!) { node(id: $id) { ... on Operator { effectiveTwoFactorPolicy {
  compliance setupDeadline } } } }"""


@pytest.mark.parametrize(
    ("period", "enforce_from", "required_since", "deadline"),
    [
        (72 * HOUR, None, NOW - 71 * HOUR, NOW + HOUR),
        (72 * HOUR, None, NOW - 72 * HOUR, None),  # the deadline itself is past
        (72 * HOUR, None, None, None),
        (timedelta(0), None, NOW - HOUR, None),
        (timedelta(0), NOW + HOUR, None, NOW + HOUR),
        (timedelta(0), NOW, NOW, None),
        (72 * HOUR, NOW + 5 * HOUR, NOW - 71 * HOUR, NOW + 5 * HOUR),  # the later one
        (72 * HOUR, NOW + HOUR, NOW - 70 * HOUR, NOW + 2 * HOUR),  # the later one
        (72 * HOUR, NOW - HOUR, NOW - 73 * HOUR, None),
    ],
)
def test_the_deadline_is_the_later_of_grace_and_enforcement(
    period: timedelta,
    enforce_from: datetime | None,
    required_since: datetime | None,
    deadline: datetime | None,
) -> None:
    rule = Deadlines(period=period, enforce_from=enforce_from, now=NOW)
    assert rule.deadline(required_since) == deadline
    assert rule.running(required_since) is (deadline is not None)


def test_compliance_table() -> None:
    required, optional = TwoFactorMode.REQUIRED, TwoFactorMode.OPTIONAL
    default, sso = PolicySource.ACCOUNT_DEFAULT, PolicySource.SINGLE_SIGN_ON
    configured, missing = TwoFactorState.CONFIGURED, TwoFactorState.NOT_CONFIGURED

    def of(mode: TwoFactorMode, source: PolicySource, state: TwoFactorState, **facts: bool) -> str:
        facts = {"invited": False, "before_deadline": False, **facts}
        return compliance_of(mode, source, state, **facts).value

    assert of(TwoFactorMode.DISABLED, sso, missing) == "EXEMPT"
    assert of(optional, default, missing) == "NOT_REQUIRED"
    assert of(required, default, configured) == "COMPLIANT"
    assert of(required, default, TwoFactorState.PENDING, before_deadline=True) == "PENDING"
    assert of(required, default, missing, invited=True) == "PENDING"
    assert of(required, default, missing) == "OVERDUE"


@pytest.mark.parametrize("enforcement", ["none", "ahead", "passed"])
async def test_sql_compliance_agrees_with_the_python_rule(
    app: object, hasher: PasswordHasher, clock: FrozenClock, enforcement: str
) -> None:
    """Every combination of override, single sign-on, status, state and grace start, in an
    account with a 72-hour grace period: the list, its filter and the counts agree with
    the policy each operator's page shows."""
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    now = clock.now()
    team.account.two_factor_grace_period_hours = 72
    team.account.two_factor_enforce_from = {
        "none": None,
        "ahead": now + 100 * HOUR,
        "passed": now - HOUR,
    }[enforcement]
    await team.account.save()
    starts = [None, now - 71 * HOUR, now - 72 * HOUR, now - 200 * HOUR]
    combos = itertools.product(
        [None, TwoFactorMode.REQUIRED, TwoFactorMode.OPTIONAL],
        [False, True],
        [OperatorStatus.ACTIVE, OperatorStatus.INVITED],
        [TwoFactorState.CONFIGURED, TwoFactorState.PENDING, TwoFactorState.NOT_CONFIGURED],
        starts,
    )
    for n, (override, sso, status, state, since) in enumerate(combos):
        operator = await add_operator(
            team.account, f"op{n}@acme.example", hasher, clock,
            override=override, uses_single_sign_on=sso, status=status,
        )  # fmt: skip
        operator.two_factor_required_since = since
        await operator.save(update_fields=["two_factor_required_since"])
        await give_state(operator, state, clock)
    operators = await Operator.filter(account_id=team.account.id)
    expected = {
        key: policy.compliance for key, policy in (await policies_of(operators, now)).items()
    }
    deadlines = deadlines_of(team.account, now)
    counts = await directory.policy_counts(team.account.id, deadlines)
    tally = {
        kind: sum(1 for value in expected.values() if value is kind) for kind in TwoFactorCompliance
    }
    assert counts.by_compliance == {kind: n for kind, n in tally.items() if n}
    for kind in TwoFactorCompliance:
        where = directory.OperatorFilter(compliance=(kind,))
        page, more = await directory.operator_page(team.account.id, deadlines, where, limit=100)
        wanted = {key for key, value in expected.items() if value is kind}
        assert not more and {row.id for row in page} == wanted, kind
    assert {value for value in expected.values()} == (
        set(TwoFactorCompliance)
        if enforcement != "ahead"
        else set(TwoFactorCompliance) - {TwoFactorCompliance.OVERDUE}
    )


async def policy_of(gql: GraphQLClient, token: str, operator: Operator) -> dict[str, str]:
    """The operator's compliance and setup deadline, as an administrator reads them."""
    data = await gql.data(POLICY, {"id": gid(operator)}, token=token)
    policy: dict[str, str] = data["node"]["effectiveTwoFactorPolicy"]
    return policy


async def test_scheduled_enforcement_moves_every_deadline_at_once_both_ways(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    start = clock.now()
    admin = await session_for(team.admin, clock)
    set_to = {
        "mode": "REQUIRED",
        "gracePeriodHours": 24,
        "enforceFrom": (start + 72 * HOUR).isoformat(),
    }
    data = await gql.data(SET_DEFAULT, {"input": set_to}, token=admin)
    assert data["setAccountTwoFactorDefault"]["userErrors"] == []
    assert (
        data["setAccountTwoFactorDefault"]["account"]["twoFactorEnforceFrom"]
        == (start + 72 * HOUR).isoformat()
    )

    async def seen() -> dict[str, str]:
        return await policy_of(gql, await session_for(team.admin, clock), team.basic)

    async def password_login() -> str:
        outcome: str = (await gql.login(team.basic.email, PASSWORD))["outcome"]
        return outcome

    assert await seen() == {
        "compliance": "PENDING",
        "setupDeadline": (start + 72 * HOUR).isoformat(),
    }
    clock.advance(72 * HOUR - timedelta(seconds=1))
    assert (await seen())["compliance"] == "PENDING"
    assert await password_login() == "AUTHENTICATED"
    clock.advance(timedelta(seconds=1))
    assert await seen() == {"compliance": "OVERDUE", "setupDeadline": None}
    assert await password_login() != "AUTHENTICATED"

    # Extending the date helps those already overdue, at once.
    later = {**set_to, "enforceFrom": (clock.now() + 10 * HOUR).isoformat()}
    await gql.data(SET_DEFAULT, {"input": later}, token=await session_for(team.admin, clock))
    assert await seen() == {
        "compliance": "PENDING",
        "setupDeadline": (clock.now() + 10 * HOUR).isoformat(),
    }
    assert await password_login() == "AUTHENTICATED"
    # Shortening it catches those still pending, at once.
    sooner = {**set_to, "enforceFrom": (clock.now() + HOUR).isoformat()}
    await gql.data(SET_DEFAULT, {"input": sooner}, token=await session_for(team.admin, clock))
    clock.advance(HOUR)
    assert (await seen())["compliance"] == "OVERDUE"
    assert await password_login() != "AUTHENTICATED"


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [(timedelta(days=180), True), (timedelta(days=180, seconds=1), False), (-HOUR, False)],
)
async def test_enforcement_is_scheduled_at_most_180_days_ahead(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    ahead: timedelta,
    accepted: bool,
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    when = (clock.now() + ahead).isoformat()
    data = await gql.data(
        SET_DEFAULT, {"input": {"mode": "REQUIRED", "enforceFrom": when}}, token=admin
    )
    errors = data["setAccountTwoFactorDefault"]["userErrors"]
    if accepted:
        assert errors == []
    else:
        assert errors == [{"code": "INVALID_INPUT", "field": ["input", "enforceFrom"]}]


async def test_the_summary_counts_each_compliance_state(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await add_operator(team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True)
    await add_operator(team.account, "opt@acme.example", hasher, clock,
                       override=TwoFactorMode.OPTIONAL)  # fmt: skip
    await add_operator(team.account, "new@acme.example", hasher, clock,
                       status=OperatorStatus.INVITED)  # fmt: skip
    data = await gql.data(
        """{ viewer { account { twoFactorSummary { compliant pending overdue exempt notRequired
        totalOperators } } } }""",
        token=await session_for(team.admin, clock),
    )
    assert data["viewer"]["account"]["twoFactorSummary"] == {
        "compliant": 0,
        "pending": 1,  # invited
        "overdue": 2,  # the administrator and the basic operator: no grace period
        "exempt": 1,
        "notRequired": 1,
        "totalOperators": 5,
    }


async def test_the_all_accounts_totals_agree_with_each_accounts_counts(
    app: object, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """The metrics' one aggregate statement applies each account's own grace period and
    enforcement in the database's date arithmetic; it must agree with the per-account rule
    at every boundary."""
    now = clock.now()
    accounts = []
    for n, (grace, enforce_from) in enumerate(
        [(0, None), (72, None), (72, now + HOUR), (24, now - HOUR), (1, None)]
    ):
        team = await make_team(
            hasher, clock, name=f"A{n}", domain=f"a{n}.example", default=TwoFactorMode.REQUIRED
        )
        team.account.two_factor_grace_period_hours = grace
        team.account.two_factor_enforce_from = enforce_from
        await team.account.save()
        for m, since in enumerate(
            [
                None,
                now,
                now - 71 * HOUR,
                now - 72 * HOUR,
                now - 73 * HOUR,
                now - 30 * timedelta(minutes=1),
            ]
        ):
            operator = await add_operator(team.account, f"op{m}@a{n}.example", hasher, clock)
            operator.two_factor_required_since = since
            await operator.save(update_fields=["two_factor_required_since"])
        await add_operator(
            team.account, f"sso@a{n}.example", hasher, clock, uses_single_sign_on=True
        )
        accounts.append(team.account)
    expected: dict[TwoFactorCompliance, int] = {}
    for account in accounts:
        counts = await directory.policy_counts(account.id, deadlines_of(account, now))
        for kind, n in counts.by_compliance.items():
            expected[kind] = expected.get(kind, 0) + n
    assert await directory.compliance_totals(now) == expected
    assert expected[TwoFactorCompliance.PENDING] and expected[TwoFactorCompliance.OVERDUE]


async def test_metrics_count_operators_by_compliance_at_most_every_fifteen_seconds(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    cache = CachedComplianceTotals()
    first = await cache.get(clock.now())
    assert first == {TwoFactorCompliance.OVERDUE: 2}
    await add_operator(team.account, "late@acme.example", hasher, clock)
    with StatementCounter() as counter:
        assert await cache.get(clock.now()) == first  # cached
    assert counter.statements == []
    assert await CachedComplianceTotals(seconds=0).get(clock.now()) == {
        TwoFactorCompliance.OVERDUE: 3
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        text = (await http.get("/metrics")).text
    series = [line for line in text.splitlines() if line.startswith("twofa_operators{")]
    assert sorted(series) == sorted(
        f'twofa_operators{{compliance="{kind.value.lower()}"}} {3.0 if kind.value == "OVERDUE" else 0.0}'
        for kind in TwoFactorCompliance
    )


@pytest.mark.slow
async def test_a_compliance_filter_over_10000_operators_reads_one_accounts_rows_in_constant_statements(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """The filter is a condition on the account's rows, which SQLite reads through the
    account's index (other accounts' operators are not scanned); the page and its count cost
    what any page does, whatever the filter, on both databases."""
    await stop_senders(app)  # only the request's statements are counted
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await seed_operators(team.account, clock)
    admin = await session_for(team.admin, clock)
    page = """query ($filter: OperatorFilter) { viewer { account {
      operators(first: 100, filter: $filter) { totalCount edges { node { email } } } } } }"""
    for kinds, total in ((["OVERDUE"], SEED + 2), (["COMPLIANT", "EXEMPT"], 0)):
        with StatementCounter() as counter:
            data = await gql.data(page, {"filter": {"compliance": kinds}}, token=admin)
        assert data["viewer"]["account"]["operators"]["totalCount"] == total
        # The session, the page of operators with their policy, the total count.
        assert len(counter.statements) == 3, counter.statements
    if get_connection("default").capabilities.dialect == "postgres":
        # With 10,000 of the table's 11,000 rows in the account, PostgreSQL rightly reads
        # the table; its plan says nothing about the filter (and ANALYZE here would leave
        # statistics that slow the next bulk test down).
        return
    [(statement, parameters)] = [
        (sql, values)
        for sql, values in zip(counter.statements, counter.parameters, strict=True)
        if "compliance IN" in sql and "LIMIT" in sql
    ]
    plan = await plan_of(statement, parameters)
    assert re.search(r"SEARCH o USING (COVERING )?INDEX \w+ \(account_id=\?", plan), plan
    assert not re.search(r"\bSCAN o\b", plan), plan


async def test_the_all_accounts_totals_are_exact_to_the_microsecond(
    app: object, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Deadlines a microsecond either side of the instant of the count, in accounts with
    different grace periods: SQLite's date functions must not round them."""
    now = clock.now() + timedelta(microseconds=123456)
    micro = timedelta(microseconds=1)
    accounts = []
    for n, grace in enumerate([1, 13, 719]):
        team = await make_team(
            hasher, clock, name=f"B{n}", domain=f"b{n}.example", default=TwoFactorMode.REQUIRED
        )
        team.account.two_factor_grace_period_hours = grace
        await team.account.save()
        for m, offset in enumerate([0, 1, 400, 999, -1, -400, 123456, -123456]):
            operator = await add_operator(team.account, f"op{m}@b{n}.example", hasher, clock)
            operator.two_factor_required_since = now - timedelta(hours=grace) + offset * micro
            await operator.save(update_fields=["two_factor_required_since"])
        accounts.append(team.account)
    expected: dict[TwoFactorCompliance, int] = {}
    for account in accounts:
        counts = await directory.policy_counts(account.id, deadlines_of(account, now))
        for kind, count in counts.by_compliance.items():
            expected[kind] = expected.get(kind, 0) + count
    assert await directory.compliance_totals(now) == expected
    assert expected[TwoFactorCompliance.PENDING] == 3 * 4  # the four offsets after the instant
