"""Offline OCR of report pictures: rapidocr engine, image preprocessing, table structure from geometry.

Importing this package is cheap; rapidocr, onnxruntime and OpenCV load on first use (they come with the
project's `ocr` extra), so the parser runs without them and says so when it meets a picture.
"""
