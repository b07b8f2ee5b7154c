"""The compliance report, GET /reports/two-factor-compliance.csv: its rows agree with the
API, its cells are quoted as RFC 4180 says and defused against formulas, only those who read
the account's operators download it, and 100,000 operators stream in bounded memory."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Message
from tortoise.connection import get_connection

from models import AuditEvent, Operator, OperatorRole, OperatorStatus, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.operators import report
from services.policy import TwoFactorState
from tests.support import (
    KEY_STATUS,
    GraphQLClient,
    Team,
    add_operator,
    create_key,
    gid,
    give_state,
    make_team,
    running_app,
    session_for,
    stop_senders,
)
from twofa import reports
from twofa.settings import Settings
from twofa.sql_log import StatementCounter

REPORT = "/reports/two-factor-compliance.csv"
HOUR = timedelta(hours=1)
HEADER = [
    "id",
    "email",
    "name",
    "role",
    "status",
    "mode",
    "source",
    "compliance",
    "configured_at",
    "setup_deadline",
    "last_login_at",
]
OPERATOR = """query ($id: ID!) { node(id: $id) { ... on Operator {
  id email name role status twoFactorConfiguredAt lastLoginAt
  effectiveTwoFactorPolicy { mode source compliance setupDeadline } } } }"""
REVOKE = """mutation ($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) {
  userErrors { code } } }"""


async def download(gql: GraphQLClient, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await gql.http.get(REPORT, headers=headers)


def rows_of(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode(), newline="")))


def refusal_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def every_state(team: Team, hasher: PasswordHasher, clock: FrozenClock) -> list[Operator]:
    """Operators of a REQUIRED account with a 72-hour grace period, one per compliance."""
    now = clock.now()
    team.account.two_factor_grace_period_hours = 72
    await team.account.save()
    await give_state(team.admin, TwoFactorState.CONFIGURED, clock)  # COMPLIANT
    team.admin.two_factor_configured_at = now - 5 * HOUR
    team.basic.two_factor_required_since = now - HOUR  # PENDING until its deadline
    for operator in (team.admin, team.basic):
        await operator.save()
    overdue = await add_operator(team.account, "late@acme.example", hasher, clock)
    overdue.two_factor_required_since = now - 100 * HOUR
    await overdue.save()
    sso = await add_operator(
        team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True
    )
    optional = await add_operator(
        team.account, "opt@acme.example", hasher, clock, override=TwoFactorMode.OPTIONAL
    )
    invited = await add_operator(
        team.account, "new@acme.example", hasher, clock, status=OperatorStatus.INVITED
    )
    pending_setup = await add_operator(
        team.account, "half@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    pending_setup.two_factor_required_since = now - 2 * HOUR
    await pending_setup.save()
    await give_state(pending_setup, TwoFactorState.PENDING, clock)
    return [team.admin, team.basic, overdue, sso, optional, invited, pending_setup]


async def as_the_api_shows(gql: GraphQLClient, token: str, operator: Operator) -> list[str]:
    """The report row an operator should have, from what GraphQL says of them."""
    node = (await gql.data(OPERATOR, {"id": gid(operator)}, token=token))["node"]
    policy = node["effectiveTwoFactorPolicy"]
    return [
        node["id"], node["email"], node["name"], node["role"], node["status"],
        policy["mode"], policy["source"], policy["compliance"],
        node["twoFactorConfiguredAt"] or "", policy["setupDeadline"] or "",
        node["lastLoginAt"] or "",
    ]  # fmt: skip


async def test_one_row_per_operator_as_the_api_shows_them(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    operators = await every_state(team, hasher, clock)
    admin = await session_for(team.admin, clock)  # the admin's last login is now
    clock.advance(timedelta(minutes=3))

    response = await download(gql, admin)

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="two-factor-compliance-2026-03-02.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    text = response.content.decode()
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = rows_of(response)
    assert rows[0] == HEADER
    expected = [await as_the_api_shows(gql, admin, operator) for operator in operators]
    assert rows[1:] == expected  # in the order of their ids
    by_email = {row[1]: row for row in rows[1:]}
    assert {email: row[7] for email, row in by_email.items()} == {
        "admin@acme.example": "COMPLIANT",
        "basic@acme.example": "PENDING",
        "late@acme.example": "OVERDUE",
        "sso@acme.example": "EXEMPT",
        "opt@acme.example": "NOT_REQUIRED",
        "new@acme.example": "PENDING",
        "half@acme.example": "PENDING",
    }
    start = clock.now() - timedelta(minutes=3)
    assert by_email["basic@acme.example"][9] == (start + 71 * HOUR).isoformat()
    assert by_email["admin@acme.example"][8] == (start - 5 * HOUR).isoformat()
    assert by_email["admin@acme.example"][10] == start.isoformat()
    assert by_email["sso@acme.example"][6] == "SINGLE_SIGN_ON"
    assert by_email["opt@acme.example"][6] == "OPERATOR_OVERRIDE"

    # Across the deadline, the report moves with the API.
    clock.advance(71 * HOUR)
    admin = await session_for(team.admin, clock)
    rows = rows_of(await download(gql, admin))
    assert [row for row in rows[1:] if row[1] == "basic@acme.example"] == [
        await as_the_api_shows(gql, admin, team.basic)
    ]
    assert next(row for row in rows if row[1] == "basic@acme.example")[7] == "OVERDUE"

    # A scheduled enforcement ahead moves every deadline, in the report as in the API.
    team.account.two_factor_enforce_from = clock.now() + 200 * HOUR
    await team.account.save()
    rows = rows_of(await download(gql, admin))
    assert rows[1:] == [await as_the_api_shows(gql, admin, operator) for operator in operators]
    assert {
        row[7] for row in rows[1:] if row[1] in ("basic@acme.example", "late@acme.example")
    } == {"PENDING"}


async def test_cells_are_quoted_as_rfc_4180_says(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    tricky = 'Doe, "Jo"\nsecond line\r\nthird; ünïcødé'
    team.basic.name = tricky
    await team.basic.save()

    response = await download(gql, await session_for(team.admin, clock))

    raw = response.content.decode()
    assert '"Doe, ""Jo""\nsecond line\r\nthird; ünïcødé"' in raw
    assert ',"Ada Admin",' in raw  # every cell quoted, a ";" spreadsheet included
    rows = rows_of(response)
    assert [row[2] for row in rows[1:]] == ["Ada Admin", tricky]


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x.example")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"]
)
async def test_a_cell_that_would_be_a_formula_gets_a_quote_first(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, name: str
) -> None:
    team = await make_team(hasher, clock)
    team.basic.name = name
    await team.basic.save()
    await add_operator(team.account, "=cmd@acme.example", hasher, clock)
    await add_operator(team.account, "a=b-c+d@acme.example", hasher, clock)

    rows = rows_of(await download(gql, await session_for(team.admin, clock)))

    assert [row[2] for row in rows[1:] if row[1] == "basic@acme.example"] == ["'" + name]
    emails = [row[1] for row in rows[1:]]
    assert "'=cmd@acme.example" in emails
    assert "a=b-c+d@acme.example" in emails  # only the first character counts


def test_safe_cell_prefixes_only_formula_starts() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert report.safe_cell(start + "1") == "'" + start + "1"
    for harmless in ("", "1-1", "a@b.example", "'quoted", " =1", "\n"):
        assert report.safe_cell(harmless) == harmless


async def test_an_administrator_or_a_key_reading_operators_downloads_it(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    reader = (await create_key(gql, admin, ["READ_OPERATORS"]))["secret"]
    auditor = await create_key(gql, admin, ["READ_AUDIT_LOG", "MANAGE_OPERATORS"])

    by_admin = rows_of(await download(gql, admin))
    assert [row[1] for row in by_admin[1:]] == ["admin@acme.example", "basic@acme.example"]
    assert rows_of(await download(gql, reader)) == by_admin
    theirs = rows_of(await download(gql, await session_for(other.admin, clock)))
    assert [row[1] for row in theirs[1:]] == ["admin@other.example", "basic@other.example"]

    # Every operator's email leaves with a report: each download is audited, with who made it.
    downloads = await AuditEvent.filter(kind="COMPLIANCE_REPORT_DOWNLOADED").order_by("id")
    assert [(e.account_id, e.actor_id, e.api_key_id is not None) for e in downloads] == [
        (team.account.id, team.admin.id, False),
        (team.account.id, None, True),
        (other.account.id, other.admin.id, False),
    ]

    basic = await download(gql, await session_for(team.basic, clock))
    assert (basic.status_code, refusal_code(basic)) == (403, "FORBIDDEN")
    unscoped = await download(gql, auditor["secret"])
    assert (unscoped.status_code, refusal_code(unscoped)) == (403, "FORBIDDEN")
    for refused in (basic, unscoped):
        assert "www-authenticate" not in refused.headers
        assert refused.headers["cache-control"] == "no-store"

    anonymous = await download(gql, None)
    assert (anonymous.status_code, refusal_code(anonymous)) == (401, "UNAUTHENTICATED")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    revoked = await gql.data(REVOKE, {"id": auditor["apiKey"]["id"]}, token=admin)
    assert revoked["revokeApiKey"]["userErrors"] == []
    for token in (auditor["secret"], "twofa_key_not-a-key", "not-a-session"):
        invalid = await download(gql, token)
        assert (invalid.status_code, refusal_code(invalid)) == (401, "UNAUTHENTICATED")
        assert invalid.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    clock.advance(timedelta(days=1))  # the session has expired
    ended = await download(gql, admin)
    assert (ended.status_code, ended.headers["www-authenticate"]) == (
        401,
        'Bearer error="invalid_token"',
    )


async def test_a_key_pays_for_a_download_from_its_request_budget(
    settings: Settings, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    configured = dataclasses.replace(settings, api_key_rate_limit=3)
    async with (
        running_app(configured, clock, hasher) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://twofa.test"
        ) as http,
    ):
        gql = GraphQLClient(http)
        team = await make_team(hasher, clock)
        admin = await session_for(team.admin, clock)
        secret = (await create_key(gql, admin, ["READ_OPERATORS"]))["secret"]
        assert (await gql.post(KEY_STATUS, token=secret)).status_code == 200
        assert (await download(gql, secret)).status_code == 200
        assert (await download(gql, secret)).status_code == 200
        refused = await download(gql, secret)
        assert (refused.status_code, refusal_code(refused)) == (429, "RATE_LIMITED")
        assert refused.headers["retry-after"] == "60"
        assert (await gql.post(KEY_STATUS, token=secret)).status_code == 429
        assert (await download(gql, admin)).status_code == 200  # sessions have no budget


async def test_head_answers_the_headers_without_reading_operators(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    response = await gql.http.head(
        REPORT, headers={"Authorization": f"Bearer {await session_for(team.admin, clock)}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert not await AuditEvent.filter(kind="COMPLIANCE_REPORT_DOWNLOADED").exists()
    assert response.content == b""


# --- 100,000 operators --------------------------------------------------------------------

BULK = 100_000


async def insert_operators(
    team: Team, count: int, clock: FrozenClock, *, prefix: str = "bulk"
) -> None:
    """Insert ``count`` operators in one statement, in a mix of compliance states."""
    client = get_connection("default")
    postgres = client.capabilities.dialect == "postgres"
    marks = [f"${n}" for n in range(1, 4)] if postgres else ["?", "?", "?"]
    account, since, created = marks
    if postgres:  # a placeholder in a CASE would be taken for text
        since += "::timestamptz"
    await client.execute_query(
        f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
        INSERT INTO operators (account_id, email, email_key, email_folded, name, name_key,
          role, status, uses_single_sign_on, two_factor_override, two_factor_required_since,
          created_at)
        SELECT {account}, '{prefix}' || i || '@acme.example',
          '{prefix}' || i || '@acme.example', '{prefix}' || i || '@acme.example', 'Bulk, "Operator" ' || i, 'bulk, "operator" ' || i,
          'BASIC', 'ACTIVE', (i % 10 = 0),
          CASE WHEN i % 7 = 0 THEN 'OPTIONAL' WHEN i % 7 = 1 THEN 'REQUIRED' ELSE NULL END,
          CASE WHEN i % 3 = 0 THEN {since} ELSE NULL END, {created}
        FROM n
        """,  # noqa: S608 - numbers and placeholders only
        [team.account.id, clock.now() - HOUR, clock.now()],
    )


