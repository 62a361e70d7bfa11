"""Figure: T = 0 storage capacity alpha_c(P) at RS and 1RSB, P = 2..10, and the table.

    PYTHONPATH=. python scripts/fig_alpha_c.py --out figures/alpha_c
    PYTHONPATH=. python scripts/fig_alpha_c.py --from-results results/gallery --out figures/alpha_c

writes ``<out>.pdf``, ``<out>.png``, ``<out>.json`` (the table) and prints a Markdown table.
P = 2 is the pairwise Hopfield network (AGS / Crisanti-Amit-Gutfreund), P >= 3 the dense
network with load alpha = K / N^(P-1) (Gardner picture). The numbers come from the gallery's
sweep configs ``configs/fig3_capacity_hopfield.toml`` and ``configs/fig3_capacity_dense.toml``
(run through the sweep runner, journals next to ``<out>``), the drawing from
:func:`hebbian.gallery.dense.draw_capacity` -- the same panels as figure 3 of
``scripts/figures.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from hebbian import load_result, plotting
from hebbian.gallery._gallery import default_configs_dir
from hebbian.gallery.dense import capacities, draw_capacity
from hebbian.sweep import load_config, run_sweep

CONFIGS = ("fig3_capacity_hopfield", "fig3_capacity_dense")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="figures/alpha_c", help="output stem (PDF, PNG, JSON)")
    ap.add_argument("--pmax", type=int, default=10, help="largest P (default 10)")
    ap.add_argument("--from-results", metavar="DIR", default=None,
                    help="read DIR/<config>.h5 instead of computing (e.g. results/gallery)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    results = {}
    for key in CONFIGS:
        if args.from_results:
            results[key] = load_result(Path(args.from_results) / f"{key}.h5")
            continue
        over = [f"grid.P = {list(range(3, args.pmax + 1))}"] if key == "fig3_capacity_dense" else []
        config = load_config(default_configs_dir() / f"{key}.toml", over + ['run.progress = "none"'])
        report = run_sweep(config, f"{args.out}_{key}.h5", resume=True, stream=open(os.devnull, "w"))
        results[key] = load_result(report.path)
    elapsed = time.perf_counter() - t0
    caps = capacities(results)

    fig, axes = plotting.figure(ncols=2, width=3.3, height=2.7)
    draw_capacity(axes[0][0], axes[0][1], caps)
    fig.tight_layout()
    paths = plotting.save(fig, args.out)
    rows = []
    for P, a in zip(*caps["rs"]):
        P1 = list(caps["1rsb"][0])
        a1 = float(caps["1rsb"][1][P1.index(P)]) if P in P1 else float("nan")
        rows.append({"P": int(P), "model": "hopfield" if P == 2 else "dense", "alpha_rs": float(a), "alpha_1rsb": a1,
                     "ratio": a1 / float(a)})
    with open(args.out + ".json", "w") as fh:
        json.dump({"rows": rows, "seconds": elapsed}, fh, indent=1)
    print("| P | model | alpha_c RS | alpha_c 1RSB | ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['P']} | {r['model']} | {r['alpha_rs']:.7g} | {r['alpha_1rsb']:.7g} | {r['ratio']:.4f} |")
    print(f"wrote {', '.join(paths)} and {args.out}.json ({elapsed:.1f} s)")
    expected = set(range(2, args.pmax + 1))
    missing = sorted(expected - set(caps["rs"][0].tolist()) | expected - set(caps["1rsb"][0].tolist()))
    if missing:
        print(f"WARNING: not converged for P = {missing}")
        return 1
    return 0 if np.all(np.isfinite([r["ratio"] for r in rows])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
