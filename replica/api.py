"""Public entry points: :func:`solve` and the dispatch to registered models."""

from __future__ import annotations

import math

import numpy as np

from . import quadrature as _quadrature
from .base import Batch, get_model, temperature_to_beta
from .result import Solution
from .solver import Options, search

__all__ = ["solve", "follow", "check_quadrature", "solve_batch"]


def solve(model, level="rs", *, quadrature=None, tol=1e-10, maxiter=1000, **params):
    """Solve the replica equations of a model family and pick the thermodynamic state.

    Parameters
    ----------
    model : str
        Family: ``"hopfield"``, ``"dense"``, ``"multitasking"``, ``"supervised"``,
        ``"unsupervised"`` (those registered; see :func:`replica.base.registered`).
    level : str
        ``"rs"`` (default) or ``"1rsb"``.
    quadrature : quadrature object, optional
        Gaussian averages (:class:`replica.quadrature.Breakpoint` by default).
    tol : float
        Convergence tolerance on ``max |F(x) - x| / (1 + |x|)``.
    maxiter : int
        Iteration budget per point and branch.
    **params
        Control parameters of the family (``alpha``, ``beta`` or ``T``, ``P``, ``K``, ``d``,
        ``rho`` or ``r`` and ``M``). A temperature is required: ``beta`` in ``(0, inf]`` or
        ``T = 1/beta`` in ``[0, inf)`` (not both); ``beta = inf`` (``T = 0``) is solved with the
        analytic T = 0 equations. Arrays broadcast together: the whole grid is solved in one
        vectorised pass.

    Returns
    -------
    Solution
        The thermodynamic state (lowest free energy among locally stable, admissible
        solutions) with every branch found in ``.branches``; see :class:`Solution` for the
        fields. Scalars for scalar parameters, arrays of the broadcast shape otherwise.

    Raises
    ------
    ValueError
        Unknown model or level, bad or missing parameter (the message names it), bad options.

    Examples
    --------
    >>> sol = solve("hopfield", alpha=0.05, beta=10.0)
    >>> sol.branch, round(sol.m, 5)
    ('retrieval', 0.99995)
    >>> solve("hopfield", alpha=0.05, T=0.1).m == sol.m
    True
    """
    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    opts = Options(tol=tol, maxiter=maxiter)
    shape, full = mdl.prepare(temperature_to_beta(params))
    return solve_batch(mdl, shape, full, quad, opts)


def check_quadrature(quadrature, model=None):
    """The default rule for None; ValueError unless the object has the methods the model uses
    (``model.quadrature_methods``: ``average`` and ``expect`` at RS, also ``nested`` at 1RSB)."""
    if quadrature is None:
        return _quadrature.DEFAULT
    needed = ("average", "expect") if model is None else tuple(model.quadrature_methods)
    missing = [m for m in needed if not callable(getattr(quadrature, m, None))]
    if missing:
        level = "" if model is None else f" at level {model.level!r}"
        raise ValueError(f"quadrature must provide {', '.join(m + '()' for m in needed)}{level} "
                         f"(e.g. replica.quadrature.Breakpoint()); {quadrature!r} has no {', '.join(missing)}")
    return quadrature


def solve_batch(mdl, shape, full, quad, opts):
    """Solve prepared parameters (``shape``, ``full`` from :meth:`Model.prepare`) -> Solution."""
    B = int(math.prod(shape))
    flat = Batch({k: v.reshape(B) for k, v in full.items()}, B)
    key = np.isinf(flat["beta"]).astype(np.int64).astype(object)
    extra = mdl.structure(flat)
    if extra is not None:
        # a 1-D object array of tuples (np.array of tuples would build a 2-D array and
        # split the batch wrongly)
        pairs = np.empty(B, dtype=object)
        pairs[:] = [(a, b) for a, b in zip(key, np.asarray(extra).tolist())]
        key = pairs
    branches, chosen_name, messages, groups_vars = {}, np.full(B, "", dtype=object), np.empty(B, dtype=object), set()
    converged = np.zeros(B, dtype=bool)
    for k in _unique(key):
        gidx = np.flatnonzero(np.array([kk == k for kk in key])) if extra is not None else np.flatnonzero(key == k)
        p = flat.take(gidx)
        br, chosen, names = search(mdl, p, quad, opts)
        groups_vars.add(names)
        for name, rec in br.items():
            g = branches.setdefault(name, _blank(B))
            _scatter(g, rec, gidx, B)
        chosen_name[gidx] = chosen["branch"]
        messages[gidx] = chosen["message"]
        converged[gidx] = chosen["converged"]

    # top-level record: the chosen branch at each point
    top = _blank(B)
    for name, g in branches.items():
        for k in g["obs"]:
            if k not in top["obs"]:
                top["obs"][k] = np.full(g["obs"][k].shape, np.nan)
    for name, g in branches.items():
        sel = chosen_name == name
        if sel.any():
            _copy_rows(top, g, sel)
    top["found"] = converged
    top["message"] = messages

    params = {k: (float(v.reshape(-1)[0]) if shape == () else v) for k, v in full.items()}
    out = _record(top, shape, params, mdl, chosen_name)
    out["branches"] = {name: _record(g, shape, params, mdl, None, branch_name=name) for name, g in branches.items()}
    return out


def _unique(key):
    seen = []
    for k in key:
        if k not in seen:
            seen.append(k)
    return seen


