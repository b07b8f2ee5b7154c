"""The demo account ``make run`` seeds: something for a dashboard to list."""

from __future__ import annotations

from models import Account, Authenticator, Operator
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import GraphQLClient
from twofa.demo import DEMO_EMAIL, seed_demo_account
from twofa.keys import secret_box
from twofa.settings import Settings

OPERATORS = """{ viewer { account { operators(first: 20) { totalCount edges { node {
  email role status usesSingleSignOn recoveryCodesRemaining invitationExpiresAt
  invitedBy { email }
  effectiveTwoFactorPolicy { mode source state setupRequired } } } } } } }"""


async def test_the_demo_account_holds_operators_in_every_state_a_dashboard_shows(
    gql: GraphQLClient, settings: Settings, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    box = secret_box(settings)
    password = await seed_demo_account(hasher, clock, box)
    assert password is not None
    token = await gql.session(DEMO_EMAIL, password)  # no code: the quick start needs none

    edges = (await gql.data(OPERATORS, token=token))["viewer"]["account"]["operators"]["edges"]
    rows = {
        node["email"]: (
            node["role"],
            node["status"],
            node["usesSingleSignOn"],
            node["effectiveTwoFactorPolicy"]["mode"],
            node["effectiveTwoFactorPolicy"]["source"],
            node["effectiveTwoFactorPolicy"]["state"],
            node["effectiveTwoFactorPolicy"]["setupRequired"],
            node["recoveryCodesRemaining"],
        )
        for node in (edge["node"] for edge in edges)
    }
    optional, required, disabled = "OPTIONAL", "REQUIRED", "DISABLED"
    assert rows == {
        DEMO_EMAIL: ("ADMINISTRATOR", "ACTIVE", False, optional, "ACCOUNT_DEFAULT", "NOT_CONFIGURED", False, 0),
        "olivia@demo.example": ("ADMINISTRATOR", "ACTIVE", False, optional, "ACCOUNT_DEFAULT", "CONFIGURED", False, 10),
        "devon@demo.example": ("BASIC", "ACTIVE", False, optional, "ACCOUNT_DEFAULT", "CONFIGURED", False, 10),
        "sam@demo.example": ("BASIC", "ACTIVE", False, required, "OPERATOR_OVERRIDE", "NOT_CONFIGURED", True, 0),
        "casey@demo.example": ("BASIC", "INVITED", False, optional, "ACCOUNT_DEFAULT", "NOT_CONFIGURED", False, 0),
        "sasha@demo.example": ("BASIC", "ACTIVE", True, disabled, "SINGLE_SIGN_ON", "NOT_CONFIGURED", False, 0),
    }  # fmt: skip
    [invited] = [edge["node"] for edge in edges if edge["node"]["status"] == "INVITED"]
    assert invited["invitedBy"] == {"email": DEMO_EMAIL}
    assert invited["invitationExpiresAt"] is not None
    # The authenticators' secrets are sealed with the server's keys: it can check codes.
    for authenticator in await Authenticator.all():
        assert len(box.decrypt(authenticator.secret_encrypted)) == 32
    # Only the printed administrator can log in with a password.
    assert await Operator.filter(password_hash__isnull=False).count() == 1

    # Seeding again changes nothing.
    assert await seed_demo_account(hasher, clock, box) is None
    assert await Account.all().count() == 1
    assert await Operator.all().count() == len(rows)
