"""Physics checks of the Monte Carlo engine: closed forms, replica theory, tempering, annealing,
the exact and Plefka fields."""

import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import gammaln

from hebbian import Network, patterns
from montecarlo import _engine, anneal, disorder_average, parallel_tempering, simulate
from test_mc_exact import _all_states, chi2_pvalue


# ============================================================================ the exact fields
@pytest.mark.parametrize("kind, P, tuples", [
    ("binary", 2, "distinct"), ("diluted", 2, "distinct"), ("supervised", 2, "distinct"),
    ("binary", 3, "distinct"), ("binary", 5, "distinct"), ("unsupervised", 4, "distinct"),
    ("diluted", 3, "distinct"), ("diluted", 4, "distinct"), ("supervised", 4, "distinct"),
    ("supervised", 5, "distinct"), ("binary", 4, "all"), ("supervised", 3, "all"),
])
def test_kernel_energy_changes_equal_network_delta_energy(kind, P, tuples):
    """At every site of random states, the kernels' dE equals hebbian's exact delta_energy."""
    rng = np.random.default_rng(P)
    N = 24
    xi = patterns.binary(3, N, rng)
    if kind == "binary":
        net = Network(xi, P, tuples=tuples)
    elif kind == "diluted":
        net = Network(patterns.diluted(3, N, 0.3, rng), P, tuples=tuples)
    else:
        net = Network.from_examples(patterns.examples(xi, 6, 0.4, rng), P, kind, r=0.4, archetypes=xi,
                                    tuples=tuples)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, N))
    s[0] = xi[0]
    dE = _engine.delta_energies(_engine.prepare([net]), s)
    exact = np.array([[net.delta_energy(x, i) for i in range(N)] for x in s])
    np.testing.assert_allclose(dE, exact, rtol=1e-12, atol=1e-14 * np.abs(exact).max())


def test_dense_tables_too_large_for_int64_fall_back_to_float():
    """C(100, 20) > 2^62: the tables are float64 with the scale folded in; dE still exact."""
    rng = np.random.default_rng(3)
    dense = Network(patterns.binary(2, 100, rng), 20)                 # C(100, 20) > 2^62
    model = _engine.prepare([dense])
    assert model.family == "table" and model.tab.dtype == np.float64
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(2, 100))
    s[0] = dense.xi[0]
    exact = np.array([[dense.delta_energy(x, i) for i in range(100)] for x in s])
    np.testing.assert_allclose(_engine.delta_energies(model, s), exact, rtol=1e-9, atol=1e-12 * np.abs(exact).max())


# ============================================================================ Curie-Weiss
def _curie_weiss_finite_n(beta, N):
    """Exact <m | m > 0> of the distinct-tuple K = 1 network, H = -(M^2 - N)/(2N)."""
    M = np.arange(-N, N + 1, 2)
    a = (N + M) // 2
    lw = gammaln(N + 1) - gammaln(a + 1) - gammaln(N - a + 1) + beta * (M ** 2 - N) / (2.0 * N)
    w = np.exp(lw - lw.max()) * (M > 0)
    return float((M / N * w).sum() / w.sum())


@pytest.mark.parametrize("beta, N, rule, order", [(2.0, 2000, "glauber", "random"),
                                                  (1.5, 4000, "metropolis", "sequential")])
def test_curie_weiss_magnetisation(beta, N, rule, order):
    """K = 1 is the Curie-Weiss model: m = tanh(beta m) within the reported error (the exact
    finite-N value, 1e-4 to 2e-4 away, agrees too)."""
    xi = patterns.binary(1, N, np.random.default_rng(N))
    run = simulate(Network(xi, 2), beta, 4500, init=xi[0], seed=int(beta * 10), rule=rule, order=order,
                   burn_in=500)
    est = run.estimate("m")
    assert est.reliable
    m_star = optimize.brentq(lambda m: m - math.tanh(beta * m), 1e-6, 1.0)
    assert abs(est.mean[0] - m_star) < 3 * est.error[0], (est.mean[0], m_star, est.error[0])
    assert abs(est.mean[0] - _curie_weiss_finite_n(beta, N)) < 3 * est.error[0]
    assert est.error[0] < 5e-4


# ============================================================================ Hopfield vs RS
def _gauss(f, split):
    """E_z f(z), z ~ N(0, 1), adaptive quadrature split where the field changes sign."""
    g = lambda z: f(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)  # noqa: E731
    pts = [split] if -12.0 < split < 12.0 else None
    return integrate.quad(g, -12.0, 12.0, points=pts, limit=200, epsabs=1e-13, epsrel=1e-12)[0]


