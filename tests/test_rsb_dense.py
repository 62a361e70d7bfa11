"""Dense (P >= 3) network at 1RSB in the Gardner picture (P-spin glass + P-body ferromagnet).

Independent routes: the framework's RS implementation (replica.families.dense_rs, other
quadrature) for the reductions to RS; the RS capacity closed form
alpha_c = max_m m^(2P-2) / (2 (P-1)! erfinv(m)^2); finite differences of f (stationarity,
energy); the Nishimori line T = alpha_B (RS exact: m = q, no breaking).
"""

import math

import numpy as np
import pytest
from scipy import optimize, special

import replica
from _rsb_helpers import S, Dense1RSB
from replica.base import Batch, get_model
from replica.quadrature import DEFAULT as QUAD

INF = math.inf


def _model(P, alpha, beta):
    return Dense1RSB(P, 0.25 * math.factorial(P) * alpha, beta)


def _alpha_rs_closed(P):
    a = lambda m: m ** (2 * P - 2) / (2 * math.factorial(P - 1) * special.erfinv(m) ** 2)
    o = optimize.minimize_scalar(lambda m: -a(m), bounds=(0.5, 1 - 1e-12), method="bounded",
                                 options={"xatol": 1e-12})
    return -o.fun


@pytest.fixture(scope="module")
def capacities():
    out = {}
    for P in (4, 6, 8, 10):
        out[P] = (replica.critical_capacity("dense", level="rs", P=P),
                  replica.critical_capacity("dense", level="1rsb", P=P))
    return out


@pytest.mark.parametrize("P", [4, 6, 8, 10])
def test_one_step_capacity_exceeds_rs(capacities, P):
    rs, one = capacities[P]
    assert rs.converged and one.converged and one.interior
    assert rs.alpha == pytest.approx(_alpha_rs_closed(P), rel=1e-7)
    assert one.alpha > rs.alpha * 1.05                # a visible increase (measured: +9% .. +16%)
    assert one.q1 == 1.0 and 0.0 < one.q0 < 1.0 and one.m < rs.m


def test_p4_capacity_value(capacities):
    # regression of the measured value (this implementation): alpha_c^1RSB(P=4) = 0.0381953
    assert capacities[4][1].alpha == pytest.approx(0.0381953, rel=1e-5)


@pytest.mark.parametrize("beta", [2.0, 30.0])
def test_reduces_to_rs_at_x_equal_one_and_at_q1_equal_q0(beta):
    P, alpha, m = 4, 0.03, 0.9
    mdl = _model(P, alpha, beta)
    q0, q1 = 0.8, 0.95
    rs = get_model("dense", "rs")
    p = Batch({"P": np.array([4.0]), "alpha": np.array([alpha]), "beta": np.array([beta])}, 1)
    f_rs = float(rs.free_energy(np.array([[m, beta * (1 - q0)]]), p, QUAD)[0])
    assert mdl.free_energy_full(m, q0, beta * (1 - q1), beta) == pytest.approx(f_rs, rel=1e-10)
    for mu in (0.2 * beta, 0.7 * beta):
        assert mdl.free_energy_full(m, q0, beta * (1 - q0), mu) == pytest.approx(f_rs, rel=1e-10)


def _stationarity(mdl, sol):
    v = np.array([sol["n"], sol["q0"], sol["C"], sol["mu"]])
    scale = np.array([1.0, sol["q1"] - sol["q0"], sol["C"], sol["mu"]])
    out = []
    for j in range(v.size):
        def d(h):
            e = np.zeros(v.size)
            e[j] = h
            return (mdl.free_energy_full(*(v + e)) - mdl.free_energy_full(*(v - e))) / (2 * h)
        h = 1e-3 * scale[j]
        out.append((4 * d(h / 2) - d(h)) / 3 * scale[j])
    return np.array(out)


@pytest.mark.parametrize("beta", [INF, 20.0])
def test_free_energy_is_stationary_in_every_variable(beta):
    mdl = _model(4, 0.03, beta)                     # T = 0.05 < T_AT(0.03) = 0.125
    sol = S.retrieval(mdl)
    assert sol["converged"] and sol["level"] == "1rsb"
    g = _stationarity(mdl, sol)
    if math.isinf(beta):
        g = g[[0, 1, 3]]                            # at T = 0, f does not depend on C
    assert np.max(np.abs(g)) < 1e-10, g
    off = dict(sol, mu=1.1 * sol["mu"], q0=sol["q0"] - 0.1 * (sol["q1"] - sol["q0"]))
    assert np.max(np.abs(_stationarity(mdl, off))) > 1e-7


