"""Thresholds of the learning networks and regime boundaries of the multitasking network.

* ``critical_capacity("supervised" | "unsupervised", P=..., rho=... | r=..., M=...)`` (in
  :mod:`replica.lines`) is the learning threshold ``alpha_c``: the largest load with a
  locally stable retrieval state (closed form at T = 0, see
  :func:`replica.families.learning_rs.zero_temperature_branch`).
* :func:`example_threshold` -- the smallest number of examples M (at quality r, load alpha and
  temperature T) for which a stable retrieval state exists, supervised or unsupervised
  (integer M, exact binomial average; plus the real-valued large-M threshold for the
  supervised rule, where the theory depends on rho only).
* :func:`detection_plateau` -- ``lim_{rho -> inf} alpha_c(rho)`` of the supervised dense
  network at T = 0 (closed form, > 0 for P >= 3: "ultra-detection"; 0 for P = 2).
* :func:`multitasking_boundaries` -- the temperatures where the thermodynamic state of the
  multitasking network changes class (pure / hierarchical / parallel / mixture / paramagnet),
  at each dilution d, by bisection on the class of :func:`replica.solve`'s thermodynamic state.
"""

from __future__ import annotations

import math

import numpy as np

from .api import solve
from .lines import critical_capacity
from .result import Solution

__all__ = ["example_threshold", "detection_plateau", "multitasking_boundaries", "base_name"]


def detection_plateau(P):
    """Large-rho limit of the T = 0 supervised learning threshold alpha_c(rho).

    With ``x = t / sqrt(rho)`` the T = 0 branch gives, as rho -> infinity,
    ``alpha_c -> (2/pi)^(P-1) max_t t^(2P-4) (1 - t^2) / (P-1)!`` at ``t^2 = (P-2)/(P-1)``
    (P >= 3; the weak retrieval state has ``m ~ sqrt(2/(pi rho)) t -> 0``). For P = 2 the
    limit is 0 (the AGS reaction term: ``1 - C ~ x^2``).

    Parameters
    ----------
    P : int >= 2

    Returns
    -------
    float
    """
    if isinstance(P, bool) or not isinstance(P, (int, np.integer)) or P < 2:
        raise ValueError(f"P must be an integer >= 2, got {P!r}")
    if P == 2:
        return 0.0
    t2 = (P - 2.0) / (P - 1.0)
    return (2.0 / math.pi) ** (P - 1) * t2 ** (P - 2) * (1.0 - t2) / math.factorial(P - 1)


