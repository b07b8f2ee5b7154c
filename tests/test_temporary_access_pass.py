"""Temporary access passes: an administrator lets a locked-out operator in once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from models import AuditEvent, Authenticator, OperatorStatus, RecoveryCode, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    CONFIRM_ENROLLMENT,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    Team,
    add_operator,
    create_key,
    enroll,
    gid,
    make_team,
    session_for,
    totp_code,
    verify,
)

ISSUE = """mutation ($id: ID!, $minutes: Int) {
  issueTemporaryAccessPass(input: {operatorId: $id, validForMinutes: $minutes}) {
    pass expiresAt userErrors { code field } } }"""
LOGIN = """mutation ($email: String!) {
  login(input: {email: $email, password: "correct horse battery staple"}) {
    outcome sessionToken challengeToken availableSecondFactors } }"""
VERIFY_REMEMBERING = """mutation ($challenge: String!, $code: String!) {
  verifyTwoFactorCode(input: {challengeToken: $challenge, code: $code, rememberDevice: true}) {
    sessionToken deviceToken userErrors { code } } }"""
METHODS = "{ viewerSession { authenticationMethods } viewer { email } }"
PASS_SHAPE = re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")


async def issue(
    gql: GraphQLClient, token: str, operator_id: str, minutes: int | None = None
) -> dict[str, Any]:
    """Run ``issueTemporaryAccessPass``; return its payload."""
    variables = {"id": operator_id, "minutes": minutes}
    payload: dict[str, Any] = (await gql.data(ISSUE, variables, token=token))[
        "issueTemporaryAccessPass"
    ]
    return payload


async def login(gql: GraphQLClient, email: str) -> dict[str, Any]:
    """Log in with the right password; return the payload."""
    payload: dict[str, Any] = (await gql.data(LOGIN, {"email": email}))["login"]
    return payload


async def required_team(hasher: PasswordHasher, clock: FrozenClock) -> tuple[Team, str]:
    """A REQUIRED account whose basic operator set up nothing; and the admin's session."""
    team = await make_team(hasher, clock, default=TwoFactorMode.REQUIRED)
    return team, await session_for(team.admin, clock)


