"""Small-N reference: the explicit coupling tensor and brute-force energies. Tests only.

Nothing here is used by the engines: these functions build what :class:`hebbian.Network`
deliberately never builds (an N^P tensor) so that tests can check the implicit formulas
against a direct sum over index tuples.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["coupling_tensor", "tensor_energy", "brute_force_energy"]

_MAX_ENTRIES = 2 ** 24


def coupling_tensor(net):
    """Explicit symmetric coupling tensor ``J`` of a network, for tuples of distinct indices.

    ``H(s) = -sum_{i_1 < ... < i_P} J[i_1, ..., i_P] s_{i_1} ... s_{i_P}`` with
    ``J[i_1..i_P] = scale * sum_p v^p_{i_1} ... v^p_{i_P}``; entries with a repeated index are
    zero (distinct-tuple model) or carry the self-interaction weights (``tuples="all"``,
    ``H = -sum over all ordered tuples of J s..s`` with ``J = scale/P! sum_p v..v``).

    Returns
    -------
    J : ndarray of float64, shape (N,) * P
    """
    N, P = net.N, net.P
    if N ** P > _MAX_ENTRIES:
        raise ValueError(f"coupling_tensor is a small-N reference: N^P = {N ** P} entries is too many")
    v = net.stored.astype(np.float64)                            # (n_stored, N)
    letters = "abcdefghij"[:P]
    spec = ",".join("p" + c for c in letters) + "->" + letters
    J = np.einsum(spec, *([v] * P))
    if net.tuples == "distinct":
        idx = np.indices((N,) * P).reshape(P, -1)
        repeated = np.zeros(N ** P, dtype=bool)
        for a, b in itertools.combinations(range(P), 2):
            repeated |= idx[a] == idx[b]
        J.reshape(-1)[repeated] = 0.0
        return net.scale * J
    return net.scale / math.factorial(P) * J


def tensor_energy(net, J, s):
    """Energy from the explicit tensor: distinct tuples i_1 < ... < i_P, or all ordered tuples."""
    s = np.asarray(s, dtype=np.float64)
    P = net.P
    letters = "abcdefghij"[:P]
    val = np.einsum(letters + "," + ",".join(letters), J, *([s] * P))
    if net.tuples == "distinct":
        val /= math.factorial(P)          # the ordered sum counts each distinct set P! times
    return -float(val)


def brute_force_energy(net, s):
    """Energy by an explicit loop over index tuples and stored patterns (slowest, clearest)."""
    s = [int(x) for x in np.asarray(s)]
    v = net.stored.astype(np.int64).tolist()
    N, P = net.N, net.P
    tuples = itertools.combinations(range(N), P) if net.tuples == "distinct" else \
        itertools.product(range(N), repeat=P)
    total = 0
    for t in tuples:
        sprod = math.prod(s[i] for i in t)
        total += sprod * sum(math.prod(row[i] for i in t) for row in v)
    if net.tuples == "all":
        return -net.scale * total / math.factorial(P)
    return -net.scale * total
