"""hebbian.finite_size.extrapolate: exact fits, honest error bars (coverage), bad input."""

import math

import numpy as np
import pytest

from hebbian.finite_size import FORMS, extrapolate

SIZES = np.array([250.0, 500.0, 1000.0, 2000.0])


def _x(N, form):
    return 1.0 / N if form.startswith("1/N") else 1.0 / np.sqrt(N)


@pytest.mark.parametrize("form", ["1/N", "1/sqrt(N)"])
def test_exact_data_give_the_limit_and_zero_chi2(form):
    y = 0.9 - 2.0 * _x(SIZES, form)
    fit = extrapolate(SIZES, y, np.full(4, 1e-3), form=form)
    assert fit.value == pytest.approx(0.9, abs=1e-12)
    assert fit.coef[1] == pytest.approx(-2.0, rel=1e-9)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-16) and fit.dof == 2 and not fit.inflated


def test_quadratic_form_and_constant():
    N = np.array([100.0, 200.0, 400.0, 800.0, 1600.0])
    y = 0.5 + 3.0 / N - 40.0 / N ** 2
    fit = extrapolate(N, y, np.full(5, 1e-4), form="1/N+1/N^2")
    assert np.allclose(fit.coef, [0.5, 3.0, -40.0], rtol=1e-8)
    const = extrapolate(N, np.array([1.0, 2.0, 3.0, 2.0, 2.0]), np.array([1.0, 1.0, 1.0, 1.0, 0.5]), form="constant")
    w = 1 / np.array([1.0, 1.0, 1.0, 1.0, 0.5]) ** 2
    assert const.value == pytest.approx(np.sum(w * [1, 2, 3, 2, 2]) / w.sum())
    assert const.error_stat == pytest.approx(1 / math.sqrt(w.sum()))


def test_weighted_least_squares_matches_the_normal_equations():
    rng = np.random.default_rng(3)
    y = 0.7 + 1.0 / SIZES + rng.normal(0, 0.01, 4)
    s = np.array([0.01, 0.02, 0.005, 0.01])
    fit = extrapolate(SIZES, y, s, form="1/N")
    X = np.stack([np.ones(4), 1 / SIZES], axis=1)
    W = np.diag(1 / s ** 2)
    cov = np.linalg.inv(X.T @ W @ X)
    coef = cov @ X.T @ W @ y
    assert np.allclose(fit.coef, coef, rtol=1e-10)
    assert fit.error_stat == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-10)
    assert fit.chi2 == pytest.approx(float((y - X @ coef) @ W @ (y - X @ coef)), rel=1e-10)


@pytest.mark.parametrize("sizes", [[250, 500, 1000], [250, 500, 1000, 2000], [500, 1000, 2000, 4000]])
@pytest.mark.parametrize("form", ["1/N", "1/sqrt(N)"])
def test_two_sigma_coverage_is_95_percent(sizes, form):
    """Synthetic data with a known limit, the right form and the stated errors: the interval
    value +- 2 error covers the limit ~95% of the time (binomial 3-sigma band of 4000 draws:
    +-1.0%), and |z| has the median of a unit Gaussian (0.674)."""
    rng = np.random.default_rng(7)
    N = np.array(sizes, float)
    err = 0.004 * np.sqrt(1000 / N)
    mean = 0.9 - 3.0 * _x(N, form)
    z = []
    for _ in range(4000):
        fit = extrapolate(N, mean + err * rng.standard_normal(N.size), err, form=form)
        z.append((fit.value - 0.9) / fit.error)
    z = np.abs(z)
    cover = np.mean(z <= 2)
    assert 0.944 <= cover <= 0.975, cover            # 0.9545 plus the rare inflations (poor fits)
    assert 0.62 <= np.median(z) <= 0.70


def test_understated_errors_are_flagged_and_inflated():
    """Error bars 3x too small: the fits are poor, say so, and the inflated errors recover most
    of the coverage that the stated errors lose. With the error scaled by sqrt(chi2/dof), z
    follows Student's t with dof = 3 degrees of freedom: P(|t_3| <= 2) = 0.86 at best."""
    rng = np.random.default_rng(11)
    N = np.array([250.0, 500.0, 1000.0, 2000.0, 4000.0])
    err = np.full(5, 0.002)
    hits_stat, hits, flagged = [], [], []
    for _ in range(3000):
        y = 0.9 - 3.0 / N + 3 * err * rng.standard_normal(5)
        fit = extrapolate(N, y, err, form="1/N")
        hits_stat.append(abs(fit.value - 0.9) <= 2 * fit.error_stat)
        hits.append(abs(fit.value - 0.9) <= 2 * fit.error)
        flagged.append(fit.inflated)
        if fit.inflated:
            assert fit.scale == pytest.approx(math.sqrt(fit.chi2 / fit.dof))
            assert "inflated" in fit.message
    assert np.mean(flagged) > 0.8
    assert np.mean(hits_stat) < 0.6 and 0.8 < np.mean(hits) <= 0.87


def test_form_none_chooses_by_aicc_and_reports_every_candidate():
    y = 0.9 - 3.0 / np.sqrt(SIZES)
    fit = extrapolate(SIZES, y, np.full(4, 1e-3))
    assert fit.form == "1/sqrt(N)" and fit.value == pytest.approx(0.9)
    assert set(fit.candidates) == {"1/N", "1/sqrt(N)"}
    assert fit.candidates["1/N"]["chi2"] > fit.chi2
    assert fit.form_spread == pytest.approx(abs(fit.candidates["1/N"]["value"] - 0.9))
    assert "AICc" in fit.criterion
    # three sizes: AICc is infinite for both two-coefficient forms; the smaller chi2 decides
    fit3 = extrapolate(SIZES[:3], y[:3], np.full(3, 1e-3))
    assert fit3.form == "1/sqrt(N)"


@pytest.mark.parametrize("kwargs, name", [
    (dict(N=[100, 200], y=[1, 1], yerr=[0.1, 0.1]), "N"),
    (dict(N=[100, 200, 200], y=[1, 1, 1], yerr=[0.1, 0.1, 0.1]), "N"),
    (dict(N=[100, 0, 400], y=[1, 1, 1], yerr=[0.1, 0.1, 0.1]), "N"),
    (dict(N=[100, -200, 400], y=[1, 1, 1], yerr=[0.1, 0.1, 0.1]), "N"),
    (dict(N=[100, 200, 400], y=[1, math.nan, 1], yerr=[0.1, 0.1, 0.1]), "y"),
    (dict(N=[100, 200, 400], y=[1, 1, 1], yerr=[0.1, math.nan, 0.1]), "yerr"),
    (dict(N=[100, 200, 400], y=[1, 1, 1], yerr=[0.1, -0.1, 0.1]), "yerr"),
    (dict(N=[100, 200, 400], y=[1, 1, 1], yerr=[0.1, 0.1, 0.1], form="1/N^3"), "form"),
    (dict(N=[100, 200, 400], y=[1, 1, 1], yerr=[0.1, 0.1, 0.1], form="1/N+1/N^2"), "N"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}\b|\b{name}:|\b{name} must"):
        extrapolate(**kwargs)


def test_forms_table_is_what_the_docs_say():
    assert set(FORMS) == {"constant", "1/N", "1/sqrt(N)", "1/N+1/N^2"}
