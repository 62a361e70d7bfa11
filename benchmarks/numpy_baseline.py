"""Plain Python-loop-with-numpy baseline of the montecarlo kernels (same algorithm).

One attempt per loop iteration, the field from the integer overlaps with numpy dot products
(O(K), no N x N matrix), the overlaps updated incrementally on acceptance: what a careful
numpy user writes before reaching for a compiler. Sites and uniforms are drawn in bulk with
numpy. Used only by ``bench_mc.py``.
"""

from __future__ import annotations

import math

import numpy as np


def run(v, S, s, beta, attempts, rng, *, scale=None, dself=None, tab=None):
    """Advance one chain by ``attempts`` Glauber attempts; return the number accepted.

    v : int32 (N, n) site-major patterns; S : int64 (n,) overlaps; s : int64 (N,) spins.
    Pairwise: ``scale`` and ``dself`` (N,); dense +-1 patterns: ``tab`` (2N + 3,) of exact integers
    e_(P-1) (index T + N + 1) and ``scale``.
    """
    N = v.shape[0]
    sites = rng.integers(0, N, size=attempts)
    us = rng.random(attempts)
    accepted = 0
    for t in range(attempts):
        i = sites[t]
        row = v[i]
        si = s[i]
        if tab is None:
            dE = 2.0 * scale * (si * int(np.dot(row, S)) - dself[i])
        else:
            x = row * si
            dE = 2.0 * scale * float(np.dot(x, tab[S - x + (N + 1)]))
        z = beta * dE
        if z > 37.0 or (z > -37.0 and us[t] * (1.0 + math.exp(z)) >= 1.0):
            continue
        s[i] = -si
        S -= 2 * si * row
        accepted += 1
    return accepted
