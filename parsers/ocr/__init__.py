"""Offline OCR of report pictures: rapidocr engine, image preprocessing, table structure from geometry.

Importing this package is cheap; numpy, Pillow, rapidocr, onnxruntime and OpenCV load with its modules
(they come with the project's `ocr` extra), so the parser runs without them and says so when it meets
a picture.
"""

from __future__ import annotations


class OcrUnavailable(RuntimeError):
    """rapidocr / onnxruntime / the bundled models are not installed (the `ocr` extra)."""


__all__ = ["OcrUnavailable"]
