"""Figure 5 (dense learning) and the single-example states of unsupervised learning.

Theory (``replica/families/learning_examples.py``): the branch "example" of the unsupervised
RS theory at low storage, checked against an independent enumeration of all 2^M example-sign
configurations, its limits (M = 1, r = 1, T = 0 closed forms), the free-energy identities, the
unchanged example-symmetric branch, and the Monte Carlo engine at N = 2000. Figure: records
built by the agreement layer from a sweep with a [theory] table, verdicts from the criteria.
"""

import itertools
import math

import numpy as np
import pytest

from hebbian import Network, patterns
from replica import solve
from replica.base import Batch, get_model
from replica.families.learning_examples import UnsupervisedExamplesRS, example_state_zero_temperature
from replica.families.learning_rs import UnsupervisedRS
from replica.quadrature import DEFAULT as QUAD

INF = math.inf


# ---------------------------------------------------------------------- an independent reference
def _enumerated(P, r, M, beta, m0, iters=20000):
    """m_a = E[chi^a tanh(beta' c0 sum_b m_b^(P-1) chi^b)] over ALL 2^M sign vectors (no ansatz,
    no binomial reduction), iterated from m0 (length M); returns (m_a, m, f, hessian)."""
    rho = (1 - r * r) / (M * r * r)
    c0 = 1.0 / (r ** P * (1 + rho) ** (P - 1) * M)
    bp = beta * P / 2
    chi = np.array(list(itertools.product((1.0, -1.0), repeat=M)))         # (2^M, M)
    w = np.prod(np.where(chi > 0, (1 + r) / 2, (1 - r) / 2), axis=1)
    m = np.asarray(m0, float)
    for _ in range(iters):
        h = c0 * chi @ m ** (P - 1)
        new = (w * np.tanh(bp * h)) @ chi
        if np.max(np.abs(new - m)) < 1e-14:
            m = new
            break
        m = 0.5 * m + 0.5 * new
    h = c0 * chi @ m ** (P - 1)
    f = 0.5 * (P - 1) * c0 * np.sum(m ** P) - np.sum(w * np.log(2 * np.cosh(bp * h))) / beta
    s2 = 1 / np.cosh(bp * h) ** 2
    C = np.einsum("k,ka,kb->ab", w * s2, chi, chi)
    D = np.diag(m ** (P - 2))
    hess = 0.5 * P * (P - 1) * c0 * D @ (np.eye(M) - bp * c0 * (P - 1) * C @ D)
    return m, float(w @ np.tanh(bp * h)), f, 0.5 * (hess + hess.T)


@pytest.mark.parametrize("M, beta", [(5, 10.0), (4, 4.0), (8, 10.0)])
def test_example_branch_is_the_enumerated_mean_field_state(M, beta):
    """The example branch equals the fixed point of the full M-overlap mean-field equations
    (every sign vector enumerated) started at one example, and its stability the sign of
    the smallest eigenvalue of the full M x M Hessian."""
    P, r = 4, 0.3
    sol = solve("unsupervised", P=P, r=r, M=M, beta=beta)
    ex = sol.branches["example"]
    m_a, m, f, hess = _enumerated(P, r, M, beta, [1.0] + [r * r] * (M - 1))
    assert m_a[1:] == pytest.approx(np.full(M - 1, m_a[1]), abs=1e-10)     # the ansatz holds
    assert ex.m_example == pytest.approx(m_a[0], abs=1e-9)
    assert ex.m_others == pytest.approx(m_a[1], abs=1e-9)
    assert ex.m == pytest.approx(m, abs=1e-9)
    assert ex.free_energy == pytest.approx(f, abs=1e-9)
    assert ex.stable == bool(np.linalg.eigvalsh(hess)[0] > 0)


