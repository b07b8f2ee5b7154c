"""The one place where domain refusals become ``userErrors`` or top-level errors."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from schema.errors import UserError, forbidden
from services.errors import DomainError, Forbidden

P = ParamSpec("P")
PayloadT = TypeVar("PayloadT")


def returns_user_errors(
    payload: Callable[..., PayloadT],
) -> Callable[[Callable[P, Awaitable[PayloadT]]], Callable[P, Awaitable[PayloadT]]]:
    """Wrap a mutation resolver so that a ``DomainError`` becomes ``payload(userErrors=[…])``.

    ``Forbidden`` from a service becomes the top-level FORBIDDEN error. Anything else is
    unexpected and left to the schema's error masking.
    """

    def decorate(resolver: Callable[P, Awaitable[PayloadT]]) -> Callable[P, Awaitable[PayloadT]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> PayloadT:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                return payload(user_errors=[UserError.from_domain(error)])
            except Forbidden as error:
                raise forbidden() from error

        return wrapper

    return decorate
