"""Resolvers of reauthentication and of ending sessions."""
