"""Gallery: the manifest and its configs, figures.py end to end, --from-results, plot.py.

The default suite runs a reduced copy of figure 2 through ``scripts/figures.py`` (tiny sizes,
~30 s) and checks agreement.json; every figure of the real ``--quick`` gallery runs in the
slow tests (``pytest -m slow tests/test_fig_gallery.py``).
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hebbian.gallery import load_gallery, sweep_commands
from hebbian.gallery._gallery import FIGURE_MODULES, default_configs_dir, resolve_names
from hebbian.sweep import load_config

ROOT = Path(__file__).resolve().parents[1]
RECORD_FIELDS = {"figure", "panel", "observable", "params", "N", "mc", "mc_err", "n_samples", "theory", "z",
                 "theory_level", "theory_branch", "mapping", "explanation", "figure_files"}

SMOKE_QUICK = {
    "fig2_hopfield_mc_T": ["samples = 2", "grid.N = [100, 200]", "grid.T = [0.2, 0.4, 0.7]",
                           "montecarlo.sweeps = 200", "montecarlo.burn_in = 50"],
    "fig2_hopfield_mc_alpha": ["samples = 4", "grid.N = [100, 200]", "grid.alpha = [0.1, 0.14, 0.18]",
                               "montecarlo.sweeps = 30", "montecarlo.burn_in = 20"],
    "fig2_hopfield_theory_T": ["grid.T = {start = 0.0, stop = 0.8, num = 9}"],
    "fig2_hopfield_theory_alpha": ["grid.alpha = {start = 0.02, stop = 0.2, num = 10}"],
    "fig2_hopfield_theory_alpha_1rsb": ["grid.alpha = [0.09, 0.12]"],
}


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _script(name, *args, cwd=None, timeout=900):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / name), *map(str, args)], capture_output=True,
                          text=True, env=_env(), cwd=cwd or ROOT, timeout=timeout)


def _check_agreement(out):
    data = json.loads((out / "agreement.json").read_text())
    assert set(data) == {"meta", "report", "records"}
    for r in data["records"]:
        assert RECORD_FIELDS <= set(r), RECORD_FIELDS - set(r)
        for f in r["figure_files"]:
            assert (out / f).exists(), f
        if r["z"] is not None:
            assert r["z"] == pytest.approx((r["mc"] - r["theory"]) / r["mc_err"], rel=1e-9)
            assert r["mc_err"] > 0
        assert isinstance(r["N"], int) and r["n_samples"] >= 1
        for e in r["explanation"]:
            assert set(e) == {"tag", "detail"} and e["detail"]
    rep = data["report"]
    assert rep["n_points"] == len(data["records"])
    assert rep["n_unexplained"] == sum(o["tags"] == ["unexplained"] for o in rep["outliers"])
    assert all(abs(o["z"]) > 3 for o in rep["outliers"])
    for name, files in data["meta"]["figures"].items():
        assert {Path(f).suffix for f in files} == {".pdf", ".png"}
        assert all((out / f).stat().st_size > 1000 for f in files)
    return data


def test_manifest_lists_every_figure_and_its_configs_validate_full_and_quick():
    gallery = load_gallery()
    assert list(gallery) == list(FIGURE_MODULES)
    assert [s.number for s in gallery.values()] == [1, 2, 3, 4, 5, 6]
    for spec in gallery.values():
        for key in spec.configs:
            path = default_configs_dir() / f"{key}.toml"
            full = load_config(path)
            assert full.output == f"results/gallery/{key}.h5"
            quick = load_config(path, spec.quick.get(key, []))
            assert quick.n_tasks <= full.n_tasks
    assert resolve_names(["2", "fig3", "digits"], gallery) == ["hopfield_retrieval", "dense", "digits"]
    with pytest.raises(ValueError, match="unknown figure"):
        resolve_names(["7"], gallery)
    cmds = sweep_commands(["1"], quick=True)
    assert cmds[0].startswith("# figure 1") and all("scripts/sweep.py" in c for c in cmds[1:])


def test_figures_script_end_to_end_on_a_reduced_figure(tmp_path):
    configs = tmp_path / "configs"
    configs.mkdir()
    spec = load_gallery()["hopfield_retrieval"]
    for key in spec.configs:
        shutil.copy(default_configs_dir() / f"{key}.toml", configs)
    lines = ["[hopfield_retrieval]", "number = 2", 'title = "reduced copy of figure 2"',
             "configs = " + json.dumps(list(spec.configs)), "[hopfield_retrieval.quick]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in SMOKE_QUICK.items()]
    (configs / "gallery.toml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    res = _script("figures.py", "--quick", "--configs", configs, "--out", out)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "MC points" in res.stdout
    data = _check_agreement(out)
    assert data["meta"]["quick"] is True
    panels = {r["panel"] for r in data["records"]}
    assert panels == {"m_vs_T", "m_vs_alpha_T0"}
    assert len(data["records"]) == 2 * 3 + 2 * 3
    assert any(r.get("theory_1rsb") is not None for r in data["records"])
    assert data["report"]["by_figure"]["hopfield_retrieval"]["notes"]

    # draw again from the result files, computing nothing
    out2 = tmp_path / "out2"
    res = _script("figures.py", "--configs", configs, "--from-results", out / "results", "--out", out2)
    assert res.returncode == 0, res.stderr[-3000:]
    data2 = _check_agreement(out2)
    assert [r["mc"] for r in data2["records"]] == [r["mc"] for r in data["records"]]
    assert not (out2 / "results").exists()

    # a changed config refuses to reuse the journal, --force recomputes
    (configs / "gallery.toml").write_text((configs / "gallery.toml").read_text().replace(
        '"grid.alpha = [0.09, 0.12]"', '"grid.alpha = [0.09, 0.125]"'))
    res = _script("figures.py", "--quick", "--configs", configs, "--out", out)
    assert res.returncode == 2 and "--force" in res.stderr
    res = _script("figures.py", "--quick", "--force", "--configs", configs, "--out", out)
    assert res.returncode == 0, res.stderr[-3000:]

    # generic plots of the results: a 1-D theory curve, and MC with lines per N
    for key in ("fig2_hopfield_theory_alpha", "fig2_hopfield_mc_T"):
        res = _script("plot.py", out / "results" / f"{key}.h5", "--out", tmp_path / "plots" / key)
        assert res.returncode == 0, res.stderr[-3000:]
        files = [Path(p) for p in res.stdout.split()]
        assert files and all(p.exists() for p in files)
    assert (tmp_path / "plots" / "fig2_hopfield_theory_alpha_m.png").exists()


def test_plot_script_maps_and_bad_input(tmp_path):
    from hebbian.sweep import run_sweep
    text = (default_configs_dir() / "fig4_multitasking_map.toml").read_text()
    cfg = load_config(text=text, overrides=["grid.d = [0.1, 0.5, 0.8]", "grid.T = [0.05, 0.3, 0.9]", "grid.K = [2]"])
    rep = run_sweep(cfg, tmp_path / "map.h5", stream=open(os.devnull, "w"))
    from hebbian.gallery import plot_result
    paths = plot_result(rep.path, tmp_path / "map")
    assert {p.name for p in paths} >= {"map_branch.png", "map_m_all.png"}
    with pytest.raises(ValueError, match="not in the result"):
        plot_result(rep.path, tmp_path / "x", ["nope"])
    res = _script("plot.py", tmp_path / "missing.h5")
    assert res.returncode == 2 and "no sweep result" in res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FIGURE_MODULES))
def test_quick_gallery_figure(name, tmp_path):
    """Each figure of the real gallery in --quick mode (the whole gallery: ~4 min on 2 loaded cores)."""
    out = tmp_path / "gallery"
    res = _script("figures.py", "--quick", "--out", out, name, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    data = _check_agreement(out)
    assert list(data["meta"]["figures"]) == [name]
    if name in ("hopfield_phase_diagram", "digits"):
        assert data["records"] == []                # theory-only figure / no theory for correlated data
        assert data["report"]["by_figure"][name]["notes"]
    else:
        rep = data["report"]
        assert rep["n_compared"] > 0
        # every disagreement beyond 3 sigma is listed, with its reason or as unexplained
        assert len(rep["outliers"]) == sum(1 for r in data["records"] if r["z"] is not None and abs(r["z"]) > 3)
        assert all(not math.isnan(o["z"]) for o in rep["outliers"])