def test_energy_entropy_and_continuity_to_zero_temperature():
    s0 = S.retrieval(_model(4, 0.03, INF))
    assert s0["energy"] == pytest.approx(s0["f"], abs=1e-10)
    guess = [s0["n"], s0["delta"], s0["C"], s0["mu"]]
    diffs = {}
    for beta in (400.0, 800.0):
        sT = S.retrieval(_model(4, 0.03, beta), guess)
        assert sT["converged"] and sT["level"] == "1rsb"
        guess = [sT["n"], sT["delta"], sT["C"], sT["mu"]]
        diffs[beta] = {k: sT[k] - s0[k] for k in ("m", "q0", "mu", "f")}
        s_T = beta * (sT["energy"] - sT["f"])
        assert s_T == pytest.approx(_model(4, 0.03, INF).entropy_zero_temperature(s0["C"]), abs=2e-4)
    for k in ("m", "q0", "mu"):
        assert abs(diffs[800.0][k]) < 0.6 * abs(diffs[400.0][k]) + 1e-10, k
    # u = d(beta f)/d(beta) at finite T, re-solving at beta +- h
    beta, h = 20.0, 0.05
    f = {b: S.retrieval(_model(4, 0.03, b), guess) for b in (beta - h, beta, beta + h)}
    du = ((beta + h) * f[beta + h]["f"] - (beta - h) * f[beta - h]["f"]) / (2 * h)
    assert f[beta]["energy"] == pytest.approx(du, abs=1e-7)


def test_one_step_free_energy_lies_above_rs():
    mdl = _model(4, 0.03, INF)
    rs = S.solve_rs(mdl, (1.0, 0.1), relax=200)
    one = S.retrieval(mdl)
    assert rs["at"] > 1.0 and one["f"] > rs["f"] + 1e-6


def test_nishimori_line_is_replica_symmetric():
    # on T = alpha_B the RS retrieval state has m = q, u = -1/2, and RS is exact
    P, alpha = 4, 0.01
    alpha_b = 0.5 * math.factorial(P) * alpha
    mdl = _model(P, alpha, 1.0 / alpha_b)
    rs = S.solve_rs(mdl, (1.0, 0.1), relax=200)
    assert rs["m"] == pytest.approx(rs["q"], abs=1e-10)
    assert rs["energy"] == pytest.approx(-0.5, abs=1e-10)
    one = S.retrieval(mdl)
    assert one["converged"] and one["level"] == "rs" and "AT-stable" in one["message"]


def test_one_step_branch_emerges_at_the_at_line():
    P, alpha = 4, 0.03
    T_at = replica.at_line("dense", P=P, alpha=alpha).T
    assert T_at == pytest.approx(0.12503, abs=1e-4)
    deltas, guess = {}, None
    for eps in (0.08, 0.04, 0.02):
        r = S.retrieval(_model(P, alpha, 1.0 / (T_at * (1 - eps))), guess)
        assert r["converged"] and r["level"] == "1rsb", r["message"]
        guess = [r["n"], r["delta"], r["C"], r["mu"]]
        deltas[eps] = r["delta"]
    k1, k2, k3 = (deltas[e] / e for e in (0.08, 0.04, 0.02))
    assert abs(k3 / k2 - 1.0) < 0.05 and abs(k3 - k2) < abs(k2 - k1)
    above = S.retrieval(_model(P, alpha, 1.0 / (T_at * 1.02)))
    assert above["level"] == "rs" and "AT-stable" in above["message"]


def test_p4_spinodal_is_almost_vertical_at_1rsb_and_reentrant_at_rs(capacities):
    rs0, one0 = capacities[4]
    rs = replica.retrieval_spinodal("dense", level="rs", P=4, beta=10.0)
    one = replica.retrieval_spinodal("dense", level="1rsb", P=4, beta=10.0)
    assert rs.converged and one.converged
    assert rs.alpha > 1.04 * rs0.alpha                  # RS: alpha_M grows with T (re-entrant)
    assert abs(one.alpha / one0.alpha - 1.0) < 0.005    # 1RSB: nearly T-independent
    assert one.alpha > rs.alpha


@pytest.mark.slow
def test_thermodynamic_boundary_is_drawn_against_the_one_step_glass():
    # P = 4, T = 0.05: at RS the competitor is the RS glass (too low a free energy); at 1RSB
    # the 1RSB glass (below its static transition T_s) -- retrieval wins up to a much larger load
    g1 = replica.retrieval_global_minimum("dense", level="1rsb", P=4, beta=20.0)
    g0 = replica.retrieval_global_minimum("dense", level="rs", P=4, beta=20.0)
    assert g1.converged and g0.converged and g1.competitor == "spin glass"
    assert g1.alpha == pytest.approx(0.03165, abs=2e-4)
    assert g1.alpha > 1.5 * g0.alpha
    from replica.rsb import dense_glass_transitions
    assert dense_glass_transitions(4, g1.alpha)["T_s"] > 0.05
