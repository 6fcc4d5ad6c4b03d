"""Use cases the GUI and the CLI call; they check roles and write audit events."""
