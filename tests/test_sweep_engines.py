"""The real engine adapters (montecarlo, replica) inside the runner, and the default main job.

Each test needs its engine: it is skipped, with the reason, while the engine's package is not
importable (the engines are developed on their own branches and merged into main).
"""

import io
import math
import shutil

import numpy as np
import pytest
from scipy.optimize import brentq
from sweep_helpers import assert_same_numbers, run_cli

import hebbian
from hebbian.sweep import load_config, run_sweep


def _engine(module, attr):
    try:
        return hasattr(__import__(module), attr)
    except ImportError:
        return False


HAVE_MC = _engine("montecarlo", "simulate")
HAVE_RS = _engine("replica", "solve")
needs_mc = pytest.mark.skipif(not HAVE_MC, reason="montecarlo engine not importable (montecarlo.simulate missing)")
needs_rs = pytest.mark.skipif(not HAVE_RS, reason="replica engine not importable (replica.solve missing)")

MC_TINY = """
engine = "montecarlo"
model = "hopfield"
seed = 5
samples = 2
observables = ["m", "abs_m", "energy", "reliable", "tau_m", "K"]
[params]
alpha = 0.0
[grid]
T = [0.5, 0.8]
[montecarlo]
N = 1000
sweeps = 800
burn_in = 200
"""

RS_TINY = """
engine = "replica"
model = "hopfield"
observables = ["m", "q", "free_energy", "converged", "message"]
[params]
alpha = 0.0
[grid]
T = [0.0, 0.5, 0.8, 1.2]
"""


def quiet(config, out, **kw):
    return run_sweep(config, out, stream=io.StringIO(), **kw)


def curie_weiss(T):
    """Solution of m = tanh(m / T) (K = 1 pattern: the Hopfield network is Curie-Weiss)."""
    return 0.0 if T >= 1.0 else brentq(lambda m: m - math.tanh(m / T), 1e-9, 1.0)


@needs_mc
def test_mc_adapter_is_the_documented_simulation(tmp_path):
    from montecarlo import simulate
    config = load_config(text=MC_TINY)
    quiet(config, tmp_path / "mc.h5")
    ds = hebbian.load_result(tmp_path / "mc.h5")
    assert ds.m_samples.dims == ("T", "sample") and ds.reliable.dtype == bool
    # the task (point 1, sample 1) redone by hand with the documented seed scheme
    disorder, dynamics = np.random.SeedSequence(5, spawn_key=(1, 1)).spawn(2)
    net = hebbian.models.make_network("hopfield", 1000, np.random.default_rng(disorder), alpha=0.0)
    run = simulate(net, 1 / 0.8, 800, seed=dynamics, init="pattern", burn_in=200)
    est = run.estimate("m", warn=False)
    assert ds.m_samples.values[1, 1] == float(np.ravel(est.mean)[0])
    assert ds.m_samples_err.values[1, 1] == float(np.ravel(est.error)[0])
    assert (ds.K.values == 1.0).all()
    from montecarlo import estimate
    abs_m = estimate(np.abs(np.asarray(run.m)[:, 0]), warn=False)
    assert ds.abs_m_samples.values[1, 1] == float(abs_m.mean)
    assert bool(ds.reliable.values[1, 1]) == (bool(est.reliable) and bool(abs_m.reliable) and
                                               bool(run.estimate("energy", warn=False).reliable))


@needs_mc
def test_mc_sweep_reproduces_curie_weiss(tmp_path):
    """K = 1: m(T) = tanh(m/T); N = 1000 is large enough for 0.02 at T <= 0.8."""
    config = load_config(text=MC_TINY)
    quiet(config, tmp_path / "cw.h5")
    ds = hebbian.load_result(tmp_path / "cw.h5")
    for T in (0.5, 0.8):
        m, err = float(ds.m.sel(T=T)), float(ds.m_err.sel(T=T))
        assert abs(m - curie_weiss(T)) < 5 * err + 0.02, (T, m, err, curie_weiss(T))
    # and the temperature really is T: at T = 0.5 and 0.8 the overlaps differ as predicted
    assert float(ds.m.sel(T=0.5)) > float(ds.m.sel(T=0.8)) + 0.15


@needs_mc
@pytest.mark.mpi
@pytest.mark.skipif(shutil.which("mpiexec") is None or not _engine("mpi4py", "__version__"),
                    reason="needs mpi4py and mpiexec")
def test_mc_sweep_two_ranks_bit_identical(tmp_path):
    (tmp_path / "mc.toml").write_text(MC_TINY.replace("N = 1000", "N = 300"))
    run_cli([tmp_path / "mc.toml", "--out", tmp_path / "s.h5"])
    run_cli([tmp_path / "mc.toml", "--out", tmp_path / "m.h5"], mpi_ranks=2)
    a, b = hebbian.load_result(tmp_path / "s.h5"), hebbian.load_result(tmp_path / "m.h5")
    assert_same_numbers(a, b)
    assert set(b.task_rank.values.ravel()) == {0, 1}


