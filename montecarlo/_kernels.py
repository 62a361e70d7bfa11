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
  ``table_block``    P >= 3, patterns +-1: ``dE = 2 scale sum_p x_p tab[S_p - x_p]``, ``x_p = v_ip s_i``,
                     ``tab[T] = e_(P-1)`` of N - 1 entries +-1 with sum T (or the all-tuple
                     analogue), tabulated once as exact integers (int64; float64 with the scale
                     folded in if the sums could overflow), evaluated as a dot product with a
                     per-member cache (see ``table_block``). Energy ``-scale sum_p etab[S_p]``.
  ``general_block``  P >= 3 with patterns not +-1 (diluted, supervised class sums). The odd power
                     sums ``p_j = sum_i (v_ip s_i)^j`` (j >= 3, int64; p_1 = S) are tracked
                     exactly, the even ones are constants ``Q``; ``e_(P-1)`` of the other N - 1
                     entries follows from Newton's identities (float64, O(P^2) per pattern).
                     ``mode`` 1 (Plefka) keeps only p_1 and p_2 in Newton's identities (O(P));
                     ``mode`` 2 is the all-tuple model ``-(scale/P!) sum_p p_1^P`` (``scale`` is
                     passed already divided by P!).

* Rules (``rule``): 0 Glauber (heat bath, ``1/(1 + e^(beta dE))``), 1 Metropolis
  (``min(1, e^(-beta dE))``), 2 zero temperature (accept iff ``dE < 0``; ``dE == 0`` is
  rejected, so the dynamics stops in a local minimum). The uniform u is turned into a
  threshold first (``_threshold``): accept iff ``beta dE < ln((1 - u)/u)`` (Glauber) or
  ``beta dE < -ln u`` (Metropolis), the same events as ``u < p(dE)``.
* After each sweep (``_checkpoint``): replica-exchange moves when ``T > 1`` and the global
  sweep count is a multiple of ``swap_every``; a measurement after sweeps
  ``burn_in + k every`` of this call.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import helper_options, kernel_options

_OPTS = kernel_options()
_INNER = helper_options()
_U = np.uint64
_INV53 = 1.0 / 9007199254740992.0     # 2^-53


# ============================================================================ random numbers
@njit(**_INNER)
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


@njit(**_INNER)
def _uniform(r):
    """Top 53 bits as a double in [0, 1)."""
    return np.float64(r >> _U(11)) * _INV53


@njit(**_INNER)
def _below(r, n):
    """An integer in [0, n) from the top 32 bits (multiply-shift; bias <= n / 2^32)."""
    return np.int64(((r >> _U(32)) * _U(n)) >> _U(32))


@intrinsic
def _prefetch(typingctx, arr, index):
    """Hint the cache to fetch ``arr[index]`` (a tuple of indices): LLVM ``llvm.prefetch``."""
    sig = types.void(arr, index)

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = cgutils.unpack_tuple(builder, args[1], count=len(idxty))
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])   # read, keep, data
        return context.get_dummy_value()

    return sig, codegen


@njit(**_INNER)
def _threshold(rule, u):
    """Acceptance threshold from the uniform alone, before the energy change is known.

    Glauber accepts with probability 1/(1 + e^x), x = beta dE: ``u (1 + e^x) < 1`` iff
    ``x < ln((1 - u)/u)``. Metropolis accepts with min(1, e^-x): ``u < e^-x`` iff ``x < -ln u``.
    Zero temperature: ``dE < 0``. Computing the logarithm from u takes the transcendental off
    the dependency chain field -> dE -> decision (it overlaps with the field computation).
    """
    if rule == 0:
        return math.log((1.0 - u) / u) if u > 0.0 else math.inf
    if rule == 1:
        return -math.log(u) if u > 0.0 else math.inf
    return 0.0


@njit(**_INNER)
def _accept(rule, beta, dE, tau):
    if rule == 2:
        return dE < 0.0
    return beta * dE < tau


