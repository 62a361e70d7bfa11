"""Numba kernels of the single-spin-flip samplers (private; plain arrays in and out).

Conventions shared with :mod:`montecarlo._engine`, which validates, allocates and dispatches:

* A *member* is one Markov chain: spins ``spins[m]`` (int8, +-1), its own xoshiro256+ state
  ``rng[m]`` (4 x uint64), its integer overlaps ``S[m, p] = sum_i v_ip s_i`` with the stored
  patterns (int32) and its temperature slot ``temp_of[m]``. Members form *units* of ``R * T``
  members (R replicas of a ladder of T temperatures); *slot* ``(u R + r) T + t`` is
  temperature t of ladder r of unit u, and ``mem_at[slot]`` the member found there. A *block*
  is a range of units that one thread advances together, interleaving its members attempt by
  attempt (independent work for the out-of-order core). A member's trajectory depends only on
  its own state and stream, never on the block size or the number of threads.
* One *attempt* on member m: choose a site (random-sequential: a uniform site from the top 32
  bits of one 64-bit draw; sequential: the next site), draw one uniform (top 53 bits of the
  next draw), compute the exact energy change ``dE`` of flipping it, accept with the rule, and
  on acceptance flip the spin and update the overlaps (O(n_stored)). A sweep is N attempts.
* One kernel per family of energy functions (``net`` indexes the stacked patterns of several
  networks of one shape):

  ``pair_block``     P = 2, any integer patterns:
                     ``dE = 2 scale (s_i sum_p v_ip S_p - D_i)``, ``D_i = sum_p v_ip^2``: exact
                     integer arithmetic and one rounding. Energy ``-(scale/2)(sum_p S_p^2 - c)``
                     with ``c = sum_ip v_ip^2`` (distinct tuples) or 0 (all tuples).
  ``table_block``    P >= 3, patterns +-1: ``dE = 2 sum_p x_p tab[S_p - x_p]``, ``x_p = v_ip s_i``,
                     ``tab[T] = scale e_(P-1)`` of N - 1 entries +-1 with sum T (or the all-tuple
                     analogue), tabulated once from exact integers. Energy ``-sum_p etab[S_p]``.
  ``general_block``  P >= 3, any integer patterns (diluted, supervised class sums). The odd power
                     sums ``p_j = sum_i (v_ip s_i)^j`` (j >= 3, int64; p_1 = S) are tracked
                     exactly, the even ones are constants ``Q``; ``e_(P-1)`` of the other N - 1
                     entries follows from Newton's identities (float64, O(P^2) per pattern).
                     ``mode`` 1 (Plefka) keeps only p_1 and p_2 in Newton's identities (O(P));
                     ``mode`` 2 is the all-tuple model ``-(scale/P!) sum_p p_1^P`` (``scale`` is
                     passed already divided by P!).

* Rules (``rule``): 0 Glauber (heat bath), 1 Metropolis, 2 zero temperature (accept iff
  ``dE < 0``; ``dE == 0`` is rejected, so the dynamics stops in a local minimum). Acceptance
  probabilities below ``e^-37 < 2^-53`` (the resolution of the uniforms) are rounded to 0 and
  above ``1 - e^-37`` to 1.
* After each sweep (``_checkpoint``): replica-exchange moves when ``T > 1`` and the global
  sweep count is a multiple of ``swap_every``; a measurement after sweeps
  ``burn_in + k every`` of this call.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._jit import kernel_options

_OPTS = kernel_options()
_U = np.uint64
_INV53 = 1.0 / 9007199254740992.0     # 2^-53
_XMAX = 37.0                          # e^-37 < 2^-53


# ============================================================================ random numbers
@njit(inline="always")
def _next(s0, s1, s2, s3):
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


@njit(inline="always")
def _uniform(r):
    """Top 53 bits as a double in [0, 1)."""
    return np.float64(r >> _U(11)) * _INV53


@njit(inline="always")
def _below(r, n):
    """An integer in [0, n) from the top 32 bits (multiply-shift; bias <= n / 2^32)."""
    return np.int64(((r >> _U(32)) * _U(n)) >> _U(32))


@njit(inline="always")
def _accept(rule, beta, dE, u):
    if rule == 2:
        return dE < 0.0
    x = beta * dE
    if rule == 0:
        if x > _XMAX:
            return False
        if x < -_XMAX:
            return True
        return u * (1.0 + np.exp(x)) < 1.0
    if x <= 0.0:
        return True
    if x > _XMAX:
        return False
    return u < np.exp(-x)


@njit(**_OPTS)
def uniforms(rng, out):
    """Fill ``out`` with uniforms from the xoshiro256+ state ``rng`` (4 x uint64, advanced)."""
    s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
    for k in range(out.shape[0]):
        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
        out[k] = _uniform(r)
    rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3


# ============================================================================ family: pair
@njit(inline="always")
def _pair_delta(i, m, net, n, v, dself, scale, spins, S):
    si = np.int64(spins[m, i])
    acc = 0
    for p in range(n):
        acc += v[net, i, p] * S[m, p]
    return 2.0 * scale[net] * (si * acc - dself[net, i])


@njit(inline="always")
def _flip(i, m, net, n, K, v, xi, track, spins, S, Sxi, e_inc, n_acc, dE):
    """Accepted flip of spin i of member m: spins, overlaps S (and Sxi), counters."""
    si = np.int64(spins[m, i])
    spins[m, i] = -si
    d = -2 * si
    for p in range(n):
        S[m, p] += d * v[net, i, p]
    if track:
        for k in range(K):
            Sxi[m, k] += d * xi[net, i, k]
    e_inc[m] += dE
    n_acc[m] += 1


@njit(inline="always")
def _pair_attempt(rule, i, u, m, net, beta, n, K, v, dself, scale, xi, track, spins, S, Sxi, e_inc, n_acc):
    dE = _pair_delta(i, m, net, n, v, dself, scale, spins, S)
    if _accept(rule, beta, dE, u):
        _flip(i, m, net, n, K, v, xi, track, spins, S, Sxi, e_inc, n_acc, dE)


@njit(**_OPTS)
def pair_block(b, B, rule, order, N, n, K, v, dself, scale, ecst, xi, track,
               spins, S, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
               swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
               cls, nfac, learn, R, T, m_out, e_out, q_out, n_out):
    """Advance the units of block b by n_sweeps sweeps (P = 2); measure; exchange."""
    U = R * T
    u0 = b * B
    u1 = min(u0 + B, unit_net.shape[0])
    m0 = u0 * U
    nm = (u1 - u0) * U
    mnet = np.empty(nm, dtype=np.int64)
    mbeta = np.empty(nm)
    _block_params(m0, nm, U, unit_net, temp_of, betas, mnet, mbeta)
    ebuf = np.zeros(nm)
    sample = np.int64(0)
    for t in range(n_sweeps):
        if nm == 1:
            s0, s1, s2, s3 = rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3]
            net = mnet[0]
            beta = mbeta[0]
            for step in range(N):
                i = step
                if order == 0:
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    i = _below(r, N)
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                _pair_attempt(rule, i, _uniform(r), m0, net, beta, n, K, v, dself, scale, xi, track,
                              spins, S, Sxi, e_inc, n_acc)
            rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3] = s0, s1, s2, s3
        else:
            for step in range(N):
                for j in range(nm):
                    m = m0 + j
                    s0, s1, s2, s3 = rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3]
                    i = step
                    if order == 0:
                        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                        i = _below(r, N)
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3] = s0, s1, s2, s3
                    _pair_attempt(rule, i, _uniform(r), m, mnet[j], mbeta[j], n, K, v, dself, scale, xi,
                                  track, spins, S, Sxi, e_inc, n_acc)
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for j in range(nm):
                m = m0 + j
                acc = 0
                for p in range(n):
                    acc += np.int64(S[m, p]) * np.int64(S[m, p])
                ebuf[j] = -0.5 * scale[mnet[j]] * np.float64(acc - ecst[mnet[j]])
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


# ============================================================================ family: table
@njit(inline="always")
def _table_delta(i, m, net, n, off, v, tab, spins, S):
    si = np.int64(spins[m, i])
    acc = 0.0
    for p in range(n):
        x = v[net, i, p] * si
        acc += x * tab[net, S[m, p] - x + off]
    return 2.0 * acc


@njit(inline="always")
def _table_attempt(rule, i, u, m, net, beta, n, K, off, v, tab, xi, track, spins, S, Sxi, e_inc, n_acc):
    dE = _table_delta(i, m, net, n, off, v, tab, spins, S)
    if _accept(rule, beta, dE, u):
        _flip(i, m, net, n, K, v, xi, track, spins, S, Sxi, e_inc, n_acc, dE)


@njit(**_OPTS)
def table_block(b, B, rule, order, N, n, K, v, tab, etab, xi, track,
                spins, S, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
                swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
                cls, nfac, learn, R, T, m_out, e_out, q_out, n_out):
    """Advance the units of block b by n_sweeps sweeps (P >= 3, +-1 patterns)."""
    U = R * T
    u0 = b * B
    u1 = min(u0 + B, unit_net.shape[0])
    m0 = u0 * U
    nm = (u1 - u0) * U
    off = N - 1
    mnet = np.empty(nm, dtype=np.int64)
    mbeta = np.empty(nm)
    _block_params(m0, nm, U, unit_net, temp_of, betas, mnet, mbeta)
    ebuf = np.zeros(nm)
    sample = np.int64(0)
    for t in range(n_sweeps):
        if nm == 1:
            s0, s1, s2, s3 = rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3]
            net = mnet[0]
            beta = mbeta[0]
            for step in range(N):
                i = step
                if order == 0:
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    i = _below(r, N)
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                _table_attempt(rule, i, _uniform(r), m0, net, beta, n, K, off, v, tab, xi, track,
                               spins, S, Sxi, e_inc, n_acc)
            rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3] = s0, s1, s2, s3
        else:
            for step in range(N):
                for j in range(nm):
                    m = m0 + j
                    s0, s1, s2, s3 = rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3]
                    i = step
                    if order == 0:
                        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                        i = _below(r, N)
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3] = s0, s1, s2, s3
                    _table_attempt(rule, i, _uniform(r), m, mnet[j], mbeta[j], n, K, off, v, tab, xi,
                                   track, spins, S, Sxi, e_inc, n_acc)
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for j in range(nm):
                m = m0 + j
                tot = 0.0
                for p in range(n):
                    tot += etab[mnet[j], S[m, p] + N]
                ebuf[j] = -tot
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


# ============================================================================ family: general
@njit(inline="always")
def _esp(pw, e, k):
    """e_k from the power sums pw[1..k] by Newton's identities (float64; e is a work array)."""
    e[0] = 1.0
    for a in range(1, k + 1):
        acc = 0.0
        for j in range(1, a + 1):
            if j % 2 == 1:
                acc += e[a - j] * pw[j]
            else:
                acc -= e[a - j] * pw[j]
        e[a] = acc / a
    return e[k]


