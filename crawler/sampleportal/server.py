"""SamplePortal: every sample site served on its own loopback address, all on one port.

One `ThreadingHTTPServer` per site (daemon threads), so per-host politeness in the crawler behaves as
against real portals. Requests are counted per site (tests and benchmarks measure crawls with them);
the access log is off unless asked for.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from .chrome import PortalRequest, Response, SiteSpec
from .faults import Fault, Faults
from .sites import SITE_SPECS, Site

_BIND_ATTEMPTS = 5  # a free port for the first site may be taken on another address; try again


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, portal: SamplePortal):
        self.site = site
        self.portal = portal
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the crawler's connection pool expects

    def version_string(self) -> str:
        return "nginx"  # what most portals answer; Python's own banner would give the sample away

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        site = self.server.site
        self.server.portal._record(site.code, method, self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = self.server.portal.faults.take(site.code, unquote(parts.path), parts.query, headers)
        if fault is not None:
            time.sleep(fault.delay)
            self._send(method, fault.response())
            return
        try:
            request = PortalRequest(
                method,
                unquote(parts.path),
                parts.query,
                body,
                headers,
            )
            response = site.serve(request)  # through the site's WAF, if it has one
        except Exception:
            # A bug in the portal must be loud in the test output, and still answer the client.
            traceback.print_exc(file=sys.stderr)
            response = Response(500, b"internal error", "text/plain; charset=UTF-8")
        self._send(method, response)

    def _send(self, method: str, response: Response) -> None:
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a crawler's timeout, a cancelled oversized download): as on a real
            # server, nothing to answer to.
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if self.server.portal.verbose:
            super().log_message(format, *args)


class SamplePortal:
    """The local sample portal. `start()` serves in background threads; also a context manager."""

    def __init__(
        self,
        port: int = 0,
        seeds_dir: Path | None = None,
        verbose: bool = False,
        specs: Iterable[SiteSpec] | None = None,
    ):
        self._requested_port = port
        self.seeds_dir = Path(seeds_dir) if seeds_dir is not None else None
        self.verbose = verbose
        self.port = port
        # `specs`: other sites than the families' own (bench/crawl.py serves a large generated portal).
        self._sites = {spec.code: Site(spec, self.seeds_dir) for spec in (specs or SITE_SPECS)}
        self.faults = Faults()
        self._servers: list[_SiteServer] = []
        self._threads: list[threading.Thread] = []
        self._log_lock = threading.Lock()
        self.request_log: list[tuple[str, str, str]] = []  # (region code, method, path)
        self.request_times: list[float] = []  # time.monotonic() of each request_log entry

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SamplePortal:
        if self._servers:
            raise RuntimeError("the sample portal is already running")
        for attempt in range(_BIND_ATTEMPTS):
            try:
                self._bind_all()
                break
            except OSError:
                self._close_servers()
                if self._requested_port or attempt == _BIND_ATTEMPTS - 1:
                    raise
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"sampleportal-{server.site.code}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _bind_all(self) -> None:
        port = self._requested_port
        for site in self._sites.values():
            server = _SiteServer((site.spec.host, port), site, self)
            self._servers.append(server)
            port = server.server_address[1]
        self.port = port

    def _close_servers(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers = []

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._close_servers()
        self._threads = []

    def __enter__(self) -> SamplePortal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- sites and URLs ---------------------------------------------------------------------

    @property
    def codes(self) -> list[str]:
        return list(self._sites)

    def site(self, code: str) -> Site:
        try:
            return self._sites[str(code)]
        except KeyError:
            raise KeyError(f"no sample site {code!r}; sites are {', '.join(self._sites)}") from None

    def base_url(self, code: str) -> str:
        if not self.port:
            raise RuntimeError("the sample portal has no port yet: call start() first")
        return f"http://{self.site(code).spec.host}:{self.port}"

    def listing_urls(self, code: str) -> list[str]:
        return self.site(code).listing_urls(self.base_url(code))

    def report_url(self, code: str, doc_id: int) -> str:
        return self.base_url(code) + self.site(code).detail_path(doc_id)

    # -- changes ----------------------------------------------------------------------------

    def revise(self, code: str, doc_id: int) -> None:
        self.site(code).revise(doc_id)

    def delete(self, code: str, doc_id: int) -> None:
        self.site(code).delete(doc_id)

    def reset(self) -> None:
        """Undo every revision, deletion and injected fault."""
        for site in self._sites.values():
            site.reset()
        self.faults.clear()

    def inject(
        self,
        code: str,
        path: str,
        *,
        status: int = 200,
        body: bytes | None = None,
        content_type: str | None = "text/html; charset=UTF-8",
        headers: Iterable[tuple[str, str]] = (),
        delay: float = 0.0,
        size: int | None = None,
        times: int | None = None,
    ) -> Fault:
        """Make `path` (or `path?query`) of site `code` answer this instead (see sampleportal/faults.py).
        Several injections on one path answer in the order made, each while it has `times` left."""
        self.site(code)  # an unknown code fails here, not silently later
        fault = Fault(status, body, content_type, tuple(headers), delay, size, times)
        return self.faults.add(str(code), path, fault)

    # -- request accounting -----------------------------------------------------------------

    def _record(self, code: str, method: str, path: str) -> None:
        with self._log_lock:
            self.request_log.append((code, method, path))
            self.request_times.append(time.monotonic())

    def timed_requests(self, code: str) -> list[tuple[float, str, str]]:
        """(time.monotonic(), method, path) of every request site `code` served."""
        with self._log_lock:
            return [
                (at, method, path)
                for at, (c, method, path) in zip(self.request_times, self.request_log, strict=True)
                if c == code
            ]

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request served, all sites, in arrival order."""
        with self._log_lock:
            return [(method, path) for _, method, path in self.request_log]

    def site_requests(self, code: str) -> list[tuple[str, str]]:
        with self._log_lock:
            return [(method, path) for c, method, path in self.request_log if c == code]

    def request_count(self, code: str | None = None) -> int:
        with self._log_lock:
            return sum(1 for c, _, _ in self.request_log if code is None or c == code)

    def clear_requests(self) -> None:
        with self._log_lock:
            self.request_log.clear()
            self.request_times.clear()
