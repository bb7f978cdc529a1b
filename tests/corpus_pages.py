"""The pages the parser's equivalence tests compare direct and general paths on: every bench page (all sample
regions) and a third of the bench's portal pages, every tests/corpus document and every seed report, each
with the inputs `parse_report` is given for it (from its expected JSON and `.meta.json`, as
`python -m parsers.evaluate` reads them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from bench.make_corpus import PORTAL_STYLES, SITES
from bench.parse import build_corpus
from parsers.evaluate import _inputs
from tests.conftest import REPO_ROOT


class CorpusPage(NamedTuple):
    name: str
    data: bytes
    inputs: dict[str, str | None]  # parse_report's keyword arguments: url, content_type, published


def corpus_pages(seeds: Path) -> list[CorpusPage]:
    pages = [
        CorpusPage(f"bench {n} {page.label}", page.data, {"content_type": page.content_type})
        for n, page in enumerate(build_corpus(len(SITES), None))
    ]
    # A third of the bench's portal pages: Word's markup and a whole page's chrome, every layout.
    pages += [
        CorpusPage(f"portal {n} {page.label}", page.data, {"content_type": page.content_type})
        for n, page in enumerate(build_corpus(len(SITES), None, PORTAL_STYLES))
        if n % 3 == 0
    ]
    for directory in (REPO_ROOT / "tests" / "corpus", seeds):
        for expected in sorted((directory / "expected").glob("*.json")):
            meta = directory / (expected.stem + ".meta.json")
            path = next(p for p in directory.glob(expected.stem + ".*") if p != meta)
            inputs = _inputs(json.loads(expected.read_text(encoding="utf-8")), meta)
            keys = ("url", "content_type", "published")
            pages.append(CorpusPage(path.name, path.read_bytes(), {k: inputs[k] for k in keys}))
    return pages
