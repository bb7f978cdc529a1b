"""PDF decompression bombs: a stream that inflates past the cap refuses the document with a reason,
quickly and without the memory; below the caps pdfminer's decoders behave as before.

The bombs are built here, in milliseconds: deflate compresses every further megabyte of zeros after a
full flush to the same bytes, so 1 GB is one such block repeated, and the checksum of n zeros is known
in closed form (Adler-32: A = 1, B = n mod 65521).
"""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib

import pytest
from pdfminer import pdftypes
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, LITERALS_RUNLENGTH_DECODE, PDFStream

from crawler.sampleportal.files import pdf_file
from parsers.readers.limits import MAX_STREAM_BYTES, ReaderLimits
from parsers.readers.pdf import read_pdf
from parsers.readers.pdf_inflate import InflateLimit, inflate_cap
from parsers.report import parse_report
from tests.corpus_docs.build import lines_pdf

MB = 1024 * 1024
GB = 1024 * MB
STREAM_REASON = "PDF refused: a compressed stream inflates to more than 64 MB (decompression bomb); not read"
TOTAL_REASON = (
    "PDF refused: its compressed streams inflate to more than 500000 bytes in all (decompression bomb);"
    " not read"
)


def flate_zeros(size: int) -> bytes:
    """A zlib stream that inflates to `size` zero bytes (a multiple of 1 MB)."""
    assert size % MB == 0 and size >= 2 * MB
    zeros = bytes(MB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: header and checksum are added below
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.flush(zlib.Z_FINISH)
    adler = ((size % 65521) << 16) | 1
    return b"\x78\xda" + first + block * (size // MB - 1) + last + struct.pack(">I", adler)


FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def pdf_with_contents(streams: list[tuple[bytes, str]]) -> bytes:
    """A PDF of one page per (raw stream, filter name) whose content stream is that stream (Helvetica
    as /F1)."""
    count = len(streams)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
        + b"] /Count %d >>" % count,
    ]
    for i, (raw, name) in enumerate(streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 120] /Resources %s /Contents %d 0 R >>"
            % (FONT, 4 + 2 * i)
        )
        objects.append(
            b"<< /Length %d /Filter /%s >>\nstream\n" % (len(raw), name.encode()) + raw + b"\nendstream"
        )
    return pdf_file(objects)


def test_the_bomb_builder_makes_what_it_says() -> None:
    assert zlib.decompress(flate_zeros(8 * MB)) == bytes(8 * MB)
    bomb = flate_zeros(GB)
    assert len(bomb) < 1.2 * MB  # 1 GB of zeros in about 1 MB
    inflater = zlib.decompressobj()
    assert inflater.decompress(bomb, 4 * MB) == bytes(4 * MB)  # and it really inflates


def test_a_flate_bomb_refuses_the_pdf_within_seconds_and_bounded_memory() -> None:
    data = pdf_with_contents([(flate_zeros(GB), "FlateDecode")])
    tracemalloc.start()
    started = time.monotonic()
    try:
        doc = read_pdf(data)
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc.warnings == [STREAM_REASON]
    assert doc.blocks == [] and doc.raw_text == ""
    assert seconds < 5.0
    assert peak < 3 * MAX_STREAM_BYTES  # not the gigabyte: at most the cap, twice over while joined


def test_parse_report_records_the_refusal_and_goes_on() -> None:
    bomb = pdf_with_contents([(flate_zeros(256 * MB), "FlateDecode")])
    assert parse_report(bomb, content_type="application/pdf").warnings == [STREAM_REASON]
    good = lines_pdf(["样本市2023年政府信息公开工作年度报告"])
    after = read_pdf(good)
    assert after.warnings == [] and after.title == "样本市2023年政府信息公开工作年度报告"


def test_many_streams_under_the_stream_cap_still_meet_the_document_cap() -> None:
    pages = [
        (zlib.compress(b"BT /F1 12 Tf 20 60 Td (Page %d) Tj ET" % n + b" " * 120_000), "FlateDecode")
        for n in range(1, 7)
    ]
    data = pdf_with_contents(pages)
    limits = ReaderLimits(max_stream_bytes=200_000, max_uncompressed=500_000)
    assert read_pdf(data, limits=limits).warnings == [TOTAL_REASON]
    roomy = read_pdf(data, limits=ReaderLimits(max_stream_bytes=200_000, max_uncompressed=800_000))
    assert roomy.warnings == []
    # Read to the end (one paragraph running on over the page breaks, as the reader joins prose).
    assert [b.text for b in roomy.blocks] == [" ".join(f"Page {n}" for n in range(1, 7))]  # type: ignore[union-attr]


def test_run_length_bombs_are_capped_too() -> None:
    bomb = b"\x81\x00" * 600_000 + b"\x80"  # each pair repeats a zero 128 times: 77 MB from 1.2 MB
    data = pdf_with_contents([(bomb, "RunLengthDecode")])
    assert read_pdf(data).warnings == [STREAM_REASON]


def _stream(raw: bytes, literal: object) -> PDFStream:
    return PDFStream({"Filter": literal}, raw)


def test_below_the_caps_the_decoders_are_pdfminers() -> None:
    text = b"BT /F1 12 Tf 20 60 Td (Annual report) Tj ET\n" * 500
    flate = LITERALS_FLATE_DECODE[0]
    with inflate_cap(MB, 4 * MB):
        assert _stream(zlib.compress(text), flate).get_data() == text
        # A damaged checksum loses nothing but the checksum, as pdfminer's own recovery does.
        damaged = zlib.compress(text)[:-2] + b"\x00\x00"
        assert _stream(damaged, flate).get_data() == text
        # Damage before the end is still an error: pdfminer then gives up on the stream.
        broken = zlib.compress(text)
        assert _stream(broken[:2] + b"\xff" + broken[3:], flate).get_data() == b""  # an invalid block type
        literal = b"\x04hello\xfeA\x80"  # "hello" then 3 × "A": RunLength as the PDF reference gives it
        assert _stream(literal, LITERALS_RUNLENGTH_DECODE[0]).get_data() == b"helloAAA"
    # Outside a read there is no cap at all.
    assert _stream(flate_zeros(2 * MB), flate).get_data() == bytes(2 * MB)


def test_a_damaged_bomb_is_capped_on_the_recovery_path_as_well() -> None:
    damaged = flate_zeros(GB)[:-4] + b"\x00\x00\x00\x00"  # a bad checksum, only noticed at the very end
    started = time.monotonic()
    with inflate_cap(8 * MB, 16 * MB) as budget:
        with pytest.raises(InflateLimit, match="more than 8 MB"):
            pdftypes.decompress_corrupted(damaged)  # pdfminer's recovery, capped in place
        assert time.monotonic() - started < 2.0
        # Once refused, every further stream of the document is refused at once.
        with pytest.raises(InflateLimit, match="more than 8 MB"):
            _stream(zlib.compress(b"q Q"), LITERALS_FLATE_DECODE[0]).get_data()
    assert budget.refused is not None

