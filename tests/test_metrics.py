"""``GET /metrics``: counters that move by exactly what happened, bounded labels, no personal
data, the bearer token, and counts summed over the worker processes of ``twofa serve``."""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from graphql import DocumentNode
from graphql.language.parser import Parser
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from services.machinery.clock import FrozenClock
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from services.machinery.throttle import FREE_ATTEMPTS
from services.sessions import AuthenticationMethod
from tests.servers import ROOT, free_port, wait_healthy
from tests.support import (
    INVITE,
    PASSWORD,
    CountingHasher,
    GraphQLClient,
    enroll,
    gid,
    make_team,
    running_app,
    session_for,
    stop_senders,
    totp_code,
    verify,
)
from twofa.graphql_metrics import OPERATIONS, OUTCOMES, ROOT_FIELDS
from twofa.settings import Settings

WRONG = "not the password at all"
METRICS_TOKEN = "scrape-token-for-tests-0123456789"


class Scrape:
    """One reading of ``/metrics``: sample values by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        """The sample's value, 0 when it is absent (a counter never incremented)."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def moved(self, before: Scrape, name: str, **labels: str) -> float:
        """How much a sample grew since ``before``."""
        return self.value(name, **labels) - before.value(name, **labels)


async def scrape(http: httpx.AsyncClient, token: str | None = None) -> Scrape:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as client:
        yield client


FRESH_SCRAPE = """
import asyncio, sys

import httpx

from twofa.app import create_app
from twofa.database import apply_migrations
from twofa.settings import Settings


async def main() -> None:
    url, key = sys.argv[1:]
    await apply_migrations(url)
    app = create_app(Settings(database_url=url, encryption_keys=(key,)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    sys.stdout.write(response.text)


asyncio.run(main())
"""
"""Starts the app in a process of its own, scrapes ``/metrics`` once and prints it."""


def test_a_fresh_app_exports_every_known_series_at_zero(
    tmp_path: Path, encryption_key: str
) -> None:
    """Before any event, so that ``rate`` and ``increase`` (and the README's alerts) see the
    first one: a series born with its first event shows no increase. A process of its
    own, since the counters of this one hold the other tests' events."""
    environment = {**os.environ}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    run = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", FRESH_SCRAPE, url, encryption_key],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    fresh = Scrape(run.stdout)
    expected = [
        *(
            ("twofa_graphql_requests_total", {"operation": operation, "outcome": outcome})
            for operation in OPERATIONS
            for outcome in OUTCOMES
        ),
        *(
            ("twofa_graphql_request_duration_seconds_count", {"operation": operation})
            for operation in OPERATIONS
        ),
        *(
            ("twofa_logins_total", {"outcome": "succeeded", "method": method.value})
            for method in AuthenticationMethod
        ),
        ("twofa_logins_total", {"outcome": "failed", "method": "password"}),
        ("twofa_code_checks_total", {"outcome": "accepted"}),
        ("twofa_code_checks_total", {"outcome": "rejected"}),
        ("twofa_lockouts_total", {"factor": "password"}),
        ("twofa_lockouts_total", {"factor": "code"}),
        ("twofa_mail_delivery_failures_total", {"result": "retry"}),
        ("twofa_mail_delivery_failures_total", {"result": "given_up"}),
        ("twofa_webhook_attempts_total", {"outcome": "succeeded"}),
        ("twofa_webhook_attempts_total", {"outcome": "failed"}),
        ("twofa_webhook_attempts_total", {"outcome": "given_up"}),
        ("twofa_password_hash_refused_total", {}),
    ]
    missing = [
        (name, labels)
        for name, labels in expected
        if (name, tuple(sorted(labels.items()))) not in fresh.samples
    ]
    assert missing == []
    assert {fresh.value(name, **labels) for name, labels in expected} == {0.0}
    assert {"login", "resetOperatorTwoFactor", "viewer"} <= OPERATIONS


async def test_the_alert_rules_read_only_metrics_twofa_exports(http: httpx.AsyncClient) -> None:
    """A renamed metric would silence deploy/alerts.yml without promtool noticing."""
    rules = (ROOT / "deploy" / "alerts.yml").read_text()
    read = set(re.findall(r"\btwofa_[a-z_]+", rules))
    exported = {name for name, _ in (await scrape(http)).samples}
    assert read - exported == set()
    assert len(read) >= 8


