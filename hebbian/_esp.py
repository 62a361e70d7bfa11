"""Exact elementary symmetric polynomials of integer vectors, via Newton's identities.

The dense Hebbian energy is a sum of ``e_P(x)`` over stored patterns, with ``x = v o s``
(entry-wise product of an integer pattern and the spins). ``e_P`` depends on ``x`` only through
its power sums ``p_j = sum_i x_i^j``; Newton's identities ``k e_k = sum_{j=1..k} (-1)^(j-1)
e_(k-j) p_j`` then give every ``e_k`` in exact integer arithmetic. We use int64 when the
numbers provably fit and Python integers (object arrays) otherwise, so the result is exact
for every N and P. This is the reference path used by :class:`hebbian.Network`; the Monte
Carlo kernels use tables or incremental power sums with the same algebra.
"""

from __future__ import annotations

import numpy as np

_INT64_SAFE = 2**62


def fits_int64(max_abs_entry, n_entries, degree):
    """True when every intermediate of Newton's identities up to ``degree`` fits in int64.

    With ``L = n_entries * max_abs_entry`` bounding ``sum_i |x_i|``, every power sum and every
    ``e_k`` is bounded by ``L^k`` and each Newton numerator by ``k L^k``.
    """
    L = int(n_entries) * int(max_abs_entry)
    return (degree + 1) * L ** degree < _INT64_SAFE


def power_sums(v_site_major, s, degree, exact_object):
    """Power sums ``p_j`` of ``x = v o s`` for ``j = 1..degree``.

    Parameters
    ----------
    v_site_major : ndarray of int, shape (N, n_patterns)
    s : ndarray of int, shape (B, N), entries +-1
    degree : int
    exact_object : bool
        Compute with Python integers (object arrays) instead of int64.

    Returns
    -------
    p : ndarray, shape (B, n_patterns, degree + 1)
        ``p[..., 0] = N`` (unused by Newton's identities), ``p[..., j]`` for ``j >= 1``.
    """
    dtype = object if exact_object else np.int64
    v = v_site_major.astype(dtype)
    ss = s.astype(dtype)
    B = s.shape[0]
    N, n = v.shape
    p = np.empty((B, n, degree + 1), dtype=dtype)
    p[..., 0] = N
    vj = np.ones_like(v)
    for j in range(1, degree + 1):
        vj = vj * v
        if j % 2:
            p[..., j] = ss @ vj          # s_i^j = s_i for odd j
        else:
            p[..., j] = vj.sum(axis=0)   # s_i^j = 1 for even j
    return p


def from_power_sums(p, degree):
    """Elementary symmetric polynomials ``e_0..e_degree`` from power sums (exact).

    Parameters
    ----------
    p : ndarray of int64 or object, shape (..., >= degree + 1)

    Returns
    -------
    e : ndarray of the same dtype, shape (..., degree + 1)
    """
    e = np.empty(p.shape[:-1] + (degree + 1,), dtype=p.dtype)
    e[..., 0] = 1
    for k in range(1, degree + 1):
        acc = np.zeros(p.shape[:-1], dtype=p.dtype)
        for j in range(1, k + 1):
            term = e[..., k - j] * p[..., j]
            acc = acc + term if j % 2 else acc - term
        e[..., k] = acc // k    # exact: Newton's identities give an integer multiple of k
    return e


def exact_sum(a, axis=-1):
    """Sum of an integer array without overflow (Python integers), as an object array or int."""
    return np.sum(np.asarray(a).astype(object), axis=axis)
