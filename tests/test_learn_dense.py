"""Dense networks learning from examples (supervised / unsupervised), RS: closed forms, identities,
reductions to AGS and to the dense network, finite networks (signal-to-noise, Monte Carlo).

Equations and their checks: docs/physics/learning.md and replica/families/learning_rs.py.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf, erfinv
from scipy.stats import binom

from _learn_helpers import all_fields, metropolis, metropolis_pairwise
from hebbian import Network, patterns
from replica import critical_capacity, solve
from replica.base import Batch, get_model
from replica.families.learning_rs import zero_temperature_branch
from replica.learning_lines import detection_plateau, example_threshold
from replica.quadrature import DEFAULT as QUAD

INF = math.inf


def _batch(model, **params):
    mdl = get_model(model)
    shape, full = mdl.prepare(params)
    B = int(np.prod(shape))
    return mdl, Batch({k: v.reshape(B) for k, v in full.items()}, B)


# ---------------------------------------------------------------------- T = 0 closed forms
@pytest.mark.parametrize("P", [4, 6])
def test_alpha_c_at_rho_zero_is_the_closed_form_and_the_dense_network(P):
    """rho = 0: alpha_c(P) = max_m m^(2P-2) / (2 (P-1)! erfinv(m)^2) (docs/physics/learning.md), and the same number
    from the dense-network model of the framework (another module, another parametrisation)."""
    r = minimize_scalar(lambda m: -(m ** (2 * P - 2) / (2 * math.factorial(P - 1) * erfinv(m) ** 2)),
                        bounds=(0.5, 1 - 1e-12), method="bounded", options={"xatol": 1e-12})
    c = critical_capacity("supervised", P=P, rho=0.0)
    assert c.converged and c.interior
    assert c.alpha == pytest.approx(-r.fun, rel=1e-9)
    assert c.m == pytest.approx(r.x, abs=1e-5)
    assert c.alpha == pytest.approx(critical_capacity("dense", P=P).alpha, rel=1e-8)


def test_published_ags_capacity_at_rho_zero():
    """P = 2, rho = 0 is AGS: alpha_c = 0.137905 (Steffan and Kuehn, Z. Phys. B 95, 249 (1994);
    AGS 1987: 0.138) with m = 0.967 at the fold."""
    c = critical_capacity("supervised", P=2, rho=0.0)
    assert c.alpha == pytest.approx(0.137905, abs=2e-6)
    assert c.m == pytest.approx(0.967, abs=5e-4)
    assert c.alpha == pytest.approx(critical_capacity("hopfield").alpha, rel=1e-8)


@pytest.mark.parametrize("rho", [0.05, 0.3, 1.5])
def test_low_storage_zero_temperature_overlap(rho):
    """Finite K, T = 0: m = erf(1/sqrt(2 rho)) (large M), for both rules and any P."""
    for P in (2, 4):
        s = solve("supervised", P=P, rho=rho, beta=INF)
        assert s.branch == "retrieval"
        assert s.m == pytest.approx(erf(1 / math.sqrt(2 * rho)), abs=1e-10)


def test_low_storage_zero_temperature_overlap_exact_binomial():
    """Finite M, T = 0, alpha = 0: every site follows the sign of its example mean, m = P(S>0) - P(S<0)."""
    for r, M in ((0.6, 7), (0.4, 10), (0.9, 3)):
        k = np.arange(M + 1)
        pk = binom.pmf(k, M, (1 + r) / 2)
        S = 2 * k - M
        m = pk[S > 0].sum() - pk[S < 0].sum()
        for model in ("supervised", "unsupervised"):
            # the archetype (example-symmetric) state; the unsupervised network also has
            # single-example states (learning_examples.py), its thermodynamic state at small M
            sol = solve(model, P=4, r=r, M=M, beta=INF).branches["retrieval"]
            assert sol.m == pytest.approx(m, abs=1e-12)


@pytest.mark.parametrize("kw", [dict(P=4, rho=0.2), dict(P=6, rho=0.5), dict(P=4, r=0.6, M=7),
                                dict(P=2, rho=0.2), dict(P=2, r=0.6, M=7)])
def test_zero_temperature_solver_agrees_with_the_closed_form_branch(kw):
    """The solver's T = 0 retrieval state lies on the closed-form branch x -> (alpha, m, n)."""
    c = critical_capacity("supervised", **kw)
    alpha = 0.7 * c.alpha
    ret = solve("supervised", alpha=alpha, beta=INF, **kw).branches["retrieval"]
    assert ret.found and ret.stable
    big = 40.0 if "M" in kw else 1.0 / math.sqrt(kw["rho"])
    g = lambda x: zero_temperature_branch("supervised", np.array([x]), **{"r": None, "M": None, **kw})["alpha"][0] - alpha
    # the stable solution is the larger-x root (beyond the fold)
    xs = np.linspace(1e-3, big * (1 - 1e-9), 4001)
    a = zero_temperature_branch("supervised", xs, **{"r": None, "M": None, **kw})["alpha"]
    i = int(np.nanargmax(a))
    j = i + int(np.argmax(a[i:] < alpha))
    x = brentq(g, xs[j - 1], xs[j], xtol=1e-15)
    br = zero_temperature_branch("supervised", np.array([x]), **{"r": None, "M": None, **kw})
    assert ret.m == pytest.approx(br["m"][0], abs=1e-9)
    assert ret.n == pytest.approx(br["n"][0], abs=1e-9)


