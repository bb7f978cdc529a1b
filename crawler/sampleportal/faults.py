"""Fault injection: make one path of one sample site answer what a misbehaving portal answers.

`SamplePortal.inject(code, path, …)` puts a Fault in front of the site's own handler: an error status,
a slow answer (a timeout for the crawler), an oversized file, a Retry-After, a redirect, or any body
(a deleted page that refreshes to its column, a robots.txt). `times` limits the fault to the first N
requests (429 twice, then the page). Each fault records when it was served, so tests can check back-off.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .chrome import Response

_FILLER = b"%PDF-1.4\n% oversized sample file\n"


@dataclass
class Fault:
    status: int = 200
    body: bytes | None = None  # None: a short page naming the status
    content_type: str | None = "text/html; charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering (longer than the crawler's timeout: a timeout)
    size: int | None = None  # answer a body of exactly this many bytes (a file too large to crawl)
    times: int | None = None  # serve the fault to the first `times` requests only; None: always
    served: list[float] = field(default_factory=list)  # time.monotonic() of each fault answer
    headers_seen: list[dict[str, str]] = field(default_factory=list)  # request headers (lower-cased names)

    def response(self) -> Response:
        if self.size is not None:
            body = (_FILLER * (self.size // len(_FILLER) + 1))[: self.size]
        elif self.body is not None:
            body = self.body
        else:
            body = f"<html><body><h1>{self.status}</h1></body></html>".encode()
        return Response(self.status, body, self.content_type, self.headers)


class Faults:
    """The injected faults of a portal, by (site code, path[?query]); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Several faults on one path answer in the order they were added, each while it has uses left
        # (429 twice, then the page).
        self._faults: dict[tuple[str, str], list[Fault]] = {}

    def add(self, code: str, path: str, fault: Fault) -> Fault:
        with self._lock:
            self._faults.setdefault((code, path), []).append(fault)
        return fault

    def take(self, code: str, path: str, query: str, headers: dict[str, str]) -> Fault | None:
        """The fault answering this request (one use of it is spent), or None: serve the page."""
        with self._lock:
            candidates = [*(self._faults.get((code, f"{path}?{query}"), []) if query else []),
                          *self._faults.get((code, path), [])]  # fmt: skip
            for fault in candidates:
                if fault.times is None or len(fault.served) < fault.times:
                    fault.served.append(time.monotonic())
                    fault.headers_seen.append(headers)
                    return fault
            return None

    def on(self, code: str, path: str) -> list[Fault]:
        """The faults injected on one path of a site, in the order they answer."""
        with self._lock:
            return list(self._faults.get((code, path), []))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
