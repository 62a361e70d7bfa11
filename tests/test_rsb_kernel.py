"""1RSB Gaussian averages (replica.quadrature.Breakpoint.nested) against independent routes.

Reference routes: adaptive quadrature (scipy.integrate.quad) of the defining integrals;
the T = 0 Gaussian-CDF closed forms written out here independently; the x = 1 Gaussian
shift identity E[cosh(b z) F(b z)] = e^(b^2/2) E[F(b z + b^2)] for even F.
"""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import ndtr

from replica.quadrature import DEFAULT, Breakpoint, NestedGrid

FINE = Breakpoint(nested_grid=NestedGrid(inner_panels=40, inner_order=12, outer_step=0.25, outer_order=12,
                                         inner_graded=12))


class K:
    """The nested averages under the names of the inner quantities (t1 = <tanh>, t2 = <tanh^2>)."""

    FINE_GRID = FINE

    @staticmethod
    def inner(a, s, beta, mu, rule=DEFAULT):
        v = rule.nested(a, 0.0, s, beta, mu)           # no outer noise: the inner averages at a
        return {"psi": v["psi"], "t1": v["m"], "t2": v["q1"], "chi": v["chi"], "ell": v["ell"], "s4": v["s4"]}

    @staticmethod
    def averages(b, s0, s1, beta, mu):
        return {k: float(v) for k, v in DEFAULT.nested(b, s0, s1, beta, mu).items()}


def _reference(a, s, beta, mu):
    """E_z[(2cosh beta h)^x F] / E_z[(2cosh beta h)^x] by adaptive quadrature, h = a + s z."""
    x = mu / beta
    M = mu * abs(a) + 0.5 * mu * mu * s * s + x * math.log(2.0)     # bound on the log weight

    def lw(z):
        y = beta * abs(a + s * z)
        return x * (y + math.log1p(math.exp(-2.0 * y))) - 0.5 * z * z

    zs = -a / s
    lo, hi = -40.0 - mu * s, 40.0 + mu * s
    cuts = sorted(p for p in (zs, mu * s, -mu * s) if lo < p < hi)
    edges = [lo] + cuts + [hi]

    def integral(f):
        g = lambda z: math.exp(lw(z) - M) * f(a + s * z)
        return sum(integrate.quad(g, u, v, limit=400, epsabs=0.0, epsrel=1e-13)[0]
                   for u, v in zip(edges[:-1], edges[1:]))

    def sech2(h):
        y = abs(beta * h)
        return 0.0 if y > 300 else 1.0 / math.cosh(y) ** 2

    Z = integral(lambda h: 1.0)
    return {
        "psi": (M + math.log(Z) - 0.5 * math.log(2 * math.pi)) / mu,
        "t1": integral(lambda h: math.tanh(beta * h)) / Z,
        "t2": integral(lambda h: math.tanh(beta * h) ** 2) / Z,
        "chi": beta * integral(sech2) / Z,
        "s4": beta * integral(lambda h: sech2(h) ** 2) / Z,
        "ell": integral(lambda h: abs(h) + math.log1p(math.exp(-2 * beta * abs(h))) / beta) / Z,
    }


@pytest.mark.parametrize("a, s, beta, x", [
    (0.3, 0.5, 2.0, 0.7), (-1.2, 0.08, 40.0, 0.3), (0.05, 1.5, 300.0, 0.02),
    (0.9, 0.02, 5.0, 1.0), (-0.4, 2.5, 0.7, 0.5), (0.0, 0.3, 1000.0, 0.01)])
def test_inner_averages_match_adaptive_quadrature(a, s, beta, x):
    mu = beta * x
    ref = _reference(a, s, beta, mu)
    got = K.inner(np.array([a]), s, beta, mu)
    for key, val in ref.items():
        assert got[key][0] == pytest.approx(val, rel=1e-9, abs=1e-11), key


