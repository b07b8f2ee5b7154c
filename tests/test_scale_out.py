"""Scale-out: two real ``twofa serve`` processes on one database behave as one service.

Data is set up in-process through the ORM; everything under test goes over HTTP to the two
servers, which share nothing but the database (and the SMTP server their outbox senders use).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from models import Authenticator, OutboxMessage
from tests.mail_server import SmtpServer
from tests.scale_out import CLOCK, challenge, code_of_step, fresh_code, wrong_code
from tests.servers import TwofaServer
from tests.support import (
    INVITE,
    VERIFY,
    CountingHasher,
    GraphQLClient,
    enroll,
    eventually,
    gid,
    make_team,
    session_for,
)

pytestmark = pytest.mark.server
"""Runs real twofa processes: left out of make test-fast."""

pytest_plugins = ["tests.two_servers"]
"""The two servers' fixtures: smtp, servers, running and nodes."""


async def test_one_code_sent_to_both_servers_at_once_is_accepted_once(
    nodes: tuple[GraphQLClient, GraphQLClient], hasher: CountingHasher
) -> None:
    a, b = nodes
    team = await make_team(hasher, CLOCK)
    enrolled = await enroll(a, await session_for(team.basic, CLOCK), CLOCK)
    challenges = [await challenge(a, team.basic.email), await challenge(b, team.basic.email)]
    code = await fresh_code(enrolled.secret, team.basic)

    first, second = await asyncio.gather(
        a.data(VERIFY, {"challenge": challenges[0], "code": code}),
        b.data(VERIFY, {"challenge": challenges[1], "code": code}),
    )

    payloads = [first["verifyTwoFactorCode"], second["verifyTwoFactorCode"]]
    accepted = [p for p in payloads if p["sessionToken"] is not None]
    refused = [p for p in payloads if p["sessionToken"] is None]
    assert len(accepted) == 1, payloads
    assert accepted[0]["userErrors"] == []
    assert accepted[0]["viewer"] == {"email": team.basic.email}
    assert len(refused) == 1, payloads
    assert [e["code"] for e in refused[0]["userErrors"]] in (
        ["CODE_ALREADY_USED"],
        ["TOO_MANY_ATTEMPTS"],
    ), refused
    authenticator = await Authenticator.get(operator_id=team.basic.id)
    assert code_of_step(enrolled.secret, authenticator.last_used_step) == code


async def test_failures_on_one_server_lock_the_operator_on_the_other(
    nodes: tuple[GraphQLClient, GraphQLClient], hasher: CountingHasher
) -> None:
    a, b = nodes
    team = await make_team(hasher, CLOCK)
    enrolled = await enroll(a, await session_for(team.basic, CLOCK), CLOCK)
    token = await challenge(a, team.basic.email)
    wrong = wrong_code(enrolled.secret)
    for _ in range(5):
        failed = (await a.data(VERIFY, {"challenge": token, "code": wrong}))["verifyTwoFactorCode"]
        assert [e["code"] for e in failed["userErrors"]] == ["INVALID_CODE"], failed
    step_before = (await Authenticator.get(operator_id=team.basic.id)).last_used_step

    right = await fresh_code(enrolled.secret, team.basic)
    locked = (await b.data(VERIFY, {"challenge": token, "code": right}))["verifyTwoFactorCode"]

    assert locked["sessionToken"] is None, locked
    [error] = locked["userErrors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS", locked
    locked_until = datetime.fromisoformat(error["lockedUntil"])
    assert 0 < (locked_until - datetime.now(UTC)).total_seconds() <= 30
    assert (await Authenticator.get(operator_id=team.basic.id)).last_used_step == step_before


async def test_mail_queued_on_either_server_is_delivered_exactly_once(
    nodes: tuple[GraphQLClient, GraphQLClient],
    running: tuple[TwofaServer, TwofaServer],
    hasher: CountingHasher,
    smtp: SmtpServer,
) -> None:
    team = await make_team(hasher, CLOCK)
    admin = await session_for(team.admin, CLOCK)
    recipients = [f"invitee{n}@acme.example" for n in range(10)]
    for n, email in enumerate(recipients):
        invited = await nodes[n % 2].data(
            INVITE, {"email": email, "name": f"Invitee {n}"}, token=admin
        )
        assert invited["inviteOperator"]["userErrors"] == [], invited

    async def all_sent() -> bool | None:
        unsent = OutboxMessage.filter(recipient__in=recipients, sent_at__isnull=True)
        return None if await unsent.exists() else True

    await eventually(all_sent, within=20)
    # A second sender that took a message too would still be delivering it. Stopping a
    # server ends its sender after the round it is in, so then the SMTP server has it all.
    for server in running:
        assert "Application shutdown complete." in server.stop()

    received = [m["To"] for m in smtp.sink.messages if m["To"] in recipients]
    assert sorted(received) == sorted(recipients)
    rows = await OutboxMessage.filter(recipient__in=recipients).values_list("kind", "attempts")
    assert sorted(rows) == [("invitation", 0)] * len(recipients)


async def test_a_policy_change_on_one_server_ends_password_sessions_on_the_other(
    nodes: tuple[GraphQLClient, GraphQLClient],
) -> None:
    a, b = nodes
    team = await make_team(CountingHasher(), CLOCK)
    await enroll(a, await session_for(team.admin, CLOCK), CLOCK)
    admin = await session_for(team.admin, CLOCK)
    on_a = await a.session(team.basic.email)  # the password alone, under OPTIONAL
    assert (await a.data("{ viewer { email } }", token=on_a))["viewer"] is not None
    changed = await b.data(
        "mutation { setAccountTwoFactorDefault(input: {mode: REQUIRED}) { userErrors { code } } }",
        token=admin,
    )
    assert changed["setAccountTwoFactorDefault"]["userErrors"] == []
    for node in (a, b):
        assert (await node.data("{ viewer { email } }", token=on_a))["viewer"] is None
    # Ended for good: relaxing the policy again, on either server, brings nothing back.
    relaxed = await a.data(
        "mutation { setAccountTwoFactorDefault(input: {mode: OPTIONAL}) { userErrors { code } } }",
        token=admin,
    )
    assert relaxed["setAccountTwoFactorDefault"]["userErrors"] == []
    for node in (a, b):
        assert (await node.data("{ viewer { email } }", token=on_a))["viewer"] is None


async def test_a_deactivation_on_one_server_ends_the_operators_sessions_on_the_other(
    nodes: tuple[GraphQLClient, GraphQLClient],
) -> None:
    a, b = nodes
    team = await make_team(CountingHasher(), CLOCK)
    admin = await session_for(team.admin, CLOCK)
    on_a = await a.session(team.basic.email)
    assert (await a.data("{ viewer { email } }", token=on_a))["viewer"] is not None
    deactivated = await b.data(
        "mutation ($id: ID!) { deactivateOperator(input: {operatorId: $id}) "
        "{ operator { status } userErrors { code } } }",
        {"id": gid(team.basic)},
        token=admin,
    )
    assert deactivated["deactivateOperator"] == {
        "operator": {"status": "DEACTIVATED"},
        "userErrors": [],
    }
    for node in (a, b):
        assert (await node.data("{ viewer { email } }", token=on_a))["viewer"] is None
        assert (await node.login(team.basic.email))["userErrors"][0]["code"] == (
            "INVALID_CREDENTIALS"
        )
