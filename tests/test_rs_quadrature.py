"""Gaussian averages E_z F(beta (a + b z)): every rule against adaptive quadrature with breakpoints."""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.special import erf

from replica import Breakpoint, GaussHermite, solve
from replica.quadrature import KINDS


def _F(kind, x):
    ax = abs(x)
    e = math.exp(-2 * ax)
    t = math.copysign((1 - e) / (1 + e), x)
    s2 = 4 * e / (1 + e) ** 2
    lc = ax + math.log1p(e)
    return {"tanh": t, "tanh2": t * t, "sech2": s2, "sech4": s2 * s2, "logcosh": lc,
            "entropy": lc - x * t}[kind]


def _reference(kind, beta, a, b):
    """scipy.integrate.quad on both sides of the breakpoint z0 = -a/b, nodes at z0 +- k/(beta b)."""
    base = kind.replace("beta*", "").replace("/beta", "")
    z0, kappa = -a / b, beta * b

    def f(z):
        return _F(base, beta * (a + b * z)) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

    lo, hi = min(-40.0, z0 - 1), max(40.0, z0 + 1)
    total = 0.0
    for left, right, sgn in ((lo, z0, -1), (z0, hi, 1)):
        pts = [z0 + sgn * k / kappa for k in (1, 5, 20) if left < z0 + sgn * k / kappa < right]
        with warnings.catch_warnings():   # quad warns that 1e-15 is at roundoff level: it is the aim
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(f, left, right, points=pts or None, limit=400, epsabs=1e-15, epsrel=1e-14)
        total += val
    if kind.startswith("beta*"):
        total *= beta
    if kind.endswith("/beta"):
        total /= beta
    return total


KAPPAS = [0.1, 0.45, 0.7, 3.0, 50.0, 1e4]
Z0S = [0.0, -1.3, 2.5, -6.0]


@pytest.mark.parametrize("kind", KINDS)
def test_breakpoint_rule_against_adaptive_quadrature(kind):
    q = Breakpoint()
    b = 0.7
    worst = 0.0
    for kappa in KAPPAS:
        for z0 in Z0S:
            beta, a = kappa / b, -z0 * b
            ref = _reference(kind, beta, a, b)
            val = q.average(kind, beta, a, b)
            scale = max(1.0, abs(ref))          # logcosh grows like beta |h|
            worst = max(worst, abs(val - ref) / scale)
    assert worst < (5e-12 if kind == "entropy" else 1e-12), worst


@pytest.mark.parametrize("kind", ["tanh", "sech2", "logcosh"])
def test_gauss_hermite_exact_for_smooth_and_wrong_for_steps(kind):
    gh, bp = GaussHermite(64), Breakpoint()
    b = 0.5
    for kappa, z0 in [(0.3, 0.0), (0.3, 1.7), (0.5, -2.0)]:      # smooth: both rules agree with quad
        beta, a = kappa / b, -z0 * b
        ref = _reference(kind, beta, a, b)
        assert abs(gh.average(kind, beta, a, b) - ref) < 1e-12 * max(1, abs(ref))
    # a sharp step (beta b = 20): plain Gauss-Hermite is off by far more than the breakpoint rule
    beta, a = 40.0, 0.3
    ref = _reference(kind, beta, a, b)
    err_gh = abs(gh.average(kind, beta, a, b) - ref) / max(1, abs(ref))
    err_bp = abs(bp.average(kind, beta, a, b) - ref) / max(1, abs(ref))
    assert err_bp < 1e-13
    assert err_gh > 1e-5, err_gh


def test_plain_gauss_hermite_gives_a_spurious_phase_at_low_temperature():
    # alpha = 0.1 > 0.0519 at T = 0.02: the spin glass is the RS thermodynamic state (AGS 1987).
    # With plain Gauss-Hermite, the spin-glass solution collapses (C = beta(1 - q) -> 0) and
    # its free energy is wrong by ~0.3, so retrieval is (wrongly) chosen.
    good = solve("hopfield", alpha=0.1, beta=50.0)
    bad = solve("hopfield", alpha=0.1, beta=50.0, quadrature=GaussHermite(64))
    assert good.branch == "spin glass" and good.C == pytest.approx(0.7176, abs=1e-3)
    assert bad.branch == "retrieval"
    assert abs(bad.branches["spin glass"].free_energy - good.free_energy) > 0.1


