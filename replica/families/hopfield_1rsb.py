"""Pairwise Hopfield network at one step of replica symmetry breaking (Crisanti-Amit-Gutfreund).

Convention as :mod:`replica.families.hopfield_rs` (AGS Hamiltonian, ``K = alpha N``, energy
with the ``+alpha/2`` diagonal term). Order parameters m, q1 > q0, r1 > r0 and the Parisi
parameter x in (0, 1], with ``A1 = 1 - beta(1 - q1)``, ``A0 = A1 - beta x (q1 - q0)``:

    f = alpha/2 + m^2/2 + (alpha/(2 beta)) [(1 - 1/x) ln A1 + (1/x) ln A0 - beta q0/A0]
        + (alpha beta/2) [r1 (1-q1) + x (r1 q1 - r0 q0)] - (1/(beta x)) E_z0 ln E_z1 [2cosh(beta h)]^x
    h = m + sqrt(alpha r0) z0 + sqrt(alpha (r1 - r0)) z1,
    r0 = q0/A0^2, r1 = r0 + (q1 - q0)/(A0 A1)     (from df/dq0 = df/dq1 = 0, re-derived)
    m = E<t>, q1 = E<t^2>, q0 = E<t>^2, t = tanh(beta h), <.> weighted by cosh^x(beta h),

and df/dx = 0. Solved in the variables ``(m, delta = q1 - q0, C = beta(1 - q1), mu = beta x)``
(:mod:`replica.families._one_step`), finite at T = 0 where the inner averages are
Gaussian-CDF closed forms. With them (``(alpha beta/2) r1 (1 - q1) = (alpha/2) r1 C`` etc.)::

    f = alpha/2 + m^2/2 + (alpha/(2 beta)) ln A1 + (alpha/(2 mu)) ln(A0/A1) - (alpha/2) q0/A0
        + (alpha/2) r1 C + (alpha mu/2)(r1 q1 - r0 q0) - E_z0 psi,   A1 = 1 - C, A0 = A1 - mu delta
    df/dmu = -(alpha/(2 mu^2)) ln(A0/A1) - (alpha/(2 mu)) delta/A0 - (alpha/2) q0 delta/A0^2
             + (alpha/2)(r1 q1 - r0 q0) - (E ell - E psi)/mu

Energy ``u = alpha/2 - m^2/2 - (alpha/2)[(C/beta - C/mu)/A1 + (C/mu + delta)/A0 + q0/A0
+ q0 (C + mu delta)/A0^2]`` (checked: u = f at T = 0, u = d(beta f)/d beta); entropy
``beta (u - f)``, at T = 0 ``-(alpha/2)[ln(1-C) + C/(1-C)]``. Replicon (the innermost block):
``lambda = alpha beta^2 E<sech^4> / A1^2``.

``rho > 0`` (a row parameter of the learning families) gives the supervised P = 2 learner of
the notes: a noisy condensed field ``n (1 + sqrt(rho) Z)``, with Z merged into the outer
Gaussian, and ``n = [E<t> + rho n (C + mu delta)] / (1 + rho)``.

Published check (tests): alpha_c^1RSB = 0.138186 (Steffan and Kuehn, Z. Phys. B 95, 249
(1994)) against alpha_c^RS = 0.137905.
"""

from __future__ import annotations

import numpy as np

from ..base import register
from ._one_step import OneStep, times_beta

__all__ = ["HopfieldOneStep", "pairwise_equations", "pairwise_free_energy"]


def pairwise_free_energy(n, q0, C, r0, r1, mu, p, quad):
    """The CAG free energy as a function of ALL its variables (not only at the saddle of r0,
    r1): the one formula; :func:`pairwise_equations` evaluates it at r0, r1 of the saddle.

    Returns (f, K, the quantities of f) with ``K = quad.nested(...)``.
    """
    a, rho, ib = p["alpha"], _rho(p), p.inv_beta
    q1 = 1.0 - C * ib
    delta = q1 - q0
    A1 = 1.0 - C
    A0 = A1 - mu * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        s0 = np.sqrt(a * r0 + rho * n * n)
        s1 = np.sqrt(np.maximum(a * (r1 - r0), 0.0))
        K = quad.nested(n, s0, s1, p["beta"], mu)
        lnA1 = np.where(ib == 0.0, 0.0, np.log(A1) * ib)
        lnr = np.log(A0 / A1)
        f = (0.5 * a + 0.5 * (1.0 + rho) * n * n + 0.5 * a * lnA1 + a / (2 * mu) * lnr - 0.5 * a * q0 / A0
             + 0.5 * a * r1 * C + 0.5 * a * mu * (r1 * q1 - r0 * q0) - K["psi"])
    return f, K, (q1, delta, A1, A0, lnr)


def pairwise_equations(n, delta, C, mu, p, quad):
    """Equations of the pairwise (Hopfield / P = 2 learning) 1RSB model at B rows."""
    a, rho, ib = p["alpha"], _rho(p), p.inv_beta
    q1 = 1.0 - C * ib
    q0 = q1 - delta
    with np.errstate(divide="ignore", invalid="ignore"):
        A1 = 1.0 - C
        A0 = A1 - mu * delta
        r0 = q0 / A0 ** 2
        r1 = r0 + delta / (A0 * A1)
    f, K, (q1, delta, A1, A0, lnr) = pairwise_free_energy(n, q0, C, r0, r1, mu, p, quad)
    with np.errstate(divide="ignore", invalid="ignore"):
        dfdmu = (-a / (2 * mu * mu) * lnr - a / (2 * mu) * delta / A0 - 0.5 * a * q0 * delta / A0 ** 2
                 + 0.5 * a * (r1 * q1 - r0 * q0) - (K["ell"] - K["psi"]) / mu)
        u = (0.5 * a - 0.5 * (1.0 + rho) * n * n
             - 0.5 * a * ((C * ib) / A1 - C / (mu * A1) + (C / mu + delta) / A0 + q0 / A0
                          + q0 * (C + mu * delta) / A0 ** 2))
        lam = times_beta(p["beta"], a * K["s4"] / A1 ** 2)
    return {"K": K, "q0": q0, "q1": q1, "Rn": (K["m"] + rho * n * (C + mu * delta)) / (1.0 + rho) - n,
            "Rd": K["q1"] - K["q0"] - delta, "RC": K["chi"] - C, "dfdmu": dfdmu, "f": f, "energy": u,
            "lam": lam, "extra": {"r0": r0, "r1": r1}}


def pairwise_entropy_zero_temperature(C, p):
    """``s(T=0) = -(alpha/2)[ln(1-C) + C/(1-C)]``, the same form at RS and 1RSB."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -0.5 * p["alpha"] * (np.log(1.0 - C) + C / (1.0 - C))


def _rho(p):
    return p["rho"] if "rho" in p else np.zeros(p.size)


class HopfieldOneStep(OneStep):
    """1RSB Hopfield model: variables (m, delta, C, mu); parameters alpha, beta."""

    family = "hopfield"

    def _pairwise(self, p):
        return True

    def _equations(self, n, delta, C, mu, p, quad):
        return pairwise_equations(n, delta, C, mu, p, quad)

    def _family_domain(self, n, d, C, mu, p):
        return (1.0 - C - mu * d > 0.0) & (C < 1.0)                 # A0, A1 > 0

    def zero_temperature_entropy(self, C, p):
        return pairwise_entropy_zero_temperature(C, p)


register(HopfieldOneStep())
