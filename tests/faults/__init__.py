"""The fault-injection harness: ``python -m tests.faults`` (see README.md beside this file)."""
