"""montecarlo public API: validation, shapes, reproducibility, continuation, threads."""

import math

import numba
import numpy as np
import pytest

import montecarlo
from hebbian import Network, patterns
from montecarlo import _engine, _jit, _loop, parallel_tempering, simulate


@pytest.fixture(scope="module")
def net():
    return Network(patterns.binary(3, 40, np.random.default_rng(0)), 2)


@pytest.fixture(scope="module")
def dense():
    return Network(patterns.binary(3, 30, np.random.default_rng(1)), 4)


def test_public_api_is_short():
    assert set(montecarlo.__all__) == {"simulate", "parallel_tempering", "anneal", "disorder_average",
                                       "estimate", "Run", "ShortRunWarning"}


# ------------------------------------------------------------------ bad input, before any work
@pytest.fixture
def no_work(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("work started before the input was validated")
    monkeypatch.setattr(_engine, "execute", fail)
    monkeypatch.setattr(_engine, "fresh_state", fail)


@pytest.mark.parametrize("kwargs, name", [
    (dict(beta=-1.0), "beta"),
    (dict(beta=float("nan")), "beta"),
    (dict(beta=float("-inf")), "beta"),
    (dict(beta="hot"), "beta"),
    (dict(sweeps=0), "sweeps"),
    (dict(sweeps=2.5), "sweeps"),
    (dict(burn_in=100), "burn_in"),
    (dict(burn_in=-1), "burn_in"),
    (dict(every=0), "every"),
    (dict(every=1000), "every"),
    (dict(replicas=0), "replicas"),
    (dict(chains=0), "chains"),
    (dict(rule="gibbs"), "rule"),
    (dict(order="backwards"), "order"),
    (dict(field="tap"), "field"),
    (dict(seed=-3), "seed"),
    (dict(seed=None), "seed"),
    (dict(init=np.ones(39, dtype=np.int8)), "init"),
    (dict(init=np.zeros(40, dtype=np.int8)), "init"),
    (dict(init=np.full(40, 0.5)), "init"),
    (dict(init=np.ones((3, 40), dtype=np.int8)), "init"),
    (dict(init="ferro"), "init"),
])
def test_bad_input_raises_value_error_naming_the_parameter(net, no_work, kwargs, name):
    args = dict(beta=1.0, sweeps=100, seed=1)
    args.update(kwargs)
    beta, sweeps = args.pop("beta"), args.pop("sweeps")
    with pytest.raises(ValueError, match=name):
        simulate(net, beta, sweeps, **args)


def test_bad_networks_are_refused(net, dense, no_work):
    with pytest.raises(ValueError, match="net"):
        simulate(np.ones((3, 40)), 1.0, 10, seed=1)
    with pytest.raises(ValueError, match="net"):
        simulate([net, dense], 1.0, 10, seed=1)
    with pytest.raises(ValueError, match="plefka"):
        simulate(Network(patterns.binary(2, 20, 0), 3, tuples="all"), 1.0, 10, seed=1, field="plefka")


def test_bad_tempering_ladders_are_refused(net, no_work):
    for betas, name in [([1.0], "betas"), ([2.0, 1.0], "increasing"), ([0.5, float("inf")], "betas"),
                        ([-1.0, 1.0], "betas")]:
        with pytest.raises(ValueError, match=name):
            parallel_tempering(net, betas, 10, seed=1)
    with pytest.raises(ValueError, match="swap_every"):
        parallel_tempering(net, [0.5, 1.0], 10, seed=1, swap_every=0)


def test_state_of_another_layout_is_refused(net):
    run = simulate(net, 1.0, 5, seed=1, chains=2)
    with pytest.raises(ValueError, match="init"):
        simulate(net, 1.0, 5, init=run.state)


# ------------------------------------------------------------------ shapes
@pytest.mark.filterwarnings("ignore::montecarlo.ShortRunWarning")
def test_shapes_and_dims(net):
    run = simulate(net, beta=2.0, sweeps=50, init=net.xi[0], seed=1)
    assert run.dims == () and run.m.shape == (45, 3) and run.energy.shape == (45,) and run.q is None
    assert run.mean("m").shape == (3,) and run.error("energy").shape == () and run.tau("m").shape == (3,)
    run = simulate(net, 2.0, 50, seed=1, chains=4, replicas=3, burn_in=10, every=5)
    assert run.dims == ("chain", "replica")
    assert run.m.shape == (4, 3, 8, 3) and run.energy.shape == (4, 3, 8) and run.q.shape == (4, 8, 3)
    assert run.acceptance.shape == (4, 3) and run.mean("q").shape == (3,)
    run = simulate([net, net], 2.0, 20, seed=1, burn_in=0)
    assert run.dims == ("network",) and run.m.shape == (2, 20, 3)
    run = parallel_tempering(net, [0.5, 1.0, 2.0], 20, seed=1, replicas=2, burn_in=0)
    assert run.dims == ("replica", "beta") and run.m.shape == (2, 3, 20, 3) and run.q.shape == (3, 20, 1)
    assert run.swap_rates.shape == (2,) and run.mean("energy").shape == (3,)


def test_energy_is_per_spin_and_pattern_init_retrieves(net):
    run = simulate(net, float("inf"), 3, init="pattern", seed=1, burn_in=0)
    assert run.m[0, 0] == pytest.approx(1.0, abs=0.1)
    assert run.energy[-1] == pytest.approx(net.energy(run.state.spins[0, 0, 0, 0]) / net.N, abs=1e-14)


# ------------------------------------------------------------------ reproducibility
def test_same_seed_same_numbers_and_seed_sequences(net):
    a = simulate(net, 1.0, 30, seed=5, chains=3)
    b = simulate(net, 1.0, 30, seed=5, chains=3)
    c = simulate(net, 1.0, 30, seed=6, chains=3)
    d = simulate(net, 1.0, 30, seed=np.random.SeedSequence(5), chains=3)
    assert np.array_equal(a.m, b.m) and np.array_equal(a.state.spins, b.state.spins)
    assert not np.array_equal(a.m, c.m)
    assert np.array_equal(a.m, d.m)
    # chain c's stream does not depend on how many chains run next to it
    e = simulate(net, 1.0, 30, seed=5, chains=5)
    assert np.array_equal(a.m, e.m[:3])


@pytest.mark.parametrize("which", ["pair", "table", "general"])
def test_results_do_not_depend_on_threads_or_blocks(which):
    rng = np.random.default_rng(3)
    if which == "pair":
        nets = Network(patterns.binary(3, 50, rng), 2)
    elif which == "table":
        nets = Network(patterns.binary(3, 30, rng), 3)
    else:
        nets = [Network(patterns.diluted(3, 30, 0.3, rng), 3) for _ in range(2)]
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(nets, 1.2, 30, seed=9, chains=5, replicas=2)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate(nets, 1.2, 30, seed=9, chains=5, replicas=2)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one.m, two.m) and np.array_equal(one.energy, two.energy)
    assert np.array_equal(one.q, two.q) and np.array_equal(one.state.rng, two.state.rng)
    # units run one after the other (HEBBIAN_PARALLEL=0) or on threads: the same numbers
    model = _engine.prepare(_engine.as_networks(nets)[0])
    outs = []
    for parallel in (False, True):
        _jit_parallel, _jit.PARALLEL = _jit.PARALLEL, parallel
        try:
            st = _engine.fresh_state((model.v.shape[0], 7, 2, 1, model.N), 4, model, None)
            outs.append(_engine.execute(model, st, betas=[1.2], rule=0, order=0, sweeps=10, burn_in=0, every=1))
        finally:
            _jit.PARALLEL = _jit_parallel
    assert np.array_equal(outs[1].m, outs[0].m) and np.array_equal(outs[1].q, outs[0].q)


