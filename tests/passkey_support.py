"""GraphQL documents and steps shared by the passkey tests."""

from __future__ import annotations

from typing import Any

from models import Operator
from services.machinery.clock import Clock
from services.sessions import AuthenticationMethod
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.support import GraphQLClient, session_for

START_REGISTRATION = """
mutation ($t: String) { startPasskeyRegistration(input: {setupToken: $t}) {
  publicKeyOptions userErrors { code field message } } }
"""
FINISH_REGISTRATION = """
mutation ($name: String!, $c: JSON!, $t: String) {
  finishPasskeyRegistration(input: {name: $name, credential: $c, setupToken: $t}) {
    passkey { id name createdAt lastUsedAt } recoveryCodes sessionToken
    userErrors { code field message } } }
"""
START_VERIFICATION = """
mutation ($ch: String!) { startPasskeyVerification(input: {challengeToken: $ch}) {
  publicKeyOptions userErrors { code field } } }
"""
VERIFY_PASSKEY = """
mutation ($ch: String!, $c: JSON!, $r: Boolean) {
  verifyPasskey(input: {challengeToken: $ch, credential: $c, rememberDevice: $r}) {
    sessionToken deviceToken viewer { email } userErrors { code field lockedUntil } } }
"""
REMOVE_PASSKEY = """
mutation ($id: ID!) { removePasskey(input: {passkeyId: $id}) {
  operator { email effectiveTwoFactorPolicy { state } passkeys { name } }
  userErrors { code field } } }
"""
START_REAUTHENTICATION = """
mutation { startPasskeyReauthentication { publicKeyOptions userErrors { code } } }
"""
REAUTHENTICATE = """
mutation ($p: String!, $c: JSON, $code: String) {
  reauthenticate(input: {password: $p, credential: $c, code: $code}) {
    session { authenticatedAt authenticationMethods } userErrors { code field } } }
"""
STATE = "{ viewer { effectiveTwoFactorPolicy { state } passkeys { id name lastUsedAt } } }"


async def start_registration(
    gql: GraphQLClient, *, token: str | None = None, setup_token: str | None = None
) -> dict[str, Any]:
    """Run ``startPasskeyRegistration``; return its payload."""
    data = await gql.data(START_REGISTRATION, {"t": setup_token}, token=token)
    payload: dict[str, Any] = data["startPasskeyRegistration"]
    return payload


async def finish_registration(
    gql: GraphQLClient,
    credential: Any,
    *,
    token: str | None = None,
    setup_token: str | None = None,
    name: str = "Security key",
) -> dict[str, Any]:
    """Run ``finishPasskeyRegistration``; return its payload."""
    variables = {"name": name, "c": credential, "t": setup_token}
    data = await gql.data(FINISH_REGISTRATION, variables, token=token)
    payload: dict[str, Any] = data["finishPasskeyRegistration"]
    return payload


async def register(
    gql: GraphQLClient,
    authenticator: SoftwareAuthenticator,
    *,
    token: str | None = None,
    setup_token: str | None = None,
    name: str = "Security key",
) -> dict[str, Any]:
    """Register the authenticator's credential; return the finishing payload, checked."""
    started = await start_registration(gql, token=token, setup_token=setup_token)
    assert started["userErrors"] == [], started
    credential = authenticator.register(started["publicKeyOptions"])
    done = await finish_registration(
        gql, credential, token=token, setup_token=setup_token, name=name
    )
    assert done["userErrors"] == [], done
    return done


async def passkey_only(
    gql: GraphQLClient, operator: Operator, clock: Clock, authenticator: SoftwareAuthenticator
) -> str:
    """Give the operator a passkey as their only factor; return the session that added it.

    The session is one from accepting an invitation (it proved the mailbox), as a new
    operator would have.
    """
    token = await session_for(operator, clock, methods=[AuthenticationMethod.INVITATION])
    await register(gql, authenticator, token=token)
    return token


async def login_options(gql: GraphQLClient, email: str) -> tuple[str, dict[str, Any]]:
    """Log in with the password; return the challenge token and the passkey request options."""
    login = await gql.login(email)
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED", login
    challenge: str = login["challengeToken"]
    data = await gql.data(START_VERIFICATION, {"ch": challenge})
    started = data["startPasskeyVerification"]
    assert started["userErrors"] == [], started
    return challenge, started["publicKeyOptions"]


async def verify_passkey(
    gql: GraphQLClient, challenge: str, credential: Any, *, remember: bool | None = None
) -> dict[str, Any]:
    """Run ``verifyPasskey``; return its payload."""
    data = await gql.data(VERIFY_PASSKEY, {"ch": challenge, "c": credential, "r": remember})
    payload: dict[str, Any] = data["verifyPasskey"]
    return payload
