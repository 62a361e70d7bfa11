"""The sweep loop, written once and built once per energy family (:func:`build`).

``run_unit(net, st, mem, temps, cfg, out)`` advances one unit (one chain of one network: R
replicas x T temperatures, see :mod:`montecarlo._measure`) by ``cfg.n_sweeps`` sweeps. A sweep
of a member is N attempts; an attempt draws a site (random-sequential order: from the top 32
bits of one xoshiro256+ output; sequential: the next site), then the uniform's 53 bits from the
next output, and asks the family (:mod:`montecarlo._pairwise`, :mod:`montecarlo._table`,
:mod:`montecarlo._general`) to decide (``attempt``) and, if accepted, to ``flip``. After each
sweep: replica exchange (T > 1, every ``swap_every`` sweeps counted since seeding) and a
measurement after sweeps ``burn_in + k every`` of this call. A member's trajectory depends only
on its own state and stream, so the units of a call can run in any order, on any thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _general, _pairwise, _table
from ._common import next_draw, site
from ._jit import OPTIONS, STAMP
from ._measure import exchange, measure

__all__ = ["build", "RUN"]


def build(family):
    """The jitted ``run_unit`` of a family module (its ``prepare``, ``attempt``, ``flip`` and
    ``energy`` inlined). The closure holds the family module and :data:`montecarlo._jit.STAMP`
    (pickled by name and value in Numba's cache key, so the cache is per family and per version
    of the kernel sources)."""
    fam = family
    stamp = STAMP

    @njit(**OPTIONS)
    def run_unit(net, st, mem, temps, cfg, out):
        stamp                            # noqa: B018 -- in the closure: part of the cache key
        U, N = st.spins.shape
        for m in range(U):
            fam.prepare(net, st, m)
            if cfg.track:
                for k in range(mem.Sxi.shape[1]):
                    acc = 0
                    for i in range(N):
                        acc += st.spins[m, i] * mem.xi[i, k]
                    mem.Sxi[m, k] = acc
            if np.isnan(mem.einc[m]):
                mem.einc[m] = fam.energy(net, st, m)       # only where it is exact (see _engine)
        sample = 0
        for tt in range(1, cfg.n_sweeps + 1):
            for m in range(U):
                t = mem.slot[m]
                beta = temps.betas[t]
                s0, s1, s2, s3 = mem.rng[m, 0], mem.rng[m, 1], mem.rng[m, 2], mem.rng[m, 3]
                for step in range(N):
                    i = step
                    if cfg.order == 0:
                        r, s0, s1, s2, s3 = next_draw(s0, s1, s2, s3)
                        i = site(r, N)
                    r, s0, s1, s2, s3 = next_draw(s0, s1, s2, s3)
                    ok, dE = fam.attempt(net, st, temps, t, m, i, np.int64(r >> np.uint64(11)), cfg.rule, beta)
                    if ok:
                        d = fam.flip(net, st, m, i)
                        if cfg.track:
                            for k in range(mem.Sxi.shape[1]):
                                mem.Sxi[m, k] += d * mem.xi[i, k]
                        mem.einc[m] += dE
                        mem.accepted[m] += 1
                mem.rng[m, 0], mem.rng[m, 1], mem.rng[m, 2], mem.rng[m, 3] = s0, s1, s2, s3
            swap = cfg.T > 1 and (cfg.sweep0 + tt) % cfg.swap_every == 0
            due = tt > cfg.burn_in and (tt - cfg.burn_in) % cfg.every == 0
            if swap or due:
                for m in range(U):
                    mem.ebuf[m] = fam.energy(net, st, m)
                if swap:
                    exchange(mem, temps, cfg, out)
                if due:
                    measure(st.spins, st.S, mem, cfg, out, sample)
                    sample += 1

    return run_unit


RUN = {"pair": build(_pairwise), "table": build(_table), "general": build(_general)}
