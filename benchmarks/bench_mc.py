"""Benchmark of the montecarlo kernels against a hand-written C kernel and a numpy loop.

Run from the repository root:

    python benchmarks/bench_mc.py            # all cases, JSON on stdout (a few minutes)
    python benchmarks/bench_mc.py --quick    # shorter runs
    python benchmarks/bench_mc.py --out bench.json

For every case (random-sequential Glauber dynamics from pattern 1, one chain on one core):

* ``c``: ``benchmarks/c/mc_kernel.c`` compiled with ``gcc -O3 -march=native`` into
  ``benchmarks/build/`` (ignored by git) as a shared library and called (ctypes) on the very
  arrays the Numba kernel uses, in this process: same network, spins and xoshiro256+ state.
  Its final spins, stream and acceptance count must equal the Numba kernel's
  (``same_trajectory_as_c``);
* ``c_standalone``: the same C file as a program of its own, reading the same arrays from files.
  On the development machine the identical object code ran ~1.5x faster there than inside the
  Python process for the large cases (L3-bound: 1.7 MB of patterns): an environment effect that
  the in-process yardstick shares with the Numba kernel, so ``numba_over_c_speed`` uses ``c``
  and ``numba_over_c_standalone_speed`` is reported next to it;
* ``numba``: the production kernel (``montecarlo._kernels``), called as ``simulate`` calls it;
* ``numba_interleaved``: G independent chains advanced attempt by attempt in one thread;
* ``numpy``: ``benchmarks/numpy_baseline.py``, the same algorithm as a Python loop.

Times are thread CPU times (``time.thread_time``, ``CLOCK_THREAD_CPUTIME_ID``), minimum over
repeats, so that being descheduled by other processes does not count; ``ns`` is nanoseconds per
attempted flip per chain. Then the JIT costs: compile time of every kernel family on its first
call with an empty cache, and the start-up (import + first call of each family) of a new
process with a warm cache. The machine load is recorded: on a shared machine numbers are noisy.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy_baseline  # noqa: E402

from hebbian import Network, patterns  # noqa: E402
from montecarlo import _engine, _native  # noqa: E402

BUILD = ROOT / "benchmarks" / "build"
C_SOURCE = ROOT / "benchmarks" / "c" / "mc_kernel.c"

CASES = [
    dict(name="pairwise N=4096 K=40 beta=5", kind="binary", P=2, N=4096, K=40, beta=5.0),
    dict(name="pairwise N=4096 K=40 beta=0.5", kind="binary", P=2, N=4096, K=40, beta=0.5),
    dict(name="pairwise N=4096 K=410 beta=5", kind="binary", P=2, N=4096, K=410, beta=5.0),
    dict(name="pairwise N=4096 K=410 beta=0.5", kind="binary", P=2, N=4096, K=410, beta=0.5),
    dict(name="diluted d=0.5 N=4096 K=10 beta=5", kind="diluted", P=2, N=4096, K=10, beta=5.0),
    dict(name="dense P=4 N=128 K=1000 beta=5", kind="binary", P=4, N=128, K=1000, beta=5.0),
    dict(name="dense P=4 N=128 K=1000 beta=1", kind="binary", P=4, N=128, K=1000, beta=1.0),
    dict(name="dense P=4 N=64 K=2048 beta=5", kind="binary", P=4, N=64, K=2048, beta=5.0),
]


def build_c():
    BUILD.mkdir(parents=True, exist_ok=True)
    exe, lib = BUILD / "mc_kernel", BUILD / "mc_kernel.so"
    flags = ["-O3", "-march=native"]
    subprocess.run(["gcc", *flags, "-o", str(exe), str(C_SOURCE), "-lm"], check=True)
    subprocess.run(["gcc", *flags, "-shared", "-fPIC", "-DMC_NO_MAIN", "-o", str(lib), str(C_SOURCE), "-lm"],
                   check=True)
    so = ctypes.CDLL(str(lib))
    vp, ci, cd, cl = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_long
    so.pair_sweeps.argtypes = [vp, vp, ci, ci, vp, vp, vp, cd, cd, cl]
    so.table_sweeps.argtypes = [vp, vp, ci, ci, vp, vp, vp, cd, cd, cl]
    so.pair_sweeps.restype = so.table_sweeps.restype = cl
    so.pair_sweeps_interleaved.argtypes = [vp, vp, ci, ci, vp, vp, vp, ci, cd, cd, cl]
    so.table_sweeps_interleaved.argtypes = [vp, vp, ci, ci, vp, vp, vp, ci, cd, cd, cl]
    so.pair_sweeps_interleaved.restype = so.table_sweeps_interleaved.restype = cl
    return exe, so, "gcc " + " ".join(flags)


def network(case):
    rng = np.random.default_rng(12345)
    if case["kind"] == "diluted":
        xi = patterns.diluted(case["K"], case["N"], 0.5, rng)
    else:
        xi = patterns.binary(case["K"], case["N"], rng)
    return Network(xi, case["P"])


def fresh_call(model, net, chains, sweeps, beta, seed=7):
    state = _engine.fresh_state((1, chains, 1, 1, net.N), seed, model, "pattern")
    call = _engine.prepare_call(model, state, betas=[beta], rule=0, order=0, sweeps=sweeps, burn_in=sweeps,
                                every=1, block=chains)
    return state, call


def time_numba(model, net, beta, sweeps, chains, repeats):
    best = np.inf
    for _ in range(repeats):
        _, call = fresh_call(model, net, chains, sweeps, beta)
        t0 = time.thread_time()
        call.kernel(0, call.block, *call.args)
        best = min(best, time.thread_time() - t0)
    return best / (sweeps * net.N * chains), call


def _c_inputs(model, net, beta, sweeps, chains=1):
    """Spins, overlaps and streams of ``chains`` fresh chains (as the Numba kernel gets them);
    one chain: 1-d arrays, else one row per chain."""
    state, _ = fresh_call(model, net, chains, sweeps, beta)
    s = np.ascontiguousarray(state.spins[0, :, 0, 0])
    S = np.ascontiguousarray((s.astype(np.int64) @ model.v[0].astype(np.int64)).astype(np.int32))
    rng = np.ascontiguousarray(state.rng[0, :, 0, 0])
    return (s[0], S[0], rng[0]) if chains == 1 else (s, S, rng)


def time_c(so, model, net, beta, sweeps, repeats):
    """The C kernel in this process on the Numba kernel's own arrays."""
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    v = model.v[0]
    D = model.dself[0].astype(np.int32)
    tab = np.ascontiguousarray(model.tab[0])
    assert model.family == "pair" or tab.dtype == np.int64, "the C yardstick takes int64 tables"
    best = np.inf
    for _ in range(repeats):
        s, S, rng = _c_inputs(model, net, beta, sweeps)
        t0 = time.thread_time()
        if model.family == "pair":
            acc = so.pair_sweeps(ptr(v), ptr(D), model.n, net.N, ptr(S), ptr(s), ptr(rng), beta,
                                 float(model.scale[0]), sweeps)
        else:
            acc = so.table_sweeps(ptr(v), ptr(tab), model.n, net.N, ptr(S), ptr(s), ptr(rng), beta,
                                  float(model.tscale[0]), sweeps)
        best = min(best, time.thread_time() - t0)
    return best / (sweeps * net.N), int(acc), s, rng


