"""The ``TwoFactorEnrollment`` type: what an authenticator app needs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.enrollment import EnrollmentStart
from services.machinery import qr


@strawberry.type(description="A started enrollment: the secret in every form an app can take.")
class TwoFactorEnrollment:
    """The GraphQL view of ``services.enrollment.EnrollmentStart``.

    The QR codes are drawn only when asked for: each takes tens of milliseconds.
    """

    secret: str = strawberry.field(description="Base32 secret, for typing into an app by hand.")
    otpauth_uri: str = strawberry.field(
        description="otpauth://totp/ URI (issuer and issuer:email label, SHA1, 6 digits, 30 s)."
    )
    qr_code_png: str = strawberry.field(
        resolver=lambda root: qr.png_data_uri(root.otpauth_uri),
        description="The URI as a QR code, as a data:image/png;base64 URI.",
    )
    qr_code_svg: str = strawberry.field(
        resolver=lambda root: qr.svg_markup(root.otpauth_uri),
        description="The URI as a QR code, as <svg> markup.",
    )
    expires_at: datetime = strawberry.field(
        description="When the enrollment lapses unless confirmed (15 minutes)."
    )

    @classmethod
    def from_domain(cls, start: EnrollmentStart) -> TwoFactorEnrollment:
        """Build the GraphQL object from the started enrollment."""
        return cls(
            secret=start.secret,
            otpauth_uri=start.otpauth_uri,
            expires_at=start.expires_at,
        )
