"""Permission classes: who may resolve a field at all."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from schema.context import Info
from schema.errors import ApiError
from services.operators import is_administrator


class IsAuthenticated(BasePermission):
    """Allows callers with a valid session; others get a top-level UNAUTHENTICATED error."""

    message = "A valid session is required."
    error_class = ApiError
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the request carries a valid session."""
        return info.context.viewer is not None


class IsAdministrator(BasePermission):
    """Allows administrators; other signed-in operators get a top-level FORBIDDEN error.

    Put it after ``IsAuthenticated`` so that anonymous callers hear UNAUTHENTICATED.
    """

    message = "Your role does not allow this."
    error_class = ApiError
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the caller administers their account."""
        viewer = info.context.viewer
        return viewer is not None and is_administrator(viewer)


ANYONE: list[type[BasePermission]] = []
"""Fields anyone may call (login, token-carrying flows); the resolver checks the rest."""
SIGNED_IN: list[type[BasePermission]] = [IsAuthenticated]
"""Fields that need a valid session."""
ADMINISTRATORS: list[type[BasePermission]] = [IsAuthenticated, IsAdministrator]
"""Fields that need a session of an administrator."""