# ---------------------------------------------------------------------- reductions
@pytest.mark.parametrize("alpha, beta", [(0.05, 10.0), (0.1, 4.0), (0.12, INF), (0.03, 1.5)])
def test_p2_supervised_at_rho_zero_is_ags(alpha, beta):
    """The P = 2 supervised equations at rho = 0 are the AGS equations (hopfield model)."""
    s = solve("supervised", P=2, alpha=alpha, rho=0.0, beta=beta)
    h = solve("hopfield", alpha=alpha, beta=beta)
    for name in h.branches:
        a, b = s.branches[name], h.branches[name]
        assert a.found == b.found
        if not b.found:
            continue
        for key in ("m", "q", "C", "r", "free_energy", "energy", "entropy", "stability", "at"):
            va, vb = getattr(a, key), getattr(b, key)
            if np.isinf(vb):
                assert va == vb
            else:
                assert va == pytest.approx(vb, abs=1e-8), key
    assert s.branch == h.branch


@pytest.mark.parametrize("alpha, beta", [(0.01, 3.0), (0.02, INF), (0.03, 1.0)])
def test_dense_supervised_at_rho_zero_is_the_dense_network(alpha, beta):
    s = solve("supervised", P=4, alpha=alpha, rho=0.0, beta=beta)
    h = solve("dense", P=4, alpha=alpha, beta=beta)
    for name, b in h.branches.items():
        a = s.branches[name]
        assert a.found == b.found
        if b.found:
            for key in ("m", "q", "free_energy", "energy", "entropy", "at"):
                va, vb = getattr(a, key), getattr(b, key)
                assert va == vb if np.isinf(vb) else va == pytest.approx(vb, abs=1e-8), key
            assert a.stable == b.stable


def test_low_storage_supervised_equals_unsupervised():
    for kw in (dict(P=4, r=0.6, M=8, beta=3.0), dict(P=2, r=0.5, M=5, beta=2.0), dict(P=6, r=0.7, M=4, beta=INF)):
        # the archetype (example-symmetric) states coincide; the unsupervised network has in
        # addition single-example states (learning_examples.py, tested in test_fig_learning.py)
        a, b = solve("supervised", **kw), solve("unsupervised", **kw).branches["retrieval"]
        assert a.m == pytest.approx(b.m, abs=1e-13) and a.free_energy == pytest.approx(b.free_energy, abs=1e-13)


