"""The glass part at 1RSB: the Ising P-spin glass (dense networks) and SK-like glasses (P = 2).

Published values: Ising 3-spin glass with H = -sum_{i<j<k} J s s s, Var J = 3!/(2 N^2)
(xi(q) = q^3/2): static transition T_s = 0.651 and dynamic T_d = 0.682 (Gardner, Nucl.
Phys. B 257, 747 (1985); Montanari and Ricci-Tersenghi, Eur. Phys. J. B 33, 339 (2003)).
SK (xi = q^2/2) at T = 0, 1RSB: e0 = -0.7652 (Parisi, Phys. Rev. Lett. 43, 1754 (1979)).
The dense network's glass is xi(q) = alpha_B q^P / 2: temperatures scale with sqrt(alpha_B).
"""

import math

import pytest

import replica
from _rsb_helpers import S, Dense1RSB, Hopfield1RSB


@pytest.fixture(scope="module")
def three_spin():
    return S.pspin_transitions(3)


def test_ising_three_spin_static_and_dynamic_transitions(three_spin):
    assert three_spin["T_s"] == pytest.approx(0.651, abs=1e-3)
    assert three_spin["T_d"] == pytest.approx(0.682, abs=1e-3)
    assert three_spin["q_s"] > three_spin["q_d"] > 0.5


def test_general_glass_solver_reaches_x_equal_one_at_the_static_transition(three_spin):
    # the generic 1RSB machinery (kernel + df/dx = 0) against the x = 1 Gaussian-shift route
    Ts = three_spin["T_s"]
    beta = 1.0 / (0.995 * Ts)
    guess = (beta * (1.0 - three_spin["q_s"]), 0.99 * beta)       # near the x = 1 solution
    below = S.solve_glass(Dense1RSB(3, 0.5, beta), guess)
    assert below["converged"]
    assert 0.97 < below["x"] < 1.0
    assert below["q1"] == pytest.approx(three_spin["q_s"], abs=0.01)
    above = S.solve_glass(Dense1RSB(3, 0.5, 1.0 / (1.01 * Ts)))
    assert not above["converged"] and "exceed 1" in above["message"]
    # below T_s the 1RSB glass free energy lies above the paramagnet's (f is maximal in x)
    T = 0.6
    g = S.solve_glass(Dense1RSB(3, 0.5, 1.0 / T), (below["C"] * Ts / T, below["mu"]))
    assert g["converged"] and g["x"] < below["x"]
    assert g["f"] > -T * math.log(2.0) - 0.5 / (2.0 * T)


def test_glass_free_energy_at_x_equal_one_is_the_paramagnet():
    # A(x = 1) = ln 2 + beta^2 xi(1)/2 for any q1: the identity behind the static transition
    beta = 1.7
    mdl = Dense1RSB(4, 0.5, beta)
    for q1 in (0.3, 0.7, 0.95):
        C = beta * (1.0 - q1)
        f = mdl.free_energy_full(0.0, 0.0, C, beta)
        assert f == pytest.approx(-math.log(2.0) / beta - 0.5 * beta * 0.5, rel=1e-12)


def test_temperatures_scale_with_the_noise_strength(three_spin):
    c = 0.8                                  # xi = c q^3: T -> sqrt(2c) T
    t = S.pspin_transitions(3, c=c)
    assert t["T_s"] == pytest.approx(math.sqrt(2 * c) * three_spin["T_s"], rel=1e-8)
    # the dense network: alpha_B = (P!/2) alpha; its paramagnet is excluded below T_s only
    alpha = 0.01
    mdl = replica.base.get_model("dense", "1rsb")
    shape, full = mdl.prepare({"P": 3, "alpha": alpha, "beta": 1.0})
    p = replica.base.Batch({k: v.reshape(1) for k, v in full.items()}, 1)
    assert mdl.static_temperature(p, 0) == pytest.approx(math.sqrt(3 * alpha) * three_spin["T_s"], rel=1e-10)


def test_sk_one_step_ground_state():
    g = S.solve_glass(Dense1RSB(2, 0.5, math.inf))
    assert g["converged"]
    assert g["f"] == pytest.approx(-0.7652, abs=1e-4)
    assert g["energy"] == pytest.approx(g["f"], abs=1e-10)          # zero entropy at T = 0
    assert 0.4 < g["q0"] < 0.55                                     # q0 > 0 without a field


def test_three_spin_zero_temperature_glass_has_q0_zero_and_continuity():
    g0 = S.solve_glass(Dense1RSB(3, 0.5, math.inf))
    assert g0["converged"] and g0["q0"] == 0.0
    assert g0["energy"] == pytest.approx(g0["f"], abs=1e-10)
    # RS is far off for P >= 3: e_RS = -sqrt(2 xi'(1)/pi)
    assert g0["f"] > -math.sqrt(3.0 / math.pi) + 0.1
    gT = S.solve_glass(Dense1RSB(3, 0.5, 200.0), guess=(g0["C"], g0["mu"]))
    assert gT["converged"]
    assert gT["f"] == pytest.approx(g0["f"], abs=2e-3)
    assert gT["mu"] == pytest.approx(g0["mu"], rel=2e-2)


@pytest.mark.parametrize("beta", [math.inf, pytest.param(2.0, marks=pytest.mark.slow)])
def test_hopfield_glass_has_q0_positive_and_lies_above_rs(beta):
    mdl = Hopfield1RSB(0.1, beta)
    g = S.solve_glass(mdl)
    assert g["converged"] and g["q0"] > 0.0 and g["q1"] > g["q0"]
    assert g["x"] == 0.0 if math.isinf(beta) else 0.0 < g["x"] < 1.0
    rs = S.solve_rs(mdl, (0.0, 0.5))
    assert rs["converged"] and abs(rs["n"]) < 1e-8 and rs["q"] > 0
    assert g["f"] > rs["f"]


@pytest.mark.slow
def test_hopfield_glass_near_tg_has_q0_zero_and_replaces_the_paramagnet():
    alpha, T = 0.05, 1.1                                   # T_g = 1 + sqrt(alpha) = 1.224
    sol = replica.solve("hopfield", level="1rsb", alpha=alpha, beta=1.0 / T)
    sg, para = sol.branches["spin glass"], sol.branches["paramagnet"]
    assert sg.found and para.found and sol.branch == "spin glass"
    assert sg.q0 == 0.0 and 0.0 < sg.q1 < 0.2 and 0.0 < sg.x < 0.1
    assert sg.free_energy > para.free_energy               # f is maximal: the glass replaces it
