"""Monte Carlo against exact enumeration of all 2^N states (N = 10).

The sampled histogram of (Mattis overlaps, energy) -- a fine coarse-graining of the states --
is compared with the Boltzmann weights of ``hebbian.Network.energy`` by a chi-square test in
which each bin's count variance is inflated by that bin's integrated autocorrelation time
(estimated from its indicator series), so correlated samples are not over-counted.

Each test also checks that the statistic has power: the same samples must be REJECTED against
the Boltzmann weights at 2 beta (a field off by a factor 2), and a sampler of the all-tuple
model (self-interactions kept) must be rejected against the distinct-tuple weights.
"""

import numpy as np
import pytest
from scipy import stats

from hebbian import Network, patterns
from montecarlo import simulate
from montecarlo._stats import integrated_time

N = 10
P_ACCEPT = 1e-3      # fixed seeds: a correct sampler passes deterministically
P_REJECT = 1e-8


def _all_states(n):
    return (1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)).astype(np.int8)


def _keys(m, e, use_energy=True):
    """Integer codes of (N m, energy) rows (or N m only): the bins of the histogram."""
    cols = [np.rint(m * N)] + ([np.rint(e * N * 1e6)[:, None]] if use_energy else [])
    return np.column_stack(cols).astype(np.int64)


def boltzmann_bins(net, beta, use_energy=True):
    """Exact probabilities of the (m, energy) bins by enumeration."""
    st = _all_states(net.N)
    E = net.energy(st)
    w = np.exp(-beta * (E - E.min()))
    keys, inv = np.unique(_keys(net.overlaps(st), E / net.N, use_energy), axis=0, return_inverse=True)
    return keys, np.bincount(inv.ravel(), weights=w / w.sum())


def chi2_pvalue(net, beta, run, use_energy=True):
    """p-value of the sampled bins against Boltzmann at beta, autocorrelation-corrected."""
    keys, p = boltzmann_bins(net, beta, use_energy)
    m = run.m.reshape(-1, run.m.shape[-2], net.K)                # (chains, samples, K)
    e = run.energy.reshape(-1, run.energy.shape[-1])
    C, n = e.shape
    sk = _keys(m.reshape(-1, net.K), e.reshape(-1), use_energy)
    lookup = {tuple(k): b for b, k in enumerate(keys)}
    idx = np.array([lookup.get(tuple(k), -1) for k in sk])
    assert (idx >= 0).all(), "sampled a state that enumeration says does not exist"
    big = np.flatnonzero(p * C * n >= 20)                        # bins tested one by one
    ind = (idx.reshape(C, n)[:, :, None] == big[None, None, :]).astype(float)
    rest = 1.0 - ind.sum(axis=2, keepdims=True)                  # all small bins pooled
    ind = np.concatenate([ind, rest], axis=2)
    tau = np.maximum(integrated_time(ind), 1.0)
    O = ind.sum(axis=(0, 1))
    E = np.append(p[big], 1.0 - p[big].sum()) * C * n
    keep = E > 0
    chi2 = np.sum((O[keep] - E[keep]) ** 2 / (E[keep] * tau[keep]))
    return stats.chi2.sf(chi2, keep.sum() - 1)


def _network(kind, P, rng, tuples="distinct", n=N, K=3, M=3, r=0.6):
    if kind == "binary":
        return Network(patterns.binary(K, n, rng), P, tuples=tuples)
    if kind == "diluted":
        return Network(patterns.diluted(K, n, 0.3, rng), P, tuples=tuples)
    xi = patterns.binary(K, n, rng)
    eta = patterns.examples(xi, M, r, rng)
    return Network.from_examples(eta, P, kind, r=r, archetypes=xi, tuples=tuples)


def _check(net, beta, rule, order, seed, sweeps=1500, field="exact"):
    run = simulate(net, beta, sweeps, chains=24, seed=seed, rule=rule, order=order, burn_in=50, every=2,
                   field=field)
    p_ok = chi2_pvalue(net, beta, run)
    p_bad = chi2_pvalue(net, 2.0 * beta, run)
    assert p_ok > P_ACCEPT, f"sampler disagrees with enumeration: p = {p_ok:.3g}"
    assert p_bad < P_REJECT, f"the test cannot see a factor 2 in the field: p = {p_bad:.3g}"
    return run


@pytest.mark.parametrize("order", ["random", "sequential"])
@pytest.mark.parametrize("rule", ["glauber", "metropolis"])
@pytest.mark.parametrize("P", [2, 3, 4])
def test_binary_patterns_match_enumeration(P, rule, order):
    rng = np.random.default_rng(10 * P + (rule == "metropolis") + 2 * (order == "sequential"))
    _check(_network("binary", P, rng), 1.0, rule, order, seed=P)


