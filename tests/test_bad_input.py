"""Bad input for every mutation: each gets a clear userErrors entry (or a GraphQL validation
error for wrong types and missing arguments), never an unexpected error, and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.connection import get_connection

from models import Throttle
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import link_token, text_of
from tests.support import (
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    enroll,
    gid,
    make_team,
    session_for,
)

BAD_TEXT = {
    "empty": "",
    "blank": "   ",
    "huge": "x" * 10_000,
    "nul": "abc\x00def",
    "lone surrogate": "\ud800abc",
    "control": "a\x07\x1bb",
}
BAD_IDS = {
    "malformed": "not an id",
    "wrong type": "QWNjb3VudDox",  # Account:1
    "huge key": "T3BlcmF0b3I6OTk5OTk5OTk5OTk5OQ==",  # Operator:9999999999999
    "negative key": "T3BlcmF0b3I6LTE=",  # Operator:-1
    "empty": "",
}
# Tables whose content is state; throttle counters and the audit log record attempts by design.
STATE_TABLES = (
    "accounts", "operators", "authenticators", "recovery_codes", "sessions", "one_time_tokens",
    "outbox_messages",
)  # fmt: skip


@dataclass
class World:
    """Valid values to start every case from."""

    admin: str
    basic: str
    """A session of a basic operator who has started (not confirmed) an enrollment."""
    configured: str
    challenge: str
    invitation: str
    reset: str
    """The token of a password reset link (for another account's administrator)."""
    basic_id: str
    invited_id: str
    foreign_id: str


async def snapshot() -> list[Any]:
    connection = get_connection("default")
    rows = []
    for table in STATE_TABLES:
        rows.append(await connection.execute_query_dict(f'SELECT * FROM "{table}" ORDER BY id'))  # noqa: S608
    return rows


@pytest.fixture
async def world(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> World:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    configured = await session_for(other.basic, clock)
    await enroll(gql, configured, clock)
    challenge = (await gql.login(other.basic.email))["challengeToken"]
    invited = await gql.data(
        'mutation { inviteOperator(input: {email: "inv@acme.example", name: "Inv"}) { operator { id } } }',
        token=admin,
    )
    await gql.data(
        "mutation ($e: String!) { requestPasswordReset(input: {email: $e}) { userErrors { code } } }",
        {"e": other.admin.email},
    )
    basic = await session_for(team.basic, clock)
    started = await gql.data(START_ENROLLMENT, token=basic)
    assert started["startTwoFactorEnrollment"]["userErrors"] == []
    # Everything queued is sent before the cases start: the outbox rows are in the snapshot,
    # and a message marked sent between two snapshots would look like a write by the case.
    # Found by their links, not their order: the app's background sender and ``deliver``
    # may each send some of them, so they can arrive in any order.
    messages = await deliver()
    assert len(messages) == 3
    invitation_mail = next(m for m in messages if "/invitations/accept" in text_of(m))
    reset_mail = next(m for m in messages if "/password/reset" in text_of(m))
    invitation = link_token(invitation_mail, f"{PUBLIC_URL}/invitations/accept")
    reset = link_token(reset_mail, f"{PUBLIC_URL}/password/reset")
    assert Tortoise.apps is not None
    return World(
        admin=admin, basic=basic, configured=configured,
        challenge=challenge, invitation=invitation, reset=reset, basic_id=gid(team.basic),
        invited_id=invited["inviteOperator"]["operator"]["id"], foreign_id=gid(other.basic),
    )  # fmt: skip


@dataclass(frozen=True)
class Case:
    """How to call a mutation well, and the one error each of its spoiled fields must get."""

    input_type: str
    caller: str
    valid: dict[str, Any]
    bad_values: dict[str, str]
    codes: dict[str, str]
    """Spoiled field -> its error code (for every bad value but those in EXCEPTIONS)."""


PASSWORD_INPUT = {"email": "basic@acme.example", "password": "correct horse battery staple"}
ACCEPT_INPUT = {"invitationToken": "<invitation>", "password": "a long password 123", "name": "Zoë"}
CHANGE_INPUT = {
    "currentPassword": "correct horse battery staple",
    "newPassword": "a long password 123",
}
RESET_INPUT = {"token": "<reset>", "newPassword": "a long password 123"}
CASES = {
    "login": Case("LoginInput", "nobody", PASSWORD_INPUT, BAD_TEXT, {"email": "INVALID_CREDENTIALS", "password": "INVALID_CREDENTIALS"}),
    "verifyTwoFactorCode": Case("VerifyTwoFactorCodeInput", "nobody", {"challengeToken": "<challenge>", "code": "123456"}, BAD_TEXT, {"challengeToken": "TOKEN_INVALID", "code": "INVALID_CODE"}),
    "setOperatorTwoFactorOverride": Case("SetOperatorTwoFactorOverrideInput", "admin", {"operatorId": "<basic>", "mode": "REQUIRED"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "clearOperatorTwoFactorOverride": Case("ClearOperatorTwoFactorOverrideInput", "admin", {"operatorId": "<basic>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "resetOperatorTwoFactor": Case("ResetOperatorTwoFactorInput", "admin", {"operatorId": "<basic>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "startTwoFactorEnrollment": Case("StartTwoFactorEnrollmentInput", "nobody", {"setupToken": "x"}, BAD_TEXT, {"setupToken": "TOKEN_INVALID"}),
    "confirmTwoFactorEnrollment": Case("ConfirmTwoFactorEnrollmentInput", "basic", {"code": "123456"}, BAD_TEXT, {"code": "INVALID_CODE"}),
    "disableTwoFactor": Case("DisableTwoFactorInput", "configured", {"code": "123456"}, BAD_TEXT, {"code": "INVALID_CODE"}),
    "regenerateRecoveryCodes": Case("RegenerateRecoveryCodesInput", "configured", {"code": "123456"}, BAD_TEXT, {"code": "INVALID_CODE"}),
    "inviteOperator": Case("InviteOperatorInput", "admin", {"email": "new@acme.example", "name": "New"}, BAD_TEXT, {"email": "INVALID_INPUT", "name": "INVALID_INPUT"}),
    "acceptInvitation": Case("AcceptInvitationInput", "nobody", ACCEPT_INPUT, BAD_TEXT, {"invitationToken": "TOKEN_INVALID", "password": "WEAK_PASSWORD", "name": "INVALID_INPUT"}),
    "changeOperatorRole": Case("ChangeOperatorRoleInput", "admin", {"operatorId": "<basic>", "role": "ADMINISTRATOR"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "deactivateOperator": Case("DeactivateOperatorInput", "admin", {"operatorId": "<basic>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "reactivateOperator": Case("ReactivateOperatorInput", "admin", {"operatorId": "<basic>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "unlockOperator": Case("UnlockOperatorInput", "admin", {"operatorId": "<basic>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "resendInvitation": Case("ResendInvitationInput", "admin", {"operatorId": "<invited>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "revokeInvitation": Case("RevokeInvitationInput", "admin", {"operatorId": "<invited>"}, BAD_IDS, {"operatorId": "NOT_FOUND"}),
    "changePassword": Case("ChangePasswordInput", "basic", CHANGE_INPUT, BAD_TEXT, {"currentPassword": "INVALID_CREDENTIALS", "newPassword": "WEAK_PASSWORD"}),
    "requestPasswordReset": Case("RequestPasswordResetInput", "nobody", {"email": "basic@acme.example"}, BAD_TEXT, {"email": "INVALID_INPUT"}),
    "resetPassword": Case("ResetPasswordInput", "nobody", RESET_INPUT, BAD_TEXT, {"token": "TOKEN_INVALID", "newPassword": "WEAK_PASSWORD"}),
}  # fmt: skip
EXCEPTIONS = {
    # Too long to be taken for a password at all; the short bad values are merely weak.
    ("acceptInvitation", "password", "huge"): "INVALID_INPUT",
    ("changePassword", "newPassword", "huge"): "INVALID_INPUT",
    ("resetPassword", "newPassword", "huge"): "INVALID_INPUT",
}
BY_OPERATOR_ID = {
    "setOperatorTwoFactorOverride",
    "clearOperatorTwoFactorOverride",
    "resetOperatorTwoFactor",
    "changeOperatorRole",
    "deactivateOperator",
    "reactivateOperator",
    "unlockOperator",
    "resendInvitation",
    "revokeInvitation",
}
"""Mutations on an operator by id: an operator of another account is spoiled input too."""
ON_INVITATIONS = {"resendInvitation", "revokeInvitation"}
"""Mutations on an open invitation: an operator who accepted theirs is spoiled input too."""


def resolve(value: Any, world: World) -> Any:
    return {
        "<challenge>": world.challenge, "<basic>": world.basic_id, "<invitation>": world.invitation,
        "<invited>": world.invited_id, "<reset>": world.reset,
    }.get(value, value)  # fmt: skip


@pytest.mark.parametrize("mutation", sorted(CASES))
async def test_bad_values_get_user_errors_and_write_nothing(
    gql: GraphQLClient, world: World, mutation: str
) -> None:
    case = CASES[mutation]
    token = {
        "nobody": None,
        "admin": world.admin,
        "basic": world.basic,
        "configured": world.configured,
    }[case.caller]
    document = f"mutation ($input: {case.input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ code field message }} }} }}"
    bad_values = case.bad_values
    if mutation in BY_OPERATOR_ID:
        bad_values = {**bad_values, "foreign": world.foreign_id}
    if mutation in ON_INVITATIONS:
        bad_values = {**bad_values, "active": world.basic_id}
    for field, field_code in case.codes.items():
        for label, bad in bad_values.items():
            # Every case starts with no failed attempt counted: else the sixth wrong code
            # or password in a row would be refused unseen, as TOO_MANY_ATTEMPTS.
            await Throttle.all().delete()
            before = await snapshot()
            valid = {k: resolve(v, world) for k, v in case.valid.items()}
            response = await gql.post(document, {"input": {**valid, field: bad}}, token=token)
            name = f"{mutation}.{field} = {label}"
            assert response.status_code == 200, name
            body = response.json()
            assert "errors" not in body, f"{name}: {body}"
            errors = body["data"][mutation]["userErrors"]
            code = EXCEPTIONS.get((mutation, field, label), field_code)
            # A login does not say which of email and password was wrong.
            where = None if mutation == "login" else ["input", field]
            assert [(e["code"], e["field"]) for e in errors] == [(code, where)], f"{name}: {errors}"
            assert errors[0]["message"]
            assert await snapshot() == before, f"{name} wrote something"


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ('mutation { login(input: {email: "a@b.c"}) { outcome } }', {}),  # missing argument
        ('mutation { login(input: {email: null, password: "p"}) { outcome } }', {}),  # null
        ('mutation { login(input: {email: 5, password: "p"}) { outcome } }', {}),  # wrong type
        (
            "mutation ($m: TwoFactorMode!) { setAccountTwoFactorDefault(input: {mode: $m}) { userErrors { code } } }",
            {"m": "SOMETIMES"},
        ),
        (
            "mutation ($m: TwoFactorMode!) { setAccountTwoFactorDefault(input: {mode: $m}) { userErrors { code } } }",
            {},
        ),
        (
            'mutation { inviteOperator(input: {email: "a@b.example", name: "A", role: OWNER}) { userErrors { code } } }',
            {},
        ),
    ],
)
async def test_missing_null_and_wrong_type_arguments_are_validation_errors(
    gql: GraphQLClient, world: World, document: str, variables: dict[str, Any]
) -> None:
    before = await snapshot()
    response = await gql.post(document, variables, token=world.admin)
    body = response.json()
    assert response.status_code == 200
    assert body.get("data") is None
    assert body["errors"] and body["errors"][0]["message"] != "Unexpected error."
    assert await snapshot() == before


async def test_huge_ids_and_cursors_are_null_or_refused_not_crashes(
    gql: GraphQLClient, world: World
) -> None:
    for bad in BAD_IDS.values():
        body = await gql.execute(
            "query ($id: ID!) { node(id: $id) { id } }", {"id": bad}, token=world.admin
        )
        assert body == {"data": {"node": None}}
    huge_cursor = "T3BlcmF0b3I6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"  # Operator:999999999999999999999
    body = await gql.execute(
        "query ($c: String) { viewer { account { operators(after: $c) { totalCount } } } }",
        {"c": huge_cursor},
        token=world.admin,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_logout_ends_the_session_for_the_rest_of_the_request(
    gql: GraphQLClient, world: World
) -> None:
    body = await gql.execute(
        "mutation { logout { userErrors { code } } setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } } }",
        token=world.admin,
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["setAccountTwoFactorDefault"]
    account = await gql.data("{ viewer { account { twoFactorDefault } } }", token=world.basic)
    assert account["viewer"]["account"]["twoFactorDefault"] == "OPTIONAL"
