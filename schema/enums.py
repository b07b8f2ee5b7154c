"""GraphQL enums. Their values are the domain's enums, registered with descriptions."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.enums import OperatorRole, OperatorStatus, TwoFactorMode
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.auth.factors import SecondFactorMethod
from services.auth.login import LoginOutcome
from services.errors import ErrorCode
from services.invitations import AcceptOutcome
from services.policy import PolicySource, TwoFactorCompliance, TwoFactorState
from services.sessions import AuthenticationMethod
from services.webhooks.events import WebhookDeliveryStatus


def _register(enum_cls: type[Enum], name: str, description: str, values: dict[str, str]) -> None:
    """Expose a domain enum under ``name``, with a description on the type and every value."""
    missing = {member.name for member in enum_cls} ^ set(values)
    if missing:
        raise ValueError(f"{name}: values without description or unknown: {sorted(missing)}")
    strawberry.enum(enum_cls, name=name, description=description)
    definition = enum_cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[value.name]


_register(
    TwoFactorMode,
    "TwoFactorMode",
    "How strongly two-factor authentication is asked of an operator.",
    {
        "REQUIRED": "A code is asked at every login; operators without an authenticator must "
        "set one up before they get a session.",
        "OPTIONAL": "Operators may set up an authenticator; a code is asked only of those who did.",
        "DISABLED": "No code is asked; a configured authenticator is kept but not used.",
    },
)
_register(
    PolicySource,
    "TwoFactorPolicySource",
    "Where an operator's effective two-factor mode comes from.",
    {
        "ACCOUNT_DEFAULT": "The account-wide default applies.",
        "OPERATOR_OVERRIDE": "An administrator overrode the default for this operator.",
        "SINGLE_SIGN_ON": "The operator signs in through single sign-on; TOTP does not apply.",
    },
)
_register(
    TwoFactorState,
    "TwoFactorState",
    "How far an operator's authenticator has been set up.",
    {
        "NOT_CONFIGURED": "No authenticator, or an enrollment that lapsed unconfirmed.",
        "PENDING": "Enrollment started and waiting for its first code.",
        "CONFIGURED": "An authenticator is confirmed and can produce login codes.",
    },
)
_register(
    OperatorRole,
    "OperatorRole",
    "What an operator may do in their account.",
    {
        "ADMINISTRATOR": "Manages the account's policy and operators.",
        "BASIC": "Uses the product; manages only their own two-factor settings.",
    },
)
_register(
    OperatorStatus,
    "OperatorStatus",
    "Whether an operator has accepted their invitation, and may still log in.",
    {
        "INVITED": "Invited and not yet accepted; cannot log in.",
        "ACTIVE": "Accepted; can log in.",
        "DEACTIVATED": "Deactivated by an administrator: cannot log in and has no sessions, "
        "but keeps their history; reactivateOperator undoes it.",
    },
)
_register(
    LoginOutcome,
    "LoginOutcome",
    "What a login with email and password led to.",
    {
        "AUTHENTICATED": "Logged in: the payload carries a session token.",
        "TWO_FACTOR_CODE_REQUIRED": "Password accepted; send a code with the challenge token "
        "to verifyTwoFactorCode to get a session.",
        "TWO_FACTOR_SETUP_EMAIL_SENT": "Two-factor authentication is required and not set up: "
        "an email with a setup link was sent, and no session was issued.",
    },
)
_register(
    AcceptOutcome,
    "AcceptInvitationOutcome",
    "What accepting an invitation led to.",
    {
        "AUTHENTICATED": "Logged in: the payload carries a session token.",
        "TWO_FACTOR_SETUP_REQUIRED": "Two-factor authentication is required: set it up with "
        "the payload's setupToken; confirming logs the operator in.",
        "SINGLE_SIGN_ON": "The operator is active and signs in through their identity "
        "provider: no password was set and no session issued.",
    },
)
_register(
    ErrorCode,
    "UserErrorCode",
    "Stable code of an expected failure; branch on it, not on the message.",
    {
        "INVALID_INPUT": "An input value is malformed or out of range.",
        "INVALID_CREDENTIALS": "Email or password is wrong, or the operator cannot log in yet.",
        "SINGLE_SIGN_ON_OPERATOR": "The operator signs in through their identity provider.",
        "WEAK_PASSWORD": "The new password is too short.",
        "INVALID_CODE": "The code is wrong or not in the accepted time window.",
        "CODE_ALREADY_USED": "This code (or an older one) was already used; wait for the next.",
        "TOO_MANY_ATTEMPTS": "Locked after repeated failures; see lockedUntil.",
        "TOKEN_INVALID": "The token is unknown or already used.",
        "TOKEN_EXPIRED": "The token has expired.",
        "NOT_FOUND": "No such object in your account.",
        "EMAIL_TAKEN": "An operator with this email already exists.",
        "NOT_ALLOWED_BY_POLICY": "The operator's two-factor policy does not allow this.",
        "ALREADY_CONFIGURED": "Two-factor authentication is already set up; reset it first.",
        "NO_PENDING_ENROLLMENT": "No enrollment in progress, or it expired; start again.",
        "NOT_CONFIGURED": "Two-factor authentication is not set up, so there is nothing to "
        "disable, renew or reset.",
        "REAUTHENTICATION_REQUIRED": "This needs a recent authentication: call reauthenticate "
        "with the password (and a code when 2FA is set up), then try again.",
        "SET_UP_TWO_FACTOR_FIRST": "This would require two-factor authentication of you, who "
        "have not set it up, with no grace period: set it up first (or give a grace period).",
        "LAST_ADMINISTRATOR": "This would leave the account without an active administrator.",
        "SETUP_LINK_REQUIRED": "Set up two-factor authentication from the link just emailed to "
        "you, not from this session: it is required of you, or the session proved only your "
        "password.",
        "SERVICE_UNAVAILABLE": "The server is too busy checking passwords right now; try again "
        "in a moment.",
        "RATE_LIMITED": "Too many requests from your network or for your account right now: "
        "several sign-ins from one address are being checked, or its (or the account's) "
        "logins per minute are spent; lockedUntil says when, if known.",
        "INVALID_URL": "The webhook URL is not accepted: it must be https with a host name "
        "that resolves to public addresses only (not loopback, private or link-local).",
        "WEBHOOK_ENDPOINT_DISABLED": "The webhook endpoint is disabled: enable it first.",
        "PASSKEY_INVALID": "The passkey's answer was not accepted: wrong site or origin, an "
        "unknown or foreign credential, a used or expired challenge, a bad signature or a "
        "signature counter that went back.",
    },
)

_register(
    AuthenticationMethod,
    "AuthenticationMethod",
    "How an operator proved who they are for a session.",
    {
        "PASSWORD": "Their password.",
        "TOTP": "A code from their authenticator app (at login, or confirming enrollment).",
        "RECOVERY_CODE": "One of their recovery codes.",
        "SETUP_LINK": "The two-factor setup link emailed to them.",
        "INVITATION": "Their invitation link.",
        "PASSKEY": "A passkey or security key (WebAuthn) registered as their second factor.",
        "TRUSTED_DEVICE": "A device token from a browser they asked to remember at an earlier "
        "second factor: it stands for that second factor at login until it expires, but "
        "not for sensitive actions: those need reauthenticate with a code or passkey first.",
        "TEMPORARY_ACCESS_PASS": "A temporary access pass an administrator issued them, used "
        "once in place of a code.",
    },
)
_register(
    AuditEventKind,
    "AuditEventKind",
    "What an audit event records.",
    {
        "ACCOUNT_DEFAULT_CHANGED": "An administrator changed the account's two-factor default.",
        "OVERRIDE_SET": "An administrator set an operator's override.",
        "OVERRIDE_CLEARED": "An administrator cleared an operator's override.",
        "TWO_FACTOR_RESET": "An administrator reset an operator's two-factor setup.",
        "ENROLLMENT_STARTED": "An operator started setting up an authenticator.",
        "ENROLLMENT_CONFIRMED": "An operator confirmed their authenticator or first passkey "
        "(details: via, factor; added: true when an authenticator app was added beside "
        "passkeys, two-factor authentication being on already).",
        "TWO_FACTOR_DISABLED": "An operator turned off their own two-factor authentication.",
        "RECOVERY_CODES_REGENERATED": "An operator replaced their recovery codes.",
        "LOGIN_SUCCEEDED": "An operator logged in (details say how).",
        "LOGIN_FAILED": "A login with this operator's email failed.",
        "CODE_REJECTED": "A two-factor code was refused (details say why).",
        "LOCKED_OUT": "Repeated failures locked the operator's attempts for a while.",
        "RECOVERY_CODE_USED": "A recovery code was used instead of a TOTP code.",
        "INVITATION_SENT": "An administrator invited (or re-invited) an operator.",
        "INVITATION_ACCEPTED": "An invited operator accepted and set their password.",
        "INVITATION_REVOKED": "An administrator withdrew an invitation: the invited operator "
        "was deleted (details keep their email, name and role).",
        "SESSIONS_REVOKED": "Sessions of an operator were ended (details say how many).",
        "REAUTHENTICATED": "An operator proved who they are again, renewing their session's "
        "recent authentication.",
        "ROLE_CHANGED": "An administrator changed an operator's role (details say from and to).",
        "OPERATOR_DEACTIVATED": "An administrator deactivated an operator: their sessions "
        "ended (details say how many) and they can no longer log in.",
        "OPERATOR_REACTIVATED": "An administrator reactivated a deactivated operator.",
        "OPERATOR_UNLOCKED": "An administrator lifted an operator's password and code locks "
        "(details say until when the latest one would have run, or null).",
        "PASSWORD_CHANGED": "An operator changed their password from a session; their other "
        "sessions ended (details say how many).",
        "PASSWORD_RESET_REQUESTED": "A password reset link was emailed to the operator (at "
        "anyone's request: the link goes only to the operator's mailbox).",
        "PASSWORD_RESET": "An operator set a new password with a reset link; every session "
        "of theirs ended (details say how many).",
        "API_KEY_CREATED": "An administrator created an API key (details: its name, prefix "
        "and scopes).",
        "API_KEY_REVOKED": "An administrator revoked an API key (details: its name, prefix "
        "and scopes).",
        "WEBHOOK_ENDPOINT_CREATED": "An administrator added a webhook endpoint (details: its "
        "URL and event types).",
        "WEBHOOK_ENDPOINT_UPDATED": "An administrator changed a webhook endpoint (details: its "
        "URL, event types and whether it is enabled).",
        "WEBHOOK_ENDPOINT_DELETED": "An administrator deleted a webhook endpoint (details: "
        "its URL).",
        "WEBHOOK_SECRET_ROTATED": "An administrator rotated a webhook endpoint's signing "
        "secret; the old one signs beside the new one for 24 hours (details: its URL).",
        "WEBHOOK_ENDPOINT_DISABLED": "Every delivery to a webhook endpoint failed for 24 hours, "
        "so it was disabled and the administrators emailed (details: its URL).",
        "TWO_FACTOR_OVERDUE": "An operator's deadline to set up two-factor authentication "
        "passed while they had not (details: from PENDING to OVERDUE, and the deadline); "
        "recorded once per operator and deadline.",
        "COMPLIANCE_REPORT_DOWNLOADED": "An administrator or an API key downloaded the "
        "compliance report, which lists every operator's email address.",
        "PASSKEY_ADDED": "An operator registered a passkey (details: its name).",
        "PASSKEY_REMOVED": "An operator removed one of their passkeys (details: its name).",
        "TRUSTED_DEVICE_REMEMBERED": "An operator asked not to be asked for a second factor "
        "again on a browser (details: until when, and the device's id).",
        "TRUSTED_DEVICES_FORGOTTEN": "Remembered browsers of an operator were forgotten "
        "(details: how many, and why).",
        "TRUSTED_DEVICE_DAYS_CHANGED": "An administrator changed how many days a remembered "
        "browser skips the second factor (details: from and to).",
        "TEMPORARY_ACCESS_PASS_ISSUED": "An administrator issued an operator a temporary access "
        "pass (details: until when it is valid; replacesPass when it voided a live one).",
        "TEMPORARY_ACCESS_PASS_USED": "An operator logged in with their temporary access pass.",
    },
)
_register(
    ApiKeyScope,
    "ApiKeyScope",
    "What an API key may do: each scope is a part of what an administrator may do.",
    {
        "READ_OPERATORS": "Read the account's operators, their policies and statuses, their "
        "sessions' metadata and the two-factor summary.",
        "READ_AUDIT_LOG": "Read the account's audit log.",
        "MANAGE_OPERATORS": "Invite operators, resend and revoke invitations, change roles, "
        "deactivate and reactivate, unlock, revoke an operator's sessions.",
        "MANAGE_TWO_FACTOR_POLICY": "Set the account default and overrides, reset an "
        "operator's two-factor authentication.",
    },
)

_register(
    WebhookDeliveryStatus,
    "WebhookDeliveryStatus",
    "Where a webhook delivery stands.",
    {
        "PENDING": "Queued, not tried yet.",
        "SUCCEEDED": "The endpoint answered 2xx.",
        "FAILED": "The last attempt failed; it is tried again at `nextAttemptAt`.",
        "GIVEN_UP": "Every attempt failed (or the endpoint was disabled); it is not tried "
        "again unless redelivered.",
    },
)

_register(
    TwoFactorCompliance,
    "TwoFactorCompliance",
    "Whether an operator meets the two-factor requirement, and if not, how late they are.",
    {
        "NOT_REQUIRED": "Their effective mode is not REQUIRED.",
        "EXEMPT": "They sign in through single sign-on: TOTP does not apply.",
        "COMPLIANT": "Required, and two-factor authentication is set up.",
        "PENDING": "Required and not set up, before their setup deadline (or invited: they "
        "set it up as they accept).",
        "OVERDUE": "Required and not set up, with their deadline passed (or none): a password "
        "alone no longer logs them in.",
    },
)

_register(
    SecondFactorMethod,
    "SecondFactorMethod",
    "A kind of second factor the code step of a login accepts.",
    {
        "TOTP": "A 6-digit code from their authenticator app (verifyTwoFactorCode).",
        "PASSKEY": "A passkey or security key (startPasskeyVerification, then verifyPasskey).",
        "RECOVERY_CODE": "One of their unused recovery codes (verifyTwoFactorCode).",
        "TEMPORARY_ACCESS_PASS": "The temporary access pass an administrator issued them, once "
        "(verifyTwoFactorCode).",
    },
)

AcceptInvitationOutcome = AcceptOutcome

__all__ = [
    "AcceptInvitationOutcome",
    "ApiKeyScope",
    "AuditEventKind",
    "AuthenticationMethod",
    "ErrorCode",
    "LoginOutcome",
    "OperatorRole",
    "OperatorStatus",
    "PolicySource",
    "SecondFactorMethod",
    "TwoFactorCompliance",
    "TwoFactorMode",
    "TwoFactorState",
    "WebhookDeliveryStatus",
]