@pytest.mark.parametrize("tempering", [False, True])
def test_continuing_a_run_is_bit_identical(net, dense, tempering):
    kw = dict(seed=3, chains=2, replicas=2, burn_in=0, every=5)
    if tempering:
        go = lambda n, sweeps, **k: parallel_tempering(n, [0.5, 1.0, 1.5], sweeps, swap_every=3, **k)  # noqa: E731
    else:
        go = lambda n, sweeps, **k: simulate(n, 1.5, sweeps, order="sequential", **k)  # noqa: E731
    for network in (net, dense):
        whole = go(network, 40, **kw)
        first = go(network, 25, **kw)
        kw2 = dict(kw)
        kw2.pop("seed")
        second = go(network, 15, init=first.state, **kw2)
        assert np.array_equal(whole.state.spins, second.state.spins)
        assert np.array_equal(whole.state.rng, second.state.rng)
        assert np.array_equal(whole.state.temp_of, second.state.temp_of)
        assert np.array_equal(whole.state.energy_incremental, second.state.energy_incremental)
        assert whole.state.sweeps == second.state.sweeps == 40
        both = np.concatenate([first.m, second.m], axis=-2)
        assert np.array_equal(whole.m, both)


def _dtypes(signature):
    """The element dtypes of a compiled loop's network and state arguments."""
    return tuple(str(getattr(t, "dtype", t)) for arg in signature[:2] for t in arg.types)


