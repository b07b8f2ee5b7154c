"""The checked-in migrations describe the models exactly."""

from __future__ import annotations

from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from twofa.database import tortoise_config


async def test_models_have_no_changes_without_a_migration(
    app: Starlette, database_url: str
) -> None:
    apps_config = tortoise_config(database_url)["apps"]
    assert Tortoise.apps is not None
    writers = await MigrationAutodetector(Tortoise.apps, apps_config).changes()
    pending = [operation for writer in writers for operation in writer.operations]
    assert pending == [], "models changed: add a migration (see the README)"
