"""Inputs and payloads of reauthentication and of ending sessions."""