def _blank(B):
    return {"found": np.zeros(B, dtype=bool), "free_energy": np.full(B, np.nan),
            "iterations": np.zeros(B, dtype=np.int64), "nfev": np.zeros(B, dtype=np.int64),
            "residual": np.full(B, np.nan), "stability": np.full(B, np.nan), "at": np.full(B, np.nan),
            "admissible": np.zeros(B, dtype=bool), "message": np.full(B, "not found", dtype=object),
            "obs": {}}


def _scatter(g, rec, gidx, B):
    for k in ("found", "free_energy", "iterations", "nfev", "residual", "stability", "at", "admissible", "message"):
        g[k][gidx] = rec[k]
    for k, v in rec["obs"].items():
        if k not in g["obs"]:
            g["obs"][k] = np.full((B,) + v.shape[1:], np.nan)
        if g["obs"][k].shape[1:] != v.shape[1:]:
            raise ValueError(f"observable {k!r} has shape {v.shape[1:]} at some points and "
                             f"{g['obs'][k].shape[1:]} at others: solve such points separately")
        g["obs"][k][gidx] = v


def _copy_rows(top, g, sel):
    for k in ("free_energy", "iterations", "nfev", "residual", "stability", "at", "admissible"):
        top[k][sel] = g[k][sel]
    for k, v in g["obs"].items():
        top["obs"][k][sel] = v[sel]


def _record(g, shape, params, mdl, chosen_name, branch_name=None):
    B = int(math.prod(shape))
    found = g["found"]
    stab = g["stability"]
    at = g["at"]
    fields = {}
    for k, v in g["obs"].items():
        fields[k] = v
    fields["free_energy"] = g["free_energy"]
    fields["converged"] = found
    fields["message"] = g["message"]
    fields["iterations"] = g["iterations"]
    fields["nfev"] = g["nfev"]
    fields["residual"] = g["residual"]
    if chosen_name is not None:
        fields["branch"] = chosen_name
    else:
        fields["branch"] = np.where(found, branch_name, "").astype(object)
        fields["found"] = found
    fields["stable"] = found & (stab > 0)
    fields["stability"] = stab
    fields["at"] = at
    fields["rs_stable"] = found & (at > 0)
    out = Solution()
    for k, v in fields.items():
        v = np.asarray(v)
        v = v.reshape(shape + v.shape[1:]) if v.shape[:1] == (B,) else v
        if shape == () and v.ndim == 0:
            v = v.item()
        out[k] = v
    out["params"] = params
    out["level"] = mdl.level
    out["model"] = mdl.family
    return out


def follow(model, level="rs", *, branch="retrieval", start=None, quadrature=None, tol=1e-10, maxiter=1000,
           **params):
    """Continue one branch along a parameter path (natural-parameter continuation).

    Parameters
    ----------
    model, level, quadrature, tol, maxiter
        As for :func:`solve`.
    branch : str
        The branch to follow (the class its solutions must keep): the first point starts
        from the model's start of that name, or from ``start``; every next point from the
        previous solution (linearly extrapolated).
    start : Solution, optional
        A known solution of that branch (e.g. ``solve(...).branches["retrieval"]`` at or near
        the first point of the path): its order parameters start the continuation.
    **params
        Control parameters; they must broadcast to a 1-D path (e.g. ``beta`` an array of
        increasing values, the others scalars). Points are visited in order.

    Returns
    -------
    Solution
        Arrays along the path: the order parameters, ``free_energy``, ``energy``,
        ``entropy``, ``stable``, ``stability``, ``at``, ``rs_stable``, ``iterations``,
        ``residual``, ``found`` / ``converged`` and ``message``. Where the branch is lost (a
        fold: the solver leaves it) the rest of the path is not solved and says so.
    """
    from .continuation import follow as _follow

    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    opts = Options(tol=tol, maxiter=maxiter)
    shape, full = mdl.prepare(temperature_to_beta(params))
    if len(shape) != 1:
        raise ValueError(f"follow needs parameters that broadcast to a 1-D path, got shape {shape}")
    B = shape[0]
    p = Batch({k: v.reshape(B) for k, v in full.items()}, B)
    if len({bool(b) for b in np.isinf(p["beta"])}) > 1:
        raise ValueError("follow cannot mix beta = inf with finite beta on one path (different variables)")
    x_start = None
    if start is not None:
        names = mdl.variables(p.take([0]))
        missing = [v for v in names if v not in start]
        if missing:
            raise ValueError(f"start must be a solution record with the variables {names} of model "
                             f"{mdl.family!r}; missing {missing}")
        x_start = np.array([float(np.ravel(start[v])[0]) for v in names])
        if not np.all(np.isfinite(x_start)):
            raise ValueError(f"start has non-finite variables {dict(zip(names, x_start))} (a branch not found there?)")
    res = _follow(mdl, p, quad, branch=branch, opts=opts, x_start=x_start)
    out = Solution()
    a = res["analysis"]
    if a is not None:
        for k, v in a["obs"].items():
            out[k] = v
        out["free_energy"] = a["free_energy"]
        out["stability"] = a["stability"]
        out["stable"] = res["found"] & (a["stability"] > 0)
        out["at"] = a["at"]
        out["rs_stable"] = res["found"] & (a["at"] > 0)
    out["found"] = res["found"]
    out["converged"] = res["found"]
    out["message"] = res["message"]
    out["iterations"] = res["iterations"]
    out["residual"] = res["residual"]
    out["branch"] = branch
    out["params"] = full
    out["level"], out["model"] = mdl.level, mdl.family
    return out