def ags_retrieval(alpha, beta):
    """Amit-Gutfreund-Sompolinsky RS retrieval state (docs/physics/hopfield.md):
    m = E tanh(beta h), q = E tanh^2(beta h), h = m + sqrt(alpha r) z, r = q / (1 - beta(1-q))^2;
    energy per spin u = alpha/2 - m^2/2 - (alpha/2) [1/A + beta q (1-q)/A^2], A = 1 - beta(1-q)."""
    m, q = 1.0, 0.999
    for _ in range(10000):
        A = 1.0 - beta * (1.0 - q)
        s = math.sqrt(alpha * q) / A
        mn = _gauss(lambda z: math.tanh(beta * (m + s * z)), -m / s)
        qn = _gauss(lambda z: math.tanh(beta * (m + s * z)) ** 2, -m / s)
        if abs(mn - m) + abs(qn - q) < 1e-12:
            break
        m, q = 0.5 * (m + mn), 0.5 * (q + qn)
    else:
        raise RuntimeError("AGS iteration did not converge")
    A = 1.0 - beta * (1.0 - q)
    return m, q, alpha / 2 - m * m / 2 - alpha / 2 * (1 / A + beta * q * (1 - q) / A ** 2)


def test_ags_solver_t0_limit():
    """The solver reproduces the T -> 0 closed form m = erf(y), alpha(y) (AGS)."""
    y = 2.0
    alpha = (math.erf(y) - 2 / math.sqrt(math.pi) * y * math.exp(-y * y)) ** 2 / (2 * y * y)
    m, _, _ = ags_retrieval(alpha, 200.0)
    assert m == pytest.approx(math.erf(y), abs=1e-4)


def _hopfield_check(samples, sweeps):
    alpha, T = 0.05, 0.3
    run = disorder_average("hopfield", 1000, samples, beta=1 / T, sweeps=sweeps, seed=2024, alpha=alpha,
                           burn_in=sweeps // 5, every=5)
    m_rs, q_rs, u_rs = ags_retrieval(alpha, 1 / T)
    m, dm = run.mean("m")[0], run.error("m")[0]
    e, de = run.mean("energy"), run.error("energy")
    assert abs(m - m_rs) < 3 * dm, (m, dm, m_rs)
    assert abs(e - u_rs) < 3 * de, (e, de, u_rs)
    # the replica engine (on main since the merge) gives the same retrieval branch; at this
    # point its RS thermodynamic state is the spin glass: retrieval is metastable, which is the
    # state a run started in pattern 1 samples at N = 1000
    from replica import solve
    ret = solve("hopfield", alpha=alpha, beta=1 / T).branches["retrieval"]
    assert ret.m == pytest.approx(m_rs, abs=1e-9) and ret.energy == pytest.approx(u_rs, abs=1e-9)
    assert abs(m - ret.m) < 3 * dm and abs(e - ret.energy) < 3 * de


def test_hopfield_retrieval_agrees_with_replica_symmetric_theory():
    """Pairwise Hopfield, alpha = 0.05, T = 0.3, N = 1000 (K = 50), started in pattern 1:
    m and the energy per spin agree with the AGS RS retrieval state (self-contained solver and
    replica.solve) within the disorder-averaged error bars."""
    _hopfield_check(samples=6, sweeps=1500)


@pytest.mark.slow
def test_hopfield_retrieval_agrees_with_replica_symmetric_theory_long():
    _hopfield_check(samples=32, sweeps=6000)


# ============================================================================ parallel tempering
class _AtBeta:
    def __init__(self, run, k):
        self.m = run.m[..., k, :, :]
        self.energy = run.energy[..., k, :]
        self.tau = lambda name: run.tau(name)[k]


def test_parallel_tempering_reproduces_enumeration():
    rng = np.random.default_rng(5)
    net = Network(patterns.binary(3, 10, rng), 3)
    betas = np.array([0.4, 0.8, 1.3, 2.0])
    run = parallel_tempering(net, betas, 1500, seed=8, chains=12, burn_in=50, every=2)
    assert np.all((run.swap_rates > 0.05) & (run.swap_rates < 1.0))
    for k, beta in enumerate(betas):
        at = _AtBeta(run, k)
        assert chi2_pvalue(net, beta, at) > 1e-3
        assert chi2_pvalue(net, 2 * beta, at) < 1e-8


def test_parallel_tempering_errors_match_the_spread_of_independent_runs():
    """A dense P = 3 network in its glassy region (two retrieval states and spurious minima):
    at the lowest temperature the tempering errors must match the scatter of 30 runs."""
    net = Network(patterns.binary(4, 16, np.random.default_rng(11)), 3)
    betas = np.geomspace(0.5, 4.0, 6)
    means, errs = [], []
    for seed in range(30):
        run = parallel_tempering(net, betas, 800, seed=seed, burn_in=100, every=1)
        est = run.estimate("energy", warn=False)
        means.append(est.mean[-1])
        errs.append(est.error[-1])
    ratio = np.sqrt(np.mean(np.square(errs))) / np.std(means, ddof=1)
    assert 0.7 < ratio < 1.4, ratio
    # and the average agrees with enumeration
    st = _all_states(16)
    E = net.energy(st)
    w = np.exp(-betas[-1] * (E - E.min()))
    exact = float((E / 16 * w).sum() / w.sum())
    assert abs(np.mean(means) - exact) < 3 * np.std(means, ddof=1) / np.sqrt(30)


# ============================================================================ annealing
def test_annealing_finds_the_ground_state():
    net = Network(patterns.binary(5, 14, np.random.default_rng(2)), 2)
    E = net.energy(_all_states(14)) / 14
    res = anneal(net, np.linspace(0.2, 5.0, 25), 20, seed=1, chains=8)
    assert res.best_energy == pytest.approx(E.min(), abs=1e-12)
    assert net.energy(res.best_spins) / 14 == pytest.approx(res.best_energy, abs=1e-12)
    assert res.energy.shape == (26, 8) and res.betas[-1] == math.inf
    # every chain ends in a local minimum (the final zero-temperature quench)
    for c in range(8):
        s = res.state.spins[0, c, 0, 0]
        assert min(net.delta_energy(s, i) for i in range(14)) >= -1e-12


# ============================================================================ Plefka
def _supervised(N, P, rng, K=3, M=5, r=0.4):
    xi = patterns.binary(K, N, rng)
    return Network.from_examples(patterns.examples(xi, M, r, rng), P, "supervised", r=r, archetypes=xi)


def test_plefka_field_is_newton_without_higher_power_sums():
    """Definition check (P = 4): the Plefka field drops exactly the p_3 term of
    e_3 = (p_1^3 - 3 p_1 p_2 + 2 p_3)/6, so dE_plefka - dE_exact = -2 scale s_i sum_p v_ip p'_3/3
    with p'_3 the third power sum of the other N - 1 entries."""
    rng = np.random.default_rng(1)
    net = _supervised(40, 4, rng)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 40))
    ex = _engine.delta_energies(_engine.prepare([net]), s)
    pl = _engine.delta_energies(_engine.prepare([net], "plefka"), s)
    v = net.stored_site_major.astype(np.int64)                     # (N, K)
    x = v[None] * s[:, :, None].astype(np.int64)                   # (B, N, K)
    p3_other = (x ** 3).sum(axis=1)[:, None, :] - x ** 3
    expected = -2 * net.scale * s * (v[None] * p3_other).sum(axis=2) / 3.0
    np.testing.assert_allclose(pl - ex, expected, rtol=1e-9, atol=1e-12)


