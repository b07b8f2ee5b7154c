"""Model instances from the rows of hand-written statements, as Tortoise builds them.

The hot statements (authentication, a page of operators) are written once as SQL text and
run on the connection; their rows become models through ``Model._init_from_db``, which
converts every column from its stored form exactly as the ORM's own queries do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from tortoise.fields import DatetimeField, Field
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """Return the database columns ``Model._init_from_db`` reads, in a fixed order.

    Call it once Tortoise has started: the models' column lists are built then.
    """
    meta = model._meta
    return tuple(
        key
        for key, _, _ in (*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields)
    )


def datetime_columns(model: type[Model]) -> frozenset[str]:
    """Return the columns of ``model`` that hold instants."""
    return frozenset(
        field.source_field or name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, DatetimeField)
    )


def build(
    model: type[M], columns: tuple[str, ...], datetimes: frozenset[str], values: Iterator[Any]
) -> M:
    """Build a model instance from the next ``len(columns)`` values of a row.

    SQLite returns instants as ISO 8601 text: ``datetime.fromisoformat`` (in C) reads them
    several times faster than the parser Tortoise would use, and Tortoise then only sets
    the time zone.
    """
    row = {}
    for column in columns:
        value = next(values)
        if type(value) is str and column in datetimes:
            value = datetime.fromisoformat(value)
        row[column] = value
    return model._init_from_db(**row)


def instant(field: Field[Any], value: Any) -> datetime | None:
    """Read one instant column outside a model, the way ``build`` reads them in one."""
    if type(value) is str:
        value = datetime.fromisoformat(value)
    converted: datetime | None = field.to_python_value(value)
    return converted
