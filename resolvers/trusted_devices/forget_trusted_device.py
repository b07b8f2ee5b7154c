"""``forgetTrustedDevice``: a remembered browser asks for the second factor again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import SIGNED_IN
from services.auth import trusted_devices


@strawberry.input(description="The trusted device to forget.")
class ForgetTrustedDeviceInput:
    """Arguments of ``forgetTrustedDevice``."""

    trusted_device_id: strawberry.ID = strawberry.field(
        description="Global id of one of your trusted devices, or, for an administrator, of "
        "any operator's in the account."
    )


@strawberry.type(description="Result of `forgetTrustedDevice`.")
class ForgetTrustedDevicePayload:
    """What ``forgetTrustedDevice`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the device was not forgotten, if it was not."
    )


@mutation(
    ForgetTrustedDevicePayload,
    description="Forget one of your trusted devices, or (administrators) any in the "
    "account: its next login asks for the second factor again.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def forget_trusted_device(
    info: Info, input: Annotated[ForgetTrustedDeviceInput, INPUT]
) -> ForgetTrustedDevicePayload:
    """Forget the device if the caller may see it."""
    context = info.context
    operator, session = context.require_session()
    await trusted_devices.forget(
        context.deps, operator, session, decode_id(input.trusted_device_id, "TrustedDevice")
    )
    return ForgetTrustedDevicePayload()
