"""Inviting operators by email, and accepting an invitation.

Administrators invite, resend and revoke, and so may API keys with MANAGE_OPERATORS
(``services.acting``); an operator invited by a key has no inviter (``invitedBy`` null), and
their email names the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mail.messages import MailKind
from mail.outbox import INVITATION_PATH
from models import OneTimeToken, Operator, OperatorRole, OperatorStatus, TokenPurpose
from services import audit, sessions
from services.acting import Acting, Held, begin_administration, hold_administration
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.errors import DomainError, ErrorCode, not_found
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import policy_of
from services.sessions import AuthenticationMethod
from services.validation import (
    check_new_password,
    clean_email,
    clean_name,
    email_key,
    name_key,
    unclaimed_email_key,
)

EMAIL_FIELD = ("input", "email")
OPERATOR_ID_FIELD = ("input", "operatorId")
TOKEN_FIELD = ("input", "invitationToken")
PASSWORD_FIELD = ("input", "password")


class AcceptOutcome(StrEnum):
    """Where accepting an invitation leaves the operator."""

    AUTHENTICATED = "AUTHENTICATED"
    TWO_FACTOR_SETUP_REQUIRED = "TWO_FACTOR_SETUP_REQUIRED"
    SINGLE_SIGN_ON = "SINGLE_SIGN_ON"


@dataclass(frozen=True)
class Accepted:
    """An accepted invitation: a session, or a setup token when 2FA must be set up first."""

    outcome: AcceptOutcome
    operator: Operator
    session_token: str | None = None
    setup_token: str | None = None


async def invitation_expiries(operator_ids: Iterable[int], now: datetime) -> dict[int, datetime]:
    """Return when each operator's live invitation link expires, in one query.

    Operators without a live link (accepted, expired, revoked, never invited) are left out.
    Inviting again replaces the link, so there is at most one.
    """
    rows = await OneTimeToken.filter(
        operator_id__in=list(operator_ids), purpose=TokenPurpose.INVITATION, expires_at__gt=now
    ).values("operator_id", "expires_at")
    expiries: dict[int, datetime] = {}
    for row in rows:
        expiries[row["operator_id"]] = max(row["expires_at"], expiries.get(row["operator_id"], now))
    return expiries


def _email_taken() -> DomainError:
    return DomainError(
        ErrorCode.EMAIL_TAKEN, "An operator with this email already exists.", field=EMAIL_FIELD
    )


SCOPE = ApiKeyScope.MANAGE_OPERATORS
"""The scope an API key needs to invite, resend and revoke."""


async def invite(
    deps: Dependencies,
    acting: Acting,
    *,
    email: str,
    name: str,
    role: OperatorRole,
    uses_single_sign_on: bool,
) -> Operator:
    """Create an INVITED operator in the actor's account and email them an invitation link.

    An invitation reserves nothing: an email that is active or invited in another account is
    invited like any other (the first acceptance claims it), so nothing about other accounts
    shows. Inviting an email still INVITED in the same account updates that invitation and
    sends a new link (the old one stops working); an active or deactivated operator of the
    account with that email is EMAIL_TAKEN.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    email = clean_email(email, EMAIL_FIELD)
    name = clean_name(name, ("input", "name"))
    folded = email_key(email)
    try:
        async with in_transaction():
            held = await hold_administration(acting, SCOPE, now)
            operator = (
                await Operator.filter(account_id=held.account_id, email_folded=folded)
                .select_for_update(no_key=True)
                .first()
            )
            resent = operator is not None
            if operator is None:
                operator = await Operator.create(
                    account_id=held.account_id,
                    email=email,
                    email_key=unclaimed_email_key(),
                    email_folded=folded,
                    name=name,
                    name_key=name_key(name),
                    role=role,
                    status=OperatorStatus.INVITED,
                    uses_single_sign_on=uses_single_sign_on,
                    created_at=now,
                    invited_at=now,
                    invited_by_id=held.operator_id,
                )
            elif operator.status is not OperatorStatus.INVITED:
                raise _email_taken()
            else:
                operator.email, operator.name, operator.role = email, name, role
                operator.name_key = name_key(name)
                operator.uses_single_sign_on = uses_single_sign_on
                operator.invited_at, operator.invited_by_id = now, held.operator_id
                await operator.save(
                    update_fields=[
                        "email",
                        "name",
                        "name_key",
                        "role",
                        "uses_single_sign_on",
                        "invited_at",
                        "invited_by_id",
                    ]
                )
            await _send(deps, held, operator, now, resent=resent)
    except IntegrityError as error:  # the email was taken concurrently
        raise _email_taken() from error
    return operator


async def _send(
    deps: Dependencies, held: Held, operator: Operator, now: datetime, *, resent: bool
) -> None:
    """Issue a fresh invitation link (voiding the earlier one), audit it and queue the email.

    Call inside the transaction that invites. The audit keeps the email, so the log stays
    readable once a revoked invitation's operator is gone.
    """
    token = await tokens.issue(operator.id, TokenPurpose.INVITATION, now)
    await held.record(
        AuditEventKind.INVITATION_SENT,
        target_id=operator.id,
        now=now,
        details={"role": operator.role.value, "resent": resent, "email": operator.email},
    )
    await notify(
        deps,
        MailKind.INVITATION,
        operator,
        now,
        inviter_name=held.name,
        link=deps.outbox.link(INVITATION_PATH, token),
        then=(
            "then sign in through your organisation's single sign-on"
            if operator.uses_single_sign_on
            else "and choose your password"
        ),
    )