def example_threshold(model, *, P, r, alpha=0.0, beta=math.inf, M_max=10_000, **kwargs):
    """Number of examples M above which the archetypes are retrieved (stable retrieval state).

    Parameters
    ----------
    model : {"supervised", "unsupervised"}
    P : int >= 2
    r : float in (0, 1]
        Example quality.
    alpha : float >= 0
        Load ``K / N^(P-1)`` (0: finitely many archetypes).
    beta : float in (0, inf]
        Inverse temperature (default T = 0).
    M_max : int
        Largest M considered.
    **kwargs
        Passed to :func:`replica.solve` (``quadrature``, ``tol``).

    Returns
    -------
    Solution
        ``M`` (int): the smallest M such that a stable retrieval state exists for EVERY M from
        it up to ``M_max`` (exact binomial average over the examples); ``small_M`` (list of
        int): the values of M below the threshold that retrieve anyway (typically ``[1]``:
        one example per archetype is a dense network storing the examples themselves, with the
        capacity of the rho = 0 network, whose retrieval state has overlap ~r with the
        archetype); ``M_large`` (float): the large-M threshold ``(1 - r^2)/(rho_c r^2)`` of the
        supervised rule (its large-M theory depends on rho only; 0 when every rho retrieves,
        NaN for unsupervised, whose noise depends on r and M separately); ``rho`` and ``m`` at
        ``M``; ``converged``; ``message``.

    Notes
    -----
    The threshold is NOT monotone in general: ``alpha_c(r, M)`` (supervised and unsupervised)
    first drops from its M = 1 value and then grows to the rho = 0 capacity as M -> infinity
    (checked on a geometric grid of M). The search scans ~40 values of M geometrically and
    bisects on the integers between the last one that does not retrieve and the next. At T = 0
    the existence test is the closed-form threshold ``alpha_c(r, M) >= alpha``; at T > 0 a
    solve of the retrieval branch.
    """
    if model not in ("supervised", "unsupervised"):
        raise ValueError(f"model must be 'supervised' or 'unsupervised', got {model!r}")
    from hebbian import models as _models
    _models.check_params(model, P=P, r=r, M=1, alpha=alpha, beta=beta)
    if isinstance(M_max, bool) or not isinstance(M_max, (int, np.integer)) or M_max < 2:
        raise ValueError(f"M_max must be an integer >= 2, got {M_max!r}")
    out = Solution(M=-1, small_M=[], M_large=math.nan, rho=math.nan, m=math.nan, converged=False, message="",
                   params=dict(model=model, P=P, r=r, alpha=alpha, beta=beta), model=model, level="rs")
    cache = {}

    def retrieves(M):
        M = int(M)
        if M in cache:
            return cache[M][0]
        if math.isinf(beta) and alpha > 0:          # closed-form T = 0 threshold
            c = critical_capacity(model, P=P, r=r, M=M, **{k: v for k, v in kwargs.items() if k == "quadrature"})
            cache[M] = (bool(c.converged and c.alpha >= alpha), math.nan)
        else:
            ret = solve(model, P=P, r=r, M=M, alpha=alpha, beta=beta, **kwargs).branches.get("retrieval")
            ok = ret is not None and bool(ret.found and ret.stable)
            cache[M] = (ok, float(ret.m) if ok else math.nan)
        return cache[M][0]

    grid = np.unique(np.round(np.geomspace(1, M_max, 40)).astype(int))
    ok = np.array([retrieves(M) for M in grid])
    if not ok[-1]:
        out["message"] = f"no stable retrieval state at M = M_max = {M_max}"
        return out
    bad = np.flatnonzero(~ok)
    if bad.size == 0:
        M_c = 1
    else:
        lo, hi = int(grid[bad[-1]]), int(grid[bad[-1] + 1])
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if retrieves(mid):
                hi = mid
            else:
                lo = mid
        M_c = hi
    small = [int(M) for M in range(1, min(M_c, int(grid[bad[0]]) if bad.size else 1)) if retrieves(M)] if bad.size else []
    m_c = cache[M_c][1]
    if not np.isfinite(m_c):
        ret = solve(model, P=P, r=r, M=M_c, alpha=alpha, beta=beta, **kwargs).branches.get("retrieval")
        m_c = float(ret.m) if ret is not None and ret.found else math.nan
    out.update(M=int(M_c), small_M=small, rho=(1.0 - r * r) / (M_c * r * r), m=m_c, converged=True,
               message=(f"every M from {M_c} to M_max = {M_max} retrieves (exact binomial average; geometric scan "
                        f"of {grid.size} values and bisection on integers; {len(cache)} values of M solved)"
                        + (f"; below it M in {small} retrieves too" if small else "")))
    if model == "supervised":
        out["M_large"] = _large_m_threshold(P, r, alpha, beta, kwargs)
    return out


def _large_m_threshold(P, r, alpha, beta, kwargs):
    """(1 - r^2)/(rho_c r^2) with rho_c the largest rho with retrieval (large-M theory)."""
    def exists(rho):
        if math.isinf(beta) and alpha > 0:
            c = critical_capacity("supervised", P=P, rho=rho)
            return bool(c.converged and c.alpha >= alpha)
        ret = solve("supervised", P=P, rho=rho, alpha=alpha, beta=beta, **kwargs).branches.get("retrieval")
        return ret is not None and bool(ret.found and ret.stable)

    if not exists(0.0):
        return math.nan
    lo, hi = 0.0, 1e-3
    while exists(hi):
        lo, hi = hi, hi * 4.0
        if hi > 1e8:
            return 0.0                       # retrieval at every rho (ultra-detection regime)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if exists(mid):
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-10 * hi:
            break
    rho_c = 0.5 * (lo + hi)
    return (1.0 - r * r) / (rho_c * r * r)


def base_name(name):
    """Class of a branch key without the '#k' suffix of further solutions of one class
    (``sol.branch`` never has one; keys of ``sol.branches`` may)."""
    return str(name).split("#")[0]