@pytest.mark.parametrize("M, T", [(5, 0.1), (8, 0.1), (12, 0.25), (20, 0.1), (40, 0.25)])
def test_symmetric_state_stability_is_the_full_hessian(M, T):
    """The example-symmetric retrieval state is unstable towards single examples where the
    full M x M Hessian (enumerated, M <= 12; binomial closed form for the breaking mode
    beyond) has a negative eigenvalue."""
    P, r, beta = 4, 0.3, 1 / T
    ret = solve("unsupervised", P=P, r=r, M=M, beta=beta).branches["retrieval"]
    mu = float(ret.m_example)
    assert ret.m_others == pytest.approx(mu, abs=1e-12)
    if M <= 12:
        m_a, m, f, hess = _enumerated(P, r, M, beta, [mu] * M, iters=1)
        assert m == pytest.approx(ret.m, abs=1e-10) and f == pytest.approx(ret.free_energy, abs=1e-10)
        lowest = np.linalg.eigvalsh(hess)[0]
    else:      # breaking eigenvalue 1 - beta' c0 (P-1) mu^(P-2) E[(1 - chi^a chi^b) sech^2], binomial in S
        from scipy.stats import binom
        rho = (1 - r * r) / (M * r * r)
        c0, bp = 1 / (r ** P * (1 + rho) ** (P - 1) * M), beta * P / 2
        k = np.arange(M + 1)
        S = (2 * k - M) / M
        w = binom.pmf(k, M, (1 + r) / 2)
        s2 = 1 / np.cosh(bp * c0 * mu ** (P - 1) * M * S) ** 2
        pair = ((M * S) ** 2 - M) / (M * (M - 1))                           # E[chi^a chi^b | S]
        lowest = 1 - bp * c0 * (P - 1) * mu ** (P - 2) * np.sum(w * (1 - pair) * s2)
    assert ret.stable == bool(lowest > 0)


def test_example_symmetric_branch_is_unchanged():
    """The retrieval branch of the extended model is the learning_rs solution (and the
    supervised one at low storage) to 1e-10; points outside the example case are untouched."""
    base = UnsupervisedRS()
    kw = dict(P=4, r=0.3, M=np.array([5, 20, 80]), beta=np.array([10.0, 4.0, 10.0]))
    new = solve("unsupervised", **kw).branches["retrieval"]
    shape, full = base.prepare(kw)
    from replica.api import solve_batch
    from replica.solver import Options
    old = solve_batch(base, shape, full, QUAD, Options()).branches["retrieval"]
    sup = solve("supervised", **kw).branches["retrieval"]
    for key in ("m", "n", "q", "free_energy", "energy", "entropy"):
        assert np.asarray(new[key]) == pytest.approx(np.asarray(old[key]), abs=1e-10), key
        assert np.asarray(new[key]) == pytest.approx(np.asarray(sup[key]), abs=1e-10), key
    for kw in (dict(P=4, alpha=0.001, r=0.5, M=10, beta=5.0), dict(P=2, r=0.4, M=6, beta=3.0),
               dict(P=4, rho=0.5, beta=5.0), dict(P=4, r=0.3, M=1, beta=10.0)):
        a = solve("unsupervised", **kw)
        shape, full = base.prepare(kw)
        b = solve_batch(base, shape, full, QUAD, Options())
        assert set(a.branches) == set(b.branches) and "example" not in a.branches
        assert a.m == b.m and a.free_energy == b.free_energy


@pytest.mark.parametrize("beta", [6.0, 10.0, INF])
def test_one_example_is_the_dense_network_of_that_example(beta):
    """M = 1: the example is the only pattern (Nrm = r^(2-P)): p = tanh(beta' r^(P-2) p^(P-1)),
    m = r p; there is no separate example branch."""
    P, r = 4, 0.5
    sol = solve("unsupervised", P=P, r=r, M=1, beta=beta)
    assert "example" not in sol.branches
    bp = beta * P / 2
    p = 1.0
    for _ in range(5000):
        p = math.tanh(bp * r ** (P - 2) * p ** (P - 1)) if beta < INF else 1.0
    assert sol.branches["retrieval"].m == pytest.approx(r * p, abs=1e-10)


