"""The setup link emailed to an operator who must set up two-factor authentication.

It also goes to one who asked to set it up from a session that proved only their password.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from mail.outbox import SETUP_PATH
from models import OneTimeToken, Operator, TokenPurpose
from services.errors import DomainError, ErrorCode
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.notifications import notify

SETUP_EMAIL_PAUSE = timedelta(minutes=1)
"""Shortest time between two setup emails to one operator."""


async def send_setup_link(
    deps: Dependencies, operator: Operator, now: datetime, *, requested: bool = False
) -> None:
    """Email a fresh setup link (replacing older ones), unless one went out a moment ago.

    The pause keeps someone who knows the password from flooding the mailbox; the link
    sent a moment ago is still valid. ``requested``: the operator asked for it from their
    settings (the email says so) rather than being required to set 2FA up.
    """
    recent = await OneTimeToken.exists(
        operator_id=operator.id,
        purpose=TokenPurpose.SETUP_FROM_EMAIL,
        created_at__gt=now - SETUP_EMAIL_PAUSE,
    )
    if recent:
        return
    async with in_transaction():
        token = await tokens.issue(operator.id, TokenPurpose.SETUP_FROM_EMAIL, now)
        await notify(
            deps,
            MailKind.TWO_FACTOR_SETUP_REQUESTED if requested else MailKind.TWO_FACTOR_SETUP,
            operator,
            now,
            link=deps.outbox.link(SETUP_PATH, token),
        )


class LinkNowRequired(Exception):
    """Rolls back a confirmation from a session once the policy demands the emailed link."""


def link_required() -> DomainError:
    """Return the refusal of enrolling from a session when only the emailed link may."""
    return DomainError(
        ErrorCode.SETUP_LINK_REQUIRED,
        "To make sure it is you, set up two-factor authentication from the link in the "
        "email we sent you.",
    )
