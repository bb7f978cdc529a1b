"""WAF challenge layers the sample portal can put in front of any site: 瑞数 (Ruishu) and 加速乐 (Jiasule).

A site whose SiteSpec names `challenge` answers every request (pages, listings' data, attachments,
robots.txt) through its gate first; the family handler only sees requests the gate lets through. A plain
HTTP client, which runs no JavaScript, never gets past either gate.

- 瑞数: the first answer is HTTP 412 with an inline `$_ts` script and a challenge script. The server sets one
  cookie of a pair (`…80S`); the script computes the other (`…80T`) from it and from `$_ts` and reloads the
  page. The pair only counts together with a browser's request headers (Sec-Fetch-*): 瑞数 ties its cookie
  to the browser environment that computed it, so cookies copied into a plain client are refused and such a
  site must be crawled — attachments included — inside the browser context.
- 加速乐: HTTP 521 over three round trips. Round 1 sets `__jsluid_h` (Set-Cookie, HttpOnly) and answers a
  script writing a first `__jsl_clearance_s`; round 2 answers a script that searches two characters making
  the clearance hash to the value the server expects; round 3 is the page. The cookies are not tied to the
  browser: a plain client that carries them is served.
- `ruishu_broken`: 瑞数 whose script computes the wrong cookie (and gives up after three reloads), as
  happens when a site updates its WAF: no client ever passes.

Tokens are signed with a per-site secret, so the gates keep no state but their request log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Final, Literal

from .chrome import PortalRequest, Response, SiteSpec

ClientKind = Literal["browser", "plain"]
Outcome = Literal["challenge", "pass"]

RUISHU_COOKIE_PREFIX: Final[str] = "FSSBBIl1UgzbN7N80"
RUISHU_SERVER_COOKIE: Final[str] = RUISHU_COOKIE_PREFIX + "S"  # set by the server
RUISHU_SCRIPT_COOKIE: Final[str] = RUISHU_COOKIE_PREFIX + "T"  # computed by the challenge script
JSLUID_COOKIE: Final[str] = "__jsluid_h"  # set by the server
CLEARANCE_COOKIE: Final[str] = "__jsl_clearance_s"  # written by the challenge scripts
RUISHU_MAX_RELOADS: Final[int] = 3  # the script gives up after this many reloads of one tab
_TOKEN_HEX = 16  # random part of a token; its signature is as long again
_JSL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class GateEntry:
    """One request as the gate saw it."""

    path: str  # path and query
    client: ClientKind  # "browser": the request carried a browser's Sec-Fetch-* headers
    outcome: Outcome


def client_kind(request: PortalRequest) -> ClientKind:
    return "browser" if "sec-fetch-mode" in request.headers else "plain"


def fnv1a(text: str) -> str:
    """32-bit FNV-1a of the text's UTF-16 code units (ASCII here), as 8 hex digits: the challenge scripts'
    hash (`Math.imul(h ^ c, 16777619) >>> 0`)."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


_FNV_JS = (
    "function h(s){var x=2166136261;for(var i=0;i<s.length;i++){x=Math.imul(x^s.charCodeAt(i),16777619)>>>0;}"
    "return ('0000000'+x.toString(16)).slice(-8);}"
)


