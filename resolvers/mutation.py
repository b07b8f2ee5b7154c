"""How a mutation is declared: its resolver, description and permissions in one place.

Adding a mutation takes three steps: its input and payload in ``schema/<domain>/<name>.py``,
its resolver in ``resolvers/<domain>/<name>.py`` decorated with ``mutation``, and one line in
``schema/mutation.py`` that registers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

import strawberry
from strawberry.permission import BasePermission
from strawberry.types.field import StrawberryField

from resolvers.errors import returns_user_errors

PayloadT = TypeVar("PayloadT")

INPUT = strawberry.argument(description="The mutation's arguments, as one input object.")
"""Annotation of every mutation's single ``input`` argument."""


def mutation(
    payload: Callable[..., PayloadT],
    *,
    description: str,
    permissions: Sequence[type[BasePermission]],
) -> Callable[[Callable[..., Awaitable[PayloadT]]], StrawberryField]:
    """Declare a mutation field whose domain refusals come back as ``payload(userErrors=…)``."""

    def declare(resolver: Callable[..., Awaitable[PayloadT]]) -> StrawberryField:
        field = strawberry.mutation(
            resolver=returns_user_errors(payload)(resolver),
            description=description,
            permission_classes=list(permissions),
        )
        return cast(StrawberryField, field)

    return declare
