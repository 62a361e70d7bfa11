"""Pairwise Hopfield network, replica symmetric (AGS): published numbers, closed forms, identities."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from replica import (at_line, critical_capacity, glass_temperature, retrieval_global_minimum,
                     retrieval_spinodal, solve)
from replica.base import Batch, get_model
from replica.quadrature import DEFAULT as QUAD
from replica.solver import analyse

SQPI = math.sqrt(math.pi)


# ---------------------------------------------------------------------- independent T = 0 closed forms
def _alpha_of_y(y):
    """AGS T = 0: alpha(y) = [erf y - (2/sqrt pi) y e^(-y^2)]^2 / (2 y^2), m = erf y."""
    return (erf(y) - 2 * y * np.exp(-y * y) / SQPI) ** 2 / (2 * y * y)


def _y_fold():
    return minimize_scalar(lambda y: -_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                           options={"xatol": 1e-12}).x


def _t0_retrieval(alpha):
    """Stable (large-y) T = 0 retrieval solution by brentq: m, C, r, f."""
    y = brentq(lambda y: _alpha_of_y(y) - alpha, _y_fold(), 10.0, xtol=1e-15)
    m = erf(y)
    C = 2 * y * math.exp(-y * y) / (SQPI * m)
    r = 1 / (1 - C) ** 2
    return m, C, r, alpha / 2 - m * m / 2 - alpha * r / 2


def _t0_spin_glass_f(alpha):
    s = math.sqrt(2 / (math.pi * alpha))
    return alpha / 2 - alpha * (1 + s) ** 2 / 2


# ---------------------------------------------------------------------- published numbers
def test_critical_capacity_published():
    # Amit, Gutfreund, Sompolinsky, Ann. Phys. 173, 30 (1987): alpha_c = 0.138, m = 0.967;
    # Steffan and Kuehn, Z. Phys. B 95, 249 (1994): alpha_c^RS = 0.137905.
    c = critical_capacity("hopfield")
    assert c.converged and c.interior
    assert c.alpha == pytest.approx(0.137905, abs=2e-6)
    assert c.m == pytest.approx(0.967, abs=5e-4)
    # independent route: the closed-form alpha(y) maximised directly
    y = _y_fold()
    assert c.alpha == pytest.approx(_alpha_of_y(y), abs=1e-10)
    assert c.m == pytest.approx(erf(y), abs=1e-8)
    assert abs(c.stability) < 1e-5          # marginal at the fold


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.3])
def test_glass_temperature(alpha):
    # AGS, PRA 32, 1007 (1985): T_g = 1 + sqrt(alpha)
    g = glass_temperature("hopfield", alpha=alpha)
    assert g.converged
    assert g.T == pytest.approx(1 + math.sqrt(alpha), abs=1e-9)
    # below T_g a spin-glass solution with q > 0 exists and is the state; above, the paramagnet
    below = solve("hopfield", alpha=alpha, beta=1 / (g.T - 0.02))
    above = solve("hopfield", alpha=alpha, beta=1 / (g.T + 0.02))
    assert below.branch == "spin glass" and below.q > 1e-3
    assert above.branch == "paramagnet" and above.q == pytest.approx(0.0, abs=1e-12)


def test_retrieval_global_minimum_at_zero_temperature():
    # AGS 1987: retrieval states are the global minima below alpha ~ 0.051 at T = 0 (two digits;
    # the RS value is 0.05185, checked against the closed forms)
    g = retrieval_global_minimum("hopfield", beta=math.inf)
    assert g.converged and g.competitor == "spin glass"
    assert g.alpha == pytest.approx(0.051, abs=1e-3)
    ref = brentq(lambda a: _t0_retrieval(a)[3] - _t0_spin_glass_f(a), 0.01, 0.13, xtol=1e-14)
    assert g.alpha == pytest.approx(ref, abs=1e-8)


# ---------------------------------------------------------------------- closed forms and limits
@pytest.mark.parametrize("alpha", [0.02, 0.1, 0.13])
def test_zero_temperature_retrieval_matches_closed_form(alpha):
    s = solve("hopfield", alpha=alpha, beta=math.inf)
    ret = s.branches["retrieval"]
    m, C, r, f = _t0_retrieval(alpha)
    assert ret.converged and ret.q == 1.0
    assert ret.m == pytest.approx(m, abs=1e-10)
    assert ret.C == pytest.approx(C, abs=1e-9)
    assert ret.r == pytest.approx(r, rel=1e-9)
    assert ret.free_energy == pytest.approx(f, abs=1e-10)
    assert ret.energy == pytest.approx(f, abs=1e-10)            # f = u at T = 0
    assert s.branches["spin glass"].free_energy == pytest.approx(_t0_spin_glass_f(alpha), abs=1e-10)
    assert ret.at == -math.inf and not ret.rs_stable            # RS retrieval is AT-unstable at T = 0


def test_zero_temperature_is_the_limit_of_small_temperature():
    for alpha in (0.03, 0.12):
        zero = solve("hopfield", alpha=alpha, beta=math.inf).branches["retrieval"]
        cold = solve("hopfield", alpha=alpha, beta=1e4).branches["retrieval"]
        for key in ("m", "C", "r", "free_energy", "energy", "entropy"):
            assert cold[key] == pytest.approx(zero[key], abs=2e-4), key
        assert cold.q == pytest.approx(1 - cold.C / 1e4, abs=1e-12)


@pytest.mark.parametrize("beta", [0.5, 2.0, 8.0])
def test_no_patterns_is_curie_weiss(beta):
    s = solve("hopfield", alpha=0.0, beta=beta)
    m = s.m
    assert m == pytest.approx(math.tanh(beta * m), abs=1e-12)
    if beta > 1:
        assert m > 0.5 and s.branch == "retrieval"
        assert not s.branches["paramagnet"].stable      # m = 0 is a maximum of f(m) below T = 1
    else:
        assert s.branch == "paramagnet" and m == 0.0
    assert s.free_energy == pytest.approx(m * m / 2 - math.log(2 * math.cosh(beta * m)) / beta, abs=1e-12)


# ---------------------------------------------------------------------- identities
def _random_points(n, zero_temperature, seed):
    rng = np.random.default_rng(seed)
    beta = np.full(n, math.inf) if zero_temperature else rng.uniform(0.5, 30.0, n)
    x = np.stack([rng.uniform(0.05, 1.0, n), rng.uniform(0.05, 0.9, n), rng.uniform(0.2, 3.0, n)], axis=1)
    p = Batch({"alpha": rng.uniform(0.01, 0.3, n), "beta": beta, "P": np.full(n, 2.0)}, n)
    return x, p


@pytest.mark.parametrize("zero_temperature", [False, True])
def test_free_energy_derivatives_are_the_saddle_point_equations(zero_temperature):
    model = get_model("hopfield")
    x, p = _random_points(12, zero_temperature, seed=3)
    g = model.gradient(x, p, QUAD)
    h = 1e-6
    for j in range(3):
        d = np.zeros(3)
        d[j] = h
        fd = (model.free_energy(x + d, p, QUAD) - model.free_energy(x - d, p, QUAD)) / (2 * h)
        np.testing.assert_allclose(fd, g[:, j], atol=2e-8)
    # and the gradient is the residual of the AGS equations: m - E tanh, (alpha/2)(r - q/A^2), (alpha/2)(C - beta E sech^2)
    m, C, r = x.T
    q = 1 - C * p.inv_beta
    b = np.sqrt(p["alpha"] * r)
    t, bs2 = QUAD.average(("tanh", "beta*sech2"), p["beta"], m, b)
    np.testing.assert_allclose(g[:, 0], m - t, atol=1e-14)
    np.testing.assert_allclose(g[:, 1], 0.5 * p["alpha"] * (r - q / (1 - C) ** 2), atol=1e-14)
    np.testing.assert_allclose(g[:, 2], 0.5 * p["alpha"] * (C - bs2), atol=1e-14)


@pytest.mark.parametrize("alpha, T", [(0.05, 0.3), (0.1, 0.2), (0.05, 1.1), (0.2, 1.3)])
def test_energy_is_d_beta_f_d_beta_and_entropy_consistent(alpha, T):
    beta, h = 1 / T, 1e-4
    s = solve("hopfield", alpha=alpha, beta=beta)
    sp = solve("hopfield", alpha=alpha, beta=beta + h).branches[s.branch]
    sm = solve("hopfield", alpha=alpha, beta=beta - h).branches[s.branch]
    du = ((beta + h) * sp.free_energy - (beta - h) * sm.free_energy) / (2 * h)
    assert s.energy == pytest.approx(du, abs=1e-7)
    assert s.entropy == pytest.approx(beta * (s.energy - s.free_energy), abs=1e-9)
    # gradient vanishes at the solution
    model = get_model("hopfield")
    rec = s
    x = np.array([[rec.m, rec.C, rec.r]])
    p = Batch({"alpha": np.array([alpha]), "beta": np.array([beta]), "P": np.array([2.0])}, 1)
    assert np.max(np.abs(model.gradient(x, p, QUAD))) < 1e-9


def test_stability_distinguishes_the_two_retrieval_solutions():
    # T = 0, alpha = 0.1: the AGS equation alpha(y) = 0.1 has two roots; the small-y one is the
    # saddle between retrieval and the glass and must come out unstable
    alpha = 0.1
    model = get_model("hopfield")
    p = Batch({"alpha": np.array([alpha] * 2), "beta": np.array([math.inf] * 2), "P": np.array([2.0] * 2)}, 2)
    y_fold = _y_fold()
    xs = []
    for lo, hi in ((0.3, y_fold), (y_fold, 10.0)):
        y = brentq(lambda y: _alpha_of_y(y) - alpha, lo, hi, xtol=1e-15)
        m = erf(y)
        C = 2 * y * math.exp(-y * y) / (SQPI * m)
        xs.append([m, C, 1 / (1 - C) ** 2])
    a = analyse(model, np.array(xs), p, QUAD)
    # the saddle lies on the wrong sheet of the inner (C, r) saddle: its value is the offending
    # inner eigenvalue (-4.6e-5 here, small but far above the finite-difference noise ~1e-9)
    assert a["stability"][0] < -1e-6
    assert a["stability"][1] > 1e-3


def test_paramagnet_exists_above_T1_and_is_unstable_below_Tg():
    s = solve("hopfield", alpha=0.05, beta=1 / 1.1)            # 1 < T < T_g = 1.2236
    pm = s.branches["paramagnet"]
    assert pm.converged and not pm.stable and pm.at < 0
    assert s.branch == "spin glass" and s.stable and s.at < 0 and not s.rs_stable
    assert "RS is unstable here" in s.message
    cold = solve("hopfield", alpha=0.05, beta=2.0)              # T < 1: A = 1 - beta < 0
    assert not cold.branches["paramagnet"].converged if "paramagnet" in cold.branches else True


def test_reentrant_retrieval_spinodal():
    # alpha_M(T) first grows with T (AGS 1987), from alpha_c = 0.1379 at T = 0
    s = retrieval_spinodal("hopfield", beta=1 / np.array([0.005, 0.02, 0.1, 0.5]))
    c = critical_capacity("hopfield")
    assert np.all(s.converged)
    assert s.alpha[0] > c.alpha + 1e-5 and s.alpha[1] > c.alpha
    assert s.alpha[2] < s.alpha[1] and s.alpha[3] < s.alpha[2]
    # the retrieval solution exists just below the spinodal and not just above
    for beta, a in zip(1 / np.array([0.1, 0.5]), s.alpha[2:]):
        assert solve("hopfield", alpha=a * (1 - 1e-4), beta=beta).branches["retrieval"].converged
        above = solve("hopfield", alpha=a * (1 + 1e-4), beta=beta).branches
        assert "retrieval" not in above or not above["retrieval"].converged


def test_at_line_of_retrieval():
    a = at_line("hopfield", alpha=np.array([0.05, 0.1]))
    assert np.all(a.converged)
    assert 0 < a.T[0] < a.T[1] < 0.01
    for alpha, T in zip((0.05, 0.1), a.T):
        assert not solve("hopfield", alpha=alpha, beta=1 / (0.9 * T)).branches["retrieval"].rs_stable
        assert solve("hopfield", alpha=alpha, beta=1 / (1.1 * T)).branches["retrieval"].rs_stable


# ---------------------------------------------------------------------- API behaviour
def test_vectorised_grid_equals_pointwise():
    alpha = np.array([0.02, 0.08, 0.14])
    T = np.array([0.1, 0.6, 1.3])
    grid = solve("hopfield", alpha=alpha[:, None], beta=1 / T[None, :])
    assert grid.m.shape == (3, 3) and grid.branch.shape == (3, 3)
    for i, a in enumerate(alpha):
        for j, t in enumerate(T):
            one = solve("hopfield", alpha=a, beta=1 / t)
            assert grid.branch[i, j] == one.branch
            assert grid.free_energy[i, j] == pytest.approx(one.free_energy, abs=1e-12)
            assert grid.m[i, j] == pytest.approx(one.m, abs=1e-10)
    assert set(grid.branches) >= {"retrieval", "spin glass", "paramagnet"}
    ret = grid.branches["retrieval"]
    assert np.all(np.isnan(ret.m[~ret.found])) and not np.any(np.isnan(ret.m[ret.found]))


def test_record_fields():
    s = solve("hopfield", alpha=0.05, beta=10.0)
    for key in ("m", "q", "r", "C", "free_energy", "energy", "entropy", "converged", "message", "iterations",
                "nfev", "residual", "branch", "stable", "stability", "at", "rs_stable", "params", "level",
                "model", "branches"):
        assert key in s, key
    assert s.converged and s.branch == "retrieval" and s.level == "rs" and s.model == "hopfield"
    assert s.residual < 1e-10 and isinstance(s.m, float)
    assert s.params["alpha"] == 0.05


@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": -0.1, "beta": 1.0}, r"alpha must be in \[0, inf\), got -0.1"),
    ({"alpha": 0.1}, "needs parameter 'beta'"),
    ({"alpha": 0.1, "beta": 0.0}, r"beta must be in \(0, inf\]"),
    ({"alpha": np.array([0.1, -2.0]), "beta": 1.0}, r"alpha must be in \[0, inf\), got -2.0"),
    ({"alpha": 0.1, "beta": np.array([1.0, np.nan])}, "beta must be in"),
    ({"alpha": 0.1, "beta": 1.0, "T": 1.0}, "unknown parameter 'T'"),
    ({"alpha": np.ones(3), "beta": np.ones(4)}, "must broadcast together"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve("hopfield", **kwargs)


def test_bad_model_and_level():
    with pytest.raises(ValueError, match="model must be one of"):
        solve("hopfeld", alpha=0.1, beta=1.0)
    with pytest.raises(ValueError, match="level must be one of"):
        solve("hopfield", level="2rsb", alpha=0.1, beta=1.0)
    with pytest.raises(ValueError, match="tol must be in"):
        solve("hopfield", alpha=0.1, beta=1.0, tol=0)
    with pytest.raises(ValueError, match="do not pass alpha"):
        critical_capacity("hopfield", alpha=0.1)


@pytest.mark.parametrize("alpha, rel", [(0.03, 1e-4), (0.04, 1e-3)])
def test_at_line_small_alpha_asymptote(alpha, rel):
    # derived here: for small alpha, h ~ 1 + sqrt(alpha) z, A ~ 1 and
    # beta E sech^4(beta h) ~ (4/3) phi(1/sqrt(alpha)) / sqrt(alpha), so lambda_AT = 1 at
    # T_AT ~ (4/3) sqrt(alpha / (2 pi)) exp(-1 / (2 alpha)) (exponentially small)
    T = at_line("hopfield", alpha=alpha).T
    assert T == pytest.approx((4 / 3) * math.sqrt(alpha / (2 * math.pi)) * math.exp(-0.5 / alpha), rel=rel)


@pytest.mark.parametrize("model, extra, alphas", [
    ("hopfield", {}, np.linspace(0.125, 0.142, 25)),
    ("dense", {"P": 3}, np.linspace(0.115, 0.155, 25)),
])
def test_grid_solver_agrees_with_the_fold_near_the_spinodal(model, extra, alphas):
    # two independent routes: the vectorised branch search on a grid, and the fold of alpha(m)
    T = np.array([0.0, 0.02, 0.1, 0.25])
    beta = np.where(T > 0, 1 / np.where(T > 0, T, 1), np.inf)
    spin = retrieval_spinodal(model, beta=beta, **extra)
    grid = solve(model, alpha=alphas[:, None], beta=beta[None, :], **extra)
    ret = grid.branches["retrieval"]
    assert np.all(grid.converged)
    assert np.array_equal(ret.found & ret.stable, alphas[:, None] < spin.alpha[None, :])
