#!/usr/bin/env python
"""Cost of the replica theory of ``[theory]`` sweeps against their Monte Carlo; prints JSON.

    python benchmarks/bench_theory.py                       # the gallery's MC configs, --quick sizes
    python benchmarks/bench_theory.py --full                # as shipped (long)
    python benchmarks/bench_theory.py --results DIR         # read finished results (e.g. a gallery's
                                                            # DIR/results) instead of computing

For every Monte Carlo config of the gallery with a ``[theory]`` table: the Monte Carlo time
(sum of the task wall times in the result file), the theory time (one batched solve of the
grid, journaled by the runner: ``attrs["theory"]["wall_time"]``) and their ratio (target of
issue 12: <= 10%). Each config runs serially into a temporary directory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cases(full):
    from hebbian.gallery import load_gallery
    from hebbian.gallery._gallery import default_configs_dir
    from hebbian.sweep import load_config
    out = []
    for spec in load_gallery().values():
        for key in spec.configs:
            overrides = [] if full else list(spec.quick.get(key, ()))
            config = load_config(default_configs_dir() / f"{key}.toml", overrides + ['run.progress = "none"'])
            if config.theory is not None:
                out.append((key, config))
    return out


def _measure(ds):
    theory = json.loads(ds.attrs["theory"])
    mc = float(ds["task_wall_time"].sum())
    return {"mc_seconds": round(mc, 3), "theory_seconds": round(theory["wall_time"], 3),
            "theory_over_mc": round(theory["wall_time"] / mc, 4), "theory_points": int(ds["theory_converged"].size),
            "mc_tasks": int(ds["task_wall_time"].size), "level": theory["level"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="the configs as shipped (default: --quick sizes)")
    ap.add_argument("--results", type=Path, help="read <DIR>/<config>.h5 instead of computing")
    args = ap.parse_args(argv)
    import hebbian
    from hebbian.sweep import run_sweep
    cases = {}
    for key, config in _cases(args.full):
        if args.results is not None:
            path = args.results / f"{key}.h5"
            if not path.exists():
                continue
            ds = hebbian.load_result(path)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                report = run_sweep(config, Path(tmp) / "r.h5", stream=io.StringIO())
                ds = hebbian.load_result(report.path)
        cases[key] = _measure(ds)
    ratios = [c["theory_over_mc"] for c in cases.values()]
    print(json.dumps({"benchmark": "theory_vs_montecarlo", "sizes": "full" if args.full else "quick",
                      "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                                  "load_average": [round(x, 2) for x in os.getloadavg()]},
                      "cases": cases, "max_theory_over_mc": max(ratios) if ratios else None,
                      "total_theory_over_mc": round(sum(c["theory_seconds"] for c in cases.values())
                                                    / max(sum(c["mc_seconds"] for c in cases.values()), 1e-12), 4)},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
