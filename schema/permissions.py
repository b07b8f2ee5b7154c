"""Permission classes: who may resolve a field at all."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from schema.context import Info
from schema.errors import ApiError
from services.api_keys import ApiKeyScope, holds
from services.operators import is_administrator


class IsPerson(BasePermission):
    """Refuses API keys (FORBIDDEN): what only a person may do, or may do with a session.

    Put it first, so that a key hears FORBIDDEN rather than UNAUTHENTICATED.
    """

    message = "API keys may not do this."
    error_class = ApiError
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the request is not made with an API key."""
        return info.context.api_key is None


class IsAuthenticated(BasePermission):
    """Allows callers with a valid session; others get a top-level UNAUTHENTICATED error."""

    message = "A valid session is required."
    error_class = ApiError
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the request carries a valid session."""
        return info.context.viewer is not None


class IsCaller(BasePermission):
    """Allows callers with a valid session or API key; others get UNAUTHENTICATED.

    What the caller may then read is the field's to decide (an administrator's session, or
    a key holding the scope).
    """

    message = "A valid session or API key is required."
    error_class = ApiError
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the request carries a valid session or API key."""
        context = info.context
        return context.viewer is not None or context.api_key is not None


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


class AdministersOrKeyHolds(BasePermission):
    """Allows administrators, and API keys holding ``scope`` (FORBIDDEN else).

    Subclassed once per scope. Put it after ``IsCaller`` so that anonymous callers hear
    UNAUTHENTICATED.
    """

    scope: ApiKeyScope
    message = "Your role, or this API key's scopes, do not allow this."
    error_class = ApiError
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the caller administers the account, or is a key with the scope."""
        context = info.context
        if context.api_key is not None:
            return holds(context.api_key, self.scope)
        return context.viewer is not None and is_administrator(context.viewer)


class ManagesTwoFactorPolicy(AdministersOrKeyHolds):
    """Administrators, and API keys with MANAGE_TWO_FACTOR_POLICY."""

    scope = ApiKeyScope.MANAGE_TWO_FACTOR_POLICY


class ManagesOperators(AdministersOrKeyHolds):
    """Administrators, and API keys with MANAGE_OPERATORS."""

    scope = ApiKeyScope.MANAGE_OPERATORS


class KeysManageOperators(BasePermission):
    """Allows any person, and API keys with MANAGE_OPERATORS (FORBIDDEN for other keys).

    What a person may do there is the field's to decide.
    """

    message = "This API key's scopes do not allow this."
    error_class = ApiError
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Tell whether the caller is a person, or a key holding MANAGE_OPERATORS."""
        key = info.context.api_key
        return key is None or holds(key, ApiKeyScope.MANAGE_OPERATORS)


ANYONE: list[type[BasePermission]] = [IsPerson]
"""Fields any person may call (login, token-carrying flows); the resolver checks the rest.
API keys may not: a key never logs in, enrolls, verifies codes or sets passwords."""
SIGNED_IN: list[type[BasePermission]] = [IsPerson, IsAuthenticated]
"""Fields that need a valid session."""
ADMINISTRATORS: list[type[BasePermission]] = [IsPerson, IsAuthenticated, IsAdministrator]
"""Fields that need a session of an administrator."""
CALLERS: list[type[BasePermission]] = [IsCaller]
"""Fields that need a session or an API key; the field checks which parts each may read."""
POLICY_MANAGERS: list[type[BasePermission]] = [IsCaller, ManagesTwoFactorPolicy]
"""Fields that change the two-factor policy: administrators' sessions, and API keys with
MANAGE_TWO_FACTOR_POLICY."""
OPERATOR_MANAGERS: list[type[BasePermission]] = [IsCaller, ManagesOperators]
"""Fields that manage operators: administrators' sessions, and API keys with
MANAGE_OPERATORS."""
SESSION_ENDERS: list[type[BasePermission]] = [IsCaller, KeysManageOperators]
"""``revokeOperatorSessions``: any session (its own sessions, or an administrator's for
anyone of the account), and API keys with MANAGE_OPERATORS."""
