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


def test_model_descriptions_have_no_semicolons() -> None:
    # Tortoise's migration runner splits SQL on ';', and descriptions become SQL comments.
    import models

    for name in models.__all__:
        model = getattr(models, name)
        if not hasattr(model, "_meta"):
            continue
        texts = [model.__doc__ or ""] + [
            f.description or "" for f in model._meta.fields_map.values()
        ]
        assert not [t for t in texts if ";" in t], f"{name} has a ';' in a description"
