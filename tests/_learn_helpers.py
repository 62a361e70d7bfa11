"""Independent references for the learning / multitasking replica tests (tests only).

* :func:`metropolis` -- a plain sequential-random Metropolis loop on a :class:`hebbian.Network`
  (any P, distinct tuples): the exact local field of site i is
  ``scale * sum_p v_i^p e_(P-1)((v^p o s) without i)``, with ``e_(P-1)`` from the power sums of
  ``v^p o s`` (kept up to date on every accepted flip) by Newton's identities. The real Monte
  Carlo engine lives on another branch; this loop is written from the Hamiltonian only.
* :func:`all_fields` -- the same field at every site (numpy, float64), for one-step
  signal-to-noise measurements.
* :func:`lattice_free_energy` -- the EXACT finite-N free energy of the low-storage multitasking
  network with K = 2 (all 2^N states, grouped by the archetype configuration of each site and
  summed by convolution), and the location of the maximum of the Boltzmann weight over the
  overlap lattice.
"""

from __future__ import annotations

import itertools
import math

import numba as nb
import numpy as np
from scipy.stats import binom


# ---------------------------------------------------------------------- Metropolis
@nb.njit(cache=True)
def _esym_without(pw, x_i, P):
    q = np.empty(P)
    xp = 1.0
    for j in range(1, P):
        xp *= x_i
        q[j] = pw[j] - xp
    e = np.zeros(P)
    e[0] = 1.0
    for k in range(1, P):
        acc = 0.0
        sg = 1.0
        for j in range(1, k + 1):
            acc += sg * e[k - j] * q[j]
            sg = -sg
        e[k] = acc / k
    return e[P - 1]


@nb.njit(cache=True)
def _metropolis(V, scale, P, s, beta, sweeps, burn, seed, refs):
    np.random.seed(seed)
    N, n = V.shape
    pw = np.zeros((n, P))
    for p in range(n):
        for i in range(N):
            x = V[i, p] * s[i]
            xp = 1.0
            for j in range(1, P):
                xp *= x
                pw[p, j] += xp
    R = refs.shape[0]
    out = np.zeros((sweeps - burn, R))
    for t in range(sweeps):
        for _ in range(N):
            i = np.random.randint(N)
            h = 0.0
            for p in range(n):
                v = V[i, p]
                if v != 0.0:
                    h += v * _esym_without(pw[p], v * s[i], P)
            dE = 2.0 * s[i] * scale * h
            if dE <= 0.0 or np.random.random() < np.exp(-beta * dE):
                for p in range(n):
                    v = V[i, p]
                    if v != 0.0:
                        xo = v * s[i]
                        a = 1.0
                        c = 1.0
                        for j in range(1, P):
                            a *= xo
                            c *= -xo
                            pw[p, j] += c - a
                s[i] = -s[i]
        if t >= burn:
            for k in range(R):
                acc = 0.0
                for i in range(N):
                    acc += refs[k, i] * s[i]
                out[t - burn, k] = acc / N
    return out


def metropolis(net, beta, s0, sweeps, burn, seed, refs):
    """Metropolis time series of the overlaps ``refs @ s / N``, shape (sweeps - burn, len(refs))."""
    V = np.ascontiguousarray(net.stored_site_major, dtype=np.float64)
    s = np.array(s0, dtype=np.float64)
    return _metropolis(V, float(net.scale), int(net.P), s, float(beta), int(sweeps), int(burn), int(seed),
                       np.ascontiguousarray(refs, dtype=np.float64))


# ---------------------------------------------------------------------- exact fields
def all_fields(net, s, columns=None):
    """Exact local fields h_i (delta_energy = 2 s_i h_i) of all sites, float64, shape (N,).

    ``columns`` restricts the sum to some stored patterns (e.g. the uncondensed ones).
    """
    V = net.stored_site_major.astype(np.float64)
    if columns is not None:
        V = V[:, columns]
    P = net.P
    s = np.asarray(s, dtype=np.float64)
    x = V * s[:, None]
    pw = [None] + [np.sum(x ** j, axis=0) for j in range(1, P)]
    e = [np.ones(V.shape[1])]
    for k in range(1, P):
        e.append(sum((-1) ** (j - 1) * e[k - j] * pw[j] for j in range(1, k + 1)) / k)
    # e_(P-1)(x without i) = sum_j (-x_i)^j e_(P-1-j)(x)
    h = np.zeros(net.N)
    for j in range(P):
        h += (-s) ** j * ((V ** (j + 1)) @ e[P - 1 - j])
    return net.scale * h


