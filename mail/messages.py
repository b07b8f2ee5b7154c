"""Composing emails: multipart text and HTML from the templates beside this module."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from enum import StrEnum
from functools import cache
from importlib.resources import files
from string import Template

PRODUCT = "twofa"
"""Product name shown in every email's footer."""


class MailKind(StrEnum):
    """Every email twofa sends; the value names its templates."""

    INVITATION = "invitation"
    TWO_FACTOR_SETUP = "two_factor_setup"
    TWO_FACTOR_SETUP_REQUESTED = "two_factor_setup_requested"
    TWO_FACTOR_REMINDER = "two_factor_reminder"
    TWO_FACTOR_LAST_REMINDER = "two_factor_last_reminder"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_RESET = "two_factor_reset"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    REUSED_CODE_REFUSED = "reused_code_refused"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a template name, not a secret)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a template name, not a secret)
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"
    TEMPORARY_ACCESS_PASS_ISSUED = "temporary_access_pass_issued"  # noqa: S105 (a template name)
    PASSKEY_ADDED = "passkey_added"
    AUTHENTICATOR_ADDED = "authenticator_added"


SUBJECTS: dict[MailKind, str] = {
    MailKind.INVITATION: "You are invited to $account_name",
    MailKind.TWO_FACTOR_SETUP: "Set up two-factor authentication for $account_name",
    MailKind.TWO_FACTOR_SETUP_REQUESTED: "Continue setting up two-factor authentication",
    MailKind.TWO_FACTOR_REMINDER: "Set up two-factor authentication for $account_name by $deadline",
    MailKind.TWO_FACTOR_LAST_REMINDER: "Last day to set up two-factor authentication for "
    "$account_name",
    MailKind.TWO_FACTOR_ENABLED: "Two-factor authentication is on",
    MailKind.TWO_FACTOR_RESET: "Your two-factor authentication was reset",
    MailKind.TWO_FACTOR_DISABLED: "Two-factor authentication is off",
    MailKind.RECOVERY_CODE_USED: "A recovery code was used to log in",
    MailKind.REUSED_CODE_REFUSED: "A login with a used code was refused",
    MailKind.PASSWORD_RESET: "Reset your password for $account_name",
    MailKind.PASSWORD_CHANGED: "Your password was changed",
    MailKind.WEBHOOK_ENDPOINT_DISABLED: "A webhook endpoint of $account_name was disabled",
    MailKind.TEMPORARY_ACCESS_PASS_ISSUED: "A temporary access pass was issued to you",
    MailKind.PASSKEY_ADDED: "A passkey was added to your account",
    MailKind.AUTHENTICATOR_ADDED: "An authenticator app was added to your account",
}
"""Subject line of each kind (a template over the same values as the body)."""


@dataclass(frozen=True)
class Email:
    """A rendered email, ready to be queued."""

    kind: MailKind
    to: str
    subject: str
    text: str
    html: str

    def to_json(self) -> str:
        """Serialize for the outbox."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, data: str) -> Email:
        """Read back what ``to_json`` wrote."""
        fields = json.loads(data)
        fields["kind"] = MailKind(fields["kind"])
        return cls(**fields)

    def to_message(self, sender: str) -> EmailMessage:
        """Return the MIME message: text/plain with a text/html alternative."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


@cache
def _template(name: str) -> Template:
    return Template(files("mail").joinpath("templates", name).read_text(encoding="utf-8"))


def compose(kind: MailKind, to: str, values: Mapping[str, str]) -> Email:
    """Render the email of ``kind`` for ``to``; every placeholder must have a value.

    Values are HTML-escaped in the HTML part, so names cannot inject markup.
    """
    subject = Template(SUBJECTS[kind]).substitute(values)
    text = _template(f"{kind.value}.txt").substitute(values)
    escaped = {key: html.escape(value) for key, value in values.items()}
    body = _template(f"{kind.value}.html").substitute(escaped)
    page = _template("layout.html").substitute(
        escaped, subject=html.escape(subject), body=body, product=PRODUCT
    )
    return Email(kind=kind, to=to, subject=subject, text=text, html=page)