async def test_logins_codes_and_lockouts_move_the_counters_by_exactly_what_happened(
    gql: GraphQLClient, http: httpx.AsyncClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.admin, clock), clock)
    clock.advance(timedelta(minutes=1))
    before = await scrape(http)

    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"
    assert (await gql.login(team.basic.email, WRONG))["userErrors"][0]["code"] == (
        "INVALID_CREDENTIALS"
    )
    challenge = (await gql.login(team.admin.email))["challengeToken"]
    wrong_code = f"{(int(totp_code(enrolled.secret, clock.now())) + 1) % 1000000:06d}"
    assert (await verify(gql, challenge, wrong_code))["userErrors"][0]["code"] == "INVALID_CODE"
    assert (await verify(gql, challenge, totp_code(enrolled.secret, clock.now())))["sessionToken"]
    after_codes = await scrape(http)

    assert (
        after_codes.moved(before, "twofa_logins_total", outcome="succeeded", method="password") == 1
    )
    assert after_codes.moved(before, "twofa_logins_total", outcome="succeeded", method="totp") == 1
    assert after_codes.moved(before, "twofa_logins_total", outcome="failed", method="password") == 1
    assert after_codes.moved(before, "twofa_code_checks_total", outcome="rejected") == 1
    assert after_codes.moved(before, "twofa_code_checks_total", outcome="accepted") == 1
    assert after_codes.moved(before, "twofa_lockouts_total", factor="password") == 0

    # The basic operator has one failure already; the FREE_ATTEMPTS-th sets the lock.
    for _ in range(FREE_ATTEMPTS - 1):
        await gql.login(team.basic.email, WRONG)
    locked = await gql.login(team.basic.email, WRONG)  # refused unhashed: no new failure
    assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    after_lock = await scrape(http)
    assert after_lock.moved(after_codes, "twofa_lockouts_total", factor="password") == 1
    assert after_lock.moved(
        after_codes, "twofa_logins_total", outcome="failed", method="password"
    ) == (FREE_ATTEMPTS - 1)
    assert after_lock.moved(after_codes, "twofa_code_checks_total", outcome="rejected") == 0

    # No label or value names an operator, their email, a token or an address.
    for secret in (team.basic.email, team.admin.email, gid(team.admin), challenge, enrolled.secret):
        assert secret not in after_lock.text
    assert "127.0.0.1" not in after_lock.text


