"""What a remembered browser may not do: outlive the setting, its factor, or stand for a code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import Account, AuditEvent, TrustedDevice, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.tokens import hash_token, new_token
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.passkey_support import (
    REMOVE_PASSKEY,
    STATE,
    login_options,
    passkey_only,
    verify_passkey,
)
from tests.support import (
    PASSWORD,
    Enrolled,
    GraphQLClient,
    Team,
    create_key,
    enroll,
    gid,
    make_team,
    session_for,
    totp_code,
)

SCOPES = ["MANAGE_OPERATORS"]
RECENT = "{ viewerSession { authenticatedAt reauthenticationExpiresAt } }"

LOGIN = """mutation ($email: String!, $device: String) {
  login(input: {email: $email, password: "correct horse battery staple", deviceToken: $device}) {
    outcome sessionToken challengeToken } }"""
VERIFY = """mutation ($challenge: String!, $code: String!) {
  verifyTwoFactorCode(input: {challengeToken: $challenge, code: $code, rememberDevice: true}) {
    deviceToken } }"""
SET_DAYS = """mutation ($days: Int!) { setAccountTrustedDeviceDays(input: {days: $days}) {
  userErrors { code } } }"""
ISSUE = """mutation ($id: ID!) { issueTemporaryAccessPass(input: {operatorId: $id}) {
  userErrors { code } } }"""
REAUTHENTICATE = """mutation ($password: String!, $code: String) {
  reauthenticate(input: {password: $password, code: $code}) { userErrors { code } } }"""
MY_DEVICES = "{ viewer { trustedDevices { id } } }"
FORGET = """mutation ($id: ID!) { forgetTrustedDevice(input: {trustedDeviceId: $id}) {
  userErrors { code } } }"""
VIEWER = "{ viewer { email } }"
CHANGE = """mutation ($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) { userErrors { code } } }"""


async def login(gql: GraphQLClient, email: str, device: str | None) -> dict[str, Any]:
    """Log in with the right password and an optional device token; return the payload."""
    payload: dict[str, Any] = (await gql.data(LOGIN, {"email": email, "device": device}))["login"]
    return payload


async def remembered(gql: GraphQLClient, email: str, enrolled: Enrolled, clock: FrozenClock) -> str:
    """Log in with a code, remembering the browser; return the device token."""
    clock.advance(timedelta(seconds=30))  # a code of a step not used yet
    challenge = (await login(gql, email, None))["challengeToken"]
    code = totp_code(enrolled.secret, clock.now())
    data = await gql.data(VERIFY, {"challenge": challenge, "code": code})
    token: str = data["verifyTwoFactorCode"]["deviceToken"]
    assert token
    return token


async def set_days(gql: GraphQLClient, token: str, days: int) -> dict[str, Any]:
    """Run ``setAccountTrustedDeviceDays``; return its payload."""
    payload: dict[str, Any] = (await gql.data(SET_DAYS, {"days": days}, token=token))[
        "setAccountTrustedDeviceDays"
    ]
    return payload


async def issue(gql: GraphQLClient, token: str, operator_id: str) -> dict[str, Any]:
    """Run ``issueTemporaryAccessPass``; return its payload."""
    data = await gql.data(ISSUE, {"id": operator_id}, token=token)
    payload: dict[str, Any] = data["issueTemporaryAccessPass"]
    return payload


async def team_with_devices(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, days: int
) -> tuple[Team, str]:
    """A REQUIRED account with trusted devices on and its basic operator enrolled."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, days))["userErrors"] == []
    await enroll(gql, await session_for(team.basic, clock), clock)
    await Account.filter(id=team.account.id).update(two_factor_default=TwoFactorMode.REQUIRED)
    return team, admin


async def raced_device(team: Team, clock: FrozenClock, days: int) -> str:
    """Store a device as ``remember`` would have, having read ``days`` before a change.

    Returns its token. This is the row a login commits when it read the setting just before
    an administrator's change committed (no lock orders the two).
    """
    token = new_token()
    await TrustedDevice.create(
        operator_id=team.basic.id,
        token_hash=hash_token(token),
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=days),
    )
    return token


