"""Model instances from the rows of hand-written statements, as Tortoise builds them.

The hot statements (authentication, a page of operators) are written once as SQL text and
run on the connection; their rows become models through ``Model._init_from_db``, which
converts every column from its stored form exactly as the ORM's own queries do.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
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
    """Read one instant column outside a model, the way ``build`` reads them in one.

    The same stored instants are read on every request that authenticates their session;
    their conversions, pure and immutable, are remembered (``_instants``).
    """
    if value is None:
        return None
    return _instants(field, value)


@lru_cache(maxsize=4096)
def _instants(field: Field[Any], value: str | datetime) -> datetime | None:
    if type(value) is str:
        value = datetime.fromisoformat(value)
    converted: datetime | None = field.to_python_value(value)
    return converted


@dataclass(frozen=True)
class _Remembered:
    """What is remembered of one model instance built from a row."""

    model: type[Model]
    attributes: dict[str, Any]
    """The instance's attributes, mutable values copied."""
    mutable: tuple[str, ...]
    """The attributes holding lists or dictionaries, copied again for every request."""
    links: tuple[tuple[str, int], ...]
    """The attributes holding another model of the same row, and which one (its index)."""


def _remembered(instance: Model, siblings: tuple[Model, ...]) -> _Remembered:
    """Return what to remember of a new instance: its mutable values are copied, not shared."""
    attributes = dict(instance.__dict__)
    positions = {id(sibling): index for index, sibling in enumerate(siblings)}
    links = tuple(
        (name, positions[id(value)])
        for name, value in attributes.items()
        if isinstance(value, Model) and id(value) in positions
    )
    mutable = tuple(name for name, value in attributes.items() if isinstance(value, list | dict))
    for name in mutable:
        attributes[name] = _copied(attributes[name])
    return _Remembered(type(instance), attributes, mutable, links)


class ConvertedRows:
    """Models built from recent rows, remembered by the rows' raw values.

    Converting columns (instants, enums, JSON) is most of the cost of turning a row into
    models, and the rows authentication reads repeat from one request to the next. The key
    is the row exactly as the driver returned it, so any change in the database is a new
    key and nothing remembered can be stale; the conversion itself is Tortoise's (``build``).
    Each call returns new instances: the remembered attributes are copied in, with fresh
    copies of mutable values (JSON lists and objects, Tortoise's pending-save map), so a
    request that changes its models changes nothing another request sees. References
    between the models of one row (a session's operator, as ``build_all`` set them) point
    to the new instances. The least recently used rows are forgotten first; a row the
    driver returns with an unhashable value is converted every time.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[_Remembered, ...]]
        self._entries = OrderedDict()

    def models(
        self, raw: tuple[Any, ...], build_all: Callable[[], tuple[Model, ...]]
    ) -> tuple[Model, ...]:
        """Return new models for ``raw``, built (and linked) by ``build_all`` unless remembered."""
        try:
            remembered = self._entries.get(raw)
        except TypeError:  # a value that cannot be a key: nothing to remember it by
            return build_all()
        if remembered is None:
            built = build_all()
            self._entries[raw] = tuple(_remembered(m, built) for m in built)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return built
        self._entries.move_to_end(raw)
        copies = tuple(_copy(entry) for entry in remembered)
        for entry, instance in zip(remembered, copies, strict=True):
            values = instance.__dict__
            for name, index in entry.links:
                values[name] = copies[index]
        return copies


def _copy(entry: _Remembered) -> Model:
    """Return a new instance with the remembered attributes, mutable values copied."""
    instance = entry.model.__new__(entry.model)
    values = instance.__dict__
    values.update(entry.attributes)
    for name in entry.mutable:
        values[name] = _copied(values[name])
    return instance


def _copied(value: Any) -> Any:
    """Copy lists and dictionaries all the way down (the values a row's JSON decodes to).

    ``copy.deepcopy`` does the same for any value, several times slower.
    """
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value
