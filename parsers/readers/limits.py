"""Bounds every document reader works within: input size, pages, pixels, archive sizes, time.

Attachments come from hundreds of portals; some are broken, some hostile (zip bombs, Flate bombs in
PDF streams, pages of 20,000 × 20,000 pixels), some make converters hang. A reader checks what it can
before reading (declared sizes, page counts), caps what it inflates (parsers.readers.pdf_inflate for
PDF streams), stops between pages once its time is up, and runs external converters through
`run_with_timeout`, which kills the converter's whole process group when time runs out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

MAX_BYTES: Final[int] = 64 * 1024 * 1024  # a report attachment is a few MB; scans rarely pass 30 MB
MAX_PAGES: Final[int] = 200  # the longest annual reports run to about 60 pages
MAX_PIXELS: Final[int] = 40_000_000  # one page image: A4 at 600 dpi is 35 million
# Decompressed bytes of one document: all members of an OOXML zip, all streams pdfminer inflates.
MAX_UNCOMPRESSED: Final[int] = 256 * 1024 * 1024
# One PDF stream inflated: page contents are KBs, an embedded full CJK font 10–30 MB.
MAX_STREAM_BYTES: Final[int] = 64 * 1024 * 1024
MAX_RATIO: Final[int] = 200  # uncompressed / compressed for one zip member; XML compresses ~10–30×
MAX_ZIP_MEMBERS: Final[int] = 5000
MAX_PAGE_CHARS: Final[int] = 60_000  # characters on one PDF page (a dense A4 page holds ~3,000)
READ_SECONDS: Final[float] = 60.0  # one document in process (checked between pages)
CONVERT_SECONDS: Final[float] = 60.0  # one external conversion (LibreOffice cold start is 2–5 s)


@dataclass(frozen=True)
class ReaderLimits:
    """The caps one read works within; `DEFAULT_LIMITS` unless a caller (a test, a bench) says otherwise."""

    max_bytes: int = MAX_BYTES
    max_pages: int = MAX_PAGES
    max_pixels: int = MAX_PIXELS
    max_uncompressed: int = MAX_UNCOMPRESSED
    max_stream_bytes: int = MAX_STREAM_BYTES
    max_ratio: int = MAX_RATIO
    max_zip_members: int = MAX_ZIP_MEMBERS
    max_page_chars: int = MAX_PAGE_CHARS
    read_seconds: float = READ_SECONDS
    convert_seconds: float = CONVERT_SECONDS


DEFAULT_LIMITS: Final[ReaderLimits] = ReaderLimits()


class Deadline:
    """A point in time a reader checks between units of work (pages, tables)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())


@dataclass(frozen=True)
class RunResult:
    """What a converter run came to. `error` is None only for a clean exit within the time limit."""

    command: tuple[str, ...]
    returncode: int | None  # None: it did not run to an exit of its own (timeout, not startable)
    stdout: bytes
    stderr: bytes
    seconds: float  # how long it ran
    timed_out: bool = False  # killed at the time limit
    limit: float | None = None  # the time limit it ran under
    start_error: str | None = None  # why it could not be started (missing executable, …)

    @property
    def error(self) -> str | None:
        name = os.path.basename(self.command[0]) if self.command else "converter"
        if self.start_error is not None:
            return f"{name} could not start: {self.start_error}"
        if self.timed_out:
            return f"{name} timed out after {self.limit or self.seconds:g} s and was killed"
        if self.returncode != 0:
            tail = self.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return f"{name} exited with code {self.returncode}" + (f": {tail[0][:200]}" if tail[0] else "")
        return None


_OUTPUT_CAP: Final[int] = 1024 * 1024  # converter chatter kept for the error message


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_with_timeout(
    cmd: Sequence[str],
    seconds: float,
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run `cmd` with no stdin; after `seconds` kill it and everything it started. Never raises.

    The command gets its own session (process group), so helpers it forks (LibreOffice's soffice.bin,
    a shell's children) die with it instead of outliving the timeout. A helper that keeps the output
    pipes open keeps the run going too, so it cannot escape the timeout by detaching.
    """
    command = tuple(cmd)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:
        return RunResult(command, None, b"", b"", 0.0, start_error=str(exc))
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        elapsed = time.monotonic() - started
        return RunResult(command, None, out[:_OUTPUT_CAP], err[:_OUTPUT_CAP], elapsed, True, seconds)
    finally:
        if proc.returncode is None:  # interrupted (KeyboardInterrupt): leave nothing behind
            _kill_group(proc)
            proc.wait()
    return RunResult(
        command, proc.returncode, out[:_OUTPUT_CAP], err[:_OUTPUT_CAP], time.monotonic() - started
    )
