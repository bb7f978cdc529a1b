"""Bad pictures: each gets a clear recorded reason, quickly and without the memory a decode would take."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image

from parsers import parse_report
from parsers.ocr import OcrUnavailable, preprocess
from parsers.readers import image as image_reader
from parsers.readers.image import read_image
from parsers.readers.limits import ReaderLimits


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height (8-bit gray) but carries almost no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _read_bounded(data: bytes, limits: ReaderLimits | None = None) -> tuple[list[str], float, int]:
    """(warnings, seconds, peak traced bytes) of reading `data` with no blocks expected."""
    tracemalloc.start()
    started = time.monotonic()
    doc = read_image(data, None) if limits is None else read_image(data, None, limits=limits)
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert doc.blocks == []
    assert doc.type == "image"
    return doc.warnings, seconds, peak


def test_a_20000_by_20000_picture_is_refused_before_decoding() -> None:
    warnings, seconds, peak = _read_bounded(png_header_only(20_000, 20_000))
    assert len(warnings) == 1
    assert warnings[0].startswith("image too large:")
    assert "400000000 pixels" in warnings[0] and "not decoded" in warnings[0]
    assert seconds < 1.0
    assert peak < 20 * 1024 * 1024  # decoding it would take 400 MB


def test_a_picture_over_the_project_cap_but_under_pillows_is_refused_too() -> None:
    # 10,000 × 10,000 = 100 MP: Pillow only warns (its error starts at 179 MP); the project's cap is 40 MP.
    warnings, seconds, peak = _read_bounded(png_header_only(10_000, 10_000))
    assert warnings == [
        "image too large: 10000 × 10000 = 100 megapixels exceeds the cap of 40 megapixels; not decoded"
    ]
    assert seconds < 1.0 and peak < 20 * 1024 * 1024


def test_the_pixel_cap_is_a_limit_callers_can_set() -> None:
    warnings, _, _ = _read_bounded(png_header_only(3000, 2000), ReaderLimits(max_pixels=5_000_000))
    assert warnings == [
        "image too large: 3000 × 2000 = 6 megapixels exceeds the cap of 5 megapixels; not decoded"
    ]


def test_a_file_over_the_byte_cap_is_not_opened() -> None:
    data = _png(Image.new("L", (300, 300), 255))
    warnings, _, _ = _read_bounded(data, ReaderLimits(max_bytes=100))
    assert warnings == [f"image too large: {len(data)} bytes exceeds the cap of 100"]


def test_a_truncated_png_says_so() -> None:
    rng = np.random.default_rng(5)
    noisy = Image.fromarray(rng.integers(0, 256, (400, 400), dtype=np.uint8), "L")  # incompressible
    data = _png(noisy)
    warnings, _, _ = _read_bounded(data[: len(data) // 2])
    assert len(warnings) == 1
    assert warnings[0].startswith("unreadable image: OSError:")
    assert "truncated" in warnings[0]


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20,
        b"\xff\xd8\xff\xe0" + b"\x00" * 40,
        b"BM is how this plain text happens to start, not a bitmap",
    ],
    ids=["png-magic-garbage", "jpeg-magic-garbage", "bm-text"],
)
def test_bytes_that_only_look_like_a_picture(data: bytes) -> None:
    warnings, seconds, _ = _read_bounded(data)
    assert len(warnings) == 1 and warnings[0].startswith("unreadable image:")
    assert seconds < 1.0


def test_parse_report_records_the_reason_and_goes_on() -> None:
    report = parse_report(png_header_only(20_000, 20_000), content_type="image/png")
    assert report.tables == {"active_disclosure": None, "requests": None, "review_litigation": None}
    assert any(w.startswith("image too large:") for w in report.warnings)


def test_without_the_ocr_engine_a_picture_gets_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "OCR is not available (No module named 'rapidocr'); install the project's `ocr` extra"

    def missing() -> None:
        raise OcrUnavailable(reason)

    monkeypatch.setattr(image_reader, "_load", missing)
    doc = read_image(_png(Image.new("L", (200, 100), 255)), "image/png")
    assert doc.blocks == []
    assert doc.warnings == [f"image not read: {reason}"]


def test_an_engine_failure_is_a_warning_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from parsers.ocr import engine

    def broken(self: engine.Engine, image: np.ndarray) -> list[engine.TextBox]:
        raise RuntimeError("onnxruntime: out of memory")

    monkeypatch.setattr(engine.Engine, "detect", broken)
    doc = read_image(_png(Image.new("L", (200, 100), 255)), "image/png")
    assert doc.blocks == []
    assert doc.warnings == ["image not read: OCR failed: RuntimeError: onnxruntime: out of memory"]


def test_a_blank_picture_has_no_text() -> None:
    doc = read_image(_png(Image.new("L", (400, 200), 255)), "image/png")
    assert doc.blocks == []
    assert doc.warnings == ["no text found by OCR"]


def _tiff(pages: int) -> bytes:
    frames = [Image.new("L", (300, 200), 255) for _ in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def test_tiff_pages_beyond_the_cap_are_not_read() -> None:
    decoded = preprocess.decode(_tiff(3), ReaderLimits(max_pages=2))
    assert [p.number for p in decoded.pages] == [1, 2]
    assert decoded.warnings == ["image has 3 pages; only the first 2 are read"]


def test_ocr_stops_between_pages_when_time_is_up() -> None:
    doc = read_image(_tiff(3), "image/tiff", limits=ReaderLimits(read_seconds=0.0))
    assert "OCR stopped after 1 of 3 pages: 0 s limit" in doc.warnings


def test_an_animated_gif_is_read_as_its_first_frame() -> None:
    frames = [Image.new("L", (120, 80), 255), Image.new("L", (120, 80), 0)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    decoded = preprocess.decode(buf.getvalue())
    assert len(decoded.pages) == 1
    assert int(decoded.pages[0].image.min()) == 255  # the white first frame, not the black second


def test_a_transparent_background_is_paper_not_ink() -> None:
    rgba = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent black: white once on paper
    rgba.paste((0, 0, 0, 255), (20, 40, 180, 60))
    (page,) = preprocess.decode(_png(rgba)).pages
    assert page.image[10, 10] == 255 and page.image[50, 100] == 0


def test_sixteen_bit_and_cmyk_pictures_are_read_as_gray() -> None:
    sixteen = Image.fromarray(np.full((50, 80), 65535, dtype=np.uint16))
    sixteen.paste(0, (10, 10, 30, 30))
    (page,) = preprocess.decode(_png(sixteen)).pages
    assert page.image[0, 0] == 255 and page.image[20, 20] == 0
    cmyk = Image.new("CMYK", (60, 40), (0, 0, 0, 0))
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG")
    (page,) = preprocess.decode(buf.getvalue()).pages
    assert page.image.shape == (40, 60) and int(page.image.min()) >= 250


def test_a_huge_scan_is_scaled_down_not_refused() -> None:
    big = Image.new("L", (4200, 1000), 255)
    (page,) = preprocess.decode(_png(big)).pages
    assert page.image.shape == (500, 2100)
    assert page.scale == 0.5