def test_exact_binomial_tends_to_the_gaussian_form():
    """At fixed rho, the exact finite-M averages converge to the large-M form as M grows."""
    rho = 0.3
    gauss = solve("supervised", P=4, alpha=0.008, rho=rho, beta=4.0).branches["retrieval"].m
    errs = []
    for M in (5, 50, 500):
        m = solve("supervised", P=4, alpha=0.008, rho=rho, M=M, beta=4.0).branches["retrieval"].m
        errs.append(abs(m - gauss))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 2e-3


# ---------------------------------------------------------------------- identities
CASES = [("supervised", dict(P=4, alpha=0.01, rho=0.2, beta=3.0)),
         ("supervised", dict(P=4, alpha=0.01, r=0.6, M=7, beta=30.0)),
         ("unsupervised", dict(P=6, alpha=0.0005, r=0.8, M=5, beta=2.0)),
         ("supervised", dict(P=4, alpha=0.01, rho=0.2, beta=INF)),
         ("supervised", dict(P=2, alpha=0.05, rho=0.3, beta=4.0)),
         ("unsupervised", dict(P=2, alpha=0.03, r=0.7, M=5, beta=2.5)),
         ("supervised", dict(P=2, alpha=0.03, r=0.7, M=5, beta=INF))]


@pytest.mark.parametrize("model, kw", CASES)
def test_free_energy_derivatives_are_the_saddle_point_equations(model, kw):
    """At arbitrary (non-stationary) points, finite differences of f equal the analytic gradient,
    whose components are multiples of the residuals of the saddle-point map:
    df/dn = (P/2)(P-1)(1+rho) n^(P-2) (n - n'), df/dC proportional to C - C', df/dr to C - beta E sech^2."""
    mdl, p = _batch(model, **kw)
    rng = np.random.default_rng(3)
    names = mdl.variables(p)
    for _ in range(4):
        x = np.array([[rng.uniform(0.4, 0.95)] + [rng.uniform(0.2, 0.6) if v == "C" else rng.uniform(0.8, 2.0)
                                                    for v in names[1:]]])
        g = mdl.gradient(x, p, QUAD)[0]
        for j in range(x.shape[1]):
            h = 1e-6
            xp, xm = x.copy(), x.copy()
            xp[0, j] += h
            xm[0, j] -= h
            fd = (mdl.free_energy(xp, p, QUAD)[0] - mdl.free_energy(xm, p, QUAD)[0]) / (2 * h)
            assert fd == pytest.approx(g[j], abs=1e-7), names[j]
        # the gradient vanishes exactly at fixed points of the update map (and only there); for
        # P = 2 the map takes the noise from C (r_n(C)), so compare where r = r_n(C)
        if kw["P"] == 2:
            C, q = x[0, 1], 1 - x[0, 1] * p.inv_beta[0]
            x[0, 2] = sum(w[0] * c[0] ** 2 * q / (1 - c[0] * C) ** 2 for w, c in mdl._modes(p))
            g = mdl.gradient(x, p, QUAD)[0]
        F = mdl.update(x, p, QUAD)[0]
        P = kw["P"]
        rho = p["rho"][0]
        assert g[0] == pytest.approx(0.5 * P * (P - 1) * (1 + rho) * x[0, 0] ** (P - 2) * (x[0, 0] - F[0]) if P > 2
                                     else (1 + rho) * (x[0, 0] - F[0]), abs=1e-10)


@pytest.mark.parametrize("model, kw", [("supervised", dict(P=4, alpha=0.01, rho=0.2)),
                                       ("unsupervised", dict(P=4, alpha=0.002, r=0.7, M=6)),
                                       ("supervised", dict(P=2, alpha=0.04, rho=0.1)),
                                       ("unsupervised", dict(P=2, alpha=0.02, r=0.7, M=6))])
def test_energy_is_the_beta_derivative_and_entropy_consistent(model, kw):
    beta, h = 4.0, 1e-4
    sols = [solve(model, beta=b, tol=1e-13, **kw).branches["retrieval"] for b in (beta - h, beta, beta + h)]
    bf = [b * s.free_energy for b, s in zip((beta - h, beta, beta + h), sols)]
    u = (bf[2] - bf[0]) / (2 * h)
    s0 = sols[1]
    assert s0.energy == pytest.approx(u, abs=1e-7)
    assert s0.entropy == pytest.approx(beta * (s0.energy - s0.free_energy), abs=1e-9)


