"""Python side of the samplers: networks -> family arrays, seeding, state, dispatch.

Nothing here loops over sites or attempts: :func:`prepare` turns networks into the arrays of
their energy family (:mod:`montecarlo._pairwise`, :mod:`montecarlo._table`,
:mod:`montecarlo._general`), :func:`fresh_state` seeds the streams, and :func:`execute`
allocates every array the kernels write and runs the family's sweep loop
(:data:`montecarlo._loop.RUN`) once per unit (one chain of one network: its replicas and
temperatures), the units on up to :func:`montecarlo._jit.num_threads` Python threads (the
kernels release the GIL). Every member owns its stream: the results do not depend on the
threads or on the order of the units.
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hebbian import Network, _checks

from . import _general, _jit, _loop, _pairwise, _table
from ._measure import Config, Members, Out, Temperatures

RULES = {"glauber": 0, "metropolis": 1}
ORDERS = {"random": 0, "sequential": 1}
FIELDS = ("exact", "plefka")
FAMILIES = {"pair": _pairwise, "table": _table, "general": _general}

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
    """Family arrays of one or more networks of identical shape (private).

    ``family`` is "pair", "table" or "general"; ``fam_nets[a]`` the family's network tuple of
    network a (``PairNet``, ``TableNet``, ``GeneralNet``); ``s_dtype`` the dtype of the
    overlaps (int16 when every ``sum_i |v_ip| <= 32767``, else int32); ``d_bound`` a bound on
    the pairwise ``|D|`` (acceptance tables); ``exact_energy``: the family's energy is bit for
    bit ``hebbian.Network.energy`` (pairwise; +-1 tables in int64 with distinct tuples), so a
    fresh chain's incremental energy starts from it (computed in the kernel).
    """

    nets: list
    family: str
    fam_nets: list
    P: int
    N: int
    n: int
    K: int
    v: np.ndarray
    xi: np.ndarray
    tab: np.ndarray
    track: bool
    learn: bool
    nfac: np.ndarray
    s_dtype: type
    d_bound: int
    exact_energy: bool

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



def pair_field_bound(v, av=None):
    """A bound on every partial sum of the pair field ``sum_p v_ip S_p`` (any site i, any spins),
    ``v`` (nets, N, n): ``max_i sum_p |v_ip| * max_p sum_i |v_ip|``, since ``|S_p| <= sum_i |v_ip|``
    (``av``: ``|v|`` if already at hand)."""
    av = np.abs(v.astype(np.int64)) if av is None else av
    rows = av.sum(axis=2, dtype=np.int64).max(axis=1)
    cols = av.sum(axis=1, dtype=np.int64).max(axis=1)
    return int((rows * cols).max())


def prepare(nets, field_="exact"):
    """Family arrays for networks of identical shape (see the family modules)."""
    _checks.choice("field", field_, FIELDS)
    ref = nets[0]
    P, N, K, n = ref.P, ref.N, ref.K, ref.n_stored
    allt = ref.tuples == "all"
    if field_ == "plefka" and allt:
        raise ValueError("field='plefka' approximates the distinct-tuple field; with tuples='all' the "
                         "exact field already depends on the overlaps only: use field='exact'")
    v = np.ascontiguousarray(np.stack([x.stored_site_major for x in nets]))      # (nets, N, n)
    av = np.abs(v) if v.dtype == np.int8 and int(v.min()) > -128 else np.abs(v.astype(np.int32))
    vmax = int(av.max())
    binary = vmax == 1 and int(av.min()) == 1
    scale = np.array([x.scale for x in nets], dtype=np.float64)
    colsum = N if binary else int(av.sum(axis=1, dtype=np.int64).max())        # max_p sum_i |v_ip|
    if colsum >= 2 ** 31:
        raise ValueError("overlaps exceed int32: network too large for the kernels")
    s_dtype = np.int16 if colsum <= 32767 and N <= 32767 else np.int32
    tab = np.zeros((len(nets), 1), dtype=np.int64)
    d_bound = 0
    if P == 2:
        family = "pair"
        bound = n * N if binary else pair_field_bound(v, av)
        wide = int(bound >= 2 ** 31)                                    # int32 field sums are exact
        if binary:
            dself = np.full((len(nets), N), n, dtype=np.int64)
        else:
            dself = (av.astype(np.int64) ** 2).sum(axis=2)             # (nets, N)
        ecst = dself.sum(axis=1) if not allt else np.zeros(len(nets), dtype=np.int64)
        d_bound = bound + int(dself.max())
        fam_nets = [_pairwise.PairNet(v[a], dself[a], float(scale[a]), 2.0 * float(scale[a]), int(ecst[a]), wide)
                    for a in range(len(nets))]
    elif P >= 3 and binary and field_ == "exact":
        family = "table"
        tab, tscale, etab, _ = _tables(N, P, allt, n, scale)
        fam_nets = [_table.TableNet(v[a], tab[a], etab[a], float(tscale[a])) for a in range(len(nets))]
    else:
        family = "general"
        kind = _general.PLEFKA if field_ == "plefka" else (_general.ALL_TUPLES if allt else _general.EXACT)
        if N * vmax ** P >= 2 ** 62:                                   # every power sum fits int64
            raise ValueError(f"the power sums of this network (N = {N}, max |pattern entry| = {vmax}, "
                             f"P = {P}) overflow int64: no exact sampler for it")
        vv = v.astype(np.int64)
        Q = np.zeros((len(nets), n, P // 2 + 1), dtype=np.int64)
        for j in range(2, P + 1, 2):
            Q[:, :, j // 2] = (vv ** j).sum(axis=1)
        if allt:
            scale = scale / math.factorial(P)
        fam_nets = [_general.GeneralNet(v[a], Q[a], float(scale[a]), P, kind) for a in range(len(nets))]
    learn = ref.rule in ("supervised", "unsupervised")
    track = learn or K != n
    if track:
        xi = np.ascontiguousarray(np.stack([x.xi.T for x in nets]).astype(np.int8))     # (nets, N, K)
    else:
        xi = np.zeros((len(nets), 1, 1), dtype=np.int8)
    if learn:
        # n_mu = (1/(M r (1+rho) N)) sum_i etabar_i s_i with etabar the class sum (hebbian.Network)
        nfac = np.array([1.0 / (x.M * x.r * (1.0 + x.rho) * x.N) for x in nets])
    else:
        nfac = np.zeros(len(nets))
    return Model(nets=nets, family=family, fam_nets=fam_nets, P=P, N=N, n=n, K=K, v=v, xi=xi, tab=tab,
                 track=track, learn=learn, nfac=nfac, s_dtype=s_dtype, d_bound=d_bound,
                 exact_energy=family == "pair" or (family == "table" and tab.dtype == np.int64 and not allt))


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


def exact_energies(model, spins):
    """Exact energies (totals) of member spins (n_nets, per_net, N) by hebbian.Network.energy."""
    out = np.empty(spins.shape[:2])
    for a, net in enumerate(model.nets):
        out[a] = net.energy(spins[a])
    return out


_POOL = None


# ============================================================================ execution
@dataclass
class Output:
    m: np.ndarray              # (n_nets, C, R, T, samples, k0), indexed by temperature slot
    m_rest: np.ndarray | None  # (n_nets, C, R, T, samples): max |m_mu| over mu >= k0 (None if k0 = K)
    n: np.ndarray | None       # like m, learning networks only
    n_rest: np.ndarray | None
    energy: np.ndarray         # (n_nets, C, R, T, samples)
    q: np.ndarray              # (n_nets, C, n_pairs, T, samples)
    accepted: np.ndarray       # (n_nets, C, R, T) accepted flips per member in this call
    swap_tries: np.ndarray     # (n_nets, C, R, T - 1)
    swap_accepts: np.ndarray


def family_state(model, spins, units):
    """The family's state tuple of members ``spins`` (members, N): overlaps and caches are
    zeros here, computed from the spins by the family's ``prepare`` in the kernel (per-unit
    work space for ``units``)."""
    S = np.zeros((spins.shape[0], model.n), dtype=model.s_dtype)
    if model.family == "pair":
        return _pairwise.PairState(spins, S)
    if model.family == "table":
        return _table.TableState(spins, S, np.zeros((spins.shape[0], model.n + 1), dtype=model.tab.dtype))
    PS = np.zeros((spins.shape[0], model.n, (model.P - 1) // 2), dtype=np.int64)
    return _general.GeneralState(spins, S, PS, np.zeros((units, 2, model.P + 1)))


def _unit_state(model, st, sl, u):
    """The family state of unit u (members ``sl``)."""
    if model.family == "general":
        return _general.GeneralState(st.spins[sl], st.S[sl], st.PS[sl], st.work[u])
    return type(st)(*(x[sl] for x in st))


_POOL = None


def _pool(threads):
    global _POOL
    if _POOL is None or _POOL._max_workers < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="montecarlo")
    return _POOL


def execute(model, state, *, betas, rule, order, sweeps, burn_in, every, swap_every=1, overlaps=None):
    """Advance ``state`` in place by ``sweeps`` sweeps; return the measurements."""
    n_nets, C, R, T, N = state.spins.shape
    K = model.K
    U = R * T
    n_units = n_nets * C
    n_mem = n_units * U
    spins = np.ascontiguousarray(state.spins.reshape(n_mem, N)).copy()
    einc = np.ascontiguousarray(state.energy_incremental.reshape(n_mem)).copy()
    if np.isnan(einc).any() and not model.exact_energy:
        # a fresh state: the kernels start from their own energy where it is hebbian's exact
        # one (NaN left), else from hebbian.Network.energy
        einc = exact_energies(model, spins.reshape(n_nets, C * U, N)).reshape(n_mem)
    st = family_state(model, spins, n_units)
    Sxi = np.zeros((n_mem, K) if model.track else (1, 1), dtype=model.s_dtype)
    slot = np.ascontiguousarray(state.temp_of.reshape(n_mem)).copy()
    at = np.empty(n_mem, dtype=np.int64)
    local = np.arange(n_mem, dtype=np.int64) % U                       # member m = r T + t0 of its unit
    ladder = np.arange(n_mem, dtype=np.int64) // T                     # its ladder (u R + r)
    at[ladder * T + slot] = local
    n_samples = max(0, (sweeps - burn_in) // every)
    n_pairs = R * (R - 1) // 2
    k0 = default_overlaps(K) if overlaps is None else int(overlaps)
    width = k0 + (k0 < K)
    out_all = Out(snap=np.zeros((n_mem, n_samples, width * (2 if model.learn else 1)), dtype=np.int32),
                  esnap=np.zeros((n_mem, n_samples)),
                  qsnap=np.zeros((n_units * n_pairs * T, n_samples), dtype=np.int32),
                  lrng=np.ascontiguousarray(state.swap_rng.reshape(n_units * R, 4)).copy(),
                  lstat=np.zeros((n_units * R, 2, max(T - 1, 1)), dtype=np.int64))
    mem_all = Members(rng=np.ascontiguousarray(state.rng.reshape(n_mem, 4)).copy(), slot=slot, at=at,
                      accepted=np.zeros(n_mem, dtype=np.int64),
                      einc=einc,
                      ebuf=np.zeros(n_mem), Sxi=Sxi, xi=None)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    temps = [temperatures(model, a, rule, betas) for a in range(n_nets)]
    cfg = Config(rule=int(rule), order=int(order), n_sweeps=int(sweeps), sweep0=int(state.sweeps),
                 burn_in=int(burn_in), every=int(every), swap_every=int(swap_every), R=R, T=T, K=K, k0=k0,
                 learn=int(model.learn), track=int(model.track))
    run = _loop.RUN[model.family]

    def task(u):
        a = u // C
        sl = slice(u * U, (u + 1) * U)
        mem = Members(mem_all.rng[sl], slot[sl], at[sl], mem_all.accepted[sl], mem_all.einc[sl], mem_all.ebuf[sl],
                      Sxi[sl] if model.track else Sxi, model.xi[a])
        out = Out(out_all.snap[sl], out_all.esnap[sl], out_all.qsnap[u * n_pairs * T:(u + 1) * n_pairs * T],
                  out_all.lrng[u * R:(u + 1) * R], out_all.lstat[u * R:(u + 1) * R])
        run(model.fam_nets[a], _unit_state(model, st, sl, u), mem, temps[a], cfg, out)

    threads = min(_jit.num_threads() if _jit.PARALLEL else 1, n_units)
    if threads <= 1:
        for u in range(n_units):
            task(u)
    else:
        for f in [_pool(threads).submit(task, u) for u in range(n_units)]:
            f.result()
    state.spins = spins.reshape(n_nets, C, R, T, N)
    state.rng = mem_all.rng.reshape(n_nets, C, R, T, 4)
    state.swap_rng = out_all.lrng.reshape(n_nets, C, R, 4)
    state.temp_of = slot.reshape(n_nets, C, R, T)
    state.energy_incremental = mem_all.einc.reshape(n_nets, C, R, T)
    state.sweeps += int(sweeps)
    return _output(model, out_all, mem_all, (n_nets, C, R, T, n_samples), k0, width, n_pairs)


def temperatures(model, a, rule, betas):
    """The :class:`Temperatures` of network a: betas and (pairwise family) acceptance tables."""
    if model.family == "pair":
        thr, L = _pairwise.tables(rule, betas, model.fam_nets[a].two_scale, model.d_bound)
    else:
        thr, L = _pairwise.tables(2, betas, 1.0, 0)          # a read-only placeholder: unused
    return Temperatures(betas, thr, L)


def _output(model, out, mem, shp, k0, width, n_pairs):
    n_nets, C, R, T, n_samples = shp
    inv_n = 1.0 / model.N
    snap = out.snap
    m_rest = n_out = n_rest = None
    if k0 < model.K:
        m_rest = (snap[..., k0] * inv_n).reshape(shp)
    if model.learn:
        # n_mu = nfac (sum of S_p over the stored patterns p of class mu): exact integer class
        # sums from the kernel, one rounding
        nfac = np.repeat(model.nfac, C * R * T)[:, None, None]
        n_out = (snap[..., width:width + k0] * nfac).reshape(shp + (k0,))
        if k0 < model.K:
            n_rest = (snap[..., width + k0] * nfac[..., 0]).reshape(shp)
    return Output(
        m=(snap[..., :k0] * inv_n).reshape(shp + (k0,)), m_rest=m_rest, n=n_out, n_rest=n_rest,
        energy=(out.esnap * inv_n).reshape(shp),
        q=(out.qsnap * inv_n).reshape(n_nets, C, n_pairs, T, n_samples),
        accepted=mem.accepted.reshape(n_nets, C, R, T),
        swap_tries=out.lstat[:, 0].reshape(n_nets, C, R, -1)[..., : T - 1],
        swap_accepts=out.lstat[:, 1].reshape(n_nets, C, R, -1)[..., : T - 1],
    )


def delta_energies(model, spins):
    """The kernels' energy changes ``dE[b, i]`` of flipping spin i of configuration b of network 0.

    spins : int8 (B, N). Calls the family's ``delta_energy`` itself (the very function its
    sweep loop inlines) at every site; for tests and diagnostics.
    """
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    B, N = spins.shape
    one = Model(**{**model.__dict__, "nets": model.nets[:1], "v": model.v[:1], "xi": model.xi[:1]})
    st = family_state(one, spins.copy(), 1)
    fam = FAMILIES[model.family]
    net = model.fam_nets[0]
    if model.family == "general":
        st = _general.GeneralState(st.spins, st.S, st.PS, st.work[0])
    out = np.zeros((B, N))
    for b in range(B):
        fam.prepare(net, st, b)
        for i in range(N):
            out[b, i] = fam.delta_energy(net, st, b, i)
    return out
