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
maximal in x. Variables ``(m, delta, C, mu)`` as for Hopfield; at T = 0 (q1 = 1, mu = beta x
finite) ``f = -E_z0 (1/mu) ln E_z1 e^(mu |h|) + (P-1) m^P/2 + (mu/2)[theta(1) - theta(q0)]``
with closed-form inner averages. Energy ``u = -m^P/2 - beta [xi(1) - (1-x) xi(q1) - x xi(q0)]``
(checked: u = f at T = 0), entropy ``beta (u - f)``, at T = 0 ``-xi''(1) C^2/4``.

The glass part alone (m = 0, q0 = 0) is the Ising P-spin glass: static transition T_s
(x = 1 with zero complexity) and dynamic T_d (:func:`replica.rsb.pspin_transitions`);
``T = sqrt(alpha_B) T_std`` for the standard normalisation xi = q^P/2 (P = 3:
T_s = 0.6514, T_d = 0.6816). Below T_s the RS paramagnet is not admissible.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .._rsb_models import Dense1RSB
from .._rsb_solve import pspin_transitions
from ..base import register
from ._rsb_common import RSB1Model
from ._rsb_fold import fold_1rsb
from .dense_rs import DenseRS

__all__ = ["DenseOneStep"]


@lru_cache(maxsize=None)
def _ts_standard(P):
    return pspin_transitions(P)["T_s"]


class DenseOneStep(RSB1Model):
    """1RSB dense network: variables (m, delta, C, mu); parameters P >= 3, alpha, beta."""

    family = "dense"

    prepare = DenseRS.prepare        # the same parameters and the same refusal of P = 2

    def scalar(self, p, i):
        P = int(p["P"][i])
        return Dense1RSB(P, 0.25 * math.factorial(P) * float(p["alpha"][i]), float(p["beta"][i]))

    def scalar_at(self, p, alpha):
        P = int(p["P"][0])
        return Dense1RSB(P, 0.25 * math.factorial(P) * alpha, float(p["beta"][0]))

    def load_unit(self, p):
        return 2.0 / math.factorial(int(p["P"][0]))

    def load_scale(self, p):
        return np.array([2.0 / math.factorial(int(P)) for P in p["P"]])

    def static_temperature(self, p, i):
        P = int(p["P"][i])
        alpha_b = 0.5 * math.factorial(P) * float(p["alpha"][i])
        return math.sqrt(alpha_b) * _ts_standard(P) if alpha_b > 0 else 0.0

    def fold(self, p, quad, *, free="alpha", xtol=1e-9):
        return fold_1rsb(self, p, free=free, xtol=xtol)


register(DenseOneStep())
