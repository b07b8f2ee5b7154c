"""Relay cursors and page-size rules shared by every connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.utils import from_base64, to_base64

from schema.errors import invalid_argument
from schema.ids import MAX_KEY

DEFAULT_PAGE_SIZE = 50
"""Items per page when the client does not say."""
MAX_PAGE_SIZE = 100
"""Most items one page may hold."""

NewestFirstSize = Annotated[int | None, strawberry.argument(description="Page size, 0 to 100.")]
"""The ``first`` argument of a newest-first connection (sessions, audit events, API keys)."""
OlderThan = Annotated[
    str | None, strawberry.argument(description="Cursor to continue after (older).")
]
"""The ``after`` argument of a newest-first connection."""


def page_size(value: int | None, name: str) -> int:
    """Return how many items ``first`` or ``last`` asks for, refusing values out of range."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= value <= MAX_PAGE_SIZE:
        raise invalid_argument(f"{name} must be between 0 and {MAX_PAGE_SIZE}.")
    return value


def encode_cursor(kind: str, key: int) -> str:
    """Return the opaque cursor of the item with ``key`` in a list of ``kind``."""
    return to_base64(kind, key)


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """Return the key inside a cursor of ``kind`` (None: no cursor), refusing others."""
    if cursor is None:
        return None
    try:
        cursor_kind, key = from_base64(cursor)
        value = int(key)
        if cursor_kind != kind or not 0 <= value <= MAX_KEY:
            raise ValueError(cursor_kind)
        return value
    except ValueError as error:
        raise invalid_argument("The cursor is not valid for this list.") from error


@dataclass(frozen=True)
class Window:
    """Which slice of a keyset-ordered list a Relay page asks for."""

    after_id: int | None
    before_id: int | None
    limit: int
    from_end: bool

    @classmethod
    def of(
        cls, kind: str, first: int | None, after: str | None, last: int | None, before: str | None
    ) -> Window:
        """Read the four Relay arguments; ``last`` pages backwards from ``before`` (or the end)."""
        if first is not None and last is not None:
            raise invalid_argument("Pass first or last, not both.")
        return cls(
            after_id=decode_cursor(kind, after),
            before_id=decode_cursor(kind, before),
            limit=page_size(
                last if last is not None else first, "last" if last is not None else "first"
            ),
            from_end=last is not None,
        )


def page_info(
    edges: Sequence[relay.Edge[Any]], *, has_next_page: bool, has_previous_page: bool
) -> relay.PageInfo:
    """Return the ``pageInfo`` of a page holding ``edges``."""
    return relay.PageInfo(
        has_next_page=has_next_page,
        has_previous_page=has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


class Keyed(Protocol):
    """A stored row: its key orders a newest-first page and makes its cursor."""

    id: int


RowT = TypeVar("RowT", bound=Keyed)
NodeT = TypeVar("NodeT", bound=relay.Node)


def newest_first_page(
    kind: str,
    window: Window,
    rows: Sequence[RowT],
    more: bool,
    node: Callable[[RowT], NodeT],
) -> tuple[list[relay.Edge[NodeT]], relay.PageInfo]:
    """Return the edges and ``pageInfo`` of a page read newest first after ``window``.

    ``more`` says whether older rows follow; ``node`` makes each row's GraphQL object.
    """
    edges = [relay.Edge(cursor=encode_cursor(kind, row.id), node=node(row)) for row in rows]
    info = page_info(edges, has_next_page=more, has_previous_page=window.after_id is not None)
    return edges, info
