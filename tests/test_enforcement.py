"""Policy binds live sessions: REQUIRED ends password sessions, grace periods, no self-lockout."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from models import Authenticator, Operator, Session, TwoFactorMode
from services.auth import recovery_codes
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.smtp import link_token, text_of
from tests.support import (
    CONFIRM_ENROLLMENT,
    INVITE,
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    add_operator,
    enroll,
    gid,
    make_team,
    session_for,
    set_default,
    totp_code,
)

PASSWORD_ONLY = [AuthenticationMethod.PASSWORD]
VIEWER = "{ viewer { email } }"
POLICY = """{ viewer { effectiveTwoFactorPolicy { mode setupRequired setupDeadline } } }"""
SET_DEFAULT = """mutation ($mode: TwoFactorMode!, $grace: Int) {
  setAccountTwoFactorDefault(input: {mode: $mode, gracePeriodHours: $grace}) {
    account { twoFactorDefault twoFactorGracePeriodHours } userErrors { code field } } }"""
SET_OVERRIDE = """mutation ($id: ID!, $mode: TwoFactorMode!) {
  setOperatorTwoFactorOverride(input: {operatorId: $id, mode: $mode}) { userErrors { code } } }"""
CLEAR_OVERRIDE = """mutation ($id: ID!) {
  clearOperatorTwoFactorOverride(input: {operatorId: $id}) { userErrors { code } } }"""
ACCEPT = """mutation ($token: String!, $password: String) {
  acceptInvitation(input: {invitationToken: $token, password: $password}) {
    outcome sessionToken setupToken viewer { email status } userErrors { code field } } }"""


async def viewer_of(gql: GraphQLClient, token: str) -> Any:
    """The ``viewer`` a token reads (None when its session is not accepted)."""
    return (await gql.data(VIEWER, token=token))["viewer"]


async def set_default_as(
    gql: GraphQLClient, token: str, mode: str, grace: int | None = None
) -> dict[str, Any]:
    """Run ``setAccountTwoFactorDefault`` and return its payload."""
    data = await gql.data(SET_DEFAULT, {"mode": mode, "grace": grace}, token=token)
    payload: dict[str, Any] = data["setAccountTwoFactorDefault"]
    return payload


async def test_a_password_session_ends_when_its_operator_becomes_required(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    by_code = await session_for(team.basic, clock)
    await enroll(gql, by_code, clock)  # 2FA set up and used in this session
    other = await add_operator(team.account, "other@acme.example", hasher, clock)
    by_password = await gql.session(other.email)
    assert await viewer_of(gql, by_password) == {"email": other.email}

    assert (await set_default_as(gql, admin, "REQUIRED"))["userErrors"] == []
    # Every request with the password session is refused from now on, in parallel too.
    answers = await asyncio.gather(*(gql.execute(VIEWER, token=by_password) for _ in range(60)))
    assert all(answer["data"]["viewer"] is None for answer in answers)
    refused = await gql.execute("mutation { logout { userErrors { code } } }", token=by_password)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A session established with the operator's second factor is not affected.
    assert await viewer_of(gql, by_code) == {"email": team.basic.email}
    # The next login sends the setup email, as at any login.
    assert (await gql.login(other.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"


async def test_an_override_to_required_ends_that_operators_password_sessions_only(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await add_operator(team.account, "other@acme.example", hasher, clock)
    admin = await session_for(team.admin, clock)
    basic = await session_for(team.basic, clock, methods=PASSWORD_ONLY)
    bystander = await session_for(other, clock, methods=PASSWORD_ONLY)
    changed = await gql.data(SET_OVERRIDE, {"id": gid(team.basic), "mode": "REQUIRED"}, token=admin)
    assert changed["setOperatorTwoFactorOverride"]["userErrors"] == []
    assert await viewer_of(gql, basic) is None
    assert await viewer_of(gql, bystander) == {"email": "other@acme.example"}
    # Back to OPTIONAL: a new password login works again.
    await gql.data(CLEAR_OVERRIDE, {"id": gid(team.basic)}, token=admin)
    assert await viewer_of(gql, await gql.session(team.basic.email)) is not None


async def test_the_grace_period_lets_password_logins_in_until_the_deadline(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    before = await gql.session(team.basic.email)
    became_required = clock.now()
    payload = await set_default_as(gql, admin, "REQUIRED", grace=8)
    assert payload == {
        "account": {"twoFactorDefault": "REQUIRED", "twoFactorGracePeriodHours": 8},
        "userErrors": [],
    }
    deadline = (became_required + timedelta(hours=8)).isoformat()
    policy = (await gql.data(POLICY, token=before))["viewer"]["effectiveTwoFactorPolicy"]
    assert policy == {"mode": "REQUIRED", "setupRequired": True, "setupDeadline": deadline}

    clock.advance(timedelta(hours=7, minutes=59))
    login = await gql.login(team.basic.email)
    assert login["outcome"] == "AUTHENTICATED" and login["sessionToken"]
    [setup] = await deliver()
    assert setup["To"] == team.basic.email
    assert link_token(setup, f"{PUBLIC_URL}/two-factor/setup")
    assert await viewer_of(gql, before) is not None

    clock.advance(timedelta(minutes=1))  # the deadline itself: the grace is over
    assert await viewer_of(gql, before) is None
    assert await viewer_of(gql, login["sessionToken"]) is None
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"


async def test_grace_runs_from_when_each_operator_became_required(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    await set_default_as(gql, admin, "OPTIONAL", grace=24)
    clock.advance(timedelta(hours=10))
    admin = await session_for(team.admin, clock)  # a fresh login: changes need a recent one
    changed = await gql.data(SET_OVERRIDE, {"id": gid(team.basic), "mode": "REQUIRED"}, token=admin)
    assert changed["setOperatorTwoFactorOverride"]["userErrors"] == []
    basic = await gql.session(team.basic.email)
    policy = (await gql.data(POLICY, token=basic))["viewer"]["effectiveTwoFactorPolicy"]
    assert policy["setupDeadline"] == (clock.now() + timedelta(hours=24)).isoformat()
    # They start setting up with the emailed link, then the administrator resets it: the
    # reset ends the grace too, so the next login sends the setup email and gives no session.
    [message] = [m for m in await deliver() if m["To"] == team.basic.email]
    setup = link_token(message, f"{PUBLIC_URL}/two-factor/setup")
    started = await gql.data(START_ENROLLMENT, {"setupToken": setup})
    assert started["startTwoFactorEnrollment"]["userErrors"] == []
    reset = await gql.data(
        "mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id}) "
        "{ userErrors { code } } }",
        {"id": gid(team.basic)},
        token=admin,
    )
    assert reset["resetOperatorTwoFactor"]["userErrors"] == []
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"


async def test_an_invitation_under_required_includes_setup_even_with_a_grace_period(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    await set_default_as(gql, admin, "REQUIRED", grace=72)
    invited = await gql.data(
        INVITE, {"email": "new@acme.example", "name": "New", "role": "BASIC"}, token=admin
    )
    assert invited["inviteOperator"]["userErrors"] == []
    [*_, message] = [m for m in await deliver() if m["To"] == "new@acme.example"]
    token = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    accepted = (await gql.data(ACCEPT, {"token": token, "password": "a long password 42"}))[
        "acceptInvitation"
    ]
    assert accepted["outcome"] == "TWO_FACTOR_SETUP_REQUIRED" and accepted["sessionToken"] is None
    # Abandoning the setup gives no grace either: a password login sends the setup email.
    assert (await gql.login("new@acme.example", "a long password 42"))[
        "outcome"
    ] == "TWO_FACTOR_SETUP_EMAIL_SENT"


async def test_an_administrator_without_two_factor_cannot_lock_themselves_out(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    refused = await set_default_as(gql, admin, "REQUIRED")
    assert refused == {
        "account": None,
        "userErrors": [{"code": "SET_UP_TWO_FACTOR_FIRST", "field": None}],
    }
    own = await gql.data(SET_OVERRIDE, {"id": gid(team.admin), "mode": "REQUIRED"}, token=admin)
    assert own["setOperatorTwoFactorOverride"]["userErrors"] == [
        {"code": "SET_UP_TWO_FACTOR_FIRST"}
    ]
    await team.account.refresh_from_db()
    assert team.account.two_factor_default is TwoFactorMode.OPTIONAL

    # With a grace period it is allowed, and their own grace period starts.
    assert (await set_default_as(gql, admin, "REQUIRED", grace=1))["userErrors"] == []
    # Shortening the grace to nothing while they still have no 2FA is refused.
    assert (await set_default_as(gql, admin, "REQUIRED", grace=0))["userErrors"] == [
        {"code": "SET_UP_TWO_FACTOR_FIRST", "field": None}
    ]
    # An override of OPTIONAL exempts them; clearing it again would lock them out.
    await set_default(team, TwoFactorMode.REQUIRED)
    team.account.two_factor_grace_period_hours = 0
    await team.account.save(update_fields=["two_factor_grace_period_hours"])
    await Operator.filter(id=team.admin.id).update(two_factor_override=TwoFactorMode.OPTIONAL)
    cleared = await gql.data(CLEAR_OVERRIDE, {"id": gid(team.admin)}, token=admin)
    assert cleared["clearOperatorTwoFactorOverride"]["userErrors"] == [
        {"code": "SET_UP_TWO_FACTOR_FIRST"}
    ]
    # Other operators are theirs to require, grace or not.
    other = await gql.data(SET_OVERRIDE, {"id": gid(team.basic), "mode": "REQUIRED"}, token=admin)
    assert other["setOperatorTwoFactorOverride"]["userErrors"] == []


async def test_grace_hours_outside_zero_to_720_are_refused(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for hours in (-1, 721, 2**31 - 1):
        payload = await set_default_as(gql, admin, "OPTIONAL", grace=hours)
        assert payload["userErrors"] == [
            {"code": "INVALID_INPUT", "field": ["input", "gracePeriodHours"]}
        ]
    await team.account.refresh_from_db()
    assert team.account.two_factor_grace_period_hours == 0


async def test_a_single_sign_on_invitation_sets_no_password_and_issues_no_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await gql.data(
        INVITE,
        {"email": "sso@acme.example", "name": "Sam", "role": "ADMINISTRATOR", "sso": True},
        token=admin,
    )
    assert invited["inviteOperator"]["userErrors"] == []
    [message] = await deliver()
    assert "sign in through your organisation's single sign-on" in text_of(message)
    assert "choose your password" not in text_of(message)
    token = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    accepted = (await gql.data(ACCEPT, {"token": token, "password": "a long password 42"}))[
        "acceptInvitation"
    ]
    assert accepted == {
        "outcome": "SINGLE_SIGN_ON",
        "sessionToken": None,
        "setupToken": None,
        "viewer": {"email": "sso@acme.example", "status": "ACTIVE"},
        "userErrors": [],
    }
    operator = await Operator.get(email_key="sso@acme.example")
    assert operator.password_hash is None
    assert not await Session.filter(operator_id=operator.id).exists()
    # The password they typed is no password of theirs.
    assert (await gql.login("sso@acme.example", "a long password 42"))["userErrors"][0][
        "code"
    ] == "INVALID_CREDENTIALS"


async def test_a_password_is_needed_to_accept_an_ordinary_invitation(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await gql.data(INVITE, {"email": "new@acme.example", "name": "New"}, token=admin)
    [message] = await deliver()
    token = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    missing = (await gql.data(ACCEPT, {"token": token}))["acceptInvitation"]
    assert missing["userErrors"] == [{"code": "INVALID_INPUT", "field": ["input", "password"]}]
    accepted = (await gql.data(ACCEPT, {"token": token, "password": "a long password 42"}))[
        "acceptInvitation"
    ]
    assert accepted["outcome"] == "AUTHENTICATED"


async def test_login_shows_nothing_of_the_operator_before_the_second_factor(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    enrolled_token = await session_for(team.basic, clock)
    await enroll(gql, enrolled_token, clock)
    query = """mutation ($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
      outcome viewer { email recoveryCodesRemaining account { name } } } }"""
    coded = await gql.data(query, {"e": team.basic.email, "p": "correct horse battery staple"})
    assert coded["login"] == {"outcome": "TWO_FACTOR_CODE_REQUIRED", "viewer": None}
    plain = await gql.data(query, {"e": team.admin.email, "p": "correct horse battery staple"})
    assert plain["login"]["outcome"] == "AUTHENTICATED"
    assert plain["login"]["viewer"]["email"] == team.admin.email


async def test_an_account_change_cannot_end_an_administrators_own_grace_under_an_override(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Their own REQUIRED override runs on the account's grace hours: setting 0 ends it."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    assert (await set_default_as(gql, admin, "OPTIONAL", grace=24))["userErrors"] == []
    own = await gql.data(SET_OVERRIDE, {"id": gid(team.admin), "mode": "REQUIRED"}, token=admin)
    assert own["setOperatorTwoFactorOverride"]["userErrors"] == []
    refused = await set_default_as(gql, admin, "OPTIONAL")  # grace omitted: 0
    assert refused["userErrors"] == [{"code": "SET_UP_TWO_FACTOR_FIRST", "field": None}]
    assert await viewer_of(gql, admin) is not None


async def test_the_self_lockout_check_sees_earlier_mutations_of_the_same_request(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await Operator.filter(id=team.admin.id).update(two_factor_override=TwoFactorMode.OPTIONAL)
    admin = await session_for(team.admin, clock)
    both = await gql.data(
        """mutation ($id: ID!) {
          a: clearOperatorTwoFactorOverride(input: {operatorId: $id}) { userErrors { code } }
          b: setAccountTwoFactorDefault(input: {mode: REQUIRED}) { userErrors { code } } }""",
        {"id": gid(team.admin)},
        token=admin,
    )
    assert both["a"]["userErrors"] == []
    assert both["b"]["userErrors"] == [{"code": "SET_UP_TWO_FACTOR_FIRST"}]
    await team.account.refresh_from_db()
    assert team.account.two_factor_default is TwoFactorMode.OPTIONAL


async def test_a_second_factor_stops_counting_once_the_authenticator_is_gone(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    # It proved the mailbox, so it may enroll (a password alone may not).
    basic = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    enrolled = await enroll(gql, basic, clock)  # confirmed in this session: now two-factor
    clock.advance(timedelta(minutes=1))
    off = await gql.data(
        "mutation ($c: String!) { disableTwoFactor(input: {code: $c}) { userErrors { code } } }",
        {"c": totp_code(enrolled.secret, clock.now())},
        token=basic,
    )
    assert off["disableTwoFactor"]["userErrors"] == []
    assert (await set_default_as(gql, admin, "REQUIRED"))["userErrors"] == []
    assert await viewer_of(gql, basic) is None


async def test_a_policy_change_during_confirmation_is_seen_before_it_activates(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = await make_team(hasher, clock)
    # A session that proved the mailbox (it may enroll directly while 2FA is optional).
    basic = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    started = (await gql.data(START_ENROLLMENT, token=basic))["startTwoFactorEnrollment"]
    generate = recovery_codes.generate

    async def policy_changes_meanwhile(box: SecretBox) -> tuple[list[str], list[str]]:
        # Commits while the codes are made: required, with a grace period that keeps the
        # session alive but demands the emailed link for setup.
        await set_default(team, TwoFactorMode.REQUIRED)
        team.account.two_factor_grace_period_hours = 24
        await team.account.save(update_fields=["two_factor_grace_period_hours"])
        await Operator.filter(id=team.basic.id).update(two_factor_required_since=clock.now())
        return await generate(box)

    monkeypatch.setattr("services.auth.recovery_codes.generate", policy_changes_meanwhile)
    code = totp_code(started["enrollment"]["secret"], clock.now())
    confirmed = await gql.data(CONFIRM_ENROLLMENT, {"code": code}, token=basic)
    assert confirmed["confirmTwoFactorEnrollment"]["userErrors"][0]["code"] == (
        "SETUP_LINK_REQUIRED"
    )
    assert not await Authenticator.filter(operator_id=team.basic.id, confirmed_at__isnull=False)
    # As when starting from a session, the refusal comes with the link to set it up.
    [message] = await deliver()
    assert message["To"] == team.basic.email
    assert link_token(message, f"{PUBLIC_URL}/two-factor/setup")
