"""Tables of the hardening work (migration 0010_hardening).

``blob_sizes`` remembers the byte size of every page-store file when it is written, so
the quick start-up check (``db check`` without ``--verify``) notices a truncated or
grown file without hashing gigabytes.  ``locks`` holds named advisory locks (owner +
heartbeat) in the shared database, so two registry imports or two syncs exclude each
other across processes *and* stations, and a killed holder's lock goes stale.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow


class BlobSizeRecord(Base):
    """Size in bytes of one content-addressed page-store file."""

    __tablename__ = "blob_sizes"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LockRecord(Base):
    """A named lock: present while held; ``heartbeat_at`` is refreshed by the holder."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    owner: Mapped[str] = mapped_column(String(300))
    acquired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CliSessionRecord(Base):
    """A short-lived command-line session (``hukou-scan login``).

    Only the SHA-256 of the token is stored; the token itself is in a 0600 file of the
    operating-system user who logged in, and is valid only for that uid.
    """

    __tablename__ = "cli_sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    os_uid: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
