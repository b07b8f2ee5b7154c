"""Resolvers of what administrators do to operators: roles, deactivation, locks."""
