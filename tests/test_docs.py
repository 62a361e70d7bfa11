"""Every file path cited by code, tests or docs exists, and the physics notes cite live code.

The path rule is the one of the project's before-stop hook: in every ``*.py``, ``*.md``,
``*.toml`` and ``*.cfg`` file of the repository, a path under ``notes/``, ``docs/``,
``configs/``, ``benchmarks/`` or ``scripts/`` ending in ``.md``, ``.toml``, ``.py``,
``.txt`` or ``.png`` (not preceded by a letter, digit, ``_``, ``/`` or ``.``) must exist
relative to the repository root. The physics notes (``docs/physics/*.md``) are checked
further: their relative links, the repository paths and ``tests/...::name`` test names they
cite, and every dotted code name in backticks (``replica.solver.search``) must resolve.
"""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PHYSICS = ROOT / "docs" / "physics"

_CITED = re.compile(r"(?:^|[^A-Za-z0-9_/.])((?:notes|docs|configs|benchmarks|scripts)/[A-Za-z0-9_./-]+"
                    r"\.(?:md|toml|py|txt|png))", re.MULTILINE)
_SUFFIXES = {".py", ".md", ".toml", ".cfg"}
# the hook's exclusions (.git, .venv*, venv*, build, dist, *.egg-info, results), and every
# hidden directory (tool caches)
_SKIP_DIRS = ("build", "dist", "results")

# Citations waiting for a file this branch may not edit: {citing file: {cited path}}. Each
# entry must still be needed (the test fails when it is not, so the list cannot go stale).
# (README.md no longer cites the learning-equations note: the rewritten README points to
# docs/physics/.)
_PENDING = {}


def _skipped(rel):
    for part in rel.parts[:-1]:
        if part.startswith(".") or part.startswith("venv") or part in _SKIP_DIRS or part.endswith(".egg-info"):
            return True
    return False


def _source_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and path.suffix in _SUFFIXES and not _skipped(rel):
            yield rel


def _citations():
    """{citing file (str): set of cited paths}."""
    out = {}
    for rel in _source_files():
        text = (ROOT / rel).read_text(encoding="utf-8", errors="replace")
        found = set(_CITED.findall(text))
        if found:
            out[str(rel)] = found
    return out


def test_the_citation_pattern_is_the_hooks():
    text = ("see docs/physics/hopfield.md, `configs/smoke.toml` and (scripts/sweep.py); "
            "not replica/docs/x.md nor a.docs/y.md nor https://docs.pytest.org/x.html")
    assert set(_CITED.findall(text)) == {"docs/physics/hopfield.md", "configs/smoke.toml", "scripts/sweep.py"}


def test_every_cited_repository_path_exists():
    missing = []
    for src, paths in _citations().items():
        for p in sorted(paths):
            if not (ROOT / p).exists() and p not in _PENDING.get(src, set()):
                missing.append(f"{src} cites {p}")
    assert not missing, "cited files that do not exist:\n" + "\n".join(missing)


def test_pending_citations_are_still_needed():
    cites = _citations()
    stale = [f"{src}: {p}" for src, paths in _PENDING.items() for p in paths
             if p not in cites.get(src, set()) or (ROOT / p).exists()]
    assert not stale, ("remove these entries from _PENDING in tests/test_docs.py (the citation was "
                       "updated or the file now exists):\n" + "\n".join(stale))


# ---------------------------------------------------------------------- the physics notes
def _notes():
    notes = sorted(PHYSICS.glob("*.md"))
    assert notes, f"no physics notes in {PHYSICS}"
    return notes


def test_the_physics_notes_exist():
    names = {p.name for p in _notes()}
    assert {"README.md", "conventions.md", "hopfield.md", "dense.md", "learning.md", "multitasking.md",
            "numerics.md"} <= names


def test_relative_links_of_the_notes_resolve():
    bad = []
    for note in _notes():
        for target in re.findall(r"\]\(([A-Za-z0-9_./-]+\.(?:md|py|png|toml))(?:#[^)]*)?\)", note.read_text(encoding="utf-8")):
            if not (note.parent / target).exists():
                bad.append(f"{note.name} -> {target}")
    assert not bad, bad


def test_repository_paths_and_test_names_in_the_notes_exist():
    bad = []
    pattern = re.compile(r"`((?:replica|hebbian|montecarlo|tests|scripts|configs|benchmarks|docs)/"
                         r"[A-Za-z0-9_./-]+?)(?:::([A-Za-z0-9_]+))?`")
    for note in _notes():
        for path, name in pattern.findall(note.read_text(encoding="utf-8")):
            f = ROOT / path
            if not f.exists():
                bad.append(f"{note.name}: {path}")
            elif name and not re.search(rf"^\s*def {re.escape(name)}\b", f.read_text(encoding="utf-8"), re.M):
                bad.append(f"{note.name}: {path}::{name}")
    assert not bad, bad


def _resolve(dotted):
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_code_names_cited_by_the_notes_resolve():
    names = set()
    for note in _notes():
        names |= set(re.findall(r"`((?:replica|hebbian|montecarlo)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`",
                                note.read_text(encoding="utf-8")))
    assert len(names) > 40           # the code maps of the notes
    bad = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError) as err:
            bad.append(f"{name}: {err!r}")
    assert not bad, "names cited by docs/physics that do not resolve:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", ["replica.solver.nonexistent_function", "replica.nonexistent_module.f"])
def test_a_wrong_name_does_not_resolve(name):
    with pytest.raises((ImportError, AttributeError)):
        _resolve(name)
