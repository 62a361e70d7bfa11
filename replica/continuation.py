"""Continuation of a branch along a parameter path, and folds (spinodals, capacities).

* :func:`follow` -- natural-parameter continuation: solve at each point of a path starting
  from the previous solution (linearly extrapolated), from a named branch's start at the
  first point. Where the branch is lost (a fold) the remaining points are reported as not
  found, with the reason.
* :func:`fold` -- the fold of a branch in a positive control parameter (``alpha`` by
  default), found by parametrising the branch by a condensed variable (``m``): with ``m``
  fixed, ``(other variables, log alpha)`` solve the saddle-point equations by Newton; the
  fold is the interior maximum of ``alpha(m)``, located by bounded Brent minimisation. This
  is exact up to ``xtol`` in m (the error in alpha is quadratic in it), unlike bisection on
  the existence of a solution, which suffers from critical slowing down at the fold.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar

from .base import Batch
from .solver import Options, _solve_stack, analyse, iterate, named_start, residual_norm

__all__ = ["follow", "fold", "maximise_along", "solve_fixed"]


def solve_fixed(model, p, quad, x0, *, fixed, value, free, free0, tol=1e-11, maxiter=60):
    """Solve the saddle-point equations with variable ``fixed`` held at ``value`` and the
    positive control parameter ``free`` unknown (Newton in ``log free``).

    Parameters
    ----------
    model : Model
    p : Batch
        One or more points (their ``free`` entries are ignored).
    x0 : ndarray, shape (B, n)
        Initial variables (the ``fixed`` column is overwritten by ``value``).
    fixed : str
        Name of the variable to hold (e.g. ``"m"``).
    value : float or ndarray (B,)
    free : str
        Name of the control parameter to solve for (e.g. ``"alpha"``, ``"rho"``).
    free0 : float or ndarray (B,), > 0
        Initial value of ``free``.

    Returns
    -------
    x : ndarray (B, n)
    free : ndarray (B,)
    converged : ndarray of bool (B,)
    residual : ndarray (B,)
    """
    names = list(model.variables(p))
    j = names.index(fixed)
    B, n = np.shape(x0)
    x = np.array(x0, dtype=float, copy=True)
    x[:, j] = value
    y = np.concatenate([np.delete(x, j, axis=1), np.log(np.broadcast_to(free0, (B,)))[:, None]], axis=1)

    others = [k for k in range(n) if k != j]
    values = np.broadcast_to(np.asarray(value, dtype=float), (B,))

    def unpack(yy, rows):
        xx = np.empty((len(rows), n))
        xx[:, others] = yy[:, :-1]
        xx[:, j] = values[rows]
        pp = Batch({**{k: v[rows] for k, v in p.items()}, free: np.exp(yy[:, -1])}, len(rows))
        return xx, pp

    def steps(yy, rows):
        xx, pp = unpack(yy, rows)
        return np.concatenate([model.fd_step(xx, pp)[:, others], 1e-7 * (1.0 + np.abs(yy[:, -1:]))], axis=1)

    def resid(yy, rows):
        xx, pp = unpack(yy, rows)
        with np.errstate(all="ignore"):
            ok = model.in_domain(xx, pp)
            R = np.full_like(xx, np.nan)
            if ok.any():
                R[ok] = model.residual(xx[ok], pp.take(ok), quad)
            res = residual_norm(xx, xx + R)
            floor = model.residual_noise(xx, pp)
        if floor is not None:
            # residuals within the model's quadrature noise count as converged
            quiet = np.all(np.abs(R) <= np.maximum(floor, tol * (1.0 + np.abs(xx))), axis=-1)
            res = np.where(quiet, np.minimum(res, tol), res)
        return R, res

    rows = np.arange(B)
    R, res = resid(y, rows)
    conv = res <= tol
    for _ in range(maxiter):
        act = np.flatnonzero(~conv & np.isfinite(res))
        if act.size == 0:
            break
        ya, Ra = y[act], R[act]
        h = steps(ya, act)
        Y = np.repeat(ya[None], n, axis=0)                     # all columns in one evaluation
        for k in range(n):
            Y[k, :, k] += h[:, k]
        Rp, _ = resid(Y.reshape(n * act.size, n), np.tile(act, n))
        J = np.transpose((Rp.reshape(n, act.size, n) - Ra[None]) / h.T[:, :, None], (1, 2, 0))
        dy = _solve_stack(J, -Ra)
        t = 1.0
        done = np.zeros(act.size, dtype=bool)
        for _ls in range(12):
            todo = np.flatnonzero(~done & np.all(np.isfinite(dy), axis=1))
            if todo.size == 0:
                break
            yt = ya[todo] + t * dy[todo]
            Rt, rt = resid(yt, act[todo])
            bound = 100.0 * res[act[todo]] if t == 1.0 else (1.0 - 1e-4 * t) * res[act[todo]]
            good = np.isfinite(rt) & (rt < bound)
            g = act[todo[good]]
            y[g], R[g], res[g] = yt[good], Rt[good], rt[good]
            done[todo[good]] = True
            t *= 0.5
        if not done.any():
            break
        conv = res <= tol
    x, pp = unpack(y, rows)
    return x, pp[free], conv, res


def fold(model, p, quad, *, free="alpha", along="m", branch="retrieval", xtol=1e-9, opts=None,
         grid=None, start=None):
    """The fold of ``branch`` in the control parameter ``free`` at one point ``p``.

    Parameters
    ----------
    model : Model
    p : Batch of size 1
        The other control parameters (the ``free`` entry is ignored).
    free : str
        Positive control parameter (``"alpha"``; ``"rho"`` for learning thresholds).
    along : str
        Condensed variable that parametrises the branch through the fold.
    branch : str
        Name of the model's start that starts the branch, and of its class.
    xtol : float
        Absolute tolerance on ``along`` at the maximum.
    grid : ndarray, optional
        Values of ``free`` scanned (batched) to bracket the fold; default geometric
        1e-8 ... 10 with ratio 1.25 (times ``model.load_scale`` for ``free="alpha"``).
    start : (ndarray (n,) or callable, dict), optional
        The start of the branch and its row parameters, instead of the model's start named
        ``branch``; a callable maps the batch of scan points to starts (G, n).

    Returns
    -------
    dict with ``value`` (the fold value of ``free``), ``x`` (variables at the fold), ``along``
    (its value there), ``interior`` (the maximum is strictly inside the scanned range),
    ``converged``, ``message``, ``bracket`` (the scan bracket).
    """
    opts = opts or Options()
    names = list(model.variables(p))
    if grid is None:
        grid = np.geomspace(1e-8, 10.0, 97)
        if free == "alpha":
            grid = grid * float(model.load_scale(p)[0])
    G = grid.size
    pg = Batch({**{k: np.repeat(v, G) for k, v in p.items()}, free: np.asarray(grid, dtype=float)}, G)
    if start is not None:
        x0, rows = start
        if callable(x0):                       # starts per scan point
            x0 = x0(pg)
        start = np.broadcast_to(np.asarray(x0, dtype=float), (G, len(names)))
        pg = Batch({**pg, **{k: np.broadcast_to(np.asarray(v, dtype=float), (G,)).copy() for k, v in rows.items()}}, G)
    else:
        start, pg = named_start(model, pg, quad, opts, branch)
    if start is None:
        have = [item[0] for item in model.starts(pg, quad, opts)]
        raise ValueError(f"branch must be a start of model {model.family!r} ({have}), got {branch!r}")
    it = iterate(model, pg, quad, np.asarray(start, dtype=float), opts)
    label = np.full(G, "", dtype=object)
    if it.converged.any():
        label[it.converged] = model.classify(it.x[it.converged], pg.take(it.converged))
    ok = it.converged & (label == branch)
    if ok.any():
        a = analyse(model, it.x[ok], pg.take(ok), quad)
        stab = np.full(G, -np.inf)
        stab[ok] = a["stability"]
        ok &= stab > 0
    out = _no_fold(len(names))
    if not ok[0]:
        out["message"] = (f"no stable {branch} solution even at {free} = {grid[0]:.3g} "
                          "(no fold: the branch does not exist here)")
        return out
    last = int(np.argmin(ok)) - 1 if not ok.all() else G - 1
    if last == G - 1:
        out["message"] = f"the {branch} branch exists on the whole scan up to {free} = {grid[-1]:.3g}: no fold found"
        return out
    res = maximise_along(model, pg.take([last]), quad, it.x[last], float(grid[last]), free=free, along=along,
                         branch=branch, xtol=xtol)
    res["bracket"] = (float(grid[last]), float(grid[last + 1]))
    return res


def _no_fold(n):
    return {"value": math.nan, "x": np.full(n, np.nan), "along": math.nan, "interior": False,
            "converged": False, "message": "", "bracket": (math.nan, math.nan)}


def maximise_along(model, p, quad, x_top, free_top, *, free="alpha", along="m", branch="retrieval", xtol=1e-9):
    """The fold from a point of the branch: the maximum of ``free`` along the branch
    parametrised by ``along``, marching down in ``along`` from ``x_top`` (a solution at
    ``free = free_top``, on the side where ``free`` grows as ``along`` decreases) until ``free``
    decreases, then bounded Brent (``xatol = xtol``). Each point holds ``along`` fixed and
    solves for ``free`` and the other variables (:func:`solve_fixed`).

    ``p`` is a batch of one row (with the row parameters of the branch's start, if any).
    Returns the dict of :func:`fold` (``bracket`` not set).
    """
    names = list(model.variables(p))
    ja = names.index(along)
    out = _no_fold(len(names))
    x_prev, f_prev = np.asarray(x_top, dtype=float).copy(), float(free_top)
    m_top = x_prev[ja]

    cache = {}

    def value_at(mv):
        key = float(mv)
        if key in cache:
            return cache[key]
        # warm start from the closest computed point
        if cache:
            near = min(cache, key=lambda k: abs(k - key))
            xs, fs = cache[near][1], cache[near][0]
            if not np.isfinite(fs):
                xs, fs = x_prev, f_prev
        else:
            xs, fs = x_prev, f_prev
        x, fv, conv, res = solve_fixed(model, p, quad, xs[None, :], fixed=along, value=mv, free=free, free0=fs)
        val = (float(fv[0]) if conv[0] else math.nan, x[0])
        cache[key] = val
        return val

    # march down in `along` from the last stable scan point until free(m) decreases
    delta = 1e-4 * max(abs(m_top), 1e-3)
    ms, fs = [m_top], [f_prev]
    while True:
        mv = m_top - delta
        if mv <= 0.0:
            out["message"] = f"{free}({along}) still increases at {along} -> 0: no interior maximum"
            return out
        fv, xv = value_at(mv)
        if not np.isfinite(fv):
            if delta > 1e-9 and len(ms) == 1:
                delta *= 0.1
                continue
            out["message"] = f"the {branch} branch at fixed {along} = {mv:.6g} did not converge"
            return out
        ms.append(mv)
        fs.append(fv)
        if len(fs) >= 3 and fs[-1] < fs[-2]:
            break
        if len(fs) == 2 and fs[-1] < fs[-2]:
            # the first step already decreases: the maximum lies between m_top and mv
            ms.insert(0, min(1.0, m_top + delta))
            fs.insert(0, -math.inf)
            break
        delta *= 1.5
    lo, hi = ms[-1], ms[-3]
    res = minimize_scalar(lambda mv: -_finite(value_at(mv)[0]), bounds=(lo, hi), method="bounded",
                          options={"xatol": xtol})
    m_star = float(res.x)
    f_star, x_star = value_at(m_star)
    interior = (lo + 2 * xtol < m_star < hi - 2 * xtol) and np.isfinite(f_star) and f_star >= max(
        _finite(value_at(lo)[0]), _finite(value_at(hi)[0]))
    out["rows"] = {k: np.asarray(v)[:1].copy() for k, v in p.items() if k != free}
    out.update(value=f_star, x=x_star, along=m_star, interior=bool(interior), converged=bool(np.isfinite(f_star)),
               message=(f"fold of the {branch} branch: maximum of {free}({along}) at {along} = {m_star:.10g} "
                        f"(bounded Brent, xatol = {xtol:g}; interior: {bool(interior)})"))
    return out


def _finite(v):
    return v if np.isfinite(v) else -1e300


def follow(model, p, quad, *, branch="retrieval", opts=None, x_start=None):
    """Natural-parameter continuation of a branch along the points of ``p`` (in order).

    The first point starts from ``x_start`` (shape (n,)) if given, else from the model's
    ``branch`` guess; every next point starts from
    the previous solution, linearly extrapolated from the two previous ones. A point where
    the iteration does not return to the same class of solution ends the branch (fold);
    later points are not solved.

    Returns
    -------
    dict with per-point arrays ``x`` (B, n), ``found`` (bool), ``iterations``,
    ``residual`` and ``message`` (object array), and the ``analysis`` dict of :func:`analyse`
    for found points (arrays over all points, NaN where not found).
    """
    opts = opts or Options()
    B = p.size
    names = list(model.variables(p))
    n = len(names)
    x = np.full((B, n), np.nan)
    found = np.zeros(B, dtype=bool)
    iters = np.zeros(B, dtype=np.int64)
    residual = np.full(B, np.nan)
    message = np.full(B, "not reached: the branch was lost earlier on the path", dtype=object)
    if x_start is not None:
        start = np.asarray(x_start, dtype=float).reshape(1, n)
    else:
        start, p0 = named_start(model, p.take([0]), quad, opts, branch)
        if start is None:
            have = [item[0] for item in model.starts(p.take([0]), quad, opts)]
            raise ValueError(f"branch must be one of the starts of model {model.family!r} "
                             f"({', '.join(have)}) unless a start solution is given, got {branch!r}")
        start = np.asarray(start, dtype=float)
        extra = {k: v for k, v in p0.items() if k not in p}
        if extra:                      # the start's row parameters hold along the whole path
            p = Batch({**p, **{k: np.repeat(v, B) for k, v in extra.items()}}, B)
    for i in range(B):
        pi = p.take([i])
        if i == 0:
            x0 = start
        elif i == 1 or not found[i - 2]:
            x0 = x[i - 1][None]
        else:
            x0 = (2 * x[i - 1] - x[i - 2])[None]
            if not model.in_domain(x0, pi)[0]:
                x0 = x[i - 1][None]
        it = iterate(model, pi, quad, x0, opts)
        iters[i], residual[i] = it.iterations[0], it.residual[0]
        lab = model.classify(it.x, pi)[0] if it.converged[0] else None
        if it.converged[0] and lab == branch:
            x[i], found[i] = it.x[0], True
            message[i] = "converged"
        else:
            why = f"converged to {lab}" if it.converged[0] else it.reasons()[0]
            message[i] = f"branch lost (fold between the previous point and this one): the solver {why}"
            break
    analysis = None
    if found.any():
        a = analyse(model, x[found], p.take(found), quad)
        analysis = {"free_energy": _spread(a["free_energy"], found), "stability": _spread(a["stability"], found),
                    "at": _spread(a["at"], found), "obs": {k: _spread(np.asarray(v, float), found)
                                                           for k, v in a["obs"].items()}}
    return {"x": x, "found": found, "iterations": iters, "residual": residual, "message": message,
            "analysis": analysis}


def _spread(v, mask):
    out = np.full((mask.size,) + np.shape(v)[1:], np.nan)
    out[mask] = v
    return out