def test_perfect_examples_have_no_example_branch():
    """r = 1: every example is the archetype; only the dense Curie-Weiss state m = tanh(beta' m^3)."""
    sol = solve("unsupervised", P=4, r=1.0, M=6, beta=2.0)
    assert "example" not in sol.branches
    m = 1.0
    for _ in range(5000):
        m = math.tanh(4.0 * m ** 3)
    assert sol.m == pytest.approx(m, abs=1e-10)


@pytest.mark.parametrize("P, r, M", [(4, 0.3, 5), (4, 0.3, 40), (6, 0.5, 3), (4, 0.6, 10)])
def test_zero_temperature_closed_form(P, r, M):
    """T = 0: m_example = 1, m_others = r^2, m = r, u = -(1 + (M-1) r^(2P))/(2 Nrm M), zero
    entropy, and beta = 400 approaches it."""
    cf = example_state_zero_temperature(P, r, M)
    assert cf["valid"]
    for beta, tol in ((INF, 1e-12), (400.0, 1e-6)):
        ex = solve("unsupervised", P=P, r=r, M=M, beta=beta).branches["example"]
        assert ex.m_example == pytest.approx(1.0, abs=tol) and ex.m_others == pytest.approx(r * r, abs=tol)
        assert ex.m == pytest.approx(r, abs=tol) and ex.n == pytest.approx(cf["n"], abs=tol)
        assert ex.energy == pytest.approx(cf["energy"], abs=tol)
        assert ex.free_energy == pytest.approx(cf["energy"], abs=10 * tol)


def test_zero_temperature_crossover_of_example_and_archetype():
    """At T = 0 (odd M, no ties) the symmetric state has s = sign(S): energy
    -(1/(2 Nrm)) M^(P-1) E[chi^1 sign(S)]^P... its comparison with the example energy
    picks the thermodynamic branch; the crossover lies near M r^P ~ 1 (P = 4, r = 0.3)."""
    P, r = 4, 0.3
    from scipy.stats import binom
    chosen = {}
    for M in (21, 41, 81, 121, 161, 201, 301):
        sol = solve("unsupervised", P=P, r=r, M=M, beta=INF)
        k = np.arange(M + 1)
        S = (2 * k - M) / M
        w = binom.pmf(k, M, (1 + r) / 2)
        m_a = np.sum(w * S * np.sign(S))                                    # E[chi^a sign(S)] = E|S|
        rho = (1 - r * r) / (M * r * r)
        nrm = r ** P * (1 + rho) ** (P - 1)
        u_sym = -m_a ** P / (2 * nrm)
        assert sol.branches["retrieval"].energy == pytest.approx(u_sym, abs=1e-12)
        u_ex = example_state_zero_temperature(P, r, M)["energy"]
        assert sol.branches["example"].energy == pytest.approx(u_ex, abs=1e-12)
        chosen[M] = sol.branch
        assert sol.branch == ("example" if u_ex < u_sym else "retrieval")
    assert chosen[21] == "example" and chosen[301] == "retrieval"


def test_free_energy_identities_of_the_example_branch():
    """f = u - T s, the analytic gradient is the finite-difference gradient of f, and it
    vanishes at the solution."""
    mdl = get_model("unsupervised")
    assert isinstance(mdl, UnsupervisedExamplesRS)
    P, r, M, beta = 4, 0.3, 8, 6.0
    sol = solve("unsupervised", P=P, r=r, M=M, beta=beta)
    ex = sol.branches["example"]
    assert ex.free_energy == pytest.approx(ex.energy - ex.entropy / beta, abs=1e-12)
    shape, full = mdl.prepare(dict(P=P, r=r, M=M, beta=beta))
    p = Batch({k: v.reshape(1) for k, v in full.items()}, 1)
    x = np.array([[float(ex.n), float(ex.m_example - ex.m_others)]])
    assert np.max(np.abs(mdl.gradient(x, p, QUAD))) < 1e-9
    y = x + np.array([[0.03, -0.05]])
    g = mdl.gradient(y, p, QUAD)[0]
    for j in range(2):
        e = np.zeros((1, 2))
        e[0, j] = 1e-6
        fd = (mdl.free_energy(y + e, p, QUAD) - mdl.free_energy(y - e, p, QUAD))[0] / 2e-6
        assert g[j] == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_thermodynamic_branch_at_the_figure_points():
    """P = 4, r = 0.3, T = 0.1: the example state is the thermodynamic state below the
    crossover (between M = 80 and 150) and the archetype above; the symmetric state is
    unstable towards single examples for M <= 12 and metastable for M = 20 ... 80."""
    M = np.array([3, 5, 8, 12, 20, 40, 80, 150, 300])
    sol = solve("unsupervised", P=4, r=0.3, M=M, beta=np.full(M.size, 10.0))
    assert list(sol.branch) == ["example"] * 7 + ["retrieval"] * 2
    assert list(sol.branches["retrieval"].stable) == [False] * 4 + [True] * 5
    assert np.all(sol.branches["example"].stable)
    assert np.all(np.abs(sol.branches["example"].m - 0.3) < 1e-3)


