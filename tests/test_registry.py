"""The region registry: resolution by code and name, clear errors, ${SAMPLE_PORTAL_PORT}, row invariants."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from crawler.families import FAMILY_NAMES
from crawler.registry import (
    DEFAULT_PATH,
    AmbiguousRegionError,
    RegistryError,
    UnknownRegionError,
    load_registry,
)

SAMPLE_CODES = ["990101", "990102", "990103", "990104"]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SAMPLE_PORTAL_PORT", raising=False)
    return load_registry()


def test_resolves_a_code(registry) -> None:
    region = registry.resolve("532502")
    assert (region.code, region.name, region.parent, region.parent_name, region.level, region.family) == (
        "532502",
        "开远市",
        "532500",
        "红河哈尼族彝族自治州",
        "county",
        "boda_vsb",
    )
    assert region.listings == ()


@pytest.mark.parametrize(
    "query",
    [
        "开远市",
        " 开远市 ",
        "红河哈尼族彝族自治州开远市",
        "红河哈尼族彝族自治州 开远市",
        "云南省红河哈尼族彝族自治州开远市",
    ],
)
def test_resolves_a_name_and_parent_forms(registry, query: str) -> None:
    assert registry.resolve(query).code == "532502"


def test_resolves_several_comma_separated(registry) -> None:
    assert [r.code for r in registry.resolve_many("990101,990102，样本区, 990101")] == [
        "990101",
        "990102",
        "990103",
    ]


def test_a_real_place_without_a_portal_is_a_registry_region(registry) -> None:
    # 开原市 (辽宁) has no row in crawler/regions/: the national code table makes it a region all the same.
    region = registry.resolve("开原市")
    assert (region.code, region.parent, region.parent_name, region.level) == (
        "211282",
        "211200",
        "铁岭市",
        "county",
    )
    assert (region.portal, region.listings, region.family) == (None, (), None)


def test_unknown_name_names_close_candidates(registry) -> None:
    with pytest.raises(UnknownRegionError) as caught:
        registry.resolve("开远县")  # no such place: 开远 is a 市
    message = str(caught.value)
    assert message.startswith("unknown region '开远县': no registry row has this name.")
    # Every real place is a row now: nothing to add …
    assert "add a row" not in message
    # … and the place the stem names comes first, then rows sharing characters with it.
    assert "Close candidates: 开远市 (532502, 红河哈尼族彝族自治州); 开鲁县 (150523, 通辽市);" in message
    assert [r.code for r in caught.value.candidates][:2] == ["532502", "150523"]
    assert len(caught.value.candidates) == 8


def test_files_only_registry_says_how_to_add_a_real_place() -> None:
    registry = load_registry(national=False)
    with pytest.raises(UnknownRegionError) as caught:
        registry.resolve("开原市")
    message = str(caught.value)
    # 开原市 (辽宁) is a real place: the message says it is not in the registry and how to add it …
    knows = "The national code table knows 开原市 (211282): add a row for it to a file in crawler/regions/"
    assert knows in message
    # … and names the registry row that shares characters with it.
    assert "Close candidates: 开远市 (532502, 红河哈尼族彝族自治州)." in message
    assert [r.code for r in caught.value.candidates] == ["532502"]


def test_short_name_points_at_the_registry_row(registry) -> None:
    with pytest.raises(UnknownRegionError) as caught:
        registry.resolve("开远")
    assert "add a row" not in str(caught.value)
    assert [r.code for r in caught.value.candidates] == ["532502"]


def test_unknown_code_names_rows_with_nearby_codes(registry) -> None:
    with pytest.raises(UnknownRegionError) as caught:
        registry.resolve("532599")
    message = str(caught.value)
    assert "unknown region '532599': no registry row has this code." in message
    assert "national code table" not in message
    nearby = "Registry rows with nearby codes: 红河哈尼族彝族自治州 (532500, 云南省); 个旧市 (532501, "
    assert nearby in message
    assert [r.code for r in caught.value.candidates] == [
        "532500", "532501", "532502", "532503", "532504", "532523", "532524", "532525",
    ]  # fmt: skip


def test_files_only_registry_names_the_code_from_the_national_table() -> None:
    with pytest.raises(UnknownRegionError) as caught:
        load_registry(national=False).resolve("532501")
    assert "It is 个旧市 in the national code table" in str(caught.value)
    assert [r.code for r in caught.value.candidates] == ["532500", "532502"]


def test_unknown_sample_code_lists_the_sample_rows(registry) -> None:
    with pytest.raises(UnknownRegionError) as caught:
        registry.resolve("990199")
    candidates = [r.code for r in caught.value.candidates]
    # Other sample families add rows 9901xx: the first eight in code order are named.
    assert candidates[:5] == ["990100", *SAMPLE_CODES]
    assert candidates == sorted(code for code in _registry_rows() if code.startswith("9901"))[:8]
    assert "national code table" not in str(caught.value)


def _registry_with_second_kaiyuan(tmp_path: Path) -> Path:
    """The project's registry directory plus one file holding a second 开远市."""
    for file in DEFAULT_PATH.glob("*.toml"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zz_test.toml").write_text(
        '[regions."999902"]\nname = "开远市"\nparent = "999900"\nparent_name = "测试州"\nlevel = "county"\n',
        encoding="utf-8",
    )
    return tmp_path


