"""A mypyc-compiled build of the `parsers` package, kept out of the working tree.

    python bench/compile.py                     build (or reuse) and print the directory to put on sys.path
    python bench/compile.py --into DIR          … and copy that importable tree (parsers/ + runtime) into DIR
    python bench/compile.py --install SITE      overlay the compiled modules on SITE's installed `parsers`
    python bench/compile.py --egg EGG           … and on the `parsers` inside a scrapyd egg (a zip)

The build copies `parsers/` into a staging directory, compiles `COMPILED_MODULES` there with mypyc (one
C group: calls between compiled modules become direct C calls) and renames the result to
`var/mypyc/<key>/`, where the key hashes every file of the package, this recipe, mypy's and Python's
versions: a rebuild happens only when one of them changes, and concurrent builds never see a half-built
tree (each stages its own copy; the loser of the rename race drops its copy). `var/` is git-ignored.

Why never in place in a checkout: an extension module beside its `.py` wins the import (the loader tries
extensions first), so a `.so` left in `parsers/` would silently shadow every later edit of the source. The
editable install stays pure Python; the compiled tree is only used when put first on `sys.path`
(`bench/parse.py --compiled`, tests/test_compiled_parser.py) or overlaid on an installed copy that is never
edited (crawler/deploy/Dockerfile: site-packages and the baked egg).

Modules that fail to compile stay Python: when mypy or the C compiler reports errors in some of the listed
modules, the build drops them and retries once (`skipped.txt` in the build says which and why).

The same build cythonizes and compiles `CYTHON_MODULES` (parsers/_htmlwalk.pyx: the page walks over
libxml2's nodes, against lxml's public C API and headers, which the lxml wheel ships). They have no Python
twin to shadow: parsers/document.py uses the extension when it imports and its own Python walk otherwise.
Without Cython (a dev dependency) the build leaves them out and says so in `skipped.txt`, as for a module
that fails to compile.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Final

REPO_ROOT: Final[Path] = Path(__file__).resolve().parents[1]
PACKAGE: Final[str] = "parsers"
CACHE_ROOT: Final[Path] = REPO_ROOT / "var" / "mypyc"
# Older builds (other checkouts' sources) kept beside the newest before pruning.
KEEP_BUILDS: Final[int] = 3

# THE list of compiled modules (paths relative to the directory holding `parsers/`). The per-report
# pipeline: everything parse_report() runs on an HTML/text page. Left in Python on purpose: `__init__`s
# (package glue), evaluate/companions/__main__ (tools, not per page), readers/ and ocr/ (time is spent in
# pdfminer, python-docx and onnxruntime, not in our code). And model.py: mypyc makes its frozen dataclasses
# native classes without a __dict__, which pickle and copy can only restore through __setattr__ — which a
# frozen dataclass refuses (FrozenInstanceError) — and crawler/parsework.py returns each ParsedReport from
# a worker process, pickled. Compiled modules build Cells through the Python class; the cost is small
# (tests/test_compiled_parser.py round-trips every report through pickle to keep it so).
COMPILED_MODULES: Final[tuple[str, ...]] = (
    "parsers/blocks.py",
    "parsers/checks.py",
    "parsers/divisions.py",
    "parsers/document.py",
    "parsers/legacy.py",
    "parsers/legacy_tables.py",
    "parsers/metadata.py",
    "parsers/normalize.py",
    "parsers/report.py",
    "parsers/sections.py",
    "parsers/template.py",
    "parsers/tables/active.py",
    "parsers/tables/build.py",
    "parsers/tables/cells.py",
    "parsers/tables/fit.py",
    "parsers/tables/labels.py",
    "parsers/tables/read.py",
    "parsers/tables/requests.py",
    "parsers/tables/review.py",
    "parsers/tables/tokens.py",
    "parsers/tables/walk.py",
)
# Cython sources compiled into the same build (relative to the directory holding `parsers/`).
CYTHON_MODULES: Final[tuple[str, ...]] = ("parsers/_htmlwalk.pyx",)
# The shared library of the C group is the top-level module `<GROUP>__mypyc`; a fixed name (not mypyc's
# hash of the module list) so an installed copy has one predictable file to ship and to remove.
GROUP: Final[str] = "xxgk_parsers"
EXT_SUFFIX: Final[str] = str(sysconfig.get_config_var("EXT_SUFFIX"))
SKIPPED_FILE: Final[str] = "skipped.txt"
LOG_FILE: Final[str] = "build.log"

# lxml-stubs types every element's `.tag` as str, but a comment's or a processing instruction's tag is a
# function (lxml.etree.Comment, …), and lxml.html keeps comments. Python never checks the annotation; mypyc
# checks it on every read of `.tag` (TypeError on the first page with an HTML comment, which parse_report
# turns into a "parser error" warning: the output changes). So the build type-checks against a copy of the
# stubs where `.tag` is Any — what it really is at run time — and the compiled code compares it like Python
# does. (`mypy` itself, in CI, keeps the real stubs.)
STUB_FIXES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "etree.pyi": (("    tag = ...  # type: str\n", "    tag = ...  # type: Any\n"),),
}

# mypy's own configuration for the build, not the checkout's (mypy finds pyproject.toml in parent
# directories): strictness adds no types, only errors, and the fixed stubs are not ours to lint.
MYPY_CONFIG: Final[str] = "[mypy]\npython_version = 3.11\n\n[mypy-lxml.*]\nignore_errors = True\n"

# Run with the staging directory as the working directory (mypycify names modules by their path from it).
# argv[1]: JSON {"modules": [...], "cython": [...], "scratch": dir}. The C sources, objects and mypy's cache
# go to scratch. A Cython source is compiled against lxml's headers (lxml.get_include()); a .pyx Cython
# rejects is named in the log as `path:line:col:` (what the retry looks for), and the build goes on without.
_SETUP_SCRIPT: Final[str] = """
import json, os, sys
from setuptools import Extension, setup
from mypyc.build import mypycify
spec = json.loads(sys.argv[1])
scratch = spec["scratch"]
extensions = []
for source in spec["cython"]:
    import lxml
    from Cython.Build import cythonize
    name = source.removesuffix(".pyx").replace("/", ".")
    c_file = os.path.join(scratch, "cython", name + ".c")
    os.makedirs(os.path.dirname(c_file), exist_ok=True)
    try:
        extensions += cythonize(
            [Extension(name, [source], include_dirs=lxml.get_include())],
            compiler_directives={"language_level": 3},
            build_dir=os.path.join(scratch, "cython"),
            quiet=True,
        )
    except Exception as exc:
        print(f"{source}: cythonize failed: {exc}", flush=True)
