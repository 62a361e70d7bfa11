#!/usr/bin/env python
"""Figures of one sweep result: one figure (PDF and PNG) per observable.

    python scripts/plot.py results/hopfield_phase_diagram.h5
    python scripts/plot.py out/smoke --out figs/smoke --only m energy

1-D results: the observable against the axis, with error bars; two axes with a short one:
one line per value; otherwise heat maps (categorical maps for strings such as 'branch').
Non-converged replica points and failed tasks are marked, not hidden. The logic lives in
:func:`hebbian.gallery.plot_result`; this script only parses the command line.
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("result", help="result file (*.h5) or sweep output directory")
    ap.add_argument("--out", help="output stem (default: the result path without .h5); files <out>_<obs>.pdf/.png")
    ap.add_argument("--only", nargs="+", metavar="OBS", help="draw only these observables")
    args = ap.parse_args(argv)
    from hebbian.gallery import plot_result
    try:
        paths = plot_result(args.result, args.out, args.only)
    except (ValueError, FileNotFoundError) as exc:
        print(f"plot: error: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
