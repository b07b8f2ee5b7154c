"""Authority is checked at the write: an actor who is deactivated, demoted or signed out while
their request runs changes nothing after that moment.

The requests run concurrently against the real app and database. A password check is held
at a gate (``GatedHasher``), so that the owner's change lands while the administrator's
request is in the middle of it; on PostgreSQL the actor's row is held by a second
connection, so that the change lands between a mutation's start and its write.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from models import (
    Account,
    AuditEvent,
    Operator,
    OperatorRole,
    OperatorStatus,
    Session,
    TwoFactorMode,
)
from services.machinery.clock import FrozenClock
from services.sessions import AuthenticationMethod
from tests.support import (
    CHEAP_ARGON2,
    PASSWORD,
    CountingHasher,
    GraphQLClient,
    Team,
    add_operator,
    enroll,
    gid,
    make_team,
    session_for,
    totp_code,
)

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


class GatedHasher(CountingHasher):
    """Holds every password verification at a gate until the test opens it."""

    def __init__(self) -> None:
        super().__init__(CHEAP_ARGON2, queue_limit=1000, queue_seconds=60.0)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def _verify(self, hashed: str | None, secret: str) -> bool:
        self.entered.set()
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        return super()._verify(hashed, secret)


@pytest.fixture
def hasher() -> GatedHasher:
    """The app's hasher: password checks wait at the gate."""
    return GatedHasher()


@dataclass
class Scene:
    """An account with an administrator (the actor), its owner (another administrator) and a
    basic operator (the victim), each with a fresh two-factor session."""

    team: Team
    owner: Operator
    actor_token: str
    owner_token: str


@pytest.fixture
async def scene(hasher: GatedHasher, clock: FrozenClock) -> Scene:
    team = await make_team(hasher, clock)
    owner = await add_operator(
        team.account, "owner@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    return Scene(
        team=team,
        owner=owner,
        actor_token=await session_for(team.admin, clock),
        owner_token=await session_for(owner, clock),
    )


MID_REQUEST = """mutation ($password: String!, $victim: ID!) {
  reauthenticate(input: {password: $password}) { userErrors { code } }
  setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } }
  setOperatorTwoFactorOverride(input: {operatorId: $victim, mode: DISABLED}) { userErrors { code } }
  inviteOperator(input: {email: "backdoor@evil.example", name: "Back Door", role: ADMINISTRATOR}) {
    userErrors { code } } }"""
DEACTIVATE = """mutation ($id: ID!) {
  deactivateOperator(input: {operatorId: $id}) { userErrors { code } } }"""
DEMOTE = """mutation ($id: ID!) {
  changeOperatorRole(input: {operatorId: $id, role: BASIC}) { userErrors { code } } }"""
REVOKE_ALL = """mutation ($id: ID!) {
  revokeOperatorSessions(input: {operatorId: $id}) { userErrors { code } } }"""
LOGOUT = "mutation { logout { userErrors { code } } }"


async def held_at_the_gate(
    gql: GraphQLClient, hasher: GatedHasher, document: str, variables: dict[str, Any], token: str
) -> asyncio.Task[dict[str, Any]]:
    """Send a request and return once its password check waits at the gate."""
    request = asyncio.create_task(gql.execute(document, variables, token=token))
    entered = await asyncio.to_thread(hasher.entered.wait, 10)
    assert entered, "the request never reached its password check"
    return request


def top_level_codes(body: dict[str, Any]) -> list[str]:
    """The ``extensions.code`` of each top-level error, in order."""
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def nothing_changed_by(scene: Scene, since_id: int) -> None:
    """Assert that the actor's request changed nothing and logged nothing from ``since_id``."""
    account = await Account.get(id=scene.team.account.id)
    assert account.two_factor_default is TwoFactorMode.OPTIONAL
    victim = await Operator.get(id=scene.team.basic.id)
    assert victim.two_factor_override is None
    assert not await Operator.exists(email="backdoor@evil.example")
    by_actor = await AuditEvent.filter(id__gt=since_id, actor_id=scene.team.admin.id).values_list(
        "kind", flat=True
    )
    assert list(by_actor) == []


async def last_event_id() -> int:
    """The id of the newest audit event (0 when there is none)."""
    newest = await AuditEvent.all().order_by("-id").first()
    return newest.id if newest is not None else 0


ENDINGS: dict[str, Callable[[Scene], tuple[str, dict[str, Any], str]]] = {
    "deactivated by the owner": lambda s: (DEACTIVATE, {"id": gid(s.team.admin)}, s.owner_token),
    "signed out everywhere by the owner": lambda s: (
        REVOKE_ALL,
        {"id": gid(s.team.admin)},
        s.owner_token,
    ),
    "logged out in another tab": lambda s: (LOGOUT, {}, s.actor_token),
}
"""Ways the actor's session ends while their request runs: (mutation, variables, token)."""