setup(
    name="xxgk_parsers_compiled",
    ext_modules=mypycify(
        ["--config-file", spec["config"], "--cache-dir", scratch + "/mypy_cache", *spec["modules"]],
        target_dir=scratch + "/c",
        group_name=spec["group"],
        opt_level="3",
    ) + extensions,
    script_args=[
        "build_ext", "--inplace", "--build-temp", scratch + "/temp", "--build-lib", scratch + "/lib"
    ],
)
"""


class BuildError(RuntimeError):
    """mypyc is missing, or the build failed even without the modules that reported errors."""


def _package_files(package_dir: Path) -> Iterator[Path]:
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith((".so", ".pyc")):
            yield path


def source_key(repo_root: Path = REPO_ROOT) -> str:
    """Hash of what the build depends on: the package's files, the recipe, mypy and Python."""
    digest = hashlib.sha256()
    package_dir = repo_root / PACKAGE
    for path in _package_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    recipe = (COMPILED_MODULES, CYTHON_MODULES, GROUP, _SETUP_SCRIPT, STUB_FIXES, MYPY_CONFIG)
    digest.update(repr(recipe).encode())  # the recipe, not its prose
    versions = (_mypy_version(), _stubs_version(), _cython_version(), version("lxml"), sys.version)
    versions += (EXT_SUFFIX,)
    digest.update("|".join(map(str, versions)).encode())
    return digest.hexdigest()[:20]


def _mypy_version() -> str:
    try:
        return version("mypy")
    except Exception as exc:  # importlib.metadata.PackageNotFoundError
        raise BuildError(
            "mypyc is not installed: it comes with mypy, a dev dependency (pip install -e '.[dev]')"
        ) from exc


def _cython_version() -> str | None:
    """Cython's version; None when it is not installed (the build then leaves CYTHON_MODULES out)."""
    try:
        return version("cython")
    except Exception:  # importlib.metadata.PackageNotFoundError
        return None


def _stubs_version() -> str:
    try:
        return version("lxml-stubs")
    except Exception as exc:  # importlib.metadata.PackageNotFoundError
        raise BuildError("lxml-stubs is not installed: a dev dependency (pip install -e '.[dev]')") from exc


