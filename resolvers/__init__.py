"""Thin resolvers: parse the input, call a service, shape the payload."""
