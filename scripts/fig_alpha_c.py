"""Figure: T = 0 storage capacity alpha_c(P) at RS and 1RSB, P = 2..10, and the table.

    PYTHONPATH=. python scripts/fig_alpha_c.py --out figures/alpha_c

writes ``<out>.pdf``, ``<out>.png``, ``<out>.json`` (the table) and prints a Markdown table.
P = 2 is the pairwise Hopfield network (AGS / Crisanti-Amit-Gutfreund), P >= 3 the dense
network with load alpha = K / N^(P-1) (Gardner picture). The data come from
``replica.rsb.capacity_table``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from hebbian import plotting
from replica.rsb import capacity_table


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="figures/alpha_c", help="output stem (PDF, PNG, JSON)")
    ap.add_argument("--pmax", type=int, default=10, help="largest P (default 10)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    rows = capacity_table(range(2, args.pmax + 1))
    elapsed = time.perf_counter() - t0
    P = np.array([r["P"] for r in rows])
    a_rs = np.array([r["alpha_rs"] for r in rows])
    a_1 = np.array([r["alpha_1rsb"] for r in rows])

    fig, axes = plotting.figure(ncols=2, width=3.3, height=2.7)
    ax, axr = axes[0]
    c_rs, c_1 = plotting.PALETTE[5], plotting.PALETTE[6]
    ax.semilogy(P, a_rs, "o-", color=c_rs, label="RS")
    ax.semilogy(P, a_1, "s--", color=c_1, mfc="white", label="1RSB")
    ax.set_xlabel("interaction order $P$")
    ax.set_ylabel(r"capacity $\alpha_c = K_{\max}/N^{P-1}$")
    ax.legend()
    axr.plot(P, a_1 / a_rs, "s-", color=c_1)
    axr.axhline(1.0, color=plotting.PALETTE[0], lw=0.8)
    axr.set_xlabel("interaction order $P$")
    axr.set_ylabel(r"$\alpha_c^{\rm 1RSB} / \alpha_c^{\rm RS}$")
    if P[0] == 2:
        axr.annotate("P = 2: Hopfield\n(AGS / CAG)", (2, a_1[0] / a_rs[0]), xytext=(3.2, 1.01),
                     fontsize=7, arrowprops={"arrowstyle": "-", "lw": 0.6})
    for a in (ax, axr):
        a.set_xticks(P)
    fig.tight_layout()
    paths = plotting.save(fig, args.out)
    with open(args.out + ".json", "w") as fh:
        json.dump({"rows": rows, "seconds": elapsed}, fh, indent=1)
    print("| P | model | alpha_c RS | m RS | alpha_c 1RSB | m 1RSB | ratio |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['P']} | {r['model']} | {r['alpha_rs']:.7g} | {r['m_rs']:.5f} | {r['alpha_1rsb']:.7g} | "
              f"{r['m_1rsb']:.5f} | {r['ratio']:.4f} |")
    print(f"wrote {', '.join(paths)} and {args.out}.json ({elapsed:.1f} s)")
    bad = [r["P"] for r in rows if not (r["converged_rs"] and r["converged_1rsb"])]
    if bad:
        print(f"WARNING: not converged for P = {bad}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
