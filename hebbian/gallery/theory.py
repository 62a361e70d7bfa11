"""Theory at Monte Carlo points: the finite-N mapping and the branch a simulation follows.

The replica engine is imported lazily (as by the sweep adapters), so that ``hebbian`` imports
without it.
"""

from __future__ import annotations

import math

import numpy as np

from ..network import normalization_constant

__all__ = ["effective_parameters", "branch_state", "interpolate"]


def effective_parameters(N, P, alpha, beta, normalization="power", K=None):
    """``Network.effective_parameters`` of the network a Monte Carlo task draws, without drawing it.

    ``K = max(1, round(alpha N^(P-1)))`` as :func:`hebbian.models.make_network` (or ``K``);
    ``alpha_eff = K / ((N-1)...(N-P+1))``, ``beta_eff = lambda beta``,
    ``lambda = c_{N,P} C(N-1, P-1) / (P/2)``.

    Returns
    -------
    dict with ``alpha``, ``beta``, ``K``, ``lambda``.
    """
    N, P = int(N), int(P)
    if K is None:
        K = max(1, int(round(alpha * float(N) ** (P - 1))))
    lam = normalization_constant(N, P, normalization) * math.comb(N - 1, P - 1) / (P / 2.0)
    return {"alpha": K / math.perm(N - 1, P - 1), "beta": beta * lam, "K": int(K), "lambda": lam}


def branch_state(model, branch="retrieval", level="rs", fallback=True, **params):
    """Solve at one point and return the record of ``branch`` (what a run started there follows).

    Where the branch does not exist (beyond its spinodal) and ``fallback``: the thermodynamic
    state, with ``record["branch"]`` saying which.

    Returns
    -------
    dict with the record fields (``m``, ``converged``, ``rs_stable``, ``stability``, ...) and
    ``branch`` (the name of the state returned) and ``exists`` (the requested branch exists).
    """
    import replica
    sol = replica.solve(model, level, **params)
    rec = sol["branches"].get(branch)
    if rec is not None and bool(np.all(rec["found"])):
        out = dict(rec)
        out["branch"], out["exists"] = branch, True
        return out
    if not fallback:
        return {"m": math.nan, "converged": False, "branch": branch, "exists": False, "rs_stable": False}
    out = {k: v for k, v in sol.items() if k != "branches"}
    out["exists"] = False
    return out


def interpolate(x, xs, ys):
    """Linear interpolation of a theory curve, NaN outside its converged range."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if xs.size < 2:
        return np.full(np.shape(x), np.nan)
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    return np.interp(x, xs, ys, left=np.nan, right=np.nan)
