"""Solvers for the 1RSB models of :mod:`._rsb_models`: saddle points, glass, folds, transitions.

Unknowns (see :mod:`._rsb_models`): ``v = (n, delta, C, mu)`` for a 1RSB state,
``(n, C)`` for an RS state, ``(C, mu)`` for the glass (n = 0, q0 = 0). The Parisi
parameter equation ``df/dmu = 0`` is solved jointly with the others (scaled by ``1/delta``
so that the trivial RS solution delta = 0 is not a root); when no good guess is given, a
nested solve (the other equations at fixed mu, then a bracketed root of df/dmu in mu) finds
one. ``f`` is maximal in mu at the 1RSB saddle point (n -> 0), so df/dmu goes from + to -.
Every routine returns a dict with ``converged`` and ``message``; nothing fails silently.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ._rsb_newton import newton

_TOL = 1e-10


def _trust(kinds):
    """Trust region: ``"abs"`` components move by <= 0.05, ``"rel"`` ones by <= half their value."""
    kinds = tuple(kinds)

    def limit(x, dx):
        lam = 1.0
        for k, xi, di in zip(kinds, x, dx):
            cap = 0.05 if k == "abs" else 0.5 * abs(xi)
            if abs(di) > cap:
                lam = min(lam, cap / abs(di))
        return lam
    return limit


_TRUST_1RSB = _trust(("abs", "rel", "rel", "rel"))
_TRUST_RS = _trust(("abs", "rel"))


def _fail(message, **extra):
    out = {"converged": False, "message": message, "iterations": 0, "residual": math.inf}
    out.update(extra)
    return out


def _pack(model, ev, res, level):
    out = {k: v for k, v in ev.items() if k not in ("K", "R")}
    out.update(converged=bool(res.converged), message=res.message, iterations=res.iterations,
               residual=float(res.residual), level=level)
    return out


# ----------------------------------------------------------------------------- RS

def solve_rs(model, guess, *, tol=_TOL, relax=0):
    """RS saddle point from ``guess = (n, C)``.

    ``relax > 0`` first runs that many plain fixed-point iterations (they converge to the
    locally stable state, e.g. the retrieval state of largest overlap from n = 1, rather
    than to the unstable branch a bare Newton may find), then Newton polishes.
    """
    fun = lambda v: model.evaluate_rs(v[0], v[1])["R"]
    dom = lambda v: model.in_domain_rs(v[0], v[1])
    v = np.array(guess, dtype=float)
    for _ in range(relax):
        R = fun(v)
        vn = v + R
        if not dom(vn):
            break
        v = vn
        if np.max(np.abs(R)) < 1e-6:
            break
    res = newton(fun, v, dom, tol=tol, max_step=_TRUST_RS)
    ev = model.evaluate_rs(*res.x)
    out = _pack(model, ev, res, "rs")
    out.update(q0=ev["q"], q1=ev["q"], x=1.0, delta=0.0)
    return out


# ----------------------------------------------------------------------------- 1RSB

def _full_fun(model):
    def fun(v):
        ev = model.evaluate(*v)
        return np.append(ev["R"], ev["dfdmu"] / v[1])
    return fun


def _full_dom(model):
    return lambda v: model.in_domain(*v)


def solve_1rsb(model, guess=None, *, rs_guess=None, tol=_TOL, mu_grid=None):
    """1RSB saddle point of ``model``.

    Parameters
    ----------
    guess : sequence (n, delta, C, mu), optional
        Start of the joint Newton solve (continuation). If it fails or is absent, the nested
        solve starts from ``rs_guess``.
    rs_guess : sequence (n, C), optional
        An RS state near the wanted branch (default: the retrieval guess n = 1).

    Returns
    -------
    dict: order parameters (``m, n, q0, q1, x, mu, C, delta``), ``f``, ``energy``,
    ``replicon``, ``converged``, ``message``, ``iterations``, ``residual``, ``level="1rsb"``.
    When the stationary Parisi parameter would exceed 1 (no breaking), ``converged`` is
    False and ``message`` says that the 1RSB solution reduces to RS here.
    """
    if guess is not None:
        res = newton(_full_fun(model), guess, _full_dom(model), tol=tol, max_step=_TRUST_1RSB)
        if res.converged:
            return _pack(model, model.evaluate(*res.x), res, "1rsb")
    return _nested(model, rs_guess, tol, mu_grid)


def _inner(model, mu, v3, tol):
    fun = lambda v: model.evaluate(v[0], v[1], v[2], mu)["R"]
    dom = lambda v: model.in_domain(v[0], v[1], v[2], mu)
    return newton(fun, v3, dom, tol=tol, maxiter=25, max_step=_trust(("abs", "rel", "rel")))


def _nested(model, rs_guess, tol, mu_grid):
    beta = model.beta
    if rs_guess is None:
        rs_guess = (1.0, min(0.1, 0.5 * beta))
    rs = solve_rs(model, rs_guess, tol=tol, relax=200)
    if not rs["converged"]:
        return _fail(f"no RS state to start the 1RSB search from: {rs['message']}")
    n0, C0, q = rs["n"], rs["C"], rs["q"]
    if mu_grid is None:
        top = beta if not math.isinf(beta) else 300.0
        mu_grid = np.geomspace(min(0.05, 0.5 * top), top, 40)
    mu_grid = np.asarray(mu_grid, dtype=float)
    # march down from large mu (x -> 1 side), warm-starting each point, until df/dmu changes
    # sign (f is maximal in mu: df/dmu < 0 above the root, > 0 below)
    vals = []
    v3 = None
    bracket = None
    for mu in mu_grid[::-1]:
        tried = [v3] if v3 is not None else []
        tried += [(n0, d, C0) for d in (1e-2 * q, 1e-1 * q, 1e-3 * q, 0.3 * q)]
        for start in tried:
            if start is None or not model.in_domain(start[0], start[1], start[2], mu):
                continue
            r = _inner(model, mu, start, tol)
            if r.converged:
                v3 = r.x
                vals.append((mu, model.evaluate(v3[0], v3[1], v3[2], mu)["dfdmu"], v3.copy()))
                break
        else:
            v3 = None
        if len(vals) >= 2 and vals[-1][1] > 0.0 >= vals[-2][1]:
            bracket = (vals[-1][0], vals[-2][0], vals[-1][2])
            break
    if bracket is None:
        if vals and vals[0][1] > 0.0:
            return _fail("no 1RSB solution with x <= 1 (the stationary Parisi parameter would exceed 1): "
                         "the 1RSB state reduces to RS here", rs=rs)
        return _fail(f"no sign change of df/dmu on mu in [{mu_grid[0]:.3g}, {mu_grid[-1]:.3g}] "
                     f"({len(vals)} of {len(mu_grid)} inner solves converged)", rs=rs)
    state = {"v": bracket[2]}

    def g(mu):
        r = _inner(model, mu, state["v"], tol)
        if not r.converged:
            raise _InnerFailure(f"inner solve failed at mu = {mu:.6g}: {r.message}")
        state["v"] = r.x
        return model.evaluate(r.x[0], r.x[1], r.x[2], mu)["dfdmu"]

    try:
        mu_star = optimize.brentq(g, bracket[0], bracket[1], xtol=1e-12, rtol=1e-12)
        g(mu_star)
    except _InnerFailure as err:
        return _fail(str(err), rs=rs)
    v = np.append(state["v"], mu_star)
    res = newton(_full_fun(model), v, _full_dom(model), tol=tol, max_step=_TRUST_1RSB)
    if not res.converged:
        ev = model.evaluate(*v)
        out = _pack(model, ev, res, "1rsb")
        out["message"] = "nested solve only (joint Newton polish failed: " + res.message + ")"
        out["converged"] = bool(np.max(np.abs(ev["R"])) < 1e3 * tol)
        return out
    return _pack(model, model.evaluate(*res.x), res, "1rsb")


class _InnerFailure(RuntimeError):
    pass


# ----------------------------------------------------------------------------- glass

def solve_glass(model, guess, *, tol=_TOL):
    """1RSB spin-glass state (n = 0, q0 = 0) from ``guess = (C, mu)``."""
    def fun(v):
        C, mu = v
        ev = model.evaluate(0.0, model.q1(C), C, mu)
        return np.array([ev["R"][2], ev["dfdmu"]])

    def dom(v):
        C, mu = v
        return model.in_domain(0.0, model.q1(C), C, mu)

    res = newton(fun, guess, dom, tol=tol, max_step=_trust(("rel", "rel")))
    ev = model.evaluate(0.0, model.q1(res.x[0]), res.x[0], res.x[1])
    out = _pack(model, ev, res, "1rsb")
    out["q0"] = 0.0
    return out


# ----------------------------------------------------------------------------- folds

def fold(make, p0, v0, n0, *, level="1rsb", step=0.002, tol=_TOL, n_max=1.0):
    """Largest value of a control parameter with a solution: the fold of a branch.

    The branch is parametrised by its overlap ``n`` and the control parameter ``p`` (alpha,
    or the noise coefficient) is solved for together with the other unknowns; ``p(n)`` is
    then maximised over n (stepping to bracket the maximum, then Brent).

    Parameters
    ----------
    make : callable p -> model
    p0 : float
        Guess of p on the branch near ``n0``.
    v0 : sequence
        Guess of the other unknowns at ``n0``: (delta, C, mu) for 1RSB, (C,) for RS.
    n0 : float
        Starting overlap.

    Returns
    -------
    dict: ``p`` (the maximum), ``n``, the state at the fold, ``interior`` (True when p(n)
    decreases on both sides of the maximum), ``converged``, ``message``.
    """
    state = {"v": np.r_[p0, v0]}

    def solve_at(n, start):
        if level == "1rsb":
            fun = lambda v: _full_fun(make(v[0]))(np.r_[n, v[1:]])
            dom = lambda v: v[0] > 0 and make(v[0]).in_domain(n, *v[1:])
        else:
            fun = lambda v: make(v[0]).evaluate_rs(n, v[1])["R"]
            dom = lambda v: v[0] > 0 and make(v[0]).in_domain_rs(n, v[1])
        kinds = ("rel",) * len(start)
        return newton(fun, start, dom, tol=tol, max_step=_trust(kinds))

    r = solve_at(n0, state["v"])
    if not r.converged:
        return _fail(f"no {level} solution near the starting point n = {n0}: {r.message}")
    state["v"] = r.x
    samples = [(n0, r.x[0], r.x.copy())]
    v_start = r.x.copy()
    for direction in (-1.0, 1.0):
        v = v_start.copy()
        n = n0
        while True:
            n = n + direction * step
            if not (0.0 < n < n_max):
                break
            r = solve_at(n, v)
            if not r.converged:
                break
            v = r.x
            samples.append((n, r.x[0], r.x.copy()))
            if r.x[0] < max(s[1] for s in samples) * (1.0 - 1e-4):
                break
    samples.sort(key=lambda s: s[0])
    i = max(range(len(samples)), key=lambda k: samples[k][1])
    interior = 0 < i < len(samples) - 1
    if not interior:
        return _fail(f"the maximum of the control parameter along the branch is at the end of the "
                     f"explored range (n = {samples[i][0]:.4g}): no interior fold found",
                     p=samples[i][1], n=samples[i][0], interior=False)
    lo, hi = samples[i - 1][0], samples[i + 1][0]
    state["v"] = samples[i][2]

    def neg_p(n):
        rr = solve_at(n, state["v"])
        if not rr.converged:
            raise _InnerFailure(f"solve failed at n = {n:.8g} near the fold: {rr.message}")
        state["v"] = rr.x
        return -rr.x[0]

    try:
        o = optimize.minimize_scalar(neg_p, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9})
        neg_p(o.x)
    except _InnerFailure as err:
        return _fail(str(err), interior=True)
    v = state["v"]
    model = make(v[0])
    if level == "1rsb":
        ev = model.evaluate(o.x, *v[1:])
    else:
        ev = model.evaluate_rs(o.x, v[1])
    out = {k: val for k, val in ev.items() if k not in ("K", "R")}
    out.update(p=float(v[0]), n=float(o.x), interior=True, converged=True,
               message="fold located (interior maximum of the control parameter)", level=level,
               residual=float(np.max(np.abs(ev["R"]))))
    return out


# ----------------------------------------------------------------------------- P-spin glass

def pspin_transitions(P, c=0.5, *, tol=1e-12):
    """Static (T_s) and dynamic (T_d) 1RSB transitions of the Ising P-spin glass, xi = c q^P.

    Uses the x = 1 forms: the Gaussian shift turns the Parisi weight cosh(beta h) into a
    shift of the field, ``q1 = E tanh^2(beta s z + beta^2 s^2)``, ``s^2 = xi'(q1)``.
    T_d is the highest T where this has a solution q1 > 0; T_s is where, in addition,
    ``dA/dx = E ln cosh(beta s z + beta^2 s^2) - (beta^2/2)[(1 + q1) xi'(q1) - xi(q1)]``
    vanishes (the complexity of the equilibrium states is zero). The temperatures scale as
    ``sqrt(2c)`` (``T ~ sqrt(xi)``).

    Returns
    -------
    dict: ``T_s, q_s, T_d, q_d`` (for ``xi = c q^P``).
    """
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()

    def x1(q, beta):
        s2 = c * P * q ** (P - 1)
        y = beta * math.sqrt(s2) * z + beta * beta * s2
        t = np.tanh(y)
        ay = np.abs(y)
        lncosh = ay + np.log1p(np.exp(-2.0 * ay)) - math.log(2.0)
        F = w @ (t * t) - q
        S = w @ lncosh - 0.5 * beta * beta * ((1.0 + q) * s2 - c * q ** P)
        return F, S

    def beta_of_q(q):
        g = lambda b: x1(q, b)[0]
        return optimize.brentq(g, 1e-3, 50.0, xtol=tol)

    o = optimize.minimize_scalar(beta_of_q, bounds=(0.05, 0.995), method="bounded", options={"xatol": 1e-10})
    qd, bd = float(o.x), float(o.fun)
    # T_s: on the upper branch q > q_d, find where S(q, beta(q)) = 0
    S_of_q = lambda q: x1(q, beta_of_q(q))[1]
    qs = optimize.brentq(S_of_q, qd + 1e-6, 0.9999, xtol=tol)
    return {"T_s": 1.0 / beta_of_q(qs), "q_s": qs, "T_d": 1.0 / bd, "q_d": qd}
