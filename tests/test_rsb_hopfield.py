"""Pairwise Hopfield network at 1RSB (Crisanti-Amit-Gutfreund ansatz).

Published: alpha_c^RS = 0.137905 and alpha_c^1RSB = 0.138186 (Steffan and Kuehn, Z. Phys. B
95, 249 (1994); the older 1RSB value 0.144 of Crisanti, Amit and Gutfreund is not confirmed).
Independent routes: the framework's AGS implementation (replica.families.hopfield_rs, other
quadrature) for the reductions to RS; finite differences of f for stationarity and energy.
"""

import math

import numpy as np
import pytest
from scipy import optimize

import replica
from _rsb_helpers import S, Hopfield1RSB
from replica.base import Batch, get_model
from replica.quadrature import DEFAULT as QUAD

INF = math.inf


def _f_rs_framework(alpha, beta, m, C, r):
    mdl = get_model("hopfield", "rs")
    p = Batch({"alpha": np.array([alpha]), "beta": np.array([beta])}, 1)
    return float(mdl.free_energy(np.array([[m, C, r]]), p, QUAD)[0])


def test_published_capacities_steffan_kuehn_1994():
    rs = replica.critical_capacity("hopfield", level="rs")
    one = replica.critical_capacity("hopfield", level="1rsb")
    assert rs.converged and one.converged and one.interior
    assert rs.alpha == pytest.approx(0.137905, abs=1.5e-6)
    assert one.alpha == pytest.approx(0.138186, abs=1.5e-6)
    assert one.q1 == 1.0 and 0.99 < one.q0 < 1.0 and one.mu > 0
    assert one.m == pytest.approx(0.9668, abs=2e-4)


@pytest.mark.parametrize("beta", [3.0, 40.0])
def test_reduces_to_rs_at_x_equal_one_and_at_q1_equal_q0(beta):
    alpha, m, r0, r1 = 0.12, 0.93, 1.3, 1.9
    q0, q1 = 1.0 - 0.4 / beta, 1.0 - 0.2 / beta          # inside the domain A0, A1 > 0
    mdl = Hopfield1RSB(alpha, beta)
    C0, C1 = beta * (1 - q0), beta * (1 - q1)
    f_rs = _f_rs_framework(alpha, beta, m, C0, r0)
    # x = 1 (mu = beta): any q1, r1
    assert mdl.free_energy_full(m, q0, C1, r0, r1, beta) == pytest.approx(f_rs, rel=1e-10, abs=1e-12)
    # q1 = q0, r1 = r0: any x
    for mu in (0.3 * beta, 0.8 * beta):
        assert mdl.free_energy_full(m, q0, C0, r0, r0, mu) == pytest.approx(f_rs, rel=1e-10, abs=1e-12)


def _stationarity(mdl, sol):
    """d f / d v_j * scale_j at a solution, for v = (m, q0, C, r0, r1, mu).

    Central differences with Richardson extrapolation; steps and scales are natural ones
    (q0 on the scale q1 - q0, r0 and r1 on r1 - r0, the others relative): changes of f.
    """
    v = np.array([sol["n"], sol["q0"], sol["C"], sol["r0"], sol["r1"], sol["mu"]])
    dq, dr = sol["q1"] - sol["q0"], sol["r1"] - sol["r0"]
    scale = np.array([1.0, dq, sol["C"], dr, dr, sol["mu"]])
    out = []
    for j in range(v.size):
        def d(h):
            e = np.zeros(v.size)
            e[j] = h
            return (mdl.free_energy_full(*(v + e)) - mdl.free_energy_full(*(v - e))) / (2 * h)
        h = 1e-3 * scale[j]
        out.append((4 * d(h / 2) - d(h)) / 3 * scale[j])
    return np.array(out)


@pytest.mark.parametrize("beta", [INF, 150.0])
def test_free_energy_is_stationary_in_every_variable(beta):
    mdl = Hopfield1RSB(0.137, beta)
    sol = S.retrieval(mdl)
    assert sol["converged"] and sol["level"] == "1rsb" and sol["delta"] > 1e-4
    g = _stationarity(mdl, sol)
    assert np.max(np.abs(g)) < 1e-10, g
    # away from the saddle point the same numbers are large (the test can fail)
    off = dict(sol, mu=1.1 * sol["mu"], q0=sol["q0"] - 0.1 * (sol["q1"] - sol["q0"]))
    assert np.max(np.abs(_stationarity(mdl, off))) > 1e-7


