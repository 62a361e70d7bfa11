"""Benchmark of ``montecarlo.simulate`` against C yardsticks, JIT costs and the memory of a dense run.

Run from the repository root (JSON on stdout, progress on stderr):

    python benchmarks/bench_mc.py --quick              # ~3 min on 2 cores
    python benchmarks/bench_mc.py --out bench.json     # longer calls, ~6 min
    python benchmarks/bench_mc.py --cases 0,2 --no-jit --no-dense

For every case (one chain of random-sequential Glauber dynamics started in archetype 0):

* ``simulate``: the whole public call ``simulate(net, beta, sweeps, seed=..., init="pattern",
  burn_in=sweeps - 1)`` (preparation, tables, kernel, results), thread CPU time
  (``time.thread_time``: one chain runs in the calling thread) per attempted flip;
* ``yardstick``: the shared C yardstick (``make -C ../shared/yardstick``, read its README; run
  from there, never copied here; pairwise and diluted cases only, its own network of the same
  statistics) with the same N, K, beta, sweeps and rule, ``attempts_per_cpu_s`` (kernel only,
  thread CPU time). ``simulate_over_yardstick`` = yardstick ns / simulate ns (> 1: faster);
* ``c``: the project's own C kernel ``benchmarks/c/mc_kernel.c`` (int32 overlaps, a logarithm
  per attempt) built with ``gcc -O3 -march=native`` into ``benchmarks/build/`` and called
  through ctypes on the same network, spins and streams as ``simulate``: it must end in the
  same state (``same_trajectory_as_c``); ``c_interleaving_gain``: G = 2, 4, 8 chains advanced
  attempt by attempt in one C thread over one chain (the evidence on interleaving);
* ``numpy``: ``benchmarks/numpy_baseline.py``, the same algorithm as a Python loop.

Every case alternates simulate and the yardsticks, 3 repeats, minimum. ``--against DIR``
also times the whole call of another checkout (e.g. ``git worktree add /tmp/old c9eb9b6``)
against this one, in alternating new processes, and checks that both end in the same spins.
Then (unless
``--no-jit``) the JIT costs, each in a new process: the cold compile of each family's kernels
(empty ``NUMBA_CACHE_DIR``) and the warm start (import + first ``simulate``, warm cache); and
(unless ``--no-dense``) the peak RSS of the dense case of issue 14 (P = 4, N = 160, K = 31553,
4 networks x 2 replicas x 800 samples) in a process of its own. ``uptime`` load before and after.
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
from montecarlo import _engine, simulate  # noqa: E402

BUILD = ROOT / "benchmarks" / "build"
C_SOURCE = ROOT / "benchmarks" / "c" / "mc_kernel.c"
SEED = 7

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


def find_yardstick(path=None):
    """The shared yardstick binary: ``path``, else ``../shared/yardstick/ref_kernels`` from the
    repository (or from the folder holding a worktree); None if not built."""
    cands = [Path(path)] if path else [ROOT.parent / "shared" / "yardstick" / "ref_kernels",
                                       ROOT.parents[1] / "shared" / "yardstick" / "ref_kernels"]
    for c in cands:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def build_c():
    BUILD.mkdir(parents=True, exist_ok=True)
    lib = BUILD / "mc_kernel.so"
    flags = ["-O3", "-march=native"]
    subprocess.run(["gcc", *flags, "-shared", "-fPIC", "-DMC_NO_MAIN", "-o", str(lib), str(C_SOURCE), "-lm"],
                   check=True)
    so = ctypes.CDLL(str(lib))
    vp, ci, cd, cl = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_long
    for name in ("pair_sweeps", "table_sweeps"):
        getattr(so, name).argtypes = [vp, vp, ci, ci, vp, vp, vp, cd, cd, cl]
        getattr(so, name).restype = cl
        getattr(so, name + "_interleaved").argtypes = [vp, vp, ci, ci, vp, vp, vp, ci, cd, cd, cl]
        getattr(so, name + "_interleaved").restype = cl
    return so, "gcc " + " ".join(flags)


def network(case):
    rng = np.random.default_rng(12345)
    if case["kind"] == "diluted":
        return Network(patterns.diluted(case["K"], case["N"], 0.5, rng), case["P"])
    return Network(patterns.binary(case["K"], case["N"], rng), case["P"])


def time_simulate(net, beta, sweeps, seed=SEED):
    t0 = time.thread_time()
    run = simulate(net, beta, sweeps, seed=seed, init="pattern", burn_in=sweeps - 1)
    return (time.thread_time() - t0) / (sweeps * net.N), run


def _c_state(model, chains):
    """Spins, int32 overlaps and streams of ``chains`` fresh chains, as ``simulate(seed=SEED,
    init="pattern", chains=chains)`` starts them."""
    st = _engine.fresh_state((1, chains, 1, 1, model.N), SEED, model, "pattern")
    s = np.ascontiguousarray(st.spins[0, :, 0, 0])
    S = np.ascontiguousarray((s.astype(np.int64) @ model.v[0].astype(np.int64)).astype(np.int32))
    rng = np.ascontiguousarray(st.rng[0, :, 0, 0])
    return s, S, rng


def time_c(so, model, beta, sweeps, chains=1):
    """The project's C kernel on ``chains`` chains (interleaved when > 1), ns per attempt per chain."""
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    s, S, rng = _c_state(model, chains)
    v = model.v[0]
    if model.family == "pair":
        aux, scale, fn = model.fam_nets[0].dself.astype(np.int32), model.fam_nets[0].scale, "pair_sweeps"
    else:
        aux, scale, fn = np.ascontiguousarray(model.tab[0]), model.fam_nets[0].scale, "table_sweeps"
    t0 = time.thread_time()
    if chains == 1:
        acc = getattr(so, fn)(ptr(v), ptr(aux), model.n, model.N, ptr(S), ptr(s), ptr(rng), beta, scale, sweeps)
    else:
        acc = getattr(so, fn + "_interleaved")(ptr(v), ptr(aux), model.n, model.N, ptr(S), ptr(s), ptr(rng), chains,
                                              beta, scale, sweeps)
    return (time.thread_time() - t0) / (sweeps * model.N * chains), int(acc), s, rng


