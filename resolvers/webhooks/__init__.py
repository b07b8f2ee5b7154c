"""Mutations on the account's webhook endpoints: one file each."""