def test_plefka_field_error_shrinks_with_n():
    """Error bound of the Plefka field, supervised P = 4 (K = 3, M = 5, r = 0.4): for every
    state, max_i |h_plefka - h_exact| <= (5/N) max_i |h_exact| (measured: ~2-4/N in random
    states, ~10/N^2 in a retrieval state, where the dropped p_3 terms are O(N) against O(N^3)),
    and the absolute error in the retrieval state falls at least like 1/N."""
    retrieval = []
    for N in (100, 200, 400):
        rng = np.random.default_rng(N)
        net = _supervised(N, 4, rng)
        s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, N))
        s[0] = net.xi[0]
        ex = _engine.delta_energies(_engine.prepare([net]), s)
        pl = _engine.delta_energies(_engine.prepare([net], "plefka"), s)
        err = np.abs(pl - ex).max(axis=1) / 2.0                 # |dh| = |dE| / 2
        field = np.abs(ex).max(axis=1) / 2.0
        assert np.all(err <= 5.0 / N * field), (N, err / field)
        retrieval.append(err[0])
    assert retrieval[1] < 0.6 * retrieval[0] and retrieval[2] < 0.6 * retrieval[1], retrieval


def test_plefka_sampling_agrees_with_exact_sampling():
    """Supervised P = 4, N = 300: overlaps and energy sampled with the Plefka field agree with
    the exact sampler within 3 combined standard errors."""
    net = _supervised(300, 4, np.random.default_rng(7))
    kw = dict(init="pattern", burn_in=200, every=2, chains=4)
    ex = simulate(net, 1.2, 1200, seed=1, **kw)
    pl = simulate(net, 1.2, 1200, seed=2, field="plefka", **kw)
    for name in ("m", "energy"):
        a, b = ex.estimate(name), pl.estimate(name)
        assert np.all(np.abs(a.mean - b.mean) < 3 * np.hypot(a.error, b.error)), name


# ============================================================================ disorder average
def test_disorder_average_draws_independent_networks_reproducibly():
    a = disorder_average("dense", 40, 3, beta=2.0, sweeps=30, seed=4, P=3, alpha=0.001, chains=2)
    b = disorder_average("dense", 40, 3, beta=2.0, sweeps=30, seed=4, P=3, alpha=0.001, chains=2)
    assert a.dims == ("network", "chain") and a.m.shape[:2] == (3, 2)
    assert np.array_equal(a.m, b.m)
    assert not np.array_equal(a.m[0], a.m[1])
    est = a.estimate("m", warn=False)
    per_net = a.m.mean(axis=(1, 2))
    np.testing.assert_allclose(est.mean, per_net.mean(axis=0))
    np.testing.assert_allclose(est.error, per_net.std(axis=0, ddof=1) / np.sqrt(3))
    with pytest.raises(ValueError, match="alpha"):
        disorder_average("dense", 40, 3, beta=2.0, sweeps=30, seed=4, P=3, alpha=-1)
