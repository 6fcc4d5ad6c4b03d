"""Persistence: SQLAlchemy records, sessions, repositories, the content-addressed page store."""
