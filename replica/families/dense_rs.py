"""Dense (P-body, P >= 3) Hebbian network, replica symmetric, one condensed pattern.

Convention (``hebbian/network.py``): ``H = -(P!/(2 N^(P-1))) sum_mu e_P(xi^mu o s)``, a sum over
DISTINCT index tuples, ``K = alpha N^(P-1)``; the retrieval energy is -1/2 per spin.

Gardner picture. The K - 1 uncondensed patterns act as a Gaussian process of covariance
``N xi(q)`` between configurations of overlap q, with (checked: ``(P!/(2 N^(P-1)))^2 K
e_P(s o s') = N (P!/4) alpha q^P + O(1)``, the O(1) being the distinct-index correction)

    xi(q) = alpha_B q^P / 2,   alpha_B = (P!/2) alpha,

so the network is an Ising P-spin glass plus a P-body ferromagnet. With
``h = (P/2) m^(P-1) + sqrt(xi'(q)) z`` the RS pressure ``A = -beta f`` is

    A = ln 2 + E ln cosh(beta h) - beta (P-1) m^P / 2
        + (beta^2 / 2) [xi(1) - xi(q) - (1-q) xi'(q)],

stationary at ``m = E tanh(beta h)``, ``q = E tanh^2(beta h)``:
``dA/dm = (P(P-1)/2) beta m^(P-2) (E tanh - m)``, ``dA/dq = (beta^2/2) xi''(q) (q - E tanh^2)``
(derived again here; the tests check them against finite differences of f). As for SK, f
is maximised in q at the glassy solutions (n -> 0).
Energy ``u = -m^P/2 - beta [xi(1) - xi(q)]``; entropy
``s = E[ln 2cosh x - x tanh x] - (beta^2/2)[xi(1) - xi(q) - (1-q) xi'(q)]`` (x = beta h);
AT: ``lambda = beta^2 xi''(q) E sech^4(beta h)``.

Variables ``(m, C)`` with ``C = beta (1 - q)``; the bracket is written
``xi(1) - xi(q) - (1-q) xi'(q) = (alpha_B/2) (1-q)^2 sum_{j=0}^{P-2} (j+1) q^j`` (no
cancellation near q = 1). At T = 0 the free energy no longer depends on C (its terms are
O(1/beta)) and the variables are ``(m,)``: ``m = erf(y)``, ``y = (P/2) m^(P-1) / sqrt(2 xi'(1))``,
``f = u = -m^P/2 - xi'(1) C``, ``C = sqrt(2/pi) e^(-y^2)/sqrt(xi'(1))``, ``s = -xi''(1) C^2 / 4``.

Branches: retrieval, the RS spin glass (m = 0, q > 0; it appears discontinuously), the
paramagnet ``f = -T ln 2 - xi(1)/(2T)``, locally stable at every T for P >= 3 (xi''(0) = 0).
The paramagnet's entropy ``ln 2 - xi(1)/(2 T^2)`` is negative below
``T_K = sqrt(xi(1) / (2 ln 2))``, where it no longer describes the system (in the 1RSB
picture the glass has condensed before): there it is not admissible as the thermodynamic
state (reported, with the reason, but never chosen).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gamma

from ..base import Model, prepare_params, register

__all__ = ["DenseRS"]


class DenseRS(Model):
    """Distinct-index dense Hebbian network (P >= 3), RS: variables (m, C), (m,) at T = 0."""

    family = "dense"
    level = "rs"

    def prepare(self, params):
        shape, full = prepare_params(self.family, params)
        if np.any(full["P"] < 3):
            raise ValueError(f"P must be >= 3 for the replica model 'dense', got {full['P'].min():g} "
                             "(P = 2 is the AGS Hopfield model: use model='hopfield')")
        return shape, full

    def variables(self, p):
        return ("m",) if p.zero_temperature else ("m", "C")

    def condensed(self, p):
        return ("m",)

    def maximised(self, p):
        return 0 if p.zero_temperature else np.where(p["alpha"] > 0, 1, 0)

    def condensed_scale(self, x, p):
        P = p["P"]
        return 0.5 * P * (P - 1) * np.abs(x[:, 0]) ** (P - 2)

    def lower_bounds(self, p):
        return np.array([-np.inf]) if p.zero_temperature else np.array([-np.inf, 0.0])

    def load_scale(self, p):
        return 2.0 / gamma(p["P"] + 1.0)

    def guesses(self, p):
        B = p.size
        one, zero = np.ones(B), np.zeros(B)
        if p.zero_temperature:
            return [("retrieval", one[:, None]), ("spin glass", zero[:, None])]
        beta = p["beta"]
        return [("retrieval", np.stack([one, zero], axis=1)),
                ("spin glass", np.stack([zero, np.minimum(0.1 * beta, 1.0)], axis=1)),
                ("paramagnet", np.stack([zero, beta], axis=1))]

    def in_domain(self, x, p):
        ok = np.all(np.isfinite(x), axis=-1) & (np.abs(x[:, 0]) <= 1.0)
        if not p.zero_temperature:
            ok &= (x[:, 1] >= 0.0) & (x[:, 1] <= p["beta"])          # 0 <= q <= 1
        return ok

    # ------------------------------------------------------------------ the equations
    def _fields(self, x, p):
        P, alpha = p["P"], p["alpha"]
        alpha_b = 0.5 * gamma(P + 1.0) * alpha
        m = x[:, 0]
        if p.zero_temperature:
            C, q = None, np.ones_like(m)
        else:
            C = x[:, 1]
            q = np.clip(1.0 - C * p.inv_beta, 0.0, 1.0)
        a = 0.5 * P * _pow(m, P - 1)
        b = np.sqrt(0.5 * P * alpha_b * q ** (P - 1))                  # sqrt(xi'(q))
        return P, alpha_b, m, C, q, a, b

    def update(self, x, p, quad):
        P, alpha_b, m, C, q, a, b = self._fields(x, p)
        if p.zero_temperature:
            return quad.average("tanh", p["beta"], a, b)[:, None]
        m_new, c_new = quad.average(("tanh", "beta*sech2"), p["beta"], a, b)
        return np.stack([m_new, c_new], axis=1)

    def free_energy(self, x, p, quad):
        P, alpha_b, m, C, q, a, b = self._fields(x, p)
        f = -quad.average("logcosh/beta", p["beta"], a, b) + 0.5 * (P - 1) * _pow(m, P)
        if not p.zero_temperature:
            # (beta/2) [xi(1) - xi(q) - (1-q) xi'(q)] with 1 - q = C / beta
            f = f - 0.25 * alpha_b * C * C * p.inv_beta * _ramp(q, P)
        return f

    def gradient(self, x, p, quad):
        P, alpha_b, m, C, q, a, b = self._fields(x, p)
        if p.zero_temperature:
            t = quad.average("tanh", p["beta"], a, b)
            return (0.5 * P * (P - 1) * _pow(m, P - 2) * (m - t))[:, None]
        t, c_new = quad.average(("tanh", "beta*sech2"), p["beta"], a, b)
        xi2 = 0.5 * P * (P - 1) * alpha_b * q ** (P - 2)
        return np.stack([0.5 * P * (P - 1) * _pow(m, P - 2) * (m - t),
                         -0.5 * p.inv_beta * xi2 * (C - c_new)], axis=1)

    def observables(self, x, p, quad):
        P, alpha_b, m, C, q, a, b = self._fields(x, p)
        beta = p["beta"]
        if p.zero_temperature:
            C = quad.average("beta*sech2", beta, a, b)
            ent = -0.125 * P * (P - 1) * alpha_b * C * C                # -xi''(1) C^2 / 4
        else:
            ent = quad.average("entropy", beta, a, b) - 0.25 * alpha_b * C * C * _ramp(q, P)
        energy = -0.5 * _pow(m, P) - 0.5 * alpha_b * C * _geometric(q, P)   # beta [xi(1) - xi(q)]
        return {"m": m, "q": q, "C": C, "energy": energy, "entropy": ent}

    def replicon(self, x, p, quad):
        P, alpha_b, m, C, q, a, b = self._fields(x, p)
        if p.zero_temperature:
            return np.where(alpha_b > 0, -np.inf, 1.0)
        bs4 = quad.average("beta*sech4", p["beta"], a, b)
        xi2 = 0.5 * P * (P - 1) * alpha_b * q ** (P - 2)
        return 1.0 - p["beta"] * xi2 * bs4

    def classify(self, x, p):
        m = np.abs(x[:, 0])
        q = np.ones_like(m) if p.zero_temperature else 1.0 - x[:, 1] * p.inv_beta
        return np.where(m > 1e-6, "retrieval", np.where(q > 1e-6, "spin glass", "paramagnet"))

    def admissible(self, x, p, quad, obs):
        para = (np.abs(obs["m"]) <= 1e-6) & (obs["q"] <= 1e-6)
        ok = ~(para & (obs["entropy"] < 0))
        return ok, ("the RS paramagnet has negative entropy below T_K = sqrt(xi(1)/(2 ln 2)) "
                    "(a frozen glass, 1RSB, replaces it)")


def _pow(m, k):
    """m^k for integer-valued float k, any sign of m (k = 0 gives 1)."""
    return np.sign(m) ** k * np.abs(m) ** k


def _ramp(q, P):
    """sum_{j=0}^{P-2} (j+1) q^j = [1 - q^P - P (1-q) q^(P-1)] / (1-q)^2, without cancellation."""
    out = np.zeros_like(q)
    qj = np.ones_like(q)
    for j in range(int(np.max(P)) - 1):
        out = out + np.where(j <= P - 2, (j + 1) * qj, 0.0)
        qj = qj * q
    return out


def _geometric(q, P):
    """sum_{j=0}^{P-1} q^j = (1 - q^P)/(1 - q), without cancellation."""
    out = np.zeros_like(q)
    qj = np.ones_like(q)
    for j in range(int(np.max(P))):
        out = out + np.where(j <= P - 1, qj, 0.0)
        qj = qj * q
    return out


register(DenseRS())

# xi(q) helpers for tests and lines
def xi(q, P, alpha):
    """Covariance function ``xi(q) = (P!/4) alpha q^P`` of the dense network's glass part."""
    return 0.25 * math.gamma(P + 1) * alpha * q ** P
