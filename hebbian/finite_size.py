"""Finite-size extrapolation of Monte Carlo estimates to N -> infinity.

``extrapolate(N, y, yerr, form)`` fits ``y(N) = a + b x(N) [+ c x(N)^2]`` by weighted least
squares (weights ``1 / yerr^2``) with a correction variable ``x(N)`` fixed by the form, and
reports the intercept ``a`` -- the N -> infinity limit -- with its standard error. Forms:

* ``"1/N"``: ``x = 1/N``, the thermodynamic corrections of a mean-field model in a pure state
  (energies, overlaps of a retrieval state, disorder averages of self-averaging quantities);
* ``"1/sqrt(N)"``: ``x = N^(-1/2)``, the corrections of quantities dominated by O(N^(-1/2))
  fluctuations (the size of an overlap that vanishes at N -> infinity, order statistics of
  nearly equal amplitudes, finite-N capacities of zero-temperature dynamics);
* ``"1/N+1/N^2"``: ``x = 1/N`` with a quadratic term (needs >= 4 sizes);
* ``"constant"``: no N dependence (``a`` is the weighted mean).

Errors. The covariance of the coefficients is ``(X^T W X)^(-1)`` (the errors ``yerr`` taken as
known standard deviations). When the fit is poor, ``chi2 / dof > 1`` with a p-value below
:data:`POOR_FIT_PVALUE`, the scatter is larger than the error bars allow: the covariance is
scaled by ``chi2 / dof`` (the Birge ratio squared, as the Particle Data Group does) and the
result says so (``inflated = True``). A fit with an acceptable chi2 is not inflated, so with a
correct form and correct error bars the interval ``value +- 2 error`` covers the true limit
~95% of the time (tested with synthetic data).

Choosing the form. ``form=None`` chooses among ``candidates`` (default ``"1/N"`` and
``"1/sqrt(N)"``) by the corrected Akaike information criterion ``AICc = chi2 + 2k +
2k(k+1)/(n-k-1)`` (k coefficients, n sizes; ties, e.g. AICc infinite for every candidate
with n = k + 1 sizes, go to the smaller chi2); with two-coefficient candidates this is the
smaller chi2. The record keeps every candidate's value, error and AICc (``candidates``), and
``form_spread``, the largest difference between the chosen limit and another candidate's:
when the sizes cannot tell the forms apart, that spread is the systematic uncertainty of
the choice. Callers that know the physics pass ``form`` (see :data:`DEFAULT_FORMS`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.optimize import OptimizeResult

__all__ = ["extrapolate", "FORMS", "DEFAULT_FORMS", "POOR_FIT_PVALUE"]

#: form name -> (correction variable x(N), number of coefficients)
FORMS = {
    "constant": (lambda N: np.zeros_like(N), 1),
    "1/N": (lambda N: 1.0 / N, 2),
    "1/sqrt(N)": (lambda N: 1.0 / np.sqrt(N), 2),
    "1/N+1/N^2": (lambda N: 1.0 / N, 3),
}

#: physics default of each observable of the Monte Carlo engine (used by the sweep runner's
#: ``[theory]`` comparison): O(1/N) corrections of pure-state averages, O(N^(-1/2)) for the
#: sorted amplitudes of multitasking, where nearly equal or vanishing amplitudes carry a bias
#: of the order of their O(N^(-1/2)) fluctuations
DEFAULT_FORMS = {"m": "1/N", "abs_m": "1/N", "energy": "1/N", "q": "1/N", "n": "1/N",
                 "m_sorted": "1/sqrt(N)"}

#: a fit is poor (error inflated) when chi2 / dof > 1 and P(chi2_dof >= chi2) < this
POOR_FIT_PVALUE = 0.05


def extrapolate(N, y, yerr, form=None, *, candidates=("1/N", "1/sqrt(N)")):
    """Extrapolate ``y(N)`` to N -> infinity by weighted least squares.

    Parameters
    ----------
    N : array_like of int or float, shape (n,)
        System sizes, > 0, at least 3 distinct values (4 for ``"1/N+1/N^2"``).
    y : array_like of float, shape (n,)
        Estimates at each size (finite).
    yerr : array_like of float, shape (n,)
        Their one-standard-deviation errors (finite, > 0).
    form : str, optional
        One of :data:`FORMS`; None chooses among ``candidates`` by AICc.
    candidates : sequence of str
        The forms compared when ``form`` is None.

    Returns
    -------
    OptimizeResult
        ``value``, ``error`` (the N -> infinity limit and its standard error, inflated by
        ``scale`` when the fit is poor), ``error_stat`` (not inflated), ``form``, ``coef``
        (``[a, b, (c)]`` of ``a + b x + c x^2``), ``cov`` (their covariance, inflated like
        ``error``), ``chi2``, ``dof``, ``pvalue``, ``inflated`` (bool), ``scale``
        (``sqrt(chi2/dof)`` if inflated, else 1), ``criterion`` (how the form was chosen),
        ``candidates`` (form -> ``{"value", "error", "chi2", "aicc"}``, when chosen by AICc),
        ``form_spread``, ``success`` and ``message``.

    Raises
    ------
    ValueError
        Fewer than 3 sizes, a size <= 0, non-finite y, negative / zero / NaN errors, unknown
        form; the message names the argument and its value.
    """
    N, y, yerr = _check(N, y, yerr)
    names = (form,) if form is not None else tuple(candidates)
    for f in names:
        if f not in FORMS:
            raise ValueError(f"form must be one of {', '.join(repr(k) for k in FORMS)} or None, got {f!r}")
    n_sizes = len(np.unique(N))
    fits = {}
    for f in names:
        k = FORMS[f][1]
        if n_sizes < k + 1:
            if form is not None:
                raise ValueError(f"N: form {f!r} has {k} coefficients and needs at least {k + 1} distinct sizes, "
                                 f"got {n_sizes} ({N.tolist()})")
            continue
        fits[f] = _fit(N, y, yerr, f)
    if form is not None:
        best = fits[form]
        best.criterion = f"form {form!r} given"
        best.candidates = {}
        best.form_spread = 0.0
        return best
    if not fits:
        raise ValueError(f"N: none of the candidate forms {list(names)} can be fitted to {n_sizes} sizes")
    chosen = min(fits, key=lambda f: (fits[f].aicc, fits[f].chi2, list(fits).index(f)))
    best = fits[chosen]
    best.criterion = ("smallest AICc = chi2 + 2k + 2k(k+1)/(n-k-1) among " + ", ".join(fits))
    best.candidates = {f: {"value": r.value, "error": r.error, "chi2": r.chi2, "aicc": r.aicc} for f, r in fits.items()}
    best.form_spread = max(abs(r.value - best.value) for r in fits.values())
    return best


def _check(N, y, yerr):
    N = np.asarray(N, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    yerr = np.asarray(yerr, dtype=np.float64).ravel()
    if not (N.shape == y.shape == yerr.shape):
        raise ValueError(f"N, y and yerr must have the same length, got {N.size}, {y.size} and {yerr.size}")
    if N.size < 3:
        raise ValueError(f"N: an extrapolation needs at least 3 sizes, got {N.size} ({N.tolist()})")
    if not np.all(np.isfinite(N)) or np.any(N <= 0):
        raise ValueError(f"N must be finite and > 0, got {N.tolist()}")
    if len(np.unique(N)) < 3:
        raise ValueError(f"N: an extrapolation needs at least 3 distinct sizes, got {sorted(set(N.tolist()))}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y must be finite, got {y.tolist()}")
    if not np.all(np.isfinite(yerr)) or np.any(yerr <= 0):
        raise ValueError(f"yerr must be finite and > 0 (a zero error would give its point infinite weight), "
                         f"got {yerr.tolist()}")
    return N, y, yerr


def _fit(N, y, yerr, form):
    xfun, k = FORMS[form]
    x = xfun(N)
    X = np.stack([np.ones_like(x), x, x * x][:k], axis=1)
    w = 1.0 / yerr
    Xw, yw = X * w[:, None], y * w
    # least squares on the whitened system (QR-based lstsq: stable even when 1/N and 1/N^2
    # columns are nearly collinear); covariance from the same whitened design
    coef, *_ = np.linalg.lstsq(Xw, yw, rcond=None)
    cov = np.linalg.pinv(Xw.T @ Xw)
    resid = yw - Xw @ coef
    chi2 = float(resid @ resid)
    n = y.size
    dof = n - k
    pvalue = float(stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan
    inflated = bool(dof > 0 and chi2 > dof and pvalue < POOR_FIT_PVALUE)
    scale = math.sqrt(chi2 / dof) if inflated else 1.0
    error_stat = math.sqrt(cov[0, 0])
    aicc = chi2 + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf)
    if inflated:
        message = (f"poor fit (chi2 = {chi2:.3g} for {dof} dof, p = {pvalue:.2g}): errors inflated by "
                   f"sqrt(chi2/dof) = {scale:.3g}")
    else:
        message = f"chi2 = {chi2:.3g} for {dof} dof (p = {pvalue:.2g})"
    return OptimizeResult(value=float(coef[0]), error=error_stat * scale, error_stat=error_stat, form=form,
                          coef=coef, cov=cov * scale ** 2, chi2=chi2, dof=dof, pvalue=pvalue, inflated=inflated,
                          scale=scale, aicc=aicc, success=True, message=message, N=N, y=y, yerr=yerr)
