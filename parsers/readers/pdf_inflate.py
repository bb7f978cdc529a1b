"""A cap on what pdfminer inflates while one PDF is read: a decompression bomb is refused, not inflated.

pdfminer decodes a stream (page contents, object and xref streams, embedded fonts and CMaps) in one
call with no bound on the output, so a 1 MB Flate stream of zeros becomes 1 GB in memory. Within
`inflate_cap(...)` every decoder `PDFStream.decode` calls is bounded: one stream may not inflate
beyond `per_stream` bytes nor all streams of the document together beyond `total`; the decoder stops
as soon as its output passes the cap (zlib's `max_length`, chunked LZW and RunLength) and raises
`InflateLimit`, whose message is the reason to record. After a refusal every further decode refuses at
once, so a document cannot spend the cap again page after page.

Why in process, by wrapping the decoders, and not a subprocess with an address-space rlimit: the read
runs in the parse worker next to the OCR engine (onnxruntime maps far more address space than it
uses, which an AS limit breaks), a fork per document costs a good part of a text PDF's 0.5 s budget,
and a cap on the decoders names the reason exactly. Reading text and tables never asks pdfminer for
an image's data; pdfium, which renders scanned pages for OCR, decodes pictures to the size drawn
(measured: a 30,720² picture of 900 MB of zeros in a 0.9 MB stream rendered in under 3 s, the whole
process, OCR engine included, staying under 250 MB).

The wrappers replace names in `pdfminer.pdftypes` once (`install()`, idempotent); outside
`inflate_cap` they decode as pdfminer's own do, except that the recovery of a damaged Flate stream
runs in chunks instead of byte by byte and a RunLength stream cut short ends where it stops.
"""

from __future__ import annotations

import io
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final

from pdfminer import pdftypes
from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.ccitt import ccittfaxdecode
from pdfminer.lzw import LZWDecoder

_CHUNK: Final[int] = 64 * 1024  # input fed to zlib at a time when a damaged stream is recovered
_TAIL: Final[int] = 3  # a damaged stream may lose this many bytes at its end (pdfminer's CRC allowance)
_MB: Final[int] = 1024 * 1024

# Under pdfminer's logger, which the PDF reader quietens: the reason reaches the Document instead.
log = logging.getLogger("pdfminer.pdftypes")


def _size(n: int) -> str:
    return f"{n // _MB} MB" if n >= _MB and n % _MB == 0 else f"{n} bytes"


class InflateLimit(Exception):
    """A stream inflates beyond the cap; the message is the reason to record."""


@dataclass
class InflateBudget:
    per_stream: int
    total: int
    used: int = 0
    refused: str | None = None  # the reason, once one stream went over

    def allowance(self) -> int:
        """What the next stream may inflate to; raises once the document was refused."""
        if self.refused is not None:
            raise InflateLimit(self.refused)
        return min(self.per_stream, self.total - self.used)

    def charge(self, size: int, allowance: int) -> None:
        """Count a stream's output; over `allowance` refuses the document."""
        if size > allowance:
            if allowance < self.per_stream:
                self.refused = (
                    f"PDF refused: its compressed streams inflate to more than {_size(self.total)} in all "
                    "(decompression bomb); not read"
                )
            else:
                self.refused = (
                    f"PDF refused: a compressed stream inflates to more than {_size(self.per_stream)} "
                    "(decompression bomb); not read"
                )
            raise InflateLimit(self.refused)
        self.used += size


_BUDGET: ContextVar[InflateBudget | None] = ContextVar("xxgk_pdf_inflate_budget", default=None)


@contextmanager
def inflate_cap(per_stream: int, total: int) -> Iterator[InflateBudget]:
    """Bound every stream pdfminer decodes in this context (this thread / task only)."""
    install()
    budget = InflateBudget(per_stream, total)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


# ---------------------------------------------------------------------------------------------
# The capped decoders
# ---------------------------------------------------------------------------------------------


def _flate(data: bytes) -> bytes:
    budget = _BUDGET.get()
    if budget is None:
        return zlib.decompress(data)
    allowance = budget.allowance()
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, allowance + 1)
    if len(out) > allowance:
        budget.charge(len(out), allowance)  # refuses
    if not inflater.eof:  # what zlib.decompress says, so pdfminer tries its recovery as it would
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    budget.charge(len(out), allowance)
    return out


