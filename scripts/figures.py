#!/usr/bin/env python
"""Regenerate the figure gallery (MC over RS/1RSB theory) and its agreement.json.

    python scripts/figures.py --quick --out gallery/            # whole gallery, reduced sizes (minutes)
    python scripts/figures.py --quick --out gallery/ 2 dense     # figures by number or name
    mpiexec -n 2 python scripts/figures.py --quick --out gallery/
    python scripts/figures.py --from-results results/gallery --out gallery/   # draw cluster results
    python scripts/figures.py --commands                        # the sweep commands for a cluster
    python scripts/figures.py --list

Figures: 1 hopfield_phase_diagram, 2 hopfield_retrieval, 3 dense, 4 multitasking, 5 learning,
6 digits (configs/gallery.toml lists their sweep configs and the --quick sizes). Output:
OUT/<figure>.pdf and .png, OUT/results/<config>.h5 (resumable), OUT/agreement.json (one record
per Monte Carlo point, z-scores, the finite-size trend and every |z| > 3 with its reason).
Exit status: 0 success, 2 bad command line or config, 3 some sweep tasks failed (figures are
drawn without them), 1 anything else. The logic lives in hebbian.gallery.
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("names", nargs="*", metavar="NAMES", help="figures (names or numbers); default: all")
    ap.add_argument("--quick", action="store_true",
                    help="reduced sizes (the 'quick' overrides of configs/gallery.toml)")
    ap.add_argument("--out", default="gallery", help="output directory (default: gallery)")
    ap.add_argument("--from-results", metavar="DIR", nargs="?", const="results/gallery", default=None,
                    help="draw from existing result files DIR/<config>.h5 (default DIR: results/gallery), "
                         "computing nothing")
    ap.add_argument("--configs", metavar="DIR", default=None, help="configs directory (default: the repository's)")
    ap.add_argument("--force", action="store_true",
                    help="recompute sweeps whose journal in OUT/results belongs to another config")
    ap.add_argument("--mpi", choices=("auto", "on", "off"), default="auto",
                    help="auto: use MPI when started by mpiexec/srun (default)")
    ap.add_argument("--list", action="store_true", help="list the figures and their configs, run nothing")
    ap.add_argument("--commands", action="store_true",
                    help="print the sweep commands of the chosen figures (with --quick: their reduced sizes)")
    args = ap.parse_args(argv)

    from hebbian.gallery import load_gallery, make_figures, sweep_commands
    from hebbian.gallery._gallery import resolve_names
    from hebbian.sweep import ConfigError, get_comm
    try:
        gallery = load_gallery(args.configs)
        names = resolve_names(args.names, gallery)
    except ValueError as exc:
        print(f"figures: error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for name in names:
            spec = gallery[name]
            print(f"{spec.number} {name}: {spec.title}\n    configs: {', '.join(spec.configs)}")
        return 0
    if args.commands:
        print("\n".join(sweep_commands(names, quick=args.quick, configs_dir=args.configs)))
        return 0
    comm = get_comm(args.mpi) if args.from_results is None else None
    rank = comm.rank if comm is not None else 0
    try:
        done = make_figures(names, args.out, quick=args.quick, from_results=args.from_results,
                            configs_dir=args.configs, comm=comm, force=args.force)
    except (ConfigError, FileNotFoundError) as exc:
        if rank == 0:
            print(f"figures: error: {exc}", file=sys.stderr)
        return 2
    if done is None:
        return 0
    rep = done["report"]
    w2, w3 = rep["within_2sigma"], rep["within_3sigma"]
    med = rep["median_abs_z"]
    verdicts = ", ".join(f"{n} {v}" for v, n in rep["verdicts"].items())
    print(f"\n{len(done['figures'])} figure(s) in {args.out}/ ({done['elapsed']:.0f} s); agreement of the N -> "
          f"infinity extrapolations with theory: {rep['n_records']} records, {rep['n_compared']} compared, "
          + (f"{100 * w2:.0f}% within 2 sigma, {100 * w3:.0f}% within 3 sigma, median |z| {med:.2f}; "
             if w2 is not None else "")
          + f"verdicts: {verdicts} -> {done['agreement']}")
    if done["failed"]:
        print(f"WARNING: {done['failed']} sweep task(s) failed: their points are missing", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
