"""Dense (P >= 3, distinct-index) Hebbian network, replica symmetric: closed forms and identities."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf, erfcinv, erfinv, gammaln, logsumexp

from hebbian import Network
from replica import at_line, critical_capacity, glass_temperature, retrieval_global_minimum, retrieval_spinodal, solve
from replica.base import Batch, get_model
from replica.quadrature import DEFAULT as QUAD


def _xi1(P, alpha):
    """xi'(1) = (P/2) alpha_B, alpha_B = (P!/2) alpha."""
    return 0.25 * P * math.factorial(P) * alpha


# ---------------------------------------------------------------------- T = 0 closed forms
def _t0_retrieval(P, alpha):
    """m = erf(y), y = (P/2) m^(P-1) / sqrt(2 xi'(1)): the largest root; f = -m^P/2 - xi'(1) C."""
    s = math.sqrt(_xi1(P, alpha))

    def g(m):
        return m - erf(0.5 * P * m ** (P - 1) / (math.sqrt(2) * s))

    ms = np.linspace(0.05, 1.0, 4001)
    neg = [i for i, m in enumerate(ms) if g(m) < 0]         # g(1) > 0 always (erf < 1)
    i = neg[-1]
    m = brentq(g, ms[i], ms[i + 1], xtol=1e-16)
    y = 0.5 * P * m ** (P - 1) / (math.sqrt(2) * s)
    C = math.sqrt(2 / math.pi) * math.exp(-y * y) / s
    return m, C, -0.5 * m ** P - _xi1(P, alpha) * C


def _alpha_c_closed(P):
    """max_m m^(2P-2) / (2 (P-1)! erfinv(m)^2) (the T = 0 equation solved for alpha)."""
    r = minimize_scalar(lambda m: -(m ** (2 * P - 2) / (2 * math.factorial(P - 1) * erfinv(m) ** 2)),
                        bounds=(0.05, 1 - 1e-9), method="bounded", options={"xatol": 1e-12})
    return -r.fun, r.x


@pytest.mark.parametrize("P, alpha", [(3, 0.05), (3, 0.12), (4, 0.02), (5, 0.005)])
def test_zero_temperature_matches_closed_form(P, alpha):
    s = solve("dense", P=P, alpha=alpha, beta=math.inf)
    ret = s.branches["retrieval"]
    m, C, f = _t0_retrieval(P, alpha)
    assert ret.m == pytest.approx(m, abs=1e-10)
    assert ret.C == pytest.approx(C, rel=1e-9)
    assert ret.q == 1.0
    assert ret.free_energy == pytest.approx(f, abs=1e-12)       # f is stationary: error O(tol^2)
    assert ret.energy == pytest.approx(f, abs=1e-9)             # u is not: error O(tol = 1e-10)
    # T = 0 entropy -xi''(1) C^2 / 4 and the RS glass f = -E|sqrt(xi'(1)) z| = -sqrt(2 xi'(1)/pi)
    assert ret.entropy == pytest.approx(-0.125 * P * (P - 1) * math.factorial(P) * alpha * C * C / 2, rel=1e-9)
    assert s.branches["spin glass"].free_energy == pytest.approx(-math.sqrt(2 * _xi1(P, alpha) / math.pi), abs=1e-12)


@pytest.mark.parametrize("P", [3, 4, 5, 8, 12])
def test_critical_capacity_is_the_fold(P):
    c = critical_capacity("dense", P=P)
    a_ref, m_ref = _alpha_c_closed(P)
    assert c.converged and c.interior
    assert c.alpha == pytest.approx(a_ref, rel=1e-9)
    assert c.m == pytest.approx(m_ref, abs=2e-5)     # alpha(m) is flat at its maximum


def test_capacity_values_for_reference():
    # RS, distinct-index model, T = 0, alpha = K / N^(P-1) (computed here; no published table in
    # these units to compare with): P = 3: 0.126095, P = 4: 0.0329767
    assert critical_capacity("dense", P=3).alpha == pytest.approx(0.1260952154, abs=1e-9)
    assert critical_capacity("dense", P=4).alpha == pytest.approx(0.03297668653, abs=1e-10)


