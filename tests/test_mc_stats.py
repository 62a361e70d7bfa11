"""Statistics of correlated series: autocorrelation time, binning, honest error bars."""

import warnings

import numpy as np
import pytest

from hebbian import Network, patterns
from montecarlo import ShortRunWarning, estimate, simulate
from montecarlo._stats import binning_error, integrated_time


def _ar1(phi, n, chains, seed, shape=()):
    """x_t = phi x_(t-1) + sqrt(1 - phi^2) eps: unit variance, tau = (1 + phi)/(1 - phi)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((chains, n) + shape)
    x = np.empty_like(eps)
    x[:, 0] = eps[:, 0]
    c = np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + c * eps[:, t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_integrated_time_of_ar1(phi):
    x = _ar1(phi, 20000, 4, seed=int(10 * phi))
    tau = integrated_time(x)
    assert tau == pytest.approx((1 + phi) / (1 - phi), rel=0.12)


def test_errors_of_ar1_match_the_spread_of_independent_runs():
    """40 independent series: the reported error must match the scatter of their means."""
    phi = 0.8
    x = _ar1(phi, 4000, 40, seed=3, shape=(2,))
    ests = [estimate(x[k:k + 1], warn=False) for k in range(40)]      # one chain of 2 components
    means = np.array([e.mean for e in ests])
    errs = np.array([e.error for e in ests])
    spread = means.std(axis=0, ddof=1)
    ratio = np.sqrt((errs ** 2).mean(axis=0)) / spread
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio
    exact = np.sqrt((1 + phi) / (1 - phi) / 4000)
    np.testing.assert_allclose(errs.mean(axis=0), exact, rtol=0.15)
    # binning agrees with the autocorrelation error
    np.testing.assert_allclose(np.array([e.error_binning for e in ests]).mean(axis=0), exact, rtol=0.2)


def test_binning_error_of_independent_samples():
    x = np.random.default_rng(1).standard_normal((1, 65536))
    assert binning_error(x) == pytest.approx(1 / 256, rel=0.2)        # 100+ blocks: ~7% noise


def test_short_runs_and_unmixed_chains_are_flagged():
    x = _ar1(0.95, 300, 1, seed=2)                               # tau = 39: 300 < 50 tau
    with pytest.warns(ShortRunWarning, match="samples per chain"):
        est = estimate(x)
    assert not est.reliable
    y = np.concatenate([_ar1(0.0, 2000, 1, seed=4), 3.0 + _ar1(0.0, 2000, 1, seed=5)])
    with pytest.warns(ShortRunWarning, match="R-hat"):
        est = estimate(y)
    # chains stuck in different states: the error covers the spread between them
    assert est.error >= 0.9 * np.std(y.mean(axis=1), ddof=1) / np.sqrt(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert estimate(_ar1(0.5, 5000, 3, seed=6)).reliable


def test_constant_series_has_zero_error():
    est = estimate(np.ones((2, 100)), warn=False)
    assert est.mean == 1.0 and est.error == 0.0 and est.tau == 1.0


def test_monte_carlo_errors_match_the_spread_of_independent_runs():
    """Energy and |m| of a pairwise network near its transition (correlated samples, tau of
    several sweeps): errors of 40 independent runs against the scatter of their means."""
    net = Network(patterns.binary(2, 64, np.random.default_rng(0)), 2)
    means, errs, taus = [], [], []
    for seed in range(40):
        run = simulate(net, 1.1, 1200, seed=seed, burn_in=200, every=1)
        est = run.estimate("energy", warn=False)
        means.append(est.mean)
        errs.append(est.error)
        taus.append(est.tau)
    means, errs = np.array(means), np.array(errs)
    assert np.mean(taus) > 3.0                                   # genuinely correlated
    ratio = np.sqrt(np.mean(errs ** 2)) / np.std(means, ddof=1)
    assert 0.7 < ratio < 1.4, ratio
    # ignoring the autocorrelation would underestimate the error badly
    naive = np.array([simulate(net, 1.1, 1200, seed=s, burn_in=200).energy.std(ddof=1) / np.sqrt(1000)
                      for s in range(5)])
    assert np.mean(naive) < 0.7 * np.std(means, ddof=1)


# ------------------------------------------------------------------ frozen chains (issue 12, point 4)
def test_frozen_series_is_reliable_with_zero_error_whatever_its_length():
    """A series without fluctuation (zero variance in every chain) is not 'too short': tau = 1
    by definition, error exactly 0, reliable, no warning -- even with far fewer than 50 samples,
    and with a value (0.9) whose mean is not exact in floating point."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (np.full((1, 7), 0.9), np.full((3, 20, 2), -0.37), np.full((2, 10), 1.0 / 3.0)):
            est = estimate(x)
            assert est.reliable and np.all(est.error == 0.0) and np.all(est.tau == 1.0)
            assert np.all(est.error_binning[~np.isnan(est.error_binning)] == 0.0)
            assert np.all(est.mean == x[0, 0]) and np.all(est.ess == x.shape[0] * x.shape[1])
    # chains frozen at different values disagree: unreliable, error = their spread
    y = np.concatenate([np.full((1, 30), 0.2), np.full((1, 30), 0.6)])
    with pytest.warns(ShortRunWarning, match="R-hat"):
        est = estimate(y)
    assert not est.reliable and est.error == pytest.approx(0.2, rel=1e-12)
    # a frozen component next to a fluctuating short one: the short one still fails
    z = np.stack([np.full((2, 20), 0.5), _ar1(0.9, 20, 2, seed=3)], axis=-1)
    est = estimate(z, warn=False)
    assert not est.reliable and est.error[0] == 0.0 and est.error[1] > 0.0


def test_frozen_retrieval_chain_is_reliable():
    """Hopfield retrieval at T = 0.1 accepts no flip: m, energy are exact, error 0, reliable,
    and no ShortRunWarning although the run has only 27 samples (< 50 tau)."""
    net = Network(patterns.binary(3, 200, np.random.default_rng(1)), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = simulate(net, 10.0, 30, seed=2, init="pattern", chains=3)
        assert np.all(run.acceptance == 0.0)
        for name in ("m", "energy"):
            est = run.estimate(name)
            assert est.reliable and np.all(est.error == 0.0) and np.all(est.tau == 1.0)
        assert run.mean("m")[0] == 1.0 and run.error("m")[0] == 0.0
