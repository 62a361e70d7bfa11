"""Generators of archetypes and examples: dtypes, shapes, statistics within binomial error."""

import numpy as np
import pytest

from hebbian import patterns

Z = 5.0   # tolerance in standard deviations (fixed seeds: deterministic, but not tuned)


def test_binary_shape_dtype_balance():
    xi = patterns.binary(K=20, N=5000, rng=np.random.default_rng(0))
    assert xi.shape == (20, 5000) and xi.dtype == np.int8
    assert set(np.unique(xi)) == {-1, 1}
    n = xi.size
    assert abs(xi.mean()) < Z / np.sqrt(n)
    # rows independent: off-diagonal overlaps are O(1/sqrt(N))
    x = xi.astype(np.int64)
    c = (x @ x.T) / 5000 - np.eye(20)
    assert np.abs(c).max() < Z / np.sqrt(5000)


@pytest.mark.parametrize("d", [0.0, 0.3, 0.8])
def test_diluted_fraction_and_balance(d):
    xi = patterns.diluted(K=10, N=20000, d=d, rng=1)
    assert xi.dtype == np.int8 and xi.shape == (10, 20000)
    n = xi.size
    blank = np.mean(xi == 0)
    assert abs(blank - d) <= Z * np.sqrt(max(d * (1 - d), 1e-12) / n) + 1e-12
    nonzero = xi[xi != 0]
    assert abs(np.mean(nonzero == 1) - 0.5) < Z * np.sqrt(0.25 / nonzero.size)


@pytest.mark.parametrize("r", [0.1, 0.5, 1.0])
def test_examples_quality(r):
    rng = np.random.default_rng(2)
    xi = patterns.diluted(4, 5000, 0.25, rng)
    eta = patterns.examples(xi, M=30, r=r, rng=rng)
    assert eta.shape == (4, 30, 5000) and eta.dtype == np.int8
    np.testing.assert_array_equal(eta[:, :, :] == 0, np.broadcast_to(xi[:, None, :] == 0, eta.shape))
    agree = (eta * xi[:, None, :])[np.broadcast_to(xi[:, None, :] != 0, eta.shape)]
    p = (1 + r) / 2
    assert abs(np.mean(agree == 1) - p) <= Z * np.sqrt(p * (1 - p) / agree.size) + 1e-12
    # independence across examples: S = mean chi has E[S^2] = R = r^2 + (1 - r^2)/M
    S = (eta * xi[:, None, :]).mean(axis=1)[xi != 0]
    R = r * r + (1 - r * r) / 30
    assert abs(np.mean(S ** 2) - R) < Z * np.std(S ** 2) / np.sqrt(S.size) + 1e-12


def test_mean_examples():
    xi = patterns.binary(2, 50, 3)
    eta = patterns.examples(xi, 4, 0.5, 4)
    np.testing.assert_allclose(patterns.mean_examples(eta), eta.mean(axis=1))


def test_reproducible_from_seed_and_generator():
    a = patterns.binary(3, 100, 7)
    b = patterns.binary(3, 100, np.random.default_rng(7))
    c = patterns.binary(3, 100, np.random.SeedSequence(7))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, patterns.binary(3, 100, 8))


def test_rho_helpers_round_trip():
    r, M = 0.3, 25
    rho = patterns.rho(r, M)
    assert rho == pytest.approx((1 - r * r) / (M * r * r))
    assert patterns.r_from_rho(rho, M) == pytest.approx(r)
    assert patterns.M_from_rho(r, rho) == pytest.approx(M)
    assert patterns.rho(1.0, 1) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: patterns.binary(0, 10, 0), "K must be an integer >= 1, got 0"),
    (lambda: patterns.binary(2, 1, 0), "N must be an integer >= 2, got 1"),
    (lambda: patterns.binary(2.5, 10, 0), "K must be an integer >= 1, got 2.5"),
    (lambda: patterns.binary(2, 10, None), "rng must be a numpy Generator"),
    (lambda: patterns.binary(2, 10, -1), "rng must be a numpy Generator"),
    (lambda: patterns.diluted(2, 10, 1.0, 0), r"d must be in \[0, 1\), got 1.0"),
    (lambda: patterns.diluted(2, 10, -0.1, 0), r"d must be in \[0, 1\), got -0.1"),
    (lambda: patterns.diluted(2, 10, float("nan"), 0), r"d must be in \[0, 1\), got nan"),
    (lambda: patterns.examples(np.ones((2, 5), np.int8), 0, 0.5, 0), "M must be an integer >= 1, got 0"),
    (lambda: patterns.examples(np.ones((2, 5), np.int8), 3, 0.0, 0), r"r must be in \(0, 1\], got 0.0"),
    (lambda: patterns.examples(np.ones((2, 5), np.int8), 3, 1.2, 0), r"r must be in \(0, 1\], got 1.2"),
    (lambda: patterns.examples(np.full((2, 5), 3, np.int8), 3, 0.5, 0), r"xi entries must be in"),
    (lambda: patterns.examples(np.ones(5, np.int8), 3, 0.5, 0), "xi must have 2 dimensions"),
    (lambda: patterns.rho(0.5, 0), "M must be an integer >= 1, got 0"),
    (lambda: patterns.r_from_rho(-1.0, 3), r"rho must be in \[0, inf\), got -1.0"),
    (lambda: patterns.M_from_rho(0.5, 0.0), r"rho must be in \(0, inf\), got 0.0"),
])
def test_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
