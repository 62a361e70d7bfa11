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


#: below this q1 - q0 the 1RSB state is not resolved from RS (f differs by ~ delta^3)
DELTA_MIN = 1e-7


def solve_1rsb(model, guess=None, *, rs_guess=None, tol=_TOL, mu_grid=None):
    """1RSB saddle point of ``model`` on the branch that bifurcates from the RS state.

    Parameters
    ----------
    guess : sequence (n, delta, C, mu), optional
        Start of the joint Newton solve (continuation). If it fails or is absent, the nested
        solve starts from the RS state at ``rs_guess``.
    rs_guess : sequence (n, C), optional
        An RS state near the wanted branch (default: the retrieval guess n = 1).

    Returns
    -------
    dict: order parameters (``m, n, q0, q1, x, mu, C, delta``), ``f``, ``energy``,
    ``replicon``, ``converged``, ``message``, ``iterations``, ``residual``, ``level``.
    ``level = "rs"`` (with ``delta = 0``, ``x = 1``) when the 1RSB solution reduces to RS:
    the RS state is AT-stable (no branch bifurcates), the stationary Parisi parameter would
    exceed 1, or ``q1 - q0 < DELTA_MIN`` (not resolved; f differs by ~ delta^3).
    """
    if guess is not None:
        res = newton(_full_fun(model), guess, _full_dom(model), tol=tol, max_step=_TRUST_1RSB)
        if res.converged and res.x[1] > DELTA_MIN:
            return _pack(model, model.evaluate(*res.x), res, "1rsb")
    return _nested(model, rs_guess, tol, mu_grid)


def _inner(model, mu, v3, tol, maxiter=20):
    fun = lambda v: model.evaluate(v[0], v[1], v[2], mu)["R"]
    dom = lambda v: model.in_domain(v[0], v[1], v[2], mu)
    return newton(fun, v3, dom, tol=tol, maxiter=maxiter, max_step=_trust(("abs", "rel", "rel")),
                  max_halvings=6)


def _as_rs(rs, why):
    out = dict(rs)
    out.update(level="rs", message=f"the 1RSB solution reduces to RS here ({why})")
    if "mu" not in out:
        out["mu"] = math.inf
    return out


