"""``python -m mailbot`` is the same as the ``mailbot`` command."""

from mailbot.cli import main

if __name__ == "__main__":
    main(prog_name="mailbot")
