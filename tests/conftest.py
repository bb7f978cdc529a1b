"""Shared fixtures.

Postgres fixtures live in tests/pg_fixtures.py, the sample portal's in tests/portal_fixtures.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.pg_fixtures", "tests.portal_fixtures", "tests.analyst_db"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def _seeds_dir() -> Path:
    # CI clones main with shared/ beside it; XXGK_SEEDS_DIR points elsewhere when needed.
    return Path(os.environ.get("XXGK_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds")).resolve()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = _seeds_dir()
    if not (path / "expected").is_dir():
        # Never skip: the seed corpus is part of the test contract.
        pytest.fail(f"seed corpus not found at {path} (set XXGK_SEEDS_DIR)")
    return path
