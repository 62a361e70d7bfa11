"""Pairwise family (P = 2, any integer patterns): the energy change, the flip, the energy.

``H = -(scale/2) (sum_p S_p^2 - c)`` with the overlaps ``S_p = sum_i v_ip s_i`` (int16 when
every ``sum_i |v_ip| <= 32767``, else int32) and ``c = sum_ip v_ip^2`` (distinct tuples) or 0
(all tuples). Flipping spin i changes the energy by ``dE = 2 scale D`` with the integer

    D = s_i sum_p v_ip S_p - D_i,    D_i = sum_p v_ip^2,

summed exactly in int32 when the engine's bound ``max_i sum_p |v_ip| * max_p sum_i |v_ip| <
2^31`` allows it (``net.wide == 0``), else in int64.

Acceptance by table (:func:`attempt`): since dE takes the integer values ``2 scale D``, the
probability ``p(D)`` is tabulated once per call and temperature as the integer threshold
``thr[t, D + L] = floor(2^53 p(D))`` on the uniform's 53 bits k. A draw far from the threshold
(``|k - thr| >= WINDOW``) is decided by the table; a draw within ``WINDOW`` of it, or a ``|D| >
L``, by the exact rule of :func:`montecarlo._common.accept`. The rounding of ``exp`` and
``log`` moves the exact rule's boundary by far less than ``WINDOW = 2^12`` (~ 2^-41 in u), so
every decision is the one the exact rule takes: the trajectories are bit-identical to those of
the exact rule, without a logarithm per attempt.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

import numpy as np
from numba import njit

from ._common import ZERO_T, accept
from ._jit import INLINE, OPTIONS

__all__ = ["PairNet", "PairState", "delta_energy", "decide", "attempt", "flip", "energy", "prepare", "tables", "EXACT_ENERGY"]

PairNet = namedtuple("PairNet", "v dself scale two_scale ecst wide")
PairNet.__doc__ = """Arrays of one pairwise network: ``v`` (N, n) site-major stored patterns,
``dself`` (N,) int64 ``D_i``, ``scale``, ``two_scale = 2 scale``, ``ecst`` (int) the constant c,
``wide`` (int) 1 for int64 field sums."""
PairState = namedtuple("PairState", "spins S")
PairState.__doc__ = "Members' spins (U, N) int8 and overlaps S (U, n) int16 or int32."

WINDOW = 1 << 12
# energy() is bit for bit hebbian.Network.energy (-(scale/2) float(2 t) = -scale float(t))
EXACT_ENERGY = True
L_MAX = 1 << 14


@njit(**INLINE)
def _field(net, st, m, i):
    """``sum_p v_ip S_p`` of member m, exact (int32 lanes unless ``net.wide``)."""
    v, S = net.v, st.S
    if net.wide:
        acc = np.int64(0)
        for p in range(v.shape[1]):
            acc += np.int64(v[i, p]) * np.int64(S[m, p])
        return acc
    a32 = np.int32(0)
    for p in range(v.shape[1]):
        a32 = np.int32(a32 + np.int32(v[i, p]) * np.int32(S[m, p]))
    return np.int64(a32)


@njit(**INLINE)
def delta_energy(net, st, m, i):
    """Exact energy change of flipping spin i of member m."""
    si = np.int64(st.spins[m, i])
    return net.two_scale * np.float64(si * _field(net, st, m, i) - net.dself[i])


@njit(**INLINE)
def decide(temps, t, D, dE, k, rule, beta):
    """The decision for ``D`` (``dE = 2 scale D``) at temperature slot t with the uniform's bits
    k: by the table when k is at least ``WINDOW`` away from the threshold, else (and for
    ``|D| > L``) by the exact rule. One exit, the table read before any branch: Numba's
    reference counts of ``temps``' arrays then cancel within one block (no atomic operation
    per attempt)."""
    thr = temps.thr
    j = D + temps.L
    inside = j >= 0 and j < thr.shape[1]
    gap = k - thr[t, min(max(j, 0), thr.shape[1] - 1)]
    if rule == ZERO_T:
        ok = dE < 0.0
    elif inside and (gap >= WINDOW or gap < -WINDOW):      # nearly always: one well-predicted branch
        ok = gap < 0
    else:
        ok = accept(rule, beta, dE, k)
    return ok


@njit(**INLINE)
def attempt(net, st, temps, t, m, i, k, rule, beta):
    """Decide a flip of spin i of member m at temperature slot t (uniform bits k): (accepted, dE)."""
    si = np.int64(st.spins[m, i])
    D = si * _field(net, st, m, i) - net.dself[i]
    dE = net.two_scale * np.float64(D)
    return decide(temps, t, D, dE, k, rule, beta), dE


@njit(**INLINE)
def flip(net, st, m, i):
    """Flip spin i of member m and update its overlaps; returns the change of s_i (+-2)."""
    d = -2 * np.int64(st.spins[m, i])
    st.spins[m, i] = -st.spins[m, i]
    v, S = net.v, st.S
    for p in range(v.shape[1]):
        S[m, p] += d * v[i, p]
    return d


@njit(**OPTIONS)
def prepare(net, st, m):
    """The overlaps of member m from its spins."""
    v, S, spins = net.v, st.S, st.spins
    for p in range(v.shape[1]):
        acc = np.int64(0)
        for i in range(v.shape[0]):
            acc += np.int64(v[i, p]) * np.int64(spins[m, i])
        S[m, p] = acc


@njit(**OPTIONS)
def energy(net, st, m):
    """Energy of member m."""
    acc = np.int64(0)
    for p in range(st.S.shape[1]):
        acc += np.int64(st.S[m, p]) * np.int64(st.S[m, p])
    return -0.5 * net.scale * np.float64(acc - net.ecst)


def tables(rule, betas, two_scale, d_bound):
    """Acceptance thresholds (see :func:`_tables`), cached: the kernels only read them."""
    return _tables(int(rule), tuple(float(b) for b in np.asarray(betas, dtype=np.float64)), float(two_scale),
                   int(d_bound))


@lru_cache(maxsize=64)
def _tables(rule, betas, two_scale, d_bound):
    """Acceptance thresholds ``thr[t, D + L] = floor(2^53 p(D))`` for |D| <= L (see the module
    notes), L = the smaller of ``d_bound``, ``L_MAX`` and the |D| beyond which
    ``|beta dE| > 40`` at the smallest beta (p within 2^-57 of 0 or 1). Returns (thr, L)."""
    betas = np.asarray(betas, dtype=np.float64)
    if rule == ZERO_T or not np.all(np.isfinite(betas)):
        thr = np.zeros((len(betas), 1), dtype=np.int64)
        thr.flags.writeable = False
        return thr, 0
    L = int(min(d_bound, L_MAX))
    bmin = float(betas.min())
    if bmin > 0.0:
        L = int(min(L, np.ceil(40.0 / (bmin * abs(two_scale))) + 1))
    D = np.arange(-L, L + 1, dtype=np.int64)
    dE = two_scale * D.astype(np.float64)
    thr = np.empty((len(betas), 2 * L + 1), dtype=np.int64)
    with np.errstate(over="ignore"):
        for t, beta in enumerate(betas):
            x = beta * dE
            p = 1.0 / (1.0 + np.exp(x)) if rule == 0 else np.minimum(1.0, np.exp(-x))
            thr[t] = np.floor(p * 2.0 ** 53).astype(np.int64)
    thr.flags.writeable = False
    return thr, L