def test_monte_carlo_example_state_agrees_with_the_theory():
    """Glauber dynamics (montecarlo engine, exact distinct-tuple fields, N = 2000) started in
    example 1 of class 1 of three unsupervised P = 4 networks (K = 2, r = 0.3, M = 8, T = 0.1)
    stays in the example state; m, n and the energy per spin agree with the example branch
    solved on each network's own site statistics (removes the O(N^-1/2) spread of the
    example quality), and their mean with the N -> infinity branch."""
    montecarlo = pytest.importorskip("montecarlo")
    P, K, r, M, beta, N = 4, 2, 0.3, 8, 10.0, 2000
    th = solve("unsupervised", P=P, r=r, M=M, beta=beta).branches["example"]
    rng = np.random.default_rng(11)
    nets, inits, per = [], [], []
    for _ in range(3):
        xi = patterns.binary(K, N, rng)
        eta = patterns.examples(xi, M, r, rng)
        net = Network.from_examples(eta, P=P, rule="unsupervised", r=r, archetypes=xi, normalization="binomial")
        nets.append(net)
        inits.append(eta[0, 0])
        per.append(_sample_example_theory(eta[0] * xi[0], net, beta))
    run = montecarlo.simulate(nets, beta=beta, sweeps=300, burn_in=100, seed=3, init=np.array(inits))
    m = np.asarray(run.m)[..., 0].reshape(3, -1).mean(axis=1)
    e = np.asarray(run.energy).reshape(3, -1).mean(axis=1)
    for meas, key in ((m, "m"), (e, "energy")):
        d = meas - np.array([t[key] for t in per])
        err = np.std(d, ddof=1) / math.sqrt(len(d))
        assert abs(np.mean(d)) < 4 * err + 3.0 / N, (key, d)
    assert abs(np.mean([t["m"] for t in per]) - th.m) < 4 * math.sqrt((1 - 0.09) / (3 * N))
    assert abs(np.mean([t["energy"] for t in per]) - th.energy) < 0.01 * abs(th.energy)


def _sample_example_theory(chi, net, beta):
    """The example state on one network's own sites: m_a = (1/N) sum_i chi_i^a tanh(beta' h_i),
    h_i = c0 sum_a m_a^(P-1) chi_i^a (chi = eta xi, class 1), iterated from example 1."""
    P, M, r = net.P, net.M, net.r
    c0 = 1.0 / (r ** P * (1 + net.rho) ** (P - 1) * M)
    chi = chi.astype(float)                                                 # (M, N)
    m = chi @ chi[0] / chi.shape[1]
    bp = beta * P / 2
    for _ in range(500):
        t = np.tanh(bp * c0 * (m ** (P - 1)) @ chi)
        new = chi @ t / chi.shape[1]
        if np.max(np.abs(new - m)) < 1e-13:
            break
        m = new
    return {"m": float(np.mean(t)), "energy": float(-0.5 * c0 * np.sum(m ** P))}