async def _open_invitation(account_id: int, operator_id: int | None) -> Operator:
    """Return the INVITED operator ``operator_id`` of the account, locked.

    Raises NOT_FOUND for an accepted or deactivated operator exactly as for a foreign or
    missing id. Call inside a transaction.
    """
    if operator_id is None:
        raise not_found(OPERATOR_ID_FIELD)
    operator = (
        await Operator.filter(id=operator_id, account_id=account_id, status=OperatorStatus.INVITED)
        .select_for_update(no_key=True)
        .first()
    )
    if operator is None:
        raise not_found(OPERATOR_ID_FIELD)
    return operator


async def resend(deps: Dependencies, acting: Acting, operator_id: int | None) -> Operator:
    """Email an invited operator a new invitation link; the one sent before stops working.

    The resending administrator becomes the inviter (none for a key), and the link's seven
    days start over.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held = await hold_administration(acting, SCOPE, now)
        operator = await _open_invitation(held.account_id, operator_id)
        operator.invited_at, operator.invited_by_id = now, held.operator_id
        await operator.save(update_fields=["invited_at", "invited_by_id"])
        await _send(deps, held, operator, now, resent=True)
    return operator


async def revoke(deps: Dependencies, acting: Acting, operator_id: int | None) -> int:
    """Withdraw an invitation: the invited operator is deleted, and their link with them.

    Returns the deleted operator's id. Their audit events keep their facts but lose their
    target, so the revocation records the email and name.
    """
    begin_administration(deps, acting, SCOPE)
    now = deps.now()
    async with in_transaction():
        held = await hold_administration(acting, SCOPE, now)
        operator = await _open_invitation(held.account_id, operator_id)
        await held.record(
            AuditEventKind.INVITATION_REVOKED,
            target_id=operator.id,
            now=now,
            details={"email": operator.email, "name": operator.name, "role": operator.role.value},
        )
        await operator.delete()  # its tokens go with it (ON DELETE CASCADE)
    return operator.id


async def accept(
    deps: Dependencies,
    token: str,
    password: str | None,
    name: str | None,
) -> Accepted:
    """Set the invited operator's password (and name), activate them, and log them in.

    When their effective mode is REQUIRED they get a 30-minute setup token instead of a
    session: setting up two-factor authentication is part of accepting. A single-sign-on
    operator gets no password (one given is ignored) and no session: they sign in at their
    identity provider.
    """
    now = deps.now()
    invitation = await tokens.find(token, (TokenPurpose.INVITATION,), now, TOKEN_FIELD)
    invited = await Operator.get_or_none(id=invitation.operator_id)
    if invited is None:  # revoked a moment ago
        raise tokens.token_invalid(TOKEN_FIELD)
    display_name = clean_name(name, ("input", "name")) if name is not None else None
    password_hash = None
    if not invited.uses_single_sign_on:
        if password is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "Choose a password.", field=PASSWORD_FIELD)
        check_new_password(password, PASSWORD_FIELD)
        password_hash = await deps.hasher.hash(password)
    async with in_transaction():
        # The operator first, then the token: resending and revoking lock in this order too.
        operator = (
            await Operator.filter(id=invitation.operator_id).select_for_update(no_key=True).first()
        )
        if operator is None or operator.status is not OperatorStatus.INVITED:  # revoked meanwhile
            raise tokens.token_invalid(TOKEN_FIELD)
        await tokens.consume(invitation, TOKEN_FIELD)
        # Inviting again replaces the token, so the invitation read above is still current.
        operator.password_hash = password_hash
        operator.status = OperatorStatus.ACTIVE
        operator.name = display_name or operator.name
        operator.name_key = name_key(operator.name)
        # Claims the email: it is unique among active operators, so a second acceptance
        # (from an invitation of another account) gets EMAIL_TAKEN.
        operator.email_key = operator.email_folded
        try:
            async with in_transaction():
                await operator.save(
                    update_fields=["password_hash", "status", "name", "name_key", "email_key"]
                )
        except IntegrityError as error:
            raise DomainError(
                ErrorCode.EMAIL_TAKEN,
                "This email address is already in use by an active operator.",
            ) from error
        await audit.record_own(AuditEventKind.INVITATION_ACCEPTED, operator, now)
        if operator.uses_single_sign_on:
            return Accepted(AcceptOutcome.SINGLE_SIGN_ON, operator)
        policy = await policy_of(operator, now)
        if policy.setup_required:
            setup = await tokens.issue(operator.id, TokenPurpose.SETUP_FROM_INVITATION, now)
            return Accepted(AcceptOutcome.TWO_FACTOR_SETUP_REQUIRED, operator, setup_token=setup)
        session_token = await sessions.start_session(
            operator, now, methods=[AuthenticationMethod.INVITATION]
        )
    return Accepted(AcceptOutcome.AUTHENTICATED, operator, session_token=session_token)
