"""Resolvers of what administrators do to operators: roles and deactivation."""