# ============================================================================ family: pair
@njit(**_OPTS)
def pair_block(b, B, rule, order, N, n, K, v, dself, scale, ecst, xi, track,
               spins, S, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
               swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
               cls, nfac, learn, R, T, m_out, e_out, q_out, n_out, work_i, work_f):
    """Advance the units of block b by n_sweeps sweeps (P = 2); measure; exchange.

    The attempt is written out in the loops (a helper taking arrays would leave Numba's
    reference counting in the hot path). A single-member block runs a tight loop with its
    stream in registers; larger blocks draw all members' sites first and prefetch their pattern
    rows, then compute the fields (the rows' cache misses overlap). The field sum is exact in
    int64 (measured faster than int32 here: LLVM vectorises it without horizontal adds).
    """
    U = R * T
    u0 = b * B
    u1 = u0 + B if u0 + B < unit_net.shape[0] else unit_net.shape[0]
    m0 = u0 * U
    nm = (u1 - u0) * U
    mnet, mbeta, ebuf, sites, taus = _block_work(m0, nm, U, unit_net, temp_of, betas, work_i, work_f)
    sample = np.int64(0)
    for t in range(n_sweeps):
        if nm == 1:
            net = mnet[0]
            beta = mbeta[0]
            sc2 = 2.0 * scale[net]
            s0, s1, s2, s3 = rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3]
            for step in range(N):
                i = step
                if order == 0:
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    i = _below(r, N)
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                tau = _threshold(rule, _uniform(r))
                si = np.int64(spins[m0, i])
                acc = 0
                for p in range(n):
                    acc += v[net, i, p] * S[m0, p]
                dE = sc2 * (si * acc - dself[net, i])
                if _accept(rule, beta, dE, tau):
                    spins[m0, i] = -si
                    d = -2 * si
                    for p in range(n):
                        S[m0, p] += d * v[net, i, p]
                    if track:
                        for k in range(K):
                            Sxi[m0, k] += d * xi[net, i, k]
                    e_inc[m0] += dE
                    n_acc[m0] += 1
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
                    sites[j] = i
                    taus[j] = _threshold(rule, _uniform(r))
                    for c in range(0, n, 64):
                        _prefetch(v, (mnet[j], i, c))
                for j in range(nm):
                    m = m0 + j
                    i = sites[j]
                    net = mnet[j]
                    si = np.int64(spins[m, i])
                    acc = 0
                    for p in range(n):
                        acc += v[net, i, p] * S[m, p]
                    dE = 2.0 * scale[net] * (si * acc - dself[net, i])
                    if _accept(rule, mbeta[j], dE, taus[j]):
                        spins[m, i] = -si
                        d = -2 * si
                        for p in range(n):
                            S[m, p] += d * v[net, i, p]
                        if track:
                            for k in range(K):
                                Sxi[m, k] += d * xi[net, i, k]
                        e_inc[m] += dE
                        n_acc[m] += 1
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for j in range(nm):
                m = m0 + j
                acc2 = 0
                for p in range(n):
                    acc2 += np.int64(S[m, p]) * np.int64(S[m, p])
                ebuf[j] = -0.5 * scale[mnet[j]] * np.float64(acc2 - ecst[mnet[j]])
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


@njit(**_OPTS)
def pair_deltas(n, v, dself, scale, spins, S, out):
    """``out[m, i]``: energy change of flipping spin i of configuration m (network 0), by the
    formula of :func:`pair_block` (for tests and diagnostics)."""
    for m in range(spins.shape[0]):
        for i in range(spins.shape[1]):
            si = np.int64(spins[m, i])
            acc = 0
            for p in range(n):
                acc += v[0, i, p] * S[m, p]
            out[m, i] = 2.0 * scale[0] * (si * acc - dself[0, i])


# ============================================================================ family: table
@njit(**_INNER)
def _pm(d, vip):
    """d * vip for an entry vip = +-1 (a select, not a 64-bit multiply)."""
    return d if vip > 0 else -d


