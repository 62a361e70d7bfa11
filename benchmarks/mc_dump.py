"""Dump every output of ``montecarlo`` on a fixed list of cases, or compare two dumps bit for bit.

Used to check that a change of the kernels keeps the numbers (same seed, same numbers):

    cd /tmp && PYTHONPATH=/path/to/tree_a python /path/to/mc_dump.py dump a.npz
    cd /tmp && PYTHONPATH=/path/to/tree_b python /path/to/mc_dump.py dump b.npz
    python /path/to/mc_dump.py diff a.npz b.npz    # exit status 1 if any array differs

Cases: pairwise, diluted (multitasking), dense P = 3, 4 (+-1 tables), diluted P = 3..6 (power
sums, Newton), supervised / unsupervised learning, int64-overflowing tables (N = 100,
P = 20), all-tuple and binomial normalisations, each with Glauber, Metropolis + sequential,
beta = inf, replicas = 2 and parallel tempering; the Plefka field; wide networks (K = 600,
several chains on several threads); a list of networks. Set ``NUMBA_NUM_THREADS`` to check
independence of the thread count. Arrays that only a newer version records (``m_rest``,
``n_rest``) are listed and skipped by ``diff``.

Against the dump of main before issue 14 (759 arrays), the rewrite of the engine (plain Numba,
a module per family, acceptance tables, int16 overlaps) differs in 8 arrays, all explained:
``wide.m``, ``wide3.m``, ``wide_pt.m`` (K = 600) hold the default ``min(K, 64)`` overlaps, equal
to the first 64 columns of main's; ``uns3_*.n`` (unsupervised, M = 3) are the class overlaps
computed from exact integer class sums with one rounding, where main summed the floating-point
products pattern by pattern: differences <= 1.2e-16. Every trajectory, energy, overlap,
stream and incremental energy is bit-identical (the pairwise acceptance table decides exactly
as the logarithmic rule: :mod:`montecarlo._pairwise`).
"""

import sys

import numpy as np


def _imports():
    global Network, patterns, make_network, parallel_tempering, simulate
    from hebbian import Network, patterns
    from hebbian.models import make_network
    from montecarlo import parallel_tempering, simulate


def _rng(seed):
    return np.random.default_rng(seed)


def cases():
    nets = {
        "hop": Network(patterns.binary(5, 60, _rng(0)), 2),
        "dil2": make_network("multitasking", 60, 1, K=3, d=0.3),
        "d3": Network(patterns.binary(4, 40, _rng(2)), 3),
        "d4": Network(patterns.binary(3, 30, _rng(3)), 4),
        "d3dil": Network(patterns.diluted(3, 40, 0.3, _rng(4)), 3),
        "d4dil": Network(patterns.diluted(3, 30, 0.3, _rng(5)), 4),
        "d5dil": Network(patterns.diluted(2, 24, 0.2, _rng(51)), 5),
        "d6dil": Network(patterns.diluted(2, 24, 0.2, _rng(6)), 6),
        "sup2": make_network("supervised", 50, 7, P=2, K=3, r=0.6, M=5),
        "sup3": make_network("supervised", 40, 8, P=3, K=2, r=0.6, M=4),
        "uns3": make_network("unsupervised", 40, 9, P=3, K=2, r=0.6, M=3),
        "uns4": make_network("unsupervised", 30, 10, P=4, K=2, r=0.7, M=3),
        "big": Network(patterns.binary(2, 100, _rng(11)), 20),
        "allt3": Network(patterns.binary(3, 40, _rng(12)), 3, tuples="all"),
        "allt4": Network(patterns.diluted(3, 30, 0.2, _rng(13)), 4, tuples="all"),
        "binom": Network(patterns.binary(3, 30, _rng(14)), 4, normalization="binomial"),
    }
    out = {}
    for name, net in nets.items():
        out[name + "_gl"] = lambda net=net: simulate(net, 1.3, 30, seed=5, init="pattern", chains=2)
        out[name + "_me"] = lambda net=net: simulate(net, 2.0, 30, seed=6, rule="metropolis", order="sequential")
        out[name + "_inf"] = lambda net=net: simulate(net, np.inf, 10, seed=7, chains=2)
        out[name + "_rep"] = lambda net=net: simulate(net, 0.8, 20, seed=8, replicas=2, chains=2, every=2)
        out[name + "_pt"] = lambda net=net: parallel_tempering(net, [0.5, 1.0, 1.5, 3.0], 40, seed=9, replicas=2,
                                                               swap_every=2)
    wide = Network(patterns.binary(600, 4000, _rng(15)), 2)      # 2.4 MB > L2: interleaved
    wide3 = Network(patterns.binary(600, 4000, _rng(16)), 3)
    group = [Network(patterns.binary(4, 40, _rng(20 + k)), 3) for k in range(3)]
    out["d4dil_plefka"] = lambda: simulate(nets["d4dil"], 1.5, 20, seed=3, field="plefka")
    out["d4_plefka"] = lambda: simulate(nets["d4"], 1.5, 20, seed=3, field="plefka")
    out["wide"] = lambda: simulate(wide, 1.5, 3, seed=3, chains=4, init="pattern")
    out["wide3"] = lambda: simulate(wide3, 1.5, 2, seed=3, chains=4, init="pattern")
    out["wide_pt"] = lambda: parallel_tempering(wide, [1.0, 2.0], 4, seed=3, chains=2, replicas=2)
    out["list"] = lambda: simulate(group, 1.2, 20, seed=4, chains=3, replicas=2)
    return out


def dump(path):
    _imports()
    res = {}
    for name, run in cases().items():
        r = run()
        for k in ("m", "energy", "q", "n", "m_rest", "n_rest", "acceptance", "swap_rates"):
            x = getattr(r, k, None)
            if x is not None:
                res[f"{name}.{k}"] = np.asarray(x)
        for k in ("spins", "rng", "swap_rng", "temp_of", "energy_incremental"):
            res[f"{name}.state_{k}"] = np.asarray(getattr(r.state, k))
    np.savez(path, **res)
    print(f"{len(res)} arrays written to {path}")


def diff(path_a, path_b):
    a, b = np.load(path_a), np.load(path_b)
    only = sorted(set(a.files) ^ set(b.files))
    if only:
        print(f"{len(only)} arrays in one dump only (skipped):", ", ".join(only[:12]) + (" ..." if len(only) > 12 else ""))
    bad = 0
    for k in sorted(set(a.files) & set(b.files)):
        x, y = a[k], b[k]
        if not (x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")):
            bad += 1
            print("DIFF", k, x.dtype, y.dtype, x.shape, y.shape)
    print(f"{len(set(a.files) & set(b.files))} arrays in both, {bad} differ")
    return int(bad > 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
