"""Figure: retrieval spinodal alpha_M(T) at RS and 1RSB (dense network, P = 4 by default).

    PYTHONPATH=. python scripts/fig_spinodal_1rsb.py --P 4 --out figures/spinodal_P4

The RS spinodal is re-entrant (alpha_M grows with T at low T: an artefact of the negative
entropy of RS); the 1RSB one is nearly vertical. Also drawn: the RS AT line of the
retrieval state (below it RS is unstable and the 1RSB state with q1 > q0 replaces it).
Writes ``<out>.pdf``, ``<out>.png`` and ``<out>.json``; prints the table. P = 2 gives the
Hopfield network (``--P 2``).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

import replica
from hebbian import plotting


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--P", type=int, default=4)
    ap.add_argument("--out", default=None)
    ap.add_argument("--tmax", type=float, default=None, help="largest temperature (default by P)")
    ap.add_argument("--points", type=int, default=8)
    args = ap.parse_args(argv)
    P = args.P
    model, extra = ("hopfield", {}) if P == 2 else ("dense", {"P": P})
    out = args.out or f"figures/spinodal_P{P}"
    tmax = args.tmax or (0.06 if P == 2 else 0.3)
    temps = np.linspace(0.0, tmax, args.points)
    t0 = time.perf_counter()
    rows = []
    for T in temps:
        beta = math.inf if T == 0 else 1.0 / T
        rs = replica.retrieval_spinodal(model, level="rs", beta=beta, **extra)
        one = replica.retrieval_spinodal(model, level="1rsb", beta=beta, **extra)
        rows.append({"T": float(T), "alpha_rs": float(rs.alpha), "alpha_1rsb": float(one.alpha),
                     "converged_rs": bool(rs.converged), "converged_1rsb": bool(one.converged),
                     "message_1rsb": str(one.message)})
        print(f"T = {T:.4f}: alpha_M RS = {rs.alpha:.7g}, 1RSB = {one.alpha:.7g}", flush=True)
    # AT line of the RS retrieval state on the loads of the RS spinodal range
    a_lo = min(r["alpha_rs"] for r in rows if r["converged_rs"])
    a_at = np.linspace(0.5 * a_lo, max(r["alpha_rs"] for r in rows if r["converged_rs"]), 8)
    at = replica.at_line(model, alpha=a_at, **extra)
    elapsed = time.perf_counter() - t0

    fig, ax = plotting.figure(width=3.6, height=2.8)
    T = np.array([r["T"] for r in rows])
    ax.plot([r["alpha_rs"] for r in rows], T, "o-", color=plotting.PALETTE[5], label="spinodal, RS")
    ax.plot([r["alpha_1rsb"] for r in rows], T, "s--", mfc="white", color=plotting.PALETTE[6],
            label="spinodal, 1RSB")
    ok = np.asarray(at.converged, dtype=bool)
    ax.plot(a_at[ok], np.asarray(at.T)[ok], ":", color=plotting.PALETTE[3], label="AT line (RS retrieval)")
    ax.set_xlabel(r"load $\alpha = K/N^{P-1}$" if P > 2 else r"load $\alpha = K/N$")
    ax.set_ylabel("temperature $T$")
    ax.set_title(f"P = {P}" + (" (Hopfield)" if P == 2 else ""))
    ax.set_ylim(0, tmax * 1.05)
    ax.legend(loc="upper left")
    paths = plotting.save(fig, out)
    with open(out + ".json", "w") as fh:
        json.dump({"P": P, "rows": rows, "at_line": {"alpha": a_at.tolist(), "T": np.asarray(at.T).tolist()},
                   "seconds": elapsed}, fh, indent=1)
    print(f"wrote {', '.join(paths)} and {out}.json ({elapsed:.1f} s)")
    return 0 if all(r["converged_rs"] and r["converged_1rsb"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
