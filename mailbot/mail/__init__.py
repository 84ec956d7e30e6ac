"""Outgoing mail: rendering, the outbox, and transports (SMTP or files)."""
