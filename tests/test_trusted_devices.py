"""Trusted devices: a browser remembered at the second factor skips it at later logins."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from models import AuditEvent, Operator, TrustedDevice, TwoFactorMode
from schema.ids import encode_id
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.policy import TwoFactorState
from tests.smtp import link_token
from tests.support import (
    PASSWORD,
    PUBLIC_URL,
    Delivery,
    Enrolled,
    GraphQLClient,
    Team,
    create_key,
    enroll,
    gid,
    give_state,
    make_team,
    session_for,
    totp_code,
)
from twofa.app import create_app
from twofa.settings import Settings

LOGIN = """mutation ($email: String!, $password: String!, $device: String) {
  login(input: {email: $email, password: $password, deviceToken: $device}) {
    outcome sessionToken challengeToken availableSecondFactors userErrors { code } } }"""
VERIFY = """mutation ($challenge: String!, $code: String!, $remember: Boolean) {
  verifyTwoFactorCode(input: {challengeToken: $challenge, code: $code,
                              rememberDevice: $remember}) {
    sessionToken deviceToken userErrors { code } } }"""
SET_DAYS = """mutation ($days: Int!) { setAccountTrustedDeviceDays(input: {days: $days}) {
  account { trustedDeviceDays } userErrors { code field } } }"""
FORGET = """mutation ($id: ID!) { forgetTrustedDevice(input: {trustedDeviceId: $id}) {
  userErrors { code field } } }"""
MY_DEVICES = """{ viewer { trustedDevices {
  id createdAt lastUsedAt expiresAt ipAddress userAgent } } }"""
THEIR_DEVICES = """query ($id: ID!) { node(id: $id) { ... on Operator {
  trustedDevices { id } } } }"""
METHODS = "{ viewerSession { authenticationMethods } viewer { email } }"


async def login(
    gql: GraphQLClient, email: str, device: str | None, password: str = PASSWORD
) -> dict[str, Any]:
    """Log in with an optional device token; return the payload."""
    data = await gql.data(LOGIN, {"email": email, "password": password, "device": device})
    payload: dict[str, Any] = data["login"]
    return payload


async def remembered(gql: GraphQLClient, email: str, enrolled: Enrolled, clock: FrozenClock) -> str:
    """Log in with a code and ``rememberDevice``; return the device token."""
    clock.advance(timedelta(seconds=30))  # a code of a step not used yet
    challenge = (await login(gql, email, None))["challengeToken"]
    code = totp_code(enrolled.secret, clock.now())
    data = await gql.data(VERIFY, {"challenge": challenge, "code": code, "remember": True})
    payload = data["verifyTwoFactorCode"]
    assert payload["userErrors"] == [] and payload["deviceToken"], payload
    token: str = payload["deviceToken"]
    return token


async def set_days(gql: GraphQLClient, token: str, days: int) -> dict[str, Any]:
    """Run ``setAccountTrustedDeviceDays``; return its payload."""
    payload: dict[str, Any] = (await gql.data(SET_DAYS, {"days": days}, token=token))[
        "setAccountTrustedDeviceDays"
    ]
    return payload


async def team_with_devices(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, days: int = 7
) -> tuple[Team, str, Enrolled]:
    """A REQUIRED account with trusted devices on; its basic operator enrolled.

    Returns the team, the administrator's session and the basic operator's authenticator.
    """
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, days))["userErrors"] == []
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    team.account.two_factor_default = TwoFactorMode.REQUIRED
    await team.account.save(update_fields=["two_factor_default"])
    return team, admin, enrolled


async def test_a_remembered_browser_skips_the_code_for_its_operator_until_it_expires(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, _, enrolled = await team_with_devices(gql, hasher, clock)
    device = await remembered(gql, team.basic.email, enrolled, clock)

    clock.advance(timedelta(days=1))
    skipped = await login(gql, team.basic.email, device)
    assert skipped["outcome"] == "AUTHENTICATED" and skipped["availableSecondFactors"] == []
    session = await gql.data(METHODS, token=skipped["sessionToken"])  # REQUIRED accepts it
    assert session["viewerSession"]["authenticationMethods"] == ["PASSWORD", "TRUSTED_DEVICE"]
    assert session["viewer"] == {"email": team.basic.email}
    [listed] = (await gql.data(MY_DEVICES, token=skipped["sessionToken"]))["viewer"][
        "trustedDevices"
    ]
    assert listed["lastUsedAt"] == clock.now().isoformat()
    assert listed["expiresAt"] == (clock.now() + timedelta(days=6)).isoformat()
    assert listed["ipAddress"] == "127.0.0.1"

    # Never in place of the password.
    wrong = await login(gql, team.basic.email, device, password="wrong password, long enough")
    assert [e["code"] for e in wrong["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert wrong["sessionToken"] is None
    # Only for its own operator: another operator's login with it asks for the code.
    await give_state(team.admin, TwoFactorState.CONFIGURED, clock)
    foreign = await login(gql, team.admin.email, device)
    assert foreign["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    assert foreign["availableSecondFactors"] == ["TOTP"]
    # A made-up token is ignored the same way.
    made_up = await login(gql, team.basic.email, "not a device token")
    assert made_up["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    # Only until it expires.
    clock.advance(timedelta(days=6))
    expired = await login(gql, team.basic.email, device)
    assert expired["outcome"] == "TWO_FACTOR_CODE_REQUIRED"


async def test_no_device_token_while_the_setting_is_off(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, _, enrolled = await team_with_devices(gql, hasher, clock, days=0)
    clock.advance(timedelta(seconds=30))
    challenge = (await login(gql, team.basic.email, None))["challengeToken"]
    code = totp_code(enrolled.secret, clock.now())
    data = await gql.data(VERIFY, {"challenge": challenge, "code": code, "remember": True})
    assert data["verifyTwoFactorCode"]["sessionToken"]
    assert data["verifyTwoFactorCode"]["deviceToken"] is None
    assert not await TrustedDevice.exists(operator_id=team.basic.id)


async def test_fewer_days_shorten_the_devices_already_remembered(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, enrolled = await team_with_devices(gql, hasher, clock, days=30)
    device = await remembered(gql, team.basic.email, enrolled, clock)
    created = clock.now()
    clock.advance(timedelta(days=1))
    admin = await session_for(team.admin, clock)
    assert (await set_days(gql, admin, 2))["account"] == {"trustedDeviceDays": 2}
    stored = await TrustedDevice.get(operator_id=team.basic.id)
    assert stored.expires_at == created + timedelta(days=2)
    assert (await login(gql, team.basic.email, device))["outcome"] == "AUTHENTICATED"
    clock.advance(timedelta(days=1))
    assert (await login(gql, team.basic.email, device))["outcome"] == "TWO_FACTOR_CODE_REQUIRED"


async def test_the_setting_is_checked_and_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for days in (-1, 31):
        refused = await set_days(gql, admin, days)
        assert refused == {
            "account": None,
            "userErrors": [{"code": "INVALID_INPUT", "field": ["input", "days"]}],
        }
    basic = await gql.execute(SET_DAYS, {"days": 5}, token=await session_for(team.basic, clock))
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await set_days(gql, admin, 30))["account"] == {"trustedDeviceDays": 30}
    event = await AuditEvent.get(kind="TRUSTED_DEVICE_DAYS_CHANGED")
    assert (event.actor_id, event.details) == (team.admin.id, {"from": 0, "to": 30})
    # An API key with MANAGE_TWO_FACTOR_POLICY may change it too; one without may not.
    policy_key = (await create_key(gql, admin, ["MANAGE_TWO_FACTOR_POLICY"]))["secret"]
    assert (await set_days(gql, policy_key, 3))["account"] == {"trustedDeviceDays": 3}
    reader = (await create_key(gql, admin, ["READ_OPERATORS"]))["secret"]
    refused_key = await gql.execute(SET_DAYS, {"days": 5}, token=reader)
    assert refused_key["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_devices_are_listed_and_forgotten_by_their_operator_or_an_administrator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, enrolled = await team_with_devices(gql, hasher, clock)
    await remembered(gql, team.basic.email, enrolled, clock)
    device = await remembered(gql, team.basic.email, enrolled, clock)
    basic = await session_for(team.basic, clock)
    first, second = (await gql.data(MY_DEVICES, token=basic))["viewer"]["trustedDevices"]
    seen = await gql.data(THEIR_DEVICES, {"id": gid(team.basic)}, token=admin)
    assert seen["node"]["trustedDevices"] == [{"id": first["id"]}, {"id": second["id"]}]

    # Another operator's device answers as a missing one, and so does another account's.
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    outsider = await session_for(other.admin, clock)
    elsewhere = await session_for(team.admin, clock)
    admin_device = await TrustedDevice.create(
        operator_id=team.admin.id, token_hash="a" * 64, created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=1),
    )  # fmt: skip
    missing = [{"code": "NOT_FOUND", "field": ["input", "trustedDeviceId"]}]
    admin_id = encode_id("TrustedDevice", admin_device.id)
    assert (await gql.data(FORGET, {"id": admin_id}, token=basic))["forgetTrustedDevice"][
        "userErrors"
    ] == missing
    assert (await gql.data(FORGET, {"id": first["id"]}, token=outsider))["forgetTrustedDevice"][
        "userErrors"
    ] == missing
    assert (await gql.data(FORGET, {"id": "bm90IGFuIGlk"}, token=basic))["forgetTrustedDevice"][
        "userErrors"
    ] == missing
    foreign_list = await gql.execute(THEIR_DEVICES, {"id": gid(team.admin)}, token=basic)
    assert foreign_list["data"]["node"] is None or foreign_list["errors"]

    # The operator forgets one; an administrator the other.
    assert (await gql.data(FORGET, {"id": first["id"]}, token=basic))["forgetTrustedDevice"][
        "userErrors"
    ] == []
    assert (await gql.data(FORGET, {"id": second["id"]}, token=elsewhere))["forgetTrustedDevice"][
        "userErrors"
    ] == []
    assert (await gql.data(MY_DEVICES, token=basic))["viewer"]["trustedDevices"] == []
    assert (await login(gql, team.basic.email, device))["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    assert await AuditEvent.filter(kind="TRUSTED_DEVICES_FORGOTTEN").count() == 2


@asynccontextmanager
async def second_app(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher
) -> AsyncIterator[GraphQLClient]:
    """Another instance of the app on the same database, as a second process would be.

    It shares only the database with the first (its own caches, dependencies and key
    budget); the first app's lifespan keeps the database open for both.
    """
    other = create_app(settings, clock=clock, hasher=hasher)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        yield GraphQLClient(http)


NEW_PASSWORD = "a new password for the devices"


async def change_password(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                          deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    token = await session_for(team.basic, clock)
    data = await b.data(
        """mutation ($old: String!, $new: String!) { changePassword(input:
        {currentPassword: $old, newPassword: $new}) { userErrors { code } } }""",
        {"old": PASSWORD, "new": NEW_PASSWORD},
        token=token,
    )
    assert data["changePassword"]["userErrors"] == []
    return NEW_PASSWORD


async def reset_password(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                         deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    await b.data(
        "mutation ($e: String!) { requestPasswordReset(input: {email: $e}) { userErrors { code } } }",
        {"e": team.basic.email},
    )
    [mail] = [m for m in await deliver() if m["Subject"].startswith("Reset your password")]
    data = await b.data(
        """mutation ($t: String!, $p: String!) { resetPassword(input: {token: $t,
        newPassword: $p}) { userErrors { code } } }""",
        {"t": link_token(mail, f"{PUBLIC_URL}/password/reset"), "p": NEW_PASSWORD},
    )
    assert data["resetPassword"]["userErrors"] == []
    return NEW_PASSWORD


async def reset_two_factor(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                           deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    data = await b.data(
        """mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": gid(team.basic)},
        token=admin,
    )
    assert data["resetOperatorTwoFactor"]["userErrors"] == []
    return PASSWORD


