"""mailbot: the 政务信息 mailbox daemon."""

__version__ = "0.1.0"
