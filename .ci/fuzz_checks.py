"""The fuzzer's verdict for twofa: what counts as a server error.

Schemathesis's stock GraphQL check counts every error that has a ``path`` as a resolver
failure. twofa's deliberate top-level errors (UNAUTHENTICATED, FORBIDDEN, INVALID_INPUT)
also have one; every error carries ``extensions.code``, and an unexpected exception is
masked as "Unexpected error." with the code INTERNAL_SERVER_ERROR. So a server error here
is a 5xx, an error with that code, or an error without a code (which twofa never sends).
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> None:
    """Fail on a 5xx, on a masked unexpected error, or on an error without a code."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:300]}")
    if response.status_code != 200:
        return
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"{code or 'no code'}: {error.get('message')}")
