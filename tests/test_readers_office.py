"""DOC/WPS through LibreOffice (and the LibreOffice-printed PDFs): read exactly; converters that hang,
fail or are missing give a reason within the time limit; containers are told apart before converting."""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from pathlib import Path

from parsers.blocks import Line
from parsers.evaluate import evaluate
from parsers.readers.limits import ReaderLimits
from parsers.readers.office import check_zip, ole_kind, read_office, soffice_command
from parsers.readers.pdf import read_pdf
from tests.corpus_docs.build import COMPAT_FORMS
from tests.corpus_docs.fixtures import corpus

LO_KINDS = ("doc", "pdf-lo")
# An OLE2 header and a directory naming the stream Word and WPS keep their text in.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FAKE_DOC = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64


def test_libreoffice_is_installed() -> None:
    assert soffice_command() is not None, "apt-get install libreoffice-writer-nogui (.ci/run does)"


def test_doc_and_libreoffice_pdfs_are_read_exactly() -> None:
    directory, built = corpus(LO_KINDS, 2)
    result = evaluate([directory])
    assert result.problems == [] and len(result.documents) == len(built) == 4
    groups = result.by_kind()
    assert sorted(groups) == sorted(LO_KINDS)
    for group in groups.values():
        assert group.cells > 2 * 190  # two reports' tables, every cell compared
        assert group.cells_ok == group.cells and group.ok, [m.describe() for _, m in group.mismatches()]


def test_compatibility_forms_in_a_pdf_text_layer_are_folded() -> None:
    _, built = corpus(LO_KINDS, 2)
    pdf = next(b for b in built if b.kind == "pdf-lo")
    data = pdf.path.read_bytes()
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as opened:
        layer = "".join(page.extract_text() or "" for page in opened.pages)
    assert all(form in layer for form in COMPAT_FORMS.values())  # the text layer has them ...
    text = "\n".join(b.text for b in read_pdf(data).blocks if isinstance(b, Line))
    assert not any(form in text for form in COMPAT_FORMS.values())  # ... the document does not
    assert pdf.report.title in text


HANG = """
import os, sys, time
child = os.fork()
if child == 0:
    time.sleep(120)
    os._exit(0)
with open(sys.argv[1], "w") as f:
    f.write(str(child))
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")  # a zombie waiting for init is dead
    except FileNotFoundError:
        return True


def test_a_hanging_converter_is_killed_with_everything_it_started(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(HANG)
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    doc = read_office(
        FAKE_DOC,
        limits=ReaderLimits(convert_seconds=1.5),
        command=[sys.executable, str(script), str(pid_file)],
    )
    elapsed = time.monotonic() - started
    assert doc.blocks == []
    assert doc.warnings == [
        f"DOC/WPS not read: {Path(sys.executable).name} timed out after 1.5 s and was killed"
    ]
    assert elapsed < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child)


def test_a_missing_or_failing_converter_gives_the_reason(tmp_path: Path) -> None:
    missing = read_office(FAKE_DOC, command=[str(tmp_path / "no-soffice")])
    assert len(missing.warnings) == 1
    assert missing.warnings[0].startswith("DOC/WPS not read: no-soffice could not start: [Errno 2]")
    failing = tmp_path / "fail.py"
    failing.write_text("import sys; sys.stderr.write('source file could not be loaded'); sys.exit(1)\n")
    doc = read_office(FAKE_DOC, command=[sys.executable, str(failing)])
    name = Path(sys.executable).name
    assert doc.warnings == [f"DOC/WPS not read: {name} exited with code 1: source file could not be loaded"]
    silent = tmp_path / "silent.py"
    silent.write_text("pass\n")
    doc = read_office(FAKE_DOC, command=[sys.executable, str(silent)])
    assert doc.warnings == ["DOC/WPS not read: LibreOffice produced no DOCX"]


def test_containers_are_told_apart_before_anything_runs(tmp_path: Path) -> None:
    never = [str(tmp_path / "must-not-run")]
    excel = OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le")
    assert ole_kind(FAKE_DOC) == "word" and ole_kind(excel) == "spreadsheet"
    refused = read_office(excel, command=never)
    assert refused.warnings == ["unsupported document type: OLE2 file that is a spreadsheet"]

    def zipped(names: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in names.items():
                z.writestr(name, data)
        return buffer.getvalue()

    assert check_zip(zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})).kind == "docx"
    assert check_zip(zipped({"mimetype": b"application/vnd.oasis.opendocument.text"})).kind == "odt"
    assert check_zip(zipped({"xl/workbook.xml": b"<x/>"})).kind == "spreadsheet"
    assert check_zip(zipped({"report.pdf": b"%PDF-1.4"})).kind == "archive"
    assert os.path.exists(never[0]) is False
