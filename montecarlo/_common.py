"""Per-attempt helpers shared by the families: the random stream and the acceptance rules.

Every attempt draws (random-sequential order) a site from the top 32 bits of one 64-bit
xoshiro256+ output, then always one uniform ``u = k 2^-53`` from the top 53 bits ``k`` of the
next output. Rules (``rule``): 0 Glauber (heat bath, ``1/(1 + e^(beta dE))``), 1 Metropolis
(``min(1, e^(-beta dE))``), 2 zero temperature (accept iff ``dE < 0``; ``dE == 0`` is
rejected, so the dynamics stops in a local minimum). The finite-temperature decision is
``beta dE < ln((1 - u)/u)`` (Glauber) or ``beta dE < -ln u`` (Metropolis), the same events as
``u < p(dE)`` (:func:`threshold`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit import INLINE

_U = np.uint64
INV53 = 1.0 / 9007199254740992.0     # 2^-53
GLAUBER, METROPOLIS, ZERO_T = 0, 1, 2


@njit(**INLINE)
def next_draw(s0, s1, s2, s3):
    """xoshiro256+ (Blackman and Vigna 2018): the output and the new state."""
    r = s0 + s3
    t = s1 << _U(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U(45)) | (s3 >> _U(19))
    return r, s0, s1, s2, s3


@njit(**INLINE)
def site(r, N):
    """A uniform site in [0, N) from the top 32 bits of the draw r."""
    return np.int64(((r >> _U(32)) * _U(N)) >> _U(32))


@njit(**INLINE)
def threshold(rule, k):
    """Acceptance threshold on ``beta dE`` for the uniform ``u = k 2^-53``.

    Glauber accepts with probability 1/(1 + e^x), x = beta dE: ``u (1 + e^x) < 1`` iff
    ``x < ln((1 - u)/u)``. Metropolis accepts with min(1, e^-x): ``u < e^-x`` iff ``x < -ln u``.
    """
    u = np.float64(k) * INV53
    if rule == GLAUBER:
        return math.log((1.0 - u) / u) if u > 0.0 else math.inf
    return -math.log(u) if u > 0.0 else math.inf


@njit(**INLINE)
def accept(rule, beta, dE, k):
    """The decision for an energy change dE and the uniform's bits k (any family)."""
    if rule == ZERO_T:
        return dE < 0.0
    return beta * dE < threshold(rule, k)
