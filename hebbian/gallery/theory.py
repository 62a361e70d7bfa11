"""Theory at Monte Carlo points: the branch a simulation follows.

The replica engine is imported lazily (as by the sweep adapters), so that ``hebbian`` imports
without it.
"""

from __future__ import annotations

import math

import numpy as np


__all__ = ["branch_state"]


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
