"""`python -m crawler.sampleportal --port 8800 [--seeds DIR]`: serve the sample sites in the foreground."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from .server import SamplePortal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.sampleportal", description=__doc__)
    parser.add_argument("--port", type=int, default=8800, help="port of every site (0: any free port)")
    parser.add_argument("--seeds", type=Path, default=None, help="directory of report texts for site 990104")
    parser.add_argument("--verbose", action="store_true", help="print an access log line per request")
    args = parser.parse_args(argv)
    if args.seeds is not None and not args.seeds.is_dir():
        parser.error(f"--seeds: {args.seeds} is not a directory")
    portal = SamplePortal(port=args.port, seeds_dir=args.seeds, verbose=args.verbose)
    portal.start()
    try:
        for code in portal.codes:
            spec = portal.site(code).spec
            print(f"{code} {spec.name} {spec.family:<13} {portal.listing_urls(code)[0]}", flush=True)
        print("serving; Ctrl-C stops", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
