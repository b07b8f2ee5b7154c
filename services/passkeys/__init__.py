"""Passkeys (WebAuthn credentials) as a second factor.

``ceremonies`` issues and consumes the challenges and builds the options browsers get;
``registration`` adds a passkey (the operator's first factor or one more); ``assertion``
starts the ceremony that renews a session's recent authentication and checks a signed
challenge against a stored passkey; ``removal`` removes one.
"""

from __future__ import annotations

from collections.abc import Sequence

from models import Operator, Passkey
from services.operators import may_read_operator


async def passkeys_by_operator(operator_ids: Sequence[int]) -> dict[int, list[Passkey]]:
    """Return each operator's passkeys, oldest first, in one query."""
    found: dict[int, list[Passkey]] = {operator_id: [] for operator_id in operator_ids}
    for passkey in await Passkey.filter(operator_id__in=list(found)).order_by("id"):
        found[passkey.operator_id].append(passkey)
    return found


async def visible_passkey(viewer: Operator, passkey_id: int | None) -> Passkey | None:
    """Return the passkey if ``viewer`` may read its operator, else None (like a missing id)."""
    if passkey_id is None:
        return None
    found = await Passkey.get_or_none(id=passkey_id).select_related("operator")
    if found is None or not may_read_operator(viewer, found.operator_id, found.operator.account_id):
        return None
    return found
