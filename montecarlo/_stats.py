"""Statistics of correlated Monte Carlo time series: autocorrelation time, binning, estimates.

Convention: the integrated autocorrelation time is ``tau = 1 + 2 sum_{t >= 1} rho(t)`` (the
emcee convention: ``tau = 1`` for independent samples), so the variance of the mean of n
samples is ``var * tau / n`` and the effective sample size is ``n / tau``. ``rho(t)`` is the
normalised autocorrelation function averaged over independent chains, and the sum is cut at
Sokal's self-consistent window, the smallest M with ``M >= c tau(M)`` (c = 5).

An estimate is *reliable* when every chain is at least ``50 tau`` samples long (emcee's rule of
thumb: shorter chains underestimate tau) and, with several chains, when the chains agree
(Gelman-Rubin ``R-hat <= 1.1``). Otherwise :class:`ShortRunWarning` is emitted and the error
is the larger of the autocorrelation error and the spread between chain means.

Frozen series: a component whose every chain is constant (zero variance, e.g. a chain that
accepts no flip, as in retrieval at T = 0.1) has ``rho(t) = 0/0``. Its autocorrelation time is
defined as ``tau = 1``: there is no fluctuation to decorrelate, the error ``sqrt(var tau / n)``
is exactly 0 and ``ess = n_chains n_samples``. The run-length rule is not applied to it (it
guards against a tau underestimated from too few fluctuations; a frozen series has none), so
such an estimate is reliable, with error 0 (and binning error 0), however short the run. The
statement is about the sampled trajectory: a flip of tiny probability may still happen later.
Chains frozen at *different* values do not agree: R-hat is infinite, the estimate unreliable
and its error the spread between the chain means.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "ShortRunWarning", "estimate", "integrated_time", "binning_error"]

WINDOW_C = 5.0
MIN_LENGTH_IN_TAU = 50.0
RHAT_MAX = 1.1
MIN_BLOCKS = 100


class ShortRunWarning(UserWarning):
    """A Monte Carlo estimate is unreliable: chains too short for their autocorrelation time,
    or independent chains that disagree (not mixed)."""


@dataclass(frozen=True)
class Estimate:
    """Mean of a Monte Carlo observable with its uncertainty (arrays of the component shape).

    Attributes
    ----------
    mean, error : ndarray of float64
        Estimate and one-standard-deviation error of the mean.
    tau : ndarray of float64
        Integrated autocorrelation time in samples (1 = uncorrelated).
    ess : ndarray of float64
        Effective sample size, ``n_chains * n_samples / tau``.
    error_binning : ndarray of float64
        Error from a binning analysis (blocks of 2^k samples, the largest size leaving at least
        100 blocks): an independent check of ``error``.
    rhat : ndarray of float64
        Gelman-Rubin potential scale reduction (NaN with one chain).
    n_chains, n_samples : int
        Independent chains and samples per chain used.
    reliable : bool
        False when some chain is shorter than 50 tau or chains disagree (R-hat > 1.1).
    """

    mean: np.ndarray
    error: np.ndarray
    tau: np.ndarray
    ess: np.ndarray
    error_binning: np.ndarray
    rhat: np.ndarray
    n_chains: int
    n_samples: int
    reliable: bool


def _fft_autocov(y):
    """Autocovariance along axis 1 of y (chains, n, ...) with its mean removed, lags 0..n-1."""
    n = y.shape[1]
    nfft = 1 << int(2 * n - 1).bit_length()
    yt = np.moveaxis(y, 1, -1)                      # FFT along a contiguous last axis
    f = np.fft.rfft(np.ascontiguousarray(yt), n=nfft, axis=-1)
    acov = np.fft.irfft(f * np.conj(f), n=nfft, axis=-1)[..., :n]
    return np.moveaxis(acov, -1, 1) / n


def integrated_time(x, c=WINDOW_C):
    """Integrated autocorrelation time of time series.

    Parameters
    ----------
    x : array_like of float, shape (n_chains, n_samples, ...)
        Independent chains of equal length; trailing axes are components.
    c : float
        Sokal window constant.

    Returns
    -------
    tau : ndarray of float64, shape x.shape[2:]
        ``1 + 2 sum_{t=1}^{M} rho(t)`` with the chain-averaged normalised autocorrelation rho
        and the smallest window ``M >= c tau(M)``; 1 for a constant series (every chain
        constant: see the module notes).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (n_chains, n_samples, ...), got shape {x.shape}")
    n = x.shape[1]
    # a constant chain contributes exact zeros (its mean may differ from its value by rounding)
    y = np.where(np.all(x == x[:, :1], axis=1, keepdims=True), 0.0, x - x.mean(axis=1, keepdims=True))
    acov = _fft_autocov(y).mean(axis=0)                    # (n, ...)
    var = acov[0]
    flat = acov.reshape(n, -1)
    v0 = flat[0]
    tau = np.ones(flat.shape[1])
    for k in range(flat.shape[1]):
        if not v0[k] > 0.0:
            continue                                       # constant series
        rho = flat[:, k] / v0[k]
        taus = 2.0 * np.cumsum(rho) - 1.0                  # tau(M) for M = 0..n-1
        ok = np.arange(n) >= c * taus
        M = int(np.argmax(ok)) if ok.any() else n - 1
        tau[k] = max(taus[M], 1.0 / n)
    return tau.reshape(var.shape)


