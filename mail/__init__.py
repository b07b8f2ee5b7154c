"""Email: templates, the outbox written with each change, and the SMTP sender."""
