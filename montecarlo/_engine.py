"""Python side of the samplers: networks -> kernel arrays, seeding, state, dispatch.

Nothing here loops over sites or attempts: it prepares the kernel arrays of the networks,
seeds the streams, allocates every array the kernels write (they allocate nothing) and calls
the kernel of the network's family once per block of chains (:func:`execute`).
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hebbian import Network, _checks

from . import _jit, _native

RULES = {"glauber": 0, "metropolis": 1}
ORDERS = {"random": 0, "sequential": 1}
FIELDS = ("exact", "plefka")
FAMILY_NAMES = ("pair", "table", "general")

def _l2_bytes(default=256 * 1024, root="/sys/devices/system/cpu/cpu0/cache"):
    """Size of this machine's per-core L2 cache (Linux sysfs), else ``default``."""
    import glob
    for d in sorted(glob.glob(f"{root}/index*")):
        try:
            with open(f"{d}/level") as f:
                level = f.read().strip()
            with open(f"{d}/type") as f:
                kind = f.read().strip()
            with open(f"{d}/size") as f:
                size = f.read().strip().upper()
        except OSError:
            continue
        if level == "2" and kind in ("Unified", "Data") and size[:-1].isdigit() and size[-1] in "KM":
            return int(size[:-1]) * (1024 if size[-1] == "K" else 1024 ** 2)
    return default


# per-core cache size below which chains are not interleaved (see prepare_call)
L2_BYTES = _l2_bytes()

# overlaps recorded per sample by default (then the largest |m| over the others)
OVERLAPS_DEFAULT = 64


def default_overlaps(K):
    """Overlaps recorded per sample when ``overlaps`` is not given: ``min(K, 64)``."""
    return min(K, OVERLAPS_DEFAULT)


# stream keys: SeedSequence(seed, spawn_key=base + key)
_KEY_CHAIN, _KEY_INIT, _KEY_SWAP = 0, 1, 2


# ============================================================================ the model
@dataclass
class Model:
    """Kernel arrays of one or more networks of identical shape (private)."""

    nets: list
    fam: int
    mode: int
    P: int
    N: int
    n: int
    K: int
    v: np.ndarray
    dself: np.ndarray
    tab: np.ndarray
    tscale: np.ndarray
    etab: np.ndarray
    escale: np.ndarray
    ecst: np.ndarray
    Q: np.ndarray
    scale: np.ndarray
    xi: np.ndarray
    track: bool
    cls: np.ndarray
    nfac: np.ndarray
    learn: bool

    @property
    def family(self):
        return FAMILY_NAMES[self.fam]


def as_networks(net):
    """Return (list of networks, single) after checking they can share one kernel call."""
    single = isinstance(net, Network)
    nets = [net] if single else list(net) if isinstance(net, (list, tuple)) else None
    if not nets or not all(isinstance(x, Network) for x in nets):
        raise ValueError(f"net must be a hebbian.Network or a non-empty list of them, got {type(net).__name__}")
    ref = nets[0]
    for k, x in enumerate(nets[1:], 1):
        for attr in ("P", "N", "K", "n_stored", "rule", "tuples", "M"):
            if getattr(x, attr) != getattr(ref, attr):
                raise ValueError(f"net[{k}] has {attr} = {getattr(x, attr)!r} but net[0] has "
                                 f"{getattr(ref, attr)!r}: networks simulated together must have the same shape")
        if x.stored_site_major.dtype != ref.stored_site_major.dtype:
            raise ValueError(f"net[{k}] stores patterns as {x.stored_site_major.dtype}, net[0] as "
                             f"{ref.stored_site_major.dtype}")
    return nets, single


