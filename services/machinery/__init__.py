"""The machinery under the domain rules.

The clock, password hashing and its fair queue, encryption, tokens, TOTP and QR codes, the
throttle counters, the session lookup and its remembered rows, retention, key rotation,
the dependencies handed to services and the caller of the request being served.
"""
