"""General family (P >= 3, other patterns: diluted, supervised class sums): the energy change,
the flip, the energy.

The odd power sums ``p_j = sum_i (v_ip s_i)^j`` (j >= 3, int64; p_1 = S) are tracked exactly
per member, the even ones are constants ``Q``; ``e_(P-1)`` of the other N - 1 entries follows
from Newton's identities (float64, closed forms for P <= 5). ``kind`` 0: exact;
1 (Plefka): only p_1 and p_2 in Newton's identities (O(P)); 2: the all-tuple model
``-(scale/P!) sum_p p_1^P`` (``scale`` already divided by P!).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from ._common import threshold
from ._jit import INLINE, OPTIONS

__all__ = ["GeneralNet", "GeneralState", "delta_energy", "attempt", "flip", "energy", "prepare"]

EXACT, PLEFKA, ALL_TUPLES = 0, 1, 2

GeneralNet = namedtuple("GeneralNet", "v Q scale P kind")
GeneralNet.__doc__ = """Arrays of one general network: ``v`` (N, n) site-major, ``Q`` (n, P//2 + 1)
int64 even power sums, ``scale``, ``P``, ``kind`` (EXACT, PLEFKA, ALL_TUPLES)."""
GeneralState = namedtuple("GeneralState", "spins S PS work")
GeneralState.__doc__ = """Members' spins (U, N), overlaps S (U, n), odd power sums of order >= 3
PS (U, n, odd orders) int64, work (2, P + 1) float64 (power sums and elementary symmetric
polynomials of one evaluation)."""


@njit(**OPTIONS)
def prepare(net, st, m):
    """The overlaps and the odd power sums of member m from its spins."""
    v, S, PS, spins = net.v, st.S, st.PS, st.spins
    for p in range(v.shape[1]):
        acc = np.int64(0)
        for k in range(PS.shape[2]):
            PS[m, p, k] = 0
        for i in range(v.shape[0]):
            x = np.int64(v[i, p]) * np.int64(spins[m, i])
            acc += x
            xj = x
            for k in range(PS.shape[2]):
                xj *= x * x
                PS[m, p, k] += xj
        S[m, p] = acc


@njit(**OPTIONS)
def _esp(work, k):
    """e_k from the power sums ``work[1, 1..k]`` by Newton's identities (float64), into
    ``work[0, 0..k]``."""
    work[0, 0] = 1.0
    for a in range(1, k + 1):
        acc = 0.0
        for j in range(1, a + 1):
            if j % 2 == 1:
                acc += work[0, a - j] * work[1, j]
            else:
                acc -= work[0, a - j] * work[1, j]
        work[0, a] = acc / a
    return work[0, k]


@njit(**INLINE)
def delta_energy(net, st, m, i):
    """Energy change of flipping spin i of member m (exact, or Plefka for ``kind`` 1)."""
    v, Q, S, PS, work, P, kind = net.v, net.Q, st.S, st.PS, st.work, net.P, net.kind
    si = np.int64(st.spins[m, i])
    tot = 0.0
    for p in range(v.shape[1]):
        vip = np.int64(v[i, p])
        if vip == 0:
            continue
        x = vip * si
        if kind == ALL_TUPLES:
            p1 = np.float64(S[m, p])
            tot += (p1 - 2.0 * x) ** P - p1 ** P
            continue
        # power sums of the other N - 1 entries of v^p o s
        p1 = np.float64(S[m, p] - x)
        x2 = x * x
        p2 = np.float64(Q[p, 1] - x2)
        if kind == PLEFKA or P == 3:
            # Plefka (any P), or exact for P = 3: k g_k = g_(k-1) p_1 - g_(k-2) p_2
            gm2 = 1.0
            ek = p1
            for k in range(2, P):
                g = (ek * p1 - gm2 * p2) / k
                gm2 = ek
                ek = g
        elif P == 4:
            p3 = np.float64(PS[m, p, 0] - x2 * x)
            ek = (p1 * (p1 * p1 - 3.0 * p2) + 2.0 * p3) / 6.0
        elif P == 5:
            p3 = np.float64(PS[m, p, 0] - x2 * x)
            p4 = np.float64(Q[p, 2] - x2 * x2)
            ek = (p1 * p1 * (p1 * p1 - 6.0 * p2) + 3.0 * p2 * p2 + 8.0 * p1 * p3 - 6.0 * p4) / 24.0
        else:
            # Newton's identities (e_k of the closed forms above for P <= 5)
            work[1, 1] = p1
            xj = x
            for j in range(2, P):
                xj *= x
                work[1, j] = np.float64((PS[m, p, (j - 3) // 2] if j % 2 == 1 else Q[p, j // 2]) - xj)
            ek = _esp(work, P - 1)
        tot += vip * ek
    return -net.scale * tot if kind == ALL_TUPLES else 2.0 * net.scale * si * tot


@njit(**INLINE)
def attempt(net, st, temps, t, m, i, k, rule, beta):
    """Decide a flip of spin i of member m (uniform bits k): (accepted, dE)."""
    tau = threshold(rule, k) if rule != 2 else 0.0
    dE = delta_energy(net, st, m, i)
    ok = (dE < 0.0) if rule == 2 else (beta * dE < tau)
    return ok, dE


@njit(**INLINE)
def flip(net, st, m, i):
    """Flip spin i of member m, update its overlaps and odd power sums; returns the change of s_i."""
    si = np.int64(st.spins[m, i])
    d = -2 * si
    st.spins[m, i] = -st.spins[m, i]
    v, S, PS = net.v, st.S, st.PS
    for p in range(v.shape[1]):
        S[m, p] += d * v[i, p]
        x = np.int64(v[i, p]) * si
        if x != 0:
            xj = x
            for k in range(PS.shape[2]):
                xj *= x * x
                PS[m, p, k] -= 2 * xj
    return d


@njit(**OPTIONS)
def energy(net, st, m):
    """Energy of member m: ``-scale sum_p e_P(v_p o s)`` (or the all-tuple form)."""
    S, PS, Q, work, P = st.S, st.PS, net.Q, st.work, net.P
    tot = 0.0
    for p in range(S.shape[1]):
        if net.kind == ALL_TUPLES:
            tot += np.float64(S[m, p]) ** P
            continue
        work[1, 1] = np.float64(S[m, p])
        for a in range(2, P + 1):
            work[1, a] = np.float64(PS[m, p, (a - 3) // 2] if a % 2 == 1 else Q[p, a // 2])
        tot += _esp(work, P)
    return -net.scale * tot
