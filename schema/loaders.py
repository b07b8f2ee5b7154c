"""Per-request dataloaders, so that lists cost a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from functools import cached_property
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models import Account, Operator, Passkey
from services.auth.recovery_codes import remaining_by_operator
from services.invitations import invitation_expiries
from services.machinery.clock import Clock
from services.operators import accounts_by_id, operators_by_id, states_by_operator
from services.operators.locks import locked_until_by_operator
from services.passkeys import passkeys_by_operator
from services.policy import TwoFactorState

K = TypeVar("K")
T = TypeVar("T")


def _known(loader: DataLoader[K, T], key: K) -> T | None:
    """Return what ``loader`` holds for ``key`` without awaiting (None: not loaded yet).

    Primed values and finished loads count; a load still running or failed does not.
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    return future.result()


_FORGETTABLE = (
    "two_factor_state",
    "recovery_codes_remaining",
    "locked_until",
    "invitation_expires_at",
    "passkeys",
)
"""The loaders whose values change with an operator's 2FA setup, locks and invitation."""


class Loaders:
    """The dataloaders of one request; each batches the loads of one event-loop tick.

    Accounts and 2FA states the request already holds (the caller's, read with their
    session; a page's, read with the page) are primed into plain dictionaries: most
    requests then create no dataloader at all, and a dataloader created later starts from
    them. The other loaders are created on first use too, since most requests need none.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._accounts: dict[int, Account] = {}
        self._states: dict[int, TwoFactorState] = {}
        self._login_keys: dict[int, str] = {}

    @cached_property
    def account(self) -> DataLoader[int, Account]:
        """Accounts by id, starting from those primed."""
        loader = DataLoader[int, Account](load_fn=self._load_accounts)
        loader.prime_many(self._accounts)
        return loader

    @cached_property
    def two_factor_state(self) -> DataLoader[int, TwoFactorState]:
        """Each operator's authenticator state, starting from those primed."""
        loader = DataLoader[int, TwoFactorState](load_fn=self._load_states)
        loader.prime_many(self._states)
        return loader

    def prime_account(self, account: Account) -> None:
        """Hold ``account`` as this request's copy, replacing any older one."""
        self._accounts[account.id] = account
        if "account" in self.__dict__:
            self.account.prime(account.id, account, force=True)

    def prime_two_factor_state(self, operator_id: int, state: TwoFactorState) -> None:
        """Hold the operator's 2FA state unless the request already has it."""
        if self.known_two_factor_state(operator_id) is None:
            self._states[operator_id] = state
            if "two_factor_state" in self.__dict__:
                self.two_factor_state.prime(operator_id, state)

    @cached_property
    def recovery_codes_remaining(self) -> DataLoader[int, int]:
        """Unused recovery codes per operator."""
        return DataLoader[int, int](load_fn=self._load_remaining)

    @cached_property
    def operator(self) -> DataLoader[int, Operator | None]:
        """Operators by id (None: no such operator)."""
        return DataLoader[int, Operator | None](load_fn=self._load_operators)

    @cached_property
    def locked_until(self) -> DataLoader[int, datetime | None]:
        """End of each operator's latest lock (see ``load_locked_until``)."""
        return DataLoader[int, datetime | None](load_fn=self._load_locked_until)

    @cached_property
    def invitation_expires_at(self) -> DataLoader[int, datetime | None]:
        """Expiry of each operator's live invitation link (None: none)."""
        return DataLoader[int, datetime | None](load_fn=self._load_invitation_expiries)

    @cached_property
    def passkeys(self) -> DataLoader[int, list[Passkey]]:
        """Each operator's passkeys, oldest first."""
        return DataLoader[int, list[Passkey]](load_fn=self._load_passkeys)

    def forget_operator(self, operator_id: int) -> None:
        """Drop what was cached about an operator's 2FA setup, locks and invitation."""
        self._states.pop(operator_id, None)
        for name in _FORGETTABLE:
            loader = self.__dict__.get(name)  # one never created holds nothing to forget
            if loader is not None:
                with suppress(KeyError):  # DataLoader.clear raises for keys it never loaded
                    loader.clear(operator_id)

    def known_account(self, account_id: int) -> Account | None:
        """Return the account if this request already holds it (loaded or primed), else None."""
        primed = self._accounts.get(account_id)
        if primed is not None or "account" not in self.__dict__:
            return primed
        return _known(self.account, account_id)

    def known_two_factor_state(self, operator_id: int) -> TwoFactorState | None:
        """Return the operator's 2FA state if this request already holds it, else None."""
        primed = self._states.get(operator_id)
        if primed is not None or "two_factor_state" not in self.__dict__:
            return primed
        return _known(self.two_factor_state, operator_id)

    async def load_locked_until(self, operator_id: int, login_key: str) -> datetime | None:
        """Return when the operator's latest lock ends (None: not locked), batched.

        The locks are found by the operator's login key (``Operator.email_key``), which the
        loader is told here.
        """
        self._login_keys[operator_id] = login_key
        return await self.locked_until.load(operator_id)

    async def _load_operators(self, ids: list[int]) -> Sequence[Operator | None]:
        found = await operators_by_id(ids)
        return [found.get(operator_id) for operator_id in ids]

    async def _load_invitation_expiries(self, ids: list[int]) -> Sequence[datetime | None]:
        expiries = await invitation_expiries(ids, self._clock.now())
        return [expiries.get(operator_id) for operator_id in ids]

    async def _load_accounts(self, ids: list[int]) -> Sequence[Account]:
        found = await accounts_by_id(ids)
        return [found[account_id] for account_id in ids]

    async def _load_states(self, ids: list[int]) -> Sequence[TwoFactorState]:
        states = await states_by_operator(ids, self._clock.now())
        return [states[operator_id] for operator_id in ids]

    async def _load_locked_until(self, ids: list[int]) -> Sequence[datetime | None]:
        locks = await locked_until_by_operator(
            [(operator_id, self._login_keys[operator_id]) for operator_id in ids],
            self._clock.now(),
        )
        return [locks[operator_id] for operator_id in ids]

    async def _load_passkeys(self, ids: list[int]) -> Sequence[list[Passkey]]:
        found = await passkeys_by_operator(ids)
        return [found[operator_id] for operator_id in ids]

    async def _load_remaining(self, ids: list[int]) -> Sequence[int]:
        remaining = await remaining_by_operator(ids)
        return [remaining[operator_id] for operator_id in ids]
