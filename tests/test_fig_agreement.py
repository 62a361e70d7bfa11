"""Gallery: agreement records, error bars, the finite-N mapping and the analysis helpers."""

import json
import math

import numpy as np
import pytest
import xarray as xr

from hebbian import Network, patterns
from hebbian.gallery import agreement as agr
from hebbian.gallery.hopfield_retrieval import extrapolate, retrieval_transition
from hebbian.gallery.theory import effective_parameters, interpolate


def _mc_dataset(samples, errs, N=100):
    """A fake MC result over one axis 'T' (2 points) with per-network values and thermal errors."""
    s = np.asarray(samples, float)            # (T, sample)
    e = np.asarray(errs, float)
    S = s.shape[1]
    return xr.Dataset(
        {"m": (("T",), s.mean(1)), "m_err": (("T",), s.std(1, ddof=1) / math.sqrt(S)),
         "m_samples": (("T", "sample"), s), "m_samples_err": (("T", "sample"), e)},
        coords={"T": [0.1, 0.2], "sample": np.arange(S), "N": N})


def test_disorder_error_is_the_largest_of_spread_thermal_and_resolution():
    ds = _mc_dataset([[0.5, 0.7, 0.6, 0.8], [0.9, 0.9, 0.9, 0.9]], [[0.01] * 4, [0.2] * 4], N=100)
    mean, err, S = agr.disorder_mean(ds, "m")
    assert S == 4
    np.testing.assert_allclose(mean.values, [0.65, 0.9])
    spread = np.std([0.5, 0.7, 0.6, 0.8], ddof=1) / 2
    assert err.values[0] == pytest.approx(spread)                      # spread dominates
    assert err.values[1] == pytest.approx(math.sqrt(4 * 0.2 ** 2) / 4)  # identical values: thermal part
    ds0 = _mc_dataset([[1.0] * 4, [1.0] * 4], [[0.0] * 4] * 2, N=50)
    _, err0, _ = agr.disorder_mean(ds0, "m")
    np.testing.assert_allclose(err0.values, 1 / (50 * 2))             # T = 0, identical: resolution floor


def test_record_z_and_json_roundtrip(tmp_path):
    r = agr.record(panel="p", observable="m", params={"alpha": np.float64(0.1)}, N=np.int64(500), mc=0.9,
                   mc_err=0.01, n_samples=8, theory=0.88)
    assert r["z"] == pytest.approx(2.0)
    nan = agr.record(panel="p", observable="m", params={}, N=10, mc=0.3, mc_err=0.1, n_samples=2, theory=math.nan)
    assert math.isnan(nan["z"])
    for x in (r, nan):
        x["figure"], x["figure_files"] = "f", ["f.png"]
    rep = agr.summarize([r, nan])
    path = agr.write(tmp_path / "agreement.json", [r, nan], rep, {"quick": True})
    raw = json.loads(path.read_text())                 # strict JSON: NaN written as null
    assert raw["records"][1]["theory"] is None and raw["records"][1]["z"] is None
    back = agr.read(path)
    assert math.isnan(back["records"][1]["z"]) and back["records"][0]["z"] == pytest.approx(2.0)
    assert back["report"]["n_points"] == 2 and back["report"]["n_compared"] == 1
    with pytest.raises(ValueError, match="tag must be one of"):
        agr.explain("luck", "no")


def _rec(N, mc, theory, err, n=8, params=None, expl=()):
    r = agr.record(panel="p", observable="m", params=params or {"T": 0.5}, N=N, mc=mc, mc_err=err, n_samples=n,
                   theory=theory, explanation=expl)
    r["figure"] = "f"
    return r


def test_summary_explains_a_deviation_that_shrinks_with_N_and_nothing_else():
    shrinking = [_rec(250, 0.90, 0.80, 0.01), _rec(1000, 0.85, 0.80, 0.01), _rec(4000, 0.81, 0.80, 0.002)]
    constant = [_rec(250, 0.90, 0.80, 0.01, params={"T": 0.7}), _rec(4000, 0.90, 0.80, 0.01, params={"T": 0.7})]
    rep = agr.summarize(shrinking + constant)
    tags = [[e["tag"] for e in r["explanation"]] for r in shrinking + constant]
    assert tags[0] == ["finite_size"] and tags[1] == ["finite_size"]
    assert tags[3] == [] and tags[4] == []                 # no trend: unexplained
    assert rep["n_unexplained"] == 2
    assert {o["N"] for o in rep["outliers"] if o["tags"] == ["unexplained"]} == {250, 4000}
    assert rep["by_figure"]["f"]["within_3sigma"] == pytest.approx(0.0)


