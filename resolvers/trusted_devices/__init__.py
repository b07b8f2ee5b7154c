"""Resolvers of trusted devices: the account's setting and forgetting one device."""
