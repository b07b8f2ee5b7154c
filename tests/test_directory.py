"""Listing operators by effective policy: SQL that agrees with the policy rules, filters,
paging both ways, a constant number of statements, and the compliance summary."""

from __future__ import annotations

import itertools

from starlette.applications import Starlette

from models import Account, Operator, OperatorRole, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.operators import deadlines_of, directory, policies_of
from services.policy import TwoFactorState
from tests.support import (
    GraphQLClient,
    add_operator,
    give_state,
    make_team,
    session_for,
    stop_senders,
)
from twofa.sql_log import StatementCounter

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $filter: OperatorFilter) {
  viewer { account { operators(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { email account { name } effectiveTwoFactorPolicy { mode state setupRequired } } }
  } } }
}
"""


async def test_sql_view_agrees_with_the_policy_rules_for_every_combination(
    app: object, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    checked = 0
    for default in TwoFactorMode:
        team = await make_team(
            hasher, clock, name=f"A {default}", domain=f"{default.lower()}.example", default=default
        )
        combos = itertools.product(
            [None, *TwoFactorMode], [False, True], [*TwoFactorState, "LAPSED"]
        )
        for n, (override, sso, state) in enumerate(combos):
            operator = await add_operator(
                team.account,
                f"op{n}@{default.lower()}.example",
                hasher,
                clock,
                override=override,
                uses_single_sign_on=sso,
            )
            if state == "LAPSED":
                await give_state(operator, TwoFactorState.NOT_CONFIGURED, clock, lapsed=True)
            else:
                await give_state(operator, state, clock)
        operators = await Operator.filter(account_id=team.account.id)
        expected = await policies_of(operators, clock.now())
        deadlines = deadlines_of(team.account, clock.now())
        rows, more = await directory.operator_page(team.account.id, deadlines, None, limit=100)
        assert not more and len(rows) == len(operators) == 34
        for row in rows:
            assert (row.mode, row.state) == (expected[row.id].mode, expected[row.id].state)
            checked += 1
        # setupRequired is not a column of the SQL view but a condition on it: hold the
        # operators it selects, and those it leaves out, to the Python rule as well.
        for required in (True, False):
            where = directory.OperatorFilter(setup_required=required)
            page, more = await directory.operator_page(team.account.id, deadlines, where, limit=100)
            count = await directory.count_operators(team.account.id, deadlines, where)
            wanted = {i for i, policy in expected.items() if policy.setup_required is required}
            assert wanted, (default, required)  # every account has operators on both sides
            assert not more and {row.id for row in page} == wanted, (default, required)
            assert count == len(wanted), (default, required)
    assert checked == 102


async def test_who_still_has_to_set_up_two_factor_paged_both_ways(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    await give_state(team.admin, TwoFactorState.CONFIGURED, clock)
    for n in range(7):
        op = await add_operator(team.account, f"op{n}@acme.example", hasher, clock)
        if n % 3 == 0:
            await give_state(op, TwoFactorState.CONFIGURED, clock)
    await add_operator(
        team.account, "free@acme.example", hasher, clock, override=TwoFactorMode.OPTIONAL
    )
    # Another account whose operators would match every filter below, were it not another.
    await make_team(
        hasher, clock, name="Other", domain="other.example", default=TwoFactorMode.REQUIRED
    )
    admin = await session_for(team.admin, clock)
    needing = [
        "basic@acme.example",
        "op1@acme.example",
        "op2@acme.example",
        "op4@acme.example",
        "op5@acme.example",
    ]

    forward: list[str] = []
    after = None
    while True:
        page = await gql.data(
            PAGE, {"first": 2, "after": after, "filter": {"setupRequired": True}}, token=admin
        )
        connection = page["viewer"]["account"]["operators"]
        assert connection["totalCount"] == 5
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert all(
            e["node"]["effectiveTwoFactorPolicy"]["setupRequired"] for e in connection["edges"]
        )
        forward += [e["node"]["email"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert forward == needing

    backward: list[str] = []
    before = None
    while True:
        page = await gql.data(
            PAGE, {"last": 2, "before": before, "filter": {"setupRequired": True}}, token=admin
        )
        connection = page["viewer"]["account"]["operators"]
        assert connection["pageInfo"]["hasNextPage"] is (before is not None)
        backward = [e["node"]["email"] for e in connection["edges"]] + backward
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert backward == needing

    everyone = (await gql.data(PAGE, {}, token=admin))["viewer"]["account"]["operators"]
    assert everyone["totalCount"] == 10
    assert [e["node"]["email"] for e in everyone["edges"]] == [
        "admin@acme.example",
        "basic@acme.example",
        *[f"op{n}@acme.example" for n in range(7)],
        "free@acme.example",
    ]
    assert {e["node"]["account"]["name"] for e in everyone["edges"]} == {"Acme"}
    configured = await gql.data(
        PAGE, {"filter": {"state": "CONFIGURED", "role": "BASIC"}}, token=admin
    )
    emails = [e["node"]["email"] for e in configured["viewer"]["account"]["operators"]["edges"]]
    assert emails == ["op0@acme.example", "op3@acme.example", "op6@acme.example"]
    optional = await gql.data(PAGE, {"filter": {"mode": "OPTIONAL"}}, token=admin)
    assert [e["node"]["email"] for e in optional["viewer"]["account"]["operators"]["edges"]] == [
        "free@acme.example"
    ]
    both = await gql.execute(PAGE, {"first": 1, "last": 1}, token=admin)
    assert both["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def statements_for_a_page(gql: GraphQLClient, token: str) -> int:
    with StatementCounter() as counter:
        data = await gql.data(PAGE, {"first": 100}, token=token)
    assert data["viewer"]["account"]["operators"]["edges"]
    return len(counter.statements)


async def quiet_mail(app: Starlette) -> None:
    """Stop the app's mail sender, so that only the request's statements are counted."""
    await stop_senders(app)


async def test_a_page_costs_the_same_statements_for_10_and_100_operators(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await quiet_mail(app)
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for n in range(8):
        await add_operator(
            team.account, f"op{n}@acme.example", hasher, clock, role=OperatorRole.BASIC
        )
    small = await statements_for_a_page(gql, admin)
    await Operator.bulk_create(
        [
            Operator(
                account_id=team.account.id,
                email=f"x{n}@acme.example",
                email_key=f"x{n}@acme.example",
                email_folded=f"x{n}@acme.example",
                name="X",
                name_key="x",
                role=OperatorRole.BASIC,
                status="ACTIVE",
                created_at=clock.now(),
            )
            for n in range(90)
        ]
    )
    large = await statements_for_a_page(gql, admin)
    assert small == large
    # The session (joined with the viewer, their account and authenticator), then the page
    # itself in two statements: the operators with their policy, and the total count (the
    # nodes' account is already loaded).
    assert large == 3


async def test_summary_counts_operators_by_mode_and_state(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await quiet_mail(app)
    team = await make_team(
        hasher, clock, default=TwoFactorMode.REQUIRED
    )  # admin + basic: required, not configured
    await give_state(team.admin, TwoFactorState.CONFIGURED, clock)
    pending = await add_operator(team.account, "p@acme.example", hasher, clock)
    await give_state(pending, TwoFactorState.PENDING, clock)
    await add_operator(team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True)
    await add_operator(
        team.account, "opt@acme.example", hasher, clock, override=TwoFactorMode.OPTIONAL
    )
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    assert other.account.id != team.account.id
    admin = await session_for(team.admin, clock)
    with StatementCounter() as counter:
        data = await gql.data(
            """{ viewer { account { twoFactorSummary {
                 totalOperators setupRequired byMode { mode count } byState { state count }
                 byModeAndState { mode state count } } } } }""",
            token=admin,
        )
    assert len(counter.statements) == 2  # the session (with viewer and account), the summary
    summary = data["viewer"]["account"]["twoFactorSummary"]
    assert summary["totalOperators"] == 5
    assert summary["setupRequired"] == 2  # basic (not configured) and p (pending)
    assert summary["byMode"] == [
        {"mode": "REQUIRED", "count": 3},
        {"mode": "OPTIONAL", "count": 1},
        {"mode": "DISABLED", "count": 1},
    ]
    assert summary["byState"] == [
        {"state": "NOT_CONFIGURED", "count": 3},
        {"state": "PENDING", "count": 1},
        {"state": "CONFIGURED", "count": 1},
    ]
    assert {"mode": "REQUIRED", "state": "PENDING", "count": 1} in summary["byModeAndState"]
    assert len(summary["byModeAndState"]) == 9
    basic = await gql.execute(
        "{ viewer { account { twoFactorSummary { totalOperators } } } }",
        token=await session_for(team.basic, clock),
    )
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Account.all().count() == 2
