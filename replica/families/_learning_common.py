"""Shared helpers of the learning families (supervised / unsupervised) and multitasking with examples.

Conventions (``hebbian/network.py``, ``hebbian/patterns.py``): examples ``eta = chi xi`` with
``P(chi = +-1) = (1 +- r)/2``, ``S = (1/M) sum_a chi^a``, ``rho = (1 - r^2)/(M r^2)`` so that
``E[(S/r)^2] = 1 + rho``. Learning parameters arrive as ``rho`` alone (the large-M theory,
``S/r ~ 1 + sqrt(rho) Z``) or with ``r`` and an integer ``M`` (exact binomial average over S).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom

from ..base import prepare_params

__all__ = ["prepare_learning", "binomial_table", "delta_noise", "p2_modes"]


def prepare_learning(family, params, *, require_beta=True):
    """Validate learning parameters per point and complete ``r``, ``M``, ``rho`` consistently.

    :func:`replica.base.prepare_params` checks every value against its range but completes
    ``rho`` (or r, M) only from the FIRST values; here the completion is redone point by point:

    * ``r`` and ``M`` given: ``rho = (1 - r^2)/(M r^2)`` (exact binomial average);
    * ``rho`` and ``M`` given: ``r = 1/sqrt(1 + M rho)`` (exact binomial average);
    * ``rho`` and ``r``: ``M = (1 - r^2)/(rho r^2)`` must be an integer at every point (exact),
      else ValueError;
    * ``rho`` alone: the large-M (Gaussian) theory; ``r`` and ``M`` are absent;
    * all three: they must agree at every point.

    Returns
    -------
    shape, full
        As :func:`replica.base.prepare_params`; ``full`` contains ``rho`` always and ``r`` and
        ``M`` only for the exact (finite-M) theory.
    """
    given = {k: params.get(k) is not None for k in ("r", "M", "rho")}
    shape, full = prepare_params(family, params, require_beta=require_beta)
    for k in ("r", "M", "rho"):
        if not given[k]:
            full.pop(k, None)
    r, M, rho = full.get("r"), full.get("M"), full.get("rho")
    if r is not None and M is not None:
        expected = (1.0 - r * r) / (M * r * r)
        if rho is not None:
            bad = ~np.isclose(rho, expected, rtol=1e-9, atol=1e-12)
            if bad.any():
                i = np.flatnonzero(bad.ravel())[0]
                raise ValueError(f"rho must equal (1 - r^2)/(M r^2) = {expected.ravel()[i]:.6g} for r = "
                                 f"{r.ravel()[i]}, M = {M.ravel()[i]:g}, got {rho.ravel()[i]}")
        full["rho"] = expected
    elif rho is not None and M is not None:
        full["r"] = 1.0 / np.sqrt(1.0 + M * rho)
    elif rho is not None and r is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            Mr = np.where(rho > 0, (1.0 - r * r) / (rho * r * r), np.inf)
        if np.any(rho == 0) and np.any((rho == 0) & (r != 1.0)):
            raise ValueError("rho = 0 needs r = 1 (or M infinite); give rho alone for the large-M theory")
        ok = np.isfinite(Mr) & (Mr >= 1.0) & (np.abs(Mr - np.round(Mr)) <= 1e-9 * np.maximum(1.0, Mr))
        if not ok.all():
            i = np.flatnonzero(~ok.ravel())[0]
            raise ValueError(f"rho and r give a non-integer number of examples M = (1 - r^2)/(rho r^2) = "
                             f"{Mr.ravel()[i]:.6g} (r = {r.ravel()[i]}, rho = {rho.ravel()[i]}): give r and M "
                             "for the exact finite-M theory, or rho alone for the large-M theory")
        full["M"] = np.round(Mr)
    elif rho is None:
        raise ValueError(f"model {family!r} needs rho, or two of r, M, rho")
    return shape, full


def binomial_table(r, M):
    """Values of ``S/r`` and their binomial probabilities for one integer M and per-point r.

    Parameters
    ----------
    r : ndarray of float, shape (B,)
    M : int

    Returns
    -------
    s_over_r : ndarray, shape (B, M+1)
    w : ndarray, shape (B, M+1)
        ``P(S = (2k - M)/M) = Binomial(k; M, (1 + r)/2)``; rows sum to 1 (for M > 200 values
        of probability below 1e-18 at every point are dropped: the shape is then (B, L), L < M+1).
    """
    r = np.ascontiguousarray(r, dtype=float)
    key = (int(M), r.shape, r.tobytes())
    table = _TABLES.get(key)
    if table is None:
        # the solver asks for the same table at every evaluation of a point's equations
        table = _binomial_table(r[:, None], int(M))
        for arr in table:
            arr.flags.writeable = False
        if table[1].size <= _TABLE_CACHE_SIZE:
            if len(_TABLES) >= 16:
                _TABLES.clear()
            _TABLES[key] = table
    return table


#: small tables (the usual point or block) cached per (M, r): at most 16 of 1e5 values each
_TABLES = {}
_TABLE_CACHE_SIZE = 100_000


def _binomial_table(r, M):
    k = np.arange(M + 1)
    if M > 200:
        # keep the values of S with probability above 1e-18 at some point of the batch (the
        # dropped mass is below M 1e-18): a few thousand values even for M = 1e6
        lo = int(np.min(binom.ppf(1e-18, M, 0.5 * (1.0 + r)))) - 1
        hi = int(np.max(binom.isf(1e-18, M, 0.5 * (1.0 + r)))) + 1
        k = np.arange(max(lo, 0), min(hi, M) + 1)
    s = (2.0 * k - M) / M
    return s[None, :] / r, binom.pmf(k[None, :], M, 0.5 * (1.0 + r))


def delta_noise(family, P, alpha, rho, r=None, M=None):
    """Strength Delta of the Gaussian archetype noise of the learning models, P >= 3.

    ``Delta_sup = alpha (P-1)! (1+rho)^(2-P)`` and
    ``Delta_uns = alpha (P-1)! [1 + (r^(-2P) - 1)/M] (1+rho)^(2-2P)`` (the uncondensed
    Hamiltonian has covariance ``N (P Delta/4) q^P``); arrays broadcast.
    """
    P = np.asarray(P, dtype=float)
    if P.size and np.all(P == P.flat[0]):          # one P (the usual batch): one factorial
        fact = np.full(P.shape, float(math.factorial(int(P.flat[0]) - 1)))
    else:
        fact = np.vectorize(lambda k: float(math.factorial(int(k))))(P - 1)
    base = np.asarray(alpha, dtype=float) * fact
    if family == "supervised":
        return base * (1.0 + rho) ** (2.0 - P)
    if r is None or M is None:
        return np.where(np.asarray(alpha) > 0, np.nan, 0.0) + 0.0 * base
    return base * (1.0 + (np.asarray(r, float) ** (-2.0 * P) - 1.0) / M) * (1.0 + rho) ** (2.0 - 2.0 * P)


def p2_modes(family, r=None, M=None, size=1):
    """Eigen-modes of the uncondensed classes of the P = 2 networks: list of (weight, strength).

    Supervised: one mode of strength 1 per class. Unsupervised: the M examples of a class
    have covariance ``(1 - r^2) delta_ab + r^2``; in its eigenbasis the class contributes one
    mode of strength 1 and ``M - 1`` modes of strength ``c = (1 - r^2)/(M R)``, ``M R = M r^2 + 1 - r^2``.
    Returns arrays of shape (size,).
    """
    one = np.ones(size)
    if family == "supervised":
        return [(one, one)]
    r = np.broadcast_to(np.asarray(r, dtype=float), (size,))
    M = np.broadcast_to(np.asarray(M, dtype=float), (size,))
    MR = M * r * r + 1.0 - r * r
    return [(one, one), (M - 1.0, (1.0 - r * r) / MR)]
