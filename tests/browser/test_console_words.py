"""The console's lists of the API's values (audit event kinds, API key scopes, webhook event
types) name every value the server has, and no other: a value added to the API without
words in the console would show raw, or never be offered as a choice.

These read the console's modules as text; no browser needed.
"""

from __future__ import annotations

import re

from graphql import GraphQLEnumType, build_schema

from services.webhooks.events import WebhookEventType
from tests.servers import ROOT

CONSOLE = ROOT / "twofa" / "console"
SCHEMA = build_schema((ROOT / "schema.graphql").read_text())


def keys_of(module: str, constant: str) -> list[str]:
    """The keys of the object literal ``const NAME = { … };`` in a console module, in order."""
    text = (CONSOLE / module).read_text()
    found = re.search(rf"const {constant} = \{{\n(.*?)\n\}};", text, re.DOTALL)
    assert found, f"no {constant} in {module}"
    return re.findall(r'^  "?([\w.]+)"?:', found.group(1), re.MULTILINE)


def enum_values(name: str) -> list[str]:
    """The values of an enum of schema.graphql, in order."""
    enum = SCHEMA.type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    return list(enum.values)


def test_every_audit_event_kind_has_words_and_is_a_filter_choice() -> None:
    assert keys_of("pages/audit.js", "EVENT_WORDS") == enum_values("AuditEventKind")


def test_every_api_key_scope_is_a_checkbox() -> None:
    assert keys_of("pages/api-keys.js", "SCOPES") == enum_values("ApiKeyScope")


def test_every_webhook_event_type_but_the_test_is_a_checkbox() -> None:
    subscribable = [
        kind.value for kind in WebhookEventType if kind != WebhookEventType.WEBHOOK_TEST
    ]
    assert keys_of("pages/webhooks.js", "EVENT_TYPES") == subscribable


def test_every_delivery_status_has_words() -> None:
    assert keys_of("pages/webhooks.js", "STATUS_WORDS") == enum_values("WebhookDeliveryStatus")


def test_every_compliance_state_has_words_and_is_a_filter_choice() -> None:
    assert keys_of("compliance.js", "COMPLIANCE") == enum_values("TwoFactorCompliance")


def test_every_authentication_method_has_words() -> None:
    assert keys_of("pages/sessions.js", "METHODS") == enum_values("AuthenticationMethod")


def test_every_second_factor_but_the_passkey_is_named_by_the_code_field() -> None:
    offered = [method for method in enum_values("SecondFactorMethod") if method != "PASSKEY"]
    assert keys_of("pages/login.js", "CODE_HINTS") == offered
