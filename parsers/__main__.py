"""`python -m parsers PATH [--url URL] [--published YYYY-MM-DD] [--content-type TYPE]`.

Prints the parse contract's JSON object (UTF-8, not ASCII-escaped) for one document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from parsers.model import json_default
from parsers.report import parse_report


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parsers", description="Parse one annual report document."
    )
    parser.add_argument(
        "path", type=Path, help="the document (HTML in any charset, or plain text); - for stdin"
    )
    parser.add_argument("--url", help="where the document was fetched from")
    parser.add_argument("--published", type=_date, help="publication date from the listing (YYYY-MM-DD)")
    parser.add_argument("--content-type", help="the Content-Type header it was served with")
    args = parser.parse_args(argv)
    try:
        data = sys.stdin.buffer.read() if str(args.path) == "-" else args.path.read_bytes()
    except OSError as exc:
        print(f"python -m parsers: cannot read {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    report = parse_report(data, url=args.url, content_type=args.content_type, published=args.published)
    out = json.dumps(report.to_contract(), ensure_ascii=False, indent=1, default=json_default)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