class Drain:
    """Receives a response as a server would send it, keeping nothing but counts."""

    def __init__(self) -> None:
        self.status = 0
        self.bytes = 0
        self.lines = 0
        self.chunks = 0
        self.complete = False
        self.requested = False

    async def receive(self) -> Message:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never leaves
        raise AssertionError

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            self.bytes += len(body)
            self.lines += body.count(b"\r\n")
            self.chunks += 1
            self.complete = not message.get("more_body", False)


def get_scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": REPORT,
        "raw_path": REPORT.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"twofa.test"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("twofa.test", 80),
    }


@pytest.mark.slow
async def test_100000_operators_stream_in_bounded_memory(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    team.account.two_factor_grace_period_hours = 72
    await team.account.save()
    await insert_operators(team, BULK, clock)
    token = await session_for(team.admin, clock)

    drain = Drain()
    started = time.perf_counter()
    tracemalloc.start()
    try:
        await app(get_scope(token), drain.receive, drain.send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - started

    assert (drain.status, drain.complete) == (200, True)
    # The header, the two operators of the team and the bulk, each on one line.
    assert drain.lines == 1 + 2 + BULK
    assert drain.chunks > BULK // report.BATCH  # written out batch by batch
    print(f"\n{BULK} operators: {drain.bytes / 1e6:.1f} MB of CSV in {seconds:.1f} s "
          f"(traced), peak of Python allocations {peak / 1e6:.1f} MB")  # fmt: skip
    assert peak < 20_000_000
    assert peak < drain.bytes / 3  # far from the whole report, let alone its rows


async def test_reports_streamed_at_once_are_capped_one_per_account(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each report holds a database connection on PostgreSQL while its client reads; a
    report beyond the cap, or a second one of the same account, is refused, and the slots
    come back when the streams end."""
    teams = [await make_team(hasher, clock, name=f"T{n}", domain=f"t{n}.example") for n in range(3)]
    for n, team in enumerate(teams):
        await insert_operators(team, 30, clock, prefix=f"bulk{n}")
    monkeypatch.setattr(report, "BATCH", 10)
    tokens = [await session_for(team.admin, clock) for team in teams]
    gate = asyncio.Event()
    stalled = [Drain() for _ in range(reports.MAX_STREAMS)]

    def reads_one_chunk(drain: Drain) -> Callable[[Message], Awaitable[None]]:
        """A client that stops reading after the first chunk of the body, until the gate."""

        async def send(message: Message) -> None:
            await drain.send(message)
            if message["type"] == "http.response.body":
                await gate.wait()

        return send

    async def answer(token: str) -> Drain:
        drain = Drain()
        await app(get_scope(token), drain.receive, drain.send)
        return drain

    first = asyncio.create_task(app(get_scope(tokens[0]), stalled[0].receive,
                                    reads_one_chunk(stalled[0])))  # fmt: skip
    while stalled[0].chunks < 1:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert (await answer(tokens[0])).status == 503  # one at a time per account
    second = asyncio.create_task(app(get_scope(tokens[1]), stalled[1].receive,
                                     reads_one_chunk(stalled[1])))  # fmt: skip
    while stalled[1].chunks < 1:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert (await answer(tokens[2])).status == 503  # the process's cap

    gate.set()
    await asyncio.gather(first, second)
    assert all(drain.complete and drain.lines == 1 + 2 + 30 for drain in stalled)
    again = await answer(tokens[0])
    assert (again.status, again.complete, again.lines) == (200, True, 1 + 2 + 30)


async def test_requests_arriving_together_do_not_pass_the_cap_together(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """The slot is taken before the first await: eight requests at once get one stream
    per account at most."""
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    gate = asyncio.Event()
    drains = [Drain() for _ in range(8)]

    def held(drain: Drain) -> Callable[[Message], Awaitable[None]]:
        async def send(message: Message) -> None:
            await drain.send(message)
            if message["type"] == "http.response.body":
                await gate.wait()

        return send

    tasks = [
        asyncio.create_task(app(get_scope(token), drain.receive, held(drain))) for drain in drains
    ]
    while sum(1 for drain in drains if drain.status) < 8:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert sorted(drain.status for drain in drains) == [200] + [503] * 7
    gate.set()
    await asyncio.gather(*tasks)


async def test_a_client_that_stops_reading_holds_no_database_session_for_long(
    app: Starlette,
    hasher: PasswordHasher,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On PostgreSQL the report's transaction ends once its client stops reading for long:
    the response is cut (never ended, so no client takes it for whole) and the connection
    is back in the pool. SQLite holds nothing between batches: the client just resumes."""
    team = await make_team(hasher, clock)
    await insert_operators(team, 30, clock)
    monkeypatch.setattr(report, "BATCH", 10)
    monkeypatch.setattr(report, "STALLED_CLIENT_SECONDS", 0.3)
    token = await session_for(team.admin, clock)
    stalled = Drain()

    async def send(message: Message) -> None:
        await stalled.send(message)
        if message["type"] == "http.response.body" and stalled.chunks == 1:
            await asyncio.sleep(1.0)

    await app(get_scope(token), stalled.receive, send)

    postgres = get_connection("default").capabilities.dialect == "postgres"
    assert stalled.status == 200
    if postgres:
        assert (stalled.complete, stalled.lines) == (False, 1 + 10)
        assert "Report cut short" in caplog.text
    else:
        assert (stalled.complete, stalled.lines) == (True, 1 + 2 + 30)
    again = Drain()
    await app(get_scope(token), again.receive, again.send)
    assert (again.status, again.complete, again.lines) == (200, True, 1 + 2 + 30)


async def test_the_report_reads_the_account_through_its_index_in_few_statements(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: one statement through a cursor. SQLite: one per batch, each starting at
    the last id read, through the (account_id, id) index, never scanning other accounts
    (SQLite plans without statistics, so a small table shows the plan of a large one)."""
    await stop_senders(app)  # only the request's statements are counted
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    await insert_operators(team, 25, clock)
    await insert_operators(other, 25, clock, prefix="them")
    monkeypatch.setattr(report, "BATCH", 10)
    token = await session_for(team.admin, clock)

    with StatementCounter() as counter:
        drain = Drain()
        await app(get_scope(token), drain.receive, drain.send)
    assert (drain.complete, drain.lines) == (True, 1 + 2 + 25)

    reads = [
        (sql, values)
        for sql, values in zip(counter.statements, counter.parameters, strict=True)
        if "FROM operators o" in sql
    ]
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        assert len(reads) == 1, reads
        return
    assert len(reads) == 3, reads  # 27 operators, 10 at a time
    statement, parameters = reads[-1]
    rows = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {statement}", parameters)
    plan = "\n".join(row["detail"] for row in rows)
    index = r"SEARCH o USING (COVERING )?INDEX \w+ \(account_id=\? AND id>\?"
    assert re.search(index, plan), plan
    assert not re.search(r"\bSCAN o\b", plan), plan
    assert "TEMP B-TREE" not in plan, plan  # in id order as read: nothing to sort


async def test_a_client_that_leaves_mid_download_ends_the_report_at_once(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's transaction ends when its client leaves (not when the garbage collector
    gets to it), and its slot among the streams comes back."""
    team = await make_team(hasher, clock)
    await insert_operators(team, 30, clock)
    monkeypatch.setattr(report, "BATCH", 10)
    token = await session_for(team.admin, clock)
    connection = get_connection("default")
    postgres = connection.capabilities.dialect == "postgres"

    for _ in range(reports.MAX_STREAMS + 1):
        leaving = Drain()

        async def send(message: Message, leaving: Drain = leaving) -> None:
            await leaving.send(message)
            if message["type"] == "http.response.body":
                raise ConnectionResetError  # what the server's send raises once it is gone

        await app(get_scope(token), leaving.receive, send)
        assert (leaving.status, leaving.complete, leaving.lines) == (200, False, 1 + 10)
        if postgres:
            rows = await connection.execute_query_dict(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
                [report.SESSION_NAME],
            )
            assert rows[0]["n"] == 0

    again = Drain()
    await app(get_scope(token), again.receive, again.send)
    assert (again.status, again.complete, again.lines) == (200, True, 1 + 2 + 30)


async def test_a_client_that_takes_nothing_is_cut_off_and_frees_its_slot(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that stops taking the body holds no download slot for good, on either
    database: the write waits at most the stall limit."""
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    monkeypatch.setattr(reports, "STALLED_CLIENT_SECONDS", 0.2)
    stuck = Drain()
    never = asyncio.Event()

    async def takes_nothing(message: Message) -> None:
        await stuck.send(message)
        if message["type"] == "http.response.body":
            await never.wait()

    await app(get_scope(token), stuck.receive, takes_nothing)  # returns: cut off
    assert not stuck.complete
    again = Drain()
    await app(get_scope(token), again.receive, again.send)
    assert (again.status, again.complete) == (200, True)
