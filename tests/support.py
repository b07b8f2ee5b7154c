"""Helpers for tests: the app under test, a small GraphQL client and ways to set up accounts
and operators."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

import httpx
import zxingcpp
from PIL import Image
from starlette.applications import Starlette
from starlette.types import ASGIApp
from tortoise.connection import get_connection
from tortoise.contrib.test import truncate_all_models

from mail.sender import OutboxSender
from models import (
    Account,
    Authenticator,
    Operator,
    OperatorRole,
    OperatorStatus,
    OutboxMessage,
    TwoFactorMode,
)
from schema.ids import encode_id
from services.accounts import create_account
from services.machinery.clock import Clock, FrozenClock
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from services.policy import TwoFactorState
from services.sessions import AuthenticationMethod, start_session
from services.validation import email_key, name_key, unclaimed_email_key
from services.webhooks.addresses import Resolver
from tests.mail_server import MailSink
from twofa.app import create_app
from twofa.settings import Settings

T = TypeVar("T")

PASSWORD = "correct horse battery staple"
PUBLIC_URL = "https://twofa.test"
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
"""Where every test's clock starts (a Monday morning)."""


CHEAP_ARGON2 = Argon2Parameters(time_cost=1, memory_cost_kib=256, parallelism=1)
"""argon2id at its cheapest, so that hashing does not dominate the suite's time."""


class CountingHasher(PasswordHasher):
    """A password hasher that counts argon2 verifications, real or against the dummy hash."""

    verifications = 0

    def _verify(self, hashed: str | None, secret: str) -> bool:
        self.verifications += 1
        return super()._verify(hashed, secret)


@asynccontextmanager
async def running_app(
    settings: Settings,
    clock: Clock,
    hasher: PasswordHasher,
    *,
    webhook_resolver: Resolver | None = None,
) -> AsyncIterator[Starlette]:
    """Start the app (database, mail and webhook senders) on an emptied database."""
    application = create_app(
        settings,
        clock=clock,
        hasher=hasher,
        mail_poll_seconds=0.02,
        webhook_resolver=webhook_resolver,
    )
    async with application.router.lifespan_context(application):
        await truncate_all_models()
        try:
            yield application
        finally:
            # Leave nothing behind for the next test's mail sender to deliver.
            await stop_senders(application)
            await truncate_all_models()


async def stop_senders(app: Starlette) -> None:
    """Stop the app's background mail and webhook senders; wait until their rounds ended."""
    app.state.outbox_sender.stop()
    app.state.webhook_sender.stop()
    await app.state.outbox_task
    await app.state.webhook_task


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float = 10.0) -> T:
    """Poll ``probe`` until it returns something other than None; fail after ``within`` s."""
    deadline = time.monotonic() + within
    while (found := await probe()) is None:
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
    return found


class Delivery:
    """Delivers the app's outbox now and tells what the SMTP server received.

    Reading the SMTP sink right after a request proves nothing about mail that is absent:
    the app's sender may simply not have run yet. Calling a ``Delivery`` first sends
    everything queued, so its answer is the complete list.
    """

    def __init__(self, sender: OutboxSender, sink: MailSink) -> None:
        self._sender = sender
        self._sink = sink

    async def __call__(self, within: float = 10.0) -> list[EmailMessage]:
        """Deliver every queued email, then return all the messages received in this test.

        The app's background sender may hold a message (its lease keeps this round away
        from it); then this waits, at most ``within`` seconds, until that one is marked sent
        too. The SMTP server has the message by then: it accepted it before it was marked.
        A delivery that failed fails the test at once.
        """
        deadline = time.monotonic() + within
        while True:
            await self._sender.run_once()
            unsent = await OutboxMessage.filter(sent_at__isnull=True).order_by("id")
            if not unsent:
                return self._sink.messages
            failed = [
                (m.recipient, m.kind, m.last_error) for m in unsent if m.attempts or m.given_up_at
            ]
            assert not failed, f"mail not delivered: {failed}"
            assert time.monotonic() < deadline, f"mail still held by a sender: {unsent}"
            await asyncio.sleep(0.01)


class GraphQLClient:
    """Posts GraphQL documents to the app, optionally with a bearer token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and return the raw HTTP response."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        # ASCII JSON, as browsers send it: lone surrogates travel as \ud800 escapes.
        body = json.dumps({"query": query, "variables": variables or {}})
        return await self.http.post("/graphql", content=body, headers=all_headers)

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Send one request and return its JSON body (``data`` and maybe ``errors``)."""
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Send one request that must succeed without top-level errors; return ``data``."""
        body = await self.execute(query, variables, token=token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Run the ``login`` mutation and return its payload."""
        data = await self.data(LOGIN, {"email": email, "password": password})
        payload: dict[str, Any] = data["login"]
        return payload

    async def session(self, email: str, password: str = PASSWORD) -> str:
        """Log in an operator whose login needs no code and return the session token."""
        payload = await self.login(email, password)
        assert payload["outcome"] == "AUTHENTICATED", payload
        token: str = payload["sessionToken"]
        return token