@njit(**_INNER)
def _table_refresh(j, m, net, n, off, tab, S, Dv, Cs):
    """Per-member cache of the table field: ``Dv[j, p] = tab[S_p - 1] + tab[S_p + 1]`` and
    ``Cs[j] = sum_p (tab[S_p - 1] - tab[S_p + 1])``, so that for +-1 patterns
    ``sum_p x_p tab[S_p - x_p] = (Cs + s_i sum_p v_ip Dv_p) / 2`` exactly."""
    cs = tab[0, 0] * 0
    for p in range(n):
        k = _U(S[m, p] + off)              # >= 1: unsigned indices need no wraparound test
        a = tab[net, k - _U(1)]
        c = tab[net, k + _U(1)]
        Dv[j, p] = a + c
        cs += a - c
    Cs[j] = cs


@njit(**_OPTS)
def table_block(b, B, rule, order, N, n, K, v, tab, tscale, etab, escale, xi, track,
                spins, S, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
                swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
                cls, nfac, learn, R, T, m_out, e_out, q_out, n_out, work_i, work_f, Dv, Cs):
    """Advance the units of block b by n_sweeps sweeps (P >= 3, +-1 patterns).

    ``dE = 2 tscale sum_p x_p tab[S_p - x_p]`` (``tab`` padded: index ``T + N + 1``), computed as
    ``tscale (Cs + s_i sum_p v_ip Dv_p)`` from the per-member cache of :func:`_table_refresh`:
    a dot product per attempt, the table lookups only after an accepted flip (when every S_p
    changes anyway). With int64 tables (exact e_(P-1), the default) all of it is exact and
    ``tscale`` is the network's scale; with float tables (when int64 could overflow) ``tab``
    holds the scale and ``tscale = 1``. The energy is ``-escale sum_p etab[S_p + N]``.
    """
    U = R * T
    u0 = b * B
    u1 = u0 + B if u0 + B < unit_net.shape[0] else unit_net.shape[0]
    m0 = u0 * U
    nm = (u1 - u0) * U
    off = N + 1
    mnet, mbeta, ebuf, sites, taus = _block_work(m0, nm, U, unit_net, temp_of, betas, work_i, work_f)
    # per-member cache rows m0..m0+nm-1 of Dv (members, n) and Cs (members,)
    for j in range(nm):
        _table_refresh(m0 + j, m0 + j, mnet[j], n, off, tab, S, Dv, Cs)
    zero = tab[0, 0] * 0
    sample = np.int64(0)
    for t in range(n_sweeps):
        if nm == 1:
            net = mnet[0]
            beta = mbeta[0]
            sc = tscale[net]
            s0, s1, s2, s3 = rng[m0, 0], rng[m0, 1], rng[m0, 2], rng[m0, 3]
            for step in range(N):
                i = step
                if order == 0:
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    i = _below(r, N)
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                tau = _threshold(rule, _uniform(r))
                si = np.int64(spins[m0, i])
                dot = zero
                for p in range(n):
                    dot += _pm(Dv[m0, p], v[net, i, p])
                dE = sc * (Cs[m0] + si * dot)
                if _accept(rule, beta, dE, tau):
                    spins[m0, i] = -si
                    d = -2 * si
                    for p in range(n):
                        S[m0, p] += d * v[net, i, p]
                    _table_refresh(m0, m0, net, n, off, tab, S, Dv, Cs)
                    if track:
                        for k in range(K):
                            Sxi[m0, k] += d * xi[net, i, k]
                    e_inc[m0] += dE
                    n_acc[m0] += 1
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
                    sites[j] = i
                    taus[j] = _threshold(rule, _uniform(r))
                    for c in range(0, n, 64):
                        _prefetch(v, (mnet[j], i, c))
                for j in range(nm):
                    m = m0 + j
                    i = sites[j]
                    net = mnet[j]
                    si = np.int64(spins[m, i])
                    dot = zero
                    for p in range(n):
                        dot += _pm(Dv[m, p], v[net, i, p])
                    dE = tscale[net] * (Cs[m] + si * dot)
                    if _accept(rule, mbeta[j], dE, taus[j]):
                        spins[m, i] = -si
                        d = -2 * si
                        for p in range(n):
                            S[m, p] += d * v[net, i, p]
                        _table_refresh(m, m, net, n, off, tab, S, Dv, Cs)
                        if track:
                            for k in range(K):
                                Sxi[m, k] += d * xi[net, i, k]
                        e_inc[m] += dE
                        n_acc[m] += 1
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for j in range(nm):
                m = m0 + j
                tot = etab[0, 0] * 0
                for p in range(n):
                    tot += etab[mnet[j], S[m, p] + N]
                ebuf[j] = -escale[mnet[j]] * tot
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