def test_energy_equals_free_energy_at_zero_temperature_and_d_beta_f():
    sol0 = S.retrieval(Hopfield1RSB(0.137, INF))
    assert sol0["energy"] == pytest.approx(sol0["f"], abs=1e-10)
    beta, h = 150.0, 0.5                    # T = 0.0067 < T_AT(0.137) = 0.0180
    guess = None
    f = {}
    for b in (beta - h, beta, beta + h):
        r = S.retrieval(Hopfield1RSB(0.137, b), guess)
        assert r["converged"] and r["level"] == "1rsb"
        guess = [r["n"], r["delta"], r["C"], r["mu"]]
        f[b] = r
    du = ((beta + h) * f[beta + h]["f"] - (beta - h) * f[beta - h]["f"]) / (2 * h)
    assert f[beta]["energy"] == pytest.approx(du, abs=2e-6)


def test_finite_temperature_tends_to_zero_temperature():
    s0 = S.retrieval(Hopfield1RSB(0.137, INF))
    guess = [s0["n"], s0["delta"], s0["C"], s0["mu"]]
    diff = {}
    for beta in (1000.0, 2000.0):
        sT = S.retrieval(Hopfield1RSB(0.137, beta), guess)
        assert sT["converged"] and sT["level"] == "1rsb"
        guess = [sT["n"], sT["delta"], sT["C"], sT["mu"]]
        diff[beta] = {k: sT[k] - s0[k] for k in ("m", "q0", "C", "mu", "f")}
        # entropy beta (u - f) -> the T = 0 form -(alpha/2)[ln(1-C) + C/(1-C)]
        s_T = beta * (sT["energy"] - sT["f"])
        assert s_T == pytest.approx(Hopfield1RSB(0.137, INF).entropy_zero_temperature(s0["C"]), abs=5e-4)
    # differences vanish linearly in T (halve when T halves)
    for k in ("m", "q0", "C", "mu"):
        assert abs(diff[2000.0][k]) < 0.6 * abs(diff[1000.0][k]) + 1e-10, k
    assert abs(diff[2000.0]["f"]) < 1e-6


def test_one_step_free_energy_lies_above_rs_where_rs_is_at_unstable():
    mdl = Hopfield1RSB(0.137, INF)
    rs = S.solve_rs(mdl, (1.0, 0.1), relax=200)
    one = S.retrieval(mdl)
    assert rs["at"] > 1.0                       # AT-unstable (infinite at T = 0)
    assert one["f"] > rs["f"] + 1e-6
    assert one["m"] > rs["m"]


def _t_at(alpha):
    state = {"g": (1.0, 0.05)}

    def excess(T):
        r = S.solve_rs(Hopfield1RSB(alpha, 1.0 / T), state["g"], relax=50)
        state["g"] = (r["n"], r["C"])
        return r["at"] - 1.0
    return optimize.brentq(excess, 0.015, 0.05, xtol=1e-12)


def test_one_step_branch_emerges_at_the_at_line():
    alpha = 0.137
    T_at = _t_at(alpha)
    deltas = {}
    guess = None
    for eps in (0.08, 0.04, 0.02):
        r = S.retrieval(Hopfield1RSB(alpha, 1.0 / (T_at * (1 - eps))), guess)
        assert r["converged"] and r["level"] == "1rsb", r["message"]
        guess = [r["n"], r["delta"], r["C"], r["mu"]]
        deltas[eps] = r["delta"]
    # q1 - q0 vanishes linearly at T_AT: the ratio delta/eps converges
    k1, k2, k3 = deltas[0.08] / 0.08, deltas[0.04] / 0.04, deltas[0.02] / 0.02
    assert abs(k3 - k2) < 0.5 * abs(k2 - k1) + 1e-12
    assert abs(k3 / k2 - 1.0) < 0.05
    above = S.retrieval(Hopfield1RSB(alpha, 1.0 / (T_at * 1.02)))
    assert above["converged"] and above["level"] == "rs" and "AT-stable" in above["message"]


def test_public_solve_reports_the_one_step_order_parameters():
    sol = replica.solve("hopfield", level="1rsb", alpha=0.137, beta=INF)
    ret = sol.branches["retrieval"]
    assert ret.found and ret.q1 == 1.0 and ret.q0 < 1.0 and ret.x == 0.0 and ret.mu > 1.0
    assert ret.energy == pytest.approx(ret.free_energy, abs=1e-10)
    assert ret.stable                                 # stable in m along the branch
    # at alpha = 0.137 the spin glass has the lower free energy (as at RS for alpha > 0.051)
    assert sol.branch == "spin glass" and sol.x == 0.0
    assert "1RSB replicon" in sol.message
