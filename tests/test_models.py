"""Model families: parameter validation and completion, finite networks, paper conventions."""

import math

import numpy as np
import pytest

from hebbian import Network, models, patterns


def test_defaults_and_completion():
    p = models.check_params("hopfield", alpha=0.05, beta=5)
    assert p == {"alpha": 0.05, "beta": 5.0, "P": 2}
    p = models.check_params("supervised", P=4, alpha=0.005, r=0.5, M=12, beta=float("inf"))
    assert p["rho"] == pytest.approx((1 - 0.25) / (12 * 0.25))
    p = models.check_params("unsupervised", P=4, rho=0.2, M=10)
    assert p["r"] == pytest.approx(1 / math.sqrt(3.0))
    p = models.check_params("supervised", P=2, rho=0.1)                 # large-M theory: no r, M
    assert p["r"] is None and p["M"] is None
    p = models.check_params("supervised", P=2, rho=(1 - 0.25) / (5 * 0.25), r=0.5)
    assert p["M"] == 5
    p = models.check_params("supervised", P=2, rho=0.123, r=0.5)        # non-integer M: left unset
    assert p["M"] is None
    assert models.check_params("multitasking", K=3, d=0.2)["r"] is None


@pytest.mark.parametrize("family, params, match", [
    ("hopfeld", {}, "model must be one of"),
    ("hopfield", {}, "model 'hopfield' needs parameter 'alpha'"),
    ("hopfield", {"alpha": -0.1}, r"alpha must be in \[0, inf\), got -0.1"),
    ("hopfield", {"alpha": 0.1, "beta": -1}, r"beta must be in \[0, inf\], got -1.0"),
    ("hopfield", {"alpha": 0.1, "beta": float("nan")}, r"beta must be in \[0, inf\], got nan"),
    ("hopfield", {"alpha": 0.1, "P": 4}, "P must be 2 for model 'hopfield'"),
    ("hopfield", {"alpha": 0.1, "T": 0.5}, "unknown parameter 'T' for model 'hopfield'"),
    ("dense", {"alpha": 0.1}, "model 'dense' needs parameter 'P'"),
    ("dense", {"alpha": 0.1, "P": 1}, "P must be an integer >= 2, got 1"),
    ("multitasking", {"K": 0, "d": 0.1}, "K must be an integer >= 1, got 0"),
    ("multitasking", {"K": 2, "d": 1.0}, r"d must be in \[0, 1\), got 1.0"),
    ("supervised", {"P": 4}, "needs rho, or two of r, M, rho"),
    ("supervised", {"P": 4, "r": 0.5}, "needs rho, or two of r, M, rho; got only r"),
    ("supervised", {"P": 4, "rho": -0.5}, r"rho must be in \[0, inf\), got -0.5"),
    ("supervised", {"P": 4, "r": 0.5, "M": 0}, "M must be an integer >= 1, got 0"),
    ("supervised", {"P": 4, "r": 0.5, "M": 3, "rho": 9.0}, "rho must equal"),
    ("supervised", {"P": 4, "rho": 0.0, "r": 0.5}, "rho = 0 needs r = 1"),
    ("unsupervised", {"P": 4, "rho": 0.1, "K": 3, "alpha": 0.01}, "give either K"),
])
def test_check_params_errors(family, params, match):
    with pytest.raises(ValueError, match=match):
        models.check_params(family, **params)


def test_make_network_sizes():
    net = models.make_network("hopfield", N=200, rng=0, alpha=0.05, beta=2.0)
    assert (net.P, net.N, net.K) == (2, 200, 10)
    net = models.make_network("dense", N=20, rng=0, P=3, alpha=0.05)
    assert net.K == 20
    net = models.make_network("multitasking", N=300, rng=0, K=3, d=0.4)
    assert net.K == 3 and np.mean(net.xi == 0) == pytest.approx(0.4, abs=0.06)
    net = models.make_network("unsupervised", N=50, rng=0, P=4, K=2, r=0.5, M=7)
    assert net.rule == "unsupervised" and net.n_stored == 14 and net.r == 0.5
    net = models.make_network("multitasking", N=60, rng=0, K=2, d=0.2, r=0.8, M=5, rule="unsupervised")
    assert net.rule == "unsupervised" and net.P == 2
    with pytest.raises(ValueError, match="needs a finite integer M"):
        models.make_network("supervised", N=50, rng=0, P=4, K=2, rho=0.1)
    with pytest.raises(ValueError, match="P must be <= N = 3"):
        models.make_network("dense", N=3, rng=0, P=4, alpha=0.1)


def test_make_network_reproducible():
    a = models.make_network("supervised", N=40, rng=5, P=2, K=3, r=0.6, M=4)
    b = models.make_network("supervised", N=40, rng=5, P=2, K=3, r=0.6, M=4)
    np.testing.assert_array_equal(a.stored, b.stored)
    np.testing.assert_array_equal(a.xi, b.xi)


@pytest.mark.parametrize("P", [2, 3, 4])
def test_barra_convention_conversion(P):
    """H_Barra = -(1/(P! N^(P-1))) sum over all tuples = (2/P!) H (all-tuple option), so
    exp(-beta_B H_B) = exp(-beta H) with beta = (2/P!) beta_B."""
    rng = np.random.default_rng(P)
    N = 9
    xi = patterns.binary(3, N, rng)
    s = rng.choice([-1, 1], size=N)
    S = xi.astype(np.int64) @ s
    H_barra = -np.sum(S.astype(float) ** P) / (math.factorial(P) * N ** (P - 1))
    H_ours = Network(xi, P, tuples="all").energy(s)
    beta_B = 1.7
    beta = models.from_barra_convention(P, beta=beta_B)["beta"]
    assert beta * H_ours == pytest.approx(beta_B * H_barra, rel=1e-12)
    assert models.from_barra_convention(P, alpha=0.3)["alpha"] == 0.3
    a = models.from_barra_convention(P, alpha=0.3, alpha_definition="P!/2 K/N^(P-1)")["alpha"]
    assert a * math.factorial(P) / 2 == pytest.approx(0.3)
