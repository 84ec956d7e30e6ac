"""The few named outcomes and errors, caught in exactly one place each."""


class ConfigError(Exception):
    """A configuration problem; the message is one line for the operator (exit 2)."""


class MailbotError(Exception):
    """A failure the user should see as one line (exit 1)."""


class UsageError(MailbotError):
    """Bad usage of a command: unknown receipt, bad level, bad period (exit 2)."""


class Ignore(Exception):
    """The message is not a submission (auto-reply, bounce, own mail); record and move on."""


class Quarantine(Exception):
    """The message could not be processed; keep it raw for ``mailbot retry``."""
