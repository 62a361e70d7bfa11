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
(:mod:`replica._rsb_models`, :mod:`replica.families._rsb_common`), which are finite at
T = 0 where the inner averages are Gaussian-CDF closed forms. Energy
``u = alpha/2 - m^2/2 - (alpha/2)[(C/beta - C/mu)/A1 + (C/mu + delta)/A0 + q0/A0
+ q0 (C + mu delta)/A0^2]`` (checked: u = f at T = 0, u = d(beta f)/d beta); entropy
``beta (u - f)``, at T = 0 ``-(alpha/2)[ln(1-C) + C/(1-C)]``.

Published check (tests): alpha_c^1RSB = 0.138186 (Steffan and Kuehn, Z. Phys. B 95, 249
(1994)) against alpha_c^RS = 0.137905.
"""

from __future__ import annotations

import numpy as np

from .._rsb_models import Hopfield1RSB
from ..base import register
from ._rsb_common import RSB1Model
from ._rsb_fold import fold_1rsb

__all__ = ["HopfieldOneStep"]


class HopfieldOneStep(RSB1Model):
    """1RSB Hopfield model: variables (m, delta, C, mu); parameters alpha, beta."""

    family = "hopfield"

    def scalar(self, p, i):
        return Hopfield1RSB(float(p["alpha"][i]), float(p["beta"][i]))

    def scalar_at(self, p, alpha):
        return Hopfield1RSB(alpha, float(p["beta"][0]))

    def load_unit(self, p):
        return 1.0

    def fold(self, p, quad, *, free="alpha", xtol=1e-9):
        return fold_1rsb(self, p, free=free, xtol=xtol)


register(HopfieldOneStep())