def time_c_interleaved(so, model, net, beta, sweeps, chains, repeats):
    """G = ``chains`` chains interleaved attempt by attempt by the C yardstick (per chain)."""
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    v = model.v[0]
    D = model.dself[0].astype(np.int32)
    tab = np.ascontiguousarray(model.tab[0])
    best = np.inf
    for _ in range(repeats):
        s, S, rng = _c_inputs(model, net, beta, sweeps, chains)
        t0 = time.thread_time()
        if model.family == "pair":
            so.pair_sweeps_interleaved(ptr(v), ptr(D), model.n, net.N, ptr(S), ptr(s), ptr(rng), chains, beta,
                                       float(model.scale[0]), sweeps)
        else:
            so.table_sweeps_interleaved(ptr(v), ptr(tab), model.n, net.N, ptr(S), ptr(s), ptr(rng), chains, beta,
                                        float(model.tscale[0]), sweeps)
        best = min(best, time.thread_time() - t0)
    return best / (sweeps * net.N * chains), s, rng


def time_c_standalone(exe, model, net, beta, sweeps, repeats, workdir):
    """The C kernel as a program of its own, same inputs through files."""
    d = Path(workdir)
    s, S, r = _c_inputs(model, net, beta, sweeps)
    model.v[0].astype(np.int8).tofile(d / "v.bin")
    s.tofile(d / "spins.bin")
    S.tofile(d / "S.bin")
    if model.family == "pair":
        model.dself[0].astype(np.int32).tofile(d / "D.bin")
    else:
        model.tab[0].astype(np.int64).tofile(d / "tab.bin")
    scale = model.scale[0] if model.family == "pair" else model.tscale[0]
    (d / "params.txt").write_text(f"{model.family} {net.N} {model.n} {float(beta)!r} {float(scale)!r} "
                                  f"{sweeps} {repeats} {r[0]} {r[1]} {r[2]} {r[3]}\n")
    subprocess.run([str(exe), str(d)], check=True)
    head = (d / "out.txt").read_text().split("\n")[0].split()
    return float(head[0]) / (sweeps * net.N)


def time_numpy(model, net, beta, attempts):
    v = model.v[0].astype(np.int32)
    s = net.xi[0].astype(np.int64)
    S = v.T.astype(np.int64) @ s
    if model.family == "pair":
        kw = dict(scale=model.scale[0], dself=model.dself[0])
    else:
        kw = dict(tab=model.tab[0], scale=model.tscale[0])
    rng = np.random.default_rng(1)
    t0 = time.thread_time()
    numpy_baseline.run(v, S, s, beta, attempts, rng, **kw)
    return (time.thread_time() - t0) / attempts