def test_zero_temperature_limits_are_closed_forms():
    q = Breakpoint()
    a, b = np.array([0.3, -1.1, 0.0, 2.0]), np.array([0.5, 0.8, 1.0, 0.2])
    inf = math.inf
    z = a / b
    phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(q.average("tanh", inf, a, b), erf(z / math.sqrt(2)), atol=1e-15)
    np.testing.assert_allclose(q.average("tanh2", inf, a, b), 1.0, atol=1e-15)
    np.testing.assert_allclose(q.average("sech2", inf, a, b), 0.0, atol=1e-15)
    np.testing.assert_allclose(q.average("beta*sech2", inf, a, b), 2 * phi / b, rtol=1e-12)
    np.testing.assert_allclose(q.average("beta*sech4", inf, a, b), (4 / 3) * phi / b, rtol=1e-12)
    e_abs = a * erf(z / math.sqrt(2)) + b * math.sqrt(2 / math.pi) * np.exp(-0.5 * z * z)
    np.testing.assert_allclose(q.average("logcosh/beta", inf, a, b), e_abs, rtol=1e-13)
    np.testing.assert_allclose(q.average("entropy", inf, a, b), 0.0, atol=1e-15)
    # continuity: large finite beta approaches the limit at rate 1/beta
    for kind in ("tanh", "beta*sech2", "beta*sech4", "logcosh/beta"):
        lim = q.average(kind, inf, a, b)
        far = q.average(kind, 1e7, a, b)
        np.testing.assert_allclose(far, lim, atol=1e-6)


def test_no_noise_is_evaluated_directly_and_shapes_broadcast():
    q = Breakpoint()
    beta, a = 1.7, np.linspace(-1, 1, 5)
    np.testing.assert_allclose(q.average("tanh", beta, a, 0.0), np.tanh(beta * a), rtol=1e-15)
    np.testing.assert_allclose(q.average("beta*sech2", beta, a, 0.0), beta / np.cosh(beta * a) ** 2, rtol=1e-14)
    np.testing.assert_allclose(q.average("tanh", math.inf, a, 0.0), np.sign(a))
    out = q.average(("tanh", "beta*sech2"), 2.0, np.zeros((3, 1)), np.ones((1, 4)))
    assert isinstance(out, tuple) and out[0].shape == (3, 4) and out[1].shape == (3, 4)
    assert isinstance(q.average("tanh", 2.0, 0.1, 0.2), float)


def test_expect_smooth_functions():
    q = Breakpoint()
    assert q.expect(lambda z: z * z) == pytest.approx(1.0, abs=1e-14)
    assert q.expect(np.exp, 0.3, 0.5) == pytest.approx(math.exp(0.3 + 0.125), rel=1e-14)
    np.testing.assert_allclose(q.expect(np.cos, np.zeros(3), np.array([0.5, 1.0, 2.0])),
                               np.exp(-0.5 * np.array([0.25, 1.0, 4.0])), rtol=1e-13)
    assert np.sum(q.weights) == pytest.approx(1.0, abs=1e-14)


def test_bad_input_raises():
    q = Breakpoint()
    with pytest.raises(ValueError, match="kind must be one of"):
        q.average("cosh", 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"beta must be in \(0, inf\]"):
        q.average("tanh", 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="use the Breakpoint rule"):
        GaussHermite().average("tanh", math.inf, 0.1, 1.0)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        GaussHermite(1)
    with pytest.raises(ValueError, match="quadrature must provide average"):
        solve("hopfield", alpha=0.1, beta=1.0, quadrature=object())
