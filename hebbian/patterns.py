"""Random archetypes and examples, and the dataset-quality parameters.

Conventions (shared by the Monte Carlo and replica engines):

* archetypes ``xi`` are ``int8`` arrays of shape ``(K, N)``: pattern-major, one row per
  archetype. (``Network`` keeps its own site-major copy for the kernels.)
* binary archetypes have i.i.d. entries ``P(xi = +1) = P(xi = -1) = 1/2``;
* diluted archetypes have ``P(xi = 0) = d`` and ``P(xi = +1) = P(xi = -1) = (1 - d)/2``;
* examples are ``eta^{mu,a} = chi^{mu,a} xi^mu`` with i.i.d. ``P(chi = +1) = (1 + r)/2``,
  ``P(chi = -1) = (1 - r)/2``: ``r`` is the example quality, ``E[eta xi] = r`` on non-blank
  sites, and blank archetype entries stay blank;
* the dataset entropy is ``rho = (1 - r^2) / (M r^2)``, and ``R = r^2 (1 + rho) = E[S^2]``
  with ``S = (1/M) sum_a chi^a``.

Every function takes explicit randomness: a ``numpy.random.Generator``, a ``SeedSequence``
or a non-negative integer seed.
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["binary", "diluted", "examples", "mean_examples", "rho", "r_from_rho", "M_from_rho"]


def binary(K, N, rng):
    """Draw ``K`` unbiased binary archetypes of ``N`` entries.

    Parameters
    ----------
    K : int >= 1
        Number of archetypes.
    N : int >= 2
        Number of neurons.
    rng : Generator, SeedSequence or int
        Source of randomness.

    Returns
    -------
    xi : ndarray of int8, shape (K, N)
        Entries +1 or -1 with probability 1/2 each.
    """
    K = _checks.integer("K", K, min=1)
    N = _checks.integer("N", N, min=2)
    gen = _checks.generator(rng)
    bits = gen.integers(0, 2, size=(K, N), dtype=np.int8)
    return (2 * bits - 1).astype(np.int8)


def diluted(K, N, d, rng):
    """Draw ``K`` diluted archetypes: ``P(0) = d``, ``P(+1) = P(-1) = (1 - d)/2``.

    Parameters
    ----------
    K : int >= 1
    N : int >= 2
    d : float in [0, 1)
        Dilution: the probability that an entry is blank.
    rng : Generator, SeedSequence or int

    Returns
    -------
    xi : ndarray of int8, shape (K, N)
        Entries in {-1, 0, +1}. ``d = 0`` gives the same distribution as :func:`binary`.
    """
    K = _checks.integer("K", K, min=1)
    N = _checks.integer("N", N, min=2)
    d = _checks.real("d", d, lo=0.0, hi=1.0, hi_open=True)
    gen = _checks.generator(rng)
    u = gen.random(size=(K, N))
    signs = np.where(gen.random(size=(K, N)) < 0.5, -1, 1)
    return np.where(u < d, 0, signs).astype(np.int8)


def examples(xi, M, r, rng):
    """Draw ``M`` noisy examples of each archetype: ``eta^{mu,a} = chi^{mu,a} xi^mu``.

    Parameters
    ----------
    xi : array_like of int, shape (K, N)
        Archetypes with entries in {-1, 0, +1}.
    M : int >= 1
        Examples per archetype.
    r : float in (0, 1]
        Example quality: ``P(chi = +1) = (1 + r)/2``.
    rng : Generator, SeedSequence or int

    Returns
    -------
    eta : ndarray of int8, shape (K, M, N)
        ``eta[mu, a]`` is example ``a`` of archetype ``mu``; zero where ``xi`` is zero.
    """
    xi = _checks.int_array("xi", xi, ndim=2, allowed={-1, 0, 1})
    M = _checks.integer("M", M, min=1)
    r = _checks.real("r", r, lo=0.0, hi=1.0, lo_open=True)
    gen = _checks.generator(rng)
    K, N = xi.shape
    chi = np.where(gen.random(size=(K, M, N)) < (1.0 + r) / 2.0, 1, -1).astype(np.int8)
    return (chi * xi[:, None, :]).astype(np.int8)


def mean_examples(eta):
    """Empirical mean of the examples of each archetype, ``etabar^mu = (1/M) sum_a eta^{mu,a}``.

    Parameters
    ----------
    eta : array_like of int, shape (K, M, N)

    Returns
    -------
    etabar : ndarray of float64, shape (K, N)
    """
    eta = _checks.int_array("examples", eta, ndim=3, allowed={-1, 0, 1})
    return eta.mean(axis=1)


def rho(r, M):
    """Dataset entropy ``rho = (1 - r^2) / (M r^2)`` for quality ``r`` and ``M`` examples."""
    r = _checks.real("r", r, lo=0.0, hi=1.0, lo_open=True)
    M = _checks.integer("M", M, min=1)
    return (1.0 - r * r) / (M * r * r)


def r_from_rho(rho, M):
    """Quality ``r`` that gives dataset entropy ``rho`` with ``M`` examples: ``1/sqrt(1 + M rho)``."""
    rho = _checks.real("rho", rho, lo=0.0)
    M = _checks.integer("M", M, min=1)
    return 1.0 / np.sqrt(1.0 + M * rho)


def M_from_rho(r, rho):
    """Number of examples (real-valued) that gives entropy ``rho`` at quality ``r``.

    ``M = (1 - r^2) / (rho r^2)``; round it yourself if you need an integer.
    """
    r = _checks.real("r", r, lo=0.0, hi=1.0, lo_open=True)
    rho = _checks.real("rho", rho, lo=0.0, lo_open=True)
    return (1.0 - r * r) / (rho * r * r)
