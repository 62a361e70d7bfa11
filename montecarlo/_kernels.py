"""The Numba kernel of the single-spin-flip samplers (private; plain arrays in and out).

Conventions shared with :mod:`montecarlo._engine`, which validates, allocates and dispatches:

* A *member* is one Markov chain: spins ``spins[m]`` (int8, +-1), its own xoshiro256+ state
  ``rng[m]`` (4 x uint64), its integer overlaps ``S[m, p] = sum_i v_ip s_i`` with the stored
  patterns (int32). Members form *units* of ``R * T`` members (R replicas of a ladder of T
  temperatures); *slot* ``(u R + r) T + t`` is temperature t of ladder r of unit u. A *block*
  is a range of ``B`` units that one thread advances together, interleaving its members
  attempt by attempt (independent work for the out-of-order core). A member's trajectory
  depends only on its own state and stream, never on the block size or the number of threads.
* Per-member integers ``imem`` (int64, shape (5, members)): row ``TEMP`` the temperature slot of
  member m, row ``AT`` the member found at slot m, row ``ACC`` its accepted flips, row ``NET``
  its network, row ``SITE`` work space. Per-member floats ``fmem`` (float64, shape (4, members)):
  row ``EINC`` the energy accumulated from accepted energy changes, row ``BETA`` its inverse
  temperature, row ``EBUF`` its energy at a checkpoint, row ``TAU`` work space.
* One *attempt* on member m: choose a site (random-sequential: a uniform site from the top 32
  bits of one 64-bit draw; sequential: the next site), draw one uniform (top 53 bits of the
  next draw), compute the exact energy change ``dE`` of flipping it, accept with the rule, and
  on acceptance flip the spin and update the overlaps (O(n_stored)). A sweep is N attempts.
  In a block, all members first draw their sites and thresholds and prefetch their pattern
  rows, then compute their fields (the rows' cache misses overlap); with one member this is
  the plain loop.
* Families of energy functions (``fam``; ``net`` indexes the stacked patterns of several
  networks of one shape), all in ONE kernel so that the loop, the exchanges and the
  measurements are compiled once (see "compile time" below):

  0 pair     P = 2, any integer patterns:
             ``dE = 2 scale (s_i sum_p v_ip S_p - D_i)``, ``D_i = sum_p v_ip^2``: exact integer
             arithmetic and one rounding; the sum is int32 when ``mode`` is 1 (the engine's
             bound ``max_i sum_p |v_ip| * max_p sum_i |v_ip| < 2^31`` makes it exact), else
             int64. Energy ``-(scale/2)(sum_p S_p^2 - c)`` with ``c = sum_ip v_ip^2`` (distinct
             tuples) or 0 (all tuples).
  1 table    P >= 3, patterns +-1: ``dE = 2 scale sum_p x_p tab[S_p - x_p]``, ``x_p = v_ip s_i``,
             ``tab[T] = e_(P-1)`` of N - 1 entries +-1 with sum T (or the all-tuple analogue),
             tabulated once as exact integers (int64), evaluated as a dot product with a
             per-member cache (below). Energy ``-scale sum_p etab[S_p]``.
  3 table    as 1 with float64 tables ``ftab``, ``fetab``, ``fcache`` (the scale folded in,
             ``scale`` = 1), when sums of the int64 tables could overflow
             (:func:`montecarlo._engine._tables`).
  2 general  P >= 3, other patterns (diluted, supervised class sums). The odd power sums
             ``p_j = sum_i (v_ip s_i)^j`` (j >= 3, int64; p_1 = S) are tracked exactly, the
             even ones are constants ``Q``; ``e_(P-1)`` of the other N - 1 entries follows from
             Newton's identities (float64, closed forms for P <= 5). ``mode`` 1 (Plefka) keeps
             only p_1 and p_2 in Newton's identities (O(P)); ``mode`` 2 is the all-tuple model
             ``-(scale/P!) sum_p p_1^P`` (``scale`` is passed already divided by P!).

* Rules (``rule``): 0 Glauber (heat bath, ``1/(1 + e^(beta dE))``), 1 Metropolis
  (``min(1, e^(-beta dE))``), 2 zero temperature (accept iff ``dE < 0``; ``dE == 0`` is
  rejected, so the dynamics stops in a local minimum), 3 probe (``probe[m, i] = dE``, never
  accept: the energy changes of the kernel itself, for tests). The uniform u is turned into a
  threshold first (``_threshold``): accept iff ``beta dE < ln((1 - u)/u)`` (Glauber) or
  ``beta dE < -ln u`` (Metropolis), the same events as ``u < p(dE)``.
* After each sweep (``_checkpoint``): replica-exchange moves when ``T > 1`` and the global
  sweep count is a multiple of ``swap_every``; a measurement after sweeps
  ``burn_in + k every`` of this call: ``snap[slot, sample]`` = the K archetype overlaps
  ``N m`` (then the n_stored overlaps S when learning, for the class overlaps), ``esnap[slot,
  sample]`` the energy, ``qsnap[(u n_pairs + pair) T + t, sample] = N q`` (integers; the engine
  scales them).

Compile time matters as much as speed: the kernel is compiled once per machine (see
:mod:`montecarlo._native`) and Numba's front end costs a few milliseconds per statement and
more per separately compiled function. Hence one kernel, one signature, few statements,
helpers only where they are shared, and no views or allocation (no reference counting).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import helper_options, kernel_options
from ._native import ACC, AT, BETA, EBUF, EINC, NET, SITE, TAU, TEMP

_OPTS = kernel_options()
_INNER = helper_options()
_U = np.uint64
_INV53 = 1.0 / 9007199254740992.0     # 2^-53


# ============================================================================ the kernel
@njit(**_OPTS)
def block(b, B, fam, rule, order, N, n, K, k0, R, T, track, learn, swap_every, n_sweeps, sweep0, burn_in, every,
          P, mode, v, xi, scale, dself, ecst, tab, etab, cache, ftab, fetab, fcache, Q, PS, work, spins, S, Sxi,
          rng, imem, fmem, betas, lrng, lstat, snap, esnap, qsnap, probe):
    """Advance the B units of block b by n_sweeps sweeps; measure; exchange.

    Shapes: ``v`` (nets, N, n) int8 site-major stored patterns, ``xi`` (nets, N, K) int8
    archetypes (when ``track``), ``scale`` (nets,); pair: ``dself`` (nets, N), ``ecst``
    (nets,); table: ``tab`` (nets, 2N + 3) (``T + N + 1`` indexes the sum T), ``etab``
    (nets, 2N + 1), ``cache`` (members, n + 1) (int64; ``ftab``, ``fetab``, ``fcache`` their
    float64 analogues of family 3); general: ``Q`` (nets, n, P // 2 + 1), ``PS``
    (members, n, odd orders), ``work`` (blocks, 2, P + 1). Arrays of other families may be
    dummies. A single member runs a tight loop with its stream in registers; several members
    are interleaved (all draw and prefetch, then all compute). Both loops inline the same
    :func:`_attempt`.
    """
    m0, m1 = _block_setup(b, B, R * T, imem, fmem, betas)
    for m in range(m0, m1):
        if fam == 1:
            _table_refresh(m, imem[NET, m], n, N, tab, S, cache, 0)
        elif fam == 3:
            _table_refresh(m, imem[NET, m], n, N, ftab, S, fcache, 0.0)
    sample = np.int64(0)
    for t in range(n_sweeps):
        if m1 - m0 == 1:
            # one loop per family: _sweep1 is compiled once by Numba (fam an int64, not a
            # literal: less to type) and inlined by LLVM in each branch, where fam is known
            # and folds (measured as fast as literal copies); fewer live values
            if fam == 0:
                _sweep1(m0, b, fam, rule, order, N, n, K, P, mode, track, v, xi, scale, dself, tab, cache, ftab,
                        fcache, Q, PS, work, spins, S, Sxi, rng, imem, fmem, probe)
            elif fam == 1:
                _sweep1(m0, b, fam, rule, order, N, n, K, P, mode, track, v, xi, scale, dself, tab, cache, ftab,
                        fcache, Q, PS, work, spins, S, Sxi, rng, imem, fmem, probe)
            else:
                # general (its field costs O(P) per pattern: a branch on fam does not matter)
                # and float tables (rare: tables too large for int64)
                _sweep1(m0, b, fam, rule, order, N, n, K, P, mode, track, v, xi, scale, dself, tab, cache, ftab,
                        fcache, Q, PS, work, spins, S, Sxi, rng, imem, fmem, probe)
        else:
            for step in range(N):
                for m in range(m0, m1):
                    s0, s1, s2, s3 = rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3]
                    i = step
                    if order == 0:
                        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                        i = np.int64(((r >> _U(32)) * _U(N)) >> _U(32))
                    r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                    rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3] = s0, s1, s2, s3
                    imem[SITE, m] = i
                    fmem[TAU, m] = _threshold(rule, r)
                    for c in range(0, n, 64):
                        _prefetch(v, (imem[NET, m], i, c))
                for m in range(m0, m1):
                    net = imem[NET, m]
                    _attempt(m, net, scale[net], imem[SITE, m], fmem[TAU, m], fmem[BETA, m], b, fam, rule, N, n, K,
                             P, mode, track, v, xi, scale, dself, tab, cache, ftab, fcache, Q, PS, work, spins, S, Sxi,
                             imem, fmem, probe)
        tt = t + 1
        if (T > 1 and (sweep0 + tt) % swap_every == 0) or (tt > burn_in and (tt - burn_in) % every == 0):
            for m in range(m0, m1):
                fmem[EBUF, m] = _energy(m, b, fam, N, n, P, mode, imem, scale, ecst, etab, fetab, Q, S, PS, work)
            sample = _checkpoint(tt, sample, m0, m1, N, n, K, k0, R, T, track, learn, swap_every, sweep0, burn_in,
                                 every, spins, S, Sxi, imem, fmem, betas, lrng, lstat, snap, esnap, qsnap)


@njit(forceinline=True, **_INNER)
def _sweep1(m, b, fam, rule, order, N, n, K, P, mode, track, v, xi, scale, dself, tab, cache, ftab, fcache, Q, PS,
            work, spins, S, Sxi, rng, imem, fmem, probe):
    """One sweep of a single member m, its stream, network, scale and beta in registers."""
    beta = fmem[BETA, m]
    net = imem[NET, m]
    sc = scale[net]
    s0, s1, s2, s3 = rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3]
    for step in range(N):
        i = step
        if order == 0:
            r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
            i = np.int64(((r >> _U(32)) * _U(N)) >> _U(32))
        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
        _attempt(m, net, sc, i, _threshold(rule, r), beta, b, fam, rule, N, n, K, P, mode, track, v, xi, scale,
                 dself, tab, cache, ftab, fcache, Q, PS, work, spins, S, Sxi, imem, fmem, probe)
    rng[m, 0], rng[m, 1], rng[m, 2], rng[m, 3] = s0, s1, s2, s3


@njit(forceinline=True, **_INNER)
def _attempt(m, net, sc, i, tau, beta, b, fam, rule, N, n, K, P, mode, track, v, xi, scale, dself, tab, cache, ftab,
             fcache, Q, PS, work, spins, S, Sxi, imem, fmem, probe):
    """Second half of an attempt of member m (network net, ``sc = scale[net]``) at site i with
    threshold tau: the exact energy change, the decision, and on acceptance the flip and every
    overlap update. (net and sc come from the caller: loaded once per sweep by a single member,
    since LLVM cannot hoist loads from arrays the loop writes.)

    Table field: with ``D_p = tab[S_p - 1] + tab[S_p + 1]`` and ``C = sum_p (tab[S_p - 1] -
    tab[S_p + 1])`` (``cache[m, :n]`` and ``cache[m, n]``, refreshed after each accepted flip,
    when every S_p changes anyway), ``sum_p x_p tab[S_p - x_p] = (C + s_i sum_p v_ip D_p)/2``
    exactly: a dot product per attempt. Table sums are exact int64; pair sums are int32 when
    that is exact (``mode`` 1: ~15% faster at K = 40 with AVX-512), else int64.
    """
    si = np.int64(spins[m, i])
    if fam == 0:
        if mode == 1:
            # the engine checked that every partial sum fits int32: twice the lanes per vector
            a32 = np.int32(0)
            for p in range(n):
                a32 = np.int32(a32 + np.int32(v[net, i, p]) * S[m, p])
            acc = np.int64(a32)
        else:
            acc = 0
            for p in range(n):
                acc += v[net, i, p] * S[m, p]
        dE = 2.0 * sc * (si * acc - dself[net, i])
    elif fam == 1:
        dE = _table_delta(m, net, i, n, si, v, sc, cache, 0)
    elif fam == 3:
        dE = _table_delta(m, net, i, n, si, v, sc, fcache, 0.0)
    else:
        dE = _general_delta(i, m, net, n, P, mode, v, Q, scale, si, S, PS, work, b)
    if rule == 3:
        probe[m, i] = dE
        return
    if not ((dE < 0.0) if rule == 2 else (beta * dE < tau)):
        return
    spins[m, i] = -si
    d = -2 * si
    for p in range(n):
        S[m, p] += d * v[net, i, p]
    if fam == 1:
        _table_refresh(m, net, n, N, tab, S, cache, 0)
    elif fam == 3:
        _table_refresh(m, net, n, N, ftab, S, fcache, 0.0)
    elif fam == 2:
        _power_sums_flip(m, net, i, n, si, v, PS)
    if track:
        for k in range(K):
            Sxi[m, k] += d * xi[net, i, k]
    fmem[EINC, m] += dE
    imem[ACC, m] += 1


@njit(**_INNER)
def _energy(m, b, fam, N, n, P, mode, imem, scale, ecst, etab, fetab, Q, S, PS, work):
    """Energy of member m."""
    net = imem[NET, m]
    if fam == 0:
        acc = 0
        for p in range(n):
            acc += np.int64(S[m, p]) * np.int64(S[m, p])
        return -0.5 * scale[net] * np.float64(acc - ecst[net])
    if fam == 1:
        acc = 0
        for p in range(n):
            acc += etab[net, S[m, p] + N]
        return -scale[net] * acc
    if fam == 3:
        facc = 0.0
        for p in range(n):
            facc += fetab[net, S[m, p] + N]
        return -scale[net] * facc
    return _general_energy(m, net, n, P, mode, Q, scale, S, PS, work, b)


# ============================================================================ random numbers
@njit(forceinline=True, **_INNER)
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


@njit(forceinline=True, **_INNER)
def _threshold(rule, r):
    """Acceptance threshold from the draw r alone (its top 53 bits as a uniform u in [0, 1)),
    before the energy change is known.

    Glauber accepts with probability 1/(1 + e^x), x = beta dE: ``u (1 + e^x) < 1`` iff
    ``x < ln((1 - u)/u)``. Metropolis accepts with min(1, e^-x): ``u < e^-x`` iff ``x < -ln u``.
    Computing the logarithm from u takes the transcendental off the dependency chain
    field -> dE -> decision (it overlaps with the field computation).
    """
    u = np.float64(r >> _U(11)) * _INV53
    if rule == 0:
        return math.log((1.0 - u) / u) if u > 0.0 else math.inf
    if rule == 1:
        return -math.log(u) if u > 0.0 else math.inf
    return 0.0


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


# ============================================================================ family helpers
@njit(forceinline=True, **_INNER)
def _table_delta(m, net, i, n, si, v, sc, cache, zero):
    """Table-field energy change of flipping spin i (value si) of member m, from its cache
    (int64 tables, ``zero = 0``: exact sums; float64 tables, ``zero = 0.0``)."""
    acc = zero
    for p in range(n):
        acc += cache[m, p] if v[net, i, p] > 0 else -cache[m, p]
    return sc * (cache[m, n] + si * acc)


@njit(**_INNER)
def _table_refresh(m, net, n, N, tab, S, cache, zero):
    """The table-field cache of member m (see :func:`block`; ``zero`` 0 or 0.0, the type of
    the tables)."""
    cs = zero
    for p in range(n):
        k = _U(S[m, p] + N + 1)          # >= 1: unsigned indices need no wraparound test
        a = tab[net, k - _U(1)]
        c = tab[net, k + _U(1)]
        cache[m, p] = a + c
        cs += a - c
    cache[m, n] = cs


@njit(**_INNER)
def _power_sums_flip(m, net, i, n, si, v, PS):
    """Update the odd power sums of order >= 3 of member m for the flip of spin i (old value si)."""
    for p in range(n):
        x = np.int64(v[net, i, p]) * si
        if x != 0:
            xj = x
            for k in range(PS.shape[2]):
                xj *= x * x
                PS[m, p, k] -= 2 * xj


@njit(**_INNER)
def _general_delta(i, m, net, n, P, mode, v, Q, scale, si, S, PS, work, w):
    """Energy change of flipping spin i (value si) of member m, general family (see the module
    notes); ``work[w]`` (2, P + 1) holds power sums and elementary symmetric polynomials."""
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
            # Newton's identities (e_k of the closed forms above for P <= 5)
            work[w, 1, 1] = p1
            xj = x
            for j in range(2, P):
                xj *= x
                work[w, 1, j] = np.float64((PS[m, p, (j - 3) // 2] if j % 2 == 1 else Q[net, p, j // 2]) - xj)
            ek = _esp(work, w, P - 1)
        tot += vip * ek
    return -scale[net] * tot if mode == 2 else 2.0 * scale[net] * si * tot


@njit(**_INNER)
def _general_energy(m, net, n, P, mode, Q, scale, S, PS, work, w):
    """Energy of member m, general family: ``-scale sum_p e_P(v_p o s)`` (or the all-tuple form)."""
    tot = 0.0
    for p in range(n):
        if mode == 2:
            tot += np.float64(S[m, p]) ** P
            continue
        work[w, 1, 1] = np.float64(S[m, p])
        for a in range(2, P + 1):
            work[w, 1, a] = np.float64(PS[m, p, (a - 3) // 2] if a % 2 == 1 else Q[net, p, a // 2])
        tot += _esp(work, w, P)
    return -scale[net] * tot


@njit(**_INNER)
def _esp(work, w, k):
    """e_k from the power sums ``work[w, 1, 1..k]`` by Newton's identities (float64), into
    ``work[w, 0, 0..k]``."""
    work[w, 0, 0] = 1.0
    for a in range(1, k + 1):
        acc = 0.0
        for j in range(1, a + 1):
            if j % 2 == 1:
                acc += work[w, 0, a - j] * work[w, 1, j]
            else:
                acc -= work[w, 0, a - j] * work[w, 1, j]
        work[w, 0, a] = acc / a
    return work[w, 0, k]


# ============================================================================ shared
@njit(**_INNER)
def _block_setup(b, B, U, imem, fmem, betas):
    """Members [m0, m1) of block b (B units of U members); their inverse temperatures."""
    n_mem = imem.shape[1]
    m0 = b * B * U
    m1 = m0 + B * U if m0 + B * U < n_mem else n_mem
    for m in range(m0, m1):
        fmem[BETA, m] = betas[imem[TEMP, m]]
    return m0, m1


@njit(**_INNER)
def _checkpoint(tt, sample, m0, m1, N, n, K, k0, R, T, track, learn, swap_every, sweep0, burn_in, every,
                spins, S, Sxi, imem, fmem, betas, lrng, lstat, snap, esnap, qsnap):
    """After sweep tt of this call: replica exchange (T > 1), then a measurement if one is due.

    ``fmem[EBUF, m]`` holds the energies of the block's members. Exchanges between
    temperatures k, k+1 (k = 0..T-2 in turn) swap the members found at the two slots, accepted
    with ``min(1, exp((beta_k - beta_(k+1)) (E_k - E_(k+1))))`` from the ladder's own stream
    ``lrng``; ``lstat[0]``, ``lstat[1]`` count tries and accepted exchanges. Observables are
    stored by slot (temperature), not by member. Returns the next sample index.
    """
    if T > 1 and (sweep0 + tt) % swap_every == 0:
        for lad in range(m0 // T, m1 // T):
            s0, s1, s2, s3 = lrng[lad, 0], lrng[lad, 1], lrng[lad, 2], lrng[lad, 3]
            for k in range(T - 1):
                a = imem[AT, lad * T + k]
                c = imem[AT, lad * T + k + 1]
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                x = (betas[k] - betas[k + 1]) * (fmem[EBUF, a] - fmem[EBUF, c])
                lstat[0, lad, k] += 1
                if x >= 0.0 or np.float64(r >> _U(11)) * _INV53 < math.exp(x):
                    imem[AT, lad * T + k] = c
                    imem[AT, lad * T + k + 1] = a
                    imem[TEMP, c] = k
                    imem[TEMP, a] = k + 1
                    fmem[BETA, c] = betas[k]
                    fmem[BETA, a] = betas[k + 1]
                    lstat[1, lad, k] += 1
            lrng[lad, 0], lrng[lad, 1], lrng[lad, 2], lrng[lad, 3] = s0, s1, s2, s3
    if not (tt > burn_in and (tt - burn_in) % every == 0):
        return sample
    for slot in range(m0, m1):
        m = imem[AT, slot]
        esnap[slot, sample] = fmem[EBUF, m]
        for k in range(k0):
            snap[slot, sample, k] = Sxi[m, k] if track else S[m, k]
        col = k0
        if k0 < K:
            big = 0
            for k in range(k0, K):
                x = abs(Sxi[m, k] if track else S[m, k])
                big = x if x > big else big
            snap[slot, sample, col] = big
            col += 1
        if learn:
            # class sums of the stored patterns: class c holds patterns c*Mc .. (c+1)*Mc - 1
            Mc = n // K
            big = 0
            for c in range(K):
                acc = 0
                for p in range(c * Mc, (c + 1) * Mc):
                    acc += S[m, p]
                if c < k0:
                    snap[slot, sample, col + c] = acc
                elif abs(acc) > big:
                    big = abs(acc)
            if k0 < K:
                snap[slot, sample, col + k0] = big
    U = R * T
    n_pairs = R * (R - 1) // 2
    for u in range(m0 // U, m1 // U):
        pair = 0
        for r1 in range(R):
            for r2 in range(r1 + 1, R):
                for t in range(T):
                    a = imem[AT, (u * R + r1) * T + t]
                    c = imem[AT, (u * R + r2) * T + t]
                    acc = 0
                    for i in range(N):
                        acc += spins[a, i] * spins[c, i]
                    qsnap[(u * n_pairs + pair) * T + t, sample] = acc
                pair += 1
    return sample + 1