# ---------------------------------------------------------------------- figure 5 on the agreement layer
UNS = """
engine = "montecarlo"
model = "unsupervised"
seed = 7
samples = 3
observables = ["m", "n", "energy", "reliable"]
[params]
P = 4
K = 2
r = 0.3
[grid]
N = [300, 500, 800]
T = [0.25]
M = [8, 200]
[montecarlo]
sweeps = 80
burn_in = 30
init = "pattern"
[run]
progress = "none"
[theory]
level = "rs"
branch = "thermodynamic"
observables = ["m", "n"]
forms = {m = "1/sqrt(N)", n = "1/sqrt(N)"}
"""


@pytest.fixture(scope="module")
def uns_sweep(tmp_path_factory):
    """A small unsupervised sweep with a [theory] table: M = 8 (runs from the archetype fall into a
    single example, the thermodynamic state) and M = 200 (the archetype state)."""
    import io
    import hebbian
    from hebbian.sweep import load_config, run_sweep
    out = tmp_path_factory.mktemp("uns") / "s"
    run_sweep(load_config(text=UNS), out, stream=io.StringIO())
    return hebbian.load_result(out)


def test_sweep_theory_is_the_example_state_where_it_is_lower(uns_sweep):
    ds = uns_sweep
    assert float(ds.m_theory.sel(M=8, T=0.25)) == pytest.approx(0.3, abs=1e-3)         # single example
    ret = solve("unsupervised", P=4, r=0.3, M=200, beta=4.0)
    assert ret.branch == "retrieval"
    assert float(ds.m_theory.sel(M=200, T=0.25)) == pytest.approx(float(ret.m), abs=1e-12)


def test_figure_records_come_from_the_layer(uns_sweep):
    """compare()'s records: agreement.from_sweep of m and n with the other locally stable RS states
    as 'metastable' alternatives; verdicts from the stated criteria only."""
    from hebbian.gallery import agreement as agr
    from hebbian.gallery.learning import _alternatives, _states
    ds = uns_sweep
    states = _states("unsupervised", ds)
    recs = []
    for obs in ("m", "n"):
        recs += agr.from_sweep(ds, panel="m_vs_M_unsupervised", observable=obs, alternatives=_alternatives(states, obs))
    assert len(recs) == 4
    for r in recs:
        assert r["n_samples"] == 3
        if math.isfinite(r["z"]):
            assert r["sizes"] == [300, 500, 800]
            assert r["z"] == pytest.approx((r["mc_inf"] - r["theory"]) / r["mc_inf_err"], rel=1e-9)
            assert r["verdict"] == agr.verdict(r)[0]
        st = states[(r["params"]["M"], r["params"]["T"])]
        assert {a["branch"] for a in r["alternatives"]} == {n for n, b in st.items() if not n.startswith("_")
                                                           and n != st["_chosen"] and b["found"] and b["stable"]}
    m8 = next(r for r in recs if r["observable"] == "m" and r["params"]["M"] == 8)
    assert m8["theory_branch"] == "thermodynamic" and m8["verdict"] == "agree", m8


def test_a_shifted_theory_is_a_disagreement(uns_sweep):
    """Moving every theory value (the sweep's and the alternatives') 10 error bars further away from
    the Monte Carlo turns every compared verdict into 'disagree'."""
    from hebbian.gallery import agreement as agr
    from hebbian.gallery.learning import _alternatives, _states
    ds = uns_sweep.copy()
    states = _states("unsupervised", ds)
    mc, err = ds["m_inf"], ds["m_inf_err"]

    def away(v, mc, err):
        return mc + np.where(v >= mc, 1.0, -1.0) * (np.abs(v - mc) + 10 * err)
    ds["m_theory"] = away(ds["m_theory"], mc, err)
    ds["m_z"] = (ds["m_inf"] - ds["m_theory"]) / ds["m_inf_err"]
    alts = _alternatives(states, "m")

    def shifted(params, k):
        sel = {"M": params["M"], "T": params["T"]}
        m, e = float(mc.sel(sel)), float(err.sel(sel))
        return [dict(a, theory=float(away(a["theory"], m, e))) for a in alts(params, k)]
    recs = agr.from_sweep(ds, panel="m_vs_M_unsupervised", observable="m", alternatives=shifted)
    compared = [r for r in recs if math.isfinite(r["z"])]
    assert compared and all(r["verdict"] == "disagree" for r in compared)


