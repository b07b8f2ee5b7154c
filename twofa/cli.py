"""The ``twofa`` command: serve, migrate, create accounts, seed the demo, rotate keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging.config
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from tortoise import Tortoise

from schema.ids import encode_id
from services.accounts import create_account
from services.errors import DomainError
from services.machinery.clock import SystemClock
from services.machinery.hashing import PasswordHasher
from services.machinery.key_rotation import rotate_secrets
from twofa.database import apply_migrations, tortoise_config, write_private_file
from twofa.demo import DEMO_EMAIL, seed_demo_account
from twofa.keys import secret_box
from twofa.logs import logging_config
from twofa.persisted_documents import ManifestError, PersistedDocuments
from twofa.settings import DEFAULT_PORT, ConfigurationError, Settings

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""Where prometheus-client's multiprocess mode keeps values; read when it is first imported,
so this module must not import it (``twofa.metrics`` does, in the served processes)."""
DEMO_LOGIN_FILE = Path("data/demo-login.json")
"""Where the demo login is kept (beside the SQLite file), so later runs can print it again."""
DESCRIPTION = (
    "The twofa server: serve the GraphQL API and the console, and administer its database."
)
"""What ``twofa --help`` says first (plain text: argparse prints it as it is)."""
EPILOG = (
    "Settings come from the environment: DATABASE_URL (default sqlite://data/twofa.sqlite3), "
    "ENCRYPTION_KEYS, SMTP_HOST and the others the README lists. "
    "Run 'twofa COMMAND --help' for a command's options."
)
"""What ``twofa --help`` says last."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named on the command line and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.config.dictConfig(logging_config("text"))
    try:
        settings = Settings.from_env(port=getattr(args, "port", None))
        logging.config.dictConfig(logging_config(settings.log_format))
        return int(args.handler(args, settings))
    except ConfigurationError as error:
        print(f"twofa: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"twofa: {error.code.value}: {error.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twofa", description=DESCRIPTION, epilog=EPILOG)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        """Add a command; ``summary`` is its line in ``twofa --help`` and heads its own help."""
        return commands.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )

    serve = command("serve", "apply migrations, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on (%(default)s)"
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (%(default)s)"
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRESSES",
        help="comma-separated addresses of trusted proxies, whose X-Forwarded-For names the "
        "client (needed behind a load balancer for per-address login throttling); never '*'",
    )
    serve.set_defaults(handler=_serve)

    migrate = command("migrate", "apply database migrations")
    migrate.set_defaults(handler=_migrate)

    create = command("create-account", "create an account and its administrator")
    create.add_argument("--name", required=True, help="the account's name")
    create.add_argument("--admin-email", required=True, metavar="EMAIL")
    create.add_argument("--admin-password", required=True, metavar="PASSWORD")
    create.add_argument("--admin-name", metavar="NAME")
    create.set_defaults(handler=_create_account)

    demo = command("seed-demo", "create a demo account if there is no account")
    demo.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port the server will listen on, for the printed URLs (%(default)s)",
    )
    demo.set_defaults(handler=_seed_demo)

    rotate = command("rotate-keys", "re-encrypt stored secrets under the first of ENCRYPTION_KEYS")
    rotate.set_defaults(handler=_rotate_keys)

    export = command("export-schema", "print the GraphQL schema (SDL)")
    export.set_defaults(handler=_export_schema)

    documents = command(
        "check-documents", "check a persisted-documents manifest against the schema"
    )
    documents.add_argument(
        "manifest", type=Path, help="the JSON file relay-compiler or graphql-codegen wrote"
    )
    documents.set_defaults(handler=_check_documents)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve with a fresh private metrics directory, removed again when serving ends.

    Every worker writes its metric values there (prometheus-client's multiprocess mode);
    starting from an empty directory keeps a previous run's counts out. uvicorn, once it has
    shut down on SIGTERM, raises the signal again with the handler it found: with the
    default one the process would end there, before the directory is removed.
    """
    os.environ["PUBLIC_URL"] = settings.public_url  # the port's, unless set: for the workers
    asyncio.run(apply_migrations(settings.database_url))
    metrics_dir = tempfile.mkdtemp(prefix="twofa-metrics-")  # mode 0700
    os.environ[METRICS_DIR_VARIABLE] = metrics_dir
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(
            "twofa.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=args.forwarded_allow_ips is not None,
            forwarded_allow_ips=args.forwarded_allow_ips,
            access_log=False,  # twofa.web logs requests without their query strings
            log_config=logging_config(settings.log_format),
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """End the process through ``SystemExit`` (status 143), so ``finally`` blocks run."""
    raise SystemExit(128 + signum)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(apply_migrations(settings.database_url))
    print("Migrations applied.")
    return 0


def _create_account(args: argparse.Namespace, settings: Settings) -> int:
    async def create() -> dict[str, str]:
        account, admin = await create_account(
            name=args.name,
            admin_email=args.admin_email,
            admin_password=args.admin_password,
            admin_name=args.admin_name,
            hasher=PasswordHasher(settings.password_hash),
            now=SystemClock().now(),
        )
        return {
            "accountId": encode_id("Account", account.id),
            "operatorId": encode_id("Operator", admin.id),
        }

    print(json.dumps(_with_database(settings, create)))
    return 0


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    hasher, box = PasswordHasher(settings.password_hash), secret_box(settings)
    password = _with_database(settings, lambda: seed_demo_account(hasher, SystemClock(), box))
    if password is not None:
        # Private from the first byte: the file holds the demo administrator's password.
        with contextlib.suppress(FileNotFoundError):
            DEMO_LOGIN_FILE.unlink()
        write_private_file(DEMO_LOGIN_FILE, json.dumps({"email": DEMO_EMAIL, "password": password}))
    print(f"Console:  {settings.public_url}/\nGraphiQL: {settings.public_url}/graphql")
    if not DEMO_LOGIN_FILE.exists():
        print("The database has accounts already; no demo account was created.")
        return 0
    login = json.loads(DEMO_LOGIN_FILE.read_text())
    print(f"Demo administrator:\n  email:    {login['email']}\n  password: {login['password']}")
    return 0


def _rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    box = secret_box(settings)
    count = _with_database(settings, lambda: rotate_secrets(box))
    print(f"Re-encrypted {count} secret(s) and queued email(s) under the first key.")
    return 0


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.schema import schema

    print(schema.as_str())
    return 0


def _with_database(settings: Settings, action: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``action`` with the ORM open on the configured database."""

    async def run() -> Any:
        await Tortoise.init(config=tortoise_config(settings.database_url))
        try:
            return await action()
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


def _check_documents(args: argparse.Namespace, settings: Settings) -> int:
    """Check that every hash of a manifest is its document's and every document is valid.

    What ``PERSISTED_DOCUMENTS`` would load, checked before a deployment: a document the
    schema refuses would fail at every request that names it.
    """
    from graphql import GraphQLError, parse, validate

    from resolvers.schema import schema

    try:
        documents = PersistedDocuments.load(args.manifest, only=False)
    except ManifestError as error:
        raise ConfigurationError(str(error)) from error
    invalid = 0
    for digest, text in documents.by_hash.items():
        try:
            errors = validate(schema._schema, parse(text))
        except GraphQLError as syntax:
            errors = [syntax]
        for found in errors:
            invalid += 1
            print(f"{args.manifest}: sha256:{digest}: {found.message}", file=sys.stderr)
    if invalid:
        return 1
    print(f"{args.manifest}: {len(documents.by_hash)} documents, each valid and under its hash")
    return 0
