"""Webhooks: events written with the changes they report, delivered signed to endpoints."""
