"""Benchmark of the replica engine where users meet it; prints one JSON object.

* ``sweep_vs_solve``: a 60 x 60 (alpha, T) Hopfield RS sweep through ``scripts/sweep.py``
  (a subprocess, serial) against one ``replica.solve`` of the same grid in this process, and
  the start-up of the script (the same command on a 1 x 1 grid). ``ratio`` is
  ``(sweep - start-up) / solve`` (target <= 3), ``ratio_total`` is ``sweep / solve``.
* ``scalar_rs``: one ``solve`` of one RS point (users loop over points) for every family
  (Hopfield at three points, dense P = 3, 4, supervised and unsupervised learning,
  multitasking K = 3), milliseconds per call (best of the repeats), wall and CPU time.
* ``one_step``: one finite-T 1RSB point (every branch: retrieval, 1RSB glass, paramagnet)
  for Hopfield (alpha = 0.136, T = 0.008), dense P = 3 (alpha = 0.12, T = 0.05), dense P = 4
  (alpha = 0.03, T = 0.05) and supervised learning (P = 4, alpha = 0.02, rho = 0.1,
  T = 0.05); and the same points as one vectorised grid call (seconds per point).
* ``capacities``: T = 0 capacities (Hopfield, dense P = 4) at RS and 1RSB.
* ``hopfield_grid``: a 200 x 200 (alpha, T) RS phase diagram in one ``solve`` call.
* ``load``: the load average before and after, and a reference: microseconds of one small
  NumPy call (CPU time) measured in the same run, to compare runs on a shared machine.
* ``baseline`` (with ``--baseline DIR``, another checkout of the project, e.g.
  ``git archive <commit> | tar -x -C DIR``): the scalar RS points, the 1RSB points and the
  T = 0 capacities timed in both trees in alternating subprocesses (CPU seconds, best of the
  repeats) and their ratios (baseline / this tree).

Every time is the best of ``--repeat`` runs (default 3). Usage::

    python benchmarks/bench_replica.py [--repeat 3] [--grid 200] [--quick] [--baseline DIR]

BLAS/OpenMP threads are set to 1 before numpy is imported (one core).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import replica  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

SWEEP = """
engine = "replica"
model = "hopfield"
observables = ["m", "q", "free_energy", "converged", "message", "branch"]
[grid]
alpha = {alpha}
T = {T}
[replica]
level = "rs"
[run]
progress = "none"
"""

SCALAR = {"hopfield alpha=0.05 T=0.5": ("hopfield", dict(alpha=0.05, T=0.5)),
          "hopfield alpha=0.12 T=0.3": ("hopfield", dict(alpha=0.12, T=0.3)),
          "hopfield alpha=0.05 T=0": ("hopfield", dict(alpha=0.05, T=0.0)),
          "dense P=3 alpha=0.05 T=0.1": ("dense", dict(P=3, alpha=0.05, T=0.1)),
          "dense P=4 alpha=0.02 T=0.2": ("dense", dict(P=4, alpha=0.02, T=0.2)),
          "supervised P=4 alpha=0.01 rho=0.1 T=0.2": ("supervised", dict(P=4, alpha=0.01, rho=0.1, T=0.2)),
          "unsupervised P=3 alpha=0.005 r=0.5 M=20 T=0.2": ("unsupervised", dict(P=3, alpha=0.005, r=0.5, M=20,
                                                                                  T=0.2)),
          "multitasking K=3 d=0.3 T=0.2": ("multitasking", dict(K=3, d=0.3, T=0.2))}

ONE_STEP = {"hopfield alpha=0.136 T=0.008": ("hopfield", dict(alpha=0.136, T=0.008)),
            "dense P=3 alpha=0.12 T=0.05": ("dense", dict(P=3, alpha=0.12, T=0.05)),
            "dense P=4 alpha=0.03 T=0.05": ("dense", dict(P=4, alpha=0.03, T=0.05)),
            "supervised P=4 alpha=0.02 rho=0.1 T=0.05": ("supervised", dict(P=4, alpha=0.02, rho=0.1, T=0.05))}


def _best(fn, repeat):
    """(best wall seconds, best CPU seconds, result) over repeat runs."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def _grid(n, lo, hi):
    return np.linspace(lo, hi, n)