@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_a_request_stops_acting_once_its_session_ends_mid_request(
    gql: GraphQLClient, hasher: GatedHasher, scene: Scene, ending: str
) -> None:
    since = await last_event_id()
    request = await held_at_the_gate(
        gql,
        hasher,
        MID_REQUEST,
        {"password": PASSWORD, "victim": gid(scene.team.basic)},
        scene.actor_token,
    )
    document, variables, token = ENDINGS[ending](scene)
    ended = await gql.data(document, variables, token=token)
    assert next(iter(ended.values()))["userErrors"] == []
    hasher.gate.set()
    body = await request
    # The password check finished after the session ended: its write is refused, and
    # every later field of the request runs without a session.
    assert body["data"] is None
    assert set(top_level_codes(body)) == {"UNAUTHENTICATED"}
    await nothing_changed_by(scene, since)


async def test_an_administrator_demoted_mid_request_is_refused_at_the_next_field(
    gql: GraphQLClient, hasher: GatedHasher, scene: Scene
) -> None:
    since = await last_event_id()
    request = await held_at_the_gate(
        gql,
        hasher,
        MID_REQUEST,
        {"password": PASSWORD, "victim": gid(scene.team.basic)},
        scene.actor_token,
    )
    demoted = await gql.data(DEMOTE, {"id": gid(scene.team.admin)}, token=scene.owner_token)
    assert demoted["changeOperatorRole"]["userErrors"] == []
    hasher.gate.set()
    body = await request
    # Renewing one's own session needs no role; the policy change after it does.
    assert "FORBIDDEN" in top_level_codes(body)
    assert "UNAUTHENTICATED" not in top_level_codes(body)
    account = await Account.get(id=scene.team.account.id)
    assert account.two_factor_default is TwoFactorMode.OPTIONAL
    assert not await Operator.exists(email="backdoor@evil.example")
    kinds = await AuditEvent.filter(id__gt=since, actor_id=scene.team.admin.id).values_list(
        "kind", flat=True
    )
    assert [str(kind) for kind in kinds] == ["REAUTHENTICATED"]


# -- At the write: the actor's row held by another transaction (PostgreSQL) ----------------


@dataclass
class Targets:
    """Operators that the administrators' mutations act on."""

    basic: Operator
    invited: Operator
    deactivated: Operator


async def targets(scene: Scene, hasher: CountingHasher, clock: FrozenClock) -> Targets:
    account = scene.team.account
    invited = await add_operator(
        account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED
    )
    deactivated = await add_operator(
        account, "gone@acme.example", hasher, clock, status=OperatorStatus.DEACTIVATED
    )
    return Targets(basic=scene.team.basic, invited=invited, deactivated=deactivated)


def by_id(mutation: str, extra: str = "") -> Callable[[Targets], tuple[str, dict[str, Any]]]:
    """A mutation whose input is the target operator's id (and ``extra`` fields)."""

    def build(targets: Targets) -> tuple[str, dict[str, Any]]:
        target = {
            "resendInvitation": targets.invited,
            "revokeInvitation": targets.invited,
            "reactivateOperator": targets.deactivated,
        }.get(mutation, targets.basic)
        document = (
            f"mutation ($id: ID!) {{ {mutation}(input: {{operatorId: $id{extra}}}) "
            "{ userErrors { code } } }"
        )
        return document, {"id": gid(target)}

    return build


ADMINISTRATORS_MUTATIONS: dict[str, Callable[[Targets], tuple[str, dict[str, Any]]]] = {
    "setAccountTwoFactorDefault": lambda _: (
        "mutation { setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } } }",
        {},
    ),
    "setOperatorTwoFactorOverride": by_id("setOperatorTwoFactorOverride", ", mode: DISABLED"),
    "clearOperatorTwoFactorOverride": by_id("clearOperatorTwoFactorOverride"),
    "resetOperatorTwoFactor": by_id("resetOperatorTwoFactor"),
    "inviteOperator": lambda _: (
        'mutation { inviteOperator(input: {email: "backdoor@evil.example", name: "Back Door", '
        "role: ADMINISTRATOR}) { userErrors { code } } }",
        {},
    ),
    "resendInvitation": by_id("resendInvitation"),
    "revokeInvitation": by_id("revokeInvitation"),
    "changeOperatorRole": by_id("changeOperatorRole", ", role: ADMINISTRATOR"),
    "deactivateOperator": by_id("deactivateOperator"),
    "reactivateOperator": by_id("reactivateOperator"),
    "unlockOperator": by_id("unlockOperator"),
    "revokeOperatorSessions": by_id("revokeOperatorSessions"),
}
"""Every administrator's mutation, with what it acts on."""


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@asynccontextmanager
async def actor_row_held(database_url: str, actor: Operator) -> AsyncIterator[asyncpg.Connection]:
    """Hold the actor's row in a transaction of another connection until the block ends.

    Yields that connection, inside its transaction; the block's changes commit at its end.
    """
    connection = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        async with connection.transaction():
            await connection.execute(
                f'SELECT 1 FROM "{Operator._meta.db_table}" WHERE id = $1 FOR UPDATE',  # noqa: S608 - a model's table
                actor.id,
            )
            yield connection
    finally:
        await connection.close()


