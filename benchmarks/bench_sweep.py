#!/usr/bin/env python
"""Strong scaling (1 and 2 MPI ranks) and per-task overhead of the sweep runner; prints JSON.

    python benchmarks/bench_sweep.py                 # all cases
    python benchmarks/bench_sweep.py --cases overhead cpu --repeat 3

Cases
-----
overhead    zero-cost test engine, many tasks: scheduling + journaling + progress per task,
            serial and with 2 ranks (rank 0 computing, and rank 0 only scheduling), with the
            default group commit (fdatasync at most every second), with a flush after every
            record, and without fsync.
sleep       test engine sleeping 2 ms ... 200 ms per task (costs over two orders of magnitude):
            the runner's own efficiency (load balance + overhead), immune to CPU contention.
cpu         CPU-bound test engine, task costs spread over two orders of magnitude.
montecarlo  configs/smoke.toml (needs the montecarlo engine).
replica     the RS Hopfield phase diagram on a coarse grid (needs the replica engine).

Times are the runner's own loop (``elapsed`` of the session in the result file): process
start-up, imports and the final assembly are reported separately as ``wall``. Efficiency at R
ranks is ``t(1) / (R t(R))``; the best of ``--repeat`` runs is kept (the machine is shared).
``utilization_2_ranks`` (time inside tasks / (2 x elapsed)) is the runner's own loss;
``task_time_ratio_2_vs_1`` how much slower tasks ran with 2 ranks, and
``control_two_serial_copies_task_time_ratio`` the same for two independent serial runs at once:
when the two ratios agree, the lost efficiency is CPU contention on the machine, not the runner.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "sweep.py"
HASH = "hebbian.sweep._testing:HashEngine"


def hash_toml(n, *, spin=0, work=0.0, spread=False):
    costs = "[" + ", ".join(str(round(10 ** (2 * i / (n - 1)) / 10, 6)) for i in range(n)) + "]" if spread \
        else "{start = 0, stop = %d, num = %d}" % (n - 1, n)
    axis = "cost" if spread else "i"
    return f"""
engine = "{HASH}"
model = "bench"
seed = 1
observables = ["x"]
[grid]
{axis} = {costs}
[hash]
spin = {spin}
work = {work}
"""


def run(config_text, ranks, extra=(), tmp=None, copies=1):
    """Run the sweep (``copies`` independent serial copies at once when copies > 1)."""
    tmp = Path(tmp)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    procs, outs = [], []
    t0 = time.perf_counter()
    for _ in range(copies):
        cfg = tmp / f"c{time.monotonic_ns()}.toml"
        cfg.write_text(config_text)
        out = tmp / f"o{time.monotonic_ns()}.h5"
        cmd = [sys.executable, str(SCRIPT), str(cfg), "--out", str(out), "--set", "run.progress=none", *extra]
        cmd = ["mpiexec", "-n", str(ranks), *cmd] if ranks > 1 else cmd + ["--mpi", "off"]
        procs.append((cmd, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)))
        outs.append(out)
    for cmd, proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}:\n{err}")
    wall = time.perf_counter() - t0
    if copies > 1:
        return {"copies": copies, "task_time_sum_s": [_summary(o, wall)["task_time_sum_s"] for o in outs]}
    return _summary(outs[0], wall, ranks)


def _summary(out, wall, ranks=1):
    sys.path.insert(0, str(ROOT))
    from hebbian import load_result
    ds = load_result(out)
    sessions = json.loads(ds.attrs["sessions"])
    elapsed = [s["elapsed"] for s in sessions if s.get("event") == "end"][-1]
    n = int(ds.attrs["n_tasks"])
    busy = float(ds.task_wall_time.sum())
    return {"ranks": ranks, "tasks": n, "elapsed_s": round(elapsed, 4), "wall_s": round(wall, 3),
            "task_time_sum_s": round(busy, 4)}


def best(fn, repeat):
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r["elapsed_s"])


def scaling(name, text, repeat, tmp, extra=()):
    r1 = best(lambda: run(text, 1, extra, tmp), repeat)
    r2 = best(lambda: run(text, 2, extra, tmp), repeat)
    # control: two independent serial copies at once (no MPI, no runner interaction); their
    # slowdown is what the machine alone does to two simultaneous computations
    ctrl = run(text, 1, extra, tmp, copies=2)
    return {"case": name, "r1": r1, "r2": r2,
            "efficiency_2_ranks": round(r1["elapsed_s"] / (2 * r2["elapsed_s"]), 3),
            # time the 2 ranks spent inside tasks / (2 x elapsed): the runner's share of the loss,
            # insensitive to CPU contention from other users of the machine
            "utilization_2_ranks": round(r2["task_time_sum_s"] / (2 * r2["elapsed_s"]), 3),
            "task_time_ratio_2_vs_1": round(r2["task_time_sum_s"] / r1["task_time_sum_s"], 3),
            "control_two_serial_copies_task_time_ratio": round(
                sum(ctrl["task_time_sum_s"]) / (2 * r1["task_time_sum_s"]), 3)}


def overhead(repeat, tmp, n=2000):
    text = hash_toml(n)
    out = {"case": "overhead", "tasks": n}
    for key, ranks, extra in [("serial", 1, ()), ("serial_fsync_every_task", 1, ("--set", "run.fsync_interval=0")),
                              ("serial_no_fsync", 1, ("--set", "run.fsync=false")),
                              ("2_ranks", 2, ()), ("2_ranks_fsync_every_task", 2, ("--set", "run.fsync_interval=0")),
                              ("2_ranks_root_schedules_only", 2, ("--set", 'run.root_computes="no"'))]:
        r = best(lambda: run(text, ranks, extra, tmp), repeat)
        out[key] = {**r, "overhead_per_task_ms": round(1e3 * r["elapsed_s"] / n, 3)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="*", default=["overhead", "sleep", "cpu", "montecarlo", "replica"])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(),
                           "load_avg_start": os.getloadavg()}, "cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            if case == "overhead":
                results["cases"].append(overhead(args.repeat, tmp))
            elif case == "sleep":
                results["cases"].append(scaling("sleep", hash_toml(40, work=0.02, spread=True), args.repeat, tmp))
            elif case == "cpu":
                results["cases"].append(scaling("cpu", hash_toml(40, spin=40, spread=True), args.repeat, tmp))
            elif case == "montecarlo":
                if _available("montecarlo", "simulate"):
                    text = (ROOT / "configs" / "smoke.toml").read_text()
                    results["cases"].append(scaling("montecarlo (configs/smoke.toml)", text, args.repeat, tmp))
                else:
                    results["cases"].append({"case": "montecarlo", "skipped": "montecarlo engine not available"})
            elif case == "replica":
                if _available("replica", "solve"):
                    text = (ROOT / "configs" / "hopfield_phase_diagram.toml").read_text()
                    extra = ("--set", "grid.alpha={start=0.0, stop=0.16, num=9}",
                             "--set", "grid.T={start=0.0, stop=1.2, num=13}")
                    results["cases"].append(scaling("replica (hopfield_phase_diagram, 9x13)", text, args.repeat,
                                                    tmp, extra))
                else:
                    results["cases"].append({"case": "replica", "skipped": "replica engine not available"})
            else:
                raise SystemExit(f"unknown case {case!r}")
    results["machine"]["load_avg_end"] = os.getloadavg()
    print(json.dumps(results, indent=1))


def _available(module, attr):
    sys.path.insert(0, str(ROOT))
    try:
        return hasattr(__import__(module), attr)
    except ImportError:
        return False


if __name__ == "__main__":
    main()
