"""Dense learning from examples (supervised / unsupervised) at 1RSB.

Independent routes: the T = 0 RS closed forms of docs/physics/learning.md
(s^2 = rho n^(2P-2) + Delta, x = n^(P-1)/s, m = erf(x/sqrt 2),
n = [m + rho n^(P-1) sqrt(2/pi) e^(-x^2/2)/s]/(1+rho)); the P = 2 supervised equations of
docs/physics/learning.md (AGS with a noisy condensed pattern) solved here by 2-D Gauss-Hermite; the
dense network (rho = 0); finite differences of f in n (the n-equation).
"""

import math

import numpy as np
import pytest
from scipy import optimize

import replica
from _rsb_helpers import S, Dense1RSB, Hopfield1RSB
from replica.families._learning_common import delta_noise

INF = math.inf


def _alpha_c_rs_closed(P, rho):
    def alpha_of_n(n):
        def F(D):
            s = math.sqrt(rho * n ** (2 * P - 2) + D)
            x = n ** (P - 1) / s
            m = math.erf(x / math.sqrt(2))
            return (m + rho * n ** (P - 1) * math.sqrt(2 / math.pi) * math.exp(-x * x / 2) / s) / (1 + rho) - n
        try:
            D = optimize.brentq(F, 1e-12, 10.0, xtol=1e-15)
        except ValueError:
            return 0.0
        return D / (math.factorial(P - 1) * (1 + rho) ** (2 - P))
    o = optimize.minimize_scalar(lambda n: -alpha_of_n(n), bounds=(0.3, 0.999), method="bounded",
                                 options={"xatol": 1e-10})
    return -o.fun


def _scalar(P, alpha, rho, beta):
    return Dense1RSB(P, 0.25 * P * delta_noise("supervised", P, alpha, rho), beta, rho)


def test_rho_zero_is_the_dense_network():
    a = replica.solve("supervised", level="1rsb", P=4, alpha=0.03, rho=0.0, beta=INF).branches["retrieval"]
    b = replica.solve("dense", level="1rsb", P=4, alpha=0.03, beta=INF).branches["retrieval"]
    assert a.found and b.found
    for k_a, k_b in (("n", "m"), ("m", "m"), ("q0", "q0"), ("mu", "mu"), ("free_energy", "free_energy")):
        assert a[k_a] == pytest.approx(b[k_b], rel=1e-9), k_a


def test_rs_fold_matches_the_closed_form_of_the_notes():
    P, rho = 4, 0.1
    make = lambda a: _scalar(P, a, rho, INF)
    a0 = 0.01
    r0 = S.solve_rs(make(a0), (1.0, 0.05), relax=200)
    fold = S.fold(make, a0, [r0["C"]], r0["n"], level="rs", step=2e-3)
    assert fold["converged"] and fold["interior"]
    assert fold["p"] == pytest.approx(_alpha_c_rs_closed(P, rho), rel=1e-7)


@pytest.mark.parametrize("beta", [INF, 20.0])
def test_free_energy_is_stationary_in_n_and_the_rest(beta):
    mdl = _scalar(4, 0.02, 0.1, beta)
    sol = S.retrieval(mdl)
    assert sol["converged"] and sol["level"] == "1rsb"
    v = np.array([sol["n"], sol["q0"], sol["C"], sol["mu"]])
    scale = np.array([1.0, sol["q1"] - sol["q0"], sol["C"], sol["mu"]])
    for j in ((0, 1, 3) if math.isinf(beta) else (0, 1, 2, 3)):
        def d(h):
            e = np.zeros(4)
            e[j] = h
            return (mdl.free_energy_full(*(v + e)) - mdl.free_energy_full(*(v - e))) / (2 * h)
        h = 1e-3 * scale[j]
        assert abs((4 * d(h / 2) - d(h)) / 3 * scale[j]) < 1e-10, j
    # m (overlap with the archetype) differs from n when rho > 0
    assert abs(sol["m"] - sol["n"]) > 1e-3


def test_p2_supervised_rs_matches_the_notes_equations():
    alpha, rho, beta = 0.03, 0.1, 5.0
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    Z, Y = np.meshgrid(z, z, indexing="ij")
    W = np.outer(w, w)

    def eqs(v):
        n, q = v
        p = q / (1 - beta * (1 - q)) ** 2
        t = np.tanh(beta * (n * (1 + math.sqrt(rho) * Z) + math.sqrt(alpha * p) * Y))
        m = np.sum(W * t)
        return [(m + rho * beta * n * (1 - q)) / (1 + rho) - n, np.sum(W * t * t) - q]

    n, q = optimize.fsolve(eqs, [0.95, 0.95], xtol=1e-13)    # the retrieval solution
    assert n > 0.5 and max(abs(e) for e in eqs([n, q])) < 1e-12
    rs = S.solve_rs(Hopfield1RSB(alpha, beta, rho), (1.0, 0.1), relax=200)
    assert rs["converged"]
    assert rs["n"] == pytest.approx(n, abs=1e-9)
    assert rs["q"] == pytest.approx(q, abs=1e-9)


def test_one_step_capacity_exceeds_rs_supervised_and_unsupervised():
    sup = replica.critical_capacity("supervised", level="1rsb", P=4, rho=0.1)
    assert sup.converged and sup.interior
    assert sup.alpha > 1.05 * _alpha_c_rs_closed(4, 0.1)
    uns = replica.critical_capacity("unsupervised", level="1rsb", P=4, r=0.6, M=20)
    assert uns.converged and uns.interior
    rs_fold = float(uns.message.split("RS fold alpha = ")[1])
    assert uns.alpha > rs_fold
    # unsupervised noise: Delta_uns / Delta_sup = [1 + (r^-2P - 1)/M] (1+rho)^-P
    r, M = 0.6, 20
    rho = (1 - r * r) / (M * r * r)
    ratio = delta_noise("unsupervised", 4, 1.0, rho, r, M) / delta_noise("supervised", 4, 1.0, rho)
    assert ratio == pytest.approx((1 + (r ** -8 - 1) / M) * (1 + rho) ** -4, rel=1e-12)


def test_low_storage_has_no_breaking():
    sol = replica.solve("supervised", level="1rsb", P=4, K=3, rho=0.3, beta=INF)
    ret = sol.branches["retrieval"]
    assert ret.found and ret.delta == 0.0 and ret.x == 1.0
    # T = 0, no archetype noise: m = erf(1/sqrt(2 rho)) (docs/physics/learning.md) at the retrieval state
    assert ret.m == pytest.approx(math.erf(1 / math.sqrt(2 * 0.3)), rel=1e-9)


def test_unsupervised_at_high_storage_needs_r_and_m():
    with pytest.raises(ValueError, match="needs r and M"):
        replica.solve("unsupervised", level="1rsb", P=4, alpha=0.01, rho=0.1, beta=INF)
