"""Sample portal fixtures (loaded by tests/conftest.py through `pytest_plugins`).

- `sample_portal` (session): the four sample sites on a free port, site 990104 serving the seed texts;
  stopped at the end of the session. Revisions and deletions persist across tests: undo them with
  `reset()`, or use `portal`.
- `portal` (function): the same portal with revisions, deletions and the request log cleared before the
  test, and revisions and deletions undone after it.
- `portal_env` (function): `portal`, with SAMPLE_PORTAL_PORT set for code that reads the registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sampleportal import SamplePortal


@pytest.fixture(scope="session")
def sample_portal(seeds_dir: Path) -> Iterator[SamplePortal]:
    portal = SamplePortal(port=0, seeds_dir=seeds_dir)
    portal.start()
    try:
        yield portal
    finally:
        portal.stop()


@pytest.fixture
def portal(sample_portal: SamplePortal) -> Iterator[SamplePortal]:
    sample_portal.reset()
    sample_portal.clear_requests()
    yield sample_portal
    sample_portal.reset()


@pytest.fixture
def portal_env(portal: SamplePortal, monkeypatch: pytest.MonkeyPatch) -> SamplePortal:
    monkeypatch.setenv("SAMPLE_PORTAL_PORT", str(portal.port))
    return portal
