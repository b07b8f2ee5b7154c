"""The README's examples work as printed: its quick start's GraphQL, run against the demo
account that ``make run`` seeds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.servers import ROOT
from tests.support import GraphQLClient
from twofa.demo import DEMO_EMAIL, DEMO_OPERATORS, seed_demo_account
from twofa.keys import secret_box
from twofa.settings import Settings

README = ROOT / "README.md"
PRINTED_PASSWORD = "…printed password…"
"""What the quick start's login shows in place of the password ``make run`` prints."""


def section(title: str) -> str:
    """The text of the README's ``## title`` section, up to the next one."""
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def code_blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of ``language`` in ``text``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


async def test_the_quick_start_works_as_printed(
    gql: GraphQLClient, settings: Settings, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    login, *rest = code_blocks(section("Quick start"), "graphql")
    assert PRINTED_PASSWORD in login and DEMO_EMAIL in login
    password = await seed_demo_account(hasher, clock, secret_box(settings))
    assert password is not None

    logged_in = await gql.data(login.replace(PRINTED_PASSWORD, password))
    assert logged_in["login"]["userErrors"] == []
    assert logged_in["login"]["outcome"] == "AUTHENTICATED"
    token = logged_in["login"]["sessionToken"]
    answers: list[dict[str, Any]] = []
    for block in rest:
        data = await gql.data(block, token=token)
        for value in data.values():
            if isinstance(value, dict) and "userErrors" in value:
                assert value["userErrors"] == [], (block, value)
        answers.append(data)

    required, own, dashboard = answers
    account = required["setAccountTwoFactorDefault"]["account"]
    assert account == {"twoFactorDefault": "REQUIRED", "twoFactorGracePeriodHours": 72}
    policy = own["viewer"]["effectiveTwoFactorPolicy"]
    assert policy["setupRequired"] is True and policy["enrollmentNeedsEmailLink"] is True
    assert policy["setupDeadline"] == (clock.now() + timedelta(hours=72)).isoformat()
    operators = dashboard["viewer"]["account"]["operators"]
    assert operators["totalCount"] == 1 + len(DEMO_OPERATORS)
    listed = {edge["node"]["email"] for edge in operators["edges"]}
    assert listed == {DEMO_EMAIL} | {demo.email for demo in DEMO_OPERATORS}


def test_the_alert_rules_shown_are_deploy_alerts_yml() -> None:
    """CI checks and tests the file with promtool; the README shows the same rules."""
    [shown] = code_blocks(section("Production"), "yaml")
    assert shown == (ROOT / "deploy" / "alerts.yml").read_text()
