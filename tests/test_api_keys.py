"""API keys: created once by an administrator, stored as a digest, read within their scopes,
refused once revoked or expired, and never able to act as a person."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from models import ApiKey, AuditEvent
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    KEY_STATUS as ACCOUNT,
)
from tests.support import (
    GraphQLClient,
    Team,
    create_key,
    gid,
    make_team,
    session_for,
)

CREATE = """mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret apiKey { id name scopes prefix createdAt expiresAt lastUsedAt revokedAt
                  createdBy { email } }
  userErrors { code field } } }"""
REVOKE = """mutation ($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) {
  apiKey { revokedAt } userErrors { code field } } }"""
OPERATORS = """{ account { operators(first: 10) { edges { node { email
  sessions(first: 5) { edges { node { id } } } } } }
  twoFactorSummary { totalOperators } } }"""
AUDIT = "{ account { auditEvents(first: 5) { edges { node { kind details } } } } }"


async def admin_key(
    gql: GraphQLClient, team: Team, clock: FrozenClock, scopes: list[str]
) -> tuple[str, dict[str, Any]]:
    """An administrator's fresh session creates a key; return its secret and the key."""
    token = await session_for(team.admin, clock)
    payload = await create_key(gql, token, scopes)
    assert payload["userErrors"] == []
    return payload["secret"], payload["apiKey"]


async def test_a_key_is_shown_once_stored_as_a_digest_and_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    payload = await create_key(gql, token, ["READ_AUDIT_LOG", "READ_OPERATORS"])
    secret, key = payload["secret"], payload["apiKey"]
    assert payload["userErrors"] == []
    # 256 random bits beyond what the prefix shows (6 characters): 43 URL-safe characters.
    assert secret.startswith("twofa_key_") and len(secret) >= len(key_prefix := secret[:16]) + 43
    assert key_prefix.startswith("twofa_key_")
    assert key["scopes"] == ["READ_OPERATORS", "READ_AUDIT_LOG"]  # in the enum's order
    assert key["prefix"] == secret[:16]
    assert key["createdBy"] == {"email": team.admin.email}
    assert key["expiresAt"].startswith((clock.now() + timedelta(days=90)).isoformat()[:19])
    assert (key["lastUsedAt"], key["revokedAt"]) == (None, None)
    (stored,) = await ApiKey.all().values()
    assert stored["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored)
    listed = await gql.data("{ viewer { account { apiKeys { edges { node { id prefix } } } } } }",
                            token=token)  # fmt: skip
    assert listed["viewer"]["account"]["apiKeys"]["edges"] == [
        {"node": {"id": key["id"], "prefix": key["prefix"]}}
    ]
    (event,) = await AuditEvent.filter(kind="API_KEY_CREATED")
    assert event.actor_id == team.admin.id
    assert event.details == {
        "apiKeyId": key["id"],
        "name": "Nightly report",
        "prefix": key["prefix"],
        "scopes": ["READ_OPERATORS", "READ_AUDIT_LOG"],
    }
    assert secret not in str(event.details)


async def test_bad_names_scopes_and_lifetimes_are_user_errors_and_write_nothing(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"scopes": []}, ["input", "scopes"]),
        ({"scopes": ["READ_OPERATORS"], "expiresInDays": 0}, ["input", "expiresInDays"]),
        ({"scopes": ["READ_OPERATORS"], "expiresInDays": 366}, ["input", "expiresInDays"]),
        ({"scopes": ["READ_OPERATORS"], "name": " "}, ["input", "name"]),
        ({"scopes": ["READ_OPERATORS"], "name": "x" * 201}, ["input", "name"]),
    ]
    for given, field in cases:
        variables = {"input": {"name": "Nightly report", **given}}
        payload = (await gql.data(CREATE, variables, token=token))["createApiKey"]
        assert payload["userErrors"] == [{"code": "INVALID_INPUT", "field": field}], given
        assert payload["secret"] is None
    assert await ApiKey.all().count() == 0
    assert await AuditEvent.filter(kind="API_KEY_CREATED").count() == 0


