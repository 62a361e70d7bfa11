"""Gallery agreement layer: records from a [theory] sweep, verdict criteria (a shifted theory is
a disagreement), redraw merging, JSON round trip, and the alpha_c(N) analysis of figure 2."""

import io
import json
import math

import numpy as np
import pytest
import xarray as xr

import hebbian
from hebbian.finite_size import extrapolate
from hebbian.gallery import agreement as agr
from hebbian.gallery.hopfield_retrieval import alpha_c_fit, retrieval_transition
from hebbian.sweep import load_config, run_sweep

MC = """
engine = "montecarlo"
model = "hopfield"
seed = 7
samples = 4
observables = ["m", "energy"]
[params]
alpha = 0.05
[grid]
T = [0.25, 0.35]
N = [100, 200, 400]
[montecarlo]
sweeps = 150
[run]
progress = "none"
[theory]
branch = "retrieval"
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("agr") / "s"
    run_sweep(load_config(text=MC), out, stream=io.StringIO())
    return hebbian.load_result(out)


def _shifted(ds, name, by):
    """The same result with the theory moved by ``by`` error bars of the extrapolation."""
    ds = ds.copy(deep=True)
    ds[f"{name}_theory"] = ds[f"{name}_theory"] + by * ds[f"{name}_inf_err"]
    ds[f"{name}_z"] = (ds[f"{name}_inf"] - ds[f"{name}_theory"]) / ds[f"{name}_inf_err"]
    return ds


def test_records_are_the_sweep_numbers(sweep):
    recs = agr.from_sweep(sweep, panel="p", observable="m")
    assert len(recs) == 2
    for r in recs:
        T = r["params"]["T"]
        assert r["params"]["alpha"] == 0.05
        assert r["theory"] == float(sweep.m_theory.sel(T=T)) and r["z"] == float(sweep.m_z.sel(T=T))
        assert r["mc_inf"] == float(sweep.m_inf.sel(T=T)) and r["mc_inf_err"] == float(sweep.m_inf_err.sel(T=T))
        assert r["sizes"] == [100, 200, 400] and r["n_samples"] == 4 and r["form"] == "1/N"
        assert r["theory_level"] == "rs" and r["theory_branch"] == "retrieval"
        assert r["mc_by_N"] == sweep.m.sel(T=T).values.tolist()
        assert r["verdict"] == ("agree" if abs(r["z"]) <= 3 else "disagree")


@pytest.mark.parametrize("by", [12.0, -12.0])
def test_a_shifted_theory_is_called_a_disagreement_by_every_criterion(sweep, by):
    """Moving the theory (and every alternative with it) by 12 error bars: no criterion rescues it."""
    ds = _shifted(sweep, "m", by)

    def alts(params, k):
        T = params["T"]
        th = float(ds.m_theory.sel(T=T))
        return [agr.alternative("rsb", th, level="1rsb", branch="retrieval"),
                agr.alternative("metastable", th, level="rs", branch="spin glass")]

    recs = agr.from_sweep(ds, panel="p", observable="m", alternatives=alts)
    for r in recs:
        r["theory_rs_stable"] = False                      # even where the rsb criterion could apply
        assert agr.verdict(r)[0] == "disagree"
        assert abs(r["z"]) > 3


def test_verdict_criteria(sweep):
    base = agr.from_sweep(sweep, panel="p", observable="m")[0]
    far = dict(base, z=10.0, mc_inf=base["theory"] + 10 * base["mc_inf_err"])
    near = far["mc_inf"] + 0.5 * far["mc_inf_err"]
    rsb = agr.alternative("rsb", near, level="1rsb", branch="retrieval")
    rsb["z"] = -0.5
    meta = agr.alternative("metastable", near, level="rs", branch="spin glass")
    meta["z"] = -0.5
    assert agr.verdict(dict(far, alternatives=[rsb], theory_rs_stable=False))[0] == "rsb"
    # the rsb criterion needs RS to be replicon-unstable at the point
    assert agr.verdict(dict(far, alternatives=[rsb], theory_rs_stable=True))[0] == "disagree"
    assert agr.verdict(dict(far, alternatives=[meta], theory_rs_stable=True))[0] == "metastable"
    bad = dict(meta, z=4.0)
    assert agr.verdict(dict(far, alternatives=[bad]))[0] == "disagree"
    assert agr.verdict(dict(base, z=2.9, alternatives=[]))[0] == "agree"
    assert agr.verdict(dict(base, z=math.nan, not_compared_reason="no theory"))[0] == "not compared"
    with pytest.raises(ValueError, match="kind must be"):
        agr.alternative("finite_size", 0.5, level="rs", branch="x")


def test_missing_branch_is_not_compared_and_says_why(sweep):
    ds = sweep.copy(deep=True)
    ds["m_theory"][:] = np.nan
    ds["m_z"][:] = np.nan
    ds["theory_message"] = xr.full_like(ds["theory_message"], "branch 'retrieval' not found at this point",
                                        dtype=object)
    recs = agr.from_sweep(ds, panel="p", observable="m")
    assert {r["verdict"] for r in recs} == {"not compared"}
    assert all("not found" in r["reason"] for r in recs)


def test_summary_merge_and_json_roundtrip(sweep, tmp_path):
    recs = agr.from_sweep(sweep, panel="a", observable="m") + agr.from_sweep(sweep, panel="b", observable="energy")
    for r in recs:
        r["figure"] = "one"
    other = [dict(r, figure="two") for r in agr.from_sweep(_shifted(sweep, "m", 12.0), panel="a", observable="m")]
    rep = agr.summarize(recs + other, {"one": ["a note"]})
    zs = np.array([r["z"] for r in recs + other])
    assert rep["n_records"] == 6 and rep["n_compared"] == 6
    assert rep["within_3sigma"] == pytest.approx(np.mean(np.abs(zs) <= 3))
    assert rep["median_abs_z"] == pytest.approx(np.median(np.abs(zs)))
    assert rep["by_figure"]["one"]["notes"] == ["a note"] and set(rep["by_figure"]["one"]["by_panel"]) == {"a", "b"}
    assert len(rep["disagreements"]) == sum(r["verdict"] == "disagree" for r in recs + other) >= 2
    # a redraw of figure "two" replaces its records only
    merged = agr.merge(recs + other, [dict(r, z=0.0) for r in other], ["two"])
    assert merged[:4] == recs and [r["z"] for r in merged[4:]] == [0.0, 0.0]
    nan = dict(recs[0], theory=math.nan, z=math.nan, verdict="not compared")
    path = agr.write(tmp_path / "agreement.json", recs + [nan], agr.summarize(recs + [nan]), {"quick": True})
    raw = json.loads(path.read_text())                  # strict JSON: NaN written as null
    assert raw["records"][-1]["theory"] is None and raw["records"][-1]["z"] is None
    back = agr.read(path)
    assert math.isnan(back["records"][-1]["z"]) and back["records"][0]["z"] == pytest.approx(recs[0]["z"])


def test_fit_record_of_an_extrapolated_capacity():
    N = np.array([500.0, 1000.0, 2000.0, 4000.0])
    fit = extrapolate(N, 0.1379 + 0.9 / np.sqrt(N), np.full(4, 1e-3), form="1/sqrt(N)")
    rec = agr.fit_record(panel="alpha_c", observable="alpha_c", params={"T": 0.0}, fit=fit, n_samples=24,
                         theory=0.1379056, level="rs", branch="capacity", rs_stable=False,
                         alternatives=[agr.alternative("rsb", 0.1381865, level="1rsb", branch="capacity")])
    assert rec["verdict"] == "agree" and rec["sizes"] == [500, 1000, 2000, 4000]
    shifted = agr.fit_record(panel="alpha_c", observable="alpha_c", params={}, fit=fit, n_samples=24,
                             theory=0.1379056 + 10 * fit.error, level="rs", branch="capacity", rs_stable=False,
                             alternatives=[agr.alternative("rsb", 0.1381865 + 10 * fit.error, level="1rsb",
                                                           branch="capacity")])
    assert shifted["verdict"] == "disagree"


def test_retrieval_transition_and_its_extrapolation():
    alpha = np.linspace(0.10, 0.20, 11)
    Ns = [500, 1000, 2000]
    true = {N: 0.138 + 0.6 / math.sqrt(N) for N in Ns}
    S = 40
    m = np.empty((3, 11, S))
    for i, N in enumerate(Ns):
        # a fraction of networks that falls linearly from 1 to 0 across [a_c - 0.02, a_c + 0.02]
        frac = np.clip(0.5 - (alpha - true[N]) / 0.04, 0, 1)
        for j, f in enumerate(frac):
            k = int(round(f * S))
            m[i, j] = np.r_[np.full(k, 0.97), np.full(S - k, 0.3)]
    ds = xr.Dataset({"m_samples": (("N", "alpha", "sample"), m)}, coords={"N": Ns, "alpha": alpha})
    tr = retrieval_transition(ds, n_boot=50)
    np.testing.assert_allclose(tr["alpha_c"], [true[N] for N in Ns], atol=2e-3)
    assert np.all(np.isfinite(tr["alpha_c_err"]))
    fit = alpha_c_fit(tr)
    assert fit.form == "1/sqrt(N)" and fit.value == pytest.approx(0.138, abs=5 * fit.error)
    tr2 = dict(tr, alpha_c=np.array([0.16, np.nan, 0.15]))
    assert alpha_c_fit(tr2) is None                    # fewer than 3 sizes with a crossing