def _nested(model, rs_guess, tol, mu_grid):
    beta = model.beta
    if rs_guess is None:
        rs_guess = (1.0, min(0.1, 0.5 * beta))
    rs = solve_rs(model, rs_guess, tol=tol, relax=200)
    if not rs["converged"]:
        return _fail(f"no RS state to start the 1RSB search from: {rs['message']}")
    if abs(rs_guess[0]) > 0.0 and abs(rs["n"]) < 1e-6:
        return _fail("no RS state to start the 1RSB search from: from n = "
                     f"{rs_guess[0]:g} the RS iteration reached n = 0 (no RS retrieval state here)")
    if rs["at"] < 1.0:
        return _as_rs(rs, f"RS is AT-stable: lambda_AT = {rs['at']:.4g} < 1, no 1RSB branch bifurcates")
    n0, C0, q = rs["n"], rs["C"], rs["q"]
    if mu_grid is None:
        top = beta if not math.isinf(beta) else 300.0
        mu_grid = np.geomspace(min(0.05, 0.5 * top), top, 24)
    mu_grid = np.asarray(mu_grid, dtype=float)
    if math.isinf(beta):
        # T = 0: mu is unbounded; extend the grid upwards while df/dmu > 0 at its top
        top = mu_grid[-1]
        for _ in range(8):
            r = None
            for d in (1e-8, 1e-6, 1e-4):
                r = _inner(model, top, (n0, d * q, C0), tol)
                if r.converged:
                    break
            if r is None or not r.converged or r.x[1] < DELTA_MIN:
                break
            if model.evaluate(r.x[0], r.x[1], r.x[2], top)["dfdmu"] <= 0.0:
                break
            top *= 4.0
            mu_grid = np.append(mu_grid, np.geomspace(mu_grid[-1], top, 5)[1:])
    # march down from large mu (x -> 1 side), warm-starting each point, until df/dmu changes
    # sign (f is maximal in mu: df/dmu < 0 above the root, > 0 below). The branch that
    # bifurcates from RS has the smallest delta: start from small delta (a start with a large
    # delta may land on another, unphysical 1RSB solution of lower overlap).
    vals = []
    v3 = None
    bracket = None
    misses = 0
    for mu in mu_grid[::-1]:
        tried = [v3] if v3 is not None else []
        tried += [(n0, d * q, C0) for d in (1e-8, 1e-6, 1e-4, 1e-2)]
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
            misses += 1
            if misses >= 4:
                break
            continue
        misses = 0
        if len(vals) >= 2 and vals[-1][1] > 0.0 >= vals[-2][1]:
            bracket = vals[-1] + vals[-2]
            break
    if vals and max(v[2][1] for v in vals) < DELTA_MIN:
        return _as_rs(rs, f"q1 - q0 < {DELTA_MIN:g} for every x: not resolved from RS")
    if bracket is None:
        if vals and vals[0][1] > 0.0 and not math.isinf(beta):
            return _as_rs(rs, "the stationary Parisi parameter would exceed 1")
        return _fail(f"no sign change of df/dmu on mu in [{mu_grid[0]:.3g}, {mu_grid[-1]:.3g}] "
                     f"({len(vals)} of {len(mu_grid)} inner solves converged)", rs=rs)
    try:
        mu_star, v_star = _root_in_mu(model, bracket, tol)
    except _InnerFailure as err:
        if max(bracket[2][1], bracket[5][1]) < 1e3 * DELTA_MIN:
            return _as_rs(rs, f"q1 - q0 ~ {bracket[2][1]:.2g}: at the resolution limit, the inner "
                              f"solves fail ({err})")
        return _fail(str(err), rs=rs)
    state = {"v": v_star}
    v = np.append(state["v"], mu_star)
    if v[1] < DELTA_MIN:
        return _as_rs(rs, f"q1 - q0 = {v[1]:.2g} < {DELTA_MIN:g}: not resolved from RS")
    res = newton(_full_fun(model), v, _full_dom(model), tol=tol, max_step=_TRUST_1RSB)
    if not res.converged:
        ev = model.evaluate(*v)
        out = _pack(model, ev, res, "1rsb")
        out["message"] = "nested solve only (joint Newton polish failed: " + res.message + ")"
        out["converged"] = bool(np.max(np.abs(ev["R"])) < 1e3 * tol)
        return out
    return _pack(model, model.evaluate(*res.x), res, "1rsb")


def retrieval(model, guess=None, *, tol=_TOL):
    """The 1RSB retrieval state, robustly: from ``guess``, else by the nested search, else
    (loads between the RS and the 1RSB capacity, where no RS state exists) by continuation
    in the load from a smaller one where the search succeeds.

    Returns the dict of :func:`solve_1rsb` (``level = "rs"`` where it reduces to RS).
    """
    out = solve_1rsb(model, guess, tol=tol)
    if out["converged"]:
        return out
    # march: find a smaller load with a resolvable 1RSB retrieval state, then come back up
    s = 1.0
    base = None
    for _ in range(40):
        s *= 0.97
        trial = solve_1rsb(model.scaled(s), tol=tol)
        if trial["converged"] and trial["level"] == "1rsb":
            base = trial
            break
        if trial["converged"]:
            return _fail(f"no RS retrieval state at this load, and at load x {s:.3g} the 1RSB retrieval "
                         f"state is not resolved from RS ({trial['message']})")
    if base is None:
        return _fail("no RS retrieval state at this load and no 1RSB retrieval state found down to "
                     f"load x {s:.3g}")
    v = np.array([base["n"], base["delta"], base["C"], base["mu"]])
    ds = 1.0 - s
    step = min(0.01, ds)
    while s < 1.0:
        s_new = min(1.0, s + step)
        r = newton(_full_fun(model.scaled(s_new)), v, _full_dom(model.scaled(s_new)), tol=tol,
                   max_step=_TRUST_1RSB)
        if r.converged and r.x[0] > 1e-6:
            v, s = r.x, s_new
            step = min(2.0 * step, 0.05)
        else:
            step *= 0.5
            if step < 1e-6:
                return _fail(f"continuation in the load stopped at load x {s:.6g}: the 1RSB retrieval "
                             f"branch ends (fold) before this load")
    res = newton(_full_fun(model), v, _full_dom(model), tol=tol, max_step=_TRUST_1RSB)
    out = _pack(model, model.evaluate(*res.x), res, "1rsb")
    if res.converged:
        out["message"] = "converged (continuation in the load from below the RS capacity)"
    return out


