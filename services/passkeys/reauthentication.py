"""Starting the passkey ceremony that renews a session's recent authentication."""

from __future__ import annotations

from typing import Any

from models import Operator, Passkey, PasskeyCeremony, Session
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.passkeys import ceremonies


def no_passkeys() -> DomainError:
    """Return the refusal of a passkey ceremony for an operator who has no passkey."""
    return DomainError(ErrorCode.NOT_CONFIGURED, "You have no passkey.")


async def start(deps: Dependencies, operator: Operator, session: Session) -> dict[str, Any]:
    """Issue a reauthentication challenge bound to the session; return the request options.

    ``reauthenticate`` then accepts the assertion (with the password) in place of a code.
    """
    now = deps.now()
    passkeys = await Passkey.filter(operator_id=operator.id).order_by("id")
    if not passkeys:
        raise no_passkeys()
    challenge = await ceremonies.issue(
        operator.id, PasskeyCeremony.REAUTHENTICATION, now, session_id=session.id
    )
    return ceremonies.request_options(deps.relying_party, challenge, passkeys)
