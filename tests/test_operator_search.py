"""Searching an account's operators by the beginning of their email or name: folded like the
stored keys, scoped to the account, and answered from the indexes, not a scan."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.connection import get_connection

from models import Account, Operator, OperatorRole, OperatorStatus
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.operators import directory
from services.validation import email_key, name_key, unclaimed_email_key
from tests.support import (
    GraphQLClient,
    make_team,
    plan_of,
    seed_operators,
    session_for,
    stop_senders,
)
from twofa.sql_log import StatementCounter

SEARCH = """
query ($filter: OperatorFilter, $first: Int) {
  viewer { account { operators(first: $first, filter: $filter) {
    totalCount edges { node { email name status } }
  } } }
}
"""


async def person(
    account: Account,
    email: str,
    name: str,
    clock: FrozenClock,
    status: OperatorStatus = OperatorStatus.ACTIVE,
) -> Operator:
    """Store an operator with the keys the application would give them."""
    return await Operator.create(
        account=account,
        email=email,
        email_key=email_key(email) if status is OperatorStatus.ACTIVE else unclaimed_email_key(),
        email_folded=email_key(email),
        name=name,
        name_key=name_key(name),
        role=OperatorRole.BASIC,
        status=status,
        created_at=clock.now(),
    )


async def found(gql: GraphQLClient, token: str, **filter: Any) -> list[str]:
    """Emails of the operators the filter lists, checked against the list's totalCount."""
    data = await gql.data(SEARCH, {"filter": filter, "first": 100}, token=token)
    operators = data["viewer"]["account"]["operators"]
    emails = [edge["node"]["email"] for edge in operators["edges"]]
    assert operators["totalCount"] == len(emails)
    return emails