@njit(inline="always")
def _general_delta(i, m, net, n, P, mode, v, Q, scale, spins, S, PS, pw, e):
    si = np.int64(spins[m, i])
    top = P - 1 if mode == 0 else 2
    tot = 0.0
    for p in range(n):
        vip = np.int64(v[net, i, p])
        if vip == 0:
            continue
        x = vip * si
        if mode == 2:
            p1 = np.float64(S[m, p])
            tot += (p1 - 2.0 * x) ** P - p1 ** P
            continue
        # power sums of the other N - 1 entries of v^p o s
        xj = x
        pw[1] = np.float64(S[m, p] - x)
        for j in range(2, top + 1):
            xj *= x
            if j % 2 == 1:
                pw[j] = np.float64(PS[m, p, (j - 3) // 2] - xj)
            else:
                pw[j] = np.float64(Q[net, p, j // 2] - xj)
        if mode == 0:
            ek = _esp(pw, e, P - 1)
        else:
            # Plefka: k g_k = g_(k-1) p_1 - g_(k-2) p_2 (Newton's identities without p_j, j >= 3)
            gm2 = 1.0
            ek = pw[1]
            for k in range(2, P):
                g = (ek * pw[1] - gm2 * pw[2]) / k
                gm2 = ek
                ek = g
        tot += vip * ek
    return -scale[net] * tot if mode == 2 else 2.0 * scale[net] * si * tot


@njit(inline="always")
def _general_attempt(rule, i, u, m, net, beta, n, K, P, mode, v, Q, scale, xi, track,
                     spins, S, PS, Sxi, e_inc, n_acc, pw, e):
    dE = _general_delta(i, m, net, n, P, mode, v, Q, scale, spins, S, PS, pw, e)
    if _accept(rule, beta, dE, u):
        si = np.int64(spins[m, i])
        for p in range(n):
            vip = np.int64(v[net, i, p])
            if vip != 0:
                x = vip * si
                xj = x
                for k in range(PS.shape[2]):
                    xj *= x * x
                    PS[m, p, k] -= 2 * xj
        _flip(i, m, net, n, K, v, xi, track, spins, S, Sxi, e_inc, n_acc, dE)


@njit(**_OPTS)
def general_block(b, B, rule, order, N, n, K, P, mode, v, Q, scale, xi, track,
                  spins, S, PS, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
                  swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
                  cls, nfac, learn, R, T, m_out, e_out, q_out, n_out):
    """Advance the units of block b by n_sweeps sweeps (P >= 3, any integer patterns).

    ``PS[m, p, k]`` is the power sum of order ``2k + 3`` of ``v_p o s_m``; ``Q[net, p, k]`` the
    (constant) one of order ``2k``.
    """
    U = R * T
    u0 = b * B
    u1 = min(u0 + B, unit_net.shape[0])
    m0 = u0 * U
    nm = (u1 - u0) * U
    mnet = np.empty(nm, dtype=np.int64)
    mbeta = np.empty(nm)
    _block_params(m0, nm, U, unit_net, temp_of, betas, mnet, mbeta)
    pw = np.zeros(P + 1)
    e = np.zeros(P + 1)
    ebuf = np.zeros(nm)
    sample = np.int64(0)
    for t in range(n_sweeps):
        for step in range(N):
            for j in range(nm):
                m = m0 + j
                s0, s1, s2, s3 = rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3]
                i = step
                if order == 0:
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    i = _below(r, N)
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3] = s0, s1, s2, s3
                _general_attempt(rule, i, _uniform(r), m, mnet[j], mbeta[j], n, K, P, mode, v, Q, scale,
                                 xi, track, spins, S, PS, Sxi, e_inc, n_acc, pw, e)
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for j in range(nm):
                m = m0 + j
                net = mnet[j]
                tot = 0.0
                for p in range(n):
                    if mode == 2:
                        tot += np.float64(S[m, p]) ** P
                        continue
                    pw[1] = np.float64(S[m, p])
                    for a in range(2, P + 1):
                        pw[a] = np.float64(PS[m, p, (a - 3) // 2] if a % 2 == 1 else Q[net, p, a // 2])
                    tot += _esp(pw, e, P)
                ebuf[j] = -scale[net] * tot
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


# ============================================================================ shared
@njit
def _block_params(m0, nm, U, unit_net, temp_of, betas, mnet, mbeta):
    for j in range(nm):
        mnet[j] = unit_net[(m0 + j) // U]
        mbeta[j] = betas[temp_of[m0 + j]]


@njit
def _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                swap_every, sweep0, burn_in, every, cls, nfac, learn, m_out, e_out, q_out, n_out):
    """After sweep tt of this call: replica exchange (T > 1), then a measurement if one is due.

    ``ebuf[m - m0]`` holds the energies of the block's members. Exchanges between temperatures
    k, k+1 (k = 0..T-2 in turn) swap the members found at the two slots, accepted with
    ``min(1, exp((beta_k - beta_(k+1)) (E_k - E_(k+1))))`` from the ladder's own stream.
    Observables are stored by slot (temperature), not by member. Returns the next sample index.
    """
    if T > 1 and (sweep0 + tt) % swap_every == 0:
        for u in range(u0, u1):
            for r in range(R):
                lad = u * R + r
                s0, s1, s2, s3 = swap_rng[lad, 0], swap_rng[lad, 1], swap_rng[lad, 2], swap_rng[lad, 3]
                for k in range(T - 1):
                    a = mem_at[lad * T + k]
                    c = mem_at[lad * T + k + 1]
                    rr, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    x = (betas[k] - betas[k + 1]) * (ebuf[a - m0] - ebuf[c - m0])
                    swap_try[lad, k] += 1
                    if x >= 0.0 or _uniform(rr) < np.exp(x):
                        mem_at[lad * T + k] = c
                        mem_at[lad * T + k + 1] = a
                        temp_of[c] = k
                        temp_of[a] = k + 1
                        mbeta[c - m0] = betas[k]
                        mbeta[a - m0] = betas[k + 1]
                        swap_acc[lad, k] += 1
                swap_rng[lad, 0], swap_rng[lad, 1], swap_rng[lad, 2], swap_rng[lad, 3] = s0, s1, s2, s3
    if not (tt > burn_in and (tt - burn_in) % every == 0):
        return sample
    invN = 1.0 / N
    n_pairs = R * (R - 1) // 2
    for u in range(u0, u1):
        net = unit_net[u]
        for slot in range(u * R * T, (u + 1) * R * T):
            m = mem_at[slot]
            for k in range(K):
                m_out[slot, sample, k] = (Sxi[m, k] if track else S[m, k]) * invN
            e_out[slot, sample] = ebuf[m - m0] * invN
            if learn:
                for k in range(K):
                    n_out[slot, sample, k] = 0.0
                for p in range(n):
                    n_out[slot, sample, cls[p]] += S[m, p] * nfac[net]
        pair = 0
        for r1 in range(R):
            for r2 in range(r1 + 1, R):
                for t in range(T):
                    a = mem_at[(u * R + r1) * T + t]
                    c = mem_at[(u * R + r2) * T + t]
                    acc = 0
                    for i in range(N):
                        acc += spins[a, i] * spins[c, i]
                    q_out[(u * n_pairs + pair) * T + t, sample] = acc * invN
                pair += 1
    return sample + 1


# ============================================================================ field checks
@njit(**_OPTS)
def pair_deltas(n, v, dself, scale, spins, S, out):
    """``out[m, i]``: the kernel's energy change of flipping spin i of member m (net 0)."""
    for m in range(spins.shape[0]):
        for i in range(spins.shape[1]):
            out[m, i] = _pair_delta(i, m, 0, n, v, dself, scale, spins, S)


@njit(**_OPTS)
def table_deltas(n, v, tab, spins, S, out):
    """As :func:`pair_deltas` for the table family."""
    for m in range(spins.shape[0]):
        for i in range(spins.shape[1]):
            out[m, i] = _table_delta(i, m, 0, n, spins.shape[1] - 1, v, tab, spins, S)


@njit(**_OPTS)
def general_deltas(n, P, mode, v, Q, scale, spins, S, PS, out):
    """As :func:`pair_deltas` for the general family (exact, Plefka or all-tuple field)."""
    pw = np.zeros(P + 1)
    e = np.zeros(P + 1)
    for m in range(spins.shape[0]):
        for i in range(spins.shape[1]):
            out[m, i] = _general_delta(i, m, 0, n, P, mode, v, Q, scale, spins, S, PS, pw, e)
