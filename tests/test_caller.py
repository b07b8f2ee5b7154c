"""Who is calling reaches every service one way: each session-issuing path keeps the
request's address and user agent, as the session's audit event does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from models import AuditEvent, Session, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.tokens import hash_token
from tests.smtp import link_token
from tests.support import (
    CONFIRM_ENROLLMENT,
    INVITE,
    LOGIN,
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
)

ADDRESS = "198.51.100.23"
AGENT = "Console/2.0 (caller test)"
ACCEPT = """mutation ($token: String!) {
  acceptInvitation(input: {invitationToken: $token, password: "a long password 123"}) {
    sessionToken setupToken userErrors { code } } }"""


class Caller(GraphQLClient):
    """Requests from ADDRESS with the user agent AGENT."""

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token=token, headers={"user-agent": AGENT})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


async def kept_alike(token: str) -> None:
    """The session of ``token`` and its LOGIN_SUCCEEDED event name the caller alike."""
    session = await Session.get(token_hash=hash_token(token))
    assert (session.ip_address, session.user_agent) == (ADDRESS, AGENT)
    event = (
        await AuditEvent.filter(kind="LOGIN_SUCCEEDED", target_id=session.operator_id)
        .order_by("-id")
        .first()
    )
    assert event is not None
    assert (event.ip_address, event.user_agent) == (ADDRESS, AGENT)


async def test_every_way_to_a_session_keeps_the_callers_address_and_user_agent(
    app: Starlette,
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
) -> None:
    team = await make_team(hasher, clock)
    transport = httpx.ASGITransport(app=app, client=(ADDRESS, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        caller = Caller(http)
        # A password login.
        login = (await caller.data(LOGIN, {"email": team.basic.email, "password": PASSWORD}))[
            "login"
        ]
        await kept_alike(login["sessionToken"])
        # The code step.
        enrolled = await enroll(gql, await session_for(team.admin, clock), clock)
        challenge = (await caller.data(LOGIN, {"email": team.admin.email, "password": PASSWORD}))[
            "login"
        ]["challengeToken"]
        clock.advance(timedelta(seconds=30))  # past the step the enrollment used
        verified = (
            await caller.data(
                VERIFY, {"challenge": challenge, "code": totp_code(enrolled.secret, clock.now())}
            )
        )["verifyTwoFactorCode"]
        await kept_alike(verified["sessionToken"])
        # Accepting an invitation.
        admin = await session_for(team.admin, clock)
        await gql.data(INVITE, {"email": "new@acme.example", "name": "New"}, token=admin)
        invitation = link_token((await deliver())[-1], f"{PUBLIC_URL}/invitations/accept")
        accepted = (await caller.data(ACCEPT, {"token": invitation}))["acceptInvitation"]
        await kept_alike(accepted["sessionToken"])
        # Setting up 2FA from the emailed link logs the operator in.
        team.account.two_factor_default = TwoFactorMode.REQUIRED
        await team.account.save(update_fields=["two_factor_default"])
        await gql.login(team.basic.email)
        setup = link_token((await deliver())[-1], f"{PUBLIC_URL}/two-factor/setup")
        started = (await caller.data(START_ENROLLMENT, {"setupToken": setup}))[
            "startTwoFactorEnrollment"
        ]
        code = totp_code(started["enrollment"]["secret"], clock.now())
        confirmed = (await caller.data(CONFIRM_ENROLLMENT, {"code": code, "setupToken": setup}))[
            "confirmTwoFactorEnrollment"
        ]
        await kept_alike(confirmed["sessionToken"])
