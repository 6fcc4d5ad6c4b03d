"""Schema of the sync and multi-station (issue 9) area.

Revision ID: 0008_sync
Revises: 0007_export

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0008_sync"
down_revision = "0007_export"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