@pytest.mark.parametrize("model, kw", [("supervised", dict(P=4, alpha=0.01, rho=0.2)),
                                       ("supervised", dict(P=4, alpha=0.01, r=0.6, M=9)),
                                       ("unsupervised", dict(P=4, alpha=0.002, r=0.7, M=6)),
                                       ("supervised", dict(P=2, alpha=0.05, rho=0.1)),
                                       ("unsupervised", dict(P=2, alpha=0.02, r=0.7, M=6))])
def test_zero_temperature_is_the_limit_of_low_temperature(model, kw):
    """T = 0 (analytic) against beta = 1e4: m, n, f, energy, entropy, C within O(T)."""
    a = solve(model, beta=INF, **kw).branches["retrieval"]
    b = solve(model, beta=1e4, **kw).branches["retrieval"]
    for key in ("m", "n", "free_energy", "energy"):
        assert getattr(a, key) == pytest.approx(getattr(b, key), abs=3e-4), key
    # the RS entropy stays negative at T = 0 with quenched noise (-(P Delta/8) C^2 P(P-1)/2)
    assert a.entropy == pytest.approx(b.entropy, abs=1e-3) and a.C == pytest.approx(b.C, rel=1e-2)


def test_replicon_matches_a_direct_quadrature():
    """AT value 1 - beta'^2 (P-1) Delta q^(P-2) E sech^4 g, with E over Z and Y done by a 2-D
    Gauss-Hermite product (independent of the 1-D reduction used by the model)."""
    P, alpha, rho, beta = 4, 0.01, 0.2, 2.0
    ret = solve("supervised", P=P, alpha=alpha, rho=rho, beta=beta).branches["retrieval"]
    delta = alpha * math.factorial(P - 1) * (1 + rho) ** (2 - P)
    z, w = np.polynomial.hermite_e.hermegauss(120)
    w = w / w.sum()
    Z, Y = np.meshgrid(z, z, indexing="ij")
    W = np.outer(w, w)
    bp = beta * P / 2
    g = bp * (ret.n ** (P - 1) * (1 + math.sqrt(rho) * Z) + math.sqrt(delta * ret.q ** (P - 1)) * Y)
    assert ret.m == pytest.approx(np.sum(W * np.tanh(g)), abs=1e-9)
    assert ret.q == pytest.approx(np.sum(W * np.tanh(g) ** 2), abs=1e-9)
    lam = bp ** 2 * (P - 1) * delta * ret.q ** (P - 2) * np.sum(W / np.cosh(g) ** 4)
    assert ret.at == pytest.approx(1 - lam, abs=1e-8)


# ---------------------------------------------------------------------- thresholds
def test_ultra_detection_plateau_for_dense_networks_only():
    """alpha_c(rho) at T = 0 decreases to a positive plateau for P = 4 (closed form
    (2/pi)^3 (4/27)/3! = 0.0063707) but to 0 for P = 2."""
    plateau = detection_plateau(4)
    assert plateau == pytest.approx((2 / math.pi) ** 3 * (4 / 27) / 6, rel=1e-12)
    a4 = [critical_capacity("supervised", P=4, rho=rho).alpha for rho in (1.0, 10.0, 100.0, 1e4)]
    assert all(x > y for x, y in zip(a4, a4[1:]))
    assert a4[-1] == pytest.approx(plateau, rel=2e-3) and a4[-1] > plateau
    a2 = [critical_capacity("supervised", P=2, rho=rho).alpha for rho in (1.0, 10.0, 100.0)]
    assert all(x > y for x, y in zip(a2, a2[1:])) and a2[-1] < 1e-4


