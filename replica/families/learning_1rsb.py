"""Dense Hebbian networks learning from examples (supervised / unsupervised) at 1RSB.

Conventions of ``docs/physics/learning.md`` and ``hebbian/network.py``: archetypes
xi, examples of quality r, M per archetype, ``rho = (1 - r^2)/(M r^2)``; Hamiltonians over
distinct index tuples normalised by ``r^P (1 + rho)^(P-1)``; ``K = alpha N^(P-1)``;
``beta' = beta P / 2``. With the large-M example noise ``n^(P-1) (1 + sqrt(rho) Z)`` of the
condensed field and the Gaussian P-spin noise of the other archetypes, covariance
``xi(q) = (P Delta / 4) q^P``,

    Delta_sup = alpha (P-1)! (1+rho)^(2-P),
    Delta_uns = alpha (P-1)! [1 + (r^(-2P) - 1)/M] (1+rho)^(2-2P)

(both re-derived from the pattern statistics: E[etabar^2] = r^2 (1 + rho); unsupervised:
M diagonal and M(M-1) r^(2P) off-diagonal example pairs), the 1RSB pressure is

    A = ln 2 + (1/x) E_{Z,u} ln E_v cosh^x g - beta (P-1)(1+rho) n^P / 2
        + (beta^2/2) [xi(1) - xi'(q1) + (1-x) theta(q1) + x theta(q0)],
    g = beta' [n^(P-1)(1 + sqrt(rho) Z) + sqrt(Delta q0^(P-1)) u + sqrt(Delta (q1^(P-1) - q0^(P-1))) v],

the note's formula, checked: the bracket is the two-level Parisi functional; the example
noise Z is quenched, hence outer (it merges with u into one Gaussian of variance
``rho n^(2P-2) + Delta q0^(P-1)``); and the n-equation follows from dA/dn = 0 by Gaussian
integration by parts over Z:

    n = [m + rho beta' n^(P-1) (1 - q1 + x (q1 - q0))] / (1 + rho),   m = E<tanh g>

(tests: finite differences of f). ``alpha = 0`` (finite K) has no glass: RS is exact.
P = 2 supervised is the AGS/CAG model with a noisy condensed pattern (docs/physics/learning.md), solved by the
1RSB Hopfield equations with the example noise in the outer field; P = 2 unsupervised is
not provided. Variables ``(n, delta, C, mu)``; ``m`` is an observable.
"""

from __future__ import annotations

import math

import numpy as np

from .._rsb_models import Dense1RSB, Hopfield1RSB
from ..base import prepare_params, register
from ._rsb_common import RSB1Model
from ._rsb_fold import fold_1rsb

__all__ = ["SupervisedOneStep", "UnsupervisedOneStep", "delta_noise"]


def delta_noise(family, P, alpha, rho, r=None, M=None):
    """The archetype-noise strength Delta of the learning models (see the module docstring)."""
    base = alpha * math.factorial(P - 1)
    if family == "supervised":
        return base * (1.0 + rho) ** (2 - P)
    if alpha == 0.0:
        return 0.0
    return base * (1.0 + (r ** (-2 * P) - 1.0) / M) * (1.0 + rho) ** (2 - 2 * P)


class _LearningOneStep(RSB1Model):
    overlap = "n"

    def prepare(self, params):
        shape, full = prepare_params(self.family, params)
        if self.family == "unsupervised":
            if np.any(full["P"] < 3):
                raise ValueError(f"P must be >= 3 for the 1RSB model 'unsupervised', got {full['P'].min():g}")
            if np.any(full.get("alpha", 0.0) > 0) and ("r" not in full or "M" not in full):
                raise ValueError("the unsupervised model at high storage (alpha > 0) needs r and M (its noise "
                                 "depends on r^(-2P)/M): give two of r, M, rho")
        return shape, full

    def _get(self, p, name, i, default=None):
        return float(p[name][i]) if name in p else default

    def scalar(self, p, i, alpha=None):
        P = int(p["P"][i])
        a = self._get(p, "alpha", i, 0.0) if alpha is None else alpha
        rho = self._get(p, "rho", i, 0.0)
        beta = float(p["beta"][i])
        if P == 2:
            return Hopfield1RSB(a, beta, rho)
        D = delta_noise(self.family, P, a, rho, self._get(p, "r", i), self._get(p, "M", i))
        return Dense1RSB(P, 0.25 * P * D, beta, rho)

    def scalar_at(self, p, alpha):
        return self.scalar(p, 0, alpha=alpha)

    def load_unit(self, p):
        return 2.0 / math.factorial(int(p["P"][0]))

    def load_scale(self, p):
        return np.array([2.0 / math.factorial(int(P)) for P in p["P"]])

    def static_temperature(self, p, i):
        from .dense_1rsb import _ts_standard
        mdl = self.scalar(p, i)
        if isinstance(mdl, Hopfield1RSB) or mdl.xi.c <= 0:
            return 0.0
        return math.sqrt(2.0 * mdl.xi.c) * _ts_standard(mdl.P)

    def fold(self, p, quad, *, free="alpha", xtol=1e-9):
        return fold_1rsb(self, p, free=free, xtol=xtol)


class SupervisedOneStep(_LearningOneStep):
    """1RSB supervised dense learner: variables (n, delta, C, mu)."""

    family = "supervised"


class UnsupervisedOneStep(_LearningOneStep):
    """1RSB unsupervised dense learner: variables (n, delta, C, mu)."""

    family = "unsupervised"


register(SupervisedOneStep())
register(UnsupervisedOneStep())
