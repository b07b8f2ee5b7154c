"""Tortoise models: the data twofa keeps. Domain rules live in ``services``."""

from models.account import Account
from models.api_key import ApiKey
from models.audit import AuditEvent
from models.authenticator import Authenticator, RecoveryCode
from models.deadline import DeadlineRound, DeadlineWatch
from models.enums import OperatorRole, OperatorStatus, TokenPurpose, TwoFactorMode
from models.operator import Operator
from models.outbox import OutboxMessage
from models.passkey import Passkey, PasskeyCeremony, PasskeyChallenge
from models.session import Session
from models.throttle import Throttle
from models.token import OneTimeToken
from models.trusted_device import TrustedDevice
from models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "ApiKey",
    "AuditEvent",
    "Authenticator",
    "DeadlineRound",
    "DeadlineWatch",
    "OneTimeToken",
    "Operator",
    "OperatorRole",
    "OperatorStatus",
    "OutboxMessage",
    "Passkey",
    "PasskeyCeremony",
    "PasskeyChallenge",
    "RecoveryCode",
    "Session",
    "Throttle",
    "TokenPurpose",
    "TrustedDevice",
    "TwoFactorMode",
    "WebhookDelivery",
    "WebhookEndpoint",
]
