"""The per-message pipeline: source -> archive -> parse -> screen -> ... -> acknowledge."""

from mailbot.pipeline.driver import Outcome, process

__all__ = ["Outcome", "process"]
