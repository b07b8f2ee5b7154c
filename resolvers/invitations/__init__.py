"""Resolvers of invitations."""
