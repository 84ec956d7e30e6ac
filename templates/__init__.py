"""The mail templates, shipped inside the wheel as the package ``mailbot.templates`` (see pyproject.toml)."""
