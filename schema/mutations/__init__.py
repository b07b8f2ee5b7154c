"""Inputs and payloads of the mutations, one module per domain."""