def test_unsupervised_threshold_is_the_supervised_one_rescaled_by_the_noise():
    """At T = 0 only Delta matters: alpha_c^uns / alpha_c^sup = Delta_sup / Delta_uns =
    (1+rho)^P / [1 + (r^(-2P) - 1)/M], at the same overlap."""
    P, r, M = 4, 0.7, 10
    rho = (1 - r * r) / (M * r * r)
    a = critical_capacity("supervised", P=P, r=r, M=M)
    b = critical_capacity("unsupervised", P=P, r=r, M=M)
    assert b.alpha / a.alpha == pytest.approx((1 + rho) ** P / (1 + (r ** (-2 * P) - 1) / M), rel=1e-8)
    assert b.m == pytest.approx(a.m, abs=1e-7)


def test_one_example_per_archetype_is_the_dense_network_of_the_examples():
    """M = 1: the network stores the examples themselves (S = +-1): the threshold is the rho = 0
    dense capacity for every r and both rules, whatever the example noise."""
    a0 = critical_capacity("dense", P=4).alpha
    for r in (0.5, 0.8):
        for model in ("supervised", "unsupervised"):
            assert critical_capacity(model, P=4, r=r, M=1).alpha == pytest.approx(a0, rel=1e-8)


def test_example_threshold_brackets_the_capacity():
    """alpha_c(r, M) is not monotone in M (it drops from its M = 1 value, then grows to the
    rho = 0 capacity): the threshold is the M above which every M retrieves."""
    P, r = 4, 0.5
    for model, alpha in (("supervised", 0.015), ("unsupervised", 0.01)):
        res = example_threshold(model, P=P, r=r, alpha=alpha, M_max=2000)
        assert res.converged and res.M > 2 and res.small_M == [1]
        for M in (res.M, res.M + 1, 2 * res.M, 10 * res.M):
            assert critical_capacity(model, P=P, r=r, M=M).alpha >= alpha
        for M in (2, res.M - 1):
            assert critical_capacity(model, P=P, r=r, M=M).alpha < alpha
        ret = solve(model, P=P, r=r, M=res.M, alpha=alpha, beta=INF).branches["retrieval"]
        assert ret.stable and res.m == pytest.approx(ret.m)
    sup = example_threshold("supervised", P=P, r=r, alpha=0.015, M_max=2000)
    rho_c = (1 - r * r) / (sup.M_large * r * r)
    assert critical_capacity("supervised", P=P, rho=rho_c).alpha == pytest.approx(0.015, rel=1e-6)


def test_finite_temperature_threshold_is_a_fold():
    """At T > 0 the threshold is the fold of the retrieval branch (generic continuation)."""
    c = critical_capacity("supervised", P=4, rho=0.1, beta=5.0)
    assert c.converged and c.interior
    below = solve("supervised", P=4, rho=0.1, beta=5.0, alpha=c.alpha * (1 - 1e-4)).branches["retrieval"]
    above = solve("supervised", P=4, rho=0.1, beta=5.0, alpha=c.alpha * (1 + 1e-4)).branches.get("retrieval")
    assert below.found and below.stable
    assert above is None or not above.found or not above.stable


# ---------------------------------------------------------------------- validation
def test_bad_parameters_are_refused_before_work():
    with pytest.raises(ValueError, match="needs r and M"):
        solve("unsupervised", P=4, alpha=0.01, rho=0.1, beta=2.0)
    with pytest.raises(ValueError, match="rho must equal"):
        solve("supervised", P=4, r=0.5, M=3, rho=0.1, beta=2.0)
    with pytest.raises(ValueError, match="non-integer number of examples"):
        solve("supervised", P=4, r=0.5, rho=0.7, beta=2.0)
    with pytest.raises(ValueError, match="r must be"):
        solve("supervised", P=4, r=1.5, M=3, beta=2.0)
    with pytest.raises(ValueError, match="needs rho"):
        solve("supervised", P=4, beta=2.0)
    with pytest.raises(ValueError, match="beta"):
        solve("supervised", P=4, rho=0.1)


