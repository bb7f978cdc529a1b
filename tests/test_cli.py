"""`python -m parsers PATH` prints the contract JSON (run as a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT

PAGE = (
    "<html><head><meta charset='gbk'><title>样本县2023年政府信息公开工作年度报告</title>"
    '<meta name="SiteIDCode" content="9901020001"></head><body><div id="zoom">'
    "<p>样本县2023年政府信息公开工作年度报告</p>"
    "<p>一、总体情况</p><p>全年主动公开政府信息一千条。</p>"
    "<p>五、存在的主要问题及改进情况</p><p>公开深度不够。</p>"
    "<p>六、其他需要报告的事项</p><p>无。</p>"
    "<p>样本县人民政府</p><p>二〇二四年一月十五日</p>"
    "</div></body></html>"
)


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "parsers", *args], cwd=REPO_ROOT, capture_output=True, timeout=120, check=False
    )


def test_cli_prints_the_contract_json(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(PAGE.encode("gbk"))
    done = _run(str(path), "--url", "http://127.0.0.12/art/1.html", "--published", "2024-01-20")
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode("utf-8")
    assert "样本县" in out  # not ASCII-escaped
    data: dict[str, Any] = json.loads(out)
    assert list(data)[:12] == [
        "title", "organ", "region", "year", "publish_date", "sign_date", "format", "script", "sections",
        "tables", "checks", "warnings",
    ]
    assert data["title"] == "样本县2023年政府信息公开工作年度报告"
    assert data["organ"] == "样本县人民政府"  # the title says 样本县, the signature the full name
    assert data["region"] == {"name": "样本县", "code": "990102"}
    assert data["year"] == 2023
    assert data["publish_date"] == "2024-01-20"
    assert data["sign_date"] == "2024-01-15"
    assert data["format"] == "2021"
    assert data["script"] == "simplified"
    assert data["sections"] == {
        "overview": "全年主动公开政府信息一千条。",
        "active_disclosure": None,
        "requests": None,
        "review_litigation": None,
        "problems": "公开深度不够。",
        "other": "无。",
    }
    assert data["tables"] == {"active_disclosure": None, "requests": None, "review_litigation": None}


def test_cli_on_a_broken_pdf_reports_why(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")  # a header and nothing else
    done = _run(str(path))
    assert done.returncode == 0
    data = json.loads(done.stdout)
    reason = "corrupt PDF (truncated or damaged): No /Root object! - Is this really a PDF?"
    assert data["warnings"] == [reason]
    assert data["title"] is None and data["format"] == "unknown"


def test_cli_reads_stdin() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "parsers", "-", "--content-type", "text/html; charset=gbk"],
        cwd=REPO_ROOT,
        input=PAGE.encode("gbk"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert (data["title"], data["publish_date"]) == ("样本县2023年政府信息公开工作年度报告", None)


def test_cli_errors(tmp_path: Path) -> None:
    missing = _run(str(tmp_path / "nope.html"))
    assert missing.returncode == 2
    assert b"cannot read" in missing.stderr
    bad_date = _run(str(tmp_path / "nope.html"), "--published", "20-01-2024")
    assert bad_date.returncode == 2
    assert b"not a YYYY-MM-DD date" in bad_date.stderr
