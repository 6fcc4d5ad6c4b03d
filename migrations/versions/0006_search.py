"""Schema of the full-text search index (issue 7) area.

Revision ID: 0006_search
Revises: 0005_registry

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0006_search"
down_revision = "0005_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
