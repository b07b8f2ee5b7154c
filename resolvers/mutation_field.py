"""How a mutation is declared: its resolver, description and permissions in one place.

A mutation is one file, ``resolvers/<domain>/<name>.py``: its input, its payload and its
resolver decorated with ``mutation``, which calls a service; and one line in
``resolvers/mutation.py`` that registers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import strawberry
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.errors import unauthenticated
from services.errors import SessionEnded

PayloadT = TypeVar("PayloadT")

INPUT = strawberry.argument(description="The mutation's arguments, as one input object.")
"""Annotation of every mutation's single ``input`` argument."""

RECENT_AUTHENTICATION = (
    "Needs a recent authentication (REAUTHENTICATION_REQUIRED otherwise; see `reauthenticate`)."
)
"""The sentence that ends the description of every mutation whose service calls
``services.sessions.reauthentication.ensure_recent_authentication``: clients learn from the
schema which mutations may answer REAUTHENTICATION_REQUIRED. Declared with
``mutation(..., recent_authentication=True)``, never written by hand."""


class AuthenticatedAfresh(FieldExtension):
    """Renews the request's view of its caller around each mutation field.

    The mutations of one request run one after another, and the caller's session may end
    or their role change in between (or meanwhile, in another request). So before a field
    runs (and before its permissions are checked) the caller is authenticated again; and
    once it has run, whatever the request had loaded is dropped and the caller read again,
    so that its payload, and the next field, see what the mutation changed: no resolver
    keeps the request's caches in step by hand. A field whose service finds, at its write,
    that the session ended (``SessionEnded``) is answered UNAUTHENTICATED, and the rest of
    the request runs anonymously.
    """

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        """Authenticate again, run the field (its permission checks first), renew."""
        context = info.context
        await context.authenticate()
        try:
            return await next_(source, info, **kwargs)
        except SessionEnded as ended:
            context.end_session()
            raise unauthenticated() from ended
        finally:
            await context.renew()


def mutation(
    payload: Callable[..., PayloadT],
    *,
    description: str,
    permissions: Sequence[type[BasePermission]],
    recent_authentication: bool = False,
) -> Callable[[Callable[..., Awaitable[PayloadT]]], StrawberryField]:
    """Declare a mutation field whose domain refusals come back as ``payload(userErrors=…)``.

    The caller is authenticated afresh before the field's permissions are checked (the
    last field extension runs first). ``recent_authentication`` says that the service the
    resolver calls refuses a session that did not authenticate within the reauthentication
    window: the description then ends with ``RECENT_AUTHENTICATION``. (The service enforces
    it, at its write; tests/test_sessions.py holds the two together, mutation by mutation.)
    """
    if recent_authentication:
        description = f"{description} {RECENT_AUTHENTICATION}"

    def declare(resolver: Callable[..., Awaitable[PayloadT]]) -> StrawberryField:
        field = strawberry.mutation(
            resolver=returns_user_errors(payload)(resolver),
            description=description,
            extensions=[
                PermissionExtension([allowed() for allowed in permissions], use_directives=False),
                AuthenticatedAfresh(),
            ],
        )
        return cast(StrawberryField, field)

    return declare