def test_large_P_asymptote():
    # Gardner (1987) / Baldi-Venkatesh (1987) scaling, in our units: signal (P/2) m^(P-1), noise
    # variance xi'(1) = (P P!/4) alpha; errors eps ~ 1/P need SNR^2 ~ 2 ln P, so
    #     alpha_c(P) ~ 1 / (2 (P-1)! ln P)     [alpha_B,c = (P!/2) alpha_c ~ P / (4 ln P)]
    # with a slow ln ln P / ln P correction. The code at moderate P:
    ratios = []
    for P in (5, 10, 20):
        c = critical_capacity("dense", P=P)
        ratios.append(c.alpha * 2 * math.factorial(P - 1) * math.log(P))
    assert 0.5 < ratios[0] < ratios[1] < ratios[2] < 1
    # and the closed form (log space) at very large P approaches the asymptote
    def ratio(P):
        f = lambda le: -((2 * P - 2) * math.log1p(-math.exp(le)) - math.log(2) - gammaln(P)  # noqa: E731
                         - 2 * math.log(erfcinv(math.exp(le))))
        r = minimize_scalar(f, bounds=(-80, -0.01), method="bounded", options={"xatol": 1e-12})
        return math.exp(-r.fun + math.log(2) + gammaln(P) + math.log(math.log(P)))
    for P in (1e3, 1e6):
        corrected = ratio(P) * (1 + math.log(math.log(P)) / math.log(P))
        assert corrected == pytest.approx(1.0, abs=0.03 if P == 1e3 else 0.01)


# ---------------------------------------------------------------------- identities
@pytest.mark.parametrize("P, alpha", [(3, 0.02), (3, 0.1), (4, 0.005), (5, 0.001)])
def test_nishimori_line(P, alpha):
    # on T = alpha_B = (P!/2) alpha the RS retrieval solution has m = q and u = -1/2
    T = 0.5 * math.factorial(P) * alpha
    r = solve("dense", P=P, alpha=alpha, beta=1 / T).branches["retrieval"]
    assert r.m == pytest.approx(r.q, abs=1e-12)
    assert r.energy == pytest.approx(-0.5, abs=1e-12)


def test_nishimori_identity_fails_off_the_line():
    P, alpha = 3, 0.1                                          # m visibly below 1 here
    T = 0.5 * math.factorial(P) * alpha
    for factor in (0.5, 2.0):
        off = solve("dense", P=P, alpha=alpha, beta=factor / T).branches["retrieval"]
        assert abs(off.energy + 0.5) > 1e-3 and abs(off.m - off.q) > 1e-3


def _notes_pressure(m, q, P, alpha, beta):
    """A(m, q) exactly as written in docs/physics/dense.md, with scipy quadrature (independent route)."""
    from scipy import integrate
    aB = 0.5 * math.factorial(P) * alpha
    xi = lambda t: 0.5 * aB * t ** P  # noqa: E731
    dxi = lambda t: 0.5 * P * aB * t ** (P - 1)  # noqa: E731
    a, b = 0.5 * P * m ** (P - 1), math.sqrt(dxi(q))
    lc = integrate.quad(lambda z: (abs(beta * (a + b * z)) + math.log1p(math.exp(-2 * abs(beta * (a + b * z)))))
                        * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -12, 12, points=[-a / b], limit=200,
                        epsabs=1e-14)[0] - math.log(2)
    return math.log(2) + lc - beta * (P - 1) * m ** P / 2 + 0.5 * beta ** 2 * (xi(1) - xi(q) - (1 - q) * dxi(q))


