"""A small damped Newton method for the 1RSB saddle-point equations.

The systems are tiny (2 to 5 unknowns) and their residuals are smooth to ~1e-12, so a
forward-difference Jacobian and a backtracking line search on ``|R|^2`` inside the physical
domain are robust and cheap. Failures are reported, never hidden.
"""

from __future__ import annotations

import numpy as np


class NewtonResult:
    """Outcome of :func:`newton`: ``x, converged, message, iterations, residual``."""

    def __init__(self, x, converged, message, iterations, residual):
        self.x = x
        self.converged = converged
        self.message = message
        self.iterations = iterations
        self.residual = residual

    def __repr__(self):
        return (f"NewtonResult(x={self.x}, converged={self.converged}, iterations={self.iterations}, "
                f"residual={self.residual:.2e}, message={self.message!r})")


def newton(fun, x0, in_domain, *, tol=1e-10, maxiter=60, rel_step=1e-7, abs_step=1e-12, max_step=None,
           xtol=1e-11, noise_tol=1e-7, max_halvings=30):
    """Solve ``fun(x) = 0`` by damped Newton from ``x0`` staying where ``in_domain(x)``.

    Parameters
    ----------
    fun : callable, ndarray (k,) -> ndarray (k,)
    x0 : array_like, shape (k,)
    in_domain : callable, ndarray (k,) -> bool
    tol : float
        Convergence when ``max |fun(x)| < tol``.
    max_step : callable (x, dx) -> float, optional
        Largest allowed fraction of the Newton step ``dx`` at ``x`` (a trust region, so that
        a continuation does not jump to another branch).
    xtol, noise_tol : float
        Also converged when a full Newton step changes every component by less than
        ``xtol (|x| + 1e-8)`` while ``max |fun| < noise_tol`` (residuals limited by the
        quadrature noise, e.g. an equation divided by a small quantity).
    max_halvings : int
        Backtracking steps of the line search before giving up.

    Returns
    -------
    NewtonResult
    """
    x = np.array(x0, dtype=float)
    if not in_domain(x):
        return NewtonResult(x, False, f"initial point {x} outside the physical domain", 0, np.inf)
    try:
        F = np.asarray(fun(x), dtype=float)
    except (ValueError, ZeroDivisionError, FloatingPointError) as err:
        return NewtonResult(x, False, f"residual failed at the initial point: {err}", 0, np.inf)
    if not np.all(np.isfinite(F)):
        return NewtonResult(x, False, "non-finite residual at the initial point", 0, np.inf)
    k = x.size
    for it in range(1, maxiter + 1):
        norm = float(np.max(np.abs(F)))
        if norm < tol:
            return NewtonResult(x, True, "converged", it - 1, norm)
        J = np.empty((k, k))
        for j in range(k):
            h = rel_step * abs(x[j]) + abs_step
            xp = x.copy()
            xp[j] += h
            if not in_domain(xp):
                xp[j] = x[j] - h
                h = -h
            J[:, j] = (np.asarray(fun(xp)) - F) / h
        try:
            dx = np.linalg.solve(J, -F)
        except np.linalg.LinAlgError:
            dx = np.linalg.lstsq(J, -F, rcond=None)[0]
        if not np.all(np.isfinite(dx)):
            return NewtonResult(x, False, "singular Jacobian", it, norm)
        lam = 1.0 if max_step is None else min(1.0, float(max_step(x, dx)))
        full = lam == 1.0
        f2 = float(F @ F)
        for _ in range(max_halvings):
            xn = x + lam * dx
            if in_domain(xn):
                try:
                    Fn = np.asarray(fun(xn), dtype=float)
                except (ValueError, ZeroDivisionError, FloatingPointError):
                    Fn = None
                if Fn is not None and np.all(np.isfinite(Fn)) and float(Fn @ Fn) <= (1.0 - 1e-4 * lam) * f2:
                    break
            lam *= 0.5
            full = False
        else:
            if norm < noise_tol and np.all(np.abs(dx) <= 1e3 * xtol * (np.abs(x) + 1e-8)):
                return NewtonResult(x, True, "converged (residual at the noise level)", it, norm)
            return NewtonResult(x, False, f"line search failed (stuck at max|R| = {norm:.3e})", it, norm)
        small = full and lam == 1.0 and np.all(np.abs(dx) <= xtol * (np.abs(x) + 1e-8))
        x, F = xn, Fn
        if small and float(np.max(np.abs(F))) < noise_tol:
            return NewtonResult(x, True, "converged (step below xtol, residual at the noise level)", it,
                                float(np.max(np.abs(F))))
    norm = float(np.max(np.abs(F)))
    if norm < tol:
        return NewtonResult(x, True, "converged", maxiter, norm)
    return NewtonResult(x, False, f"no convergence in {maxiter} iterations (max|R| = {norm:.3e})", maxiter, norm)
