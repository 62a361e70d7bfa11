"""Benchmark of the replica engine: RS phase diagrams through the public API, on one core.

Prints one JSON object:

* ``hopfield_grid``: a 200 x 200 (alpha, T) RS phase diagram of the Hopfield model,
  alpha in [0, 0.2], T in [0, 1.5] (T = 0 column solved with the analytic T = 0 equations),
  one ``replica.solve`` call; total seconds, seconds per point, fraction converged, phase
  counts.
* ``per_point``: seconds per point of a smaller grid for the dense model (P = 3, 4) and for
  every other registered RS family with a representative parameter set (learning,
  multitasking) -- the families not registered in this tree are listed as such.
* ``critical_capacity``: seconds for ``critical_capacity("hopfield")`` and
  ``critical_capacity("dense", P=4)``.

Usage::

    PYTHONPATH=. python benchmarks/bench_replica.py [--n 200] [--small 50]

BLAS/OpenMP threads are set to 1 before numpy is imported (one core).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import replica  # noqa: E402
from replica.base import registered  # noqa: E402

# representative grids for the other families (alpha or d on one axis, T on the other)
OTHER = {
    "supervised": dict(P=4, alpha=("alpha", 0.0, 0.02), rho=0.1),
    "unsupervised": dict(P=4, alpha=("alpha", 0.0, 0.02), r=0.6, M=20),   # needs r and M at alpha > 0
    "multitasking": dict(K=3, d=("d", 0.0, 0.9)),
}


def _grid(n, lo, hi):
    return np.linspace(lo, hi, n)


def _time(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="Hopfield grid side (default 200)")
    ap.add_argument("--small", type=int, default=50, help="side of the per-point grids (default 50)")
    args = ap.parse_args(argv)

    report = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
              "threads": os.environ.get("OPENBLAS_NUM_THREADS")}

    # warm-up (imports, first-call overheads) on a tiny problem
    replica.solve("hopfield", alpha=0.05, beta=5.0)

    n = args.n
    alpha = _grid(n, 0.0, 0.2)
    T = _grid(n, 0.0, 1.5)
    with np.errstate(divide="ignore"):
        beta = np.where(T > 0, 1.0 / np.where(T > 0, T, 1.0), np.inf)
    dt, sol = _time(lambda: replica.solve("hopfield", alpha=alpha[:, None], beta=beta[None, :]))
    phases, counts = np.unique(sol.branch.astype(str), return_counts=True)
    report["hopfield_grid"] = {
        "shape": [n, n], "alpha": [0.0, 0.2], "T": [0.0, 1.5], "seconds": round(dt, 3),
        "seconds_per_point": dt / n ** 2, "converged_fraction": float(np.mean(sol.converged)),
        "phases": {str(k): int(v) for k, v in zip(phases, counts)},
        "rs_unstable_fraction": float(np.mean(~sol.rs_stable)),
    }

    per_point = {}
    k = args.small
    Tk = _grid(k, 0.02, 1.5)
    for P in (3, 4):
        a = _grid(k, 0.0, 1.2 * replica.critical_capacity("dense", P=P).alpha)
        dt, sol = _time(lambda: replica.solve("dense", P=P, alpha=a[:, None], beta=1.0 / Tk[None, :]))
        per_point[f"dense_P{P}"] = {"points": k * k, "seconds": round(dt, 3), "seconds_per_point": dt / k ** 2,
                                    "converged_fraction": float(np.mean(sol.converged))}
    for family, spec in OTHER.items():
        if (family, "rs") not in registered():
            per_point[family] = "not registered in this tree"
            continue
        params = {key: v for key, v in spec.items() if not isinstance(v, tuple)}
        axis_name, lo, hi = next(v for v in spec.values() if isinstance(v, tuple))
        params[axis_name] = _grid(k, lo, hi)[:, None]
        params["beta"] = 1.0 / Tk[None, :]
        try:
            dt, sol = _time(lambda: replica.solve(family, **params))
            per_point[family] = {"points": k * k, "seconds": round(dt, 3), "seconds_per_point": dt / k ** 2,
                                 "params": {kk: (vv if not isinstance(vv, np.ndarray) else f"{axis_name} grid")
                                            for kk, vv in params.items() if kk != "beta"},
                                 "converged_fraction": float(np.mean(sol.converged))}
        except ValueError as err:               # a family with other parameter names
            per_point[family] = f"skipped: {err}"
    report["per_point"] = per_point

    caps = {}
    for name, kw in (("hopfield", {}), ("dense_P4", {"P": 4})):
        dt, c = _time(lambda: replica.critical_capacity("dense" if kw else "hopfield", **kw))
        caps[name] = {"seconds": round(dt, 3), "alpha_c": c.alpha, "m_c": c.m}
    report["critical_capacity"] = caps
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
