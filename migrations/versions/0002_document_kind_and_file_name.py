"""Documents know what they are: documents.kind and documents.listing_date; document_versions.file_name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01

- documents.kind: pdf|doc|docx|wps|xls|xlsx|image|html|other, what the current version's bytes are
  (attachments and attachment-only reports are files; report pages are html). Rows from before are
  classified from their current version's Content-Type.
- documents.listing_date: the latest date a listing printed beside the URL, which incremental crawls compare
  with the listing's date now (a later date means the page changed). Filled from the current version.
- document_versions.file_name: the file's own name (Content-Disposition, else the link text), if any.

Static DDL, like 0001: a migration records the schema as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = "('pdf', 'doc', 'docx', 'wps', 'xls', 'xlsx', 'image', 'html', 'other')"


def upgrade() -> None:
    op.add_column("documents", sa.Column("kind", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("listing_date", sa.Date(), nullable=True))
    op.add_column("document_versions", sa.Column("file_name", sa.Text(), nullable=True))
    op.execute(
        """
        UPDATE documents d SET
            listing_date = v.listing_date,
            kind = CASE
                WHEN v.content_type ILIKE 'text/html%' THEN 'html'
                WHEN v.content_type ILIKE 'application/xhtml%' THEN 'html'
                WHEN v.content_type ILIKE 'application/pdf%' THEN 'pdf'
                WHEN v.content_type ILIKE 'application/msword%' THEN 'doc'
                WHEN v.content_type ILIKE 'image/%' THEN 'image'
                ELSE 'other'
            END
        FROM document_versions v
        WHERE v.id = d.current_version_id
        """
    )
    op.execute("UPDATE documents SET kind = 'other' WHERE kind IS NULL")
    op.alter_column("documents", "kind", nullable=False)
    op.create_check_constraint("ck_documents_kind", "documents", f"kind IN {_KINDS}")


def downgrade() -> None:
    op.drop_constraint("ck_documents_kind", "documents", type_="check")
    op.drop_column("document_versions", "file_name")
    op.drop_column("documents", "listing_date")
    op.drop_column("documents", "kind")