async def test_search_matches_the_start_of_email_or_name_ignoring_case_in_the_account(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    account = team.account
    await person(account, "ana.lima@acme.example", "Ana Lima", clock)
    await person(account, "Anabel@acme.example", "Bel Ortiz", clock)
    await person(account, "bob@acme.example", "Anatol Weiss", clock)
    await person(account, "carl@ana.example", "Carl Zed", clock)
    await person(account, "ana.new@acme.example", "New Ana", clock, OperatorStatus.INVITED)
    await person(account, "team@acme.example", "Straße Team", clock)
    await person(account, "a_b@acme.example", "Under Score", clock)
    await person(account, "axb@acme.example", "Ex Bee", clock)
    await person(account, "ana@Bücher.example", "Idn Person", clock)
    await person(other.account, "ana@other.example", "Ana Other", clock)
    admin = await session_for(team.admin, clock)

    # The start of the email or of the name, in any case; never another account's operators.
    assert await found(gql, admin, search="ANA") == [
        "ana.lima@acme.example",
        "Anabel@acme.example",
        "bob@acme.example",
        "ana.new@acme.example",
        "ana@Bücher.example",
    ]
    assert await found(gql, admin, search="ana l") == ["ana.lima@acme.example"]
    assert await found(gql, admin, search=" ANABEL@acme.EXAMPLE ") == ["Anabel@acme.example"]
    assert await found(gql, admin, search="anatol w") == ["bob@acme.example"]
    assert await found(gql, admin, search="carl@ana") == ["carl@ana.example"]
    # Case-folded as names are stored: "ß" folds to "ss".
    assert await found(gql, admin, search="STRASSE") == ["team@acme.example"]
    # A whole address finds its internationalized domain in either form.
    assert await found(gql, admin, search="ANA@bücher.example") == ["ana@Bücher.example"]
    assert await found(gql, admin, search="ana@xn--bcher-kva.example") == ["ana@Bücher.example"]
    # LIKE wildcards are plain characters here.
    assert await found(gql, admin, search="a_") == ["a_b@acme.example"]
    assert await found(gql, admin, search="%") == []
    # With the other conditions: the open invitations among the matches.
    assert await found(gql, admin, search="ana", status="INVITED") == ["ana.new@acme.example"]
    assert await found(gql, admin, search="ana", status="ACTIVE", role="ADMINISTRATOR") == []
    # Blank is no condition; text that no stored key can hold matches nothing, harmlessly.
    assert len(await found(gql, admin, search="   ")) == 11
    for unstorable in ("ana\x00", "\ud800", "x" * 10_000):
        assert await found(gql, admin, search=unstorable) == []


async def test_status_lists_the_open_invitations(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await person(team.account, "one@acme.example", "One", clock, OperatorStatus.INVITED)
    await person(team.account, "two@acme.example", "Two", clock, OperatorStatus.DEACTIVATED)
    admin = await session_for(team.admin, clock)
    assert await found(gql, admin, status="INVITED") == ["one@acme.example"]
    assert await found(gql, admin, status="DEACTIVATED") == ["two@acme.example"]
    assert await found(gql, admin, status="ACTIVE") == [team.admin.email, team.basic.email]


def test_a_prefix_range_holds_exactly_the_texts_that_start_with_it() -> None:
    assert directory.prefix_successor("ana") == "anb"
    assert directory.prefix_successor("a\ud7ff") == "a\ue000"  # surrogates are skipped
    assert directory.prefix_successor("a\U0010ffff") == "b"
    assert directory.prefix_successor("\U0010ffff") is None
    for prefix in ("ana", "z", "é", "a\U0010ffff"):
        upper = directory.prefix_successor(prefix)
        assert upper is not None
        for text in (prefix, prefix + "\U0010ffff", prefix + "\x01"):
            assert prefix <= text < upper
        assert not upper.startswith(prefix)


def test_only_code_point_collations_are_trusted_with_ranges() -> None:
    trusted = directory._is_code_point_order
    assert trusted({"collation": "C.UTF-8", "provider": "c"})
    assert trusted({"collation": "C", "provider": None})  # before PostgreSQL 15
    assert trusted({"collation": "en_US.UTF-8", "provider": "b"})  # builtin: code points
    assert not trusted({"collation": "en_US.UTF-8", "provider": "c"})
    assert not trusted({"collation": "C.UTF-8", "provider": "i"})  # ICU sorts linguistically


async def test_under_a_linguistic_collation_the_search_is_still_exact(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if get_connection("default").capabilities.dialect != "postgres":
        pytest.skip("SQLite has one collation, which orders by code point")

    async def linguistic(self: object) -> bool:
        return False

    monkeypatch.setattr(directory._Query, "_orders_by_code_point", linguistic)
    team = await make_team(hasher, clock)
    await person(team.account, "chris@acme.example", "Chris Cole", clock)
    await person(team.account, "dana@acme.example", "Cecilia Dane", clock)
    admin = await session_for(team.admin, clock)
    assert await found(gql, admin, search="C") == ["chris@acme.example", "dana@acme.example"]
    assert await found(gql, admin, search="cH") == ["chris@acme.example"]
    # Under the Czech collation "ch" sorts after "h": a range in it would miss Chris.
    czech = await get_connection("default").execute_query_dict(
        """SELECT 'chris' < 'd' COLLATE "cs-x-icu" AS inside"""
    )
    assert czech[0]["inside"] is False


@pytest.mark.slow
async def test_a_search_over_10000_operators_reads_the_indexes_in_constant_statements(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)  # only the request's statements are counted
    team = await make_team(hasher, clock)
    await seed_operators(team.account, clock)
    admin = await session_for(team.admin, clock)
    await found(gql, admin, search="warm-up")  # PostgreSQL: the collation is checked once

    for search, expected in (("USER0999", 10), ("person 0999", 10), ("user09999", 1)):
        with StatementCounter() as counter:
            assert len(await found(gql, admin, search=search)) == expected
        # The session, the page of operators with their policy, the total count: as unsearched.
        assert len(counter.statements) == 3, counter.statements
    [(statement, parameters)] = [
        (sql, values)
        for sql, values in zip(counter.statements, counter.parameters, strict=True)
        if "UNION ALL" in sql and "LIMIT" in sql
    ]
    plan = await plan_of(statement, parameters)
    if get_connection("default").capabilities.dialect == "postgres":
        for column in ("email_folded", "name_key"):
            assert re.search(
                rf"Index Cond: \(\(account_id = \d+\) AND \(\({column}\)::text >= ", plan
            ), plan
        assert "Seq Scan on operators" not in plan, plan
    else:
        for column in ("email_folded", "name_key"):
            assert re.search(
                rf"SEARCH operators USING COVERING INDEX \w+ "
                rf"\(account_id=\? AND {column}>\? AND {column}<\?\)",
                plan,
            ), plan
        assert not re.search(r"\bSCAN (o|operators)\b", plan), plan
