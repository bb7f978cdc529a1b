"""The OCR engine: rapidocr (PP-OCR models on onnxruntime) wrapped as two steps, detection and recognition.

The models ship inside the rapidocr wheel; the engine is pointed at those files explicitly, so it never
takes the library's download path (a missing model is an `OcrUnavailable` error, not a network request).
The Chinese recogniser reads Simplified and Traditional alike; normalisation turns Traditional into
Simplified afterwards. Detection and recognition are separate calls because the table layout decides
what to recognise: a text box that straddles a ruling line is cut into one crop per cell first.

Recognition batches crops of similar width and pads them to at least 2:1 instead of the library's
default 320×48 canvas: table cells are mostly one or two digits, and the default padding spends most
of the time on white space (the recogniser costs the same per column whatever the column holds). Less
is not better: at 4:3 the clean corpora still read exactly but smudged digits are misread more often
(179 wrong cells against 160 over 16 damaged pictures), and at 1:1 a lone 0 reads as the letter O.

Engines are built once per thread setting and cached (building one loads ~30 MB of models). Threads:
onnxruntime's default (all cores) unless `XXGK_OCR_THREADS` or the `threads` argument says otherwise
(benchmarks pin 1 to state a one-core figure).
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from parsers.ocr import OcrUnavailable

GrayImage = npt.NDArray[np.uint8]  # H × W, 0 = black

THREADS_ENV: Final[str] = "XXGK_OCR_THREADS"
# Model files of the rapidocr 3.x wheel, relative to the package (rapidocr/default_models.yaml names them).
MODEL_FILES: Final[dict[str, str]] = {
    "Det": "models/PP-OCRv6_det_small.onnx",
    "Rec": "models/PP-OCRv6_rec_small.onnx",
    "Cls": "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
# The recogniser's input height is fixed at 48; crops are padded to at least this width (2:1).
_REC_SHAPE: Final[list[int]] = [3, 48, 96]
_REC_BATCH: Final[int] = 6
# Detection input: large enough for a table page at 150–200 dpi without shrinking its text.
MAX_SIDE: Final[int] = 4096


@dataclass(frozen=True)
class TextBox:
    """A detected line of text: its axis-aligned bounds in image pixels and the detector's score."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 1.0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Reading:
    """What the recogniser read in one crop. `confidence` is its weakest character's probability: one
    doubtful digit makes the whole number doubtful, however sure the others are."""

    text: str
    confidence: float
    mean_confidence: float


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # the optional `ocr` extra is not installed
        raise OcrUnavailable(f"OCR is not available ({exc}); install the project's `ocr` extra") from exc


def cv2_module() -> Any:
    """OpenCV (installed with rapidocr), imported when first needed."""
    return _module("cv2")


def model_paths() -> dict[str, Path]:
    """The bundled model files; OcrUnavailable when one is missing (never downloaded)."""
    rapidocr = _module("rapidocr")
    root = Path(rapidocr.__file__).resolve().parent
    paths = {task: root / rel for task, rel in MODEL_FILES.items()}
    for task, path in paths.items():
        if not path.is_file():  # a later wheel may ship renamed models: take its only one for the task
            found = sorted((root / "models").glob(f"*_{task.lower()}_*.onnx"))
            if len(found) == 1:
                paths[task] = found[0]
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"rapidocr models not found in the installed wheel: {', '.join(missing)}")
    return paths


def default_threads() -> int | None:
    """Threads from XXGK_OCR_THREADS (a positive integer), else None: onnxruntime's default."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return None


class Engine:
    """One rapidocr instance with the project's settings. Not thread-safe: one per thread setting, used
    under a lock."""

    def __init__(self, threads: int | None = None) -> None:
        rapidocr = _module("rapidocr")
        _module("onnxruntime")
        paths = model_paths()
        n = -1 if threads is None else threads
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,  # table text is upright; the angle classifier only costs time
            "Global.max_side_len": MAX_SIDE,
            "Global.text_score": 0.0,  # keep every reading: the layout flags weak ones instead
            # The detector reads the page at its own resolution (pages come scaled so that text is 20–40
            # px high): the library's default enlarges every page to 736 px on its short side, which
            # makes a strip of one heading twelve times wider and a short table five times larger.
            "Det.limit_type": "max",
            "Det.limit_side_len": MAX_SIDE,
            "Det.model_path": str(paths["Det"]),
            "Rec.model_path": str(paths["Rec"]),
            "Cls.model_path": str(paths["Cls"]),
            "Rec.rec_img_shape": _REC_SHAPE,
            "Rec.rec_batch_num": _REC_BATCH,
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads is not None else -1,
        }
        try:
            self._ocr = rapidocr.RapidOCR(params=params)
            self._rec_input = _module("rapidocr.ch_ppocr_rec").TextRecInput
        except Exception as exc:  # a broken install must not take the parser down with it
            raise OcrUnavailable(f"rapidocr could not start: {type(exc).__name__}: {exc}") from exc
        self.threads = threads
        self.lock = threading.Lock()

    def detect(self, image: GrayImage) -> list[TextBox]:
        """Text lines found in a grayscale image, as axis-aligned boxes (pages come deskewed: preprocess)."""
        bgr = np.ascontiguousarray(np.stack([image] * 3, axis=-1))
        out = self._ocr(bgr, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return []
        scores = list(getattr(out, "scores", None) or [1.0] * len(boxes))
        found = []
        for quad, score in zip(boxes, scores, strict=True):
            pts = np.asarray(quad, dtype=np.float64)
            found.append(
                TextBox(
                    float(pts[:, 0].min()),
                    float(pts[:, 1].min()),
                    float(pts[:, 0].max()),
                    float(pts[:, 1].max()),
                    float(score),
                )
            )
        return found

    def recognize(self, crops: list[GrayImage]) -> list[Reading]:
        """Read each crop as one line of text."""
        if not crops:
            return []
        rec = self._ocr._load_rec_model()  # the library's own cached recogniser
        images = [np.ascontiguousarray(np.stack([c] * 3, axis=-1)) for c in crops]
        out = rec(self._rec_input(img=images, return_word_box=True))
        readings = []
        for text, mean, words in zip(out.txts, out.scores, out.word_results, strict=True):
            confs = [float(c) for c in getattr(words, "confs", None) or []] if words is not None else []
            text = str(text)
            low = min(confs) if confs and text else float(mean) if text else 0.0
            readings.append(Reading(text, low, float(mean) if text else 0.0))
        return readings


_ENGINES_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _engine(threads: int | None) -> Engine:
    return Engine(threads)


def get_engine(threads: int | None = None) -> Engine:
    """The cached engine for this thread setting (None: XXGK_OCR_THREADS, else onnxruntime's default)."""
    with _ENGINES_LOCK:
        return _engine(threads if threads is not None else default_threads())
