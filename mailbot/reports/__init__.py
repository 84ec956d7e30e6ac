"""Reports: data first (tally, reminders, digest, progress), then rendering."""