class _InnerFailure(RuntimeError):
    pass


def _root_in_mu(model, bracket, tol):
    """Root of df/dmu on a bracket (mu_a, g_a, v_a, mu_b, g_b, v_b), g_a > 0 >= g_b.

    Illinois (regula falsi) iteration; each inner solve is warm-started from the bracket end
    nearest to the new mu, so the branch is kept.
    """
    mu_a, g_a, v_a, mu_b, g_b, v_b = bracket
    side = 0
    for _ in range(100):
        mu = (mu_a * g_b - mu_b * g_a) / (g_b - g_a)
        if not (min(mu_a, mu_b) < mu < max(mu_a, mu_b)):
            mu = 0.5 * (mu_a + mu_b)
        start = v_a if abs(mu - mu_a) < abs(mu - mu_b) else v_b
        r = _inner(model, mu, start, tol)
        if not r.converged:
            raise _InnerFailure(f"inner solve failed at mu = {mu:.6g}: {r.message}")
        g = model.evaluate(r.x[0], r.x[1], r.x[2], mu)["dfdmu"]
        if g > 0.0:
            mu_a, g_a, v_a = mu, g, r.x
            if side == 1:
                g_b *= 0.5
            side = 1
        else:
            mu_b, g_b, v_b = mu, g, r.x
            if side == -1:
                g_a *= 0.5
            side = -1
        if abs(mu_b - mu_a) <= 1e-7 * abs(mu) or g == 0.0:
            break
    return mu, r.x


# ----------------------------------------------------------------------------- glass

def _glass_eval(model, C, mu):
    return model.evaluate(0.0, model.q1(C), C, mu)


