"""The store: Postgres schema (Alembic), the embedded Postgres default, the repository and the raw store.

See docs/architecture.md ("Crawl item and store") for how the crawler uses it.
"""

from crawler.store.config import data_dir, normalise_url, raw_dir
from crawler.store.database import database_url, make_engine
from crawler.store.embedded import start_embedded, stop_embedded
from crawler.store.migrate import current_revision, downgrade, upgrade
from crawler.store.rawstore import RawStore, RawStoreError
from crawler.store.repository import Repository, SavedDocument, StoreError, SummaryRow

__all__ = [
    "RawStore",
    "RawStoreError",
    "Repository",
    "SavedDocument",
    "StoreError",
    "SummaryRow",
    "current_revision",
    "data_dir",
    "database_url",
    "downgrade",
    "make_engine",
    "normalise_url",
    "raw_dir",
    "start_embedded",
    "stop_embedded",
    "upgrade",
]