async def test_an_administrator_issues_a_pass_within_the_rules(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    issued = await issue(gql, admin, gid(team.basic))
    assert issued["userErrors"] == []
    assert PASS_SHAPE.match(issued["pass"])
    assert issued["expiresAt"] == (clock.now() + timedelta(minutes=60)).isoformat()
    for minutes in (10, 43_200):
        assert (await issue(gql, admin, gid(team.basic), minutes))["userErrors"] == []
    for minutes in (9, 43_201, 0, -5):
        refused = await issue(gql, admin, gid(team.basic), minutes)
        assert refused == {
            "pass": None,
            "expiresAt": None,
            "userErrors": [{"code": "INVALID_INPUT", "field": ["input", "validForMinutes"]}],
        }
    not_allowed = [{"code": "NOT_ALLOWED_BY_POLICY", "field": ["input", "operatorId"]}]
    assert (await issue(gql, admin, gid(team.admin)))["userErrors"] == not_allowed  # oneself
    sso = await add_operator(
        team.account, "sso@acme.example", hasher, clock, uses_single_sign_on=True
    )
    exempt = await add_operator(
        team.account, "off@acme.example", hasher, clock, override=TwoFactorMode.DISABLED
    )
    gone = await add_operator(
        team.account, "gone@acme.example", hasher, clock, status=OperatorStatus.DEACTIVATED
    )
    for operator in (sso, exempt, gone):
        assert (await issue(gql, admin, gid(operator)))["userErrors"] == not_allowed
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    assert (await issue(gql, admin, gid(other.basic)))["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "operatorId"]}
    ]
    basic = await gql.execute(
        ISSUE, {"id": gid(team.admin)}, token=await session_for(team.basic, clock)
    )
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    key = (await create_key(gql, admin, ["MANAGE_OPERATORS", "MANAGE_TWO_FACTOR_POLICY"]))["secret"]
    keyed = await gql.execute(ISSUE, {"id": gid(team.basic)}, token=key)
    assert keyed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    clock.advance(timedelta(hours=3))  # past the reauthentication window
    stale = await issue(gql, admin, gid(team.basic))
    assert [e["code"] for e in stale["userErrors"]] == ["REAUTHENTICATION_REQUIRED"]
    # Three passes were issued (the refusals issued none).
    assert await AuditEvent.filter(kind="TEMPORARY_ACCESS_PASS_ISSUED").count() == 3


async def test_the_operator_is_emailed_without_the_pass_and_it_is_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team, admin = await required_team(hasher, clock)
    issued = await issue(gql, admin, gid(team.basic), 120)
    [message] = await deliver()
    assert message["To"] == team.basic.email
    assert message["Subject"] == "A temporary access pass was issued to you"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "Ada Admin" in body
        assert (clock.now() + timedelta(minutes=120)).strftime("%Y-%m-%d %H:%M UTC") in body
        assert "tell your administrator" in body
        assert issued["pass"] not in body and issued["pass"].replace("-", "") not in body
    event = await AuditEvent.get(kind="TEMPORARY_ACCESS_PASS_ISSUED")
    assert (event.actor_id, event.target_id) == (team.admin.id, team.basic.id)
    assert event.details == {"expiresAt": issued["expiresAt"]}


async def test_a_pass_lets_an_operator_without_a_factor_in_once(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    assert (await login(gql, team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    issued = await issue(gql, admin, gid(team.basic))
    asked = await login(gql, team.basic.email)
    assert asked["outcome"] == "TWO_FACTOR_CODE_REQUIRED" and asked["sessionToken"] is None
    assert asked["availableSecondFactors"] == ["TEMPORARY_ACCESS_PASS"]

    typed = issued["pass"].upper().replace("-", " ")  # as typed, in any case and spacing
    data = await gql.data(VERIFY_REMEMBERING, {"challenge": asked["challengeToken"], "code": typed})
    payload = data["verifyTwoFactorCode"]
    assert payload["userErrors"] == [] and payload["deviceToken"] is None  # never remembered
    session = await gql.data(METHODS, token=payload["sessionToken"])
    assert session["viewerSession"]["authenticationMethods"] == [
        "PASSWORD",
        "TEMPORARY_ACCESS_PASS",
    ]
    assert session["viewer"] == {"email": team.basic.email}
    event = await AuditEvent.get(kind="TEMPORARY_ACCESS_PASS_USED")
    assert (event.actor_id, event.target_id) == (team.basic.id, team.basic.id)

    # Used up: the next login emails the setup link again, and the pass is refused.
    again = await login(gql, team.basic.email)
    assert again["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"


async def test_parallel_uses_of_one_pass_give_exactly_one_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    issued = await issue(gql, admin, gid(team.basic))
    challenges = [(await login(gql, team.basic.email))["challengeToken"] for _ in range(10)]
    answers = await asyncio.gather(
        *(verify(gql, challenge, issued["pass"]) for challenge in challenges)
    )
    assert sum(1 for answer in answers if answer["sessionToken"]) == 1
    assert await AuditEvent.filter(kind="TEMPORARY_ACCESS_PASS_USED").count() == 1


async def test_a_new_pass_voids_the_previous_and_a_pass_expires(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    first = await issue(gql, admin, gid(team.basic))
    assert (await issue(gql, admin, gid(team.basic), 10))["userErrors"] == []
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    refused = await verify(gql, challenge, first["pass"])
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_CODE"]
    clock.advance(timedelta(minutes=10))
    assert (await login(gql, team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    # An enrolled operator still gets the code step, where an expired pass is refused.
    team.account.two_factor_default = TwoFactorMode.OPTIONAL
    await team.account.save(update_fields=["two_factor_default"])
    await enroll(gql, await session_for(team.basic, clock), clock)
    third = await issue(gql, admin, gid(team.basic), 10)
    clock.advance(timedelta(minutes=10))
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    expired = await verify(gql, challenge, third["pass"])
    assert [e["code"] for e in expired["userErrors"]] == ["INVALID_CODE"]


async def test_wrong_passes_count_towards_the_code_lock(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    issued = await issue(gql, admin, gid(team.basic))
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    data = await gql.data(
        "mutation ($c: String!) {"
        + " ".join(
            f'a{n}: verifyTwoFactorCode(input: {{challengeToken: $c, code: "abcd-efgh-jkmn-pq{n}{n}"}})'
            " { sessionToken userErrors { code } }"
            for n in range(2, 8)
        )
        + "}",
        {"c": challenge},
    )
    codes = [answer["userErrors"][0]["code"] for answer in data.values()]
    assert codes == ["INVALID_CODE"] * 5 + ["TOO_MANY_ATTEMPTS"]
    locked = await verify(gql, challenge, issued["pass"])  # the right pass, while locked
    assert [e["code"] for e in locked["userErrors"]] == ["TOO_MANY_ATTEMPTS"]
    assert await AuditEvent.filter(kind="CODE_REJECTED").count() == 5
    clock.advance(timedelta(minutes=1))
    assert (await verify(gql, challenge, issued["pass"]))["sessionToken"]


async def test_a_pass_session_sets_up_a_first_authenticator_without_the_link(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team, admin = await required_team(hasher, clock)
    issued = await issue(gql, admin, gid(team.basic))
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    session = (await verify(gql, challenge, issued["pass"]))["sessionToken"]
    enrolled = await enroll(gql, session, clock)
    assert len(enrolled.recovery_codes) == 10
    assert [m["Subject"] for m in await deliver()] == [
        "A temporary access pass was issued to you",
        "Two-factor authentication is on",
    ]  # no setup link was needed


async def test_a_pass_session_replaces_a_lost_authenticator(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin = await required_team(hasher, clock)
    team.account.two_factor_default = TwoFactorMode.OPTIONAL
    await team.account.save(update_fields=["two_factor_default"])
    lost = await enroll(gql, await session_for(team.basic, clock), clock)
    team.account.two_factor_default = TwoFactorMode.REQUIRED
    await team.account.save(update_fields=["two_factor_default"])
    elsewhere = await session_for(team.basic, clock)  # e.g. on the lost phone
    # Without a pass, a configured operator cannot start again.
    refused = (await gql.data(START_ENROLLMENT, token=elsewhere))["startTwoFactorEnrollment"]
    assert [e["code"] for e in refused["userErrors"]] == ["ALREADY_CONFIGURED"]

    issued = await issue(gql, admin, gid(team.basic))
    asked = await login(gql, team.basic.email)
    assert asked["availableSecondFactors"] == ["TOTP", "RECOVERY_CODE", "TEMPORARY_ACCESS_PASS"]
    session = (await verify(gql, asked["challengeToken"], issued["pass"]))["sessionToken"]
    started = (await gql.data(START_ENROLLMENT, token=session))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []
    # The lost authenticator and its codes are gone, and so is the phone's session.
    assert not await Authenticator.exists(operator_id=team.basic.id, confirmed_at__isnull=False)
    assert not await RecoveryCode.exists(operator_id=team.basic.id)
    assert (await gql.data(METHODS, token=elsewhere))["viewer"] is None
    assert (await gql.data(METHODS, token=session))["viewer"] == {"email": team.basic.email}
    secret = started["enrollment"]["secret"]
    confirmed = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now())}, token=session
    )
    payload = confirmed["confirmTwoFactorEnrollment"]
    assert payload["userErrors"] == [] and len(payload["recoveryCodes"]) == 10
    assert payload["operator"]["effectiveTwoFactorPolicy"]["state"] == "CONFIGURED"
    event = await AuditEvent.get(kind="ENROLLMENT_STARTED", details={"replacesAuthenticator": True})
    assert event.target_id == team.basic.id

    clock.advance(timedelta(seconds=30))
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    old = await verify(gql, challenge, totp_code(lost.secret, clock.now()))
    assert [e["code"] for e in old["userErrors"]] == ["INVALID_CODE"]
    assert (await verify(gql, challenge, totp_code(secret, clock.now())))["sessionToken"]


async def test_a_pass_is_accepted_at_login_only(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, await session_for(team.basic, clock), clock)
    issued = await issue(gql, admin, gid(team.basic))
    session = await session_for(team.basic, clock)
    data = await gql.data(
        """mutation ($c: String!) { disableTwoFactor(input: {code: $c})
        { userErrors { code } } }""",
        {"c": issued["pass"]},
        token=session,
    )
    assert [e["code"] for e in data["disableTwoFactor"]["userErrors"]] == ["INVALID_CODE"]
    assert await Authenticator.exists(operator_id=team.basic.id)
    challenge = (await login(gql, team.basic.email))["challengeToken"]
    assert (await verify(gql, challenge, issued["pass"]))["sessionToken"]  # still unused