def _fixed_stubs(into: Path) -> Path:
    """A copy of lxml-stubs under `into` as the package `lxml` (mypy_path wins over installed stubs), with
    STUB_FIXES applied; raises BuildError if a fix no longer applies (the stubs changed: look again)."""
    installed = Path(_stub_dir())
    target = into / "lxml"
    shutil.copytree(installed, target)
    for name, fixes in STUB_FIXES.items():
        path = target / name
        text = path.read_text(encoding="utf-8")
        for old, new in fixes:
            if text.count(old) != 1:
                raise BuildError(f"lxml-stubs {_stubs_version()}: {old.strip()!r} not found once in {name}")
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return into


def _stub_dir() -> str:
    # "lxml-stubs" is no importable name: look for the directory where mypy looks, beside the packages.
    for entry in sys.path:
        candidate = Path(entry or ".") / "lxml-stubs"
        if (candidate / "etree.pyi").is_file():
            return str(candidate)
    raise BuildError("lxml-stubs is not installed: a dev dependency (pip install -e '.[dev]')")


def build(repo_root: Path = REPO_ROOT, cache_root: Path = CACHE_ROOT, *, force: bool = False) -> Path:
    """The directory holding the compiled `parsers/` (put it first on sys.path), built if not cached."""
    key = source_key(repo_root)
    target = cache_root / key
    if target.is_dir() and not force:
        os.utime(target)  # most recently used: the pruning below keeps it
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_root))
    stage.chmod(0o755)  # mkdtemp makes it private; the build is for anyone who can read the checkout
    try:
        ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyc")
        shutil.copytree(repo_root / PACKAGE, stage / PACKAGE, ignore=ignore)
        compile_tree(stage)
        if force and target.is_dir():
            shutil.rmtree(target)
        try:
            stage.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            # Another build of the same sources won the race; theirs is as good as ours.
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _prune(cache_root, keep=target)
    return target


def compile_tree(
    root: Path, modules: Iterable[str] = COMPILED_MODULES, cython_modules: Iterable[str] = CYTHON_MODULES
) -> list[str]:
    """Compile `modules` (paths under `root`) with mypyc and `cython_modules` with Cython, in place in
    `root`; returns those compiled.

    A module named in the errors of a failed build is dropped (it stays Python) and the build is retried
    once; a second failure raises BuildError with the log's tail.
    """
    _mypy_version()
    modules, cython_modules = list(modules), list(cython_modules)
    listed = [*modules, *cython_modules]
    wanted = [m for m in listed if (root / m).is_file()]
    skipped: dict[str, str] = {m: "not in the package" for m in listed if m not in wanted}
    if _cython_version() is None:
        skipped.update((m, "Cython is not installed") for m in cython_modules if m in wanted)
        wanted = [m for m in wanted if m not in cython_modules]
    log = root / LOG_FILE
    for attempt in range(2):
        with tempfile.TemporaryDirectory(prefix="mypyc-") as scratch:
            config = Path(scratch) / "mypy.ini"
            config.write_text(MYPY_CONFIG, encoding="utf-8")
            spec = json.dumps({
                "modules": [m for m in wanted if m not in cython_modules],
                "cython": [m for m in wanted if m in cython_modules],
                "scratch": scratch,
                "group": GROUP,
                "config": str(config),
            })
            env = {**os.environ, "MYPYPATH": str(_fixed_stubs(Path(scratch) / "stubs"))}
            with log.open("a", encoding="utf-8") as out:
                out.write(f"== attempt {attempt + 1}: {len(wanted)} modules\n")
                out.flush()
                done = subprocess.run(
                    [sys.executable, "-c", _SETUP_SCRIPT, spec],
                    cwd=root,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
        text = log.read_text(encoding="utf-8", errors="replace")
        last = text.rsplit("== attempt", 1)[-1]
        failed_cython = [m for m in wanted if m in cython_modules and f"{m}: cythonize failed" in last]
        for module in failed_cython:  # Cython rejected it: the build went on without
            skipped[module] = "Cython reported errors (see build.log)"
        wanted = [m for m in wanted if m not in failed_cython]
        if done.returncode == 0:
            break
        # mypy and Cython name a module's source; the C compiler names the C file Cython made of a .pyx.
        failing = sorted({m for m in wanted if f"{m}:" in last or f"{m.removesuffix('.pyx')}.c:" in last})
        if attempt == 1 or not failing:
            tail = "\n".join(text.splitlines()[-40:])
            raise BuildError(f"mypyc build failed in {root} (log {log}):\n{tail}")
        for module in failing:
            skipped[module] = "reported errors (see build.log)"
        wanted = [m for m in wanted if m not in failing]
    (root / SKIPPED_FILE).write_text("".join(f"{m}\t{why}\n" for m, why in skipped.items()), encoding="utf-8")
    return [m for m in wanted if _extension(root, m).is_file()]


def _extension(root: Path, module: str) -> Path:
    return root / (module.removesuffix(".py").removesuffix(".pyx") + EXT_SUFFIX)


def artifacts(build_dir: Path) -> list[Path]:
    """The compiled files of a build, relative to it: the group's shared library and each module's stub."""
    found = [p.relative_to(build_dir) for p in sorted((build_dir / PACKAGE).rglob(f"*{EXT_SUFFIX}"))]
    found += [p.relative_to(build_dir) for p in sorted(build_dir.glob(f"{GROUP}__mypyc*{EXT_SUFFIX}"))]
    return found


def compiled_modules(build_dir: Path) -> list[str]:
    """Dotted names of the modules compiled in a build."""
    names = []
    for path in artifacts(build_dir):
        if path.parts[0] == PACKAGE:
            names.append(".".join(path.with_name(path.name.removesuffix(EXT_SUFFIX)).parts))
    return names


def loaded_compiled() -> list[str]:
    """Dotted names of the imported `parsers` modules that are extension modules (compiled, not .py)."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (name == PACKAGE or name.startswith(f"{PACKAGE}."))
        and str(getattr(module, "__file__", "") or "").endswith(EXT_SUFFIX)
    )


def _check_same_sources(build_dir: Path, read_target: dict[str, bytes]) -> None:
    # A compiled module must only ever replace the exact source it was compiled from. A Cython module
    # replaces no Python source: its .pyx is checked where the target has it (an installed package and an
    # egg have only the .py files, whose compiled twins are checked; document.py is the one that imports it).
    for relative in artifacts(build_dir):
        if relative.parts[0] != PACKAGE:
            continue
        stem = relative.name.removesuffix(EXT_SUFFIX)
        source = relative.with_name(stem + ".py").as_posix()
        if not (build_dir / source).is_file():
            source = relative.with_name(stem + ".pyx").as_posix()
            if source not in read_target:
                continue
        if read_target.get(source) != (build_dir / source).read_bytes():
            raise BuildError(f"{source} differs from the compiled build's copy: rebuild from the same tree")


def install(build_dir: Path, site: Path) -> list[Path]:
    """Overlay a build's compiled files on the `parsers` package installed in `site`."""
    sources = {
        p.relative_to(site).as_posix(): p.read_bytes() for p in (site / PACKAGE).rglob("*.py") if p.is_file()
    }
    _check_same_sources(build_dir, sources)
    copied = []
    for relative in artifacts(build_dir):
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_dir / relative, site / relative)
        copied.append(site / relative)
    return copied