def test_one_sweep_loop_per_family_and_dtype(net, dense):
    """Each family's sweep loop is compiled once: networks of any shape (and replicas,
    tempering, learning) reuse it; int16 overlaps up to sum_i |v_ip| = 32767, int32 beyond."""
    for seed in range(3):
        simulate(Network(patterns.binary(5 + seed, 30 + seed, seed), 2), 0.5 + seed, 3, seed=seed,
                 chains=seed + 1, replicas=2)
    parallel_tempering(net, [0.5, 1.0], 3, seed=1)
    simulate(dense, 1.0, 3, seed=1)
    simulate(Network(patterns.binary(4, 25, 3), 3), 1.0, 3, seed=1)
    for family in ("pair", "table"):
        # other tests of the session may add loops for other dtypes (float tables, int32
        # overlaps), never a second loop for the same dtypes
        signatures = _loop.RUN[family].signatures
        assert len({_dtypes(sig) for sig in signatures}) == len(signatures) >= 1
    assert _engine.prepare([net]).s_dtype == np.int16
    assert _engine.prepare([Network(patterns.binary(2, 40000, 0), 2)]).s_dtype == np.int32


def test_zero_temperature_rule_name(net):
    run = simulate(net, math.inf, 3, seed=1, rule="metropolis")
    assert run.rule == "zero-temperature" and run.beta == math.inf


def test_pair_field_bound_chooses_int32_sums_only_when_exact():
    """The pair family sums its field in int32 only when no partial sum can leave int32."""
    v = np.ones((1, 1000, 40), dtype=np.int8)
    assert _engine.pair_field_bound(v) == 40 * 1000
    big = np.full((1, 1400, 100), -127, dtype=np.int8)          # e.g. class sums of 127 examples
    assert _engine.pair_field_bound(big) == (100 * 127) * (1400 * 127) >= 2 ** 31
    v2 = np.zeros((2, 3, 2), dtype=np.int8)
    v2[1, 0] = [5, -7]
    v2[1, 2, 1] = 3
    assert _engine.pair_field_bound(v2) == 12 * 10               # max_i sum_p |v| times max_p sum_i |v|
    assert _engine.prepare([Network(patterns.binary(3, 50, 1), 2)]).fam_nets[0].wide == 0


