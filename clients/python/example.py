"""A partner's use of the generated client, as a person or with an API key.

As a person: log in, read the policy, list operators. With an API key: read the account's
two-factor summary.

`make clients` type-checks this file with mypy against the package generated from
schema.graphql, so a schema change that breaks it fails CI. Run it against a server with
`python example.py URL EMAIL PASSWORD [CODE]`, or `python example.py URL` with the key in
`TWOFA_API_KEY`.
"""

from __future__ import annotations

import asyncio
import os
import sys

from twofa_client import (
    LoginOutcome,
    OperatorFilter,
    OperatorStatus,
    TwofaClient,
    TwoFactorMode,
)


async def session_token(url: str, email: str, password: str, code: str | None) -> str:
    """Log in with a password, and a code when the policy asks for one."""
    async with TwofaClient(url=url) as client:
        login = (await client.login(email=email, password=password)).login
        if login.user_errors:
            raise SystemExit(f"login refused: {login.user_errors[0].code.value}")
        if login.outcome is LoginOutcome.AUTHENTICATED and login.session_token:
            return login.session_token
        if login.outcome is LoginOutcome.TWO_FACTOR_CODE_REQUIRED and login.challenge_token:
            if code is None:
                raise SystemExit("a two-factor code is required")
            verified = await client.verify_two_factor_code(
                challenge_token=login.challenge_token, code=code
            )
            if verified.verify_two_factor_code.session_token:
                return verified.verify_two_factor_code.session_token
        raise SystemExit(f"no session: {login.outcome}")


async def main(url: str, email: str, password: str, code: str | None) -> None:
    """Print the operator's policy and the open invitations of their account."""
    token = await session_token(url, email, password, code)
    async with TwofaClient(url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        viewer = (await client.viewer_status()).viewer
        assert viewer is not None
        policy = viewer.effective_two_factor_policy
        print(viewer.email, policy.mode.value, policy.state.value, policy.setup_deadline)
        if policy.mode is TwoFactorMode.REQUIRED and policy.setup_required:
            print("two-factor setup is due by", policy.setup_deadline)
        # The operation's $filter variable is `filter_` here: ariadne-codegen appends an
        # underscore to names that shadow a Python builtin (filter, type, id is kept).
        page = await client.operators_page(
            first=20, filter_=OperatorFilter(status=OperatorStatus.INVITED)
        )
        assert page.viewer is not None
        operators = page.viewer.account.operators
        print(operators.total_count, "open invitations")
        for edge in operators.edges:
            print(" ", edge.node.email, edge.node.status.value, edge.node.last_login_at)


async def compliance(url: str, api_key: str) -> None:
    """Print how many of the key's account's operators still have to set up 2FA."""
    async with TwofaClient(url=url, headers={"Authorization": f"Bearer {api_key}"}) as client:
        answer = await client.account_compliance()
        if answer.account is None or answer.api_key is None:
            raise SystemExit("the key was refused (unknown, expired or revoked)")
        summary = answer.account.two_factor_summary
        print(answer.account.name, summary.setup_required, "of", summary.total_operators,
              "operators still to set up 2FA; key", answer.api_key.name,
              "expires", answer.api_key.expires_at.date())  # fmt: skip


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) == 1 and "TWOFA_API_KEY" in os.environ:
        asyncio.run(compliance(arguments[0], os.environ["TWOFA_API_KEY"]))
        raise SystemExit(0)
    if len(arguments) not in (3, 4):
        raise SystemExit("usage: example.py URL EMAIL PASSWORD [CODE]")
    url, email, password = arguments[:3]
    asyncio.run(main(url, email, password, arguments[3] if len(arguments) == 4 else None))
