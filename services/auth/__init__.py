"""Logging in: the password, then the second factor (a TOTP or recovery code)."""