class Gate(ABC):
    """The WAF in front of one site. `check` answers the challenge, or None to let the site answer."""

    kind: str

    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec
        self._secret = hashlib.sha256(f"sample-waf:{spec.code}:{self.kind}".encode()).digest()
        self._lock = threading.Lock()
        self._log: list[GateEntry] = []

    def check(self, request: PortalRequest) -> Response | None:
        answer = self.challenge(request)
        where = request.path + (f"?{request.query}" if request.query else "")
        with self._lock:
            outcome: Outcome = "pass" if answer is None else "challenge"
            self._log.append(GateEntry(where, client_kind(request), outcome))
        return answer

    @abstractmethod
    def challenge(self, request: PortalRequest) -> Response | None: ...

    # -- the request log ---------------------------------------------------------------------

    @property
    def log(self) -> list[GateEntry]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- signed tokens -----------------------------------------------------------------------

    def mac(self, *parts: str) -> str:
        return hmac.new(self._secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def new_token(self) -> str:
        nonce = secrets.token_hex(_TOKEN_HEX // 2)
        return nonce + self.mac("token", nonce)[:_TOKEN_HEX]

    def valid_token(self, token: str | None) -> bool:
        if not token or len(token) != 2 * _TOKEN_HEX:
            return False
        nonce, signature = token[:_TOKEN_HEX], token[_TOKEN_HEX:]
        return hmac.compare_digest(signature, self.mac("token", nonce)[:_TOKEN_HEX])


def _page(status: int, head: str, body: str = "", cookie: str | None = None) -> Response:
    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"{head}</head>\n<body>{body}</body>\n</html>\n"
    )
    headers = (("Set-Cookie", cookie),) if cookie else ()
    return Response(status, page.encode("utf-8"), _HTML, headers)


# ---------------------------------------------------------------------------------------------------------
# 瑞数
# ---------------------------------------------------------------------------------------------------------


class RuishuGate(Gate):
    kind = "ruishu"
    # What the script feeds its hash besides the server cookie; the broken variant leaves out `ts.nsd`.
    _SCRIPT_INPUT = "s+ts.cd+ts.nsd+r+t"

    def nsd(self, server_cookie: str) -> int:
        return int(self.mac("nsd", server_cookie)[:5], 16)

    def cd(self, server_cookie: str) -> str:
        return self.mac("cd", server_cookie)[:24]

    def expected_script_cookie(self, server_cookie: str) -> str:
        """The cookie the script computes: four chained hashes of the server cookie and `$_ts`."""
        nsd, cd, value = self.nsd(server_cookie), self.cd(server_cookie), ""
        for r in range(4):
            value += fnv1a(f"{server_cookie}{cd}{nsd}{r}{value}")
        return value

    def challenge(self, request: PortalRequest) -> Response | None:
        jar = request.cookies()
        server_cookie = jar.get(RUISHU_SERVER_COOKIE)
        if not self.valid_token(server_cookie):
            server_cookie = self.new_token()
            return self._answer(server_cookie, f"{RUISHU_SERVER_COOKIE}={server_cookie}; path=/")
        assert server_cookie is not None
        good = jar.get(RUISHU_SCRIPT_COOKIE) == self.expected_script_cookie(server_cookie)
        if good and client_kind(request) == "browser":
            return None
        return self._answer(server_cookie)

    def _answer(self, server_cookie: str, set_cookie: str | None = None) -> Response:
        nsd, cd = self.nsd(server_cookie), self.cd(server_cookie)
        head = (
            f'<meta id="{self.mac("meta", server_cookie)[:10]}" content="{cd}" r="m">\n'
            f"<script type=\"text/javascript\" r=\"m\">$_ts=window['$_ts'];if(!$_ts)$_ts={{}};"
            f'$_ts.nsd={nsd};$_ts.cd="{cd}";</script>\n'
            '<script type="text/javascript" charset="utf-8" r="m">\n'
            "(function(){var ts=window['$_ts'];" + _FNV_JS + "\n"
            f"var m=document.cookie.match(/(?:^|;\\s*){RUISHU_SERVER_COOKIE}=([^;]+)/);if(!m)return;\n"
            f"var s=m[1],t='';for(var r=0;r<4;r++){{t+=h({self._SCRIPT_INPUT});}}\n"
            "var n=+(sessionStorage.getItem('$_rs')||0);"
            f"if(n>={RUISHU_MAX_RELOADS})return;sessionStorage.setItem('$_rs',n+1);\n"
            f"document.cookie='{RUISHU_SCRIPT_COOKIE}='+t+'; path=/';location.reload();}})();\n"
            "</script>\n"
        )
        return _page(412, head, cookie=set_cookie)


class BrokenRuishuGate(RuishuGate):
    """瑞数 whose script no longer computes what the server checks: nobody passes."""

    kind = "ruishu"
    _SCRIPT_INPUT = "s+ts.cd+r+t"


# ---------------------------------------------------------------------------------------------------------
# 加速乐
# ---------------------------------------------------------------------------------------------------------

_ROUND_ONE = re.compile(r"^(\d{10})\|0\|([0-9a-f]{16})$")
_ROUND_TWO = re.compile(r"^(\d{10})\.([0-9a-f]{6})\|-1\|(.{2})([0-9a-f]{12})$")
_SELF_RELOAD = "location.href=location.pathname+location.search"


class JiasuleGate(Gate):
    kind = "jiasule"

    def first_clearance_key(self, jsluid: str) -> str:
        return self.mac("r1", jsluid)[:16]

    def second_round(self, jsluid: str, stamp: str) -> tuple[str, str, str]:
        """(prefix, two characters, suffix) of the final clearance: the script knows prefix and suffix and
        searches the characters by the hash the server sends."""
        prefix = f"{stamp}.{self.mac('p', jsluid, stamp)[:6]}|-1|"
        suffix = self.mac("s", jsluid, stamp)[:12]
        pick = int(self.mac("c", jsluid, stamp)[:8], 16)
        chars = _JSL_CHARS[pick % len(_JSL_CHARS)] + _JSL_CHARS[(pick // 97) % len(_JSL_CHARS)]
        return prefix, chars, suffix

    def challenge(self, request: PortalRequest) -> Response | None:
        jar = request.cookies()
        jsluid = jar.get(JSLUID_COOKIE)
        if not self.valid_token(jsluid):
            jsluid = self.new_token()
            cookie = f"{JSLUID_COOKIE}={jsluid}; max-age=31536000; path=/; HttpOnly"
            return self._round_one(jsluid, cookie)
        assert jsluid is not None
        clearance = jar.get(CLEARANCE_COOKIE, "")
        final = _ROUND_TWO.match(clearance)
        if final:
            prefix, chars, suffix = self.second_round(jsluid, final.group(1))
            if clearance == prefix + chars + suffix:
                return None
        first = _ROUND_ONE.match(clearance)
        if first and first.group(2) == self.first_clearance_key(jsluid):
            return self._round_two(jsluid, first.group(1))
        return self._round_one(jsluid)

    def _round_one(self, jsluid: str, set_cookie: str | None = None) -> Response:
        # The key travels as shifted character codes: only a client running the script reads it.
        codes = ",".join(str(ord(c) + 7) for c in self.first_clearance_key(jsluid))
        script = (
            f"<script>document.cookie=('{CLEARANCE_COOKIE}=')+(Math.floor(+new Date()/1000))+('|0|')+"
            f"([{codes}].map(function(c){{return String.fromCharCode(c-7)}}).join(''))+"
            f"(';max-age=3600;path=/');{_SELF_RELOAD}</script>"
        )
        return _page(521, "", script, set_cookie)

    def _round_two(self, jsluid: str, stamp: str) -> Response:
        prefix, chars, suffix = self.second_round(jsluid, stamp)
        target = fnv1a(prefix + chars + suffix)
        script = (
            "<script>" + _FNV_JS + "\n"
            "function go(o){var c=o.chars,n=c.length;\n"
            "for(var i=0;i<n;i++){for(var j=0;j<n;j++){var v=o.bts[0]+c[i]+c[j]+o.bts[1];\n"
            "if(h(v)==o.ct){document.cookie=o.tn+'='+v+';max-age='+o.vt+';path=/';"
            f"{_SELF_RELOAD};return;}}}}}}}}\n"
            f'go({{"bts":["{prefix}","{suffix}"],"chars":"{_JSL_CHARS}","ct":"{target}",'
            f'"ha":"fnv1a","tn":"{CLEARANCE_COOKIE}","vt":"3600","wt":"1500"}});</script>'
        )
        return _page(521, "", script)


# ---------------------------------------------------------------------------------------------------------

GATES: Final[dict[str, type[Gate]]] = {
    "ruishu": RuishuGate,
    "jiasule": JiasuleGate,
    "ruishu_broken": BrokenRuishuGate,
}


def gate_for(spec: SiteSpec) -> Gate | None:
    """The gate a site's `challenge` names, or None for an open site."""
    if spec.challenge is None:
        return None
    try:
        return GATES[spec.challenge](spec)
    except KeyError:
        raise ValueError(
            f"site {spec.code}: unknown challenge {spec.challenge!r} (known: {', '.join(GATES)})"
        ) from None