def solve_glass(model, guess=None, *, tol=_TOL, q0_free=None):
    """1RSB spin-glass state (n = 0), from a guess or by a nested search.

    For P >= 3 (``q0_free`` False, the default for dense models) the zero-field glass has
    q0 = 0 (checked: maximising f over q0 gives 0) and the unknowns are ``guess = (C, mu)``.
    For pairwise models (Hopfield, and P = 2 in general: SK-like, ``q0_free`` True by
    default) the 1RSB optimum has q0 > 0 even without field (SK at T = 0: q0 = 0.477,
    e = -0.7653) and the unknowns are ``guess = (delta, C, mu)``.

    The nested search solves the q equations at fixed mu (starting from large q1: the glass
    is the largest solution) and brackets the root of df/dmu in mu (f is maximal in mu).

    Returns
    -------
    dict as :func:`solve_1rsb`; ``converged`` is False with a message where no 1RSB glass
    with x <= 1 exists (above the static transition the stationary x exceeds 1).
    """
    if q0_free is None:
        q0_free = getattr(model, "P", 2) == 2
    if q0_free:
        # P = 2: the 1RSB glass has q0 > 0 at low T but q0 = 0 near T_g; both ansaetze are
        # stationary where they exist and f is maximal at the physical one: keep the larger f
        if guess is not None and len(guess) == 2:
            return solve_glass(model, guess, tol=tol, q0_free=False)
        a = _glass_q0(model, guess, tol)
        b = solve_glass(model, None, tol=tol, q0_free=False) if guess is None else _fail("guess given")
        good = [r for r in (a, b) if r["converged"]]
        if not good:
            return a
        return max(good, key=lambda r: r["f"])

    def fun(v):
        ev = _glass_eval(model, v[0], v[1])
        return np.array([ev["R"][2], ev["dfdmu"]])

    def dom(v):
        return model.in_domain(0.0, model.q1(v[0]), v[0], v[1])

    if guess is not None:
        res = newton(fun, guess, dom, tol=tol, max_step=_trust(("rel", "rel")))
        if res.converged and model.q1(res.x[0]) > DELTA_MIN:
            return _glass_pack(model, res)
    beta = model.beta
    top = beta if not math.isinf(beta) else 300.0
    grid = np.geomspace(min(0.002, 0.5 * top), top, 28)
    if not math.isinf(beta):
        grid = np.unique(np.concatenate((grid, beta * np.linspace(0.8, 1.0, 5))))
    vals = []
    C = None
    misses = 0
    for mu in grid:
        starts = [C] if C is not None else []
        starts += [1.0 - 0.999, 0.1, 0.3, 0.6] if math.isinf(beta) else [beta * (1.0 - q) for q in (0.999, 0.95, 0.8, 0.5)]
        r = None
        for c0 in starts:
            if c0 is None or not dom((c0, mu)):
                continue
            r = newton(lambda v: np.array([_glass_eval(model, v[0], mu)["R"][2]]), [c0],
                       lambda v: dom((v[0], mu)), tol=tol, maxiter=25, max_step=_trust(("rel",)), max_halvings=8)
            if r.converged and model.q1(r.x[0]) > 1e-4:
                break
            r = None
        if r is None:
            C = None
            misses += bool(vals)
            if misses >= 4:
                break
            continue
        misses = 0
        C = float(r.x[0])
        vals.append((mu, _glass_eval(model, C, mu)["dfdmu"], C))
        if len(vals) >= 2 and vals[-2][1] > 0.0 >= vals[-1][1]:
            break
    if len(vals) < 2 or not (vals[-2][1] > 0.0 >= vals[-1][1]):
        if vals and vals[-1][1] > 0.0 and not math.isinf(beta):
            return _fail("no 1RSB spin glass with x <= 1 here (the stationary Parisi parameter would exceed 1: "
                         "above the static transition the paramagnet is the equilibrium state)")
        return _fail(f"no 1RSB spin-glass solution found on mu in [{grid[0]:.3g}, {grid[-1]:.3g}] "
                     f"({len(vals)} fixed-mu solves converged)")
    (mu_a, g_a, C_a), (mu_b, g_b, C_b) = vals[-2], vals[-1]
    res = newton(fun, [0.5 * (C_a + C_b), 0.5 * (mu_a + mu_b)], dom, tol=tol, max_step=_trust(("rel", "rel")))
    if not res.converged:
        # regula falsi on df/dmu with the 1-D q1 solve
        def g(mu, c0):
            r = newton(lambda v: np.array([_glass_eval(model, v[0], mu)["R"][2]]), [c0],
                       lambda v: dom((v[0], mu)), tol=tol, maxiter=25, max_step=_trust(("rel",)))
            if not r.converged:
                raise _InnerFailure(f"glass q1 solve failed at mu = {mu:.6g}: {r.message}")
            return _glass_eval(model, r.x[0], mu)["dfdmu"], float(r.x[0])
        try:
            mu_star = optimize.brentq(lambda mu: g(mu, C_a)[0], mu_a, mu_b, xtol=1e-12, rtol=1e-12)
        except (_InnerFailure, ValueError) as err:
            return _fail(f"1RSB glass: root of df/dmu not found ({err})")
        C_star = g(mu_star, C_a)[1]
        res = newton(fun, [C_star, mu_star], dom, tol=tol, max_step=_trust(("rel", "rel")))
    return _glass_pack(model, res)


