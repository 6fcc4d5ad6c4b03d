"""ORM records.  One module per area; all share :class:`Base` so Alembic sees one metadata.

Areas add their tables in their own module here and their own migration under
``migrations/versions`` (the revision chain is fixed, see ``migrations/README.md``).
"""

from __future__ import annotations

from hukou_scan.storage.records.base import Base
from hukou_scan.storage.records.capture import ImportLogRecord  # noqa: F401
from hukou_scan.storage.records.core import (
    AuditEventRecord,
    BatchRecord,
    HouseholdRecord,
    JobRecord,
    PageLinkRecord,
    PageOcrRecord,
    PageRecord,
    PersonRecord,
    StationRecord,
    SyncRecord,
    UserRecord,
)
from hukou_scan.storage.records.hardening import BlobSizeRecord, CliSessionRecord, LockRecord  # noqa: F401
from hukou_scan.storage.records.queue import (  # noqa: F401
    PageThumbnailRecord,
    ReocrCampaignRecord,
    ReocrCandidateRecord,
)
from hukou_scan.storage.records.registry import RegistryImportRecord  # noqa: F401
from hukou_scan.storage.records.search import SearchDocRecord  # noqa: F401
from hukou_scan.storage.records.security import UserStateRecord  # noqa: F401
from hukou_scan.storage.records.sync import SyncManifestRecord  # noqa: F401

__all__ = [
    "AuditEventRecord",
    "Base",
    "BatchRecord",
    "HouseholdRecord",
    "JobRecord",
    "PageLinkRecord",
    "PageOcrRecord",
    "PageRecord",
    "PersonRecord",
    "StationRecord",
    "SyncRecord",
    "UserRecord",
]