@pytest.mark.parametrize("P", [3, 4])
def test_free_energy_is_the_notes_pressure_and_its_derivatives_are_the_equations(P):
    model = get_model("dense")
    rng = np.random.default_rng(7)
    n = 6
    beta = rng.uniform(1.0, 20.0, n)
    alpha = rng.uniform(0.005, 0.05, n)
    m, q = rng.uniform(0.2, 1.0, n), rng.uniform(0.1, 0.95, n)
    x = np.stack([m, beta * (1 - q)], axis=1)
    p = Batch({"alpha": alpha, "beta": beta, "P": np.full(n, float(P))}, n)
    f = model.free_energy(x, p, QUAD)
    for i in range(n):
        assert f[i] == pytest.approx(-_notes_pressure(m[i], q[i], P, alpha[i], beta[i]) / beta[i], abs=1e-11)
    # analytic gradient = finite differences of f, and = the residual of m = E tanh, q = E tanh^2
    g = model.gradient(x, p, QUAD)
    for j in range(2):
        d = np.zeros(2)
        d[j] = 1e-6
        fd = (model.free_energy(x + d, p, QUAD) - model.free_energy(x - d, p, QUAD)) / 2e-6
        np.testing.assert_allclose(fd, g[:, j], atol=1e-8)
    a = 0.5 * P * m ** (P - 1)
    b = np.sqrt(0.25 * P * math.factorial(P) * alpha * q ** (P - 1))
    t, t2 = QUAD.average(("tanh", "tanh2"), beta, a, b)
    np.testing.assert_allclose(g[:, 0], 0.5 * P * (P - 1) * m ** (P - 2) * (m - t), atol=1e-13)
    xi2 = 0.25 * P * (P - 1) * math.factorial(P) * alpha * q ** (P - 2)
    # df/dC = -(1/beta) df/dq and df/dq = (beta/2) xi''(q) (E tanh^2 - q)
    np.testing.assert_allclose(g[:, 1], -(1 / beta) * 0.5 * beta * xi2 * (t2 - q), atol=1e-12)


@pytest.mark.parametrize("P, alpha, T", [(3, 0.03, 0.1), (3, 0.05, 0.4), (4, 0.01, 0.2), (4, 0.01, 1.5)])
def test_energy_and_entropy(P, alpha, T):
    beta, h = 1 / T, 1e-4
    s = solve("dense", P=P, alpha=alpha, beta=beta)
    for name, rec in s.branches.items():
        sp = solve("dense", P=P, alpha=alpha, beta=beta + h).branches[name]
        sm = solve("dense", P=P, alpha=alpha, beta=beta - h).branches[name]
        du = ((beta + h) * sp.free_energy - (beta - h) * sm.free_energy) / (2 * h)
        assert rec.energy == pytest.approx(du, abs=1e-7), name
        assert rec.entropy == pytest.approx(beta * (rec.energy - rec.free_energy), abs=1e-9), name


def test_paramagnet():
    P, alpha = 4, 0.01
    aB = 0.5 * math.factorial(P) * alpha
    T_K = math.sqrt(0.5 * aB / (2 * math.log(2)))         # xi(1) = alpha_B / 2
    for T in (0.5, 2.0, 0.8 * T_K):
        pm = solve("dense", P=P, alpha=alpha, beta=1 / T).branches["paramagnet"]
        assert pm.free_energy == pytest.approx(-T * math.log(2) - 0.25 * aB / T, abs=1e-13)
        assert pm.energy == pytest.approx(-0.5 * aB / T, abs=1e-13)
        assert pm.entropy == pytest.approx(math.log(2) - 0.25 * aB / T ** 2, abs=1e-12)
        assert pm.stable and pm.at == 1.0
    assert "no continuous glass transition" in glass_temperature("dense", P=P, alpha=alpha).message
    # below T_K the paramagnet (negative entropy) has the lowest RS free energy but is not
    # admissible: the RS glass is chosen, and the message says why
    s = solve("dense", P=3, alpha=0.2, beta=10.0)              # T_K = 0.465, no retrieval here
    pm = s.branches["paramagnet"]
    assert pm.entropy < 0 and pm.free_energy < s.free_energy
    assert s.branch == "spin glass" and "negative entropy" in s.message


