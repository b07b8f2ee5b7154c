"""Inputs and payloads of enrollment and of the operator's own authenticator settings."""

SETUP_TOKEN_HELP = (
    "Token from a setup email link or from acceptInvitation; without it, the session's "  # noqa: S105
    "operator enrolls."
)
"""Description of the ``setupToken`` input field of the enrollment mutations."""
