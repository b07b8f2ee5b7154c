"""Inputs and payloads of changing, and resetting, a password."""
