"""Inputs and payloads of the administrators' policy mutations."""
