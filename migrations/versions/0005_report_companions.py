"""The companions a report was read from: reports.companions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-03-08

- reports.companions: what the parse read from the page's companions (the attachments and pictures fetched
  with a report page), as a JSON object URL → sha256 of the version read, null for one the page links that
  could not be fetched. A report is stored once per page version and parser version; with this column the
  store also rewrites it when the page is unchanged but a companion is new, revised or gone (a corrected PDF
  attached to the same page), and knows a stored report is stale when the store holds other versions of
  its companions than it read, or one it could not fetch (Repository.known_documents).
  NULL for reports stored before this revision: compared as "no companions", so a report whose page has
  companions is parsed and rewritten once, on its next fetch.

The column's comment comes from crawler/store/comments.py, as 0004's do.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# As in 0004: `alembic heads` loads this script without migrations/env.py, and it reads the project's
# comments.
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from crawler.store.comments import column_comment  # noqa: E402

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column(
            "companions",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment=column_comment("reports", "companions"),
        ),
    )


def downgrade() -> None:
    op.drop_column("reports", "companions")
