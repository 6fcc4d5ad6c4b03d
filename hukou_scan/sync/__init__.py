"""Object-storage sync, verification and restore."""
