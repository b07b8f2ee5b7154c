"""Nothing secret reaches the logs: no password, token, TOTP secret, code or recovery code."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from models import TwoFactorMode
from services.clock import FrozenClock
from services.passwords import PasswordHasher
from tests.smtp import link_token
from tests.support import (
    CONFIRM_ENROLLMENT,
    PASSWORD,
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    make_team,
    session_for,
    totp_code,
    verify,
)

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
