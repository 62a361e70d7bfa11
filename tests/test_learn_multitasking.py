"""Multitasking network (diluted archetypes, low storage), with and without examples, RS (= exact
mean field at finite K): T = 0 amplitudes, T_c, identities, exact finite-N enumeration, regime
boundaries, Monte Carlo. Equations and checks: docs/physics/multitasking.md."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from _learn_helpers import lattice_free_energy, metropolis
from hebbian import Network, patterns
from replica import solve
from replica.base import Batch, get_model
from replica.families.multitasking_rs import classify_amplitudes
from replica.learning_lines import base_name, multitasking_boundaries
from replica.quadrature import DEFAULT as QUAD

INF = math.inf


def _batch(**params):
    mdl = get_model("multitasking")
    shape, full = mdl.prepare(params)
    B = int(np.prod(shape))
    return mdl, Batch({k: v.reshape(B) for k, v in full.items()}, B)


# ---------------------------------------------------------------------- T = 0
@pytest.mark.parametrize("K, d", [(2, 0.2), (2, 0.7), (3, 0.2), (3, 0.45), (4, 0.1), (4, 0.3)])
def test_zero_temperature_hierarchical_amplitudes(K, d):
    """T = 0: every site follows its first non-blank archetype, m_k = (1 - d) d^(k-1), f = -|m|^2/2
    (the thermodynamic state for K = 2 at every d, for K = 3 below d* = 0.5469). The sites with
    all K archetypes blank (fraction d^K) feel no field: entropy d^K ln 2 at T = 0."""
    s = solve("multitasking", K=K, d=d, beta=INF)
    hier = (1 - d) * d ** np.arange(K)
    assert s.branch == "hierarchical"
    assert np.allclose(s.m, hier, atol=1e-12)
    assert s.free_energy == pytest.approx(-0.5 * np.sum(hier ** 2), abs=1e-12)
    assert s.energy == pytest.approx(s.free_energy, abs=1e-12)
    assert s.entropy == pytest.approx(d ** K * math.log(2), abs=1e-12)


def _majority(d):
    """K = 3, T = 0 'majority' state: sites with three non-blank archetypes follow the majority,
    the others the first non-blank one of the order (1, 2, 3)."""
    e = 1 - d
    return np.array([e ** 3 / 2 + 2 * e ** 2 * d + e * d * d, e ** 3 / 2 + e ** 2 * d + e * d * d, e ** 3 / 2 + e * d * d])


def test_zero_temperature_state_changes_at_d_star_for_three_archetypes():
    """Correction to the notes: for K = 3 the hierarchical state is the T = 0 ground state only
    for d < d* = 0.546918 (equal energies -|m|^2/2 of the two closed forms)."""
    hier = lambda d: (1 - d) * d ** np.arange(3)
    d_star = brentq(lambda d: np.sum(hier(d) ** 2) - np.sum(_majority(d) ** 2), 0.3, 0.7, xtol=1e-14)
    assert d_star == pytest.approx(0.546918, abs=1e-6)
    for d, expect in ((d_star - 0.01, "hier"), (d_star + 0.01, "maj"), (0.7, "maj")):
        s = solve("multitasking", K=3, d=d, beta=INF)
        ref = hier(d) if expect == "hier" else _majority(d)
        assert np.allclose(s.m, ref, atol=1e-12), (d, s.branch, s.m)
        assert s.free_energy == pytest.approx(-0.5 * np.sum(ref ** 2), abs=1e-12)
        # near d* the other one is a locally stable metastable state (the hierarchical state
        # exists only while m_1 > m_2 + m_3, i.e. 1 > d + d^2, d < 0.618)
        if abs(d - d_star) < 0.05:
            other = _majority(d) if expect == "hier" else hier(d)
            assert any(np.allclose(b.m, other, atol=1e-12) and b.stable for b in s.branches.values())
        else:
            assert not any(np.allclose(b.m, hier(d), atol=1e-6) for b in s.branches.values())


def test_zero_temperature_cancellations_are_saddles():
    """At T = 0 a state with xi.m = 0 on some non-blank configuration (parallel states) is a
    saddle: the analytic Hessian is -infinity along that configuration."""
    s = solve("multitasking", K=3, d=0.2, beta=INF)
    assert s.branches["parallel"].stability == -INF and not s.branches["parallel"].stable
    assert s.branches["hierarchical"].stability == pytest.approx(1.0)


def test_zero_temperature_is_the_limit_of_low_temperature():
    for kw in (dict(K=3, d=0.3), dict(K=3, d=0.3, rho=0.2), dict(K=2, d=0.3, r=0.7, M=5)):
        a = solve("multitasking", beta=INF, **kw)
        b = solve("multitasking", beta=1e4, **kw)
        assert base_name(a.branch) == base_name(b.branch)
        assert np.allclose(a.m, b.m, atol=2e-4) and a.free_energy == pytest.approx(b.free_energy, abs=2e-4)


# ---------------------------------------------------------------------- T_c and near it
@pytest.mark.parametrize("kw", [dict(K=2, d=0.3), dict(K=3, d=0.6), dict(K=3, d=0.2, rho=0.5),
                                dict(K=2, d=0.4, r=0.6, M=6)])
def test_critical_temperature_is_one_minus_d(kw):
    """The paramagnet is the only solution above T_c = 1 - d and unstable below (every rho)."""
    Tc = 1 - kw["d"]
    above = solve("multitasking", beta=1 / (Tc * 1.001), **kw)
    below = solve("multitasking", beta=1 / (Tc * 0.999), **kw)
    assert above.branch == "paramagnet" and above.stable
    assert below.branch != "paramagnet" and not below.branches["paramagnet"].stable
    assert below.branches["paramagnet"].stability == pytest.approx(1 - 1 / 0.999, rel=1e-6) if "rho" not in kw \
        and "M" not in kw else True


@pytest.mark.parametrize("d, expected", [(0.3, "pure"), (0.5, "pure"), (0.8, "parallel")])
def test_landau_selection_near_critical_temperature(d, expected):
    """Near T_c, f = (1 - beta(1-d))|m|^2/2 + (beta^3/12)(1-d)[(3d - 2) sum m^4 + 3 (1-d)|m|^4]:
    one pattern (pure) for d < 2/3, equal amplitudes (parallel) for d > 2/3, with the pure
    amplitude m^2 = 3 (beta (1-d) - 1)/(beta^3 (1-d)) to leading order."""
    T = (1 - d) * 0.999
    s = solve("multitasking", K=3, d=d, beta=1 / T, tol=1e-13)
    assert base_name(s.branch) == expected
    if expected == "pure":
        b = 1 / T
        m2 = 3 * (b * (1 - d) - 1) / (b ** 3 * (1 - d))
        assert s.m[0] ** 2 == pytest.approx(m2, rel=5e-3)


def test_landau_threshold_with_examples():
    """With examples (large M) the quartic Landau term of f(n) has the coefficient
    (1-d) E[w^4] - 3 (1-d)^2 E[w^2]^2 of sum n^4, E[w^4] = 1 + 6 rho + 3 rho^2, E[w^2] = 1 + rho:
    near T_c the state is pure for d < d_L(rho) = 1 - (1 + 6 rho + 3 rho^2)/(3 (1 + rho)^2) and
    parallel above (d_L = 2/3 at rho = 0; 0.4630 at rho = 0.2)."""
    rho = 0.2
    d_L = 1 - (1 + 6 * rho + 3 * rho ** 2) / (3 * (1 + rho) ** 2)
    assert d_L == pytest.approx(0.462963, abs=1e-6)
    for d, expected in ((d_L - 0.04, "pure"), (d_L + 0.04, "parallel")):
        s = solve("multitasking", K=3, d=d, beta=1 / ((1 - d) * 0.9995), rho=rho, tol=1e-13)
        assert base_name(s.branch) == expected, (d, s.branch, s.m)


# ---------------------------------------------------------------------- identities
@pytest.mark.parametrize("kw", [dict(K=3, d=0.3, beta=5.0), dict(K=3, d=0.6, beta=8.0, rho=0.3),
                                dict(K=2, d=0.2, beta=3.0, r=0.7, M=5), dict(K=3, d=0.2, beta=INF, rho=0.2)])
def test_gradient_and_hessian_are_derivatives_of_the_free_energy(kw):
    mdl, p = _batch(**kw)
    rng = np.random.default_rng(4)
    K = kw["K"]
    for _ in range(3):
        x = np.sort(rng.uniform(0.05, 0.6, K))[::-1][None, :]
        g = mdl.gradient(x, p, QUAD)[0]
        H = np.empty((K, K))
        for j in range(K):
            e = np.zeros((1, K))
            e[0, j] = 1e-6
            assert (mdl.free_energy(x + e, p, QUAD)[0] - mdl.free_energy(x - e, p, QUAD)[0]) / 2e-6 \
                == pytest.approx(g[j], abs=1e-8)
            H[:, j] = (mdl.gradient(x + e, p, QUAD)[0] - mdl.gradient(x - e, p, QUAD)[0]) / 2e-6
        # the gradient is (1 + rho) times the residual of the map: zero exactly at solutions
        rho = p["rho"][0] if "rho" in p else 0.0
        assert np.allclose(g, (1 + rho) * (x[0] - mdl.update(x, p, QUAD)[0]), atol=1e-12)
        if "rho" not in kw or "M" in kw:        # plain and exact-M: analytic Hessian
            lam = mdl.stability(x, p, QUAD, np.array([np.nan]))[0]
            assert lam == pytest.approx(np.linalg.eigvalsh(0.5 * (H + H.T))[0], abs=1e-6)


def test_learning_reductions():
    """r = 1 (M examples identical to the archetype) is the plain network; K = 1, d = 0 is the
    low-storage P = 2 learning model of the 'supervised' family (another module)."""
    a = solve("multitasking", K=3, d=0.3, beta=4.0)
    b = solve("multitasking", K=3, d=0.3, beta=4.0, r=1.0, M=3)
    assert a.branch == b.branch and np.allclose(a.m, b.m, atol=1e-11)
    for kw in (dict(rho=0.4), dict(r=0.6, M=5)):
        mt = solve("multitasking", K=1, d=0.0, beta=2.0, **kw)
        sup = solve("supervised", P=2, beta=2.0, **kw)
        assert mt.m[0] == pytest.approx(sup.m, abs=1e-10) and mt.n[0] == pytest.approx(sup.n, abs=1e-10)
        assert mt.free_energy == pytest.approx(sup.free_energy, abs=1e-10)


def test_large_m_is_the_limit_of_the_exact_average():
    """At fixed rho the exact finite-M averages tend to the large-M Gaussian form as 1/M."""
    rho = 0.25
    g = solve("multitasking", K=2, d=0.3, beta=5.0, rho=rho)
    errs = []
    for M in (4, 20, 100):
        r = 1 / math.sqrt(1 + M * rho)
        e = solve("multitasking", K=2, d=0.3, beta=5.0, r=r, M=M)
        errs.append(np.max(np.abs(e.m - g.m)))
    # O(1/M) convergence (the Gaussian form drops the skewness of S, of order 1/M)
    assert errs[0] > errs[1] > errs[2]
    assert all(e * M < 0.3 for e, M in zip(errs, (4, 20, 100))) and 3 < errs[1] / errs[2] < 7


def test_classification_of_amplitudes():
    names = classify_amplitudes(np.array([[0, 0, 0], [0.5, 0, 0], [0.3, 0.3, 0.3], [0.3, 0.3, 0], [0.8, 0.16, 0.032],
                                          [0.544, 0.416, 0.288], [0.3, 0.3, 0.1], [0.7, 0.2, 0]]))
    assert list(names) == ["paramagnet", "pure", "parallel", "parallel-2", "hierarchical", "mixture", "mixture",
                           "hierarchical-2"]


def test_vectorised_grid_equals_pointwise_solves():
    d = np.array([0.2, 0.7])[:, None]
    beta = np.array([INF, 10.0, 3.0])[None, :]
    grid = solve("multitasking", K=3, d=d, beta=beta)
    for i in range(2):
        for j in range(3):
            one = solve("multitasking", K=3, d=float(d[i, 0]), beta=float(beta[0, j]))
            assert base_name(grid.branch[i, j]) == base_name(one.branch)
            assert np.allclose(grid.m[i, j], one.m, atol=1e-9)


# ---------------------------------------------------------------------- exact enumeration
@pytest.mark.parametrize("d, T", [(0.3, 0.1), (0.3, 0.5), (0.7, 0.1), (0.85, 0.1)])
def test_exact_finite_n_partition_function(d, T):
    """K = 2, N = 400: the exact Boltzmann weight (all 2^N states) peaks at the RS thermodynamic
    state (hierarchical / pure / parallel) and its free energy approaches f_RS (ln N / N)."""
    s = solve("multitasking", K=2, d=d, beta=1 / T)
    f_N, peak = lattice_free_energy(d, 400, 1 / T)
    assert np.max(np.abs(peak - s.m)) < 0.006, (peak, s.m, s.branch)
    for name, b in s.branches.items():     # the other solutions are farther away
        if base_name(name) != base_name(s.branch):
            assert np.max(np.abs(peak - b.m)) > 0.02
    assert abs(f_N - s.free_energy) < 4e-3


# ---------------------------------------------------------------------- boundaries
def test_hierarchical_to_pure_boundary_of_two_archetypes():
    """K = 2: the second amplitude vanishes where the pure state becomes stable along m2:
    T* = d(1-d) + (1-d)^2 sech^2(m1/T*), m1 = (1-d) tanh(m1/T*) (closed form, continuous
    transition); then pure -> paramagnet at T_c = 1 - d."""
    d = 0.3

    def gap(T):
        m1 = brentq(lambda m: m - (1 - d) * math.tanh(m / T), 1e-9, 1.0)
        return T - d * (1 - d) - (1 - d) ** 2 / math.cosh(m1 / T) ** 2

    T_star = brentq(gap, 0.15, 0.3, xtol=1e-14)
    bounds = multitasking_boundaries(2, d, n_scan=12, xtol=1e-5)
    assert [(b["below"], b["above"]) for b in bounds] == [("hierarchical", "pure"), ("pure", "paramagnet")]
    assert bounds[0]["T"] == pytest.approx(T_star, abs=1e-5)
    assert bounds[1]["T"] == 1 - d
    assert bounds[0]["jump"] < 5e-3                      # continuous (m2 ~ sqrt(T* - T))


# ---------------------------------------------------------------------- Monte Carlo
def _mc_sorted_amplitudes(xi_or_net, beta, s0, sweeps, burn, seed):
    net = xi_or_net
    series = metropolis(net, beta, s0, sweeps, burn, seed, net.xi)
    return np.sort(np.abs(series), axis=1)[:, ::-1].mean(axis=0)


def test_monte_carlo_hierarchical_state():
    """K = 3, d = 0.2, T = 0.1 (hierarchical-2: the third amplitude vanishes for T > d^2 (1-d)):
    Metropolis at N = 4000 from the T = 0 hierarchical configuration. The two leading sorted
    amplitudes agree with RS within 4 standard errors + the O(1/sqrt N) crosstalk bias of sorted
    amplitudes; the third is compatible with 0 (below 3/sqrt N)."""
    K, d, T, N = 3, 0.2, 0.1, 4000
    s = solve("multitasking", K=K, d=d, beta=1 / T)
    assert s.branch == "hierarchical-2"
    rng = np.random.default_rng(8)
    amps = []
    for rep in range(3):
        xi = patterns.diluted(K, N, d, rng)
        net = Network(xi, P=2)
        first = np.where(xi[0] != 0, xi[0], np.where(xi[1] != 0, xi[1], np.where(xi[2] != 0, xi[2], 1)))
        amps.append(_mc_sorted_amplitudes(net, 1 / T, first, 400, 150, rep))
    amps = np.array(amps)
    mean, err = amps.mean(axis=0), amps.std(axis=0, ddof=1) / math.sqrt(len(amps))
    assert np.all(np.abs(mean[:2] - s.m[:2]) < 4 * err[:2] + 1.5 / math.sqrt(N)), (mean, s.m)
    assert mean[2] < 3 / math.sqrt(N)


@pytest.mark.slow
@pytest.mark.parametrize("d, T, kw", [(0.7, 0.15, {}), (0.3, 0.45, {}), (0.2, 0.1, dict(r=0.7, M=5)),
                                      (0.6, 0.1, dict(r=0.8, M=4))])
def test_monte_carlo_parallel_pure_and_learning_states(d, T, kw):
    """N = 8000, annealed from T = 1.2 (1-d): the sum of the sorted amplitudes against RS (the
    parallel state has a soft antisymmetric mode, so individual sorted amplitudes carry a
    large finite-N bias there)."""
    K, N = 3, 8000
    s = solve("multitasking", K=K, d=d, beta=1 / T, **kw)
    rng = np.random.default_rng(21)
    sums = []
    for rep in range(3):
        xi = patterns.diluted(K, N, d, rng)
        if kw:
            net = Network.from_examples(patterns.examples(xi, kw["M"], kw["r"], rng), P=2, rule="supervised",
                                        r=kw["r"], archetypes=xi)
        else:
            net = Network(xi, P=2)
        state = rng.choice([-1.0, 1.0], N)
        for Ti in np.linspace(1.2 * (1 - d), T, 20)[:-1]:
            state = _anneal_step(net, 1 / Ti, state, rep)
        series = metropolis(net, 1 / T, state, 600, 200, rep, net.xi)
        amps = np.sort(np.abs(series), axis=1)[:, ::-1].mean(axis=0)
        sums.append(amps.sum())
    err = np.std(sums, ddof=1) / math.sqrt(3)
    assert abs(np.mean(sums) - np.sum(s.m)) < 4 * err + 3 / math.sqrt(N)


def _anneal_step(net, beta, state, seed):
    from _learn_helpers import _metropolis
    V = np.ascontiguousarray(net.stored_site_major, dtype=np.float64)
    s = np.array(state, dtype=np.float64)
    _metropolis(V, float(net.scale), 2, s, float(beta), 20, 19, seed, np.zeros((1, net.N)))
    return s


def _sample_mean_field(xi, beta, m0, iters=5000):
    """The K-pattern mean-field equations on one finite sample (the actual site configurations):
    m = (1/N) sum_i xi_i tanh(beta xi_i . m), exact up to O(1/N) at finite K."""
    X = xi.astype(float)
    m = np.array(m0, dtype=float)
    for _ in range(iters):
        new = X @ np.tanh(beta * (m @ X)) / X.shape[1]
        if np.max(np.abs(new - m)) < 1e-14:
            break
        m = new
    return m


def test_monte_carlo_engine_pure_state():
    """montecarlo.simulate (Glauber, 3 diluted networks in one call, N = 4000) in the pure
    state of K = 2, d = 0.3, T = 0.5: the overlap with the first archetype against the
    mean-field equations on each sample, whose N -> infinity limit is the RS value 0.57017."""
    montecarlo = pytest.importorskip("montecarlo")
    K, d, T, N = 2, 0.3, 0.5, 4000
    s = solve("multitasking", K=K, d=d, beta=1 / T)
    assert s.branch == "pure"
    rng = np.random.default_rng(2)
    nets = [Network(patterns.diluted(K, N, d, rng), P=2) for _ in range(3)]
    run = montecarlo.simulate(nets, beta=1 / T, sweeps=400, burn_in=100, seed=3, init="pattern")
    m = np.asarray(run.m)[..., 0].mean(axis=1)
    theory = np.array([_sample_mean_field(n.xi, 1 / T, [s.m[0], 0.0])[0] for n in nets])
    diff = m - theory
    assert abs(diff.mean()) < 4 * np.std(diff, ddof=1) / math.sqrt(3) + 3.0 / math.sqrt(N) / 4, (m, theory)
    assert abs(theory.mean() - s.m[0]) < 4 / math.sqrt(3 * N)