async def disable_two_factor(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                             deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    token = await session_for(team.basic, clock)
    clock.advance(timedelta(seconds=30))
    data = await b.data(
        """mutation ($c: String!) { disableTwoFactor(input: {code: $c})
        { userErrors { code } } }""",
        {"c": totp_code(enrolled.secret, clock.now())},
        token=token,
    )
    assert data["disableTwoFactor"]["userErrors"] == []
    return PASSWORD


async def deactivate(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                     deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    for change in ("deactivateOperator", "reactivateOperator"):
        data = await b.data(
            f"""mutation ($id: ID!) {{ {change}(input: {{operatorId: $id}})
            {{ userErrors {{ code }} }} }}""",
            {"id": gid(team.basic)},
            token=admin,
        )
        assert data[change]["userErrors"] == []
    return PASSWORD


async def setting_off(b: GraphQLClient, team: Team, admin: str, clock: FrozenClock,
                      deliver: Delivery, enrolled: Enrolled) -> str:  # fmt: skip
    assert (await set_days(b, admin, 0))["userErrors"] == []
    assert (await set_days(b, admin, 7))["userErrors"] == []  # on again: the old one stays gone
    return PASSWORD


Forget = Callable[[GraphQLClient, Team, str, FrozenClock, Delivery, Enrolled], Awaitable[str]]
PATHS: dict[str, tuple[Forget, str]] = {
    "password change": (change_password, "password_changed"),
    "password reset": (reset_password, "password_reset"),
    "two-factor reset": (reset_two_factor, "two_factor_reset"),
    "two-factor disabled": (disable_two_factor, "two_factor_disabled"),
    "deactivation": (deactivate, "deactivated"),
    "setting dropped to 0": (setting_off, "setting_off"),
}


@pytest.mark.parametrize(("forget", "reason"), list(PATHS.values()), ids=list(PATHS))
async def test_every_change_that_voids_the_devices_forgets_them_in_every_process(
    app: Starlette,
    gql: GraphQLClient,
    settings: Settings,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    forget: Forget,
    reason: str,
) -> None:
    team, admin, enrolled = await team_with_devices(gql, hasher, clock)
    await Operator.filter(id=team.basic.id).update(two_factor_override=TwoFactorMode.OPTIONAL)
    device = await remembered(gql, team.basic.email, enrolled, clock)  # on app A
    assert (await login(gql, team.basic.email, device))["outcome"] == "AUTHENTICATED"

    async with second_app(settings, clock, hasher) as b:
        password = await forget(b, team, admin, clock, deliver, enrolled)

    assert not await TrustedDevice.exists(operator_id=team.basic.id)
    event = await AuditEvent.get(kind="TRUSTED_DEVICES_FORGOTTEN")
    assert (event.target_id, event.details) == (team.basic.id, {"count": 1, "reason": reason})
    # Back on app A the token stands for nothing: a code is asked, or (nothing set up any
    # more) the password alone logs in, never as a trusted device.
    after = await login(gql, team.basic.email, device, password=password)
    if after["outcome"] == "AUTHENTICATED":
        methods = await gql.data(METHODS, token=after["sessionToken"])
        assert methods["viewerSession"]["authenticationMethods"] == ["PASSWORD"]
    else:
        assert after["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
