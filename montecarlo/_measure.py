"""Replica exchange and measurement: small kernels called by the sweep loops between sweeps.

A *unit* is one chain of one network: ``R`` replicas of a ladder of ``T`` temperatures, ``U = R
T`` members (Markov chains). Member ``m = r T + t0`` started at temperature slot t0 of ladder r;
``mem.slot[m]`` is its current temperature slot and ``mem.at[r T + t]`` the member found at slot
t of ladder r. Observables are stored by slot (temperature), not by member.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ._common import INV53, next_draw
from ._jit import OPTIONS

__all__ = ["Members", "Temperatures", "Config", "Out", "exchange", "measure"]

Members = namedtuple("Members", "rng slot at accepted einc ebuf Sxi xi")
Members.__doc__ = """Per-member arrays of a unit: ``rng`` (U, 4) uint64 xoshiro256+ states,
``slot`` (U,) int64, ``at`` (U,) int64, ``accepted`` (U,) int64 flips accepted in this call,
``einc`` (U,) float64 energy accumulated from accepted energy changes, ``ebuf`` (U,) float64
energies at a checkpoint, ``Sxi`` (U, K) archetype overlaps and ``xi`` (N, K) int8 archetypes
when they differ from the stored patterns (``Config.track``), else (1, 1) placeholders."""
Temperatures = namedtuple("Temperatures", "betas thr L")
Temperatures.__doc__ = """``betas`` (T,) float64; ``thr`` (T, 2L + 1) int64 acceptance table
of the pairwise family (:func:`montecarlo._pairwise.tables`; (T, 1) zeros for the others)."""
Config = namedtuple("Config", "rule order n_sweeps sweep0 burn_in every swap_every R T K k0 learn track")
Config.__doc__ = """Integers of a call: rule, order (0 random-sequential, 1 sequential), sweeps
of this call, sweeps done before (sweep0: the exchange schedule), burn_in, every, swap_every,
replicas R, temperatures T, archetypes K, overlaps recorded k0, learn and track (0/1)."""
Out = namedtuple("Out", "snap esnap qsnap lrng lstat")
Out.__doc__ = """Measurements of a unit: ``snap`` (U, samples, W) int32 overlaps (see
:func:`measure`), ``esnap`` (U, samples) energies, ``qsnap`` (n_pairs T, samples) int32 ``N q``,
``lrng`` (R, 4) streams of the exchanges, ``lstat`` (R, 2, max(T - 1, 1)) tries and accepted
exchanges per pair of neighbouring temperatures."""


@njit(**OPTIONS)
def exchange(mem, temps, cfg, out):
    """Replica exchange along each ladder: temperatures k, k+1 (k = 0..T-2 in turn) swap their
    members with probability ``min(1, exp((beta_k - beta_(k+1)) (E_k - E_(k+1))))``, from the
    energies ``mem.ebuf`` and the ladder's own stream."""
    T = cfg.T
    betas = temps.betas
    for lad in range(cfg.R):
        s0, s1, s2, s3 = out.lrng[lad, 0], out.lrng[lad, 1], out.lrng[lad, 2], out.lrng[lad, 3]
        for k in range(T - 1):
            a = mem.at[lad * T + k]
            c = mem.at[lad * T + k + 1]
            r, s0, s1, s2, s3 = next_draw(s0, s1, s2, s3)
            x = (betas[k] - betas[k + 1]) * (mem.ebuf[a] - mem.ebuf[c])
            out.lstat[lad, 0, k] += 1
            if x >= 0.0 or np.float64(r >> np.uint64(11)) * INV53 < math.exp(x):
                mem.at[lad * T + k] = c
                mem.at[lad * T + k + 1] = a
                mem.slot[c] = k
                mem.slot[a] = k + 1
                out.lstat[lad, 1, k] += 1
        out.lrng[lad, 0], out.lrng[lad, 1], out.lrng[lad, 2], out.lrng[lad, 3] = s0, s1, s2, s3


@njit(**OPTIONS)
def measure(spins, S, mem, cfg, out, sample):
    """Sample ``sample`` of every slot: energy; the overlaps ``N m`` with archetypes
    ``0..k0-1`` then (k0 < K) ``max |N m|`` over the others; for learning networks the class
    sums ``sum_(p in class mu) S_p`` likewise (class mu holds the stored patterns
    ``mu n/K .. (mu+1) n/K - 1``); then the two-replica overlaps ``N q`` per pair and slot."""
    K, k0, T, R = cfg.K, cfg.k0, cfg.T, cfg.R
    n = S.shape[1]
    for slot in range(R * T):
        m = mem.at[slot]
        out.esnap[slot, sample] = mem.ebuf[m]
        snap = out.snap
        for k in range(k0):
            snap[slot, sample, k] = mem.Sxi[m, k] if cfg.track else S[m, k]
        col = k0
        if k0 < K:
            big = 0
            for k in range(k0, K):
                x = abs(np.int64(mem.Sxi[m, k] if cfg.track else S[m, k]))
                big = x if x > big else big
            snap[slot, sample, col] = big
            col += 1
        if cfg.learn:
            Mc = n // K
            big = 0
            for c in range(K):
                acc = np.int64(0)
                for p in range(c * Mc, (c + 1) * Mc):
                    acc += S[m, p]
                if c < k0:
                    snap[slot, sample, col + c] = acc
                elif abs(acc) > big:
                    big = abs(acc)
            if k0 < K:
                snap[slot, sample, col + k0] = big
    N = spins.shape[1]
    pair = 0
    for r1 in range(R):
        for r2 in range(r1 + 1, R):
            for t in range(T):
                a = mem.at[r1 * T + t]
                c = mem.at[r2 * T + t]
                acc = np.int64(0)
                for i in range(N):
                    acc += spins[a, i] * spins[c, i]
                out.qsnap[pair * T + t, sample] = acc
            pair += 1