@pytest.mark.parametrize("a, s, mu", [(0.4, 0.3, 2.0), (-0.1, 1.2, 0.5), (1.5, 0.05, 30.0), (0.0, 0.7, 5.0)])
def test_zero_temperature_inner_averages_are_the_gaussian_cdf_closed_forms(a, s, mu):
    # E e^(mu|h|) = e^(mu a + mu^2 s^2/2) Phi((a + mu s^2)/s) + e^(-mu a + mu^2 s^2/2) Phi((-a + mu s^2)/s)
    R = math.exp(mu * a + 0.5 * mu * mu * s * s) * ndtr((a + mu * s * s) / s)
    L = math.exp(-mu * a + 0.5 * mu * mu * s * s) * ndtr((-a + mu * s * s) / s)
    phi = math.exp(-0.5 * (a / s) ** 2) / math.sqrt(2 * math.pi)
    got = K.inner(np.array([a]), s, math.inf, mu)
    assert got["psi"][0] == pytest.approx(math.log(R + L) / mu, rel=1e-13)
    assert got["t1"][0] == pytest.approx((R - L) / (R + L), rel=1e-12, abs=1e-15)
    assert got["t2"][0] == 1.0
    # beta <sech^2> -> 2 (density of h at 0) int_0^inf sech^2 / Z = 2 phi(a/s)/s / Z; sech^4: int = 2/3
    assert got["chi"][0] == pytest.approx(2.0 * phi / s / (R + L), rel=1e-12)
    assert got["s4"][0] == pytest.approx(4.0 / 3.0 * phi / s / (R + L), rel=1e-12)


def test_large_beta_tends_to_the_zero_temperature_forms():
    a, s, mu = np.array([0.2, -0.7, 0.0]), 0.4, 3.0
    t0 = K.inner(a, s, math.inf, mu)
    t1 = K.inner(a, s, 1e6, mu)
    for key in ("psi", "t1", "t2", "chi", "ell", "s4"):
        assert np.allclose(t1[key], t0[key], rtol=1e-5, atol=1e-5), key


@pytest.mark.parametrize("s, beta", [(0.5, 1.3), (1.2, 0.9), (0.2, 6.0)])
def test_x_equal_one_is_a_gaussian_shift(s, beta):
    z, w = np.polynomial.hermite_e.hermegauss(160)
    w = w / w.sum()
    b = beta * s
    want = w @ np.tanh(b * z + b * b) ** 2
    got = K.inner(np.array([0.0]), s, beta, beta)["t2"][0]
    assert got == pytest.approx(want, rel=1e-11)


def test_outer_average_matches_nested_adaptive_quadrature():
    b, s0, s1, beta, mu = 0.3, 0.25, 0.2, 30.0, 12.0
    got = K.averages(b, s0, s1, beta, mu)

    def outer(key):
        def f(z):
            v = K.inner(np.array([b + s0 * z]), s1, beta, mu, K.FINE_GRID)
            return v["t1"][0] ** 2 if key == "q0" else v[key][0]
        g = lambda z: f(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        zs = -b / s0
        return (integrate.quad(g, -12, zs, limit=300, epsabs=1e-14)[0]
                + integrate.quad(g, zs, 12, limit=300, epsabs=1e-14)[0])

    assert got["m"] == pytest.approx(outer("t1"), abs=1e-11)
    assert got["q0"] == pytest.approx(outer("q0"), abs=1e-11)
    assert got["chi"] == pytest.approx(outer("chi"), abs=1e-10)
    assert got["psi"] == pytest.approx(outer("psi"), abs=1e-11)


def test_no_nan_at_extreme_parameters():
    for beta in (0.05, 3.0, 1e4, math.inf):
        for s in (1e-6, 0.3, 20.0):
            for mu in (1e-3, 1.0, 50.0):
                if not math.isinf(beta) and mu > beta:
                    continue
                v = K.averages(0.7, 0.5, s, beta, mu)
                assert all(np.isfinite(val) for val in v.values()), (beta, s, mu, v)