def test_per_point_completion_of_r_m_rho():
    """Arrays of r and M: rho completed point by point (not from the first values only)."""
    r = np.array([0.5, 0.8])
    s = solve("supervised", P=4, r=r, M=np.array([3, 9]), beta=INF)
    expected = [(1 - 0.25) / (3 * 0.25), (1 - 0.64) / (9 * 0.64)]
    assert np.allclose(s.params["rho"], expected)
    single = [solve("supervised", P=4, r=float(a), M=int(b), beta=INF).m for a, b in ((0.5, 3), (0.8, 9))]
    assert np.allclose(s.m, single, atol=1e-13)


# ---------------------------------------------------------------------- finite networks
def test_noise_strengths_by_one_step_signal_to_noise():
    """Variance of the exact crosstalk field of Network.from_examples at s = archetype 1, P = 4,
    N = 150: (P/2)^2 Delta (N-1)(N-2)(N-3)/N^3 with Delta_sup or Delta_uns. The two differ by a
    factor 3.8 here; the measured ratio has a statistical error of about 5 % (3 networks)."""
    rng = np.random.default_rng(11)
    P, N, r, M = 4, 150, 0.6, 5
    K = int(0.001 * N ** 3)
    rho = (1 - r * r) / (M * r * r)
    fin = (N - 1) * (N - 2) * (N - 3) / N ** 3
    for model, delta in (("supervised", (K - 1) / N ** 3 * 6 * (1 + rho) ** (2 - P)),
                         ("unsupervised", (K - 1) / N ** 3 * 6 * (1 + (r ** (-2 * P) - 1) / M) * (1 + rho) ** (2 - 2 * P))):
        ratios = []
        for _ in range(3):
            xi = patterns.binary(K, N, rng)
            net = Network.from_examples(patterns.examples(xi, M, r, rng), P=P, rule=model, r=r, archetypes=xi)
            first = 1 if model == "supervised" else M
            h = all_fields(net, xi[0], np.arange(first, net.n_stored))
            ratios.append(np.mean(h * h) / ((P / 2) ** 2 * delta * fin))
        mean, err = np.mean(ratios), np.std(ratios, ddof=1) / math.sqrt(len(ratios))
        assert abs(mean - 1) < 4 * err + 0.05, (model, ratios)


def test_all_fields_helper_is_the_exact_local_field():
    rng = np.random.default_rng(2)
    xi = patterns.binary(4, 14, rng)
    net = Network.from_examples(patterns.examples(xi, 3, 0.7, rng), P=4, rule="unsupervised", r=0.7, archetypes=xi)
    s = rng.choice([-1, 1], 14).astype(np.int8)
    h = all_fields(net, s)
    assert np.allclose(h, [net.local_field(s, i) for i in range(14)], atol=1e-12)


def _sample_theory(S_over_r, rho, bp, P, n0=1.0):
    """Low-storage mean field of ONE finite sample: the RS equations with the empirical
    distribution of S/r over the sites (exact up to O(1/N) at finite K)."""
    n = n0
    for _ in range(2000):
        n_new = np.mean(S_over_r * np.tanh(bp * n ** (P - 1) * S_over_r)) / (1 + rho)
        if abs(n_new - n) < 1e-14:
            break
        n = n_new
    return np.mean(np.tanh(bp * n ** (P - 1) * S_over_r)), n


