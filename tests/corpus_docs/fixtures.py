"""The generated document corpus, built once per test process into a temporary directory.

Test modules call `corpus(kinds, reports)`; the same request returns the same directory, so modules
share what is slow to make (LibreOffice conversions). The directories are removed when the process ends.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from tests.corpus_docs.build import Built, build, chosen_reports


@functools.cache
def corpus(kinds: tuple[str, ...], reports: int = 3) -> tuple[Path, tuple[Built, ...]]:
    directory = Path(tempfile.mkdtemp(prefix="xxgk-corpus-docs-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    built = build(directory, kinds, chosen_reports(reports))
    return directory, tuple(built)
