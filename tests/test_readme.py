"""The README as a new user reads it: its Python snippets run as written, each on its own (a
snippet uses only names it defines or imports), and its shell commands name files and options
that exist (every hebbian-sweep command validates with --check, every hebbian-figures command
parses)."""

import builtins
import re
import shlex
import subprocess
import sys
import symtable
from pathlib import Path

import pytest
from sweep_helpers import env

from hebbian.cli import figures_main, sweep_main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
SHELL = [line for lang, code in BLOCKS if lang == "sh" for line in code.splitlines() if line.strip()]


def test_readme_is_a_guide_of_at_most_400_lines():
    assert len(README.splitlines()) <= 400
    for section in ("## Set-up", "## Monte Carlo", "## Replica theory", "## From a finite network to the theory",
                    "## Sweeps", "## Comparing Monte Carlo with theory", "## Figures", "## Clusters"):
        assert f"\n{section}\n" in README, section
    # exactly the two set-up commands: the main job, and the test extras with the tests
    setup = README.split("## Set-up")[1].split("\n## ")[0]
    commands = re.findall(r"```sh\n(.*?)```", setup, re.DOTALL)
    assert commands == ["pip install -e . && python scripts/sweep.py\n",
                        'pip install -e ".[test,mpi]" && python -m pytest\n']
    assert "effective_parameters" in README and "--no-binary mpi4py" in README and "NUMBA_CACHE_DIR" in README


def _free_names(code):
    """Names a snippet reads without defining or importing them (builtins excepted)."""
    top = symtable.symtable(code, "<readme>", "exec")
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    free = set()

    def walk(table):
        for sym in table.get_symbols():
            is_global = table is top or sym.is_global()
            if is_global and sym.is_referenced() and sym.get_name() not in defined:
                free.add(sym.get_name())
        for child in table.get_children():
            walk(child)

    walk(top)
    return {n for n in free if not hasattr(builtins, n)}


def test_free_names_finds_what_a_snippet_did_not_define():
    assert _free_names("import numpy as np\nx = np.ones(3)\nprint([v for v in x])\n") == set()
    assert _free_names("run = simulate(net, 1.0, 10)\n") == {"simulate", "net"}
    assert _free_names("y = [xi[k] for k in range(3)]\n") == {"xi"}


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_snippet_is_self_contained(index):
    assert not _free_names(PYTHON[index]), PYTHON[index]


# 40 s for the six snippets together on the loaded 2-core machine (load 7): in the default suite
@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_snippet_runs_as_written(index, tmp_path):
    proc = subprocess.run([sys.executable, "-c", PYTHON[index]], cwd=tmp_path, env=env(), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{PYTHON[index]}\n{proc.stdout}\n{proc.stderr}"


def test_every_cited_config_and_script_exists():
    cited = set(re.findall(r"(?:configs|scripts|benchmarks|docs)/[\w./-]+\.(?:toml|py|sbatch|c|md|png)", README))
    assert "configs/smoke.toml" in cited and "configs/gallery.toml" in cited
    missing = sorted(p for p in cited if not (ROOT / p).exists())
    assert not missing, missing


def _commands(program):
    for line in SHELL:
        words = shlex.split(line, comments=True)
        if "mpiexec" in words[:1]:
            words = words[3:]                               # mpiexec -n R ...
        if words[:1] == [program]:
            yield words[1:]


def test_sweep_commands_validate(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    args = list(_commands("hebbian-sweep"))
    assert len(args) >= 7
    for a in args:
        assert sweep_main(a + ["--check"]) == 0, (a, capsys.readouterr().err)


def test_figures_commands_parse(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    args = list(_commands("hebbian-figures"))
    assert len(args) >= 5
    for a in args:
        assert figures_main(a + ["--list"]) == 0, (a, capsys.readouterr().err)
    assert all((ROOT / w).exists() for line in SHELL for w in shlex.split(line, comments=True)
               if w.startswith("scripts/"))
