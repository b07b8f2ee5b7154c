"""Secrets at rest: nothing in the database can be replayed, and keys rotate."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.connection import get_connection

from mail.outbox import Outbox
from models import Authenticator, OutboxMessage, RecoveryCode, TwoFactorMode, WebhookEndpoint
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import PasswordHasher
from tests.servers import twofa
from tests.support import (
    PASSWORD,
    GraphQLClient,
    enroll,
    make_team,
    session_for,
    set_default,
    stop_senders,
)
from twofa.keys import key_file_for, secret_box
from twofa.settings import ConfigurationError, Settings


async def all_stored_text() -> str:
    """Every row of every table, as one string."""
    connection = get_connection("default")
    assert Tortoise.apps is not None
    dump = []
    for model in Tortoise.apps.get_models_iterable():
        rows = await connection.execute_query_dict(f'SELECT * FROM "{model._meta.db_table}"')  # noqa: S608
        dump.append(repr(rows))
    return "\n".join(dump)


async def test_no_secret_code_token_or_password_is_stored_in_plain(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    enrolled = await enroll(gql, token, clock)
    await set_default(team, TwoFactorMode.REQUIRED)
    await gql.login(team.admin.email)  # required and not set up: a setup link is queued
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    stored = await all_stored_text()
    secrets_seen = [enrolled.secret, token, challenge, PASSWORD, *enrolled.recovery_codes]
    secrets_seen += [code.replace("-", "") for code in enrolled.recovery_codes]
    for value in secrets_seen:
        assert value not in stored
    assert enrolled.secret.lower() not in stored.lower()


async def test_queued_mail_does_not_show_its_link_token(
    app: Starlette,
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    encryption_key: str,
) -> None:
    await stop_senders(app)  # the mail must stay queued
    team = await make_team(hasher, clock)
    await gql.data(
        'mutation { inviteOperator(input: {email: "new@acme.example", name: "New"}) { userErrors { code } } }',
        token=await session_for(team.admin, clock),
    )
    queued = await OutboxMessage.get()
    email = Outbox(SecretBox([encryption_key]), "https://twofa.test").read(queued)
    token = email.text.split("?token=", 1)[1].split()[0]
    stored = await all_stored_text()
    assert token not in stored and "new@acme.example" in stored


@pytest.mark.server
async def test_rotate_keys_re_encrypts_under_the_first_key(
    app: Starlette,
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    database_url: str,
    encryption_key: str,
) -> None:
    await stop_senders(app)  # the mail must stay queued, to be re-encrypted
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)  # queues a mail
    old_box = SecretBox([encryption_key])
    endpoint = await WebhookEndpoint.create(
        account_id=team.account.id,
        url="https://93.184.216.34/twofa",
        event_types=["two_factor.reset"],
        secret_encrypted=old_box.encrypt("whsec_current"),
        previous_secret_encrypted=old_box.encrypt("whsec_before_rotation"),
        previous_secret_expires_at=clock.now(),
        created_at=clock.now(),
    )
    new_key = generate_key()
    result = twofa(
        "rotate-keys",
        database_url=database_url,
        env={"ENCRYPTION_KEYS": f"{new_key},{encryption_key}"},
    )
    assert result.returncode == 0, result.stderr
    # One TOTP secret, ten recovery codes, one queued email, two webhook signing secrets.
    assert "Re-encrypted 14 secret(s) and queued email(s)" in result.stdout
    await endpoint.refresh_from_db()
    assert SecretBox([new_key]).decrypt(endpoint.secret_encrypted) == "whsec_current"
    assert endpoint.previous_secret_encrypted is not None
    assert SecretBox([new_key]).decrypt(endpoint.previous_secret_encrypted) == (
        "whsec_before_rotation"
    )
    stored = (await Authenticator.get(operator_id=team.basic.id)).secret_encrypted
    assert SecretBox([new_key]).decrypt(stored) == enrolled.secret
    with pytest.raises(InvalidToken):
        SecretBox([encryption_key]).decrypt(stored)
    code = await RecoveryCode.filter(operator_id=team.basic.id).first()
    assert code is not None and code.code_sealed is not None
    assert SecretBox([new_key]).decrypt(code.code_sealed).startswith("hmac-sha256:")
    queued = await OutboxMessage.get()
    assert "Two-factor authentication is on" in SecretBox([new_key]).decrypt(
        queued.content_encrypted
    )


def test_sqlite_without_keys_gets_a_private_key_file_kept_across_starts(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite://{tmp_path}/db/twofa.sqlite3")
    first = secret_box(settings)
    key_file = key_file_for(settings.database_url)
    assert key_file is not None and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.encrypt("JBSWY3DPEHPK3PXP")
    assert secret_box(settings).decrypt(token) == "JBSWY3DPEHPK3PXP"


def test_postgresql_requires_encryption_keys_and_bad_keys_are_refused() -> None:
    # Only the URL's scheme is read: no database is connected to.
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEYS is required"):
        secret_box(Settings(database_url="postgres://twofa@db.example:5432/twofa"))
    with pytest.raises(ConfigurationError, match="not a Fernet key"):
        secret_box(Settings(database_url="sqlite://:memory:", encryption_keys=("short",)))