@pytest.mark.parametrize("P", [2, 3, 4])
@pytest.mark.parametrize("kind", ["diluted", "supervised", "unsupervised"])
@pytest.mark.parametrize("rule", ["glauber", "metropolis"])
def test_diluted_and_learning_networks_match_enumeration(kind, P, rule):
    rng = np.random.default_rng(100 + 10 * P + ["diluted", "supervised", "unsupervised"].index(kind))
    _check(_network(kind, P, rng), 1.0, rule, "random", seed=7 * P)


@pytest.mark.parametrize("kind, P", [("binary", 3), ("binary", 4), ("supervised", 3), ("diluted", 4)])
def test_all_tuples_option_matches_its_own_enumeration(kind, P):
    rng = np.random.default_rng(300 + P)
    net = _network(kind, P, rng, tuples="all")
    _check(net, 0.7, "glauber", "random", seed=11)


@pytest.mark.parametrize("kind, P", [("binary", 3), ("binary", 4), ("supervised", 4)])
def test_dropping_the_self_interaction_is_detected(kind, P):
    """A sampler of the all-tuple model fails the test against the distinct-tuple weights."""
    rng = np.random.default_rng(400 + P)
    net = _network(kind, P, rng)
    rng = np.random.default_rng(400 + P)
    wrong = _network(kind, P, rng, tuples="all")
    assert np.array_equal(net.stored, wrong.stored)
    run = simulate(wrong, 1.0, 1500, chains=24, seed=3, burn_in=50, every=2)
    assert chi2_pvalue(wrong, 1.0, run, use_energy=False) > P_ACCEPT     # right model: accepted
    assert chi2_pvalue(net, 1.0, run, use_energy=False) < P_REJECT       # wrong model: rejected


def test_plefka_field_is_exact_for_P3():
    """The Plefka truncation keeps p_1 and p_2, all e_2 needs: P = 3 is sampled exactly."""
    rng = np.random.default_rng(500)
    _check(_network("supervised", 3, rng), 1.0, "glauber", "random", seed=5, field="plefka")


@pytest.mark.parametrize("kind, P", [("binary", 2), ("binary", 4), ("diluted", 3), ("supervised", 4),
                                     ("unsupervised", 3)])
def test_energies_and_overlaps_are_exact_after_long_runs(kind, P):
    """Measured energies equal Network.energy/N of the final spins; the energy accumulated from
    the accepted energy changes equals the energy recomputed from scratch."""
    net = _network(kind, P, np.random.default_rng(600 + P), n=300, K=4, M=5, r=0.4)
    run = simulate(net, 1.3, 400, seed=2, chains=2, burn_in=0, every=400)
    for c in range(2):
        s = run.state.spins[0, c, 0, 0]
        E = net.energy(s)
        assert run.energy[c, -1] == pytest.approx(E / net.N, rel=1e-12, abs=1e-14)
        assert run.state.energy_incremental[0, c, 0, 0] == pytest.approx(E, rel=1e-9, abs=1e-9)
        np.testing.assert_allclose(run.m[c, -1], net.overlaps(s), rtol=0, atol=1e-15)
        if kind in ("supervised", "unsupervised"):
            np.testing.assert_allclose(run.n[c, -1], net.example_overlaps(s), rtol=1e-12, atol=1e-15)
    assert run.acceptance.min() > 0.01            # the chains did move


@pytest.mark.parametrize("kind, P", [("binary", 2), ("binary", 3), ("diluted", 4), ("supervised", 3)])
def test_zero_temperature_descends_to_a_local_minimum(kind, P):
    """beta = inf: the energy never increases and the final state is stable to every flip
    (dE >= 0 for all sites; flips with dE == 0 are rejected)."""
    net = _network(kind, P, np.random.default_rng(700 + P), n=60, M=4, r=0.5)
    run = simulate(net, float("inf"), 60, seed=4, chains=3, burn_in=0, every=1)
    assert np.all(np.diff(run.energy, axis=-1) <= 1e-12)
    for c in range(3):
        s = run.state.spins[0, c, 0, 0]
        assert min(net.delta_energy(s, i) for i in range(net.N)) >= -1e-12
    # once stable, nothing moves any more: the last sweeps accept no flip
    again = simulate(net, float("inf"), 5, init=run.state, chains=3, burn_in=0)
    assert np.all(again.acceptance == 0.0)
