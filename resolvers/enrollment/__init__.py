"""Resolvers of enrollment and of the operator's own authenticator settings."""
