"""Scale-out of the stronger factors (SPEC 5.4): two real ``twofa serve`` processes.

A browser remembered through one server is forgotten for both when the other forgets it;
a temporary access pass and a passkey assertion each open exactly one session, whichever
servers they are sent to at once. Data is set up through the ORM; everything under test
goes over HTTP to the two servers, which share nothing but the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from models import Account, AuditEvent, Passkey, Session, TrustedDevice, TwoFactorMode
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.passkey_support import login_options, passkey_only, verify_passkey
from tests.scale_out import CLOCK, challenge, fresh_code
from tests.support import (
    PASSWORD,
    CountingHasher,
    Enrolled,
    GraphQLClient,
    Team,
    enroll,
    gid,
    make_team,
    session_for,
    verify,
)

pytestmark = pytest.mark.server
"""Runs real twofa processes: left out of make test-fast."""

pytest_plugins = ["tests.two_servers"]
"""The two servers' fixtures: smtp, servers, running and nodes."""

LOGIN = """mutation ($email: String!, $password: String!, $device: String) {
  login(input: {email: $email, password: $password, deviceToken: $device}) {
    outcome sessionToken challengeToken userErrors { code } } }"""
VERIFY_REMEMBERING = """mutation ($challenge: String!, $code: String!) {
  verifyTwoFactorCode(input: {challengeToken: $challenge, code: $code, rememberDevice: true}) {
    sessionToken deviceToken userErrors { code } } }"""
METHODS = "{ viewerSession { authenticationMethods } viewer { email } }"
MY_DEVICES = "{ viewer { trustedDevices { id } } }"
FORGET = """mutation ($id: ID!) { forgetTrustedDevice(input: {trustedDeviceId: $id}) {
  userErrors { code } } }"""
CHANGE_PASSWORD = """mutation ($old: String!, $new: String!) {
  changePassword(input: {currentPassword: $old, newPassword: $new}) { userErrors { code } } }"""
SET_DAYS = """mutation ($days: Int!) { setAccountTrustedDeviceDays(input: {days: $days}) {
  account { trustedDeviceDays } userErrors { code } } }"""
ISSUE_PASS = """mutation ($id: ID!) { issueTemporaryAccessPass(input: {operatorId: $id}) {
  pass userErrors { code } } }"""
NEW_PASSWORD = "a new password for every server"


async def login(gql: GraphQLClient, email: str, device: str, password: str) -> dict[str, Any]:
    """Log in on ``gql``'s server with the password and a device token; return the payload."""
    variables = {"email": email, "password": password, "device": device}
    payload: dict[str, Any] = (await gql.data(LOGIN, variables))["login"]
    return payload


async def forget_the_device(b: GraphQLClient, team: Team) -> str:
    """The operator forgets the browser on B; return the password to log in with."""
    token = await session_for(team.basic, CLOCK)
    [device] = (await b.data(MY_DEVICES, token=token))["viewer"]["trustedDevices"]
    forgotten = await b.data(FORGET, {"id": device["id"]}, token=token)
    assert forgotten["forgetTrustedDevice"]["userErrors"] == [], forgotten
    return PASSWORD


async def change_the_password(b: GraphQLClient, team: Team) -> str:
    """The operator changes their password on B; return the new one."""
    token = await session_for(team.basic, CLOCK)
    variables = {"old": PASSWORD, "new": NEW_PASSWORD}
    changed = await b.data(CHANGE_PASSWORD, variables, token=token)
    assert changed["changePassword"]["userErrors"] == [], changed
    return NEW_PASSWORD


async def turn_devices_off(b: GraphQLClient, team: Team) -> str:
    """An administrator sets the account's trusted-device days to 0 on B."""
    admin = await session_for(team.admin, CLOCK)
    changed = await b.data(SET_DAYS, {"days": 0}, token=admin)
    assert changed["setAccountTrustedDeviceDays"] == {
        "account": {"trustedDeviceDays": 0},
        "userErrors": [],
    }
    return PASSWORD


Forget = Callable[[GraphQLClient, Team], Awaitable[str]]
PATHS: dict[str, Forget] = {
    "forgetTrustedDevice": forget_the_device,
    "changePassword": change_the_password,
    "setAccountTrustedDeviceDays(0)": turn_devices_off,
}


async def remembered_on(a: GraphQLClient, team: Team, enrolled: Enrolled) -> str:
    """Log the basic operator in on A with a code and ``rememberDevice``; return the token."""
    token = await challenge(a, team.basic.email)
    code = await fresh_code(enrolled.secret, team.basic)
    payload = (await a.data(VERIFY_REMEMBERING, {"challenge": token, "code": code}))[
        "verifyTwoFactorCode"
    ]
    assert payload["userErrors"] == [] and payload["deviceToken"], payload
    device: str = payload["deviceToken"]
    return device


