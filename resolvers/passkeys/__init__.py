"""Resolvers of the operator's passkeys: registering, removing, reauthenticating with one."""
