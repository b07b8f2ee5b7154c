"""The fuzzer's verdict for twofa: what counts as a server error.

Schemathesis's stock GraphQL check counts every error that has a ``path`` as a resolver
failure. twofa's deliberate top-level errors (UNAUTHENTICATED, FORBIDDEN, INVALID_INPUT)
also have one; every error carries ``extensions.code``, and an unexpected exception is
masked as "Unexpected error." with the code INTERNAL_SERVER_ERROR. So a server error here
is a 5xx, an error with that code, or an error without a code (which twofa never sends).
"""

from __future__ import annotations

from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes


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


def _value_node(value: Any) -> graphql.ValueNode:
    """Write a JSON value as a GraphQL literal (the form a JSON scalar takes inline)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([_value_node(item) for item in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=_value_node(item))
            for key, item in value.items()
        ]
    )


_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=12,
)
_CREDENTIAL_LIKE = st.fixed_dictionaries(
    {
        "id": st.text(max_size=60),
        "rawId": st.text(max_size=60),
        "type": st.sampled_from(["public-key", "other"]),
        "response": st.fixed_dictionaries(
            {
                "clientDataJSON": st.text(max_size=200),
                "attestationObject": st.text(max_size=200),
                "authenticatorData": st.text(max_size=200),
                "signature": st.text(max_size=120),
            }
        ),
    }
)
# WebAuthn options and credentials travel in the JSON scalar: any JSON value, and
# credential-shaped objects whose parts are junk.
schemathesis.graphql.scalar("JSON", (_JSON | _CREDENTIAL_LIKE).map(_value_node))
