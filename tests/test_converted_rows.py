"""Rows read again are not converted again, and nothing remembered leaks between requests."""

from __future__ import annotations

from typing import Any

from models import Account, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.model_rows import ConvertedRows
from services.sessions import Authenticated, AuthenticationMethod, add_method, authenticate
from tests.support import GraphQLClient, Team, make_team, session_for


async def signed_in(hasher: PasswordHasher, clock: FrozenClock) -> tuple[Team, str, Authenticated]:
    """A team, a basic operator's password session, and its row read once (remembered)."""
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    first = await authenticate(token, clock.now())
    assert first is not None
    return team, token, first


async def test_each_request_gets_its_own_models_of_a_remembered_row(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, token, first = await signed_in(hasher, clock)
    second = await authenticate(token, clock.now())
    assert second is not None
    assert first.session is not second.session and first.operator is not second.operator
    assert first.operator.account is not second.operator.account
    for found in (first, second):  # built, then copied: each links its own models
        assert found.session.operator is found.operator
        assert found.operator.account.id == found.operator.account_id
    assert second.session.id == first.session.id
    assert (second.operator.email, second.operator.role) == (
        first.operator.email,
        first.operator.role,
    )
    # A request that changes its models in place changes nothing the next one sees.
    first.session.authentication_methods.append("changed in memory")
    first.operator.email = "changed@acme.example"
    third = await authenticate(token, clock.now())
    assert third is not None
    assert "changed in memory" not in third.session.authentication_methods
    assert third.operator.email == team.basic.email


async def test_a_changed_row_is_read_anew(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    _, token, before = await signed_in(hasher, clock)
    await add_method(before.session, AuthenticationMethod.TOTP, clock.now())
    after = await authenticate(token, clock.now())
    assert after is not None
    assert AuthenticationMethod.TOTP.value in after.session.authentication_methods


async def test_a_policy_newer_than_the_remembered_row_binds_the_session(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock, methods=[AuthenticationMethod.PASSWORD])
    assert await authenticate(token, clock.now()) is not None  # read, and remembered
    # Only the account's row changes: the session's and the operator's stay as remembered.
    await Account.filter(id=team.account.id).update(two_factor_default=TwoFactorMode.REQUIRED)
    assert await authenticate(token, clock.now()) is None


def test_rows_that_cannot_be_keys_are_converted_every_time_and_the_memory_is_bounded() -> None:
    built: list[tuple[Any, ...]] = []
    rows = ConvertedRows(size=2)

    def build(raw: tuple[Any, ...]) -> Any:
        def build_all() -> tuple[()]:
            built.append(raw)
            return ()

        return build_all

    unhashable = (1, ["a list"])
    rows.models(unhashable, build(unhashable))
    rows.models(unhashable, build(unhashable))
    assert built == [unhashable, unhashable]
    for raw in [(1,), (2,), (1,), (3,), (2,)]:  # (2,) was dropped when (3,) came
        rows.models(raw, build(raw))
    assert built[2:] == [(1,), (2,), (3,), (2,)]
