"""Public entry points: simulate, parallel_tempering, anneal, disorder_average."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hebbian import _checks
from hebbian.models import make_network

from . import _engine
from ._engine import State
from ._run import Run


# ============================================================================ validation
def _validate(net, *, sweeps, burn_in, every, replicas, chains, method, seed, init, n_temps, overlaps=None):
    """Validate the common arguments (before any work; ``method`` = (rule, order, field));
    return the prepared pieces."""
    rule, order, field = method
    nets, single = _engine.as_networks(net)
    sweeps = _checks.integer("sweeps", sweeps, min=1)
    if burn_in is None:
        burn_in = sweeps // 10
    burn_in = _checks.integer("burn_in", burn_in, min=0, max=sweeps - 1)
    every = _checks.integer("every", every, min=1)
    if (sweeps - burn_in) // every < 1:
        raise ValueError(f"every must be <= sweeps - burn_in = {sweeps - burn_in} so that at least one sample "
                         f"is taken, got every = {every}")
    replicas = _checks.integer("replicas", replicas, min=1)
    chains = _checks.integer("chains", chains, min=1)
    _checks.choice("rule", rule, tuple(_engine.RULES))
    _checks.choice("order", order, tuple(_engine.ORDERS))
    _checks.choice("field", field, _engine.FIELDS)
    N, K = nets[0].N, nets[0].K
    overlaps = _engine.default_overlaps(K) if overlaps is None else _checks.integer("overlaps", overlaps, min=1,
                                                                                     max=K)
    layout = (len(nets), chains, replicas, n_temps, N)
    if isinstance(init, State):
        if init.spins.shape != layout:
            raise ValueError(f"init is a State of layout (nets, chains, replicas, temperatures, N) = "
                             f"{init.spins.shape}, but this call needs {layout}")
        init_arr = None
    elif init is None or (isinstance(init, str) and init in ("random", "pattern")):
        init_arr = None if init in (None, "random") else "pattern"
    else:
        if isinstance(init, str):
            raise ValueError(f"init must be 'random', 'pattern', an array of +-1 spins or a State, got {init!r}")
        arr = _checks.int_array("init", init, allowed={-1, 1})
        public = ([len(nets)] if not single else []) + ([chains] if chains > 1 else []) + \
                 ([replicas] if replicas > 1 else []) + ([n_temps] if n_temps > 1 else [])
        try:
            b = np.broadcast_to(arr, tuple(public) + (N,))
        except ValueError:
            raise ValueError(f"init must have shape (N,) = ({N},) or broadcast to {tuple(public) + (N,)} "
                             f"(network, chain, replica, beta axes of this call), got shape {arr.shape}") from None
        full = b.reshape(tuple(n if keep else 1 for n, keep in
                               zip(layout[:4], (not single, chains > 1, replicas > 1, n_temps > 1))) + (N,))
        init_arr = np.broadcast_to(full, layout).astype(np.int8)
    if not isinstance(init, State):
        if seed is None:
            raise ValueError("seed must be given (a non-negative integer or a SeedSequence): every run "
                             "takes explicit randomness; only init=<State> continues without a seed")
        _engine.seed_sequence(seed)
    model = _engine.prepare(nets, field)
    return nets, single, sweeps, burn_in, every, replicas, chains, model, layout, init_arr, overlaps


def _start(model, layout, init, init_arr, seed):
    if isinstance(init, State):
        return init.copy()
    return _engine.fresh_state(layout, seed, model, init_arr)


# ============================================================================ simulate
def simulate(net, beta, sweeps, *, seed=None, init=None, rule="glauber", order="random", burn_in=None,
             every=1, replicas=1, chains=1, field="exact", overlaps=None):
    """Sample a Hebbian network by single-spin-flip Monte Carlo.

    Parameters
    ----------
    net : hebbian.Network or list of Network
        The network; a list of networks of identical shape (disorder samples) runs them all in
        one call, with a leading ``"network"`` axis in the results.
    beta : float in [0, inf]
        Inverse temperature, Gibbs weight ``exp(-beta H)`` with ``H`` of ``hebbian.Network``.
        ``inf`` is zero-temperature asynchronous dynamics: a flip is accepted iff it lowers the
        energy (``dE < 0``); ``dE == 0`` is rejected, so the dynamics stops in a local minimum
        (``rule`` is then irrelevant).
    sweeps : int >= 1
        Sweeps (N attempted flips per chain each), burn-in included.
    seed : int >= 0 or numpy.random.SeedSequence
        Randomness. Chain ``c``, replica ``r`` of network ``a`` owns the xoshiro256+ stream of
        ``SeedSequence(seed, spawn_key=(0, a, c, r, 0))`` (a SeedSequence seed extends its own
        spawn key), so results do not depend on the number of threads. Not needed when
        ``init`` is a State.
    init : None, "random", "pattern", array of +-1 or State
        Initial spins: random (default, from each chain's own stream), archetype ``xi[0]`` of
        each network ("pattern"; blank entries of diluted archetypes are drawn at random), an array of shape (N,) or broadcastable to ``dims + (N,)``, or the
        ``state`` of a previous run to continue it bit-identically (its streams and sweep
        count are used; ``seed`` is ignored).
    rule : {"glauber", "metropolis"}
        Heat-bath (``1/(1 + e^(beta dE))``) or Metropolis (``min(1, e^(-beta dE))``) acceptance.
    order : {"random", "sequential"}
        Random-sequential sites (default) or sweeps through ``i = 0..N-1``.
    burn_in : int in [0, sweeps)
        Sweeps discarded before the first sample; default ``sweeps // 10``.
    every : int >= 1
        Sweeps between samples: samples are taken after sweeps ``burn_in + every``,
        ``burn_in + 2 every``, ... of this call.
    replicas : int >= 1
        Independent copies of each chain (same network, own streams), for the overlap ``q``.
    chains : int >= 1
        Independent chains per network (blocks of chains run in parallel threads).
    field : {"exact", "plefka"}
        ``"exact"``: the exact distinct-tuple energy change (tables for +-1 patterns, Newton's
        identities on exact power sums otherwise). ``"plefka"`` (P >= 3): Newton's identities
        truncated after the second power sum, i.e. the large-N field
        ``h_i = scale sum_p v_ip g_(P-1)`` with ``k g_k = g_(k-1) p_1 - g_(k-2) p_2`` from the
        overlaps and the constant self-interaction term (exact for P = 3, error O(1/N) of the
        field for P >= 4). Energies and overlaps are still measured exactly.
    overlaps : int in [1, K], optional
        Archetype overlaps recorded per sample: ``m[..., :overlaps]`` with archetypes
        ``0 .. overlaps - 1`` (default ``min(K, 64)``; archetype 0 is the one retrieved from
        ``init="pattern"``, condensed patterns come first), plus ``run.m_rest``, the largest
        ``|m_mu|`` over the other archetypes (``overlaps < K`` only). Memory is then
        independent of K (dense networks store tens of thousands of patterns);
        ``overlaps=net.K`` records them all. The same holds for ``n`` and ``n_rest`` of
        learning networks.

    Returns
    -------
    Run
        ``run.m`` (samples, overlaps), ``run.m_rest`` (samples,) or None, ``run.energy`` (samples,) per spin, ``run.q`` (samples, n_pairs)
        for replicas >= 2, with extra leading axes ``run.dims``; ``run.mean/error/tau(name)``;
        ``run.state`` to continue.

    Raises
    ------
    ValueError
        Bad input (named parameter, value and allowed range), before any work.
    """
    beta = _checks.real("beta", beta, lo=0.0, allow_inf=True)
    nets, single, sweeps, burn_in, every, replicas, chains, model, layout, init_arr, overlaps = _validate(
        net, sweeps=sweeps, burn_in=burn_in, every=every, replicas=replicas, chains=chains,
        method=(rule, order, field), seed=seed, init=init, n_temps=1, overlaps=overlaps)
    rule_code = 2 if math.isinf(beta) else _engine.RULES[rule]
    state = _start(model, layout, init, init_arr, seed)
    out = _engine.execute(model, state, betas=[beta], rule=rule_code, order=_engine.ORDERS[order],
                          sweeps=sweeps, burn_in=burn_in, every=every, overlaps=overlaps)
    return Run(out, state, betas=[beta], single=single, tempering=False, schedule=(sweeps, burn_in, every),
               method=(rule if rule_code != 2 else "zero-temperature", order, field, model.family))


# ============================================================================ parallel tempering
def parallel_tempering(net, betas, sweeps, *, seed=None, init=None, rule="glauber", order="random",
                       burn_in=None, every=1, swap_every=1, replicas=1, chains=1, field="exact", overlaps=None):
    """Replica-exchange Monte Carlo over a ladder of inverse temperatures.

    Each chain is a ladder of ``len(betas)`` members; after every ``swap_every`` sweeps, the
    configurations at neighbouring betas ``k, k+1`` (k = 0, 1, ... in turn) are exchanged with
    probability ``min(1, exp((beta_k - beta_(k+1)) (E_k - E_(k+1))))``, from the exact energies
    and a separate stream per ladder.

    Parameters
    ----------
    betas : array_like of float, shape (T,), T >= 2
        Finite, non-negative, strictly increasing inverse temperatures.
    swap_every : int >= 1
        Sweeps between rounds of exchanges.
    (others as :func:`simulate`; ``init`` arrays broadcast to ``dims + (N,)`` with a "beta" axis)

    Returns
    -------
    Run
        With a ``"beta"`` axis (measurements are by temperature, not by member) and
        ``run.swap_rates`` (T - 1,), the accepted fraction of exchanges between betas k and k+1.
    """
    betas = np.asarray(betas, dtype=np.float64) if not isinstance(betas, (str, bytes)) else None
    if betas is None or betas.ndim != 1 or betas.size < 2:
        raise ValueError(f"betas must be a 1-d array of at least 2 inverse temperatures, got {betas!r}")
    for k, b in enumerate(betas):
        _checks.real(f"betas[{k}]", float(b), lo=0.0)
    if np.any(np.diff(betas) <= 0):
        raise ValueError(f"betas must be strictly increasing, got {betas.tolist()}")
    swap_every = _checks.integer("swap_every", swap_every, min=1)
    nets, single, sweeps, burn_in, every, replicas, chains, model, layout, init_arr, overlaps = _validate(
        net, sweeps=sweeps, burn_in=burn_in, every=every, replicas=replicas, chains=chains,
        method=(rule, order, field), seed=seed, init=init, n_temps=betas.size, overlaps=overlaps)
    state = _start(model, layout, init, init_arr, seed)
    out = _engine.execute(model, state, betas=betas, rule=_engine.RULES[rule], order=_engine.ORDERS[order],
                          sweeps=sweeps, burn_in=burn_in, every=every, swap_every=swap_every, overlaps=overlaps)
    return Run(out, state, betas=betas, single=single, tempering=True, schedule=(sweeps, burn_in, every),
               method=(rule, order, field, model.family))


# ============================================================================ annealing
@dataclass
class AnnealResult:
    """Result of :func:`anneal`.

    Attributes
    ----------
    energy : ndarray of float64, shape (stages, chains)
        Energy per spin of each chain at the end of each stage.
    m : ndarray of float64, shape (stages, chains, overlaps)
        Mattis overlaps with the first ``overlaps`` archetypes (default ``min(K, 64)``) at the
        end of each stage.
    best_energy : float
        Lowest final energy per spin over chains.
    best_spins : ndarray of int8, shape (N,)
        Spins of the chain that reached ``best_energy``.
    betas : ndarray of float64, shape (stages,)
    state : State
        Final state (``init=`` of a further run).
    """

    energy: np.ndarray
    m: np.ndarray
    best_energy: float
    best_spins: np.ndarray
    betas: np.ndarray
    state: State


def anneal(net, betas, sweeps_per_beta, *, seed=None, init=None, rule="glauber", order="random",
           chains=1, field="exact", quench=True, overlaps=None):
    """Simulated annealing: sweep through a schedule of inverse temperatures (ground-state search).

    Parameters
    ----------
    net : hebbian.Network
    betas : array_like of float, shape (stages,)
        Non-negative schedule (usually increasing); ``inf`` allowed (zero-temperature stage).
    sweeps_per_beta : int >= 1
        Sweeps at each stage.
    quench : bool
        Finish with zero-temperature sweeps until no flip lowers the energy (a local minimum:
        every single flip has ``dE >= 0``), at most ``100`` rounds of ``sweeps_per_beta``.
    (others as :func:`simulate`, ``overlaps`` included)

    Returns
    -------
    AnnealResult
    """
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    if betas.ndim != 1 or betas.size < 1:
        raise ValueError(f"betas must be a non-empty 1-d schedule, got shape {betas.shape}")
    for k, b in enumerate(betas):
        _checks.real(f"betas[{k}]", float(b), lo=0.0, allow_inf=True)
    sweeps_per_beta = _checks.integer("sweeps_per_beta", sweeps_per_beta, min=1)
    nets, single, _, _, _, _, chains, model, layout, init_arr, overlaps = _validate(
        net, sweeps=sweeps_per_beta, burn_in=sweeps_per_beta - 1, every=1, replicas=1, chains=chains,
        method=(rule, order, field), seed=seed, init=init, n_temps=1, overlaps=overlaps)
    if not single:
        raise ValueError("anneal takes one network (net must be a hebbian.Network)")
    state = _start(model, layout, init, init_arr, seed)
    energies, ms = [], []
    for b in betas:
        out = _engine.execute(model, state, betas=[b], rule=2 if math.isinf(b) else _engine.RULES[rule],
                              order=_engine.ORDERS[order], sweeps=sweeps_per_beta,
                              burn_in=sweeps_per_beta - 1, every=1, overlaps=overlaps)
        energies.append(out.energy[0, :, 0, 0, -1])
        ms.append(out.m[0, :, 0, 0, -1])
    if quench:
        for _ in range(100):
            out = _engine.execute(model, state, betas=[np.inf], rule=2, order=_engine.ORDERS[order],
                                  sweeps=sweeps_per_beta, burn_in=sweeps_per_beta - 1, every=1, overlaps=overlaps)
            if not out.accepted.any():
                break
        energies.append(out.energy[0, :, 0, 0, -1])
        ms.append(out.m[0, :, 0, 0, -1])
        betas = np.append(betas, np.inf)
    energy = np.array(energies)
    best = int(np.argmin(energy[-1]))
    return AnnealResult(energy=energy, m=np.array(ms), best_energy=float(energy[-1, best]),
                        best_spins=state.spins[0, best, 0, 0].copy(), betas=betas, state=state)


# ============================================================================ disorder average
def disorder_average(family, N, samples, beta, sweeps, *, seed, init="pattern", normalization="power",
                     tuples="distinct", **kwargs):
    """Draw ``samples`` networks of a model family and simulate them all in one call.

    Network ``k`` is ``hebbian.models.make_network(family, N, SeedSequence(seed, spawn_key=(k,)),
    ...)``; the chains use ``SeedSequence(seed, spawn_key=(samples,))`` (a SeedSequence seed
    extends its own key). Control parameters of the family (``alpha``, ``P``, ``d``, ``r``,
    ``M``, ``rho``, ``K``, ...) and the arguments of :func:`simulate` (``rule``, ``chains``,
    ``replicas``, ``burn_in``, ``every``, ...) go in ``kwargs``.

    Returns
    -------
    Run
        With a leading ``"network"`` axis; ``run.mean(name)`` is the disorder average and
        ``run.error(name)`` the standard error over networks (disorder and thermal noise).
    """
    samples = _checks.integer("samples", samples, min=1)
    _checks.real("beta", beta, lo=0.0, allow_inf=True)          # fail before drawing networks
    _checks.integer("sweeps", sweeps, min=1)
    ss = _engine.seed_sequence(seed)
    sim_keys = {"rule", "order", "burn_in", "every", "replicas", "chains", "field", "overlaps"}
    sim = {k: kwargs.pop(k) for k in list(kwargs) if k in sim_keys}
    params = dict(kwargs)
    params.pop("beta", None)
    nets = [make_network(family, N, _engine._child(ss, (k,)), normalization=normalization, tuples=tuples,
                         **params) for k in range(samples)]
    return simulate(nets, beta, sweeps, seed=_engine._child(ss, (samples,)), init=init, **sim)