def test_summary_small_deviation_rule_and_few_samples():
    tiny = _rec(500, 0.99990, 0.99900, 0.0001)             # |dev| = 9e-4 <= 1/N = 2e-3
    few = _rec(500, 0.60, 0.50, 0.02, n=2)                 # z = 5 with 1 dof: not significant
    many = _rec(500, 0.60, 0.50, 0.02, n=40, params={"T": 0.9})
    rep = agr.summarize([tiny, few, many])
    assert [e["tag"] for e in tiny["explanation"]] == ["finite_size"]
    assert [e["tag"] for e in few["explanation"]] == ["few_samples"]
    assert many["explanation"] == [] and rep["n_unexplained"] == 1
    assert rep["within_3sigma_t"] == pytest.approx(1 / 3)  # only the 2-sample point passes with Student t


@pytest.mark.parametrize("P,normalization", [(2, "power"), (3, "power"), (4, "binomial"), (3, "binomial")])
def test_effective_parameters_match_the_network(P, normalization):
    rng = np.random.default_rng(P)
    N, alpha, beta = 12, 0.2 / 12 ** (P - 2), 3.0
    K = max(1, int(round(alpha * N ** (P - 1))))
    net = Network(patterns.binary(K, N, rng), P, normalization=normalization)
    want = net.effective_parameters(beta)
    got = effective_parameters(N, P, alpha, beta, normalization)
    assert got["K"] == K
    assert got["alpha"] == pytest.approx(want["alpha"], rel=1e-14)
    assert got["beta"] == pytest.approx(want["beta"], rel=1e-14)
    if normalization == "binomial":
        assert got["lambda"] == pytest.approx(1.0, rel=1e-14)


def test_interpolate_is_nan_outside_the_curve():
    v = interpolate([0.5, 2.0, -1.0], [0.0, 1.0, np.nan], [0.0, 2.0, 5.0])
    assert v[0] == pytest.approx(1.0) and math.isnan(v[1]) and math.isnan(v[2])


def test_retrieval_transition_and_extrapolation():
    alpha = np.linspace(0.10, 0.20, 11)
    Ns = [500, 2000]
    true = {500: 0.165, 2000: 0.145}
    S = 40
    m = np.empty((2, 11, S))
    for i, N in enumerate(Ns):
        # a fraction of networks that falls linearly from 1 to 0 across [a_c - 0.02, a_c + 0.02]
        frac = np.clip(0.5 - (alpha - true[N]) / 0.04, 0, 1)
        for j, f in enumerate(frac):
            k = int(round(f * S))
            m[i, j] = np.r_[np.full(k, 0.97), np.full(S - k, 0.3)]
    ds = xr.Dataset({"m_samples": (("N", "alpha", "sample"), m)}, coords={"N": Ns, "alpha": alpha})
    tr = retrieval_transition(ds, n_boot=50)
    np.testing.assert_allclose(tr["alpha_c"], [0.165, 0.145], atol=2e-3)
    assert np.all(np.isfinite(tr["alpha_c_err"]))
    # exact data on a + b N^-1/2 are recovered
    N = np.array([500, 1000, 2000, 4000])
    fit = extrapolate(N, 0.138 + 0.9 * N ** -0.5, np.full(4, 1e-3), exponent=0.5)
    assert fit["alpha_inf"] == pytest.approx(0.138, abs=1e-12) and fit["chi2"] == pytest.approx(0, abs=1e-12)
    assert math.isnan(extrapolate([500], [0.15], [0.01])["alpha_inf"])


def test_a_deviation_that_hardly_moves_with_N_is_not_finite_size():
    # 0.414 -> 0.410 with tiny errors is "significant" but not a finite-size trend (SHRINK)
    recs = [_rec(500, -0.003, 0.411, 0.002, params={"M": 3}), _rec(2000, 0.001, 0.411, 0.001, params={"M": 3})]
    rep = agr.summarize(recs)
    assert all(r["explanation"] == [] for r in recs)
    assert rep["n_unexplained"] == 2


