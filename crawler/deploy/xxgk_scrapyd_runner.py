"""scrapyd's job runner for the xxgk egg (scrapyd.conf: `runner = xxgk_scrapyd_runner`).

scrapyd's own runner (scrapyd.runner) imports a deployed egg from inside its zip file. This project reads
files that sit beside its modules (the registry's crawler/regions/*.toml, the Alembic migrations the crawl
applies when it opens the database), and a zip import cannot give them. So this runner unpacks each egg
once, into a directory named by the egg's SHA-256, and imports the project from there, ahead of anything
installed in scrapyd's environment: the deployed egg is what runs. Everything else is scrapyd.runner's:
the same egg storage, the same choice of version (SCRAPYD_EGG_VERSION, else the latest), Scrapy's command
line.

It is a top-level module, outside the `crawler` package, on purpose: importing it must not import the
project before the egg is in place. Put this directory on scrapyd's PYTHONPATH (crawler/deploy/Dockerfile
does).
"""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

UNPACKED_OPTION = "unpacked_eggs_dir"  # [scrapyd] option of scrapyd.conf; default under the temp directory
_KEEP_UNUSED_SECONDS = 7 * 24 * 3600  # unpacked versions nobody ran for a week are removed


class EggError(RuntimeError):
    """The deployed egg cannot be used (not a zip, no Scrapy settings entry point)."""


def unpack(data: bytes, base: Path) -> Path:
    """The directory holding the egg `data` unpacked under `base`, unpacking it if no job did before.

    Concurrent jobs may unpack the same egg at once: each unpacks into its own temporary directory and
    renames it into place; the loser of the race discards its copy.
    """
    digest = hashlib.sha256(data).hexdigest()[:20]
    target = base / digest
    if target.is_dir():
        os.utime(target)  # marks it used, for the pruning below
        return target
    base.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=base))
    try:
        egg_file = scratch / "project.egg"
        egg_file.write_bytes(data)
        try:
            with zipfile.ZipFile(egg_file) as archive:
                archive.extractall(scratch / "tree")  # extractall drops absolute and ".." parts of names
        except zipfile.BadZipFile as exc:
            raise EggError(f"the deployed egg is not a zip file: {exc}") from exc
        try:
            (scratch / "tree").rename(target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _prune(base, keep=target)
    return target


def _prune(base: Path, keep: Path) -> None:
    cutoff = time.time() - _KEEP_UNUSED_SECONDS
    for entry in base.iterdir():
        if (
            entry != keep
            and not entry.name.startswith(".")
            and entry.is_dir()
            and entry.stat().st_mtime < cutoff
        ):
            shutil.rmtree(entry, ignore_errors=True)


def settings_module(root: Path) -> str:
    """The egg's Scrapy settings module, from its `scrapy` entry point (pyproject.toml declares it)."""
    entry_points = root / "EGG-INFO" / "entry_points.txt"
    parser = configparser.ConfigParser()
    parser.read(entry_points, encoding="utf-8")
    try:
        return parser.get("scrapy", "settings").strip()
    except (configparser.NoSectionError, configparser.NoOptionError):
        raise EggError(f"the deployed egg has no [scrapy] settings entry point in {entry_points}") from None


def activate(project: str) -> Path | None:
    """Put the project's deployed egg (unpacked) first on sys.path; None when scrapyd has no egg for it."""
    from scrapyd import Config
    from scrapyd.utils import initialize_component

    config = Config()
    storage = initialize_component(config, "eggstorage", "scrapyd.eggstorage.FilesystemEggStorage")
    _version, egg = storage.get(project, os.environ.get("SCRAPYD_EGG_VERSION"))
    if egg is None:
        return None
    try:
        data = egg.read()
    finally:
        egg.close()
    base = Path(config.get(UNPACKED_OPTION, os.path.join(tempfile.gettempdir(), "xxgk-scrapyd-eggs")))
    root = unpack(data, base / project)
    sys.path.insert(0, str(root))
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", settings_module(root))
    return root


def main() -> None:
    activate(os.environ["SCRAPY_PROJECT"])
    from scrapy.cmdline import execute

    execute()


if __name__ == "__main__":
    main()
