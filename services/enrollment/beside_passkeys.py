"""Adding an authenticator app for an operator whose only factors are passkeys.

Passkeys may come "besides or instead of" an authenticator app. An operator who set up a
passkey first is CONFIGURED, yet may still add an app: from their own session, with a
recent authentication that proved a second factor in it (a code, a recovery code, a
passkey or a temporary access pass; a remembered browser alone proves none). A setup
token proves only the mailbox, which is not enough once a factor exists.

Confirming such an added authenticator changes nothing else: two-factor authentication
was on and stays on since the first factor's instant, the recovery codes are kept (none
are returned), the other sessions go on. The confirming session now counts TOTP, the
event is ENROLLMENT_CONFIRMED with ``added`` in its details (not announced as
``two_factor.enabled``: it was on already), and the operator is emailed that an
authenticator app was added.

A session of a temporary access pass keeps the replacement path of
``services.enrollment.replacement`` instead: the pass stands for a lost device, so its
confirmation renews the recovery codes and ends the other sessions, as before.
"""

from __future__ import annotations

from datetime import datetime

from mail.messages import MailKind
from models import Authenticator, Operator, Session
from services import audit, sessions
from services.audit import AuditEventKind
from services.enrollment.replacement import by_pass
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.sessions import SECOND_FACTORS, AuthenticationMethod
from services.sessions.reauthentication import ensure_recent_authentication

PROVEN_FACTORS = SECOND_FACTORS - {AuthenticationMethod.TRUSTED_DEVICE}
"""The methods that show a second factor was actually given in the session."""
ADDED_DETAILS = {"via": "SETTINGS", "factor": "TOTP", "added": True}
"""The audit details of an authenticator added beside passkeys."""


async def adds_authenticator(operator: Operator, proof: object) -> bool:
    """Tell whether enrolling from ``proof`` would add an app beside the operator's passkeys.

    True for the operator's own session (not one of a temporary access pass) while they
    have no confirmed authenticator; call it for a CONFIGURED operator.
    """
    if not isinstance(proof, Session) or by_pass(proof):
        return False
    return not await Authenticator.exists(operator_id=operator.id, confirmed_at__isnull=False)


def ensure_proven_second_factor(deps: Dependencies, session: Session) -> None:
    """Raise REAUTHENTICATION_REQUIRED unless the session recently proved a second factor."""
    ensure_recent_authentication(deps, session)
    if PROVEN_FACTORS.isdisjoint(session.authentication_methods):
        raise DomainError(
            ErrorCode.REAUTHENTICATION_REQUIRED,
            "For this, confirm it is you with your second factor again.",
        )


async def record_added(
    deps: Dependencies, operator: Operator, session: Session, now: datetime
) -> None:
    """Write what an added authenticator changes; call in the confirmation's transaction.

    The authenticator is confirmed already and the operator's row held.
    """
    await sessions.add_method(session, AuthenticationMethod.TOTP, now)
    await audit.record_own(
        AuditEventKind.ENROLLMENT_CONFIRMED,
        operator,
        now,
        details=dict(ADDED_DETAILS),
        announce=False,
    )
    await notify(deps, MailKind.AUTHENTICATOR_ADDED, operator, now)
