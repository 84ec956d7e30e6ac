"""Shipped scoring presets (TOML data files read by mailbot.scoring.schemes)."""
