"""The [theory] table of a Monte Carlo sweep: replica theory on the grid, N -> infinity
extrapolations and z-scores, validation before any work, serial == MPI, resume."""

import math
import shutil

import numpy as np
import pytest
from sweep_helpers import assert_same_numbers, run_cli

import hebbian
from hebbian.finite_size import extrapolate
from hebbian.sweep import ConfigError, load_config, run_sweep
from hebbian.sweep._journal import Journal

MC = """
engine = "montecarlo"
model = "hopfield"
seed = 3
samples = 3
observables = ["m", "energy", "reliable"]
[params]
alpha = 0.05
[grid]
T = [0.3, 0.45]
N = [100, 200, 400]
[montecarlo]
sweeps = 120
[run]
progress = "none"
[theory]
level = "rs"
branch = "retrieval"
"""


def quiet(config, out, **kw):
    import io
    return run_sweep(config, out, stream=io.StringIO(), **kw)


def journal_theory(path):
    records, _ = Journal.read(path / "journal.jsonl")
    return [r for r in records if r.get("kind") == "theory"]


def test_theory_extrapolation_and_z_on_the_grid(tmp_path):
    import replica
    config = load_config(text=MC)
    quiet(config, tmp_path / "s")
    ds = hebbian.load_result(tmp_path / "s")
    # theory on the grid without N, at the nominal parameters, on the requested branch
    assert ds.m_theory.dims == ("T",) and ds.energy_theory.dims == ("T",)
    for T in (0.3, 0.45):
        sol = replica.solve("hopfield", alpha=0.05, beta=1 / T)
        ret = sol.branches["retrieval"]
        assert float(ds.m_theory.sel(T=T)) == pytest.approx(float(ret["m"]), abs=1e-12)
        assert float(ds.energy_theory.sel(T=T)) == pytest.approx(float(ret["energy"]), abs=1e-12)
    assert ds.theory_converged.values.all()
    # the extrapolation is finite_size.extrapolate of the disorder averages and their errors
    for name in ("m", "energy"):
        assert ds[f"{name}_inf"].dims == ("T",)
        for T in (0.3, 0.45):
            y, e = ds[name].sel(T=T).values, ds[f"{name}_err"].sel(T=T).values
            fit = extrapolate(ds.N.values, y, e, form="1/N")
            assert float(ds[f"{name}_inf"].sel(T=T)) == fit.value
            assert float(ds[f"{name}_inf_err"].sel(T=T)) == fit.error
            assert float(ds[f"{name}_inf_pvalue"].sel(T=T)) == fit.pvalue
            z = (fit.value - float(ds[f"{name}_theory"].sel(T=T))) / fit.error
            assert float(ds[f"{name}_z"].sel(T=T)) == pytest.approx(z, rel=1e-12)
    # and it says where it came from
    assert '"level": "rs"' in ds.attrs["theory"] and ds.m_inf.attrs["form"] == "1/N"
    # one batched solve for the whole grid, journaled once
    (rec,) = journal_theory(tmp_path / "s")
    assert len(rec["values"]) == 2


def test_theory_is_solved_once_in_one_block(tmp_path, monkeypatch):
    from replica._sweep import ReplicaEngine
    calls = []
    block = ReplicaEngine.run_block

    def counting(self, model, points, settings, observables):
        calls.append(len(points))
        return block(self, model, points, settings, observables)

    monkeypatch.setattr(ReplicaEngine, "run_block", counting)
    text = MC.replace("T = [0.3, 0.45]", "T = [0.3, 0.45, 0.6]\nalpha = [0.02, 0.05]").replace(
        "[params]\nalpha = 0.05", "[params]")
    quiet(load_config(text=text), tmp_path / "s")
    assert calls == [6]                   # 3 x 2 theory points, one call, not one per MC task


def test_adding_theory_to_a_finished_sweep_reuses_the_monte_carlo(tmp_path):
    plain = MC.split("[theory]")[0]
    quiet(load_config(text=plain), tmp_path / "s")
    ds0 = hebbian.load_result(tmp_path / "s")
    assert "m_theory" not in ds0
    report = quiet(load_config(text=MC), tmp_path / "s", resume=True)
    assert report.n_computed == 0
    ds = hebbian.load_result(tmp_path / "s")
    assert np.array_equal(ds.m.values, ds0.m.values) and "m_z" in ds
    # resuming again solves nothing new: still one theory record
    quiet(load_config(text=MC), tmp_path / "s", resume=True)
    assert len(journal_theory(tmp_path / "s")) == 1


