"""Dense Hebbian networks learning from examples (supervised / unsupervised) at 1RSB.

Conventions of ``docs/physics/learning.md`` and ``hebbian/network.py``: archetypes
xi, examples of quality r, M per archetype, ``rho = (1 - r^2)/(M r^2)``; Hamiltonians over
distinct index tuples normalised by ``r^P (1 + rho)^(P-1)``; ``K = alpha N^(P-1)``;
``beta' = beta P / 2``. With the large-M example noise ``n^(P-1) (1 + sqrt(rho) Z)`` of the
condensed field and the Gaussian P-spin noise of the other archetypes, covariance
``xi(q) = (P Delta / 4) q^P`` (Delta: :func:`replica.families._learning_common.delta_noise`,
the same formula as at RS), the 1RSB pressure is

    A = ln 2 + (1/x) E_{Z,u} ln E_v cosh^x g - beta (P-1)(1+rho) n^P / 2
        + (beta^2/2) [xi(1) - xi'(q1) + (1-x) theta(q1) + x theta(q0)],
    g = beta' [n^(P-1)(1 + sqrt(rho) Z) + sqrt(Delta q0^(P-1)) u + sqrt(Delta (q1^(P-1) - q0^(P-1))) v],

the note's formula, checked: the bracket is the two-level Parisi functional; the example
noise Z is quenched, hence outer (it merges with u into one Gaussian of variance
``rho n^(2P-2) + Delta q0^(P-1)``); and the n-equation follows from dA/dn = 0 by Gaussian
integration by parts over Z:

    n = [m + rho beta' n^(P-1) (1 - q1 + x (q1 - q0))] / (1 + rho),   m = E<tanh g>

(tests: finite differences of f). These are the dense 1RSB equations
(:func:`replica.families.dense_1rsb.dense_equations`) with ``c = P Delta / 4`` and rho.
``alpha = 0`` (finite K) has no glass: RS is exact. P = 2 supervised is the AGS/CAG model
with a noisy condensed pattern (``docs/physics/learning.md``), the Hopfield 1RSB equations
with the example noise in the outer field (:func:`replica.families.hopfield_1rsb.pairwise_equations`); P = 2
unsupervised is not provided. Variables ``(n, delta, C, mu)``; ``m`` is an observable.
"""

from __future__ import annotations

import math

import numpy as np

from ..base import register
from ._learning_common import delta_noise, prepare_learning
from ._one_step import OneStep
from .dense_1rsb import dense_equations, static_temperature
from .hopfield_1rsb import pairwise_entropy_zero_temperature, pairwise_equations

__all__ = ["SupervisedOneStep", "UnsupervisedOneStep"]


class _LearningOneStep(OneStep):
    overlap = "n"

    def prepare(self, params):
        shape, full = prepare_learning(self.family, params)
        full.pop("K", None)
        P = full["P"]
        if np.any(P < 2):
            raise ValueError(f"P must be >= 2, got {P.min():g}")
        if self.family == "unsupervised":
            if np.any(P < 3):
                raise ValueError(f"P must be >= 3 for the 1RSB model 'unsupervised', got {P.min():g}")
            if np.any(full["alpha"] > 0) and ("r" not in full or "M" not in full):
                raise ValueError("the unsupervised model at high storage (alpha > 0) needs r and M (its noise "
                                 "depends on r^(-2P)/M): give two of r, M, rho")
        return shape, full

    def structure(self, p):
        return (p["P"] == 2).astype(int)

    def _pairwise(self, p):
        return bool(np.all(p["P"] == 2))

    def _c(self, p):
        return 0.25 * p["P"] * delta_noise(self.family, p["P"], p["alpha"], p["rho"], p.get("r"), p.get("M"))

    def _equations(self, n, delta, C, mu, p, quad):
        if self._pairwise(p):
            return pairwise_equations(n, delta, C, mu, p, quad)
        return dense_equations(n, delta, C, mu, self._c(p), p["P"], p["rho"], p, quad)

    def _family_domain(self, n, d, C, mu, p):
        if self._pairwise(p):
            return (1.0 - C - mu * d > 0.0) & (C < 1.0)
        return np.ones(n.size, dtype=bool)

    def zero_temperature_entropy(self, C, p):
        if self._pairwise(p):
            return pairwise_entropy_zero_temperature(C, p)
        P = p["P"]
        return -0.25 * self._c(p) * P * (P - 1) * C * C

    def load_scale(self, p):
        return np.array([2.0 / math.factorial(int(P)) for P in p["P"]])

    def _static_temperature(self, p):
        if self._pairwise(p):
            return np.zeros(p.size)
        return static_temperature(p["P"], self._c(p))


class SupervisedOneStep(_LearningOneStep):
    """1RSB supervised dense learner: variables (n, delta, C, mu)."""

    family = "supervised"


class UnsupervisedOneStep(_LearningOneStep):
    """1RSB unsupervised dense learner: variables (n, delta, C, mu)."""

    family = "unsupervised"


register(SupervisedOneStep())
register(UnsupervisedOneStep())
