"""Inputs and payloads of inviting operators and accepting invitations."""
