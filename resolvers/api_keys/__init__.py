"""Mutations of the account's API keys."""
