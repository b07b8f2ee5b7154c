"""The operator hears of every change to their two-factor setup."""

from __future__ import annotations

from datetime import timedelta

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import text_of
from tests.support import (
    Delivery,
    GraphQLClient,
    enroll,
    gid,
    make_team,
    session_for,
    totp_code,
    verify,
)


async def test_enabled_reset_disabled_recovery_and_reuse_are_each_emailed(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    assert len(await deliver()) == 1

    clock.advance(timedelta(minutes=1))
    code = totp_code(enrolled.secret, clock.now())
    assert (await verify(gql, (await gql.login(team.basic.email))["challengeToken"], code))[
        "sessionToken"
    ]
    reused = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], code)
    assert reused["userErrors"][0]["code"] == "CODE_ALREADY_USED"
    assert len(await deliver()) == 2

    recovered = await verify(
        gql, (await gql.login(team.basic.email))["challengeToken"], enrolled.recovery_codes[0]
    )
    assert recovered["sessionToken"]
    assert len(await deliver()) == 3

    clock.advance(timedelta(minutes=1))
    disable = await gql.data(
        "mutation ($c: String!) { disableTwoFactor(input: {code: $c}) { userErrors { code } } }",
        {"c": totp_code(enrolled.secret, clock.now())},
        token=recovered["sessionToken"],
    )
    assert disable["disableTwoFactor"]["userErrors"] == []
    assert len(await deliver()) == 4

    await enroll(gql, await session_for(team.basic, clock), clock)
    assert len(await deliver()) == 5
    reset = await gql.data(
        "mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id}) { userErrors { code } } }",
        {"id": gid(team.basic)},
        token=await session_for(team.admin, clock),
    )
    assert reset["resetOperatorTwoFactor"]["userErrors"] == []
    messages = await deliver()

    assert [m["Subject"] for m in messages] == [
        "Two-factor authentication is on",
        "A login with a used code was refused",
        "A recovery code was used to log in",
        "Two-factor authentication is off",
        "Two-factor authentication is on",
        "Your two-factor authentication was reset",
    ]
    assert all(m["To"] == team.basic.email for m in messages)
    assert "9 unused recovery codes left" in text_of(messages[2])
    assert "Ada Admin, an administrator of Acme, reset" in text_of(messages[5])
    for message in messages:
        assert message.get_body(preferencelist=("plain",)) is not None
        assert message.get_body(preferencelist=("html",)) is not None


async def test_policy_changes_send_no_email(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await gql.data(
        "mutation { setAccountTwoFactorDefault(input: {mode: REQUIRED, gracePeriodHours: 24}) "
        "{ userErrors { code } } }",
        token=admin,
    )
    assert await deliver() == []
    await gql.login(team.basic.email)  # now required: this login emails a setup link
    messages = await deliver()
    assert [m["Subject"] for m in messages] == ["Set up two-factor authentication for Acme"]