INVITE = """
mutation ($email: String!, $name: String!, $role: OperatorRole, $sso: Boolean) {
  inviteOperator(input: {email: $email, name: $name, role: $role, usesSingleSignOn: $sso}) {
    operator { id email name role status usesSingleSignOn }
    userErrors { code field message }
  }
}
"""
LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    outcome sessionToken challengeToken
    viewer { id email }
    userErrors { code field message lockedUntil }
  }
}
"""


@dataclass
class Team:
    """An account with an administrator and a basic operator, all with PASSWORD."""

    account: Account
    admin: Operator
    basic: Operator

    @property
    def account_id(self) -> str:
        """Global id of the account."""
        return encode_id("Account", self.account.id)


async def make_team(
    hasher: PasswordHasher,
    clock: Clock,
    *,
    name: str = "Acme",
    domain: str = "acme.example",
    default: TwoFactorMode = TwoFactorMode.OPTIONAL,
) -> Team:
    """Create an account with ``default``, its administrator and one basic operator."""
    account, admin = await create_account(
        name=name,
        admin_email=f"admin@{domain}",
        admin_password=PASSWORD,
        admin_name="Ada Admin",
        hasher=hasher,
        now=clock.now(),
    )
    if default is not TwoFactorMode.OPTIONAL:
        account.two_factor_default = default
        await account.save()
    basic = await add_operator(account, f"basic@{domain}", hasher, clock)
    return Team(account=account, admin=admin, basic=basic)


async def add_operator(
    account: Account,
    email: str,
    hasher: PasswordHasher,
    clock: Clock,
    *,
    role: OperatorRole = OperatorRole.BASIC,
    status: OperatorStatus = OperatorStatus.ACTIVE,
    uses_single_sign_on: bool = False,
    override: TwoFactorMode | None = None,
) -> Operator:
    """Insert an operator with PASSWORD (no password while INVITED)."""
    name = email.split("@", 1)[0].title()
    return await Operator.create(
        account=account,
        email=email,
        email_key=email_key(email) if status is OperatorStatus.ACTIVE else unclaimed_email_key(),
        email_folded=email_key(email),
        name=name,
        name_key=name_key(name),
        role=role,
        status=status,
        uses_single_sign_on=uses_single_sign_on,
        two_factor_override=override,
        password_hash=await hasher.hash(PASSWORD) if status is OperatorStatus.ACTIVE else None,
        created_at=clock.now(),
    )


def gid(operator: Operator) -> str:
    """Global id of an operator."""
    return encode_id("Operator", operator.id)


TWO_FACTOR_LOGIN = (AuthenticationMethod.PASSWORD, AuthenticationMethod.TOTP)
"""How a session is established by a full login with a code."""


async def session_for(
    operator: Operator,
    clock: Clock,
    *,
    methods: Sequence[AuthenticationMethod] = TWO_FACTOR_LOGIN,
) -> str:
    """Issue a session directly, for tests that are not about logging in.

    By default it is a two-factor session, which every policy accepts; tests of enforcement
    pass ``methods=[AuthenticationMethod.PASSWORD]`` for a password-only one.
    """
    return await start_session(operator, clock.now(), methods=methods)


def totp_code(secret: str, when: datetime) -> str:
    """The RFC 6238 code (SHA1, 6 digits, 30 s) of a base32 secret at ``when``.

    Written here from the RFCs, independently of the library the product uses.
    """
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    counter = int(when.timestamp()) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def read_qr_png(data_uri: str) -> str:
    """Decode the QR code in a ``data:image/png;base64,`` URI back to its text."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(data_uri[len(prefix) :])))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    text: str = results[0].text
    return text


START_ENROLLMENT = """
mutation ($setupToken: String) {
  startTwoFactorEnrollment(input: {setupToken: $setupToken}) {
    enrollment { secret otpauthUri qrCodePng qrCodeSvg expiresAt }
    userErrors { code field message }
  }
}
"""
CONFIRM_ENROLLMENT = """
mutation ($code: String!, $setupToken: String) {
  confirmTwoFactorEnrollment(input: {code: $code, setupToken: $setupToken}) {
    operator { email recoveryCodesRemaining effectiveTwoFactorPolicy { state codeRequiredAtLogin } }
    recoveryCodes sessionToken
    userErrors { code field message lockedUntil }
  }
}
"""
VERIFY = """
mutation ($challenge: String!, $code: String!) {
  verifyTwoFactorCode(input: {challengeToken: $challenge, code: $code}) {
    sessionToken viewer { email }
    userErrors { code field message lockedUntil }
  }
}
"""


