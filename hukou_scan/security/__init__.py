"""Users, roles, password hashing, the hash-chained audit log."""
