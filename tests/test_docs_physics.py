"""Equations of docs/physics/ that the other tests do not check, against the code.

Each test would fail if the equation written in the notes (or the code it describes) were
wrong: exact identities of hebbian.Network (exact arithmetic, exact enumeration over all
patterns of a small network), closed forms against replica.solve.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from hebbian import Network, patterns
from hebbian.network import normalization_constant
from replica import solve
from replica.families._learning_common import p2_modes

INF = math.inf


# ---------------------------------------------------------------------- conventions.md
@pytest.mark.parametrize("P, normalization", [(2, "power"), (3, "power"), (3, "binomial"), (4, "binomial")])
def test_one_step_crosstalk_counts_the_uncondensed_patterns(P, normalization):
    """conventions.md, section 6: at s = xi^1 the crosstalk of the other patterns, in units of
    lambda (the condensed-field factor of effective_parameters), has the variance of the
    theory's one-step noise (alpha for P = 2, xi'(1) = P P! alpha / 4 for P >= 3) at
    alpha = (K - 1) / ((N-1)...(N-P+1)): the uncondensed patterns are K - 1. Exact: average over
    ALL 2^N second patterns (K = 2), local fields in exact arithmetic."""
    N, K = 7, 2
    first = np.ones(N, dtype=np.int8)
    lam = Fraction(normalization_constant(N, P, normalization)) * math.comb(N - 1, P - 1) / Fraction(P, 2)
    total, count = Fraction(0), 0
    for bits in itertools.product((-1, 1), repeat=N):
        net = Network(np.array([first, bits], dtype=np.int8), P, normalization=normalization)
        for i in range(N):
            h = Fraction(net.local_field(first, i))
            noise = h - lam * Fraction(P, 2)                  # subtract the condensed field
            total += noise * noise
            count += 1
    variance = total / count / (lam * lam)
    unit = Fraction(1) if P == 2 else Fraction(P * math.factorial(P), 4)
    alpha_noise = variance / unit
    assert float(alpha_noise) == pytest.approx((K - 1) / math.perm(N - 1, P - 1), rel=1e-12)
    # effective_parameters counts K patterns: its load exceeds the one-step load by K/(K-1)
    eff = net.effective_parameters(1.0)
    assert eff["beta"] == pytest.approx(float(lam), rel=1e-12)
    assert eff["alpha"] * (K - 1) / K == pytest.approx(float(alpha_noise), rel=1e-12)


def test_supervised_pairwise_energy_is_minus_half_one_plus_rho_n_squared():
    """conventions.md, section 2.3: for P = 2 supervised,
    H = -(N/2)(1+rho) sum_mu n_mu^2 + sum_mu sum_i etabar_i^2 / (2 N R) exactly, R = r^2 (1+rho):
    the (1+rho) n^2/2 term of the replica free energies."""
    rng = np.random.default_rng(3)
    N, K, M, r = 60, 3, 5, 0.6
    xi = patterns.binary(K, N, rng)
    eta = patterns.examples(xi, M, r, rng)
    net = Network.from_examples(eta, P=2, rule="supervised", r=r, archetypes=xi)
    rho = (1 - r * r) / (M * r * r)
    R = r * r * (1 + rho)
    etabar = eta.mean(axis=1)
    const = np.sum(etabar ** 2) / (2 * N * R)
    for s in rng.choice(np.array([-1, 1], dtype=np.int8), size=(5, N)):
        n = net.example_overlaps(s)
        assert net.energy(s) == pytest.approx(-(N / 2) * (1 + rho) * np.sum(n * n) + const, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------- learning.md (P = 2 modes)
@pytest.mark.parametrize("r, M", [(0.3, 2), (0.6, 5), (0.9, 12), (1.0, 3)])
def test_unsupervised_modes_are_the_spectrum_of_the_example_covariance(r, M):
    """learning.md, section 4: an unsupervised class is one Hopfield pattern of weight 1 and
    M - 1 of weight (1 - r^2)/(M r^2 + 1 - r^2): the eigenvalues of G/(MR),
    G = (1 - r^2) I + r^2 11^T; sum_k w c = 1/R and sum_k w c^2 = [M + M(M-1) r^4]/(MR)^2."""
    MR = M * r * r + 1 - r * r
    G = (1 - r * r) * np.eye(M) + r * r * np.ones((M, M))
    spectrum = np.sort(np.linalg.eigvalsh(G / MR))
    modes = p2_modes("unsupervised", r, M, 1)
    expected = np.sort(np.concatenate([np.full(int(round(float(w[0]))), float(c[0])) for w, c in modes]))
    assert np.allclose(spectrum, expected, atol=1e-13)
    R = MR / M
    assert sum(float(w[0] * c[0]) for w, c in modes) == pytest.approx(1 / R, rel=1e-13)
    assert sum(float(w[0] * c[0] ** 2) for w, c in modes) == pytest.approx((M + M * (M - 1) * r ** 4) / MR ** 2,
                                                                              rel=1e-13)


def test_unsupervised_diagonal_constant_is_the_replica_constant():
    """learning.md, section 4: H_uns of Network.from_examples (P = 2) is
    -(1/(2 N M R)) sum_{mu,a} (eta^{mu,a}.s)^2 + K/(2R), and K/(2R) = (K/2) sum_k w_k c_k,
    the constant (alpha/2) sum_k w_k c_k of the replica free energy."""
    rng = np.random.default_rng(8)
    N, K, M, r = 50, 3, 4, 0.5
    xi = patterns.binary(K, N, rng)
    eta = patterns.examples(xi, M, r, rng)
    net = Network.from_examples(eta, P=2, rule="unsupervised", r=r, archetypes=xi)
    R = r * r + (1 - r * r) / M
    const = K / (2 * R)
    assert const == pytest.approx(0.5 * K * sum(float(w[0] * c[0]) for w, c in p2_modes("unsupervised", r, M, 1)),
                                  rel=1e-13)
    for s in rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, N)):
        p = eta.reshape(K * M, N).astype(np.int64) @ s.astype(np.int64)
        assert net.energy(s) == pytest.approx(-np.sum(p * p) / (2 * N * M * R) + const, rel=1e-12)


# ---------------------------------------------------------------------- dense.md (Gardner covariance)
@pytest.mark.parametrize("P", [3, 4])
def test_crosstalk_covariance_is_the_p_spin_covariance(P):
    """dense.md, section 1: E_xi[e_P(xi o s) e_P(xi o s')] = e_P(s o s') (orthonormal products;
    exact average over all 2^N patterns), and K c^2 e_P(s o s') / N -> (P!/4) alpha q^P with
    corrections O(1/N) (Krawtchouk polynomial at N = 2000)."""
    rng = np.random.default_rng(P)
    N = 9
    s, s2 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(2, N))
    one = np.ones(N, dtype=np.int8)

    def e_P(x):
        return Network(x[None, :], P).energy(one) / -normalization_constant(N, P)

    acc = 0.0
    for bits in itertools.product((-1, 1), repeat=N):
        x = np.array(bits, dtype=np.int8)
        acc += e_P(x * s) * e_P(x * s2)
    assert acc / 2 ** N == pytest.approx(e_P(s * s2), rel=1e-12, abs=1e-9)
    # asymptotics: e_P of a +1's and N - a -1's (exact integers), relative corrections
    # C(P, 2) (1 - q^2) / (N q^2)
    N, alpha = 2000, 1e-3
    for q in (0.3, 0.7, 1.0):
        a = int(round(N * (1 + q) / 2))
        e = sum(math.comb(a, P - j) * math.comb(N - a, j) * (-1) ** j for j in range(P + 1))
        qq = (2 * a - N) / N
        K = alpha * N ** (P - 1)
        cov = K * normalization_constant(N, P) ** 2 * e / N
        assert cov == pytest.approx(0.25 * math.factorial(P) * alpha * qq ** P, rel=P * P / (N * qq * qq))
        if qq < 1:                                   # the power of q is P, not P - 1
            assert cov != pytest.approx(0.25 * math.factorial(P) * alpha * qq ** (P - 1), rel=0.1)


# ---------------------------------------------------------------------- hopfield.md (paramagnet)
@pytest.mark.parametrize("alpha, T", [(0.05, 1.5), (0.2, 2.0), (0.1, 1.05)])
def test_hopfield_paramagnet_closed_forms(alpha, T):
    """hopfield.md, section 2: f = alpha/2 + (alpha/(2 beta)) ln(1 - beta) - T ln 2 and
    u = -alpha beta / (2 (1 - beta)) for T > 1; replicon 1 - alpha beta^2/(1 - beta)^2."""
    beta = 1 / T
    pm = solve("hopfield", alpha=alpha, beta=beta).branches["paramagnet"]
    assert pm.converged
    assert pm.free_energy == pytest.approx(alpha / 2 + alpha / (2 * beta) * math.log(1 - beta) - T * math.log(2),
                                           abs=1e-12)
    assert pm.energy == pytest.approx(-alpha * beta / (2 * (1 - beta)), abs=1e-12)
    assert pm.at == pytest.approx(1 - alpha * beta ** 2 / (1 - beta) ** 2, abs=1e-12)


# ---------------------------------------------------------------------- multitasking.md
@pytest.mark.parametrize("K, d, T", [(3, 0.3, 0.45), (2, 0.5, 0.4), (3, 0.55, 0.3)])
def test_pure_state_hessian_along_the_other_patterns(K, d, T):
    """multitasking.md, section 3: the pure state m = (m1, 0, ...), m1 = (1-d) tanh(m1/T), has
    Hessian 1 - beta (1-d) [d + (1-d) sech^2(beta m1)] along every other pattern (the smallest
    eigenvalue): the K = 2 line T* of the hierarchical -> pure transition, for every K."""
    from scipy.optimize import brentq

    beta = 1 / T
    m1 = brentq(lambda m: m - (1 - d) * math.tanh(beta * m), 1e-6, 1.0)
    lam = 1 - beta * (1 - d) * (d + (1 - d) / math.cosh(beta * m1) ** 2)
    sol = solve("multitasking", K=K, d=d, beta=beta, tol=1e-13)
    pure = sol.branches["pure"]
    assert pure.converged
    assert pure.m[0] == pytest.approx(m1, abs=1e-10)
    assert pure.stability == pytest.approx(lam, abs=1e-9)
    assert (pure.stability > 0) == (lam > 0)