def _registry_rows() -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    for file in sorted(DEFAULT_PATH.glob("*.toml")):
        rows.update(tomllib.loads(file.read_text(encoding="utf-8"))["regions"])
    return rows


def test_ambiguous_name_lists_every_candidate_with_parent_and_code(tmp_path: Path) -> None:
    registry = load_registry(_registry_with_second_kaiyuan(tmp_path))
    with pytest.raises(AmbiguousRegionError) as caught:
        registry.resolve("开远市")
    message = str(caught.value)
    assert "region '开远市' is ambiguous: 2 registry rows are named so:" in message
    assert "开远市 (code 532502, parent 红河哈尼族彝族自治州 532500)" in message
    assert "开远市 (code 999902, parent 测试州 999900)" in message
    assert [r.code for r in caught.value.candidates] == ["532502", "999902"]
    # The parent's name settles it.
    assert registry.resolve("测试州开远市").code == "999902"
    assert registry.resolve("红河哈尼族彝族自治州开远市").code == "532502"


def test_sample_port_defaults_to_8800(registry) -> None:
    assert registry.get("990101").listings == ("http://127.0.0.11:8800/zfxxgk/ndbg/index.htm",)


def test_sample_port_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPLE_PORTAL_PORT", "18123")
    registry = load_registry()
    assert registry.get("990102").listings == ("http://127.0.0.12:18123/col/col1229000001/index.html",)
    assert registry.get("990102").portal == "http://127.0.0.12:18123/"


def test_sample_port_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMPLE_PORTAL_PORT", "18123")
    registry = load_registry(sample_port="19001")  # Scrapy settings hand strings or ints
    assert registry.get("990103").listings == ("http://127.0.0.13:19001/zfxxgk/ndbg/index.htm",)


def test_sample_regions_start_with_the_four_sample_sites(registry) -> None:
    # Each sample family adds its own regions (crawler/regions/sample_*.toml) after these four.
    assert [r.code for r in registry.sample_regions()][:4] == SAMPLE_CODES
    assert [registry.get(code).family for code in SAMPLE_CODES] == [
        "trs_classic",
        "hanweb_jpage",
        "trs_classic",
        "trs_classic",
    ]
    sampled = [code for code, row in _registry_rows().items() if row.get("sample") and row.get("listings")]
    assert [r.code for r in registry.sample_regions()] == sorted(sampled)
    assert all(r.parent == "990100" and r.parent_name == "样本省" for r in registry.sample_regions())