@njit(**_OPTS)
def table_deltas(n, v, tab, tscale, spins, S, Dv, Cs, out):
    """As :func:`pair_deltas`, by the formula of :func:`table_block` (Dv, Cs: work arrays of
    shapes (configurations, n) and (configurations,))."""
    N = spins.shape[1]
    for m in range(spins.shape[0]):
        _table_refresh(m, m, 0, n, N + 1, tab, S, Dv, Cs)
        for i in range(N):
            si = np.int64(spins[m, i])
            dot = tab[0, 0] * 0
            for p in range(n):
                dot += _pm(Dv[m, p], v[0, i, p])
            out[m, i] = tscale[0] * (Cs[m] + si * dot)


# ============================================================================ family: general
@njit(**_INNER)
def _esp(pw, e, w, k):
    """e_k from the power sums pw[w, 1..k] by Newton's identities (float64; row w of the work
    array e)."""
    e[w, 0] = 1.0
    for a in range(1, k + 1):
        acc = 0.0
        for j in range(1, a + 1):
            if j % 2 == 1:
                acc += e[w, a - j] * pw[w, j]
            else:
                acc -= e[w, a - j] * pw[w, j]
        e[w, a] = acc / a
    return e[w, k]


@njit(**_INNER)
def _general_delta(i, m, net, n, P, mode, v, Q, scale, spins, S, PS, pw, e, w):
    """Energy change of flipping spin i of member m (general family; see the module notes)."""
    si = np.int64(spins[m, i])
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
        p1 = np.float64(S[m, p] - x)
        x2 = x * x
        p2 = np.float64(Q[net, p, 1] - x2)
        if mode == 1 or P == 3:
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
            p4 = np.float64(Q[net, p, 2] - x2 * x2)
            ek = (p1 * p1 * (p1 * p1 - 6.0 * p2) + 3.0 * p2 * p2 + 8.0 * p1 * p3 - 6.0 * p4) / 24.0
        else:
            # Newton's identities in the work arrays (e_k of the closed forms above for P <= 5)
            pw[w, 1] = p1
            xj = x
            for j in range(2, P):
                xj *= x
                if j % 2 == 1:
                    pw[w, j] = np.float64(PS[m, p, (j - 3) // 2] - xj)
                else:
                    pw[w, j] = np.float64(Q[net, p, j // 2] - xj)
            e[w, 0] = 1.0
            for c in range(1, P):
                acc = 0.0
                for j in range(1, c + 1):
                    if j % 2 == 1:
                        acc += e[w, c - j] * pw[w, j]
                    else:
                        acc -= e[w, c - j] * pw[w, j]
                e[w, c] = acc / c
            ek = e[w, P - 1]
        tot += vip * ek
    return -scale[net] * tot if mode == 2 else 2.0 * scale[net] * si * tot


@njit(**_OPTS)
def general_block(b, B, rule, order, N, n, K, P, mode, v, Q, scale, xi, track,
                  spins, S, PS, Sxi, rng, e_inc, n_acc, unit_net, mem_at, temp_of, betas,
                  swap_rng, swap_try, swap_acc, swap_every, n_sweeps, sweep0, burn_in, every,
                  cls, nfac, learn, R, T, m_out, e_out, q_out, n_out, work_i, work_f, pw, e):
    """Advance the units of block b by n_sweeps sweeps (P >= 3, any integer patterns).

    ``PS[m, p, k]`` is the power sum of order ``2k + 3`` of ``v_p o s_m``; ``Q[net, p, k]`` the
    (constant) one of order ``2k``. The field costs O(P^2) per pattern, so a function call per
    attempt does not matter here.
    """
    U = R * T
    u0 = b * B
    u1 = u0 + B if u0 + B < unit_net.shape[0] else unit_net.shape[0]
    m0 = u0 * U
    nm = (u1 - u0) * U
    mnet, mbeta, ebuf, sites, taus = _block_work(m0, nm, U, unit_net, temp_of, betas, work_i, work_f)
    w = b                                 # row of the Newton work arrays pw, e (blocks, P + 1)
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
                tau = _threshold(rule, _uniform(r))
                net = mnet[j]
                dE = _general_delta(i, m, net, n, P, mode, v, Q, scale, spins, S, PS, pw, e, w)
                if _accept(rule, mbeta[j], dE, tau):
                    si = np.int64(spins[m, i])
                    spins[m, i] = -si
                    d = -2 * si
                    for p in range(n):
                        vip = np.int64(v[net, i, p])
                        if vip != 0:
                            S[m, p] += d * vip
                            x = vip * si
                            xj = x
                            for k in range(PS.shape[2]):
                                xj *= x * x
                                PS[m, p, k] -= 2 * xj
                    if track:
                        for k in range(K):
                            Sxi[m, k] += d * xi[net, i, k]
                    e_inc[m] += dE
                    n_acc[m] += 1
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
                    pw[w, 1] = np.float64(S[m, p])
                    for a in range(2, P + 1):
                        pw[w, a] = np.float64(PS[m, p, (a - 3) // 2] if a % 2 == 1 else Q[net, p, a // 2])
                    tot += _esp(pw, e, w, P)
                ebuf[j] = -scale[net] * tot
            sample = _checkpoint(tt, sample, u0, u1, m0, N, n, K, R, T, ebuf, S, Sxi, track, spins,
                                 unit_net, mem_at, temp_of, betas, mbeta, swap_rng, swap_try, swap_acc,
                                 swap_every, sweep0, burn_in, every, cls, nfac, learn,
                                 m_out, e_out, q_out, n_out)


@njit(**_OPTS)
def general_deltas(n, P, mode, v, Q, scale, spins, S, PS, pw, e, out):
    """As :func:`pair_deltas`, by :func:`_general_delta` (exact, Plefka or all-tuple field;
    pw, e: work arrays of shape (1, P + 1))."""
    for m in range(spins.shape[0]):
        for i in range(spins.shape[1]):
            out[m, i] = _general_delta(i, m, 0, n, P, mode, v, Q, scale, spins, S, PS, pw, e, 0)


# ============================================================================ shared
@njit(**_INNER)
def _block_work(m0, nm, U, unit_net, temp_of, betas, work_i, work_f):
    """Views of the block's rows of the preallocated work arrays (no allocation in kernels):
    network and beta of each member, energies, sites and acceptance thresholds."""
    mnet = work_i[0, m0:m0 + nm]
    sites = work_i[1, m0:m0 + nm]
    mbeta = work_f[0, m0:m0 + nm]
    ebuf = work_f[1, m0:m0 + nm]
    taus = work_f[2, m0:m0 + nm]
    for j in range(nm):
        mnet[j] = unit_net[(m0 + j) // U]
        mbeta[j] = betas[temp_of[m0 + j]]
    return mnet, mbeta, ebuf, sites, taus


@njit(**_INNER)
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
                    if x >= 0.0 or _uniform(rr) < math.exp(x):
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