@pytest.mark.parametrize("P, beta", [(3, 1.5), (3, 4.0), (4, 2.5)])
def test_no_patterns_is_the_p_spin_curie_weiss_model(P, beta):
    s = solve("dense", P=P, alpha=0.0, beta=beta)
    r = s.branches["retrieval"]
    assert r.m == pytest.approx(math.tanh(beta * 0.5 * P * r.m ** (P - 1)), abs=1e-12)
    assert r.free_energy == pytest.approx(0.5 * (P - 1) * r.m ** P
                                          - math.log(2 * math.cosh(beta * 0.5 * P * r.m ** (P - 1))) / beta, abs=1e-12)


@pytest.mark.parametrize("P, beta", [(3, 2.0), (4, 3.0), (3, 0.8)])
def test_exact_finite_network_converges_to_the_replica_free_energy(P, beta):
    # One stored pattern (alpha = 0). The exact partition function of hebbian.Network (the
    # project's normalisation, distinct index tuples) at N = 1000 against the N -> infinity
    # free energy of the thermodynamic state: f_N - f = O(ln N / N).
    N = 1000
    net = Network(np.ones((1, N), dtype=np.int8), P=P)
    S = np.ones((N + 1, N), dtype=np.int8)
    for k in range(N + 1):
        S[k, :k] = -1
    E = net.energy(S)
    logC = gammaln(N + 1) - gammaln(np.arange(N + 1) + 1) - gammaln(N - np.arange(N + 1) + 1)
    f_N = -logsumexp(logC - beta * E) / (beta * N)
    f = solve("dense", P=P, alpha=0.0, beta=beta).free_energy
    assert f_N == pytest.approx(f, abs=5 * math.log(N) / (beta * N))


def test_zero_temperature_is_the_limit_of_small_temperature():
    for P, alpha in ((3, 0.08), (4, 0.02)):
        zero = solve("dense", P=P, alpha=alpha, beta=math.inf).branches["retrieval"]
        cold = solve("dense", P=P, alpha=alpha, beta=1e4).branches["retrieval"]
        for key in ("m", "C", "free_energy", "energy", "entropy"):
            assert cold[key] == pytest.approx(zero[key], abs=2e-4), key


def test_mixed_temperatures_in_one_call():
    beta = np.array([math.inf, 50.0, 5.0, 0.5])
    grid = solve("dense", P=3, alpha=0.05, beta=beta)
    for i, b in enumerate(beta):
        one = solve("dense", P=3, alpha=0.05, beta=b)
        assert grid.branch[i] == one.branch
        assert grid.free_energy[i] == pytest.approx(one.free_energy, abs=1e-13)
    assert grid.C[0] == pytest.approx(solve("dense", P=3, alpha=0.05, beta=math.inf).C)


def test_lines():
    P = 3
    c = critical_capacity("dense", P=P)
    s = retrieval_spinodal("dense", P=P, beta=1 / np.array([0.05, 0.2]))
    assert np.all(s.converged) and c.alpha < s.alpha[0] < s.alpha[1]          # RS re-entrance
    g = retrieval_global_minimum("dense", P=P, beta=math.inf)
    # T = 0: f_retrieval = -sqrt(2 xi'(1)/pi) (closed forms)
    ref = brentq(lambda a: _t0_retrieval(P, a)[2] + math.sqrt(2 * _xi1(P, a) / math.pi), 0.01, c.alpha * 0.999,
                 xtol=1e-14)
    assert g.converged and g.alpha == pytest.approx(ref, abs=1e-8)
    a = at_line("dense", P=P, alpha=0.05)
    assert a.converged and 0 < a.T < 0.05
    assert not solve("dense", P=P, alpha=0.05, beta=1 / (0.9 * a.T)).branches["retrieval"].rs_stable
    assert solve("dense", P=P, alpha=0.05, beta=1 / (1.1 * a.T)).branches["retrieval"].rs_stable


def test_bad_parameters():
    with pytest.raises(ValueError, match="P must be >= 3 for the replica model 'dense'"):
        solve("dense", P=2, alpha=0.1, beta=1.0)
    with pytest.raises(ValueError, match="model 'dense' needs parameter 'P'"):
        solve("dense", alpha=0.1, beta=1.0)
    with pytest.raises(ValueError, match="P must be an integer"):
        solve("dense", P=3.5, alpha=0.1, beta=1.0)