def test_finite_n_abs_of_vanishing_multitasking_amplitudes():
    from hebbian.gallery.multitasking import finite_n_abs
    N = 1000
    # paramagnet: each |m| is the half-normal mean of the Gaussian (Ornstein-Zernike) fluctuation,
    # variance (1-d) / (N (1 - (1-d)/T)); time averages make the sorted values equal
    d, T = 0.7, 0.6
    e, chi = finite_n_abs({"m": np.zeros(3)}, d, T, N)
    want = math.sqrt(2 / math.pi * (1 - d) / (N * (1 - (1 - d) / T)))
    np.testing.assert_allclose(e, want, rtol=1e-12)
    np.testing.assert_allclose(chi, (1 - d) / (1 - (1 - d) / T), rtol=1e-12)
    # frozen pure state, no dilution: the other two overlaps are the static crosstalk of random
    # patterns, N(0, 1/N) each, sorted; their sum is 2 sqrt(2 / (pi N))
    e, chi = finite_n_abs({"m": np.array([1.0, 0.0, 0.0])}, 0.0, 0.01, N)
    assert math.isnan(e[0]) and e[1] > e[2]
    assert e[1] + e[2] == pytest.approx(2 * math.sqrt(2 / (math.pi * N)), rel=0.02)
    np.testing.assert_allclose(chi[1:], 1.0, rtol=1e-9)
    # unstable direction (a > T) or T = 0: no estimate
    assert np.all(np.isnan(finite_n_abs({"m": np.zeros(2)}, 0.2, 0.5, N)[0]))
    assert np.all(np.isnan(finite_n_abs({"m": np.zeros(2)}, 0.2, 0.0, N)[0]))


def test_mean_abs_example_average():
    from hebbian.gallery.learning import _mean_abs_average
    # M = 3, p = 0.65: |mean| = 1 when the three agree (p^3 + (1-p)^3), 1/3 otherwise
    p = 0.65
    agree = p ** 3 + (1 - p) ** 3
    assert _mean_abs_average(0.3, 3) == pytest.approx(agree + (1 - agree) / 3, rel=1e-12)
    assert _mean_abs_average(0.3, 1) == pytest.approx(1.0)
    assert _mean_abs_average(0.3, 4000) == pytest.approx(0.3, abs=2e-3)     # -> r at large M


@pytest.mark.parametrize("K,d,T,init", [(2, 0.5, 0.8, "random"), (3, 0.2, 0.5, "pattern")])
def test_finite_n_abs_against_monte_carlo(K, d, T, init):
    """The finite-N mean |m| of vanishing amplitudes against Glauber dynamics (16 networks, N = 400):
    the paramagnet (thermal fluctuations only) and a pure state (quenched crosstalk amplified by the
    response of the diluted network, chi ~ 3.6), sorted per network like the gallery's m_sorted."""
    import montecarlo
    import replica
    from hebbian.gallery.multitasking import finite_n_abs
    from hebbian.models import make_network
    N, S = 400, 16
    sol = replica.solve("multitasking", K=K, d=d, beta=1 / T)
    assert sol["branch"] == ("paramagnet" if init == "random" else "pure")
    nets = [make_network("multitasking", N, s, K=K, d=d) for s in range(S)]
    run = montecarlo.simulate(nets, 1 / T, 3000, seed=5, init=init, burn_in=300)
    per = np.sort(np.abs(np.asarray(run.m)).mean(axis=1), axis=1)[:, ::-1]          # (network, K) sorted
    mean, err = per.mean(0), per.std(0, ddof=1) / math.sqrt(S)
    pred, _ = finite_n_abs(sol, d, T, N)
    vanish = np.isfinite(pred)
    assert vanish.sum() == (K if init == "random" else K - 1)
    # the sum over the vanishing amplitudes (the sorting of equal paramagnetic values by the finite-run
    # noise of the time averages is not modelled), and each sorted position where the static part orders them
    tot = per[:, vanish].sum(axis=1)
    z = (tot.mean() - pred[vanish].sum()) / (tot.std(ddof=1) / math.sqrt(S))
    assert abs(z) < 3, (tot.mean(), pred)
    if init == "pattern":
        z = (mean[vanish] - pred[vanish]) / err[vanish]
        assert np.all(np.abs(z) < 3), (mean, err, pred)