async def test_a_device_remembered_while_the_setting_went_off_does_not_work_after_it_is_on(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await team_with_devices(gql, hasher, clock, days=30)
    assert (await set_days(gql, admin, 0))["userErrors"] == []
    device = await raced_device(team, clock, 30)
    assert (await set_days(gql, admin, 7))["userErrors"] == []
    assert not await TrustedDevice.exists(operator_id=team.basic.id)
    asked = await login(gql, team.basic.email, device)
    assert asked["outcome"] == "TWO_FACTOR_CODE_REQUIRED"


async def test_the_current_setting_caps_a_device_remembered_under_a_longer_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await team_with_devices(gql, hasher, clock, days=30)
    assert (await set_days(gql, admin, 1))["userErrors"] == []
    device = await raced_device(team, clock, 30)
    clock.advance(timedelta(hours=23))
    assert (await login(gql, team.basic.email, device))["outcome"] == "AUTHENTICATED"
    clock.advance(timedelta(hours=1))
    assert (await login(gql, team.basic.email, device))["outcome"] == "TWO_FACTOR_CODE_REQUIRED"


async def test_removing_the_last_passkey_forgets_the_devices(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await Account.filter(id=team.account.id).update(trusted_device_days=7)
    key = SoftwareAuthenticator()
    session = await passkey_only(gql, team.basic, clock, key)
    challenge, options = await login_options(gql, team.basic.email)
    done = await verify_passkey(gql, challenge, key.assertion(options), remember=True)
    assert done["deviceToken"]
    [passkey] = (await gql.data(STATE, token=session))["viewer"]["passkeys"]
    removed = (await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=session))[
        "removePasskey"
    ]
    assert removed["userErrors"] == []
    assert not await TrustedDevice.exists(operator_id=team.basic.id)
    event = await AuditEvent.get(kind="TRUSTED_DEVICES_FORGOTTEN", target_id=team.basic.id)
    assert event.details == {"count": 1, "reason": "two_factor_disabled"}


async def test_a_login_by_a_remembered_browser_is_not_a_recent_authentication(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, 7))["userErrors"] == []
    enrolled = await enroll(gql, admin, clock)
    device = await remembered(gql, team.admin.email, enrolled, clock)
    event = await AuditEvent.get(kind="TRUSTED_DEVICE_REMEMBERED", target_id=team.admin.id)
    [listed] = (await gql.data(MY_DEVICES, token=admin))["viewer"]["trustedDevices"]
    assert event.details["trustedDeviceId"] == listed["id"]
    skipped = await login(gql, team.admin.email, device)
    assert skipped["outcome"] == "AUTHENTICATED"
    session = skipped["sessionToken"]
    shown = (await gql.data(RECENT, token=session))["viewerSession"]
    assert shown["reauthenticationExpiresAt"] == shown["authenticatedAt"]
    stale = await create_key(gql, session, SCOPES)
    assert [e["code"] for e in stale["userErrors"]] == ["REAUTHENTICATION_REQUIRED"]
    stale_pass = await issue(gql, session, gid(team.basic))
    assert [e["code"] for e in stale_pass["userErrors"]] == ["REAUTHENTICATION_REQUIRED"]

    clock.advance(timedelta(seconds=30))
    code = totp_code(enrolled.secret, clock.now())
    data = await gql.data(REAUTHENTICATE, {"password": PASSWORD, "code": code}, token=session)
    assert data["reauthenticate"]["userErrors"] == []
    assert (await create_key(gql, session, SCOPES))["userErrors"] == []
    assert (await issue(gql, session, gid(team.basic)))["userErrors"] == []


async def admin_with_a_remembered_browser(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> tuple[Team, str, str]:
    """An administrator with an authenticator and a browser remembered for 7 days.

    Returns the team, a session of the administrator and the browser's device token.
    """
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, 7))["userErrors"] == []
    enrolled = await enroll(gql, admin, clock)
    return team, admin, await remembered(gql, team.admin.email, enrolled, clock)


async def test_forgetting_a_browser_ends_the_sessions_it_opened_and_no_other(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, _, device = await admin_with_a_remembered_browser(gql, hasher, clock)
    by_browser = (await login(gql, team.admin.email, device))["sessionToken"]
    by_code = await session_for(team.admin, clock)  # a second factor, not the browser
    assert (await gql.data(VIEWER, token=by_browser))["viewer"] is not None

    [listed] = (await gql.data(MY_DEVICES, token=by_code))["viewer"]["trustedDevices"]
    forgotten = await gql.data(FORGET, {"id": listed["id"]}, token=by_code)
    assert forgotten["forgetTrustedDevice"]["userErrors"] == []

    assert (await gql.data(VIEWER, token=by_browser))["viewer"] is None
    assert (await gql.data(VIEWER, token=by_code))["viewer"] is not None


async def test_turning_the_setting_off_ends_the_browsers_sessions(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, device = await admin_with_a_remembered_browser(gql, hasher, clock)
    by_browser = (await login(gql, team.admin.email, device))["sessionToken"]

    assert (await set_days(gql, admin, 0))["userErrors"] == []

    assert (await gql.data(VIEWER, token=by_browser))["viewer"] is None
    assert (await gql.data(VIEWER, token=admin))["viewer"] is not None


async def test_a_second_factor_given_in_a_browsers_session_frees_it_from_the_browser(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Changing the password forgets the browsers but keeps the session it is changed from."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, 7))["userErrors"] == []
    enrolled = await enroll(gql, admin, clock)
    device = await remembered(gql, team.admin.email, enrolled, clock)
    session = (await login(gql, team.admin.email, device))["sessionToken"]
    reauthenticated = await gql.data(
        REAUTHENTICATE, {"password": PASSWORD, "code": enrolled.recovery_codes[0]}, token=session
    )
    assert reauthenticated["reauthenticate"]["userErrors"] == []

    changed = await gql.data(
        CHANGE, {"current": PASSWORD, "new": "a brand new password 2026"}, token=session
    )

    assert changed["changePassword"]["userErrors"] == []
    assert not await TrustedDevice.exists(operator_id=team.admin.id)
    assert (await gql.data(VIEWER, token=session))["viewer"] is not None
