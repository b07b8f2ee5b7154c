"""The ``twofa`` command line: its commands run as real processes, its help in process."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from models import Account, Operator, OperatorRole, TwoFactorMode
from schema.ids import decode_id
from tests.servers import ROOT, free_port, twofa, twofa_server
from tests.support import PASSWORD, GraphQLClient
from twofa.cli import main


@pytest.mark.server
def test_export_schema_matches_the_checked_in_file(database_url: str) -> None:
    result = twofa("export-schema", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text()


@pytest.mark.server
async def test_create_account_prints_global_ids_and_the_admin_can_log_in(
    app: Starlette, gql: GraphQLClient, database_url: str
) -> None:
    result = twofa(
        "create-account",
        "--name", "Initech",
        "--admin-email", "Peter@Initech.example",
        "--admin-password", PASSWORD,
        "--admin-name", "Peter",
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ids = json.loads(result.stdout)
    account = await Account.get(id=decode_id(ids["accountId"], "Account"))
    admin = await Operator.get(id=decode_id(ids["operatorId"], "Operator"))
    assert account.name == "Initech"
    assert account.two_factor_default is TwoFactorMode.OPTIONAL  # a new account starts OPTIONAL
    assert (admin.account_id, admin.role, admin.name) == (
        account.id,
        OperatorRole.ADMINISTRATOR,
        "Peter",
    )
    assert (await gql.login("peter@initech.example"))["outcome"] == "AUTHENTICATED"

    again = twofa(
        "create-account",
        "--name", "Initech 2",
        "--admin-email", "PETER@initech.example",
        "--admin-password", PASSWORD,
        database_url=database_url,
    )  # fmt: skip
    assert again.returncode == 1
    assert "EMAIL_TAKEN" in again.stderr
    assert await Account.all().count() == 1


@pytest.mark.server
def test_create_account_refuses_a_short_password(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    result = twofa(
        "create-account", "--name", "A", "--admin-email", "a@b.example", "--admin-password", "short",
        database_url=url,
    )  # fmt: skip
    assert result.returncode == 1
    assert "WEAK_PASSWORD" in result.stderr


@pytest.mark.server
def test_migrate_creates_a_fresh_database_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/nested/fresh.sqlite3"
    first = twofa("migrate", database_url=url)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "nested" / "fresh.sqlite3").exists()
    second = twofa("migrate", database_url=url)
    assert second.returncode == 0, second.stderr


@pytest.mark.server
def test_seed_demo_creates_one_account_and_prints_its_login(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/data/demo.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    first = twofa("seed-demo", database_url=url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "admin@demo.example" in first.stdout
    second = twofa("seed-demo", database_url=url, cwd=tmp_path)
    assert second.stdout == first.stdout


@pytest.mark.server
def test_the_demo_login_file_is_private_from_the_start(tmp_path: Path) -> None:
    """It holds a password: created 0600 in a 0700 folder, even with the database elsewhere."""
    url = f"sqlite://{tmp_path}/elsewhere/demo.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    previous = os.umask(0o022)
    try:
        assert twofa("seed-demo", database_url=url, cwd=tmp_path).returncode == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "demo-login.json").stat().st_mode) == 0o600


@pytest.mark.server
def test_seed_demo_prints_the_console_url_first_on_the_given_port(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/data/demo.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    local = {"PUBLIC_URL": ""}
    result = twofa("seed-demo", "--port", "8123", database_url=url, cwd=tmp_path, env=local)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Console:  http://localhost:8123/",
        "GraphiQL: http://localhost:8123/graphql",
        "Demo administrator:",
    ]
    assert lines[3].split() == ["email:", "admin@demo.example"]
    public = {"PUBLIC_URL": "https://twofa.example/"}
    again = twofa("seed-demo", "--port", "8123", database_url=url, cwd=tmp_path, env=public)
    assert again.stdout.splitlines()[:2] == [
        "Console:  https://twofa.example/",
        "GraphiQL: https://twofa.example/graphql",
    ]


@pytest.mark.server
def test_served_on_a_port_emailed_links_follow_it(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/data/demo.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    assert twofa("seed-demo", database_url=url, cwd=tmp_path).returncode == 0
    port = free_port()
    env = {"DATABASE_URL": url, "PUBLIC_URL": "", "SMTP_HOST": "", "ENCRYPTION_KEYS": ""}
    log = tmp_path / "server.log"
    with twofa_server(env, log, port=port) as server:
        response = httpx.post(
            f"{server}/graphql",
            json={
                "query": "mutation ($email: String!) { requestPasswordReset(input: {email: $email})"
                " { userErrors { code } } }",
                "variables": {"email": "admin@demo.example"},
            },
        )
        assert response.json()["data"]["requestPasswordReset"]["userErrors"] == []
        link = f"http://localhost:{port}/password/reset?token="
        deadline = time.monotonic() + 30
        while link not in log.read_text():  # the mail goes to the log without SMTP_HOST
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


@pytest.mark.parametrize("command", [[], ["serve"], ["create-account"]])
def test_help_is_plain_text(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main([*command, "--help"])
    assert ended.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: twofa {' '.join(command)}".rstrip())
    for markup in ("``", ":class:", ":func:"):  # reStructuredText, as docstrings are written
        assert markup not in shown
