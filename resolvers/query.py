"""The root ``Query`` type: ``viewer``, ``viewerSession``, ``account``, ``apiKey``, ``node``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models import ApiKey, AuditEvent, Operator, Passkey, Session
from schema.context import Context, Info
from schema.enums import TwoFactorMode
from schema.errors import invalid_argument
from schema.ids import parse_id
from schema.permissions import ADMINISTRATORS
from schema.types.account import AccountNode
from schema.types.api_key import ApiKeyNode
from schema.types.audit import AuditEventNode
from schema.types.operator import OperatorNode
from schema.types.passkey import PasskeyNode
from schema.types.preview import TwoFactorPolicyPreview
from schema.types.session import SessionNode
from schema.types.webhook import WebhookDeliveryNode, WebhookEndpointNode
from services.api_keys import visible_key, visible_to_key
from services.audit import visible_event
from services.errors import DomainError
from services.operators import is_administrator, visible_account, visible_operator
from services.passkeys import visible_passkey
from services.policy.preview import preview
from services.sessions.management import visible_session
from services.webhooks.deliveries import visible_delivery, visible_endpoint


def viewer(info: Info) -> OperatorNode | None:
    """Return the signed-in operator, or None without a valid session."""
    operator = info.context.viewer
    return OperatorNode.from_model(operator) if operator is not None else None


def viewer_session(info: Info) -> SessionNode | None:
    """Return the session making this request, or None without a valid one."""
    session = info.context.session
    return SessionNode.from_model(session) if session is not None else None


async def account(info: Info) -> AccountNode | None:
    """Return the caller's account: their session's operator's, or their API key's."""
    context = info.context
    if context.account_id is None:
        return None
    loaded = await context.loaders.account.load(context.account_id)
    return AccountNode.from_model(loaded)


def api_key(info: Info) -> ApiKeyNode | None:
    """Return the API key making this request, or None for anyone else."""
    key = info.context.api_key
    return ApiKeyNode.from_model(key) if key is not None else None


async def two_factor_policy_preview(
    info: Info,
    mode: Annotated[TwoFactorMode, strawberry.argument(description="The default to preview.")],
    grace_period_hours: Annotated[
        int | None, strawberry.argument(description="Its grace period (0 to 720, default 0).")
    ] = None,
    enforce_from: Annotated[
        datetime | None,
        strawberry.argument(description="Its scheduled enforcement (at most 180 days ahead)."),
    ] = None,
) -> TwoFactorPolicyPreview:
    """Preview a change of the viewer's account default, changing nothing."""
    viewer = info.context.viewer
    assert viewer is not None  # the permission classes let only administrators in
    account = await info.context.loaders.account.load(viewer.account_id)
    try:
        previewed = preview(account, mode, grace_period_hours, enforce_from, info.context.now())
    except DomainError as refused:
        argument = refused.field[-1] if refused.field else None
        raise invalid_argument(refused.message, argument) from None
    return await TwoFactorPolicyPreview.of(previewed)


async def node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
) -> relay.Node | None:
    """Return the object with global id ``id`` if the caller may read it, else None.

    The rules are those of the direct fields: an operator sees themselves and their account;
    an administrator also sees every operator, session and audit event of the account. Malformed,
    unknown and foreign ids all answer null.
    """
    viewer = info.context.viewer
    parsed = parse_id(id)
    if parsed is None:
        return None
    if info.context.api_key is not None:
        return await _node_for_key(info.context, *parsed)
    if viewer is None:
        return None
    type_name, key = parsed
    if type_name == "Operator":
        operator = await visible_operator(viewer, key)
        return OperatorNode.from_model(operator) if operator is not None else None
    if type_name == "Account":
        account = await visible_account(viewer, key)
        return AccountNode.from_model(account) if account is not None else None
    if type_name == "Session":
        session = await visible_session(viewer, key, info.context.now())
        return SessionNode.from_model(session) if session is not None else None
    if type_name == "Passkey":
        passkey = await visible_passkey(viewer, key)
        return PasskeyNode.from_model(passkey) if passkey is not None else None
    if type_name == "AuditEvent" and is_administrator(viewer):
        event = await visible_event(viewer.account_id, key)
        return AuditEventNode.from_model(event) if event is not None else None
    if type_name == "ApiKey":
        found = await visible_key(viewer, key)
        return ApiKeyNode.from_model(found) if found is not None else None
    if type_name == "WebhookEndpoint":
        endpoint = await visible_endpoint(viewer, key)
        if endpoint is None:
            return None
        return WebhookEndpointNode.from_model(endpoint, info.context.now())
    if type_name == "WebhookDelivery":
        delivery = await visible_delivery(viewer, key)
        return WebhookDeliveryNode.from_model(delivery) if delivery is not None else None
    return None


async def _node_for_key(context: Context, type_name: str, object_id: int) -> relay.Node | None:
    """Return what an API key may read by global id (its scopes decide), else None."""
    assert context.api_key is not None
    if type_name == "Account":
        if object_id != context.api_key.account_id:
            return None
        return AccountNode.from_model(await context.loaders.account.load(object_id))
    found = await visible_to_key(context.api_key, type_name, object_id, context.now())
    if isinstance(found, Operator):
        return OperatorNode.from_model(found)
    if isinstance(found, Session):
        return SessionNode.from_model(found)
    if isinstance(found, Passkey):
        return PasskeyNode.from_model(found)
    if isinstance(found, AuditEvent):
        return AuditEventNode.from_model(found)
    if isinstance(found, ApiKey):
        return ApiKeyNode.from_model(found)
    return None


@strawberry.type(description="Entry points for reading.")
class Query:
    """Root query type."""

    viewer: OperatorNode | None = strawberry.field(
        resolver=viewer,
        description="The signed-in operator; null without a valid session.",
    )
    viewer_session: SessionNode | None = strawberry.field(
        resolver=viewer_session,
        description="The session making this request; null without a valid session.",
    )
    account: AccountNode | None = strawberry.field(
        resolver=account,
        description="The caller's account: their session's operator's, or their API key's; "
        "null without a valid session or key.",
    )
    api_key: ApiKeyNode | None = strawberry.field(
        resolver=api_key,
        description="The API key making this request; null for sessions and anonymous callers.",
    )
    two_factor_policy_preview: TwoFactorPolicyPreview = strawberry.field(
        resolver=two_factor_policy_preview,
        description="What setAccountTwoFactorDefault with these arguments would do if applied "
        "now, changing nothing and emailing nobody (administrators): how many operators "
        "would be in each compliance state, and who would be OVERDUE at once.",
        permission_classes=ADMINISTRATORS,
    )
    node: relay.Node | None = strawberry.field(
        resolver=node,
        description="Any object by its global id, if the caller may read it; null otherwise.",
    )