@needs_rs
def test_replica_adapter_is_solve(tmp_path):
    import replica
    config = load_config(text=RS_TINY)
    quiet(config, tmp_path / "rs.h5")
    ds = hebbian.load_result(tmp_path / "rs.h5")
    assert ds.converged.dtype == bool and ds.message.dtype.kind == "U"
    assert "m_err" not in ds                         # theory: no error bars
    for T in (0.0, 0.5, 0.8, 1.2):
        beta = math.inf if T == 0 else 1 / T
        sol = replica.solve("hopfield", alpha=0.0, beta=beta)
        assert float(ds.m.sel(T=T)) == float(np.ravel(sol.m)[0])
        assert bool(ds.converged.sel(T=T)) == bool(sol.converged)
        assert str(ds.message.sel(T=T).values) == str(sol.message)
    assert float(ds.beta.sel(T=0.0)) == math.inf


@needs_rs
def test_replica_branch_and_critical_capacity(tmp_path):
    import replica
    text = RS_TINY.replace("alpha = 0.0", "alpha = 0.05").replace("T = [0.0, 0.5, 0.8, 1.2]", "T = [0.4, 0.9]")
    quiet(load_config(text=text, overrides=["replica.branch='retrieval'"]), tmp_path / "b.h5")
    ds = hebbian.load_result(tmp_path / "b.h5")
    # T = 0.4: the retrieval branch exists (metastable: the thermodynamic state is the spin glass)
    ref = replica.solve("hopfield", alpha=0.05, beta=2.5)
    assert float(ds.m.sel(T=0.4)) == float(ref["branches"]["retrieval"]["m"]) > 0.9
    assert bool(ds.converged.sel(T=0.4))
    # T = 0.9: above the retrieval spinodal -- flagged, not hidden
    assert not bool(ds.converged.sel(T=0.9)) and np.isnan(float(ds.m.sel(T=0.9)))
    assert "not found" in str(ds.message.sel(T=0.9).values)
    assert (ds.task_error.values == "").all()
    # T = 0 capacity of the pairwise network: alpha_c = 0.138 (Amit, Gutfreund, Sompolinsky,
    # Ann. Phys. 173, 30 (1987)); RS value 0.137905 (Steffan and Kuehn, Z. Phys. B 95, 249 (1994))
    cap = """
engine = "replica"
model = "hopfield"
observables = ["alpha_c", "converged", "message"]
[grid]
P = [2]
[replica]
quantity = "critical_capacity"
"""
    quiet(load_config(text=cap), tmp_path / "c.h5")
    ds = hebbian.load_result(tmp_path / "c.h5")
    assert abs(float(ds.alpha_c.sel(P=2)) - 0.137905) < 2e-5 and bool(ds.converged.sel(P=2))


@needs_rs
def test_replica_engine_checks_run_before_any_work(tmp_path):
    from hebbian.sweep import ConfigError
    cap = RS_TINY.replace('model = "hopfield"', 'model = "dense"').replace("alpha = 0.0", "alpha = 0.01\nP = 2")
    with pytest.raises(ConfigError, match="P must be >= 3"):
        load_config(text=cap)
    with pytest.raises(ConfigError, match="'replica.options'|options key 'tolerance'"):
        load_config(text=RS_TINY, overrides=["replica.options={tolerance=1e-6}"])
    with pytest.raises(ConfigError, match="beta must be > 0"):
        load_config(text=RS_TINY.replace("T = [0.0, 0.5, 0.8, 1.2]", "beta = [0.0, 1.0]"))


@needs_mc
def test_default_figure(tmp_path):
    from hebbian.sweep._default import plot_m_vs_T
    config = load_config(text=MC_TINY.replace("[grid]", "[grid]\nN = [200, 400]").replace("N = 1000\n", ""))
    quiet(config, tmp_path / "mc.h5")
    theory = None
    if HAVE_RS:
        quiet(load_config(text=RS_TINY), tmp_path / "rs.h5")
        theory = hebbian.load_result(tmp_path / "rs.h5")
    paths = plot_m_vs_T(hebbian.load_result(tmp_path / "mc.h5"), theory, tmp_path / "fig")
    assert [p.suffix for p in paths] == [".pdf", ".png"] and all(p.stat().st_size > 1000 for p in paths)


@needs_mc
@pytest.mark.slow
def test_main_job_runs_and_resumes(tmp_path):
    """The README's main job (about a minute): results and figure, then a no-op second run."""
    proc = run_cli(["--out", tmp_path / "default"], timeout=600)
    assert "figure" in proc.stdout
    assert (tmp_path / "default" / "m_vs_T.png").exists()
    ds = hebbian.load_result(tmp_path / "default" / "montecarlo.h5")
    assert np.isfinite(ds.m).all()
    proc = run_cli(["--out", tmp_path / "default"], timeout=600)
    assert "0 computed now" in proc.stderr


def test_hebbian_imports_no_engine_until_a_config_names_one():
    """The adapters live with their engines (montecarlo._sweep, replica._sweep): importing
    hebbian and hebbian.sweep loads neither engine; asking for one by name registers it."""
    import subprocess
    import sys
    code = ("import sys, hebbian, hebbian.sweep, hebbian.gallery\n"
            "eng = lambda: sorted(m for m in sys.modules if m.split('.')[0] in ('montecarlo', 'replica'))\n"
            "assert eng() == [], eng()\n"
            "from hebbian.sweep._engine import get_engine\n"
            "assert type(get_engine('replica')).__module__ == 'replica._sweep'\n"
            "assert not any(m.startswith('montecarlo') for m in eng()), eng()\n"
            "assert type(get_engine('montecarlo')).__module__ == 'montecarlo._sweep'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
