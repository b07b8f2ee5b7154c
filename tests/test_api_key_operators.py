"""An API key with MANAGE_OPERATORS manages operators as an administrator does, under the
same rules (the last administrator stays), without a recent authentication, audited as the
key; a key without the scope, or revoked while its request runs, changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from mail.outbox import Outbox
from models import ApiKey, AuditEvent, Operator, OperatorRole, OperatorStatus, Session
from services.acting import Machine
from services.errors import SessionEnded
from services.machinery.clock import FrozenClock
from services.machinery.dependencies import Dependencies
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import PasswordHasher
from services.operators.lifecycle import deactivate
from tests.smtp import text_of
from tests.support import (
    PUBLIC_URL,
    Delivery,
    GraphQLClient,
    create_key,
    gid,
    make_team,
    session_for,
)

INVITE = """mutation { inviteOperator(input: {email: "new@acme.example", name: "New"})
  { operator { id invitedBy { email } } userErrors { code } } }"""
BY_ID = {
    "resendInvitation": "operator { id }",
    "revokeInvitation": "revokedOperatorId",
    "deactivateOperator": "operator { status }",
    "reactivateOperator": "operator { status }",
    "unlockOperator": "operator { id }",
    "revokeOperatorSessions": "revokedCount",
}
ROLE = """mutation ($id: ID!, $role: OperatorRole!) { changeOperatorRole(input:
  {operatorId: $id, role: $role}) { operator { role } userErrors { code } } }"""


def by_id(name: str) -> str:
    """The document of a mutation whose input is one operator id."""
    return (
        f"mutation ($id: ID!) {{ {name}(input: {{operatorId: $id}}) "
        f"{{ {BY_ID[name]} userErrors {{ code }} }} }}"
    )


async def run(gql: GraphQLClient, document: str, secret: str, **variables: Any) -> Any:
    """Run a mutation with a key; return its one payload."""
    data = await gql.data(document, variables, token=secret)
    (payload,) = data.values()
    return payload


async def test_a_key_with_the_scope_manages_operators_under_an_administrators_rules(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    secret = (await create_key(gql, admin, ["MANAGE_OPERATORS", "READ_AUDIT_LOG"]))["secret"]
    await session_for(team.basic, clock)
    await deliver()

    invited = await run(gql, INVITE, secret)
    assert invited["userErrors"] == [] and invited["operator"]["invitedBy"] is None
    (mail,) = await deliver()
    assert "Nightly report (an API key of Acme)" in text_of(mail)
    new = invited["operator"]["id"]
    assert (await run(gql, by_id("resendInvitation"), secret, id=new))["userErrors"] == []
    assert (await run(gql, by_id("revokeInvitation"), secret, id=new))["userErrors"] == []

    basic = gid(team.basic)
    promoted = await run(gql, ROLE, secret, id=basic, role="ADMINISTRATOR")
    assert promoted["operator"] == {"role": "ADMINISTRATOR"}
    await run(gql, ROLE, secret, id=basic, role="BASIC")
    last = await run(gql, ROLE, secret, id=gid(team.admin), role="BASIC")
    assert last["userErrors"] == [{"code": "LAST_ADMINISTRATOR"}]

    ended = await run(gql, by_id("revokeOperatorSessions"), secret, id=basic)
    assert ended["revokedCount"] == 1
    assert (await run(gql, by_id("deactivateOperator"), secret, id=basic))["operator"] == {
        "status": "DEACTIVATED"
    }
    assert (await run(gql, by_id("reactivateOperator"), secret, id=basic))["operator"] == {
        "status": "ACTIVE"
    }
    assert (await run(gql, by_id("unlockOperator"), secret, id=basic))["userErrors"] == []

    kinds = (
        await AuditEvent.filter(api_key_id__isnull=False)
        .order_by("id")
        .values_list("kind", "actor_id")
    )
    assert kinds == [
        ("INVITATION_SENT", None),
        ("INVITATION_SENT", None),
        ("INVITATION_REVOKED", None),
        ("ROLE_CHANGED", None),
        ("ROLE_CHANGED", None),
        ("SESSIONS_REVOKED", None),
        ("OPERATOR_DEACTIVATED", None),
        ("OPERATOR_REACTIVATED", None),
        ("OPERATOR_UNLOCKED", None),
    ]
    assert (await Operator.get(id=team.admin.id)).role is OperatorRole.ADMINISTRATOR


async def test_a_key_without_the_scope_manages_no_operator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    secret = (await create_key(gql, admin, ["READ_OPERATORS", "MANAGE_TWO_FACTOR_POLICY"]))[
        "secret"
    ]
    await session_for(team.basic, clock)
    basic = gid(team.basic)
    documents = [(INVITE, {}), (ROLE, {"id": basic, "role": "ADMINISTRATOR"})]
    documents += [(by_id(name), {"id": basic}) for name in BY_ID]
    for document, variables in documents:
        body = (await gql.post(document, variables, token=secret)).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
    stored = await Operator.get(id=team.basic.id)
    assert (stored.role, stored.status) == (OperatorRole.BASIC, OperatorStatus.ACTIVE)
    assert await Session.filter(operator_id=team.basic.id).count() == 1
    assert await Operator.filter(email="new@acme.example").count() == 0
    assert await AuditEvent.filter(api_key_id__isnull=False).count() == 0


async def test_a_key_revoked_before_the_write_deactivates_nobody(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    box = SecretBox([generate_key()])
    deps = Dependencies(clock=clock, hasher=hasher, box=box, outbox=Outbox(box, PUBLIC_URL))
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await create_key(gql, admin, ["MANAGE_OPERATORS"])
    key = await ApiKey.get()  # as authentication read it, before the revocation
    await ApiKey.filter(id=key.id).update(revoked_at=clock.now())
    with pytest.raises(SessionEnded):
        await deactivate(deps, Machine(key), team.basic.id)
    assert (await Operator.get(id=team.basic.id)).status is OperatorStatus.ACTIVE
