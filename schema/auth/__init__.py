"""Inputs and payloads of login, the code step and logout, one module per mutation."""