def prepare(nets, field_="exact"):
    """Kernel arrays for networks of identical shape (see :mod:`montecarlo._kernels`)."""
    _checks.choice("field", field_, FIELDS)
    ref = nets[0]
    P, N, K, n = ref.P, ref.N, ref.K, ref.n_stored
    allt = ref.tuples == "all"
    if field_ == "plefka" and allt:
        raise ValueError("field='plefka' approximates the distinct-tuple field; with tuples='all' the "
                         "exact field already depends on the overlaps only: use field='exact'")
    v = np.ascontiguousarray(np.stack([x.stored_site_major for x in nets]))      # (nets, N, n)
    vmax = int(np.abs(v).max())
    binary = bool(np.all(np.abs(v) == 1))
    scale = np.array([x.scale for x in nets], dtype=np.float64)
    n_nets = len(nets)
    dummy = np.zeros((n_nets, 1), dtype=np.int64)
    dself, tab, etab, tscale, escale = dummy, dummy, dummy, scale, scale
    ecst = np.zeros(n_nets, dtype=np.int64)
    Q = np.zeros((n_nets, 1, 1), dtype=np.int64)
    mode = 0
    if P == 2:
        fam = 0
        mode = 1 if pair_field_bound(v) < 2 ** 31 else 0               # int32 field sums are exact
        v2 = v.astype(np.int64) ** 2
        dself = v2.sum(axis=2)                                          # (nets, N)
        if not allt:
            ecst = v2.sum(axis=(1, 2))
    elif P >= 3 and binary and field_ == "exact":
        fam = 1
        tab, tscale, etab, escale = _tables(N, P, allt, n, scale)
    else:
        fam = 2
        mode = 1 if field_ == "plefka" else (2 if allt else 0)
        if N * vmax ** P >= 2 ** 62:                                   # every power sum fits int64
            raise ValueError(f"the power sums of this network (N = {N}, max |pattern entry| = {vmax}, "
                             f"P = {P}) overflow int64: no exact sampler for it")
        vv = v.astype(np.int64)
        Q = np.zeros((n_nets, n, P // 2 + 1), dtype=np.int64)
        for j in range(2, P + 1, 2):
            Q[:, :, j // 2] = (vv ** j).sum(axis=1)
        if allt:
            scale = scale / math.factorial(P)
    learn = ref.rule in ("supervised", "unsupervised")
    track = learn or K != n
    if track:
        xi = np.ascontiguousarray(np.stack([x.xi.T for x in nets]))     # (nets, N, K)
    else:
        xi = np.zeros((n_nets, 1, 1), dtype=np.int8)
    if learn:
        cls = np.arange(n, dtype=np.int64) // (ref.M if ref.rule == "unsupervised" else 1)
        # n_mu = (1/(M r (1+rho) N)) sum_i etabar_i s_i with etabar the class sum (hebbian.Network)
        nfac = np.array([1.0 / (x.M * x.r * (1.0 + x.rho) * x.N) for x in nets])
    else:
        cls = np.zeros(1, dtype=np.int64)
        nfac = np.zeros(n_nets)
    return Model(nets=nets, fam=fam, mode=mode, P=P, N=N, n=n, K=K, v=v, dself=dself, tab=tab, tscale=tscale,
                 etab=etab, escale=escale, ecst=ecst, Q=Q, scale=scale, xi=xi, track=track, cls=cls, nfac=nfac,
                 learn=learn)


@lru_cache(maxsize=32)
def _esp_pm1_column(n, k):
    """Exact e_k of n entries +-1, for each number a = 0..n of +1 entries (Python ints).

    Coefficient of t^k in (1 + t)^a (1 - t)^(n - a); going from a to a + 1 multiplies the
    generating polynomial by (1 + t)/(1 - t) = 1 + 2t + 2t^2 + ...
    """
    poly = [math.comb(n, j) * (-1) ** j for j in range(k + 1)]       # (1 - t)^n truncated
    out = [poly[k]]
    for _ in range(n):
        new = poly[:]
        for d in range(1, k + 1):
            new[d] = poly[d] + 2 * sum(poly[:d])
        poly = new
        out.append(poly[k])
    return out


@lru_cache(maxsize=32)
def _integer_tables(N, P, allt):
    """Exact integer tables (Python ints) of the field and the energy of +-1 patterns.

    Distinct tuples: ``tab[T + N + 1] = e_(P-1)`` of N - 1 entries with sum T (two zeros of
    padding at each end: the kernels read ``T = S_p +- 1`` for every |S_p| <= N) and
    ``etab[S + N] = e_P`` of N entries with sum S. All tuples: ``((T+1)^P - (T-1)^P)/2`` and
    ``S^P`` (to be multiplied by scale / P!). Entries of the wrong parity are never used (0).
    """
    n = N - 1
    tab, etab = [0] * (2 * N + 3), [0] * (2 * N + 1)
    if allt:
        for T in range(-n, n + 1):
            tab[T + N + 1] = ((T + 1) ** P - (T - 1) ** P) // 2
        for S in range(-N, N + 1):
            etab[S + N] = S ** P
        return tab, etab
    for a, val in enumerate(_esp_pm1_column(n, P - 1)):
        tab[2 * a + 2] = val                              # T = 2a - n, index T + N + 1
    for a, val in enumerate(_esp_pm1_column(N, P)):
        etab[2 * a] = val                                 # S = 2a - N, index S + N
    return tab, etab


def _tables(N, P, allt, n, scale):
    """Field and energy tables: int64 with the scale outside when every sum of the kernel fits
    (``4 n max|entry| < 2^62``, the usual case: exact), else float64 with the scale folded in
    (kernel family 3). Returns tab, tscale, etab, escale."""
    tab, etab = _integer_tables(N, P, allt)
    factor = 1.0 / math.factorial(P) if allt else 1.0
    s = scale * factor
    if 4 * n * max(max(map(abs, tab)), max(map(abs, etab))) < 2 ** 62:
        t = np.array(tab, dtype=np.int64)
        e = np.array(etab, dtype=np.int64)
        # writable copies: one array type for every family (one compilation by Numba's dispatcher)
        return np.broadcast_to(t, (len(scale), t.size)).copy(), s, np.broadcast_to(e, (len(scale), e.size)).copy(), s
    t = np.array([float(x) for x in tab])
    e = np.array([float(x) for x in etab])
    return (np.ascontiguousarray(np.outer(s, t)), np.ones_like(s), np.ascontiguousarray(np.outer(s, e)),
            np.ones_like(s))


# ============================================================================ state and seeds
@dataclass
class State:
    """Everything needed to continue a run bit-identically.

    Attributes
    ----------
    spins : ndarray of int8, shape (n_nets, chains, replicas, temperatures, N)
        Final spins, indexed by member (the chain that started at that temperature slot).
    rng : ndarray of uint64, shape (n_nets, chains, replicas, temperatures, 4)
        xoshiro256+ state of each member's stream.
    temp_of : ndarray of int64, same leading shape
        Temperature slot of each member (parallel tempering; 0 otherwise).
    swap_rng : ndarray of uint64, shape (n_nets, chains, replicas, 4)
        Streams of the replica-exchange moves.
    energy_incremental : ndarray of float64, leading shape
        Energy (total, not per spin) accumulated from the energy changes of accepted flips,
        starting from the exact initial energy: a consistency check of the kernels.
    sweeps : int
        Sweeps done since the chains were seeded.
    """

    spins: np.ndarray
    rng: np.ndarray
    temp_of: np.ndarray
    swap_rng: np.ndarray
    energy_incremental: np.ndarray
    sweeps: int = 0

    @property
    def layout(self):
        """(n_nets, chains, replicas, temperatures, N)."""
        return self.spins.shape

    def copy(self):
        return State(self.spins.copy(), self.rng.copy(), self.temp_of.copy(), self.swap_rng.copy(),
                     self.energy_incremental.copy(), self.sweeps)


def seed_sequence(seed):
    """A SeedSequence from an int >= 0 or a SeedSequence (refuses None: randomness is explicit)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) and int(seed) >= 0:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}")


def _child(ss, key):
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(k) for k in key),
                                  pool_size=ss.pool_size)


def _xoshiro_state(ss):
    st = ss.generate_state(4, np.uint64)
    if not st.any():                       # the all-zero state is the one forbidden state
        st[0] = 1
    return st


def pair_field_bound(v):
    """A bound on every partial sum of the pair field ``sum_p v_ip S_p`` (any site i, any spins),
    ``v`` (nets, N, n): ``max_i sum_p |v_ip| * max_p sum_i |v_ip|``, since ``|S_p| <= sum_i |v_ip|``."""
    av = np.abs(v.astype(np.int64))
    return int((av.sum(axis=2).max(axis=1) * av.sum(axis=1).max(axis=1)).max())


def fresh_state(layout, seed, model, init):
    """Seeded streams and initial spins for a layout (n_nets, C, R, T, N).

    ``init`` is None (random spins from each member's own init stream), "pattern" (archetype 0
    of each network, blank entries of diluted archetypes drawn from the init stream) or an int8
    array broadcastable to the layout.
    """
    n_nets, C, R, T, N = layout
    ss = seed_sequence(seed)
    rng = np.empty((n_nets, C, R, T, 4), dtype=np.uint64)
    swap_rng = np.empty((n_nets, C, R, 4), dtype=np.uint64)
    spins = np.empty((n_nets, C, R, T, N), dtype=np.int8)
    for a in range(n_nets):
        for c in range(C):
            for r in range(R):
                swap_rng[a, c, r] = _xoshiro_state(_child(ss, (_KEY_SWAP, a, c, r)))
                for t in range(T):
                    rng[a, c, r, t] = _xoshiro_state(_child(ss, (_KEY_CHAIN, a, c, r, t)))
                    if init is None:
                        g = np.random.default_rng(_child(ss, (_KEY_INIT, a, c, r, t)))
                        spins[a, c, r, t] = 2 * g.integers(0, 2, size=N, dtype=np.int8) - 1
    if isinstance(init, str):
        # archetype 0 of each network; its blank entries (diluted patterns) from the init streams
        for a, net in enumerate(model.nets):
            blank = net.xi[0] == 0
            for c in range(C):
                for r in range(R):
                    for t in range(T):
                        x = net.xi[0].copy()
                        if blank.any():
                            g = np.random.default_rng(_child(ss, (_KEY_INIT, a, c, r, t)))
                            x[blank] = 2 * g.integers(0, 2, size=int(blank.sum()), dtype=np.int8) - 1
                        spins[a, c, r, t] = x
    elif init is not None:
        spins[...] = init
    temp_of = np.broadcast_to(np.arange(T, dtype=np.int64), (n_nets, C, R, T)).copy()
    return State(spins=spins, rng=rng, temp_of=temp_of, swap_rng=swap_rng,
                 energy_incremental=np.full((n_nets, C, R, T), np.nan), sweeps=0)


# ============================================================================ execution
@dataclass
class Output:
    m: np.ndarray            # (n_nets, C, R, T, samples, k0), indexed by temperature slot
    m_rest: np.ndarray | None  # (n_nets, C, R, T, samples): max |m_mu| over mu >= k0 (None if k0 = K)
    n_rest: np.ndarray | None
    energy: np.ndarray       # (n_nets, C, R, T, samples)
    q: np.ndarray            # (n_nets, C, n_pairs, T, samples)
    n: np.ndarray | None     # like m, learning networks only
    accepted: np.ndarray     # (n_nets, C, R, T) accepted flips per member in this call
    swap_tries: np.ndarray   # (n_nets, C, R, T - 1)
    swap_accepts: np.ndarray


def initial_overlaps(model, spins):
    """Overlaps of member spins (n_nets, per_net, N): S (int32), higher odd power sums PS (int64,
    general family) and archetype overlaps Sxi (int32, when tracked)."""
    n_nets, Mper, N = spins.shape
    sp = spins.astype(np.int64)
    v = model.v.astype(np.int64)
    S = np.einsum("ami,ain->amn", sp, v)                                 # (nets, per_net, n)
    if np.abs(S).max(initial=0) >= 2 ** 31:
        raise ValueError("overlaps exceed int32: network too large for the kernels")
    S32 = S.astype(np.int32).reshape(n_nets * Mper, model.n)
    if model.fam == 2:
        odd = list(range(3, model.P + 1, 2))
        PS = np.empty(S.shape + (len(odd),), dtype=np.int64)
        for k, j in enumerate(odd):
            PS[..., k] = np.einsum("ami,ain->amn", sp, v ** j)
        PS = PS.reshape(n_nets * Mper, model.n, len(odd))
    else:
        PS = None
    if model.track:
        Sxi = np.einsum("ami,aik->amk", sp, model.xi.astype(np.int64)).astype(np.int32)
        Sxi = Sxi.reshape(n_nets * Mper, model.K)
    else:
        Sxi = np.zeros((1, 1), dtype=np.int32)
    return S32, PS, Sxi


def exact_energies(model, spins):
    """Exact energies (totals) of member spins (n_nets, per_net, N) by hebbian.Network.energy."""
    out = np.empty(spins.shape[:2])
    for a, net in enumerate(model.nets):
        out[a] = net.energy(spins[a])
    return out


_POOL = None


def _pool(threads):
    global _POOL
    if _POOL is None or _POOL._max_workers < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="montecarlo")
    return _POOL


@dataclass
class Call:
    """One kernel call per block: the kernel, its arguments after (block index, block size),
    the arrays it writes."""

    kernel: object
    args: tuple
    block: int
    n_blocks: int
    arrays: dict


def prepare_call(model, state, *, betas, rule, order, sweeps, burn_in, every, swap_every=1, block=None,
                 threads=1, probe=None, overlaps=None):
    """Kernel arrays for advancing ``state`` by ``sweeps`` sweeps (no work done yet)."""
    n_nets, C, R, T, N = state.spins.shape
    K, n = model.K, model.n
    n_units = n_nets * C
    Mper = C * R * T
    spins = np.ascontiguousarray(state.spins.reshape(n_nets, Mper, N))
    S, PS, Sxi = initial_overlaps(model, spins)
    if np.isnan(state.energy_incremental).any():
        state.energy_incremental = exact_energies(model, spins).reshape(n_nets, C, R, T)
    spins = spins.reshape(n_nets * Mper, N)
    n_mem = n_units * R * T                       # members = temperature slots
    # member m = ((a*C + c)*R + r)*T + t0 (t0 the slot it started at); slot (u*R + r)*T + t
    imem = np.zeros((5, n_mem), dtype=np.int64)
    temp_of = state.temp_of.reshape(-1)
    imem[_native.TEMP] = temp_of
    base = np.arange(n_mem, dtype=np.int64).reshape(n_units * R, T)
    mem_at = np.empty_like(base)
    np.put_along_axis(mem_at, temp_of.reshape(n_units * R, T), base, axis=1)
    imem[_native.AT] = mem_at.reshape(-1)
    imem[_native.NET] = np.repeat(np.arange(n_nets, dtype=np.int64), Mper)
    fmem = np.zeros((4, n_mem))
    fmem[_native.EINC] = state.energy_incremental.reshape(-1)
    rng = np.ascontiguousarray(state.rng.reshape(-1, 4))
    lrng = np.ascontiguousarray(state.swap_rng.reshape(n_units * R, 4))
    lstat = np.zeros((2, n_units * R, max(T - 1, 1)), dtype=np.int64)
    n_samples = max(0, (sweeps - burn_in) // every)
    n_pairs = R * (R - 1) // 2
    k0 = default_overlaps(K) if overlaps is None else int(overlaps)
    width = k0 + (k0 < K)
    snap = np.zeros((n_mem, n_samples, width * (2 if model.learn else 1)), dtype=np.int32)
    esnap = np.zeros((n_mem, n_samples))
    qsnap = np.zeros((n_units * n_pairs * T, n_samples), dtype=np.int32)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    if block is None:
        # interleaving chains in one thread pays when an attempt waits for memory (patterns
        # beyond L2); otherwise one unit per block keeps the loop short
        big = model.v[0].nbytes > L2_BYTES
        block = min(8, max(1, n_units // threads)) if big else 1
    n_blocks = -(-n_units // block)
    i2, i3, f2 = np.zeros((1, 1), np.int64), np.zeros((1, 1, 1), np.int64), np.zeros((1, 1))
    fam = model.fam
    tabs = (model.tab, model.etab, i2, f2, f2, f2)          # tab etab cache ftab fetab fcache
    if fam == 1 and model.tab.dtype == np.int64:
        tabs = (model.tab, model.etab, np.zeros((n_mem, n + 1), dtype=np.int64), f2, f2, f2)
    elif fam == 1:
        fam = 3                                             # float tables (see _tables)
        tabs = (i2, i2, i2, model.tab, model.etab, np.zeros((n_mem, n + 1)))
    work = np.zeros((n_blocks, 2, model.P + 1))
    if probe is None:
        probe = np.zeros((1, 1))
    args = (fam, int(rule), int(order), N, n, K, k0, R, T, int(model.track), int(model.learn), int(swap_every),
            int(sweeps), int(state.sweeps), int(burn_in), int(every), model.P, model.mode,
            model.v, model.xi, model.tscale if model.fam == 1 else model.scale, model.dself, model.ecst,
            *tabs, model.Q, PS if PS is not None else i3, work,
            spins, S, Sxi, rng, imem, fmem, betas, lrng, lstat, snap, esnap, qsnap, probe)
    arrays = dict(spins=spins, rng=rng, lrng=lrng, imem=imem, fmem=fmem, snap=snap, esnap=esnap, qsnap=qsnap,
                  lstat=lstat, n_samples=n_samples, n_pairs=n_pairs, k0=k0, width=width)
    return Call(kernel=_native.kernel("block"), args=args, block=block, n_blocks=n_blocks, arrays=arrays)


def execute(model, state, *, betas, rule, order, sweeps, burn_in, every, swap_every=1, block=None,
            overlaps=None):
    """Advance ``state`` in place by ``sweeps`` sweeps; return the measurements.

    Blocks of units run on up to ``_jit.num_threads()`` Python threads (the kernel releases the
    GIL); each member owns its stream, so the result does not depend on the threads.
    """
    n_nets, C, R, T, N = state.spins.shape
    threads = _jit.num_threads() if _jit.PARALLEL else 1
    call = prepare_call(model, state, betas=betas, rule=rule, order=order, sweeps=sweeps, burn_in=burn_in,
                        every=every, swap_every=swap_every, block=block, threads=threads, overlaps=overlaps)
    run_blocks(call, threads)
    a = call.arrays
    state.spins = a["spins"].reshape(n_nets, C, R, T, N)
    state.rng = a["rng"].reshape(n_nets, C, R, T, 4)
    state.swap_rng = a["lrng"].reshape(n_nets, C, R, 4)
    state.temp_of = a["imem"][_native.TEMP].copy().reshape(n_nets, C, R, T)
    state.energy_incremental = a["fmem"][_native.EINC].copy().reshape(n_nets, C, R, T)
    state.sweeps += int(sweeps)
    shp = (n_nets, C, R, T, a["n_samples"])
    K, k0, width = model.K, a["k0"], a["width"]
    inv_n = 1.0 / N
    snap = a["snap"]
    m_rest = n_out = n_rest = None
    if k0 < K:
        m_rest = (snap[..., k0] * inv_n).reshape(shp)
    if model.learn:
        # n_mu = nfac (sum of S_p over the stored patterns p of class mu): exact integer class
        # sums from the kernel, one rounding
        nfac = np.repeat(model.nfac, C * R * T)[:, None, None]
        n_out = (snap[..., width:width + k0] * nfac).reshape(shp + (k0,))
        if k0 < K:
            n_rest = (snap[..., width + k0] * nfac[..., 0]).reshape(shp)
    return Output(
        m=(snap[..., :k0] * inv_n).reshape(shp + (k0,)),
        m_rest=m_rest,
        n_rest=n_rest,
        energy=(a["esnap"] * inv_n).reshape(shp),
        q=(a["qsnap"] * inv_n).reshape(n_nets, C, a["n_pairs"], T, a["n_samples"]),
        n=n_out,
        accepted=a["imem"][_native.ACC].reshape(n_nets, C, R, T),
        swap_tries=a["lstat"][0].reshape(n_nets, C, R, -1)[..., : T - 1],
        swap_accepts=a["lstat"][1].reshape(n_nets, C, R, -1)[..., : T - 1],
    )


def run_blocks(call, threads):
    """Call the kernel once per block, on up to ``threads`` Python threads."""
    if call.n_blocks == 1 or threads == 1:
        for b in range(call.n_blocks):
            call.kernel(b, call.block, *call.args)
    else:
        futures = [_pool(threads).submit(call.kernel, b, call.block, *call.args) for b in range(call.n_blocks)]
        for f in futures:
            f.result()


def delta_energies(model, spins):
    """The kernel's energy changes ``dE[b, i]`` of flipping spin i of configuration b.

    spins : int8 (B, N) configurations of ``model.nets[0]``. Runs the sampling kernel itself
    (rule 3, "probe": one sequential sweep that records every dE and accepts nothing), so the
    very code of the samplers is evaluated (exact or Plefka field); for tests and diagnostics.
    """
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    B, N = spins.shape
    one = Model(**{**model.__dict__, "nets": model.nets[:1]})
    for name in ("v", "dself", "tab", "etab", "Q", "xi", "scale", "tscale", "ecst", "nfac"):
        setattr(one, name, np.ascontiguousarray(getattr(model, name)[:1]))
    state = State(spins=spins.reshape(1, B, 1, 1, N).copy(), rng=np.ones((1, B, 1, 1, 4), dtype=np.uint64),
                  temp_of=np.zeros((1, B, 1, 1), dtype=np.int64), swap_rng=np.ones((1, B, 1, 4), dtype=np.uint64),
                  energy_incremental=np.zeros((1, B, 1, 1)))
    out = np.zeros((B, N))
    call = prepare_call(one, state, betas=[1.0], rule=3, order=1, sweeps=1, burn_in=1, every=1, block=B, probe=out)
    run_blocks(call, 1)
    return out
