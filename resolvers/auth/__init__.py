"""Resolvers of login, second-factor verification and logout."""