@dataclass
class Enrolled:
    """An operator's confirmed authenticator, as the test knows it."""

    secret: str
    recovery_codes: list[str]


async def enroll(gql: GraphQLClient, token: str, clock: Clock) -> Enrolled:
    """Set up an authenticator through GraphQL for the session's operator."""
    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
    assert started["userErrors"] == [], started
    secret = started["enrollment"]["secret"]
    confirmed = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now())}, token=token
    )
    payload = confirmed["confirmTwoFactorEnrollment"]
    assert payload["userErrors"] == [], payload
    return Enrolled(secret=secret, recovery_codes=payload["recoveryCodes"])


async def verify(gql: GraphQLClient, challenge: str, code: str) -> dict[str, Any]:
    """Run ``verifyTwoFactorCode`` and return its payload."""
    data = await gql.data(VERIFY, {"challenge": challenge, "code": code})
    payload: dict[str, Any] = data["verifyTwoFactorCode"]
    return payload


async def set_default(team: Team, mode: TwoFactorMode) -> None:
    """Change the team account's default directly (for set-up, not under test)."""
    team.account.two_factor_default = mode
    await team.account.save(update_fields=["two_factor_default"])


WRONG = "wrong password, long enough"
"""A wrong password, long enough to be hashed."""
OWNER = "198.51.100.9"
"""The address an operator logs in from in throttling tests."""
ATTACKERS = [f"203.0.113.{n}" for n in range(1, 11)]
"""Addresses guesses come from in throttling tests."""


@asynccontextmanager
async def from_address(app: ASGIApp, address: str) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        yield GraphQLClient(http)


async def login_from(app: Starlette, address: str, email: str, password: str = WRONG) -> Any:
    """Log in once from ``address``; return the payload."""
    async with from_address(app, address) as gql:
        return await gql.login(email, password)


KEY_STATUS = "{ viewer { email } viewerSession { id } account { name } apiKey { name } }"
"""Who a request acts as: for an API key, no viewer or session, its account and itself."""
CREATE_API_KEY = """mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret apiKey { id name scopes prefix createdAt expiresAt lastUsedAt revokedAt
                  createdBy { email } }
  userErrors { code field } } }"""


async def create_key(
    gql: GraphQLClient, token: str, scopes: list[str], **more: Any
) -> dict[str, Any]:
    """Create an API key named "Nightly report" through GraphQL; return the payload."""
    variables = {"input": {"name": "Nightly report", "scopes": scopes, **more}}
    data = await gql.data(CREATE_API_KEY, variables, token=token)
    payload: dict[str, Any] = data["createApiKey"]
    return payload


async def give_state(
    operator: Operator, state: TwoFactorState, clock: FrozenClock, *, lapsed: bool = False
) -> None:
    """Store an authenticator row that stands for ``state`` (and mark the operator configured)."""
    if state is TwoFactorState.CONFIGURED:
        await Operator.filter(id=operator.id).update(two_factor_configured_at=clock.now())
        operator.two_factor_configured_at = clock.now()
        await Authenticator.create(
            operator=operator,
            secret_encrypted="x",
            confirmed_at=clock.now(),
            created_at=clock.now(),
        )
    elif state is TwoFactorState.PENDING or lapsed:
        expires = clock.now() + (timedelta(minutes=-1) if lapsed else timedelta(minutes=10))
        await Authenticator.create(
            operator=operator,
            secret_encrypted="x",
            pending_expires_at=expires,
            created_at=clock.now(),
        )


SEED = 10_000


async def seed_operators(account: Account, clock: FrozenClock) -> None:
    """Give the account 10,000 operators (and another account 1,000), in bulk."""
    other = await Account.create(name="Elsewhere", created_at=clock.now())
    operators = []
    for n in range(SEED + 1000):
        owner = account if n < SEED else other
        email = f"user{n:05d}@bulk.example"
        name = f"Person {n:05d}"
        operator = Operator(
            account_id=owner.id, email=email, email_key=email, email_folded=email,
            name=name, name_key=name_key(name), role=OperatorRole.BASIC,
            status=OperatorStatus.ACTIVE, created_at=clock.now(),
        )  # fmt: skip
        operators.append(operator)
    await Operator.bulk_create(operators, batch_size=1000)


async def plan_of(statement: str, parameters: Any) -> str:
    """The plan the database chooses for ``statement`` with its parameters."""
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("ANALYZE operators")  # as autovacuum would
        rows = await connection.execute_query_dict(f"EXPLAIN {statement}", list(parameters))
        return "\n".join(row["QUERY PLAN"] for row in rows)
    rows = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {statement}", list(parameters))
    return "\n".join(row["detail"] for row in rows)
