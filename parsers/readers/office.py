"""Word 97 (DOC), Kingsoft WPS and OpenDocument files → DOCX with LibreOffice, then the DOCX reader.

LibreOffice runs headless in a subprocess with a private profile per call (concurrent runs sharing
one profile block each other), under a timeout that kills its process group. Before anything is
converted or unzipped, the container is identified: OLE2 files say in their directory which streams
they hold (WordDocument for DOC and WPS, Workbook for spreadsheets), and zip archives are checked for
what they are (DOCX, ODT, a spreadsheet, a plain archive) and for being a zip bomb, from the sizes they
declare, before a byte is inflated.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

from parsers.document import Document
from parsers.readers.limits import DEFAULT_LIMITS, ReaderLimits, run_with_timeout

SOFFICE_ENV: Final[str] = "XXGK_SOFFICE"  # path of the LibreOffice executable, when not on PATH

ZipKind = Literal["docx", "odt", "spreadsheet", "presentation", "archive"]
OleKind = Literal["word", "spreadsheet", "presentation", "unknown"]

# Names in an OLE2 directory are UTF-16LE.
_OLE_STREAMS: Final[tuple[tuple[bytes, OleKind], ...]] = (
    ("WordDocument".encode("utf-16-le"), "word"),
    ("Workbook".encode("utf-16-le"), "spreadsheet"),
    ("Book".encode("utf-16-le"), "spreadsheet"),
    ("PowerPoint Document".encode("utf-16-le"), "presentation"),
)
_ODF_TEXT: Final[bytes] = b"application/vnd.oasis.opendocument.text"
_BOMB_MEMBER_MIN: Final[int] = 1024 * 1024  # small members may compress extremely (runs of spaces)


@dataclass(frozen=True)
class ZipCheck:
    kind: ZipKind | None  # None: unreadable or refused
    problem: str | None = None  # why it is refused (a zip bomb, corrupt)


def _failure(reason: str, doc_type: Literal["docx", "doc"]) -> Document:
    return Document([], "", None, {}, None, [reason], "", doc_type)


def check_zip(data: bytes, limits: ReaderLimits = DEFAULT_LIMITS) -> ZipCheck:
    """What a zip archive is, and whether its declared sizes are safe to inflate.

    zipfile never inflates a member past its declared size (it stops there and checks the CRC), so
    checking the declared sizes and ratios bounds what reading the archive can cost."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return ZipCheck(None, f"corrupt zip archive: {exc}")
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            return ZipCheck(
                None, f"zip bomb refused: {len(members)} members (limit {limits.max_zip_members})"
            )
        total = sum(m.file_size for m in members)
        if total > limits.max_uncompressed:
            return ZipCheck(
                None,
                f"zip bomb refused: declares {total} bytes uncompressed (limit {limits.max_uncompressed})",
            )
        for m in members:
            ratio = m.file_size / max(m.compress_size, 1)
            if m.file_size >= _BOMB_MEMBER_MIN and ratio > limits.max_ratio:
                return ZipCheck(
                    None,
                    f"zip bomb refused: {m.filename} expands {ratio:.0f}× to {m.file_size} bytes "
                    f"(limit {limits.max_ratio}×)",
                )
        names = {m.filename for m in members}
        if "word/document.xml" in names:
            return ZipCheck("docx")
        if "mimetype" in names and archive.read("mimetype")[:64].strip() == _ODF_TEXT:
            return ZipCheck("odt")
        if (
            any(n.startswith("xl/") for n in names)
            or ("mimetype" in names
            and b"spreadsheet" in archive.read("mimetype")[:64])
        ):
            return ZipCheck("spreadsheet")
        if any(n.startswith("ppt/") for n in names):
            return ZipCheck("presentation")
        return ZipCheck("archive")


def ole_kind(data: bytes) -> OleKind:
    """Which application an OLE2 compound file belongs to, from the stream names in its directory."""
    for name, kind in _OLE_STREAMS:
        if name in data:
            return kind
    return "unknown"


def soffice_command() -> list[str] | None:
    """The LibreOffice executable: $XXGK_SOFFICE, else soffice/libreoffice on PATH."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        return [configured]
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return [found] if found else None


@dataclass(frozen=True)
class Conversion:
    data: bytes | None
    problem: str | None = None


def convert_to_docx(
    data: bytes,
    suffix: str,
    *,
    limits: ReaderLimits = DEFAULT_LIMITS,
    command: Sequence[str] | None = None,
) -> Conversion:
    """The document converted to DOCX by LibreOffice (`command`: the executable and any leading
    arguments, default `soffice_command()`). Never raises."""
    exe = list(command) if command is not None else soffice_command()
    if not exe:
        return Conversion(None, "LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="xxgk-office-") as tmp:
        work = Path(tmp)
        source = work / f"document{suffix}"
        source.write_bytes(data)
        outdir = work / "out"
        result = run_with_timeout(
            [
                *exe,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--nologo",
                "--nolockcheck",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(outdir),
                str(source),
            ],
            limits.convert_seconds,
            cwd=tmp,
            env={**os.environ, "HOME": tmp},  # LibreOffice writes into $HOME; keep it in the sandbox
        )
        if result.error is not None:
            return Conversion(None, result.error)
        produced = outdir / "document.docx"
        if not produced.is_file():
            said = (
                result.stderr.decode("utf-8", "replace").strip()
                or result.stdout.decode("utf-8", "replace").strip()
            )
            return Conversion(None, "LibreOffice produced no DOCX" + (f": {said[-200:]}" if said else ""))
        size = produced.stat().st_size
        if size > limits.max_bytes:
            return Conversion(None, f"converted DOCX too large: {size} bytes (limit {limits.max_bytes})")
        return Conversion(produced.read_bytes())


def _via_docx(
    data: bytes, suffix: str, what: str, limits: ReaderLimits, command: Sequence[str] | None
) -> Document:
    from parsers.readers.docx import read_docx

    converted = convert_to_docx(data, suffix, limits=limits, command=command)
    if converted.data is None:
        return _failure(f"{what} not read: {converted.problem}", "doc")
    doc = read_docx(converted.data, None, limits=limits)
    return replace(doc, type="doc")


def read_office(
    data: bytes,
    content_type: str | None = None,
    *,
    limits: ReaderLimits = DEFAULT_LIMITS,
    command: Sequence[str] | None = None,
) -> Document:
    """Reader for OLE2 documents (sniffed type "doc"): DOC and WPS through LibreOffice. Never raises."""
    if len(data) > limits.max_bytes:
        return _failure(f"document too large: {len(data)} bytes (limit {limits.max_bytes})", "doc")
    kind = ole_kind(data)
    if kind != "word":
        what = {"spreadsheet": "a spreadsheet", "presentation": "a presentation"}.get(
            kind, "not a Word document"
        )
        return _failure(f"unsupported document type: OLE2 file that is {what}", "doc")
    return _via_docx(data, ".doc", "DOC/WPS", limits, command)


def read_odt(
    data: bytes, *, limits: ReaderLimits = DEFAULT_LIMITS, command: Sequence[str] | None = None
) -> Document:
    """An OpenDocument text (a zip the DOCX reader hands on) through LibreOffice. Never raises."""
    return _via_docx(data, ".odt", "ODT", limits, command)
