"""Folds (capacity, retrieval spinodal) of the 1RSB families: the hook used by ``replica.lines``.

The 1RSB retrieval branch is followed in its overlap with the load solved for, and the fold
is the interior maximum of alpha(n) (:func:`replica._rsb_solve.fold`). It starts from the
RS fold (the RS retrieval branch followed from a small load): where the RS state is
AT-stable at its fold, or the 1RSB correction is not resolved there, the 1RSB fold is the
RS one (the message says which).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _rsb_solve as S


def fold_1rsb(family_model, p, *, free="alpha", xtol=1e-9):
    """Fold of the retrieval branch in alpha at the single point ``p`` (its alpha is ignored).

    Returns the dict of :func:`replica.continuation.fold`: ``value, x, along, interior,
    converged, message, bracket``.
    """
    if free != "alpha":
        raise ValueError(f"the 1RSB models locate folds in the load only: free must be 'alpha', got {free!r}")
    out = {"value": math.nan, "x": np.full(4, np.nan), "along": math.nan, "interior": False,
           "converged": False, "message": "", "bracket": (math.nan, math.nan)}
    make = lambda a: family_model.scalar_at(p, alpha=a)
    unit = family_model.load_unit(p)
    # bracket the RS fold: follow the RS retrieval state up a geometric grid of loads
    a0 = 1e-4 * unit
    guess = (1.0, _c_guess(make(a0)))
    last = None
    a = a0
    while a < 10.0 * unit:
        r = S.solve_rs(make(a), guess, relax=200 if last is None else 0)
        if not r["converged"] or abs(r["n"]) < 1e-3:
            break
        last = (a, r)
        guess = (r["n"], r["C"])
        a *= 1.1
    if last is None:
        out["message"] = f"no retrieval state at this temperature even at alpha = {a0:.3g}: no fold"
        return out
    a_last, r_last = last
    rs = S.fold(make, a_last, [r_last["C"]], r_last["n"], level="rs", step=2e-4)
    if not rs["converged"]:
        out["message"] = "RS retrieval fold not found (start of the 1RSB search): " + rs["message"]
        return out
    a_rs, n_rs, C_rs = rs["p"], rs["n"], rs["C"]
    rs_row = np.array([n_rs, 0.0, C_rs, 1.0])
    if rs["at"] < 1.0:
        out.update(value=a_rs, x=rs_row, along=n_rs, interior=True, converged=True,
                   message=(f"RS is AT-stable at its fold (lambda_AT = {rs['at']:.4g} < 1): the 1RSB "
                            f"retrieval branch reduces to RS there and the fold is the RS one"),
                   bracket=(a_rs, a_rs))
        return out
    start = S.retrieval(make(a_rs * 0.99))
    if not start["converged"]:
        out["message"] = "1RSB retrieval state not found near the RS fold: " + start["message"]
        return out
    if start["level"] == "rs":
        out.update(value=a_rs, x=rs_row, along=n_rs, interior=True, converged=True,
                   message="the 1RSB retrieval state reduces to RS near the fold (" + start["message"]
                           + "): the fold is the RS one", bracket=(a_rs, a_rs))
        return out
    res = S.fold(make, a_rs * 0.99, [start["delta"], start["C"], start["mu"]], start["n"], level="1rsb",
                 step=0.002)
    if not res["converged"]:
        out["message"] = "1RSB fold: " + res["message"]
        out["interior"] = bool(res.get("interior", False))
        return out
    out.update(value=res["p"], x=np.array([res["n"], res["delta"], res["C"], res["mu"]]), along=res["n"],
               interior=bool(res["interior"]), converged=True,
               message=(f"fold of the 1RSB retrieval branch: maximum of alpha({family_model.overlap}) at "
                        f"{family_model.overlap} = {res['n']:.10g} (bounded Brent, xatol = 1e-9; "
                        f"interior: {res['interior']}); RS fold alpha = {a_rs:.10g}"),
               bracket=(a_rs, res["p"]))
    return out


def _c_guess(mdl):
    return 0.05 if math.isinf(mdl.beta) else min(0.05, 0.5 * mdl.beta)
