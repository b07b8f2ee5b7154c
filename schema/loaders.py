"""Per-request dataloaders, so that lists cost a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from models import Account
from services.clock import Clock
from services.operators import accounts_by_id, states_by_operator
from services.policy import TwoFactorState


class Loaders:
    """The dataloaders of one request; each batches the loads of one event-loop tick."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.account = DataLoader[int, Account](load_fn=self._load_accounts)
        self.two_factor_state = DataLoader[int, TwoFactorState](load_fn=self._load_states)

    async def _load_accounts(self, ids: list[int]) -> Sequence[Account]:
        found = await accounts_by_id(ids)
        return [found[account_id] for account_id in ids]

    async def _load_states(self, ids: list[int]) -> Sequence[TwoFactorState]:
        states = await states_by_operator(ids, self._clock.now())
        return [states[operator_id] for operator_id in ids]