def _beta(T):
    with np.errstate(divide="ignore"):
        return np.where(T > 0, 1.0 / np.where(T > 0, T, 1.0), np.inf)


def _sweep(n, tmp):
    cfg = Path(tmp) / f"h{n}.toml"
    if n == 1:
        cfg.write_text(SWEEP.format(alpha="[0.05]", T="[0.5]"))
    else:
        cfg.write_text(SWEEP.format(alpha=f"{{start = 0.0, stop = 0.2, num = {n}}}",
                                    T=f"{{start = 0.0, stop = 1.5, num = {n}}}"))
    out = Path(tmp) / f"o{n}_{time.perf_counter_ns()}"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "sweep.py"), str(cfg), "--out", str(out), "--mpi", "off"],
                   check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def bench_sweep(repeat, n=60):
    alpha, T = _grid(n, 0.0, 0.2), _grid(n, 0.0, 1.5)
    solve_wall, solve_cpu, _ = _best(lambda: replica.solve("hopfield", alpha=alpha[:, None],
                                                           beta=_beta(T)[None, :]), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        _sweep(1, tmp)                                    # compile / cache once
        startup = min(_sweep(1, tmp) for _ in range(repeat))
        sweep = min(_sweep(n, tmp) for _ in range(repeat))
    return {"grid": [n, n], "solve_seconds": round(solve_wall, 3), "solve_cpu_seconds": round(solve_cpu, 3),
            "sweep_seconds": round(sweep, 3), "startup_seconds": round(startup, 3),
            "ratio": round((sweep - startup) / solve_wall, 3), "ratio_total": round(sweep / solve_wall, 3)}


def bench_scalar(repeat, calls=20):
    out = {}
    for name, (model, kw) in SCALAR.items():
        replica.solve(model, **kw)
        wall, cpu, _ = _best(lambda: [replica.solve(model, **kw) for _ in range(calls)], repeat)
        out[name] = {"ms_per_call": round(1e3 * wall / calls, 3), "cpu_ms_per_call": round(1e3 * cpu / calls, 3)}
    return out


def bench_one_step(repeat):
    out = {}
    for name, (model, kw) in ONE_STEP.items():
        wall, cpu, sol = _best(lambda: replica.solve(model, level="1rsb", **kw), repeat)
        out[name] = {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "branch": str(sol.branch),
                     "free_energy": {k: float(b.free_energy) for k, b in sol.branches.items()}}
    # a small grid of each point's neighbours in one call: seconds per point
    for name, (model, kw) in ONE_STEP.items():
        kw = dict(kw)
        T = kw.pop("T")
        Ts = T * np.array([0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8])
        wall, cpu, sol = _best(lambda: replica.solve(model, level="1rsb", T=Ts, **kw), 1)
        out[name]["grid_seconds_per_point"] = round(wall / Ts.size, 3)
        out[name]["grid_converged"] = int(np.sum(sol.converged))
    return out


def bench_capacities(repeat):
    out = {}
    for name, (model, kw) in {"hopfield": ("hopfield", {}), "dense P=4": ("dense", {"P": 4})}.items():
        for level in ("rs", "1rsb"):
            wall, cpu, c = _best(lambda: replica.critical_capacity(model, level=level, **kw), repeat)
            out[f"{name} {level}"] = {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "alpha_c": c.alpha}
    return out


def bench_grid(n):
    alpha, T = _grid(n, 0.0, 0.2), _grid(n, 0.0, 1.5)
    wall, cpu, sol = _best(lambda: replica.solve("hopfield", alpha=alpha[:, None], beta=_beta(T)[None, :]), 1)
    phases, counts = np.unique(sol.branch.astype(str), return_counts=True)
    return {"shape": [n, n], "seconds": round(wall, 3), "seconds_per_point": wall / n ** 2,
            "converged_fraction": float(np.mean(sol.converged)),
            "phases": {str(k): int(v) for k, v in zip(phases, counts)}}


_PROBE = r"""
import json, sys, time
sys.meta_path = [f for f in sys.meta_path if "editable" not in type(f).__name__.lower()]
sys.path.insert(0, sys.argv[1])
import replica
assert replica.__file__.startswith(sys.argv[1]), replica.__file__
replica.solve("hopfield", alpha=0.05, beta=2.0)
replica.solve("hopfield", level="1rsb", alpha=0.1, beta=10.0)
out = {}
for name, (model, kw) in json.loads(sys.argv[3]).items():
    replica.solve(model, **kw)
    best = float("inf")
    for _ in range(3):
        c = time.process_time()
        for _ in range(20):
            replica.solve(model, **kw)
        best = min(best, (time.process_time() - c) / 20)
    out["scalar_rs " + name] = best
for name, (model, kw) in json.loads(sys.argv[2]).items():
    c = time.process_time()
    replica.solve(model, level="1rsb", **kw)
    out["one_step " + name] = time.process_time() - c
for name, (model, kw) in {"hopfield": ("hopfield", {}), "dense P=4": ("dense", {"P": 4})}.items():
    for level in ("rs", "1rsb"):
        c = time.process_time()
        replica.critical_capacity(model, level=level, **kw)
        out["capacity %s %s" % (name, level)] = time.process_time() - c
print(json.dumps(out))
"""


def bench_baseline(baseline, repeat):
    """CPU seconds of the same calls in this tree and in ``baseline`` (alternating subprocesses)."""
    cases = {k: (m, {kk: (1.0 / vv if kk == "T" else vv) for kk, vv in kw.items()})
             for k, (m, kw) in ONE_STEP.items()}
    cases = {k: (m, {("beta" if kk == "T" else kk): vv for kk, vv in kw.items()}) for k, (m, kw) in cases.items()}
    scalar = {k: (m, {("beta" if kk == "T" else kk): (1.0 / vv if vv else float("inf")) if kk == "T" else vv
                      for kk, vv in kw.items()}) for k, (m, kw) in SCALAR.items()}
    runs = {"baseline": [], "this": []}
    for _ in range(repeat):
        for name, tree in (("baseline", str(Path(baseline).resolve())), ("this", str(ROOT))):
            res = subprocess.run([sys.executable, "-c", _PROBE, tree, json.dumps(cases), json.dumps(scalar)],
                                 check=True, capture_output=True, text=True)
            runs[name].append(json.loads(res.stdout.strip().splitlines()[-1]))
    best = {name: {k: min(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    return {k: {"baseline_cpu_seconds": round(best["baseline"][k], 4), "cpu_seconds": round(best["this"][k], 4),
                "speedup": round(best["baseline"][k] / best["this"][k], 2)} for k in best["this"]}


def _reference():
    x = np.zeros(3)
    c = time.process_time()
    for _ in range(20000):
        np.tanh(x)
    return round(1e6 * (time.process_time() - c) / 20000, 3)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="repeats of every timing (best taken; default 3)")
    ap.add_argument("--grid", type=int, default=200, help="side of the single-call Hopfield grid (default 200)")
    ap.add_argument("--quick", action="store_true", help="skip the 200 x 200 grid and the capacities")
    ap.add_argument("--baseline", default=None, help="another checkout of the project to time against")
    args = ap.parse_args(argv)
    report = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
              "threads": os.environ.get("OPENBLAS_NUM_THREADS"), "load_before": os.getloadavg(),
              "reference_us_per_numpy_call": _reference()}
    replica.solve("hopfield", alpha=0.05, beta=5.0)                       # imports, compiled kernels
    replica.solve("hopfield", level="1rsb", alpha=0.1, beta=10.0)
    report["sweep_vs_solve"] = bench_sweep(args.repeat)
    report["scalar_rs"] = bench_scalar(args.repeat)
    report["one_step"] = bench_one_step(args.repeat)
    if not args.quick:
        report["capacities"] = bench_capacities(args.repeat)
        report["hopfield_grid"] = bench_grid(args.grid)
    if args.baseline:
        report["baseline"] = {"tree": str(args.baseline), **bench_baseline(args.baseline, args.repeat)}
    report["load_after"] = os.getloadavg()
    report["reference_us_per_numpy_call_after"] = _reference()
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
