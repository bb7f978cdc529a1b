"""Only for the scrapyd egg: `scrapyd-deploy` (scrapyd-client) runs `python setup.py bdist_egg`.

It lives here, not at the repository's top level (whose layout is fixed): copy it beside scrapy.cfg in the
tree you build the egg from (the Dockerfile's /app, or a checkout: `cp crawler/deploy/setup.py . &&
scrapyd-deploy && rm setup.py`).

Everything else about the package is in pyproject.toml. The egg also carries the Alembic migrations at its
root, beside the packages, because crawler/store/migrate.py finds them there (the repository layout) and the
crawl migrates its database when it opens. Wheels and editable installs do not get them as data files:
they run from a checkout that has them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup

_ROOT = Path(__file__).resolve().parent
_MIGRATION_FILES = ("*.py", "*.mako")


def _migrations() -> list[tuple[str, list[str]]]:
    data: list[tuple[str, list[str]]] = []
    for folder in (_ROOT / "migrations", _ROOT / "migrations" / "versions"):
        files = sorted(f for pattern in _MIGRATION_FILES for f in folder.glob(pattern))
        data.append((folder.relative_to(_ROOT).as_posix(), [f.relative_to(_ROOT).as_posix() for f in files]))
    return data


setup(data_files=_migrations() if "bdist_egg" in sys.argv else [])