def bench_case(case, exe, so, quick, workdir):
    net = network(case)
    model = _engine.prepare([net])
    beta = case["beta"]
    per_sweep = net.N * model.n
    # steady-state throughput: each timed call does >= 6e6 (quick) / 1.2e8 site-pattern operations
    # (5-40 ms of work: a call's fixed cost, 0.05-0.5 ms with the first sweep over arrays that
    # the preparation pushed out of L2, weighs <= 4%), so that fixed cost is measured on its own
    # (call_overhead_us)
    sweeps = max(2, int((6e6 if quick else 1.2e8) / per_sweep))
    repeats = 3 if quick else 5
    time_numba(model, net, beta, 1, 1, 1)                      # compile (or load from the cache)
    t_nb, t_c = np.inf, np.inf
    for _ in range(2):                                         # alternate, to share the machine's moods
        t, call = time_numba(model, net, beta, sweeps, 1, repeats)
        t_nb = min(t_nb, t)
        t, acc_c, spins_c, rng_c = time_c(so, model, net, beta, sweeps, repeats)
        t_c = min(t_c, t)
    same = bool(np.array_equal(call.arrays["spins"][0], spins_c) and np.array_equal(call.arrays["rng"][0], rng_c)
                and int(call.arrays["imem"][_native.ACC, 0]) == acc_c)
    t_cs = time_c_standalone(exe, model, net, beta, sweeps, repeats, workdir)
    inter, c_inter, same_inter = {}, {}, True
    for G in (2, 4, 8):
        t, call_g = time_numba(model, net, beta, max(1, sweeps // G), G, repeats)
        inter[str(G)] = t * 1e9
        t, spins_g, rng_g = time_c_interleaved(so, model, net, beta, max(1, sweeps // G), G, repeats)
        c_inter[str(G)] = t * 1e9
        same_inter &= bool(np.array_equal(call_g.arrays["spins"], spins_g)
                           and np.array_equal(call_g.arrays["rng"], rng_g))
    t_np = time_numpy(model, net, beta, 4000 if quick else 20000)
    t_one, _ = time_numba(model, net, beta, 1, 1, repeats)    # one sweep per call
    overhead_us = max(0.0, (t_one - t_nb) * net.N * 1e6)
    return {
        "case": case["name"], "family": model.family, "sweeps_timed": sweeps,
        "acceptance": acc_c / (sweeps * net.N),
        "ns": {"c": t_c * 1e9, "c_standalone": t_cs * 1e9, "numba": t_nb * 1e9, "numpy": t_np * 1e9},
        "numba_interleaved_ns_per_chain": inter,
        "numba_over_c_speed": t_c / t_nb,
        "numba_over_c_standalone_speed": t_cs / t_nb,
        "numba_over_numpy_speed": t_np / t_nb,
        "interleaving_gain": {G: t_nb * 1e9 / t for G, t in inter.items()},
        "c_interleaved_ns_per_chain": c_inter,
        "c_interleaving_gain": {G: t_c * 1e9 / t for G, t in c_inter.items()},
        "same_interleaved_trajectories_as_c": same_inter,
        "call_overhead_us": overhead_us,
        "numba_one_sweep_per_call_over_c_speed": t_c / t_one,
        "same_trajectory_as_c": same,
    }


_JIT_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import numpy as np
from hebbian import Network, patterns
import montecarlo
from montecarlo import simulate, parallel_tempering
t_import = time.perf_counter() - t0
out = {{"import_s": t_import}}
rng = np.random.default_rng(0)
xi = patterns.binary(3, 40, rng)
nets = {{"pair": Network(xi, 2), "table": Network(xi, 4), "general": Network(patterns.diluted(3, 40, 0.3, rng), 3)}}
for fam, net in nets.items():
    t = time.perf_counter()
    simulate(net, 1.0, 3, seed=1)
    out[fam + "_s"] = time.perf_counter() - t
t = time.perf_counter()
parallel_tempering(nets["pair"], [0.5, 1.0], 3, seed=1, replicas=2)
out["tempering_s"] = time.perf_counter() - t
out["total_s"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def jit_costs():
    """Compile time with an empty cache, then start-up of a new process with a warm cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, HEBBIAN_NUMBA_CACHE="1")
        code = _JIT_PROBE.format(root=str(ROOT))
        cold = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                         capture_output=True, text=True).stdout)
        warm = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                         capture_output=True, text=True).stdout)
    return {"cold_cache": cold, "warm_cache": warm}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs")
    ap.add_argument("--out", help="also write the JSON to this file")
    ap.add_argument("--cases", help="comma-separated indices of the cases to run")
    ap.add_argument("--no-jit", action="store_true", help="skip the compile-time measurements")
    args = ap.parse_args(argv)
    exe, so, cflags = build_c()
    cases = CASES if not args.cases else [CASES[int(k)] for k in args.cases.split(",")]
    load0 = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory() as work:
        for case in cases:
            results.append(bench_case(case, exe, so, args.quick, work))
            print(json.dumps(results[-1]), file=sys.stderr)
    report = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "loadavg_before": load0, "loadavg_after": os.getloadavg()},
        "c_compiler": cflags,
        "cases": results,
    }
    if not args.no_jit:
        report["jit"] = jit_costs()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
