"""Nothing secret reaches the logs: no password, token, TOTP secret, code or recovery code,
nor any stored hash; LOG_FORMAT=json writes one object per line with the request's id."""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from models import (
    Authenticator,
    OneTimeToken,
    Operator,
    OutboxMessage,
    RecoveryCode,
    Session,
    TwoFactorMode,
)
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.smtp import link_token
from tests.support import (
    CONFIRM_ENROLLMENT,
    PASSWORD,
    PUBLIC_URL,
    START_ENROLLMENT,
    VERIFY,
    Delivery,
    GraphQLClient,
    enroll,
    make_team,
    session_for,
    totp_code,
    verify,
)
from twofa.logs import JsonFormatter, RequestIdFilter, request_id_from
from twofa.settings import ConfigurationError, Settings

NEW_PASSWORD = "a brand new password 77"


async def test_the_flows_log_no_secret(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, SQL statements and their values included
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    admin = await session_for(team.admin, clock)
    seen: list[str] = [PASSWORD, NEW_PASSWORD, admin]

    await gql.data(
        'mutation { inviteOperator(input: {email: "new@acme.example", name: "New"}) { userErrors { code } } }',
        token=admin,
    )
    [message] = await deliver()
    invitation = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    accepted = (
        await gql.data(
            "mutation ($t: String!, $p: String!) { acceptInvitation(input: {invitationToken: $t, password: $p}) { setupToken } }",
            {"t": invitation, "p": NEW_PASSWORD},
        )
    )["acceptInvitation"]
    setup = accepted["setupToken"]
    secret = (await gql.data(START_ENROLLMENT, {"setupToken": setup}))["startTwoFactorEnrollment"][
        "enrollment"
    ]["secret"]
    first_code = totp_code(secret, clock.now())
    confirmed = (await gql.data(CONFIRM_ENROLLMENT, {"code": first_code, "setupToken": setup}))[
        "confirmTwoFactorEnrollment"
    ]
    clock.advance(timedelta(minutes=1))
    challenge = (await gql.login("new@acme.example", NEW_PASSWORD))["challengeToken"]
    second_code = totp_code(secret, clock.now())
    session = (await verify(gql, challenge, second_code))["sessionToken"]
    await gql.login(team.basic.email)  # a setup link by email
    await gql.login(team.basic.email, "a wrong password, guessed")
    recovery_challenge = (await gql.login("new@acme.example", NEW_PASSWORD))["challengeToken"]
    await verify(gql, recovery_challenge, confirmed["recoveryCodes"][0])
    [setup_mail] = [m for m in await deliver() if m["Subject"].startswith("Set up")]
    setup_link = link_token(setup_mail, f"{PUBLIC_URL}/two-factor/setup")

    seen += [
        invitation,
        setup,
        secret,
        confirmed["sessionToken"],
        challenge,
        session,
        recovery_challenge,
        setup_link,
    ]
    seen += confirmed["recoveryCodes"] + [
        code.replace("-", "") for code in confirmed["recoveryCodes"]
    ]
    text = "\n".join(record.getMessage() + " " + str(record.args) for record in caplog.records)
    assert len(caplog.records) > 50  # the logs were really captured, SQL included
    for value in seen:
        assert value not in text, f"a secret reached the logs: {value[:6]}…"
    for code in (first_code, second_code):
        assert not re.search(rf"(?<![\d.]){code}(?![\d.])", text), "a TOTP code reached the logs"


class Captured(logging.Handler):
    """Formats every record as LOG_FORMAT=json would, into a list of lines."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_log() -> Iterator[Captured]:
    """Every record of every logger at DEBUG, SQL statements included, as JSON lines."""
    root = logging.getLogger()
    handler, level = Captured(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def stored_secrets() -> list[str]:
    """Every hash, sealed secret and encrypted message the database holds now."""
    found = [o.password_hash for o in await Operator.all() if o.password_hash]
    found += [a.secret_encrypted for a in await Authenticator.all()]
    for code in await RecoveryCode.all():
        found += [code.code_hash, code.code_sealed]
    found += [s.token_hash for s in await Session.all()]
    found += [t.token_hash for t in await OneTimeToken.all()]
    found += [m.content_encrypted for m in await OutboxMessage.all() if m.content_encrypted]
    return [value for value in found if value]


async def test_json_lines_at_debug_carry_request_ids_and_no_secret(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    json_log: Captured,
) -> None:
    team = await make_team(hasher, clock)
    admin = await gql.session(team.admin.email)  # a login with a password
    # A secret, then recovery codes (from a session that proved the mailbox: a password
    # alone binds no authenticator).
    mailbox = await session_for(team.admin, clock, methods=[AuthenticationMethod.INVITATION])
    enrolled = await enroll(gql, mailbox, clock)
    clock.advance(timedelta(minutes=1))
    challenge = (await gql.login(team.admin.email))["challengeToken"]
    with_code = await gql.http.post(
        "/graphql",
        json={
            "query": VERIFY,
            "variables": {"challenge": challenge, "code": enrolled.recovery_codes[0]},
        },
        headers={"X-Request-ID": "trace-4711"},
    )
    assert with_code.headers["x-request-id"] == "trace-4711"
    session = with_code.json()["data"]["verifyTwoFactorCode"]["sessionToken"]
    assert session
    unsafe = await gql.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": 'a b"{}' + "x" * 200}
    )
    generated = unsafe.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)

    entries = [json.loads(line) for line in json_log.lines]  # every line is one JSON object
    assert len(entries) > 50
    assert all(line.count("\n") == 0 for line in json_log.lines)
    for entry in entries:
        assert {"time", "level", "logger", "message", "request_id"} <= entry.keys()
    access = [e for e in entries if e["logger"] == "twofa.access"]
    [traced] = [e for e in access if e["request_id"] == "trace-4711"]
    assert traced["method"] == "POST" and traced["path"] == "/graphql" and traced["status"] == 200
    assert traced["client"] == "127.0.0.1" and traced["duration_ms"] >= 0
    # SQL run while serving that request carries its id as well.
    assert any(
        e["logger"] == "tortoise.db_client" for e in entries if e["request_id"] == "trace-4711"
    )
    assert any(e["request_id"] == generated for e in access)
    assert any(e["request_id"] is None for e in entries)  # written outside any request

    text = "\n".join(json_log.lines)
    assert "[redacted]" in text  # the hashes' statements were logged, without their values
    secrets_seen = [PASSWORD, admin, enrolled.secret, challenge, session]
    secrets_seen += enrolled.recovery_codes + [c.replace("-", "") for c in enrolled.recovery_codes]
    secrets_seen += await stored_secrets()
    for value in secrets_seen:
        assert value not in text, f"a secret reached the logs: {value[:6]}…"


def test_log_format_is_text_or_json() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be one of text, json"):
        Settings.from_env({"LOG_FORMAT": "xml"})


AFTER_RESPONSE_SECONDS = 1.0
"""How long the work after a response takes in the test below."""


@pytest.mark.slow
async def test_the_logged_duration_ends_with_the_response_not_with_work_after_it(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset's lookup and email run after the answer: their time must not show, or the
    access log would tell whether the email exists."""
    finished: list[bool] = []

    async def slow_lookup(*args: object) -> None:
        await asyncio.sleep(AFTER_RESPONSE_SECONDS)
        finished.append(True)

    monkeypatch.setattr("services.passwords.send_reset_link", slow_lookup)
    caplog.set_level(logging.INFO, logger="twofa.access")
    response = await gql.post(
        'mutation { requestPasswordReset(input: {email: "someone@acme.example"}) '
        "{ userErrors { code } } }"
    )
    assert response.json()["data"]["requestPasswordReset"] == {"userErrors": []}
    assert finished == [True]  # the work ran, within the request's handling
    [access] = [r for r in caplog.records if r.name == "twofa.access"]
    assert access.__dict__["duration_ms"] < AFTER_RESPONSE_SECONDS * 1000


def _child_request_id(ids: multiprocessing.Queue[str]) -> None:
    ids.put(request_id_from(None))


def test_new_request_ids_are_random_across_requests_and_forked_workers() -> None:
    mine = [request_id_from(None) for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", made) for made in mine)
    # No part is shared or counted: each half alone tells every id apart.
    assert len({made[:16] for made in mine}) == len({made[16:] for made in mine}) == 1000
    forked = multiprocessing.get_context("fork")
    ids: multiprocessing.Queue[str] = forked.Queue()
    workers = [forked.Process(target=_child_request_id, args=(ids,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    theirs = [ids.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert len({*mine, *theirs}) == 1002
