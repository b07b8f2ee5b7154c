"""Resolvers of password changes and resets."""