async def test_graphql_requests_are_counted_by_root_field_and_outcome(
    gql: GraphQLClient, http: httpx.AsyncClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    before = await scrape(http)
    await gql.login(team.basic.email)
    await gql.login(team.basic.email, WRONG)
    assert (await gql.post("{ nosuchfield }")).status_code == 200
    assert (await gql.post("{ __typename }")).status_code == 200
    unauthenticated = await gql.execute(INVITE, {"email": "x@acme.example", "name": "X"})
    assert unauthenticated["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await gql.post("query Anything { viewer { id } }")  # no session: viewer is null, no error
    # GraphiQL's page is no GraphQL request; a padded document is refused unparsed.
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    padded = await gql.post("{ viewer { id } } #" + "x" * 60_000)
    assert padded.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_TOO_LARGE"

    async def too_large() -> AsyncIterator[bytes]:
        for _ in range(20):  # no Content-Length: the guard counts the streamed body
            yield b" " * 100_000

    streamed = await http.post(
        "/graphql", content=too_large(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    declared = await http.post(  # refused on its Content-Length, before the endpoint runs
        "/graphql", content=b" " * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    not_json = await http.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    over_get = await http.get(  # labelled by the mutation it names, though it never runs
        "/graphql",
        params={"query": 'mutation { login(input: {email: "a@b.c", password: "x"}) { outcome } }'},
    )
    assert over_get.status_code == 405
    # Client-chosen operation names never become labels, however many there are.
    for n in range(30):
        await gql.post(f"query Flood{n} {{ __typename }}")
    after = await scrape(http)

    requests = "twofa_graphql_requests_total"
    assert after.moved(before, requests, operation="login", outcome="ok") == 1
    assert after.moved(before, requests, operation="login", outcome="user_error") == 1
    assert after.moved(before, requests, operation="login", outcome="request_error") == 1
    assert after.moved(before, requests, operation="other", outcome="request_error") == 5
    assert after.moved(before, requests, operation="other", outcome="server_error") == 0
    assert after.moved(before, requests, operation="inviteOperator", outcome="request_error") == 1
    assert after.moved(before, requests, operation="viewer", outcome="ok") == 1
    assert after.moved(before, requests, operation="introspection", outcome="ok") == 31
    assert "Flood" not in after.text and "Anything" not in after.text
    assert (
        after.moved(before, "twofa_graphql_request_duration_seconds_count", operation="login") == 3
    )
    assert (
        after.moved(
            before, "twofa_graphql_request_duration_seconds_bucket", operation="login", le="+Inf"
        )
        == 3
    )
    labels = {dict(labels)["operation"] for (name, labels) in after.samples if name == requests}
    assert labels <= ROOT_FIELDS | {"other", "introspection", "multiple"}


async def test_a_request_is_labelled_from_the_one_parse_that_runs_it(
    gql: GraphQLClient, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    parse_document = Parser.parse_document

    def counted(parser: Parser) -> DocumentNode:
        parsed.append(parser._lexer.source.body)
        return parse_document(parser)

    monkeypatch.setattr(Parser, "parse_document", counted)
    before = await scrape(http)
    document = "query Fresh { viewer { id } } # seen by no other test"
    assert (await gql.post(document)).status_code == 200
    assert parsed == [document]
    after = await scrape(http)
    requests = "twofa_graphql_requests_total"
    assert after.moved(before, requests, operation="viewer", outcome="ok") == 1


async def test_the_metrics_token_is_required_when_set(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    async with running_app(replace(settings, metrics_token=METRICS_TOKEN), clock, hasher) as app:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            assert (await http.get("/metrics")).status_code == 401
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert wrong.headers["www-authenticate"] == "Bearer"
            assert METRICS_TOKEN not in wrong.text
            basic = await http.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
            assert basic.status_code == 401
            assert "twofa_graphql_requests" in (await scrape(http, METRICS_TOKEN)).text


async def test_without_a_token_only_loopback_clients_get_metrics(app: Starlette) -> None:
    remote = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=remote, base_url="http://twofa.test") as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 403
        assert "METRICS_TOKEN" in refused.text
    local = httpx.ASGITransport(app=app, client=("::1", 40000))
    async with httpx.AsyncClient(transport=local, base_url="http://twofa.test") as http:
        assert (await http.get("/metrics")).status_code == 200


async def test_the_outbox_backlog_and_failed_deliveries_are_reported(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    nobody_listens = replace(settings, smtp_port=free_port())
    async with running_app(nobody_listens, clock, hasher) as app:
        await stop_senders(app)  # this test delivers by hand
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            gql = GraphQLClient(http)
            team = await make_team(hasher, clock)
            admin = await session_for(team.admin, clock)
            before = await scrape(http)
            assert before.value("twofa_outbox_pending") == 0
            await gql.data(INVITE, {"email": "new@acme.example", "name": "New"}, token=admin)
            clock.advance(timedelta(minutes=3))
            assert await app.state.outbox_sender.run_once() == 0  # connection refused
            after = await scrape(http)
    assert after.value("twofa_outbox_pending") == 1
    assert after.value("twofa_outbox_oldest_pending_age_seconds") == 180
    assert after.moved(before, "twofa_mail_delivery_failures_total", result="retry") == 1
    assert after.moved(before, "twofa_mail_delivery_failures_total", result="given_up") == 0
    assert "new@acme.example" not in after.text


async def test_hashing_requests_turned_away_are_counted(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    cheap = Argon2Parameters(time_cost=1, memory_cost_kib=256, parallelism=1)
    narrow = PasswordHasher(cheap, limit=1, queue_limit=0)
    async with running_app(settings, clock, narrow) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            gql = GraphQLClient(http)
            before = await scrape(http)
            answers = await asyncio.gather(
                *(gql.execute(_login(n)) for n in range(8)), return_exceptions=False
            )
            after = await scrape(http)
    busy = sum(1 for answer in answers if "SERVICE_UNAVAILABLE" in str(answer))
    assert busy > 0
    assert after.moved(before, "twofa_password_hash_refused_total") == busy
    requests = "twofa_graphql_requests_total"
    assert after.moved(before, requests, operation="login", outcome="server_error") == busy
    assert after.value("twofa_password_hash_running") == 0
    assert after.value("twofa_password_hash_waiting") == 0


def _login(n: int) -> str:
    return (
        f'mutation {{ login(input: {{email: "user{n}@acme.example", password: "{PASSWORD}"}}) '
        "{ outcome userErrors { code } } }"
    )


# -- Several worker processes -------------------------------------------------------------------


class Served:
    """A ``python -m twofa serve`` process whose temporary folder is the test's own."""

    def __init__(self, tmp_path: Path, env: dict[str, str], workers: int) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.temp = tmp_path / "tmp"
        self.temp.mkdir()
        self.log = tmp_path / "serve.log"
        environment = {**os.environ, **env, "TMPDIR": str(self.temp)}
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        port = self.url.rsplit(":", 1)[1]
        command = ["serve", "--port", port, "--workers", str(workers)]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "twofa", *command],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(self.url, self.process, self.log)

    def metrics_dir(self) -> Path:
        """The private folder the serve command made for the workers' metric files."""
        [found] = list(self.temp.glob("twofa-metrics-*"))
        return found

    def stop(self) -> int:
        """Stop the server with SIGTERM, as a process manager does; return its status."""
        self.process.terminate()
        return self.process.wait(timeout=30)


@pytest.fixture
def serve_env(database_url: str, encryption_key: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "ENCRYPTION_KEYS": encryption_key, "LOG_FORMAT": "json"}


@pytest.mark.server
def test_twofa_serve_with_two_workers_sums_their_counts(
    serve_env: dict[str, str], tmp_path: Path
) -> None:
    """Forty parallel requests on fresh connections spread over two workers; every scrape,
    whichever worker answers it, reports all forty. The workers' files live in a private
    directory that is gone once the server has stopped."""
    served = Served(tmp_path, serve_env, workers=2)
    try:
        metrics_dir = served.metrics_dir()
        assert stat.S_IMODE(metrics_dir.stat().st_mode) == 0o700
        with ThreadPoolExecutor(max_workers=8) as pool:  # in parallel, to keep both busy
            echoed = list(pool.map(lambda n: _probe(served.url, f"probe-{n}"), range(40)))
        assert echoed == [f"probe-{n}" for n in range(40)]
        writers = {
            match.group(1)
            for path in metrics_dir.iterdir()
            if (match := re.fullmatch(r"counter_(\d+)\.db", path.name))
        }
        assert len(writers) == 2, f"one worker took every request: {writers}"
        for _ in range(6):
            with httpx.Client(base_url=served.url) as client:
                scraped = Scrape(client.get("/metrics").text)
            ok = scraped.value(
                "twofa_graphql_requests_total", operation="introspection", outcome="ok"
            )
            assert ok == 40
    finally:
        served.stop()
    assert not metrics_dir.exists()
    logged = served.log.read_text()
    assert '"request_id": "probe-7"' in logged and '"path": "/graphql"' in logged


@pytest.mark.server
def test_one_worker_removes_its_metrics_folder_on_sigterm(
    serve_env: dict[str, str], tmp_path: Path
) -> None:
    served = Served(tmp_path, serve_env, workers=1)
    try:
        metrics_dir = served.metrics_dir()
        assert _probe(served.url, "one") == "one"
        with httpx.Client(base_url=served.url) as client:
            scraped = Scrape(client.get("/metrics").text)
        assert (
            scraped.value("twofa_graphql_requests_total", operation="introspection", outcome="ok")
            == 1
        )
    finally:
        status = served.stop()
    assert not metrics_dir.exists()
    assert status == 143  # 128 + SIGTERM, as a process ended by the signal reports


def _probe(url: str, request_id: str) -> str:
    """Send ``{ __typename }`` on a new connection; return the echoed request id."""
    with httpx.Client(base_url=url) as client:
        response = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": request_id}
        )
    assert response.status_code == 200
    return response.headers["x-request-id"]
