"""The root ``Mutation`` type: the one place where every mutation is registered.

Each mutation lives in a file of its own, ``resolvers/<domain>/<name>.py``, with its input,
payload, description and permissions (see ``resolvers.mutation_field``).
"""

from __future__ import annotations

import strawberry

import resolvers.api_keys.create_api_key
import resolvers.api_keys.revoke_api_key
import resolvers.auth.login
import resolvers.auth.logout
import resolvers.auth.start_passkey_verification
import resolvers.auth.verify_passkey
import resolvers.auth.verify_two_factor_code
import resolvers.enrollment.confirm_two_factor_enrollment
import resolvers.enrollment.disable_two_factor
import resolvers.enrollment.regenerate_recovery_codes
import resolvers.enrollment.start_two_factor_enrollment
import resolvers.invitations.accept_invitation
import resolvers.invitations.invite_operator
import resolvers.invitations.resend_invitation
import resolvers.invitations.revoke_invitation
import resolvers.operators.change_operator_role
import resolvers.operators.deactivate_operator
import resolvers.operators.issue_temporary_access_pass
import resolvers.operators.reactivate_operator
import resolvers.operators.unlock_operator
import resolvers.passkeys.finish_passkey_registration
import resolvers.passkeys.remove_passkey
import resolvers.passkeys.start_passkey_reauthentication
import resolvers.passkeys.start_passkey_registration
import resolvers.passwords.change_password
import resolvers.passwords.request_password_reset
import resolvers.passwords.reset_password
import resolvers.policy.clear_operator_two_factor_override
import resolvers.policy.reset_operator_two_factor
import resolvers.policy.set_account_trusted_device_days
import resolvers.policy.set_account_two_factor_default
import resolvers.policy.set_operator_two_factor_override
import resolvers.sessions.reauthenticate
import resolvers.sessions.revoke_operator_sessions
import resolvers.sessions.revoke_session
import resolvers.trusted_devices.forget_trusted_device
import resolvers.webhooks.create_webhook_endpoint
import resolvers.webhooks.delete_webhook_endpoint
import resolvers.webhooks.redeliver_webhook
import resolvers.webhooks.rotate_webhook_secret
import resolvers.webhooks.send_test_webhook
import resolvers.webhooks.update_webhook_endpoint


@strawberry.type(description="Entry points for changing things.")
class Mutation:
    """Root mutation type; each attribute's name is its field's name (camel-cased)."""

    login = resolvers.auth.login.login
    verify_two_factor_code = resolvers.auth.verify_two_factor_code.verify_two_factor_code
    logout = resolvers.auth.logout.logout
    set_account_two_factor_default = (
        resolvers.policy.set_account_two_factor_default.set_account_two_factor_default
    )
    set_operator_two_factor_override = (
        resolvers.policy.set_operator_two_factor_override.set_operator_two_factor_override
    )
    clear_operator_two_factor_override = (
        resolvers.policy.clear_operator_two_factor_override.clear_operator_two_factor_override
    )
    reset_operator_two_factor = resolvers.policy.reset_operator_two_factor.reset_operator_two_factor
    start_two_factor_enrollment = (
        resolvers.enrollment.start_two_factor_enrollment.start_two_factor_enrollment
    )
    confirm_two_factor_enrollment = (
        resolvers.enrollment.confirm_two_factor_enrollment.confirm_two_factor_enrollment
    )
    disable_two_factor = resolvers.enrollment.disable_two_factor.disable_two_factor
    regenerate_recovery_codes = (
        resolvers.enrollment.regenerate_recovery_codes.regenerate_recovery_codes
    )
    invite_operator = resolvers.invitations.invite_operator.invite_operator
    accept_invitation = resolvers.invitations.accept_invitation.accept_invitation
    resend_invitation = resolvers.invitations.resend_invitation.resend_invitation
    revoke_invitation = resolvers.invitations.revoke_invitation.revoke_invitation
    reauthenticate = resolvers.sessions.reauthenticate.reauthenticate
    revoke_session = resolvers.sessions.revoke_session.revoke_session
    revoke_operator_sessions = resolvers.sessions.revoke_operator_sessions.revoke_operator_sessions
    change_operator_role = resolvers.operators.change_operator_role.change_operator_role
    deactivate_operator = resolvers.operators.deactivate_operator.deactivate_operator
    reactivate_operator = resolvers.operators.reactivate_operator.reactivate_operator
    unlock_operator = resolvers.operators.unlock_operator.unlock_operator
    change_password = resolvers.passwords.change_password.change_password
    request_password_reset = resolvers.passwords.request_password_reset.request_password_reset
    reset_password = resolvers.passwords.reset_password.reset_password
    create_api_key = resolvers.api_keys.create_api_key.create_api_key
    revoke_api_key = resolvers.api_keys.revoke_api_key.revoke_api_key
    create_webhook_endpoint = resolvers.webhooks.create_webhook_endpoint.create_webhook_endpoint
    update_webhook_endpoint = resolvers.webhooks.update_webhook_endpoint.update_webhook_endpoint
    delete_webhook_endpoint = resolvers.webhooks.delete_webhook_endpoint.delete_webhook_endpoint
    rotate_webhook_secret = resolvers.webhooks.rotate_webhook_secret.rotate_webhook_secret
    send_test_webhook = resolvers.webhooks.send_test_webhook.send_test_webhook
    redeliver_webhook = resolvers.webhooks.redeliver_webhook.redeliver_webhook
    set_account_trusted_device_days = (
        resolvers.policy.set_account_trusted_device_days.set_account_trusted_device_days
    )
    forget_trusted_device = resolvers.trusted_devices.forget_trusted_device.forget_trusted_device
    issue_temporary_access_pass = (
        resolvers.operators.issue_temporary_access_pass.issue_temporary_access_pass
    )
    start_passkey_registration = (
        resolvers.passkeys.start_passkey_registration.start_passkey_registration
    )
    finish_passkey_registration = (
        resolvers.passkeys.finish_passkey_registration.finish_passkey_registration
    )
    remove_passkey = resolvers.passkeys.remove_passkey.remove_passkey
    start_passkey_verification = (
        resolvers.auth.start_passkey_verification.start_passkey_verification
    )
    verify_passkey = resolvers.auth.verify_passkey.verify_passkey
    start_passkey_reauthentication = (
        resolvers.passkeys.start_passkey_reauthentication.start_passkey_reauthentication
    )
