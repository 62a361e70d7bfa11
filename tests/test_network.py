"""Energies, fields and overlaps of hebbian.Network against explicit sums over index tuples."""

import itertools
import math

import numpy as np
import pytest

from hebbian import Network, patterns
from hebbian._reference import brute_force_energy, coupling_tensor, tensor_energy

N_SMALL = 8


def _network(kind, P, rng, N=N_SMALL, tuples="distinct", normalization="power"):
    if kind == "binary":
        return Network(patterns.binary(3, N, rng), P, tuples=tuples, normalization=normalization)
    if kind == "diluted":
        return Network(patterns.diluted(3, N, 0.4, rng), P, tuples=tuples, normalization=normalization)
    xi = patterns.binary(2, N, rng)
    eta = patterns.examples(xi, 3, 0.5, rng)
    return Network.from_examples(eta, P, kind, r=0.5, archetypes=xi, tuples=tuples,
                                 normalization=normalization)


def _spins(rng, n, N=N_SMALL):
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, N))


KINDS = ["binary", "diluted", "supervised", "unsupervised"]


@pytest.mark.parametrize("normalization", ["power", "binomial"])
@pytest.mark.parametrize("P", [2, 3, 4])
@pytest.mark.parametrize("kind", KINDS)
def test_energy_equals_sum_over_distinct_tuples(kind, P, normalization):
    rng = np.random.default_rng(100 * P + KINDS.index(kind))
    net = _network(kind, P, rng, normalization=normalization)
    J = coupling_tensor(net)
    for s in _spins(rng, 6):
        E = net.energy(s)
        assert E == pytest.approx(brute_force_energy(net, s), rel=1e-12, abs=1e-12)
        assert E == pytest.approx(tensor_energy(net, J, s), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("P", [2, 3, 4])
@pytest.mark.parametrize("kind", KINDS)
def test_delta_energy_and_local_field_exact(kind, P):
    rng = np.random.default_rng(7 + 10 * P + KINDS.index(kind))
    net = _network(kind, P, rng)
    for s in _spins(rng, 3):
        E = brute_force_energy(net, s)
        for i in range(net.N):
            flipped = s.copy()
            flipped[i] = -flipped[i]
            dE = brute_force_energy(net, flipped) - E
            assert net.delta_energy(s, i) == pytest.approx(dE, rel=1e-12, abs=1e-12)
            h = net.local_field(s, i)
            assert 2 * s[i] * h == pytest.approx(dE, rel=1e-12, abs=1e-12)
            assert net.local_field(flipped, i) == pytest.approx(h, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("P", [2, 3, 4])
@pytest.mark.parametrize("kind", ["binary", "supervised"])
def test_all_tuples_option_is_the_full_sum(kind, P):
    rng = np.random.default_rng(31 + P)
    net = _network(kind, P, rng, N=6, tuples="all")
    for s in _spins(rng, 3, N=6):
        E = net.energy(s)
        assert E == pytest.approx(brute_force_energy(net, s), rel=1e-12, abs=1e-12)
        # all-tuple energy is -(scale/P!) sum_p (v^p . s)^P: check against the overlaps too
        S = net.stored.astype(np.int64) @ s.astype(np.int64)
        assert E == pytest.approx(-net.scale / math.factorial(P) * np.sum(S.astype(float) ** P), rel=1e-12)
        flipped = s.copy()
        flipped[2] *= -1
        assert net.delta_energy(s, 2) == pytest.approx(brute_force_energy(net, flipped) - E, rel=1e-12,
                                                       abs=1e-12)


def test_all_tuples_differs_from_distinct_for_dense():
    rng = np.random.default_rng(5)
    xi = patterns.binary(3, 8, rng)
    s = _spins(rng, 1)[0]
    assert Network(xi, 4).energy(s) != pytest.approx(Network(xi, 4, tuples="all").energy(s), rel=1e-3)


def test_pairwise_hopfield_identity():
    """P = 2, power normalisation: H = -(N/2) sum_mu m_mu^2 + K/2 (docs/physics/conventions.md)."""
    rng = np.random.default_rng(1)
    N, K = 500, 25
    xi = patterns.binary(K, N, rng)
    net = Network(xi, 2)
    for s in _spins(rng, 3, N=N):
        m = net.overlaps(s)
        assert net.energy(s) == pytest.approx(-(N / 2) * np.sum(m ** 2) + K / 2, rel=1e-12)
    m0 = net.overlaps(xi[0])
    assert m0[0] == 1.0
    assert net.energy(xi[0]) / N == pytest.approx(-0.5 + K / (2 * N) - 0.5 * np.sum(m0[1:] ** 2), rel=1e-12)


@pytest.mark.parametrize("P", [2, 3, 4])
def test_krawtchouk_closed_forms(P):
    """For +-1 entries e_P depends only on S = sum x: e_2, e_3, e_4 of docs/physics/conventions.md."""
    rng = np.random.default_rng(2)
    n = 11
    net = Network(np.ones((1, n), dtype=np.int8), P)
    closed = {2: lambda S: (S ** 2 - n) / 2,
              3: lambda S: (S ** 3 - (3 * n - 2) * S) / 6,
              4: lambda S: (S ** 4 - (6 * n - 8) * S ** 2 + 3 * n ** 2 - 6 * n) / 24}[P]
    for s in _spins(rng, 10, N=n):
        S = int(s.sum())
        assert net.energy(s) == pytest.approx(-net.scale * closed(S), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("P", [2, 3, 4, 6, 8])
def test_binomial_normalisation_gives_minus_half_per_spin(P):
    """One stored pattern: energy at the pattern is exactly -N/2 with the binomial constant,
    and -(N/2)(N-1)...(N-P+1)/N^(P-1) with the power one. N = 2000, P = 8 needs Python integers."""
    N = 2000 if P >= 6 else 300
    xi = patterns.binary(1, N, 3)
    assert Network(xi, P, normalization="binomial").energy(xi[0]) == pytest.approx(-N / 2, rel=1e-13)
    expected = -(N / 2) * math.perm(N - 1, P - 1) / N ** (P - 1)
    assert Network(xi, P).energy(xi[0]) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("normalization", ["power", "binomial"])
@pytest.mark.parametrize("P", [2, 3, 4])
def test_condensed_field_matches_effective_parameters(P, normalization):
    """At s = xi^1 with one pattern, h_i = xi_i * lambda * P/2 (effective_parameters)."""
    N = 40
    xi = patterns.binary(1, N, 9)
    net = Network(xi, P, normalization=normalization)
    eff = net.effective_parameters(beta=2.0)
    lam = eff["beta"] / 2.0
    if normalization == "binomial":
        assert lam == pytest.approx(1.0, rel=1e-14)
    for i in (0, 7, 39):
        assert net.local_field(xi[0], i) == pytest.approx(xi[0, i] * lam * P / 2, rel=1e-13)
    assert eff["alpha"] == pytest.approx(1 / math.perm(N - 1, P - 1))


def test_large_network_delta_energy_consistent():
    """Exact delta at N = 4096, K = 410 agrees with the difference of two large energies."""
    rng = np.random.default_rng(4)
    N, K = 4096, 410
    net = Network(patterns.binary(K, N, rng), 2)
    s = _spins(rng, 1, N=N)[0]
    E = net.energy(s)
    for i in (0, 1234, 4095):
        flipped = s.copy()
        flipped[i] *= -1
        assert net.delta_energy(s, i) == pytest.approx(net.energy(flipped) - E, abs=1e-9 * abs(E))


def test_dense_python_integer_path_is_exact():
    """P = 6, N = 1000 overflows int64 in Newton's identities: the object path stays exact."""
    rng = np.random.default_rng(8)
    net = Network(patterns.binary(2, 1000, rng), 6)
    assert net._exact_object
    s = _spins(rng, 1, N=1000)[0]
    # independent exact route: e_6 of +-1 entries from the counts of +1 and -1 (Vandermonde)
    def e6(x):
        a, b = int((x > 0).sum()), int((x < 0).sum())
        return sum((-1) ** j * math.comb(b, j) * math.comb(a, 6 - j) for j in range(7))
    x = net.stored.astype(np.int64) * s
    expected = -net.scale * (e6(x[0]) + e6(x[1]))
    assert net.energy(s) == pytest.approx(expected, rel=1e-13)
    flipped = s.copy()
    flipped[5] *= -1
    xf = net.stored.astype(np.int64) * flipped
    exact_diff = (e6(x[0]) + e6(x[1])) - (e6(xf[0]) + e6(xf[1]))
    assert net.delta_energy(s, 5) == pytest.approx(net.scale * exact_diff, rel=1e-13)


def test_batched_energy_and_overlaps():
    rng = np.random.default_rng(6)
    net = Network(patterns.binary(4, 30, rng), 3)
    S = _spins(rng, 5, N=30)
    np.testing.assert_allclose(net.energy(S), [net.energy(s) for s in S], rtol=1e-14)
    np.testing.assert_allclose(net.overlaps(S), [net.overlaps(s) for s in S], rtol=1e-14)
    assert net.overlaps(S).shape == (5, 4)


def test_layout_is_site_major_and_int8():
    xi = patterns.binary(5, 20, 0)
    net = Network(xi, 2)
    assert net.stored_site_major.shape == (20, 5)
    assert net.stored_site_major.flags["C_CONTIGUOUS"]
    assert net.stored_site_major.dtype == np.int8
    np.testing.assert_array_equal(net.stored, xi)
    assert net.alpha == pytest.approx(5 / 20)
    assert Network(patterns.binary(5, 20, 0), 3).alpha == pytest.approx(5 / 400)


# --------------------------------------------------------------------------- learning networks
def test_one_example_is_hopfield_on_the_examples():
    """M = 1, P = 2: Nrm = R = 1 and both rules reduce to the Hopfield network of the examples."""
    rng = np.random.default_rng(10)
    xi = patterns.binary(4, 12, rng)
    eta = patterns.examples(xi, 1, 0.7, rng)
    plain = Network(eta[:, 0, :], 2)
    for rule in ("supervised", "unsupervised"):
        net = Network.from_examples(eta, 2, rule)
        for s in _spins(rng, 4, N=12):
            assert net.energy(s) == pytest.approx(plain.energy(s), rel=1e-13, abs=1e-13)


def test_supervised_normalisation_and_overlaps():
    """Supervised H = -(c/Nrm) sum e_P(etabar o s), Nrm = r^P (1+rho)^(P-1); n = 1/(1+rho) on average at s = xi."""
    rng = np.random.default_rng(11)
    K, M, N, r, P = 3, 4, 3000, 0.6, 4
    xi = patterns.binary(K, N, rng)
    eta = patterns.examples(xi, M, r, rng)
    net = Network.from_examples(eta, P, "supervised", r=r, archetypes=xi)
    rho = (1 - r * r) / (M * r * r)
    assert net.rho == pytest.approx(rho)
    nrm = r ** P * (1 + rho) ** (P - 1)
    assert net.scale == pytest.approx(math.factorial(P) / (2 * N ** (P - 1)) / (nrm * M ** P))
    n = net.example_overlaps(xi)                          # (K, K): row = state xi^mu
    etabar = eta.mean(axis=1)
    np.testing.assert_allclose(n, (xi @ etabar.T) / (r * (1 + rho) * N), rtol=1e-12)
    # E[etabar_i xi_i] = r: n_mu(xi^mu) = 1/(1+rho) within the binomial error of etabar
    sd = np.sqrt((1 - r * r) / M / N) / (r * (1 + rho))
    assert np.all(np.abs(np.diag(n) - 1 / (1 + rho)) < 5 * sd)
    x64 = xi.astype(np.int64)
    np.testing.assert_allclose(net.overlaps(xi), (x64 @ x64.T) / N)


def test_quality_estimated_from_the_examples():
    rng = np.random.default_rng(12)
    K, M, N, r = 5, 10, 4000, 0.4
    xi = patterns.diluted(K, N, 0.3, rng)
    eta = patterns.examples(xi, M, r, rng)
    net = Network.from_examples(eta, 2, "unsupervised")
    # sd of R-hat is about sqrt(Var(S^2)/n) with n = 0.7 K N non-blank sites; r-hat = sqrt((M R - 1)/(M - 1))
    assert net.r == pytest.approx(r, abs=0.02)
    np.testing.assert_array_equal(net.xi, np.sign(eta.sum(axis=1)))


def test_learning_needs_quality_for_one_dense_example():
    eta = patterns.examples(patterns.binary(2, 10, 0), 1, 0.5, 1)
    with pytest.raises(ValueError, match="r must be given"):
        Network.from_examples(eta, 4, "supervised")


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("xi, P, match", [
    (np.zeros((0, 5), dtype=np.int8), 2, "xi must not be empty"),
    (np.ones((2, 1), dtype=np.int8), 2, "N must be an integer >= 2"),
    (np.ones((2, 5), dtype=np.int8), 1, "P must be an integer in \\[2, 5\\], got 1"),
    (np.ones((2, 5), dtype=np.int8), 6, "P must be an integer in \\[2, 5\\], got 6"),
    (2 * np.ones((2, 5), dtype=np.int8), 2, "xi entries must be in \\{-1, 0, 1\\}, got 2"),
    (np.ones(5, dtype=np.int8), 2, "xi must have 2 dimensions"),
    (np.full((2, 5), 0.5), 2, "xi must have integer entries"),
    (np.array([["a", "b"]]), 2, "xi must be an integer array"),
])
def test_network_validation(xi, P, match):
    with pytest.raises(ValueError, match=match):
        Network(xi, P)


def test_network_option_validation():
    xi = patterns.binary(2, 6, 0)
    with pytest.raises(ValueError, match="normalization must be one of"):
        Network(xi, 2, normalization="paper")
    with pytest.raises(ValueError, match="tuples must be one of"):
        Network(xi, 2, tuples="some")
    net = Network(xi, 2)
    with pytest.raises(ValueError, match="s must have N = 6"):
        net.energy(np.ones(5, dtype=np.int8))
    with pytest.raises(ValueError, match="s entries must be in \\{-1, 1\\}, got 0"):
        net.energy(np.zeros(6, dtype=np.int8))
    with pytest.raises(ValueError, match="i must be an integer in \\[0, 5\\], got 6"):
        net.delta_energy(np.ones(6, dtype=np.int8), 6)
    with pytest.raises(ValueError, match="example_overlaps needs"):
        net.example_overlaps(np.ones(6, dtype=np.int8))
    eta = patterns.examples(xi, 3, 0.5, 0)
    with pytest.raises(ValueError, match="rule must be one of"):
        Network.from_examples(eta, 2, "semi")
    with pytest.raises(ValueError, match="r must be in \\(0, 1\\], got 1.5"):
        Network.from_examples(eta, 2, r=1.5)
    with pytest.raises(ValueError, match="examples must have 3 dimensions"):
        Network.from_examples(xi, 2)
    with pytest.raises(ValueError, match="archetypes must have shape \\(2, 6\\)"):
        Network.from_examples(eta, 2, archetypes=xi[:1])


def test_distinct_tuple_count_is_binomial():
    """Sanity of the reference itself: the distinct-tuple tensor sums C(N, P) products."""
    N, P = 7, 3
    net = Network(np.ones((1, N), dtype=np.int8), P)
    J = coupling_tensor(net)
    assert np.count_nonzero(J) == math.perm(N, P)
    assert tensor_energy(net, J, np.ones(N)) == pytest.approx(-net.scale * math.comb(N, P))
    assert sum(1 for _ in itertools.combinations(range(N), P)) == math.comb(N, P)


def test_boolean_and_zero_one_patterns_are_refused():
    """0/1 data passes the entry check as diluted patterns (zeros = blanks) and would give
    wrong physics without a word (retrieval m ~ 0.5, issue 15): refused unless declared."""
    xi = patterns.binary(3, 40, 0)
    with pytest.raises(ValueError, match="xi must hold \\+-1 .* got a boolean array"):
        Network(xi > 0, 2)
    with pytest.raises(ValueError, match="xi holds only 0 and 1 entries"):
        Network((xi > 0).astype(np.int8), 2)
    with pytest.raises(ValueError, match="xi holds only 0 and 1 entries"):
        Network((xi > 0).astype(float), 4)
    with pytest.raises(ValueError, match="xi must hold \\+-1"):
        Network(xi > 0, 2, diluted=True)                  # booleans never
    # the rare diluted array without a -1 entry is accepted when declared
    sparse = np.array([[0, 1, 0, 0, 0], [0, 0, 0, 1, 0]], dtype=np.int8)
    assert Network(sparse, 2, diluted=True).K == 2
    # +-1 and genuinely diluted patterns (with -1 entries) need nothing; all +1 is a +-1 pattern
    Network(xi, 2)
    Network(patterns.diluted(3, 40, 0.5, 1), 2)
    Network(np.ones((1, 6), dtype=np.int8), 2)
    eta = patterns.examples(xi, 3, 0.8, 2)
    with pytest.raises(ValueError, match="examples must hold \\+-1"):
        Network.from_examples(eta > 0, 2)
    with pytest.raises(ValueError, match="examples holds only 0 and 1 entries"):
        Network.from_examples((eta > 0).astype(np.int8), 2)
    with pytest.raises(ValueError, match="archetypes holds only 0 and 1 entries"):
        Network.from_examples(eta, 2, archetypes=(xi > 0).astype(np.int8))


def test_model_networks_of_diluted_archetypes_are_declared_diluted():
    """make_network draws diluted archetypes itself: even without a -1 entry they are diluted."""
    from hebbian.models import make_network
    found = None
    for seed in range(2000):                            # small N, strong dilution: some draws lack -1
        xi = patterns.diluted(1, 2, 0.9, seed)
        if not (xi == -1).any() and (xi == 0).any():
            found = seed
            break
    assert found is not None
    net = make_network("multitasking", 2, found, K=1, d=0.9)
    assert np.array_equal(net.xi, patterns.diluted(1, 2, 0.9, found))