# ---------------------------------------------------------------------- exact enumeration
def lattice_free_energy(d, N, beta):
    """Exact free energy per spin of the K = 2 multitasking network at size N, and the sorted
    amplitudes at the maximum of the Boltzmann weight over (N m1, N m2).

    Site groups have the sizes N P(config) rounded to integers summing to N (no sample
    fluctuation); within a group only the number of + spins matters (binomial), and the
    distribution of (N m1, N m2) is a convolution over groups. Includes the excluded diagonal
    constant of H = -(1/(2N)) sum_{i != j}.
    """
    confs = list(itertools.product((-1, 0, 1), repeat=2))
    probs = np.array([np.prod([d if x == 0 else (1 - d) / 2 for x in c]) for c in confs])
    raw = probs * N
    Nc = np.floor(raw).astype(int)
    Nc[np.argsort(-(raw - Nc))[:N - Nc.sum()]] += 1
    W = np.zeros((2 * N + 1, 2 * N + 1))
    W[N, N] = 1.0
    for c, n in zip(confs, Nc):
        if n == 0 or c == (0, 0):
            continue
        new = np.zeros_like(W)
        for k, pk in enumerate(binom.pmf(np.arange(n + 1), n, 0.5)):
            v = 2 * k - n
            new += pk * np.roll(W, (c[0] * v, c[1] * v), axis=(0, 1))
        W = new
    L = np.arange(-N, N + 1, dtype=float)
    with np.errstate(divide="ignore"):
        logw = np.log(W) + N * math.log(2.0) + beta * (L[:, None] ** 2 + L[None, :] ** 2) / (2.0 * N)
    diag = sum(n * sum(x * x for x in c) for c, n in zip(confs, Nc)) / (2.0 * N)
    top = np.max(logw)
    lnZ = top + math.log(np.exp(logw - top).sum()) - beta * diag
    i, j = np.unravel_index(np.argmax(logw), logw.shape)
    return -lnZ / (beta * N), np.sort(np.abs([L[i] / N, L[j] / N]))[::-1]


@nb.njit(cache=True)
def _metropolis_pairwise(J, s, beta, sweeps, burn, seed, refs):
    np.random.seed(seed)
    N = s.shape[0]
    h = J @ s
    R = refs.shape[0]
    out = np.zeros((sweeps - burn, R))
    for t in range(sweeps):
        for _ in range(N):
            i = np.random.randint(N)
            dE = 2.0 * s[i] * h[i]
            if dE <= 0.0 or np.random.random() < np.exp(-beta * dE):
                s[i] = -s[i]
                for j in range(N):
                    h[j] += 2.0 * s[i] * J[j, i]
        if t >= burn:
            for k in range(R):
                acc = 0.0
                for i in range(N):
                    acc += refs[k, i] * s[i]
                out[t - burn, k] = acc / N
    return out


def metropolis_pairwise(net, beta, s0, sweeps, burn, seed, refs):
    """As :func:`metropolis` for P = 2, with the explicit coupling matrix (zero diagonal):
    O(N) per accepted flip instead of O(stored patterns) per attempt (high storage)."""
    if net.P != 2:
        raise ValueError(f"metropolis_pairwise needs P = 2, got {net.P}")
    V = net.stored_site_major.astype(np.float64)
    J = net.scale * (V @ V.T)
    np.fill_diagonal(J, 0.0)
    return _metropolis_pairwise(J, np.array(s0, dtype=np.float64), float(beta), int(sweeps), int(burn), int(seed),
                                np.ascontiguousarray(refs, dtype=np.float64))
