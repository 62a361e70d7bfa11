"""Pairwise Hopfield network, replica symmetric (Amit-Gutfreund-Sompolinsky 1987), one condensed pattern.

Convention (``hebbian/network.py``): ``H = -(1/(2N)) sum_{i != j} sum_mu xi_i xi_j s_i s_j``,
``K = alpha N``; the energy per spin includes the ``+alpha/2`` of the excluded diagonal.

Variables ``(m, C, r)`` with ``C = beta (1 - q)`` (finite at T = 0) and ``A = 1 - C``; the
field is ``h = m + sqrt(alpha r) z``:

    f = alpha/2 + m^2/2 + (alpha/(2 beta)) ln A - (alpha/2) q/A + (alpha/2) r C
        - (1/beta) E ln 2cosh(beta h)
    m = E tanh(beta h),  C = beta E sech^2(beta h),  r = q / A^2         (A > 0)
    u = alpha/2 - m^2/2 - (alpha/2) [1/A + q C / A^2]
    s = -(alpha/2) [ln A + C/A] + E[ln 2cosh(beta h) - beta h tanh(beta h)]
    AT: lambda = alpha beta^2 E sech^4(beta h) / A^2,  at = 1 - lambda

This is the AGS free energy with ``q = 1 - C/beta`` (so ``df/dC = (alpha/2)(r - q/A^2)``,
``df/dr = (alpha/2)(C - beta E sech^2)``, ``df/dm = m - E tanh``: the gradient is the
residual of the update map, checked in the tests). At ``beta = inf`` the same formulas with
``1/beta = 0`` are the T = 0 equations: ``m = erf(y)``, ``C = sqrt(2/(pi alpha r)) e^(-y^2)``,
``r = 1/(1 - C)^2``, ``y = m / sqrt(2 alpha r)``, ``f = u = alpha/2 - m^2/2 - alpha r/2``,
``s = -(alpha/2)[ln(1 - C) + C/(1 - C)]``.

Stability: the reduced Hessian in m with (C, r) at their saddle, on the physical sheet of
that saddle (one maximised direction, q; :meth:`replica.solver.reduced_hessian_eig`). This
makes the AGS retrieval solution between the fold and the glass unstable, and the
paramagnet unstable below ``T_g = 1 + sqrt(alpha)`` (where its replicon, at q = 0 the
longitudinal glass mode, crosses zero). The paramagnet exists only for ``beta < 1``
(A = 1 - beta > 0).
"""

from __future__ import annotations

import numpy as np

from ..base import Model, register

__all__ = ["HopfieldRS"]


class HopfieldRS(Model):
    """AGS replica-symmetric Hopfield model: variables (m, C, r), parameters alpha, beta."""

    family = "hopfield"
    level = "rs"

    def variables(self, p):
        return ("m", "C", "r")

    def guesses(self, p):
        B = p.size
        beta = p["beta"]
        one, zero = np.ones(B), np.zeros(B)
        c_sg = np.minimum(0.5, 0.5 * beta)
        q_sg = 1.0 - c_sg * p.inv_beta
        out = [("retrieval", np.stack([one, zero, one], axis=1)),
               ("spin glass", np.stack([zero, c_sg, q_sg / (1.0 - c_sg) ** 2], axis=1))]
        if not p.zero_temperature:
            out.append(("paramagnet", np.stack([zero, beta, zero], axis=1)))
        return out

    def in_domain(self, x, p):
        m, C, r = x[:, 0], x[:, 1], x[:, 2]
        ok = np.isfinite(x).all(axis=-1) & (np.abs(m) <= 1.0) & (C >= 0.0) & (r >= 0.0)
        if not p.zero_temperature:
            ok &= C <= p["beta"]                                           # q >= 0
        return ok & ((C < 1.0) | (p["alpha"] == 0.0))

    def maximised(self, p):
        # q (here C) is maximised, r minimised, as n -> 0; no glass directions without patterns
        return np.where(p["alpha"] > 0, 1, 0)

    def lower_bounds(self, p):
        return np.array([-np.inf, 0.0, 0.0])

    def _fields(self, x, p):
        m, C, r = x.T
        alpha = p["alpha"]
        q = 1.0 - C * p.inv_beta
        return m, C, r, alpha, p["beta"], q, 1.0 - C, np.sqrt(alpha * r)

    def update(self, x, p, quad):
        # Same fixed points as (m, C, r) <- (E tanh, beta E sech^2, q/A^2), rearranged to be
        # contractive: the noise is taken from C (b = sqrt(alpha q)/A, i.e. r = q/A^2), and
        # C = beta E sech^2 is solved as C = k/(1 + k), k = beta E sech^2 / A. The plain map
        # has slope -sqrt(2/(pi alpha)) in C at T = 0 and diverges for alpha < 2/pi.
        m, C, alpha = x[:, 0], x[:, 1], p["alpha"]
        A = 1.0 - C
        out = np.empty_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.sqrt(alpha * np.maximum(1.0 - C * p.inv_beta, 0.0)) / A
            if not alpha.all():
                b[alpha == 0] = 0.0
            out[:, 0], bs2 = quad.average(("tanh", "beta*sech2"), p["beta"], m, b)
            k = bs2 / A
            c_new = k / (1.0 + k)
            r_new = (1.0 - c_new * p.inv_beta) / (1.0 - c_new) ** 2
            if not alpha.all():                   # no patterns: C = beta E sech^2, no noise
                c_new[alpha == 0] = bs2[alpha == 0]
                r_new[alpha == 0] = 0.0
        out[:, 1], out[:, 2] = c_new, r_new
        return out

    def free_energy(self, x, p, quad):
        m, C, r, alpha, beta, q, A, b = self._fields(x, p)
        lc = quad.average("logcosh/beta", beta, m, b)
        with np.errstate(all="ignore"):
            glass = np.where(alpha > 0, 0.5 * alpha * (p.inv_beta * np.log(A) - q / A + r * C), 0.0)
        return 0.5 * alpha + 0.5 * m * m + glass - lc

    def gradient(self, x, p, quad):
        m, C, r, alpha, beta, q, A, b = self._fields(x, p)
        t, bs2 = quad.average(("tanh", "beta*sech2"), beta, m, b)
        return np.stack([m - t, 0.5 * alpha * (r - q / (A * A)), 0.5 * alpha * (C - bs2)], axis=1)

    def observables(self, x, p, quad):
        m, C, r, alpha, beta, q, A, b = self._fields(x, p)
        ent = quad.average("entropy", beta, m, b)
        with np.errstate(all="ignore"):
            glass_u = np.where(alpha > 0, 0.5 * alpha * (1.0 / A + q * C / (A * A)), 0.0)
            glass_s = np.where(alpha > 0, -0.5 * alpha * (np.log(A) + C / A), 0.0)
        return {"m": m, "q": q, "r": r, "C": C,
                "energy": 0.5 * alpha - 0.5 * m * m - glass_u,
                "entropy": glass_s + ent}

    def replicon(self, x, p, quad):
        m, C, r, alpha, beta, q, A, b = self._fields(x, p)
        if p.zero_temperature:
            return np.where(alpha > 0, -np.inf, 1.0)
        bs4 = quad.average("beta*sech4", beta, m, b)
        return 1.0 - alpha * beta * bs4 / (A * A)

    def classify(self, x, p):
        m = np.abs(x[:, 0])
        q = 1.0 - x[:, 1] * p.inv_beta
        return np.where(m > 1e-6, "retrieval", np.where(q > 1e-6, "spin glass", "paramagnet"))


register(HopfieldRS())