def time_yardstick(exe, case, sweeps):
    model = "diluted" if case["kind"] == "diluted" else "pairwise"
    args = [str(exe), model, str(case["N"]), str(case["K"]), "2", repr(case["beta"]), str(sweeps), "1", "rule=glauber"]
    if model == "diluted":
        args.append("d=0.5")
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return 1.0 / out["attempts_per_cpu_s"], out["acceptance"]


def time_numpy(model, net, beta, attempts):
    v = model.v[0].astype(np.int32)
    s = net.xi[0].astype(np.int64)
    S = v.T.astype(np.int64) @ s
    if model.family == "pair":
        kw = dict(scale=model.fam_nets[0].scale, dself=model.fam_nets[0].dself)
    else:
        kw = dict(tab=model.tab[0], scale=model.fam_nets[0].scale)
    t0 = time.thread_time()
    numpy_baseline.run(v, S, s, beta, attempts, np.random.default_rng(1), **kw)
    return (time.thread_time() - t0) / attempts


def bench_case(case, so, yard, quick):
    net = network(case)
    model = _engine.prepare([net])
    beta = case["beta"]
    # each timed call ~0.3 s (quick) or ~1 s of work at the expected speed (10 ns + 0.12 ns per
    # stored pattern per attempt): the fixed cost of a call (~1 ms) weighs < 1%
    sweeps = max(4, int((0.3 if quick else 1.0) / (net.N * (10e-9 + 0.12e-9 * model.n * (model.P - 1)))))
    simulate(net, beta, 2, seed=1, init="pattern")               # compile or load the kernels
    use_yard = yard is not None and case["P"] == 2
    t_sim, t_c, t_y, acc_y = np.inf, np.inf, np.inf, None
    for _ in range(3):                                         # alternate: share the machine's moods
        t, run = time_simulate(net, beta, sweeps)
        t_sim = min(t_sim, t)
        t, acc_c, spins_c, rng_c = time_c(so, model, beta, sweeps)
        t_c = min(t_c, t)
        if use_yard:
            t, acc_y = time_yardstick(yard, case, sweeps)
            t_y = min(t_y, t)
    same = bool(np.array_equal(run.state.spins[0, 0, 0, 0], spins_c[0])
                and np.array_equal(run.state.rng[0, 0, 0, 0], rng_c[0]))
    inter = {}
    for G in (2, 4, 8):
        t, _, _, _ = time_c(so, model, beta, max(1, sweeps // G), G)
        inter[str(G)] = t_c / t
    t_np = time_numpy(model, net, beta, 3000 if quick else 10000)
    out = {
        "case": case["name"], "family": model.family, "sweeps_timed": sweeps,
        "acceptance": float(run.acceptance),
        "ns": {"simulate": t_sim * 1e9, "c": t_c * 1e9, "numpy": t_np * 1e9},
        "simulate_over_c": t_c / t_sim,
        "same_trajectory_as_c": same,
        "c_interleaving_gain": inter,
        "simulate_over_numpy": t_np / t_sim,
    }
    if use_yard:
        out["ns"]["yardstick"] = t_y * 1e9
        out["yardstick_acceptance"] = acc_y
        out["simulate_over_yardstick"] = t_y / t_sim
        out["c_over_yardstick"] = t_y / t_c
    return out


_PROBE = r"""
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
sys.path.insert(0, {root!r})
import numpy as np
from hebbian import Network, patterns
from montecarlo import simulate, parallel_tempering
out = {{"import_s": time.perf_counter() - t0, "import_cpu_s": cpu() - c0}}
rng = np.random.default_rng(0)
xi = patterns.binary(3, 40, rng)
nets = {{"pair": Network(xi, 2), "table": Network(xi, 4), "general": Network(patterns.diluted(3, 40, 0.3, rng), 3)}}
for fam in {families!r}:
    t, c = time.perf_counter(), cpu()
    simulate(nets[fam], 1.0, 3, seed=1)
    out[fam + "_s"], out[fam + "_cpu_s"] = time.perf_counter() - t, cpu() - c
if {tempering!r}:
    t = time.perf_counter()
    parallel_tempering(nets["pair"], [0.5, 1.0], 3, seed=1, replicas=2)
    out["tempering_s"] = time.perf_counter() - t
out["total_s"], out["total_cpu_s"] = time.perf_counter() - t0, cpu() - c0
print(json.dumps(out))
"""


def _probe(env, families, tempering=False):
    code = _PROBE.format(root=str(ROOT), families=tuple(families), tempering=tempering)
    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                     text=True).stdout)


