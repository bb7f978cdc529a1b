"""A small client of scrapyd's JSON API: the three calls the scheduler makes.

Errors come in two kinds, both retried with back-off by the scheduler: ScrapydUnavailable (no answer, a
5xx, an answer that is not scrapyd's JSON) and ScrapydRejected (scrapyd answered `"status": "error"`, e.g.
the project is not deployed). HTTP basic auth comes from SCRAPYD_USERNAME / SCRAPYD_PASSWORD when scrapyd.conf
sets a username.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

USERNAME_ENV = "SCRAPYD_USERNAME"
PASSWORD_ENV = "SCRAPYD_PASSWORD"


class ScrapydError(RuntimeError):
    pass


class ScrapydUnavailable(ScrapydError):
    """scrapyd did not answer, or not as scrapyd."""


class ScrapydRejected(ScrapydError):
    """scrapyd answered with an error status."""


@dataclass(frozen=True)
class Job:
    id: str
    spider: str
    args: dict[str, str] = field(default_factory=dict)  # known for pending jobs only (scrapyd >= 1.5)
    log_url: str | None = None


@dataclass(frozen=True)
class JobList:
    pending: list[Job]
    running: list[Job]
    finished: list[Job]

    def state_of(self, job_id: str) -> str | None:
        """ "pending", "running", "finished", or None when scrapyd does not know the job."""
        for state, jobs in (
            ("finished", self.finished),
            ("running", self.running),
            ("pending", self.pending),
        ):
            if any(job.id == job_id for job in jobs):
                return state
        return None

    def find(self, job_id: str) -> Job | None:
        for job in (*self.finished, *self.running, *self.pending):
            if job.id == job_id:
                return job
        return None


class ScrapydClient:
    def __init__(self, url: str, timeout: float = 30.0, auth: tuple[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        if auth is None and os.environ.get(USERNAME_ENV):
            auth = (os.environ[USERNAME_ENV], os.environ.get(PASSWORD_ENV, ""))
        self._auth_header = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        )

    def daemon_status(self) -> dict[str, Any]:
        return self._call("daemonstatus.json")

    def list_jobs(self, project: str) -> JobList:
        answer = self._call("listjobs.json", query={"project": project})

        def jobs(key: str) -> list[Job]:
            return [
                Job(
                    id=str(j["id"]),
                    spider=str(j.get("spider", "")),
                    args={str(k): str(v) for k, v in (j.get("args") or {}).items()},
                    log_url=j.get("log_url"),
                )
                for j in answer.get(key, [])
            ]

        return JobList(jobs("pending"), jobs("running"), jobs("finished"))

    def schedule(
        self, project: str, spider: str, job_id: str, args: Mapping[str, str], settings: Mapping[str, str]
    ) -> str:
        form: list[tuple[str, str]] = [("project", project), ("spider", spider), ("jobid", job_id)]
        form += [("setting", f"{name}={value}") for name, value in settings.items()]
        form += list(args.items())
        answer = self._call("schedule.json", form=form)
        accepted = str(answer.get("jobid", ""))
        if accepted != job_id:
            raise ScrapydRejected(f"scrapyd scheduled job {accepted!r}, not the {job_id!r} asked for")
        return accepted

    def _call(
        self, endpoint: str, query: Mapping[str, str] | None = None, form: list[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        url = f"{self.url}/{endpoint}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
        if self._auth_header:
            request.add_header("Authorization", self._auth_header)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            # scrapyd answers errors of the request itself with 200 and "status": "error"; anything else
            # (401 without credentials, 5xx from a proxy) is the service not being usable.
            raise ScrapydUnavailable(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydUnavailable(f"{url}: {reason}") from exc
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise ScrapydUnavailable(f"{url}: not a JSON answer: {body[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise ScrapydUnavailable(f"{url}: unexpected answer {answer!r:.200}")
        if answer.get("status") != "ok":
            raise ScrapydRejected(f"{url}: {answer.get('message') or answer}")
        return answer