@pytest.mark.parametrize("learn", [False, True])
def test_int32_and_int64_pair_sums_give_the_same_numbers(learn):
    """The two exact pair-field sums of the kernel (int32, and int64 when ``wide``) follow the same
    trajectories."""
    rng = np.random.default_rng(4)
    if learn:
        xi = patterns.binary(3, 60, rng)
        net = Network.from_examples(patterns.examples(xi, 5, 0.6, rng), 2, "supervised", r=0.6, archetypes=xi)
    else:
        net = Network(patterns.diluted(4, 60, 0.4, rng), 2)
    model = _engine.prepare([net])
    assert model.family == "pair" and model.fam_nets[0].wide == 0
    outs = []
    for wide in (0, 1):
        model.fam_nets = [model.fam_nets[0]._replace(wide=wide)]
        st = _engine.fresh_state((1, 3, 2, 1, model.N), 8, model, None)
        outs.append(_engine.execute(model, st, betas=[0.8], rule=0, order=0, sweeps=20, burn_in=0, every=2))
    for o in outs[1:]:
        assert np.array_equal(o.m, outs[0].m) and np.array_equal(o.energy, outs[0].energy)
        assert np.array_equal(o.q, outs[0].q)


# ------------------------------------------------------------------ recorded overlaps (memory independent of K)
@pytest.mark.filterwarnings("ignore::montecarlo.ShortRunWarning")
def test_overlaps_default_is_min_k_64_plus_the_largest_other():
    """By default m holds archetypes 0..63 and m_rest the largest |m| over the others, sample by
    sample; overlaps=K records all, on the same trajectory."""
    net = Network(patterns.binary(80, 60, np.random.default_rng(5)), 2)
    full = simulate(net, 0.7, 12, seed=3, chains=2, replicas=2, burn_in=0, overlaps=80)
    part = simulate(net, 0.7, 12, seed=3, chains=2, replicas=2, burn_in=0)
    assert full.m.shape[-1] == 80 and full.m_rest is None
    assert part.m.shape[-1] == 64 and part.m_rest.shape == part.energy.shape
    assert np.array_equal(part.m, full.m[..., :64])
    assert np.array_equal(part.m_rest, np.abs(full.m[..., 64:]).max(axis=-1))
    assert np.array_equal(part.state.spins, full.state.spins)
    few = simulate(net, 0.7, 12, seed=3, chains=2, replicas=2, burn_in=0, overlaps=1)
    assert np.array_equal(few.m, full.m[..., :1])
    assert np.array_equal(few.m_rest, np.abs(full.m[..., 1:]).max(axis=-1))
    assert few.mean("m_rest") > 0 and np.isfinite(few.error("m_rest"))
    small = simulate(Network(patterns.binary(3, 40, 0), 2), 1.0, 5, seed=1)
    assert small.m.shape[-1] == 3 and small.m_rest is None


@pytest.mark.parametrize("rule", ["supervised", "unsupervised"])
def test_overlaps_of_learning_networks(rule):
    """n (class overlaps) follows overlaps= like m: its first columns and n_rest, the largest
    |n| over the other classes, equal those of the full record."""
    rng = np.random.default_rng(7)
    xi = patterns.binary(5, 40, rng)
    net = Network.from_examples(patterns.examples(xi, 3, 0.7, rng), 3, rule, r=0.7, archetypes=xi)
    full = simulate(net, 1.0, 10, seed=2, burn_in=0, overlaps=5, chains=2)
    part = simulate(net, 1.0, 10, seed=2, burn_in=0, overlaps=2, chains=2)
    assert full.n.shape[-1] == 5 and full.n_rest is None
    assert np.array_equal(part.n, full.n[..., :2])
    np.testing.assert_allclose(part.n_rest, np.abs(full.n[..., 2:]).max(axis=-1), rtol=1e-15, atol=0)
    assert np.array_equal(part.m_rest, np.abs(full.m[..., 2:]).max(axis=-1))
    # the class overlaps are hebbian's own
    spins = full.state.spins[0, :, 0, 0]
    np.testing.assert_allclose(full.n[:, -1], net.example_overlaps(spins), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [0, -1, 4, 2.5, "all"])
def test_bad_overlaps_are_refused(net, no_work, bad):
    with pytest.raises(ValueError, match="overlaps"):
        simulate(net, 1.0, 10, seed=1, overlaps=bad)
    with pytest.raises(ValueError, match="overlaps"):
        parallel_tempering(net, [0.5, 1.0], 10, seed=1, overlaps=bad)
