"""Raw documents on disk, content-addressed: `<root>/ab/abcdef…` (the first two hex digits fan out).

Raw bytes are kept before anything is parsed, so every report can be re-parsed without re-crawling.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class RawStoreError(Exception):
    """A missing or corrupt raw document."""


class RawStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @staticmethod
    def relative_path(sha256: str) -> str:
        """The path of a document under the root, as stored in document_versions.raw_path."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return f"{sha256[:2]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self.relative_path(sha256)

    def put(self, data: bytes) -> tuple[str, str]:
        """Store `data` (once); return (sha256, path relative to the root)."""
        sha256 = hashlib.sha256(data).hexdigest()
        relative = self.relative_path(sha256)
        target = self.root / relative
        if target.exists():
            return sha256, relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader never sees a half-written file, and two writers
        # of the same content both end with the same complete file.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{sha256[:8]}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return sha256, relative

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; RawStoreError if absent or if they no longer hash to it."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise RawStoreError(f"raw document {sha256} not in {self.root}") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RawStoreError(f"raw document {path} is corrupt: its content no longer hashes to its name")
        return data

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and bool(_SHA256.fullmatch(sha256)) and self.path(sha256).exists()
