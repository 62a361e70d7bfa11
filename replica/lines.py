"""Transition lines and critical capacities, by bracketing and bisection / Brent to a stated tolerance.

All functions take the family name, the level and control parameters as :func:`replica.solve`
does; one of the line's coordinates may be an array (a line is computed point by point).

* :func:`critical_capacity` -- the largest load with a (locally stable) retrieval state: the
  fold of the retrieval branch, ``alpha_c = max_m alpha(m)`` at fixed temperature (T = 0 by
  default), checked to be an interior maximum.
* :func:`retrieval_spinodal` -- ``alpha_M(T)``, the same fold at each temperature. The RS
  retrieval region of the Hopfield model is re-entrant: ``alpha_M`` first grows with T.
* :func:`glass_temperature` -- where the paramagnet loses stability (its replicon, which at
  q = 0 is the longitudinal glass mode, crosses zero): ``T_g = 1 + sqrt(alpha)`` for
  P = 2; none for P >= 3 (the glass appears discontinuously).
* :func:`retrieval_global_minimum` -- the load below which retrieval has the lowest free
  energy (``f_retrieval = min f`` of the other stable, admissible solutions).
* :func:`at_line` -- the temperature below which the RS retrieval state is AT-unstable.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from .api import check_quadrature
from .base import Batch, get_model, temperature_to_beta
from .result import Solution
from .solver import Options, analyse, iterate, named_start, search

__all__ = ["critical_capacity", "retrieval_spinodal", "glass_temperature", "retrieval_global_minimum",
           "at_line"]


def critical_capacity(model, level="rs", *, quadrature=None, xtol=1e-10, **params):
    """Storage capacity: the largest load with a locally stable retrieval state.

    Parameters
    ----------
    model : str
        ``"hopfield"`` or ``"dense"`` (or another family registering a retrieval branch and a
        load ``alpha``).
    level : str
    quadrature : optional
    xtol : float
        Tolerance on m at the fold (bounded Brent); the error of ``alpha_c`` is of order
        ``|alpha''| xtol^2``.
    **params
        Control parameters other than ``alpha``; ``beta`` (or ``T``) defaults to ``inf``
        (T = 0). Scalars only (use :func:`retrieval_spinodal` for a line).

    Returns
    -------
    Solution
        ``alpha`` (the capacity), the retrieval solution at the fold (``m``, ``q``, ...,
        ``free_energy``), ``interior`` (the maximum of ``alpha(m)`` is strictly interior),
        ``converged``, ``message``, ``xtol``, ``bracket`` (scan values of alpha around it).
    """
    if "alpha" in params:
        raise ValueError(f"critical_capacity solves for alpha: do not pass alpha (got alpha={params['alpha']!r})")
    temperature_to_beta(params)
    params.setdefault("beta", math.inf)
    return _fold_record(model, level, quadrature, xtol, "alpha", params)


def retrieval_spinodal(model, level="rs", *, quadrature=None, xtol=1e-9, **params):
    """The retrieval spinodal ``alpha_M(beta)``: fold of the retrieval branch at each beta.

    ``beta`` (or ``T``) may be an array (the line); the other parameters are scalars. Returns a
    :class:`Solution` with arrays of the shape of ``beta`` (fields as
    :func:`critical_capacity`).
    """
    if "alpha" in params:
        raise ValueError(f"retrieval_spinodal solves for alpha: do not pass alpha (got alpha={params['alpha']!r})")
    temperature_to_beta(params)
    if "beta" not in params:
        raise ValueError("retrieval_spinodal needs beta or T (scalar or array; beta = inf is T = 0)")
    return _over(params, "beta", lambda pr: _fold_record(model, level, quadrature, xtol, "alpha", pr))


def glass_temperature(model, level="rs", *, quadrature=None, xtol=1e-12, **params):
    """Temperature where the paramagnet becomes unstable (its replicon crosses zero).

    ``alpha`` may be an array. Returns a :class:`Solution` with ``T``, ``beta``,
    ``converged`` and ``message``. For P >= 3 there is no such point: ``converged`` is False
    and the message says so (the paramagnet stays locally stable; the glass appears
    discontinuously).
    """
    if "beta" in params:
        raise ValueError(f"glass_temperature solves for beta: do not pass beta (got beta={params['beta']!r})")
    temperature_to_beta(params, solves_for_beta=True)
    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    return _over(params, "alpha", lambda pr: _glass_point(mdl, quad, xtol, pr))


def retrieval_global_minimum(model, level="rs", *, quadrature=None, xtol=1e-9, **params):
    """The load ``alpha_G(beta)`` below which retrieval is the thermodynamic state.

    ``f_retrieval(alpha) = min f`` over the other locally stable, admissible solutions, solved
    by Brent's method between a small load and the retrieval spinodal. ``beta`` may be an
    array. Returns a :class:`Solution` with ``alpha``, ``competitor`` (the branch it ties
    with), ``free_energy``, ``converged``, ``message``.
    """
    if "alpha" in params:
        raise ValueError("retrieval_global_minimum solves for alpha: do not pass alpha")
    temperature_to_beta(params)
    if "beta" not in params:
        raise ValueError("retrieval_global_minimum needs beta or T (scalar or array; beta = inf is T = 0)")
    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    return _over(params, "beta", lambda pr: _global_point(model, level, mdl, quad, xtol, pr))


def at_line(model, level="rs", *, quadrature=None, xtol=1e-9, **params):
    """Temperature ``T_AT(alpha)`` below which the RS retrieval state is replicon (AT) unstable.

    ``alpha`` may be an array. Returns a :class:`Solution` with ``T``, ``beta``, ``m``,
    ``converged`` and ``message``.
    """
    if "beta" in params:
        raise ValueError("at_line solves for beta: do not pass beta")
    temperature_to_beta(params, solves_for_beta=True)
    if "alpha" not in params:
        raise ValueError("at_line needs alpha (scalar or array)")
    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    return _over(params, "alpha", lambda pr: _at_point(mdl, quad, xtol, pr))


# ---------------------------------------------------------------------- helpers
def _over(params, axis, fn):
    """Evaluate fn at every value of params[axis] (scalar or array); stack the records."""
    vals = np.asarray(params[axis], dtype=float)
    if vals.ndim == 0:
        return fn(params)
    recs = [fn({**params, axis: float(v)}) for v in vals.ravel()]
    out = Solution()
    for k in recs[0]:
        if k in ("params", "level", "model"):
            out[k] = recs[0][k]
            continue
        col = [r[k] for r in recs]
        try:
            out[k] = np.array(col).reshape(vals.shape + np.shape(col[0]))
        except ValueError:
            out[k] = np.array(col, dtype=object).reshape(vals.shape)
    out["params"] = {**recs[0]["params"], axis: vals}
    return out


def _batch(mdl, params, drop=()):
    shape, full = mdl.prepare({k: v for k, v in params.items() if k not in drop})
    if shape != ():
        raise ValueError(f"parameters must be scalars here, got shape {shape}")
    return Batch({k: v.reshape(1) for k, v in full.items()}, 1), full


def _fold_record(model, level, quadrature, xtol, free, params):
    mdl = get_model(model, level)
    quad = check_quadrature(quadrature, mdl)
    probe = {**params, free: 0.0}
    p, full = _batch(mdl, probe)
    # Model.fold: the generic scan + Brent of continuation.fold unless the family knows better
    # (learning: closed form at T = 0; 1RSB: from the RS fold)
    res = mdl.fold(p, quad, free=free, xtol=xtol)
    out = Solution()
    out[free] = res["value"]
    if res["converged"]:
        # the row parameters of the branch's start (e.g. a 1RSB ansatz) come with the fold
        pf = Batch({**p, **res.get("rows", {}), free: np.array([res["value"]])}, 1)
        a = analyse(mdl, res["x"][None], pf, quad)
        for k, v in a["obs"].items():
            v = np.asarray(v)[0]
            out[k] = float(v) if v.ndim == 0 else v
        out["free_energy"] = float(a["free_energy"][0])
        out["stability"] = float(a["stability"][0])
        out["at"] = float(a["at"][0])
    out["interior"] = res["interior"]
    out["converged"] = bool(res["converged"] and res["interior"])
    out["message"] = res["message"]
    out["xtol"] = xtol
    out["bracket"] = res["bracket"]
    out["params"] = {k: float(v[0]) for k, v in p.items() if k != free}
    out["level"], out["model"] = mdl.level, mdl.family
    return out


def _scan(mdl, quad, params, name, values, branch):
    """Solve the named branch at params with params[name] = each of values, in one batch.

    Returns (at, m, stability) arrays, NaN where the start did not converge to that branch.
    """
    values = np.asarray(values, dtype=float)
    p1, _ = _batch(mdl, {**params, name: float(values[0])})
    p = Batch({**{k: np.repeat(v, values.size) for k, v in p1.items()}, name: values}, values.size)
    start, p = named_start(mdl, p, quad, Options(), branch)
    at = np.full(values.size, np.nan)
    m = np.full(values.size, np.nan)
    stab = np.full(values.size, np.nan)
    if start is None:
        return at, m, stab
    it = iterate(mdl, p, quad, np.asarray(start, dtype=float), Options())
    ok = it.converged.copy()
    if ok.any():
        ok[ok] = mdl.classify(it.x[ok], p.take(ok)) == branch
    if ok.any():
        a = analyse(mdl, it.x[ok], p.take(ok), quad)
        at[ok], stab[ok] = a["at"], a["stability"]
        if "m" in a["obs"]:
            m[ok] = np.asarray(a["obs"]["m"], dtype=float).reshape(ok.sum(), -1)[:, 0]
    return at, m, stab


def _solution_at(mdl, quad, p, branch):
    """Iterate from the named start; the analysis if it converged to that branch, else None."""
    start, p = named_start(mdl, p, quad, Options(), branch)
    if start is None:
        return None, None
    it = iterate(mdl, p, quad, np.asarray(start, dtype=float), Options())
    if not it.converged[0] or mdl.classify(it.x, p)[0] != branch:
        return None, it
    return analyse(mdl, it.x, p, quad), it


def _glass_point(mdl, quad, xtol, params):
    out = Solution(T=math.nan, beta=math.nan, converged=False, message="", params=params,
                   level=mdl.level, model=mdl.family)

    def at_of(T):
        p, _ = _batch(mdl, {**params, "beta": 1.0 / T})
        a, it = _solution_at(mdl, quad, p, "paramagnet")
        return math.nan if a is None else float(a["at"][0])

    Ts = np.geomspace(20.0, 1e-3, 200)
    at, _, _ = _scan(mdl, quad, params, "beta", 1.0 / Ts, "paramagnet")
    if not at[0] > 0:
        out["message"] = f"the paramagnet is not a stable solution even at T = {Ts[0]:.3g}"
        return out
    bad = ~(at > 0)
    if not bad.any():
        out["message"] = (f"the paramagnet is replicon-stable at every T in [{Ts[-1]:.3g}, {Ts[0]:.3g}]: "
                          "no continuous glass transition (no quenched disorder, or P >= 3 where the glass "
                          "appears discontinuously)")
        return out
    i = int(np.argmax(bad))
    if not np.isfinite(at[i]):
        out["message"] = (f"the paramagnet stays replicon-stable down to where it ceases to exist "
                          f"(between T = {Ts[i]:.6g} and {Ts[i - 1]:.6g}): no continuous glass transition")
        return out
    Tg = brentq(at_of, Ts[i], Ts[i - 1], xtol=xtol, rtol=4 * np.finfo(float).eps)
    out.update(T=Tg, beta=1.0 / Tg, converged=True,
               message=f"paramagnet replicon crosses zero (Brent, xtol = {xtol:g})")
    return out


def _global_point(model, level, mdl, quad, xtol, params):
    out = Solution(alpha=math.nan, competitor="", free_energy=math.nan, converged=False, message="",
                   params=params, level=mdl.level, model=mdl.family)
    spin = _fold_record(model, level, quad, 1e-9, "alpha", params)
    if not spin["converged"]:
        out["message"] = "no retrieval spinodal: " + spin["message"]
        return out
    a_hi = spin["alpha"] * (1.0 - 1e-7)

    def gap(alpha):
        p, _ = _batch(mdl, {**params, "alpha": alpha})
        br, chosen, names = search(mdl, p, quad, Options())
        ret = br.get("retrieval")
        if ret is None or not ret["found"][0]:
            return math.nan, ""
        others = [(rec["free_energy"][0], nm) for nm, rec in br.items()
                  if nm != "retrieval" and rec["found"][0] and rec["stability"][0] > 0 and rec["admissible"][0]]
        if not others:
            return -math.inf, ""
        f_other, nm = min(others)
        return float(ret["free_energy"][0] - f_other), nm

    g_hi, nm_hi = gap(a_hi)
    if not np.isfinite(g_hi) or g_hi < 0:
        out.update(alpha=spin["alpha"], converged=True, competitor=nm_hi,
                   message="retrieval is the global minimum up to its spinodal")
        return out
    a_lo = spin["alpha"] * 1e-3
    g_lo, _ = gap(a_lo)
    if not g_lo < 0:
        out["message"] = f"retrieval is not the global minimum even at alpha = {a_lo:.3g}"
        return out
    root = brentq(lambda a: gap(a)[0], a_lo, a_hi, xtol=xtol, rtol=4 * np.finfo(float).eps)
    g, nm = gap(root)
    p, _ = _batch(mdl, {**params, "alpha": root})
    a, _ = _solution_at(mdl, quad, p, "retrieval")
    out.update(alpha=root, competitor=nm, converged=True,
               free_energy=float(a["free_energy"][0]) if a is not None else math.nan,
               message=f"f(retrieval) = f({nm}) (Brent, xtol = {xtol:g})")
    return out


def _at_point(mdl, quad, xtol, params):
    out = Solution(T=math.nan, beta=math.nan, m=math.nan, converged=False, message="", params=params,
                   level=mdl.level, model=mdl.family)

    def at_of(T):
        p, _ = _batch(mdl, {**params, "beta": 1.0 / T})
        a, _ = _solution_at(mdl, quad, p, "retrieval")
        return (math.nan, math.nan) if a is None else (float(a["at"][0]), float(np.asarray(a["obs"]["m"])[0]))

    # T_AT is exponentially small at small alpha (lambda ~ alpha beta phi(1/sqrt(alpha))):
    # scan T geometrically from 1e-10, within the first window where retrieval exists
    # (re-entrant: near alpha_c it exists only between two temperatures)
    Ts = np.geomspace(1e-10, 2.0, 104)
    at, _, _ = _scan(mdl, quad, params, "beta", 1.0 / Ts, "retrieval")
    exists = np.isfinite(at)
    seen = bool(exists.any())
    if seen:
        first = int(np.argmax(exists))
        last = first + (int(np.argmin(exists[first:])) if not exists[first:].all() else exists[first:].size) - 1
        win = at[first:last + 1]
        if win[0] > 0:
            out["message"] = (f"the retrieval state is RS stable (AT) already at the lowest T where it exists "
                              f"(T = {Ts[first]:.3g}): T_AT is below it")
            return out
        pos = np.flatnonzero(win > 0)
        if pos.size:
            k = first + int(pos[0])
            Tat = brentq(lambda t: at_of(t)[0], Ts[k - 1], Ts[k], xtol=xtol * Ts[k - 1], rtol=1e-12)
            out.update(T=Tat, beta=1.0 / Tat, m=at_of(Tat)[1], converged=True,
                       message=f"retrieval replicon crosses zero (Brent, relative xtol = {xtol:g})")
            return out
    out["message"] = ("the retrieval state is AT-unstable on the whole scan" if seen
                      else "no retrieval state on the whole scan")
    return out