def test_low_storage_monte_carlo_agrees_with_the_exact_binomial_theory():
    """P = 4, K = 2, r = 0.6, M = 8, beta = 3: Metropolis on the distinct-tuple network
    (binomial normalisation: condensed field exactly (P/2) n^3 at every N), N = 3000.
    Each sample is compared with the same equations evaluated on its own empirical example
    statistics (removes the O(1/sqrt N) sample-to-sample spread); their average with the
    exact-M RS value. Tolerances: 4 standard errors of the measured differences + O(1/N)."""
    P, K, r, M, beta, N = 4, 2, 0.6, 8, 3.0, 3000
    th = solve("supervised", P=P, r=r, M=M, beta=beta)
    rng = np.random.default_rng(5)
    dm, dn, sample_m = [], [], []
    for rep in range(3):
        xi = patterns.binary(K, N, rng)
        eta = patterns.examples(xi, M, r, rng)
        net = Network.from_examples(eta, P=P, rule="supervised", r=r, archetypes=xi, normalization="binomial")
        refs = np.vstack([xi[0], eta[0].sum(0) / (M * r * (1 + net.rho))])
        series = metropolis(net, beta, xi[0], 300, 100, rep, refs)
        m_s, n_s = _sample_theory(eta[0].mean(0) * xi[0] / r, net.rho, beta * P / 2, P)
        dm.append(series[:, 0].mean() - m_s)
        dn.append(series[:, 1].mean() - n_s)
        sample_m.append(m_s)
    for d in (dm, dn):
        err = np.std(d, ddof=1) / math.sqrt(len(d))
        assert abs(np.mean(d)) < 4 * err + 3.0 / N, d
    # the sample theories scatter around the N -> infinity exact-M RS value by O(1/sqrt N)
    assert abs(np.mean(sample_m) - th.m) < 4 / math.sqrt(3 * N)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["supervised", "unsupervised"])
def test_p2_high_storage_monte_carlo(model):
    """P = 2, alpha = 0.012, r = 0.3, M = 40, beta = 6 (docs/physics/learning.md: sup 0.9111, uns 0.8910; measured
    0.915(3) and 0.894(5) at N = 4000): the unsupervised eigenmode theory is seen by the MC."""
    alpha, r, M, beta, N = 0.012, 0.3, 40, 6.0, 4000
    th = solve(model, P=2, alpha=alpha, r=r, M=M, beta=beta).branches["retrieval"]
    rng = np.random.default_rng(17)
    ms = []
    for rep in range(4):
        xi = patterns.binary(int(alpha * N), N, rng)
        net = Network.from_examples(patterns.examples(xi, M, r, rng), P=2, rule=model, r=r, archetypes=xi)
        ms.append(metropolis_pairwise(net, beta, xi[0], 800, 300, rep, xi[:1])[:, 0].mean())
    err = np.std(ms, ddof=1) / math.sqrt(len(ms))
    assert abs(np.mean(ms) - th.m) < 4 * err + 0.01
    other = solve("unsupervised" if model == "supervised" else "supervised", P=2, alpha=alpha, r=r, M=M,
                  beta=beta).branches["retrieval"].m
    assert abs(np.mean(ms) - th.m) < abs(np.mean(ms) - other)


def test_monte_carlo_engine_agrees_with_the_low_storage_theory():
    """The project's Monte Carlo engine (montecarlo.simulate, Glauber, exact distinct-tuple
    fields) on three supervised P = 4 networks at once (N = 2000): m against the equations on
    each sample's own example statistics, energy per spin against -(1+rho) n^P / 2."""
    montecarlo = pytest.importorskip("montecarlo")
    P, K, r, M, beta, N = 4, 2, 0.6, 8, 3.0, 2000
    rng = np.random.default_rng(9)
    nets, theory = [], []
    for _ in range(3):
        xi = patterns.binary(K, N, rng)
        eta = patterns.examples(xi, M, r, rng)
        net = Network.from_examples(eta, P=P, rule="supervised", r=r, archetypes=xi, normalization="binomial")
        nets.append(net)
        theory.append(_sample_theory(eta[0].mean(0) * xi[0] / r, net.rho, beta * P / 2, P))
    run = montecarlo.simulate(nets, beta=beta, sweeps=300, burn_in=100, seed=4, init="pattern")
    m = np.asarray(run.m)[..., 0].reshape(3, -1)             # (network, samples), archetype 1
    e = np.asarray(run.energy).reshape(3, -1)
    dm = m.mean(axis=1) - np.array([t[0] for t in theory])
    de = e.mean(axis=1) - np.array([-(1 + nets[0].rho) * t[1] ** P / 2 for t in theory])
    for d in (dm, de):
        err = np.std(d, ddof=1) / math.sqrt(len(d))
        assert abs(np.mean(d)) < 4 * err + 3.0 / N, d
