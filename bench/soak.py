"""``make soak``: mixed traffic from 20 clients against PostgreSQL, then consistency checks.

Two uvicorn workers serve one PostgreSQL database; 20 clients mix status queries, logins
with TOTP codes, policy changes and invitations for a bounded time. Afterwards: zero 5xx,
every queued email delivered exactly once (to a real SMTP server), no operator in an
inconsistent state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
from tortoise import Tortoise
from tortoise.connection import get_connection

from bench.run import DEFAULT_PG, drop_pg_database, pg_database
from bench.seed import PASSWORD, SECRET, seed
from bench.servers import uvicorn
from bench.smtp import SmtpServer
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import PasswordHasher
from twofa.database import apply_migrations, tortoise_config

CLIENTS = 20
STATUS = {"query": "{ viewer { effectiveTwoFactorPolicy { mode state setupRequired } } }"}
LOGIN = "mutation ($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { challengeToken userErrors { code } } }"
VERIFY = "mutation ($c: String!, $k: String!) { verifyTwoFactorCode(input: {challengeToken: $c, code: $k}) { sessionToken userErrors { code } } }"
OVERRIDE = "mutation ($id: ID!, $m: TwoFactorMode!) { setOperatorTwoFactorOverride(input: {operatorId: $id, mode: $m}) { userErrors { code } } }"
INVITE = 'mutation ($e: String!) { inviteOperator(input: {email: $e, name: "Soak"}) { userErrors { code } } }'

INCONSISTENCIES = {
    "configured authenticator still marked pending": "SELECT COUNT(*) AS n FROM authenticators WHERE confirmed_at IS NOT NULL AND pending_expires_at IS NOT NULL",
    "recovery codes without a configured factor": "SELECT COUNT(*) AS n FROM recovery_codes r JOIN operators o ON o.id = r.operator_id WHERE o.two_factor_configured_at IS NULL",
    "more than ten recovery codes": "SELECT COUNT(*) AS n FROM (SELECT operator_id FROM recovery_codes GROUP BY operator_id HAVING COUNT(*) > 10) x",
    "invited operator with a password": "SELECT COUNT(*) AS n FROM operators WHERE status = 'INVITED' AND password_hash IS NOT NULL",
    "session of an invited operator": "SELECT COUNT(*) AS n FROM sessions s JOIN operators o ON o.id = s.operator_id WHERE o.status = 'INVITED'",
    "undelivered or abandoned mail": "SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NULL",
}


async def traffic(
    base: str, seconds: int, seeded: Any, admin_token: str, operator_ids: list[str]
) -> Counter[str]:
    """Run the clients; return a count of HTTP statuses and outcomes."""
    tally: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    totp = pyotp.TOTP(SECRET)
    emails = iter(seeded.login_emails)

    async def post(
        http: httpx.AsyncClient, body: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await http.post(f"{base}/graphql", json=body, headers=headers)
        tally[f"http {response.status_code}"] += 1
        return response.json() if response.status_code == 200 else {}

    async def client(number: int) -> None:
        rng = random.Random(number)  # noqa: S311 - load shape, not security
        async with httpx.AsyncClient(timeout=60) as http:
            while time.monotonic() < deadline:
                roll = rng.random()
                if roll < 0.55:
                    await post(http, STATUS, seeded.viewer_token)
                elif roll < 0.8:
                    email = next(emails, None)
                    if email is None:
                        continue
                    login = await post(
                        http, {"query": LOGIN, "variables": {"e": email, "p": PASSWORD}}
                    )
                    challenge = login.get("data", {}).get("login", {}).get("challengeToken")
                    code = totp.at(datetime.now(UTC))
                    verified = await post(
                        http, {"query": VERIFY, "variables": {"c": challenge or "", "k": code}}
                    )
                    ok = verified.get("data", {}).get("verifyTwoFactorCode", {}).get("sessionToken")
                    tally["login ok" if ok else "login refused"] += 1
                elif roll < 0.95:
                    mode = rng.choice(["REQUIRED", "OPTIONAL", "DISABLED"])
                    await post(
                        http,
                        {
                            "query": OVERRIDE,
                            "variables": {"id": rng.choice(operator_ids), "m": mode},
                        },
                        admin_token,
                    )
                    tally["policy change"] += 1
                else:
                    await post(
                        http,
                        {
                            "query": INVITE,
                            "variables": {"e": f"soak{number}-{rng.randrange(10**9)}@soak.example"},
                        },
                        admin_token,
                    )
                    tally["invitation"] += 1

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return tally


async def prepare(url: str, key: str, logins: int) -> tuple[Any, str, list[str]]:
    """Migrate, seed, and return the seed, an admin token and operator ids to override."""
    from models import Operator
    from schema.ids import encode_id

    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        seeded = await seed(SecretBox([key]), PasswordHasher(), sizes=(100,), logins=logins)
        ids = [
            encode_id("Operator", op.id)
            for op in await Operator.filter(email_key__startswith="op").limit(50)
        ]
        return seeded, seeded.page_tokens[100], ids
    finally:
        await Tortoise.close_connections()


async def check(url: str, sink: Any, wait_seconds: float) -> tuple[dict[str, int], int, int]:
    """Wait for the outbox to drain; return inconsistencies, rows sent and emails received."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        connection = get_connection("default")
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            rows = await connection.execute_query_dict(
                "SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NULL"
            )
            if rows[0]["n"] == 0:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a duplicate would arrive now
        found = {}
        for label, sql in INCONSISTENCIES.items():
            found[label] = int((await connection.execute_query_dict(sql))[0]["n"])
        sent = int(
            (
                await connection.execute_query_dict(
                    "SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NOT NULL"
                )
            )[0]["n"]
        )
        return found, sent, len(sink.messages)
    finally:
        await Tortoise.close_connections()


def main() -> None:
    """Run the soak and print its verdict; exit non-zero when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args()
    key = generate_key()
    smtp = SmtpServer()
    smtp.start()
    url, name = asyncio.run(pg_database(args.postgres_url))
    try:
        seeded, admin_token, ids = asyncio.run(prepare(url, key, logins=args.seconds * 100))
        env = {
            "DATABASE_URL": url,
            "ENCRYPTION_KEYS": key,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_TLS": "none",
        }
        started = time.monotonic()
        with uvicorn("twofa.app:create_app", env=env, factory=True, workers=2) as base:
            tally = asyncio.run(traffic(base, args.seconds, seeded, admin_token, ids))
            elapsed = time.monotonic() - started
            found, sent, received = asyncio.run(check(url, smtp.sink, wait_seconds=60))
    finally:
        smtp.stop()
        asyncio.run(drop_pg_database(args.postgres_url, name))
    recipients = Counter((m["To"], m["Subject"]) for m in smtp.sink.messages)
    duplicates = sum(n - 1 for n in recipients.values() if n > 1)
    server_errors = sum(n for status, n in tally.items() if status.startswith("http 5"))
    report = {
        "seconds": args.seconds, "clients": CLIENTS, "elapsed": round(elapsed, 1), "tally": dict(tally),
        "requests_per_second": round(sum(n for s, n in tally.items() if s.startswith("http")) / args.seconds, 1),
        "mail_sent": sent, "mail_received": received, "duplicate_mails": duplicates,
        "server_errors": server_errors, "inconsistencies": found,
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    failed = server_errors or duplicates or sent != received or any(found.values())
    print("SOAK FAILED" if failed else "SOAK PASSED")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
