"""Reading a bearer token's session with everything its policy check needs, in one statement.

One round trip returns the session, its operator, the operator's account and their
authenticator's state (``services.machinery.joined_rows``: compiled once per dialect,
committed rows, remembered models). The statement reads no secret that authentication does
not need (``LEFT_OUT``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tortoise.models import Model

from models import Account, Authenticator, Operator, Session
from services.machinery.joined_rows import JoinedLookup
from services.machinery.model_rows import instant
from services.policy import TwoFactorState, two_factor_state

LEFT_OUT = frozenset({"password_hash", "token_hash"})
"""Columns the statement does not read: the operator's password hash, needed only where a
password is checked (which reads it then), and the session's token hash, which the caller
presented."""
MEMO_SIZE = 1024
"""Rows whose models are remembered (about one per session in use; see ``ConvertedRows``)."""


@dataclass(frozen=True)
class SessionRow:
    """A live session read by token hash: its operator (account loaded) and their 2FA state."""

    session: Session
    """The session, with ``session.operator`` loaded."""
    operator: Operator
    """The session's operator, with ``operator.account`` loaded."""
    two_factor_state: TwoFactorState
    """The operator's authenticator state at the time of reading."""


def _rest(marks: tuple[str, ...]) -> str:
    """Write what follows the models' columns: the authenticator's state, joins, the key."""
    token_hash, now = marks
    return (
        ', au."pending_expires_at" '
        f'FROM "{Session._meta.db_table}" s '
        f'JOIN "{Operator._meta.db_table}" o ON o."id" = s."operator_id" '
        f'JOIN "{Account._meta.db_table}" a ON a."id" = o."account_id" '
        f'LEFT JOIN "{Authenticator._meta.db_table}" au ON au."operator_id" = o."id" '
        f'WHERE s."token_hash" = {token_hash} AND s."expires_at" > {now}'
    )


_lookup = JoinedLookup(
    (("s", Session), ("o", Operator), ("a", Account)),
    LEFT_OUT,
    _rest,
    placeholders=2,
    memo_size=MEMO_SIZE,
)


def _link(built: tuple[Model, ...]) -> None:
    """Point the session at its operator and the operator at their account."""
    session, operator, account = cast(tuple[Session, Operator, Account], built)
    operator.account = account
    session.operator = operator


async def session_by_token_hash(token_hash: str, now: datetime) -> SessionRow | None:
    """Return the unexpired session stored under ``token_hash``, or None, in one statement."""
    found = await _lookup.first_row([token_hash, now])
    if found is None:
        return None
    statement, row = found
    session, operator, _ = cast(
        tuple[Session, Operator, Account], _lookup.models(statement, row, _link)
    )
    fields = Authenticator._meta.fields_map
    (pending_expires_at,) = row[statement.width :]
    state = two_factor_state(
        configured_at=operator.two_factor_configured_at,
        pending_expires_at=instant(fields["pending_expires_at"], pending_expires_at),
        now=now,
    )
    return SessionRow(session=session, operator=operator, two_factor_state=state)