def _glass_q0(model, guess, tol):
    """Zero-field 1RSB glass with q0 free: unknowns (delta, C, mu) at n = 0."""
    full = lambda v: _full_fun(model)(np.r_[0.0, v])[1:]
    dom = lambda v: model.in_domain(0.0, *v)
    trust = _trust(("rel", "rel", "rel"))
    if guess is not None:
        res = newton(full, guess, dom, tol=tol, max_step=trust)
        if res.converged and res.x[0] > DELTA_MIN:
            return _pack(model, model.evaluate(0.0, *res.x), res, "1rsb")
    beta = model.beta
    top = beta if not math.isinf(beta) else 300.0
    grid = np.geomspace(min(0.002, 0.5 * top), top, 18)
    inner = lambda mu, v0: newton(lambda v: model.evaluate(0.0, v[0], v[1], mu)["R"][1:], v0,
                                  lambda v: model.in_domain(0.0, v[0], v[1], mu), tol=tol, maxiter=12,
                                  max_step=_trust(("rel", "rel")), max_halvings=5)
    # starts around the RS glass (near T_g the glass order parameters are small)
    q_rs = None
    rs = solve_rs(model, (0.0, 0.5 if math.isinf(beta) else min(0.5, 0.9 * beta)))
    if rs["converged"] and abs(rs["n"]) < 1e-8 and rs["q"] > 1e-6:
        q_rs = rs["q"]
    vals, v2, misses = [], None, 0
    for mu in grid:
        starts = []
        q1s = (0.99, 0.9, 0.7, 0.4) if q_rs is None else (min(0.999, 1.2 * q_rs), 0.99, 0.9, 0.7, 0.4)
        for q1 in q1s:
            C = (1.0 - q1) if math.isinf(beta) else beta * (1.0 - q1)
            d = 0.5 * (1.0 if math.isinf(beta) else q1)
            for _ in range(30):           # shrink delta into the domain (Hopfield: mu delta < 1 - C)
                if model.in_domain(0.0, d, C, mu):
                    break
                d *= 0.5
            starts.append((d, C))
        if v2 is not None:
            starts.insert(0, v2)
        r = None
        for v0 in starts:
            if v0 is None or not model.in_domain(0.0, v0[0], v0[1], mu):
                continue
            r = inner(mu, v0)
            # the q0 = 0 solution is stationary too but not the maximum of f: require q0 > 0
            if r.converged and r.x[0] > 1e-4 and model.q1(r.x[1]) - r.x[0] > 1e-6:
                break
            r = None
        if r is None:
            v2 = None
            misses += bool(vals)
            if misses >= 4:
                break
            continue
        misses = 0
        v2 = r.x
        vals.append((mu, model.evaluate(0.0, v2[0], v2[1], mu)["dfdmu"], v2.copy()))
        if len(vals) >= 2 and vals[-2][1] > 0.0 >= vals[-1][1]:
            break
    if len(vals) < 2 or not (vals[-2][1] > 0.0 >= vals[-1][1]):
        return _fail(f"no 1RSB spin-glass solution found on mu in [{grid[0]:.3g}, {grid[-1]:.3g}] "
                     f"({len(vals)} fixed-mu solves converged)")
    (mu_a, g_a, v_a), (mu_b, g_b, v_b) = vals[-2], vals[-1]
    side = 0
    for _ in range(100):
        mu = (mu_a * g_b - mu_b * g_a) / (g_b - g_a)
        if not (min(mu_a, mu_b) < mu < max(mu_a, mu_b)):
            mu = 0.5 * (mu_a + mu_b)
        r = inner(mu, v_a if abs(mu - mu_a) < abs(mu - mu_b) else v_b)
        if not r.converged:
            return _fail(f"1RSB glass: q solve failed at mu = {mu:.6g}: {r.message}")
        g = model.evaluate(0.0, r.x[0], r.x[1], mu)["dfdmu"]
        if g > 0.0:
            mu_a, g_a, v_a = mu, g, r.x
            g_b = g_b * 0.5 if side == 1 else g_b
            side = 1
        else:
            mu_b, g_b, v_b = mu, g, r.x
            g_a = g_a * 0.5 if side == -1 else g_a
            side = -1
        if abs(mu_b - mu_a) <= 1e-7 * abs(mu) or g == 0.0:
            break
    res = newton(full, np.r_[r.x, mu], dom, tol=tol, max_step=trust)
    return _pack(model, model.evaluate(0.0, *res.x), res, "1rsb")


def _glass_pack(model, res):
    ev = _glass_eval(model, res.x[0], res.x[1])
    out = _pack(model, ev, res, "1rsb")
    out["q0"] = 0.0
    out["n"] = 0.0
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