def jit_costs():
    """Per family, each in new processes: the first simulate with an empty cache (compile) and
    with a warm one (load), and the whole start (import + first simulate). Wall and CPU seconds
    (the process's own CPU time: on a loaded machine the wall time also counts waiting)."""
    out = {}
    for fam in ("pair", "table", "general"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, HEBBIAN_NUMBA_CACHE="1")
            cold = _probe(env, [fam])
            warm = _probe(env, [fam])
        out[fam] = {"cold_compile_s": cold[fam + "_s"], "cold_compile_cpu_s": cold[fam + "_cpu_s"],
                    "warm_start_s": warm["total_s"], "warm_start_cpu_s": warm["total_cpu_s"],
                    "warm_first_simulate_s": warm[fam + "_s"], "import_s": warm["import_s"]}
    return out


_DENSE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from hebbian import Network, patterns
from montecarlo import simulate
rng = np.random.default_rng(0)
nets = [Network(patterns.binary(31553, 160, rng), 4) for _ in range(4)]
t = time.perf_counter()
run = simulate(nets, 5.0, {samples}, seed=1, init="pattern", replicas=2, burn_in=0)
print(json.dumps({{"P": 4, "N": 160, "K": 31553, "networks": 4, "replicas": 2, "samples": run.m.shape[-2],
                  "m_shape": list(run.m.shape), "seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def dense_memory(samples=800):
    code = _DENSE.format(root=str(ROOT), samples=samples)
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                     text=True).stdout)


_AGAINST = r"""
import json, sys, time
import numpy as np
from hebbian import Network, patterns
from montecarlo import simulate
kind, P, N, K, beta, sweeps = {args!r}
rng = np.random.default_rng(12345)
xi = patterns.diluted(K, N, 0.5, rng) if kind == "diluted" else patterns.binary(K, N, rng)
net = Network(xi, P)
simulate(net, beta, 2, seed=1, init="pattern")
t = time.thread_time()
run = simulate(net, beta, sweeps, seed={seed}, init="pattern", burn_in=sweeps - 1)
dt = time.thread_time() - t
print(json.dumps({{"ns": dt / (sweeps * N) * 1e9, "spins": run.state.spins.ravel().tolist()}}))
"""


def against(other, cases, quick, repeats=3):
    """Whole simulate calls of another checkout ``other`` (e.g. main before a change) and of
    this one, in alternating new processes (PYTHONPATH), ``repeats`` each, minimum."""
    out = []
    for case in cases:
        net_n = case["K"] * (1 if case["P"] == 2 else case["P"] - 1)
        sweeps = max(4, int((0.3 if quick else 1.0) / (case["N"] * (10e-9 + 0.12e-9 * net_n))))
        args = (case["kind"], case["P"], case["N"], case["K"], case["beta"], sweeps)
        ns, spins = {"other": [], "this": []}, {}
        for _ in range(repeats):
            for name, path in (("other", other), ("this", ROOT)):
                env = dict(os.environ, PYTHONPATH=str(path))
                r = json.loads(subprocess.run([sys.executable, "-c", _AGAINST.format(args=args, seed=SEED)], env=env,
                                              check=True, capture_output=True, text=True).stdout)
                ns[name].append(r["ns"])
                spins[name] = r["spins"]
        row = {"case": case["name"], "sweeps": sweeps, "other_ns": min(ns["other"]), "this_ns": min(ns["this"]),
               "this_over_other_speed": min(ns["other"]) / min(ns["this"]),
               "same_final_spins": spins["other"] == spins["this"]}
        out.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter timed calls")
    ap.add_argument("--out", help="also write the JSON to this file")
    ap.add_argument("--cases", help="comma-separated indices of the cases to run")
    ap.add_argument("--yardstick", help="path of the shared yardstick binary (default: ../shared/yardstick)")
    ap.add_argument("--no-jit", action="store_true", help="skip the compile and start-up measurements")
    ap.add_argument("--no-dense", action="store_true", help="skip the dense memory measurement")
    ap.add_argument("--against", metavar="DIR", help="also time whole simulate calls of the checkout DIR "
                    "(e.g. main before a change) against this one, in alternating processes")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of --against (default 3)")
    args = ap.parse_args(argv)
    so, cflags = build_c()
    yard = find_yardstick(args.yardstick)
    if yard is None:
        print("bench_mc: shared yardstick not built (make -C ../shared/yardstick): skipped", file=sys.stderr)
    cases = CASES if not args.cases else [CASES[int(k)] for k in args.cases.split(",")]
    load0 = os.getloadavg()
    results = []
    for case in cases:
        results.append(bench_case(case, so, yard, args.quick))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    report = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "loadavg_before": load0},
        "c_compiler": cflags, "yardstick": str(yard) if yard else None,
        "cases": results,
    }
    if args.against:
        report["against"] = {"other": args.against, "cases": against(args.against, cases, args.quick, args.repeats)}
    if not args.no_jit:
        report["jit"] = jit_costs()
    if not args.no_dense:
        report["dense_memory"] = dense_memory()
    report["machine"]["loadavg_after"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