async def until_a_query_waits_for_a_lock(database_url: str) -> None:
    """Return once a statement of the test database waits for a row lock."""
    watcher = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        for _ in range(500):
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if waiting:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the mutation never waited for the actor's row")
    finally:
        await watcher.close()


LOSSES: dict[str, tuple[str, str]] = {
    "deactivated": (
        "UPDATE \"{operator}\" SET status = 'DEACTIVATED' WHERE id = $1; "
        'DELETE FROM "{session}" WHERE operator_id = $1',
        "UNAUTHENTICATED",
    ),
    "signed out": ('DELETE FROM "{session}" WHERE operator_id = $1', "UNAUTHENTICATED"),
    "demoted": ("UPDATE \"{operator}\" SET role = 'BASIC' WHERE id = $1", "FORBIDDEN"),
}
"""What happens to the actor while their mutation waits, and the answer it must then get."""


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="row locks: SQLite runs one writing transaction at a time, so a change cannot "
    "land between a mutation's start and its write there",
)
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("mutation", sorted(ADMINISTRATORS_MUTATIONS))
async def test_an_administrators_mutation_reads_its_actor_at_the_write(
    gql: GraphQLClient,
    hasher: GatedHasher,
    clock: FrozenClock,
    scene: Scene,
    database_url: str,
    mutation: str,
    loss: str,
) -> None:
    hasher.gate.set()
    document, variables = ADMINISTRATORS_MUTATIONS[mutation](await targets(scene, hasher, clock))
    statements, expected = LOSSES[loss]
    since = await last_event_id()
    async with actor_row_held(database_url, scene.team.admin) as held:
        request = asyncio.create_task(gql.execute(document, variables, token=scene.actor_token))
        await until_a_query_waits_for_a_lock(database_url)
        for statement in statements.split("; "):
            await held.execute(
                statement.format(operator=Operator._meta.db_table, session=Session._meta.db_table),
                scene.team.admin.id,
            )
    body = await request
    assert top_level_codes(body) == [expected]
    by_actor = await AuditEvent.filter(id__gt=since, actor_id=scene.team.admin.id).count()
    assert by_actor == 0


SELF_SERVICE: dict[str, str] = {
    "changePassword": """mutation { changePassword(input: {
        currentPassword: "correct horse battery staple", newPassword: "a brand new passphrase"})
        { userErrors { code } } }""",
    "reauthenticate": """mutation ($code: String!) {
        reauthenticate(input: {password: "correct horse battery staple", code: $code}) {
        userErrors { code } } }""",
    "regenerateRecoveryCodes": """mutation ($code: String!) {
        regenerateRecoveryCodes(input: {code: $code}) { userErrors { code } } }""",
    "disableTwoFactor": """mutation ($code: String!) {
        disableTwoFactor(input: {code: $code}) { userErrors { code } } }""",
    "revokeOperatorSessions": """mutation ($self: ID!) {
        revokeOperatorSessions(input: {operatorId: $self}) { userErrors { code } } }""",
}
"""Mutations an operator runs on their own 2FA, password and sessions."""


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks (see above)")
@pytest.mark.parametrize("mutation", sorted(SELF_SERVICE))
async def test_an_operators_own_change_reads_their_session_at_the_write(
    gql: GraphQLClient,
    hasher: GatedHasher,
    clock: FrozenClock,
    scene: Scene,
    database_url: str,
    mutation: str,
) -> None:
    hasher.gate.set()
    basic = scene.team.basic
    token = await session_for(basic, clock, methods=[AuthenticationMethod.INVITATION])
    enrolled = await enroll(gql, token, clock)
    clock.advance(timedelta(minutes=1))  # past the step the enrollment used
    variables = {"code": totp_code(enrolled.secret, clock.now()), "self": gid(basic)}
    used = [v for v in ("code", "self") if f"${v}" in SELF_SERVICE[mutation]]
    since = await last_event_id()
    async with actor_row_held(database_url, basic) as held:
        request = asyncio.create_task(
            gql.execute(SELF_SERVICE[mutation], {k: variables[k] for k in used}, token=token)
        )
        await until_a_query_waits_for_a_lock(database_url)
        sign_out = f'DELETE FROM "{Session._meta.db_table}" WHERE operator_id = $1'  # noqa: S608 - a model's table
        await held.execute(sign_out, basic.id)
    body = await request
    assert top_level_codes(body) == ["UNAUTHENTICATED"]
    assert await AuditEvent.filter(id__gt=since, actor_id=basic.id).count() == 0