@pytest.mark.parametrize("forget", list(PATHS.values()), ids=list(PATHS))
async def test_a_browser_forgotten_on_one_server_is_asked_for_the_code_on_the_other(
    nodes: tuple[GraphQLClient, GraphQLClient], hasher: CountingHasher, forget: Forget
) -> None:
    a, b = nodes
    team = await make_team(hasher, CLOCK)
    await Account.filter(id=team.account.id).update(trusted_device_days=7)
    enrolled = await enroll(a, await session_for(team.basic, CLOCK), CLOCK)
    device = await remembered_on(a, team, enrolled)

    # Remembered through A, the browser skips the code on B, and on A too.
    for node in (b, a):
        skipped = await login(node, team.basic.email, device, PASSWORD)
        assert skipped["outcome"] == "AUTHENTICATED", skipped
        methods = await node.data(METHODS, token=skipped["sessionToken"])
        assert methods["viewerSession"]["authenticationMethods"] == ["PASSWORD", "TRUSTED_DEVICE"]

    password = await forget(b, team)

    assert not await TrustedDevice.exists(operator_id=team.basic.id)
    assert await AuditEvent.filter(kind="TRUSTED_DEVICES_FORGOTTEN").count() == 1
    # Back on A, the token stands for nothing any more.
    for node in (a, b):
        asked = await login(node, team.basic.email, device, password)
        assert asked["outcome"] == "TWO_FACTOR_CODE_REQUIRED", asked
        assert asked["sessionToken"] is None


async def test_one_temporary_access_pass_sent_to_both_servers_at_once_opens_one_session(
    nodes: tuple[GraphQLClient, GraphQLClient], hasher: CountingHasher
) -> None:
    a, b = nodes
    team = await make_team(hasher, CLOCK, default=TwoFactorMode.REQUIRED)
    admin = await session_for(team.admin, CLOCK)
    issued = (await a.data(ISSUE_PASS, {"id": gid(team.basic)}, token=admin))[
        "issueTemporaryAccessPass"
    ]
    assert issued["userErrors"] == [] and issued["pass"], issued
    challenges = [await challenge(a, team.basic.email), await challenge(b, team.basic.email)]

    payloads = await asyncio.gather(
        verify(a, challenges[0], issued["pass"]), verify(b, challenges[1], issued["pass"])
    )

    accepted = [p for p in payloads if p["sessionToken"] is not None]
    refused = [p for p in payloads if p["sessionToken"] is None]
    assert len(accepted) == 1 and len(refused) == 1, payloads
    assert accepted[0]["userErrors"] == [] and accepted[0]["viewer"] == {"email": team.basic.email}
    assert [e["code"] for e in refused[0]["userErrors"]] == ["INVALID_CODE"], refused
    assert await Session.filter(operator_id=team.basic.id).count() == 1
    assert await AuditEvent.filter(kind="TEMPORARY_ACCESS_PASS_USED").count() == 1


async def test_one_passkey_assertion_sent_to_both_servers_at_once_opens_one_session(
    nodes: tuple[GraphQLClient, GraphQLClient], hasher: CountingHasher
) -> None:
    a, b = nodes
    team = await make_team(hasher, CLOCK)
    key = SoftwareAuthenticator()
    await passkey_only(a, team.basic, CLOCK, key)
    sessions_before = await Session.filter(operator_id=team.basic.id).count()
    token, options = await login_options(a, team.basic.email)
    answer = key.assertion(options)

    payloads = await asyncio.gather(
        verify_passkey(a, token, answer), verify_passkey(b, token, answer)
    )

    accepted = [p for p in payloads if p["sessionToken"] is not None]
    refused = [p for p in payloads if p["sessionToken"] is None]
    assert len(accepted) == 1 and len(refused) == 1, payloads
    assert accepted[0]["userErrors"] == [] and accepted[0]["viewer"] == {"email": team.basic.email}
    # The passkey challenge is spent by the first answer; a loser that comes after the
    # winner consumed the login challenge finds that spent instead.
    assert [e["code"] for e in refused[0]["userErrors"]] in (
        ["PASSKEY_INVALID"],
        ["TOKEN_INVALID"],
    ), refused
    assert await Session.filter(operator_id=team.basic.id).count() == sessions_before + 1
    assert (await Passkey.get(operator_id=team.basic.id)).sign_count == key.counter == 1