def _flate_damaged(data: bytes) -> bytes:
    """pdfminer's recovery for a stream whose end is damaged (a bad checksum): keep what inflates when
    only the last few bytes fail. Chunked, so it is linear in the input (pdfminer's own goes byte by
    byte and concatenates, quadratic in the output) and capped like every other decoder."""
    budget = _BUDGET.get()
    allowance = budget.allowance() if budget is not None else None
    inflater = zlib.decompressobj()
    parts: list[bytes] = []
    size = 0

    def keep(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if budget is not None and allowance is not None and size > allowance:
            budget.charge(size, allowance)
        parts.append(piece)

    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        saved = inflater.copy()
        limit = 0 if allowance is None else allowance - size + 1  # 0: no limit
        try:
            keep(inflater.decompress(chunk, limit))
            continue
        except zlib.error:
            inflater = saved
        for offset in range(len(chunk)):  # again byte by byte, to find the byte that fails
            try:
                keep(inflater.decompress(chunk[offset : offset + 1]))
            except zlib.error:
                if start + offset < len(data) - _TAIL:
                    raise
                log.warning("Data-loss while decompressing corrupted data")
                return _charge_all(budget, parts, size, allowance)
    return _charge_all(budget, parts, size, allowance)


def _charge_all(budget: InflateBudget | None, parts: list[bytes], size: int, allowance: int | None) -> bytes:
    if budget is not None and allowance is not None:
        budget.charge(size, allowance)
    return b"".join(parts)


def _lzw(data: bytes) -> bytes:
    budget = _BUDGET.get()
    allowance = budget.allowance() if budget is not None else None
    parts: list[bytes] = []
    size = 0
    for piece in LZWDecoder(io.BytesIO(data)).run():
        size += len(piece)
        if budget is not None and allowance is not None and size > allowance:
            budget.charge(size, allowance)
        parts.append(piece)
    return _charge_all(budget, parts, size, allowance)


def _run_length(data: bytes) -> bytes:
    """RunLengthDecode (PDF 32000-1 §7.4.5), stopping at the cap; a truncated run ends the data."""
    budget = _BUDGET.get()
    allowance = budget.allowance() if budget is not None else None
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:  # end of data
            break
        if length < 128:
            out += data[i : i + length + 1]
            i += length + 1
        elif i < n:
            out += data[i : i + 1] * (257 - length)
            i += 1
        if budget is not None and allowance is not None and len(out) > allowance:
            budget.charge(len(out), allowance)
    if budget is not None and allowance is not None:
        budget.charge(len(out), allowance)
    return bytes(out)


def _charged(decode: Callable[..., bytes]) -> Callable[..., bytes]:
    """A decoder whose output is bounded by its input (ASCII85 at most 4×, hex ½×, CCITT by the row
    width): counted against the budget after it ran."""

    def run(*args: Any) -> bytes:
        budget = _BUDGET.get()
        if budget is None:
            return decode(*args)
        allowance = budget.allowance()
        out = decode(*args)
        budget.charge(len(out), allowance)
        return out

    run.__name__ = getattr(decode, "__name__", "decode")
    return run


class _CappedZlib:
    """Stands in for the `zlib` module inside pdfminer.pdftypes: decompress is capped, the rest is zlib."""

    error = zlib.error

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def decompress(data: bytes, *args: Any) -> bytes:
        return _flate(data) if not args else zlib.decompress(data, *args)


_INSTALLED = False
_INSTALL_LOCK = threading.Lock()


def install() -> None:
    """Put the capped decoders where pdfminer.pdftypes looks them up. Idempotent."""
    global _INSTALLED
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        names: dict[str, Any] = {
            "zlib": _CappedZlib(),
            "decompress_corrupted": _flate_damaged,
            "lzwdecode": _lzw,
            "rldecode": _run_length,
            "ascii85decode": _charged(ascii85decode),
            "asciihexdecode": _charged(asciihexdecode),
            "ccittfaxdecode": _charged(ccittfaxdecode),
        }
        for name, value in names.items():
            if not hasattr(pdftypes, name):  # a pdfminer release that reorganised its decoders
                raise RuntimeError(f"pdfminer.pdftypes has no {name}: the PDF inflate cap needs updating")
            setattr(pdftypes, name, value)
        _INSTALLED = True