async def test_only_an_administrator_with_a_recent_authentication_creates_keys(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    basic = await session_for(team.basic, clock)
    refused = (await gql.post(CREATE, {"input": {"name": "x", "scopes": ["READ_OPERATORS"]}},
                              token=basic)).json()  # fmt: skip
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = (
        await gql.post(CREATE, {"input": {"name": "x", "scopes": ["READ_OPERATORS"]}})
    ).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    stale = await session_for(team.admin, clock)
    clock.advance(timedelta(hours=3))
    payload = await create_key(gql, stale, ["READ_OPERATORS"])
    assert payload["userErrors"] == [{"code": "REAUTHENTICATION_REQUIRED", "field": None}]
    assert await ApiKey.all().count() == 0


async def test_a_key_acts_for_its_account_within_its_scopes_and_never_as_a_person(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await session_for(team.basic, clock)
    readers, _ = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    auditors, _ = await admin_key(gql, team, clock, ["READ_AUDIT_LOG"])

    who = await gql.data(ACCOUNT, token=readers)
    assert who == {
        "viewer": None,
        "viewerSession": None,
        "account": {"name": team.account.name},
        "apiKey": {"name": "Nightly report"},
    }
    listed = (await gql.data(OPERATORS, token=readers))["account"]
    emails = {edge["node"]["email"] for edge in listed["operators"]["edges"]}
    assert emails == {team.admin.email, team.basic.email}
    sessions = {
        edge["node"]["email"]: len(edge["node"]["sessions"]["edges"])
        for edge in listed["operators"]["edges"]
    }
    assert sessions[team.basic.email] == 1
    assert listed["twoFactorSummary"]["totalOperators"] == 2
    assert (await gql.post(AUDIT, token=readers)).json()["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"

    events = (await gql.data(AUDIT, token=auditors))["account"]["auditEvents"]["edges"]
    assert events[0]["node"]["kind"] == "API_KEY_CREATED"
    assert (await gql.post(OPERATORS, token=auditors)).json()["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"

    # A key never acts as a person, nor manages keys.
    for document in (
        "mutation { logout { userErrors { code } } }",
        "mutation { setAccountTwoFactorDefault(input: {mode: OPTIONAL}) { userErrors { code } } }",
        'mutation { createApiKey(input: {name: "k", scopes: [READ_OPERATORS]}) { secret } }',
        "{ account { apiKeys { edges { node { id } } } } }",
    ):
        body = (await gql.post(document, token=readers)).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document


async def test_a_key_reads_by_id_only_what_its_scopes_and_account_allow(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Globex", domain="globex.example")
    readers, key = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    auditors, _ = await admin_key(gql, team, clock, ["READ_AUDIT_LOG"])
    node = "query ($id: ID!) { node(id: $id) { id } }"
    mine, theirs = gid(team.basic), gid(other.basic)
    assert (await gql.data(node, {"id": mine}, token=readers))["node"] == {"id": mine}
    assert (await gql.data(node, {"id": theirs}, token=readers))["node"] is None
    assert (await gql.data(node, {"id": mine}, token=auditors))["node"] is None
    assert (await gql.data(node, {"id": team.account_id}, token=readers))["node"] == {
        "id": team.account_id
    }
    assert (await gql.data(node, {"id": other.account_id}, token=readers))["node"] is None
    assert (await gql.data(node, {"id": key["id"]}, token=readers))["node"] == {"id": key["id"]}
    assert (await gql.data(node, {"id": key["id"]}, token=auditors))["node"] is None


async def test_use_is_recorded_and_a_revoked_or_expired_key_is_an_invalid_token(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Globex", domain="globex.example")
    secret, key = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    expiring, _ = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    assert (await gql.data(ACCOUNT, token=secret))["account"] is not None
    (used,) = await ApiKey.filter(id__isnull=False, prefix=key["prefix"]).values(
        "last_used_at", "last_used_address"
    )
    assert used["last_used_at"] == clock.now()
    assert used["last_used_address"] == "127.0.0.1"

    admin = await session_for(team.admin, clock)
    foreign = await session_for(other.admin, clock)
    not_theirs = (await gql.data(REVOKE, {"id": key["id"]}, token=foreign))["revokeApiKey"]
    assert not_theirs["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "apiKeyId"]}]
    revoked = (await gql.data(REVOKE, {"id": key["id"]}, token=admin))["revokeApiKey"]
    assert revoked["apiKey"]["revokedAt"] is not None
    again = (await gql.data(REVOKE, {"id": key["id"]}, token=admin))["revokeApiKey"]
    assert again == revoked
    assert await AuditEvent.filter(kind="API_KEY_REVOKED").count() == 1

    refused = await gql.post(ACCOUNT, token=secret)
    assert refused.json()["data"]["account"] is None
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    clock.advance(timedelta(days=90, seconds=1))
    assert (await gql.post(ACCOUNT, token=expiring)).json()["data"]["account"] is None


async def test_requests_after_a_revocation_commits_are_all_refused(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    secret, key = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    admin = await session_for(team.admin, clock)
    transport = httpx.ASGITransport(app=app)

    async def status() -> bool:
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            answer = await GraphQLClient(http).post(ACCOUNT, token=secret)
        return bool(answer.json()["data"]["account"])

    before = await asyncio.gather(*(status() for _ in range(30)))
    assert all(before)
    await gql.data(REVOKE, {"id": key["id"]}, token=admin)
    after = await asyncio.gather(*(status() for _ in range(60)))
    assert not any(after)


async def test_an_account_holds_at_most_100_live_keys(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    await ApiKey.bulk_create(
        [
            ApiKey(
                account_id=team.account.id, name=f"k{n}", scopes=["READ_OPERATORS"],
                prefix="twofa_key_xxxxxx", digest=f"{n:064x}", created_at=clock.now(),
                expires_at=clock.now() + timedelta(days=1),
            )
            for n in range(100)
        ]
    )  # fmt: skip
    full = await create_key(gql, token, ["READ_OPERATORS"])
    assert full["userErrors"] == [{"code": "INVALID_INPUT", "field": ["input", "name"]}]
    await ApiKey.filter(name="k0").update(revoked_at=clock.now())
    assert (await create_key(gql, token, ["READ_OPERATORS"]))["userErrors"] == []


async def test_a_key_without_read_operators_reads_no_operator_through_other_fields(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    auditors, _ = await admin_key(gql, team, clock, ["READ_AUDIT_LOG"])
    readers, _ = await admin_key(gql, team, clock, ["READ_OPERATORS", "READ_AUDIT_LOG"])
    document = """{ apiKey { createdBy { email } }
      account { auditEvents(first: 5) { edges { node { actor { email } target { email } } } } } }"""
    alone = await gql.data(document, token=auditors)
    assert alone["apiKey"]["createdBy"] is None
    events = [edge["node"] for edge in alone["account"]["auditEvents"]["edges"]]
    assert events and all(e["actor"] is None and e["target"] is None for e in events)
    both = await gql.data(document, token=readers)
    assert both["apiKey"]["createdBy"] == {"email": team.admin.email}
    actors = [edge["node"]["actor"] for edge in both["account"]["auditEvents"]["edges"]]
    assert {"email": team.admin.email} in actors


async def test_neither_the_secret_nor_its_digest_reaches_a_debug_log(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, SQL statements and their values included
    team = await make_team(hasher, clock)
    secret, key = await admin_key(gql, team, clock, ["READ_OPERATORS"])
    await gql.data(ACCOUNT, token=secret)
    admin = await session_for(team.admin, clock)
    await gql.data(REVOKE, {"id": key["id"]}, token=admin)
    text = "\n".join(record.getMessage() + " " + str(record.args) for record in caplog.records)
    assert "api_keys" in text  # the statements were captured
    assert secret not in text
    assert hashlib.sha256(secret.encode()).hexdigest() not in text


PERSON_ONLY = {
    "login": 'login(input: {email: "admin@acme.example", password: "x"}) { outcome }',
    "verifyTwoFactorCode": 'verifyTwoFactorCode(input: {challengeToken: "t", code: "123456"}) '
    "{ sessionToken }",
    "logout": "logout { userErrors { code } }",
    "startTwoFactorEnrollment": "startTwoFactorEnrollment(input: {}) { userErrors { code } }",
    "confirmTwoFactorEnrollment": 'confirmTwoFactorEnrollment(input: {code: "123456"}) '
    "{ userErrors { code } }",
    "disableTwoFactor": 'disableTwoFactor(input: {code: "123456"}) { userErrors { code } }',
    "regenerateRecoveryCodes": 'regenerateRecoveryCodes(input: {code: "123456"}) '
    "{ userErrors { code } }",
    "acceptInvitation": 'acceptInvitation(input: {invitationToken: "t", password: "x"}) '
    "{ userErrors { code } }",
    "reauthenticate": 'reauthenticate(input: {password: "x"}) { userErrors { code } }',
    "revokeSession": 'revokeSession(input: {sessionId: "U2Vzc2lvbjox"}) { userErrors { code } }',
    "changePassword": 'changePassword(input: {currentPassword: "x", newPassword: "y"}) '
    "{ userErrors { code } }",
    "requestPasswordReset": 'requestPasswordReset(input: {email: "admin@acme.example"}) '
    "{ userErrors { code } }",
    "resetPassword": 'resetPassword(input: {token: "t", newPassword: "y"}) { userErrors { code } }',
    "createApiKey": 'createApiKey(input: {name: "k", scopes: [READ_OPERATORS]}) { secret }',
    "revokeApiKey": 'revokeApiKey(input: {apiKeyId: "QXBpS2V5OjE="}) { userErrors { code } }',
    "createWebhookEndpoint": 'createWebhookEndpoint(input: {url: "https://93.184.216.34/", '
    'eventTypes: ["two_factor.reset"]}) { secret }',
    "updateWebhookEndpoint": 'updateWebhookEndpoint(input: {endpointId: "V2ViaG9va0VuZHBvaW50OjE=",'
    " enabled: false}) { userErrors { code } }",
    "deleteWebhookEndpoint": 'deleteWebhookEndpoint(input: {endpointId: "V2ViaG9va0VuZHBvaW50OjE="})'
    " { userErrors { code } }",
    "rotateWebhookSecret": 'rotateWebhookSecret(input: {endpointId: "V2ViaG9va0VuZHBvaW50OjE="}) '
    "{ secret }",
    "sendTestWebhook": 'sendTestWebhook(input: {endpointId: "V2ViaG9va0VuZHBvaW50OjE="}) '
    "{ userErrors { code } }",
    "redeliverWebhook": 'redeliverWebhook(input: {deliveryId: "V2ViaG9va0RlbGl2ZXJ5OjE="}) '
    "{ userErrors { code } }",
    "forgetTrustedDevice": 'forgetTrustedDevice(input: {trustedDeviceId: "VHJ1c3RlZERldmljZTox"}) '
    "{ userErrors { code } }",
    "issueTemporaryAccessPass": 'issueTemporaryAccessPass(input: {operatorId: "T3BlcmF0b3I6Mg=="}) '
    "{ pass }",
    "startPasskeyRegistration": "startPasskeyRegistration(input: {}) { userErrors { code } }",
    "finishPasskeyRegistration": 'finishPasskeyRegistration(input: {name: "k", credential: {}}) '
    "{ userErrors { code } }",
    "removePasskey": 'removePasskey(input: {passkeyId: "UGFzc2tleTox"}) { userErrors { code } }',
    "startPasskeyVerification": 'startPasskeyVerification(input: {challengeToken: "t"}) '
    "{ userErrors { code } }",
    "verifyPasskey": 'verifyPasskey(input: {challengeToken: "t", credential: {}}) { sessionToken }',
    "startPasskeyReauthentication": "startPasskeyReauthentication { userErrors { code } }",
}
"""Every mutation a key may never call, whatever its scopes (SPEC 5.1): the person's own
flows, passwords, keys and webhooks. The administrators' other mutations take keys with a scope."""


@pytest.mark.parametrize("field", list(PERSON_ONLY), ids=list(PERSON_ONLY))
async def test_a_key_with_every_scope_is_refused_what_only_a_person_does(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, field: str
) -> None:
    team = await make_team(hasher, clock)
    every = ["READ_OPERATORS", "READ_AUDIT_LOG", "MANAGE_OPERATORS", "MANAGE_TWO_FACTOR_POLICY"]
    secret, _ = await admin_key(gql, team, clock, every)
    events = await AuditEvent.all().count()
    once = (await gql.post(f"mutation {{ {PERSON_ONLY[field]} }}", token=secret)).json()
    assert once["data"] is None
    assert once["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Twice under aliases, as an attacker would send it: neither runs.
    aliased = f"mutation {{ a: {PERSON_ONLY[field]} b: {PERSON_ONLY[field]} }}"
    twice = (await gql.post(aliased, token=secret)).json()
    assert twice["data"] is None
    assert twice["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "TOO_MANY_PASSWORD_CHECKS"}
    assert await AuditEvent.all().count() == events
    assert await ApiKey.all().count() == 1


def test_the_person_only_table_and_the_keys_mutations_cover_the_whole_schema() -> None:
    """A new mutation must be put in PERSON_ONLY or given to keys with a scope."""
    from resolvers.schema import schema

    for_keys = {
        "setAccountTwoFactorDefault", "setOperatorTwoFactorOverride",
        "clearOperatorTwoFactorOverride", "resetOperatorTwoFactor", "inviteOperator",
        "resendInvitation", "revokeInvitation", "changeOperatorRole", "deactivateOperator",
        "reactivateOperator", "unlockOperator", "revokeOperatorSessions",
        "setAccountTrustedDeviceDays",
    }  # fmt: skip
    mutation_type = schema.get_type_by_name("Mutation")
    assert mutation_type is not None
    names = {
        schema.config.name_converter.get_graphql_name(field)
        for field in mutation_type.fields  # type: ignore[union-attr]
    }
    assert names == set(PERSON_ONLY) | for_keys
