"""Dense (P >= 3) Hebbian network at one step of replica symmetry breaking (Gardner picture).

Convention as :mod:`replica.families.dense_rs`: distinct-index Hamiltonian, ``K = alpha
N^(P-1)``, the uncondensed patterns act as a Gaussian P-spin glass with covariance
``xi(q) = alpha_B q^P / 2``, ``alpha_B = (P!/2) alpha``. The 1RSB pressure is the Parisi
functional of that glass plus the P-body ferromagnet (re-derived from the Parisi formula
with a two-level x(q); ``theta(q) = q xi'(q) - xi(q)``):

    A = ln 2 + (1/x) E_z0 ln E_z1 cosh^x(beta h) - beta (P-1) m^P / 2
        + (beta^2/2) [xi(1) - xi'(q1) + (1-x) theta(q1) + x theta(q0)],
    h = (P/2) m^(P-1) + sqrt(xi'(q0)) z0 + sqrt(xi'(q1) - xi'(q0)) z1,

stationary at ``m = E<t>, q1 = E<t^2>, q0 = E<t>^2`` and ``dA/dx = 0``; ``f = -A/beta`` is
maximal in x. In the variables ``(m, delta, C, mu)`` of :mod:`replica.families._one_step`::

    f = -E_z0 psi + (1+rho)(P-1) m^P/2 - (beta/2)[xi(1) - xi(q1) - (1-q1) xi'(q1)]
        + (mu/2)[theta(q1) - theta(q0)],      df/dmu = -(E ell - E psi)/mu + [theta(q1) - theta(q0)]/2,

the bracket written as ``c sum_{k>=2} C(P,k) q1^(P-k) C^k / beta^(k-1)`` (no cancellation,
0 at T = 0). Energy ``u = -(1+rho) m^P/2 - c C sum_{j<P} q1^j - mu [xi(q1) - xi(q0)]``
(= ``beta [xi(1) - xi(q1)] + ...``; checked: u = f at T = 0), entropy ``beta (u - f)``, at
T = 0 ``-xi''(1) C^2/4``. Replicon ``lambda = beta^2 xi''(q1) E<sech^4>``.

The glass part alone (m = 0, q0 = 0) is the Ising P-spin glass: static transition T_s
(x = 1 with zero complexity) and dynamic T_d (:func:`replica.rsb.pspin_transitions`);
``T = sqrt(alpha_B) T_std`` for the standard normalisation xi = q^P/2 (P = 3:
T_s = 0.6514, T_d = 0.6816). Below T_s the RS paramagnet is not admissible.

``rho`` and the noise coefficient ``c`` are shared with dense learning
(:mod:`replica.families.learning_1rsb`: ``c = P Delta / 4``, example noise in the outer field).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import comb

from ..base import register
from ._one_step import OneStep, pow_, times_beta
from .dense_rs import DenseRS, _geometric

__all__ = ["DenseOneStep", "dense_equations", "dense_free_energy", "static_temperature"]


@lru_cache(maxsize=None)
def _ts_standard(P):
    from ..rsb import pspin_transitions
    return pspin_transitions(P)["T_s"]


def static_temperature(P, c):
    """T_s of the P-spin glass xi(q) = c q^P: ``sqrt(2c) T_s(xi = q^P/2)`` (0 where c = 0)."""
    return np.array([math.sqrt(2.0 * ci) * _ts_standard(int(Pi)) if ci > 0 else 0.0
                     for Pi, ci in zip(np.ravel(P), np.ravel(c))])


def dense_free_energy(n, q0, C, mu, c, P, rho, p, quad):
    """The dense 1RSB free energy as a function of (n, q0, C, mu): the one formula.

    Returns (f, K, (q1, xi terms)).
    """
    P = _uniform(P)                        # one P (the usual batch): integer powers, scalar sums
    ib = p.inv_beta
    q1 = 1.0 - C * ib
    half = 0.5 * P
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = lambda q: c * P * q ** (P - 1)
        s0 = np.sqrt(half * half * rho * pow_(n, 2 * P - 2) + d1(q0))
        s1 = np.sqrt(np.maximum(d1(q1) - d1(q0), 0.0))
        K = quad.nested(half * pow_(n, P - 1), s0, s1, p["beta"], mu)
        theta = lambda q: c * (P - 1) * q ** P
        # (beta/2)[xi(1) - xi(q1) - (1-q1) xi'(q1)] = (c/2) sum_{k>=2} C(P,k) q1^(P-k) C^k / beta^(k-1)
        r2 = np.zeros_like(C)
        for k in range(2, int(np.max(P)) + 1):
            r2 = r2 + np.where(k <= P, comb(P, k) * q1 ** np.maximum(P - k, 0) * C ** k * ib ** (k - 1), 0.0) \
                if not isinstance(P, int) else r2 + comb(P, k, exact=True) * q1 ** (P - k) * C ** k * ib ** (k - 1)
        f = -K["psi"] + 0.5 * (1.0 + rho) * (P - 1) * pow_(n, P) - 0.5 * c * r2 + 0.5 * mu * (theta(q1) - theta(q0))
    return f, K, (q1, theta)


def dense_equations(n, delta, C, mu, c, P, rho, p, quad):
    """Equations of the dense 1RSB model (xi = c q^P, example noise rho) at B rows."""
    P = _uniform(P)
    q1 = 1.0 - C * p.inv_beta
    q0 = q1 - delta
    f, K, (q1, theta) = dense_free_energy(n, q0, C, mu, c, P, rho, p, quad)
    with np.errstate(divide="ignore", invalid="ignore"):
        dfdmu = -(K["ell"] - K["psi"]) / mu + 0.5 * (theta(q1) - theta(q0))
        xi = lambda q: c * q ** P
        u = -0.5 * (1.0 + rho) * pow_(n, P) - c * C * _geometric(q1, P) - mu * (xi(q1) - xi(q0))
        lam = times_beta(p["beta"], c * P * (P - 1) * q1 ** (P - 2) * K["s4"])
        Rn = (K["m"] + rho * 0.5 * P * pow_(n, P - 1) * (C + mu * delta)) / (1.0 + rho) - n
    return {"K": K, "q0": q0, "q1": q1, "Rn": Rn, "Rd": K["q1"] - K["q0"] - delta, "RC": K["chi"] - C,
            "dfdmu": dfdmu, "f": f, "energy": u, "lam": lam, "extra": {}}


def _uniform(P):
    """P as an int when it is one value (the usual batch), else the array."""
    if isinstance(P, (int, np.integer)):
        return int(P)
    P = np.asarray(P)
    return int(P.flat[0]) if P.size and np.all(P == P.flat[0]) else P


class DenseOneStep(OneStep):
    """1RSB dense network: variables (m, delta, C, mu); parameters P >= 3, alpha, beta."""

    family = "dense"

    prepare = DenseRS.prepare        # the same parameters and the same refusal of P = 2

    def _c(self, p):
        return 0.25 * np.array([math.factorial(int(P)) for P in p["P"]]) * p["alpha"]

    def _pairwise(self, p):
        # P = 2 is reached only by replica.rsb.pspin_glass (SK: q0 free at low T)
        return bool(np.all(p["P"] == 2))

    def _equations(self, n, delta, C, mu, p, quad):
        return dense_equations(n, delta, C, mu, self._c(p), p["P"], np.zeros(p.size), p, quad)

    def zero_temperature_entropy(self, C, p):
        P = p["P"]
        return -0.25 * self._c(p) * P * (P - 1) * C * C

    def load_scale(self, p):
        return np.array([2.0 / math.factorial(int(P)) for P in p["P"]])

    def _static_temperature(self, p):
        return static_temperature(p["P"], self._c(p))


register(DenseOneStep())