def multitasking_boundaries(K, d, *, n_scan=40, xtol=1e-6, tol=1e-12, tc_margin=1e-4, **params):
    """Temperatures where the thermodynamic state of the multitasking network changes class.

    Parameters
    ----------
    K : int >= 1
    d : float or array of floats in [0, 1)
    n_scan : int
        Temperatures of the initial scan, uniform in (0, T_c (1 - tc_margin)]; T = 0 is solved
        analytically and included.
    xtol : float
        Bisection tolerance on T.
    tol : float
        Solver tolerance (tight: near T_c the symmetric states have a soft mode).
    tc_margin : float
        The scan stops at ``T_c (1 - tc_margin)``, ``T_c = 1 - d`` (exact, for every rho): closer
        to T_c the amplitudes (~ sqrt(1 - T/T_c)) and the curvature of the soft modes vanish and
        the class is decided by the Landau expansion (pure for d < 2/3, parallel for d > 2/3);
        the last boundary, ``<class at T_c (1 - tc_margin)> -> paramagnet``, is put at T_c.
    **params
        Learning parameters (``rho``, or ``r`` and ``M``) and solver options.

    Returns
    -------
    list of dict (one list per d when d is an array)
        Each boundary: ``T`` (midpoint of the final bracket; T_c exactly for the last one),
        ``T_bracket``, ``below`` and ``above`` (thermodynamic class names), ``m_below`` and ``m_above`` (sorted amplitudes at the bracket ends), ``jump``
        (max amplitude change across the bracket: it stays finite as xtol -> 0 at a first-order
        transition, it vanishes like sqrt(xtol) at a continuous one).

    Notes
    -----
    The thermodynamic state at each T is the lowest free energy among all locally stable
    solutions found by :func:`replica.solve` (every start, not the first reached), so
    first-order crossings and continuous transitions are both located by bisection on the
    class; several changes inside one scan interval are followed one after the other.
    """
    d_arr = np.asarray(d, dtype=float)
    if d_arr.ndim > 0:
        return [multitasking_boundaries(K, float(v), n_scan=n_scan, xtol=xtol, tol=tol, tc_margin=tc_margin,
                                        **params) for v in d_arr.ravel()]
    d = float(d_arr)
    if not (isinstance(n_scan, (int, np.integer)) and n_scan >= 2):
        raise ValueError(f"n_scan must be an integer >= 2, got {n_scan!r}")
    if not (0.0 < tc_margin < 0.5):
        raise ValueError(f"tc_margin must be in (0, 0.5), got {tc_margin!r}")
    Tc = 1.0 - d
    T_top = Tc * (1.0 - tc_margin)
    T = np.concatenate([[0.0], np.linspace(T_top / n_scan, T_top, n_scan)])
    with np.errstate(divide="ignore"):
        beta = np.where(T > 0, 1.0 / np.where(T > 0, T, 1.0), np.inf)
    sol = solve("multitasking", K=K, d=d, beta=beta, tol=tol, **params)
    names = [base_name(b) for b in sol.branch]
    amps = np.asarray(sol.m, dtype=float).reshape(T.size, -1)

    def state(t):
        s = solve("multitasking", K=K, d=d, beta=(math.inf if t == 0 else 1.0 / t), tol=tol, **params)
        return base_name(s.branch), np.asarray(s.m, dtype=float).ravel()

    out = []
    for i in range(T.size - 1):
        lo, n_lo, a_lo = T[i], names[i], amps[i]
        end, n_end, a_end = T[i + 1], names[i + 1], amps[i + 1]
        while n_lo != n_end:
            hi, n_hi, a_hi = end, n_end, a_end
            while hi - lo > xtol:
                mid = 0.5 * (lo + hi)
                n_mid, a_mid = state(mid)
                if n_mid == n_lo:
                    lo, a_lo = mid, a_mid
                else:
                    hi, n_hi, a_hi = mid, n_mid, a_mid
            out.append({"T": 0.5 * (lo + hi), "T_bracket": (lo, hi), "below": n_lo, "above": n_hi,
                        "m_below": a_lo, "m_above": a_hi, "jump": float(np.max(np.abs(a_hi - a_lo)))})
            lo, n_lo, a_lo = hi, n_hi, a_hi           # further changes before the next scan point
    if names[-1] != "paramagnet":
        out.append({"T": Tc, "T_bracket": (T_top, Tc), "below": names[-1], "above": "paramagnet",
                    "m_below": amps[-1], "m_above": np.zeros_like(amps[-1]), "jump": float(np.max(amps[-1]))})
    return out
