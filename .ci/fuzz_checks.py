"""The fuzzer's verdict for twofa: what counts as a server error.

Schemathesis's stock GraphQL check counts every error that has a ``path`` as a resolver
failure. twofa's deliberate top-level errors (UNAUTHENTICATED, FORBIDDEN, INVALID_INPUT)
also have one, and carry ``extensions.code``; an unexpected exception inside a resolver
is masked as "Unexpected error." without a code. So a server error here is a 5xx, or an
error without a code raised during execution.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> None:
    """Fail on a 5xx, or on an error that escaped a resolver (masked, without a code)."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:300]}")
    if response.status_code != 200:
        return
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if error.get("path") and code is None:
            raise AssertionError(f"an exception inside a resolver: {error.get('message')}")