def add_to_egg(build_dir: Path, egg: Path) -> list[str]:
    """Add a build's compiled files to a scrapyd egg, whose `parsers` is what scrapyd's jobs import."""
    with zipfile.ZipFile(egg) as archive:
        sources = {n: archive.read(n) for n in archive.namelist() if n.startswith(f"{PACKAGE}/")}
    _check_same_sources(build_dir, sources)
    names = []
    with zipfile.ZipFile(egg, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in artifacts(build_dir):
            archive.write(build_dir / relative, relative.as_posix())
            names.append(relative.as_posix())
    return names


def _prune(cache_root: Path, keep: Path) -> None:
    builds = sorted(
        (p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the mypyc-compiled parser (cached under var/mypyc).")
    parser.add_argument("--into", type=Path, help="copy the importable compiled tree into DIR")
    parser.add_argument("--install", type=Path, metavar="SITE", help="overlay on SITE/parsers (same sources)")
    parser.add_argument("--egg", type=Path, help="add the compiled files to this scrapyd egg (same sources)")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    try:
        build_dir = build(force=args.force)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    modules = compiled_modules(build_dir)
    skipped = (build_dir / SKIPPED_FILE).read_text(encoding="utf-8").strip()
    print(f"compiled {len(modules)} modules in {build_dir}: {', '.join(modules)}")
    if skipped:
        print(f"left in Python:\n{skipped}")
    if args.into is not None:
        args.into.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(args.into / PACKAGE, ignore_errors=True)
        shutil.copytree(build_dir / PACKAGE, args.into / PACKAGE)
        for relative in artifacts(build_dir):
            if relative.parts[0] != PACKAGE:
                shutil.copy2(build_dir / relative, args.into / relative)
        print(f"copied into {args.into}")
    if args.install is not None:
        print(f"installed {len(install(build_dir, args.install))} files into {args.install}")
    if args.egg is not None:
        print(f"added {len(add_to_egg(build_dir, args.egg))} files to {args.egg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
