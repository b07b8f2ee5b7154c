"""Resolvers of the administrators' policy mutations."""