def test_every_row_has_a_code_and_a_known_family(registry) -> None:
    rows = _registry_rows()
    names_only = []
    for code, row in rows.items():
        assert re.fullmatch(r"\d{6}", code), code
        if "family" in row:
            assert row["family"] in FAMILY_NAMES, code
        else:
            # A row without a family only names a parent: nothing to crawl on it.
            assert not row.get("portal") and not row.get("listings"), code
            names_only.append(code)
        if row.get("parent"):
            assert registry.get(row["parent"]).name == row["parent_name"], code
    # The national code table names every real parent: only the sample portal's province needs a row.
    assert names_only == ["990100"]
    assert {code: registry.get(code).name for code in ["530000", "330300", "211100", "620300", "440000"]} == {
        "530000": "云南省",
        "330300": "温州市",
        "211100": "盘锦市",
        "620300": "金昌市",
        "440000": "广东省",
    }


def test_seed_regions_are_registered() -> None:
    registry = load_registry()
    assert {
        code: registry.get(code).family for code in ["532502", "330329", "211122", "620302", "440300"]
    } == {
        "532502": "boda_vsb",
        "330329": "hanweb_jpage",
        "211122": "liaoning_datepath",
        "620302": "trs_classic",
        "440300": "gkmlpt",
    }
    assert registry.get("620302").listings == ("http://www.jinchuan.gov.cn/zfxxgk/zfxxgknb/qzfgknb/",)
    assert registry.get("440300").listings == ("http://www.sz.gov.cn/cn/xxgk/ndxxgkbg/",)


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ('[regions."12345"]\nname = "x"\n', "region '12345': a code is 6 digits"),
        ('[regions."123456"]\nname = "x"\nfamily = "nosuch"\n', "unknown family 'nosuch'"),
        (
            '[regions."123456"]\nname = "x"\nfamily = "trs_classic"\nlistings = ["http://h:${NOPE}/"]\n',
            "unknown variable ${NOPE}",
        ),
        ('[regions."123456"]\nname = "x"\nlistings = ["http://h/"]\n', "has listings but no family"),
        ('[regions."123456"]\nname = "x"\nlisting = ["http://h/"]\n', "unknown field(s) listing"),
    ],
)
def test_malformed_rows_are_refused_with_the_row_named(tmp_path: Path, row: str, error: str) -> None:
    path = tmp_path / "regions.toml"
    path.write_text(row, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert error in str(caught.value)
    assert str(path) in str(caught.value)


def test_regions_command_lists_and_resolves(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.__main__ import main

    monkeypatch.delenv("SAMPLE_PORTAL_PORT", raising=False)
    assert main(["regions", "开远"]) == 0
    assert capsys.readouterr().out == "532502  开远市  红河哈尼族彝族自治州  boda_vsb (no listing URL)\n"
    assert main(["regions", "990102"]) == 0
    assert capsys.readouterr().out == (
        "990102  样本县  样本省  hanweb_jpage [sample]\n        http://127.0.0.12:8800/col/col1229000001/index.html\n"
    )
    assert main(["regions", "开原市"]) == 0
    assert capsys.readouterr().out == "211282  开原市  铁岭市  no portal known\n"
    assert main(["regions", "开远县"]) == 1
    assert "Close candidates: 开远市 (532502, 红河哈尼族彝族自治州);" in capsys.readouterr().err
    rows = _registry_rows()
    with_portal = sorted(code for code, row in rows.items() if row.get("portal"))
    assert main(["regions"]) == 0
    *lines, summary = capsys.readouterr().out.splitlines()
    # Only the rows with a portal are listed (all from the registry files), then the counts.
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == with_portal
    assert summary == (
        f"Registry: {3339 + sum(1 for c in rows if c.startswith('99'))} regions (3339 from the national code "
        f"table, {sum(1 for row in rows.values() if row.get('sample'))} of the sample portal); "
        f"{len(with_portal)} with a portal, {sum(1 for row in rows.values() if row.get('listings'))} with a "
        "listing URL. Listed: the regions with a portal (--all: every region)."
    )
    assert main(["regions", "--all"]) == 0
    *lines, summary = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert len(listed) == len(set(listed)) == 3339 + sum(1 for c in rows if c.startswith("99"))
    assert listed == sorted(listed)
    assert summary.endswith("Listed: every region.")


def test_a_code_defined_in_two_registry_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[regions."123456"]\nname = "甲"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[regions."123456"]\nname = "乙"\n', encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(tmp_path)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert str(caught.value) == f"{b}: region 123456 is already defined in {a}"