def binning_error(x, min_blocks=MIN_BLOCKS):
    """Error of the mean from non-overlapping blocks of 2^k samples.

    Parameters
    ----------
    x : array_like of float, shape (n_chains, n_samples, ...)

    Returns
    -------
    error : ndarray of float64, shape x.shape[2:]
        Standard error from the block means at the largest block size 2^k that leaves at least
        ``min_blocks`` blocks in total (all chains together).
    """
    x = np.asarray(x, dtype=np.float64)
    C, n = x.shape[:2]
    size = 1
    while C * (n // (2 * size)) >= min_blocks:
        size *= 2
    nb = n // size
    if nb * C < 2:
        return np.full(x.shape[2:], np.nan)
    blocks = x[:, : nb * size].reshape((C, nb, size) + x.shape[2:]).mean(axis=2)
    blocks = blocks.reshape((C * nb,) + x.shape[2:])
    return blocks.std(axis=0, ddof=1) / np.sqrt(C * nb)


def estimate(x, *, warn=True, name="observable"):
    """Mean, error bar and autocorrelation diagnostics of correlated samples.

    Parameters
    ----------
    x : array_like of float, shape (n_samples,) or (n_chains, n_samples, ...)
        One chain, or independent chains of equal length (trailing axes are components).
    warn : bool
        Emit :class:`ShortRunWarning` when the estimate is not reliable.
    name : str
        Name used in the warning.

    Returns
    -------
    Estimate
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim < 2 or x.shape[1] < 2:
        raise ValueError(f"estimate needs at least 2 samples per chain, got shape {x.shape}")
    C, n = x.shape[:2]
    constant = np.all(x == x[:, :1], axis=1)                 # (C, ...) chains without fluctuation
    frozen = constant.all(axis=0)                            # every chain constant (see module notes)
    same = frozen & np.all(x[:, 0] == x[:1, 0], axis=0)      # ... and all at one value
    mean = np.where(same, x[0, 0], x.mean(axis=(0, 1)))
    tau = integrated_time(x)
    var = np.where(same, 0.0, x.reshape((C * n,) + x.shape[2:]).var(axis=0, ddof=1))
    err = np.sqrt(var * tau / (C * n))
    err_bin = np.where(same, 0.0, binning_error(x))
    # constant chains: their exact value and zero variance (not the rounding of a mean)
    chain_means = np.where(constant, x[:, 0], x.mean(axis=1))
    if C >= 2:
        within = np.where(constant, 0.0, x.var(axis=1, ddof=1)).mean(axis=0)
        between = np.where(np.all(chain_means == chain_means[:1], axis=0), 0.0,
                           n * chain_means.var(axis=0, ddof=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            rhat = np.sqrt(((n - 1) / n * within + between / n) / within)
        rhat = np.where(within > 0, rhat, np.where(between > 0, np.inf, 1.0))
        mixed = rhat <= RHAT_MAX
        err = np.where(mixed, err, np.maximum(err, chain_means.std(axis=0, ddof=1) / np.sqrt(C)))
    else:
        rhat = np.full(mean.shape, np.nan)
        mixed = np.ones(mean.shape, dtype=bool)
    long_enough = frozen | (n >= MIN_LENGTH_IN_TAU * tau)
    reliable = bool(np.all(long_enough) and np.all(mixed))
    est = Estimate(mean=mean, error=err, tau=tau, ess=C * n / tau, error_binning=err_bin, rhat=rhat,
                   n_chains=C, n_samples=n, reliable=reliable)
    if warn and not reliable:
        warn_unreliable(est, name, stacklevel=3)
    return est


def warn_unreliable(est, name, stacklevel=2):
    """Emit :class:`ShortRunWarning` saying why an estimate is unreliable."""
    reasons = []
    tau_max = float(np.max(est.tau))
    if est.n_samples < MIN_LENGTH_IN_TAU * tau_max:
        reasons.append(f"{est.n_samples} samples per chain < {MIN_LENGTH_IN_TAU:g} tau = "
                       f"{MIN_LENGTH_IN_TAU * tau_max:.3g}")
    if est.n_chains >= 2 and np.nanmax(est.rhat) > RHAT_MAX:
        reasons.append(f"chains disagree (R-hat = {float(np.nanmax(est.rhat)):.3g} > {RHAT_MAX})")
    warnings.warn(f"unreliable estimate of {name}: " + "; ".join(reasons or ["see Estimate"]) +
                  " -- run longer (or thin less)", ShortRunWarning, stacklevel=stacklevel + 1)
