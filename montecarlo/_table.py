"""Table family (P >= 3, patterns +-1): the energy change, the flip, the energy.

``dE = 2 scale sum_p x_p tab[S_p - x_p]``, ``x_p = v_ip s_i``, with ``tab[T] = e_(P-1)`` of
N - 1 entries +-1 with sum T (or the all-tuple analogue), tabulated once as exact integers
(int64; float64 with the scale folded in, ``scale = 1``, when sums of the int64 tables could
overflow: :func:`montecarlo._engine.prepare`). Energy ``-scale sum_p etab[S_p]``.

Per-member cache: with ``D_p = tab[S_p - 1] + tab[S_p + 1]`` and ``C = sum_p (tab[S_p - 1] -
tab[S_p + 1])`` (``cache[m, :n]`` and ``cache[m, n]``, refreshed after each accepted flip, when
every S_p changes anyway), ``sum_p x_p tab[S_p - x_p] = (C + s_i sum_p v_ip D_p)/2`` exactly: a
signed sum per attempt. ``tab`` is indexed by ``T + N + 1`` (two zeros of padding at each end),
``etab`` by ``S + N``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ._common import threshold
from ._jit import INLINE, OPTIONS
from ._pairwise import flip as flip_overlaps
from ._pairwise import prepare as overlaps_from_spins

__all__ = ["TableNet", "TableState", "delta_energy", "attempt", "flip", "energy", "prepare"]

TableNet = namedtuple("TableNet", "v tab etab scale")
TableNet.__doc__ = """Arrays of one +-1 dense network: ``v`` (N, n) int8 site-major, ``tab``
(2N + 3,), ``etab`` (2N + 1,) (int64, or float64 with the scale folded in), ``scale``."""
TableState = namedtuple("TableState", "spins S cache")
TableState.__doc__ = "Members' spins (U, N), overlaps S (U, n), cache (U, n + 1) of tab's dtype."

_U = np.uint64


@njit(**OPTIONS)
def prepare(net, st, m):
    """The overlaps (as for pairwise networks) and the cache of member m from its spins."""
    overlaps_from_spins(net, st, m)
    _refresh(net, st, m)


@njit(**INLINE)
def _refresh(net, st, m):
    """The cache of member m from its overlaps."""
    tab, S, cache = net.tab, st.S, st.cache
    N = st.spins.shape[1]
    n = S.shape[1]
    cs = tab[0] - tab[0]
    for p in range(n):
        k = _U(S[m, p] + N + 1)          # >= 1: unsigned indices need no wraparound test
        a = tab[k - _U(1)]
        c = tab[k + _U(1)]
        cache[m, p] = a + c
        cs += a - c
    cache[m, n] = cs


@njit(**INLINE)
def delta_energy(net, st, m, i):
    """Exact energy change of flipping spin i of member m (from its cache)."""
    cache, v = st.cache, net.v
    n = v.shape[1]
    si = np.int64(st.spins[m, i])
    acc = cache[m, 0] - cache[m, 0]
    for p in range(n):
        acc += cache[m, p] if v[i, p] > 0 else -cache[m, p]
    return net.scale * (cache[m, n] + si * acc)


@njit(**INLINE)
def attempt(net, st, temps, t, m, i, k, rule, beta):
    """Decide a flip of spin i of member m (uniform bits k): (accepted, dE)."""
    tau = threshold(rule, k) if rule != 2 else 0.0     # off the field's dependency chain
    dE = delta_energy(net, st, m, i)
    ok = (dE < 0.0) if rule == 2 else (beta * dE < tau)
    return ok, dE


@njit(**INLINE)
def flip(net, st, m, i):
    """Flip spin i of member m, update its overlaps (as for pairwise networks) and cache;
    returns the change of s_i."""
    d = flip_overlaps(net, st, m, i)
    _refresh(net, st, m)
    return d


@njit(**OPTIONS)
def energy(net, st, m):
    """Energy of member m."""
    N = st.spins.shape[1]
    acc = net.etab[0] - net.etab[0]
    for p in range(st.S.shape[1]):
        acc += net.etab[st.S[m, p] + N]
    return -net.scale * acc