@pytest.mark.parametrize("M, T", [(3, 0.1), (8, 0.25), (20, 0.1)])
def test_start_breaking_is_the_slope_of_the_enumerated_overlap_map(M, T):
    """start_breaking: 1 - (slope of the overlap map in an example-breaking direction) at m_a = r,
    against a finite difference of the map over all 2^M sign vectors (M = 20: binomial check of
    the symmetric slope only is skipped; M <= 8 enumerated)."""
    from hebbian.gallery.learning import start_breaking
    P, r = 4, 0.3
    val = start_breaking(P, r, M, T)
    if M > 12:
        assert val > 0
        return
    rho = (1 - r * r) / (M * r * r)
    c0, bp = 1 / (r ** P * (1 + rho) ** (P - 1) * M), 2 / T
    chi = np.array(list(itertools.product((1.0, -1.0), repeat=M)))
    w = np.prod(np.where(chi > 0, (1 + r) / 2, (1 - r) / 2), axis=1)

    def F(m):
        return (w * np.tanh(bp * c0 * chi @ m ** (P - 1))) @ chi
    v = np.zeros(M)
    v[0], v[1] = 1.0, -1.0                                                 # a breaking direction
    eps = 1e-6
    slope = (F(r + eps * v) - F(r - eps * v)) @ v / (2 * eps * (v @ v))
    assert val == pytest.approx(1 - slope, abs=1e-7)


@pytest.mark.parametrize("M, expected", [(3, "paramagnet"), (5, "retrieval")])
def test_archetype_flow_predicts_where_supervised_runs_end(M, expected):
    """P = 4, r = 0.3, T = 0.1: the N -> infinity flow from the archetype ends in the paramagnet at
    M = 3 (although the retrieval state exists) and in the retrieval state at M = 5; Glauber runs
    of the Monte Carlo engine (N = 2000, two networks) end there too, and the flow's end is the
    RS state."""
    montecarlo = pytest.importorskip("montecarlo")
    from hebbian.gallery.learning import archetype_flow
    from hebbian.models import make_network
    P, r, T = 4, 0.3, 0.1
    flow = archetype_flow(P, r, M, T)
    sol = solve("supervised", P=P, r=r, M=M, beta=1 / T)
    assert "retrieval" in sol.branches and flow["state"] == expected
    assert flow["m"] == pytest.approx(float(sol.branches[expected].m), abs=1e-6)
    nets = [make_network("supervised", 2000, s, P=P, K=2, r=r, M=M) for s in (1, 2)]
    run = montecarlo.simulate(nets, beta=1 / T, sweeps=200, burn_in=100, seed=5, init="pattern")
    m = np.asarray(run.m)[..., 0].reshape(2, -1).mean(axis=1)
    assert np.all(np.abs(m - flow["m"]) < 0.05), m


def test_crossover_on_the_common_grid():
    """crossover_M: the smallest M of BOTH theory grids where the archetype state is lower."""
    import xarray as xr
    from hebbian.gallery.learning import crossover_M

    def grid(Ms, f):
        return xr.Dataset({"free_energy": (("T", "M"), np.array([f], float))}, coords={"T": [0.1], "M": Ms})
    ret = grid([10, 100, 150, 200], [-0.1, -0.3, -0.5, -0.6])
    ex = grid([3, 10, 50, 100, 150, 200, 300], [-0.3, -0.5, -0.6, -0.4, -0.45, -0.5, -0.1])
    assert crossover_M(ret, ex, 0.1) == 150.0
    assert math.isnan(crossover_M(ret.assign(free_energy=ret.free_energy * 0), ex, 0.1))