def test_fewer_than_three_sizes_give_theory_without_extrapolation(tmp_path):
    text = MC.replace("N = [100, 200, 400]", "N = [100, 200]")
    quiet(load_config(text=text), tmp_path / "s")
    ds = hebbian.load_result(tmp_path / "s")
    assert "m_theory" in ds and "m_inf" not in ds and "m_z" not in ds


def test_multitasking_sorted_amplitudes_and_learning_n(tmp_path):
    import replica
    mt = """
engine = "montecarlo"
model = "multitasking"
seed = 1
samples = 2
observables = ["m_sorted"]
[params]
K = 3
d = 0.3
T = 0.1
[grid]
N = [200, 300, 400]
[montecarlo]
sweeps = 60
[run]
progress = "none"
[theory]
"""
    quiet(load_config(text=mt), tmp_path / "mt")
    ds = hebbian.load_result(tmp_path / "mt")
    sol = replica.solve("multitasking", K=3, d=0.3, beta=10.0)
    assert ds.m_sorted_theory.dims == ("pattern",)
    assert np.allclose(ds.m_sorted_theory.values, np.atleast_1d(sol.m), atol=1e-12)
    assert ds.m_sorted_inf.dims == ("pattern",) and ds.m_sorted_inf.attrs["form"] == "1/sqrt(N)"
    learn = mt.replace('model = "multitasking"', 'model = "supervised"').replace(
        'observables = ["m_sorted"]', 'observables = ["m", "n"]').replace(
        "K = 3\nd = 0.3\nT = 0.1", "P = 4\nK = 2\nr = 0.6\nM = 20\nT = 0.2").replace("[theory]", '[theory]\nbranch = "retrieval"')
    quiet(load_config(text=learn), tmp_path / "sup")
    ds = hebbian.load_result(tmp_path / "sup")
    ret = replica.solve("supervised", P=4, alpha=0.0, r=0.6, M=20, beta=5.0).branches["retrieval"]
    assert float(ds.n_theory) == pytest.approx(float(ret["n"]), abs=1e-12)
    assert float(ds.m_theory) == pytest.approx(float(ret["m"]), abs=1e-12)
    assert math.isfinite(float(ds.n_z))


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('engine = "montecarlo"', 'engine = "replica"').replace("seed = 3\nsamples = 3\n", "")
     .replace('observables = ["m", "energy", "reliable"]', "").replace("[montecarlo]\nsweeps = 120", ""),
     r"config key 'theory': a \[theory\] table needs a Monte Carlo engine"),
    (lambda t: t.replace('level = "rs"', 'level = "2rsb"'), r"theory.level must be one of 'rs', '1rsb', got '2rsb'"),
    (lambda t: t.replace('branch = "retrieval"', 'brnch = "retrieval"'), r"theory.brnch: unknown key"),
    (lambda t: t.replace('branch = "retrieval"', 'observables = ["acceptance"]'),
     r"theory.observables: 'acceptance' is not an observable of this sweep"),
    (lambda t: t.replace('observables = ["m", "energy", "reliable"]', 'observables = ["m", "acceptance"]')
     .replace('branch = "retrieval"', 'observables = ["acceptance"]'),
     r"the replica theory of model 'hopfield' has no counterpart of 'acceptance'"),
    (lambda t: t.replace('branch = "retrieval"', 'forms = {m = "1/N^3"}'), r"theory.forms.m must be one of"),
    (lambda t: t.replace('model = "hopfield"', 'model = "unsupervised"').replace("alpha = 0.05",
                         "P = 2\nalpha = 0.05\nr = 0.8\nM = 10").replace('level = "rs"', 'level = "1rsb"'),
     r"config key 'theory': the replica theory at T=0\.3"),
])
def test_bad_theory_tables_are_refused_before_any_work(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        load_config(text=change(MC))


@pytest.mark.mpi
@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="needs mpiexec")
def test_theory_sweep_serial_equals_two_ranks(tmp_path):
    pytest.importorskip("mpi4py")
    (tmp_path / "t.toml").write_text(MC.replace('progress = "none"', 'progress = "log"'))
    run_cli([tmp_path / "t.toml", "--out", tmp_path / "s.h5"])
    run_cli([tmp_path / "t.toml", "--out", tmp_path / "m.h5"], mpi_ranks=2)
    a, b = hebbian.load_result(tmp_path / "s.h5"), hebbian.load_result(tmp_path / "m.h5")
    assert "m_z" in a
    assert_same_numbers(a, b)
