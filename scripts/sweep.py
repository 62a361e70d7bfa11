#!/usr/bin/env python
"""Run a phase-diagram sweep from a TOML file, serially or under MPI, crash-safe.

    python scripts/sweep.py                                   # the embedded default sweep + figure
    python scripts/sweep.py configs/smoke.toml --out out/smoke
    mpiexec -n 4 python scripts/sweep.py configs/smoke.toml --out out/smoke
    python scripts/sweep.py configs/smoke.toml --out out/smoke --resume      # after a crash / kill
    python scripts/sweep.py configs/smoke.toml --set montecarlo.sweeps=500 --set 'grid.T=[0.5, 1.0]'
    python scripts/sweep.py configs/smoke.toml --check        # validate and count tasks, run nothing
    python scripts/sweep.py configs/smoke.toml --out out/smoke --partial   # results so far (job running)

Exit status: 0 success, 2 invalid config or command line, 3 some tasks failed (they are NaN in
the result, flagged in its task_error variable; --resume retries them), 1 anything else.
The logic lives in :mod:`hebbian.sweep`; this script only parses the command line.
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("config", nargs="?",
                    help="TOML sweep file; without it, run the embedded default sweep and draw its figure")
    ap.add_argument("--out", help="result file (*.h5; journal in *.sweep/) or directory (result.h5 inside); "
                                  "default: the config's output")
    ap.add_argument("--resume", action="store_true",
                    help="continue the sweep journaled at the output (refused if the config changed)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                    help="override a config key (dotted, TOML value), e.g. montecarlo.sweeps=1000; repeatable")
    ap.add_argument("--mpi", choices=("auto", "on", "off"), default="auto",
                    help="auto: use MPI when started by mpiexec/srun (default)")
    ap.add_argument("--check", action="store_true", help="validate the config, print the grid, run nothing")
    ap.add_argument("--partial", action="store_true",
                    help="write what the sweep at the output finished so far to <result>.partial.h5 "
                         "(safe while it runs), compute nothing")
    args = ap.parse_args(argv)

    from hebbian.sweep import ConfigError, get_comm, load_config, run_sweep

    comm = get_comm(args.mpi)
    rank = comm.rank if comm is not None else 0
    try:
        if args.config is None and not args.overrides and not args.check:
            from hebbian.sweep._default import run_default
            done = run_default(args.out or "results/default", comm=comm)
            return 3 if done is not None and done["failed"] else 0
        config = load_config(args.config, args.overrides)
        if args.check:
            if rank == 0:
                result, work = config.paths(args.out)
                axes = ", ".join(f"{k}[{len(v)}]" for k, v in config.axes)
                print(f"{config.source}: valid; engine {config.engine_name!r}, model {config.model!r}, grid {axes}, "
                      f"{config.samples} sample(s) -> {config.n_tasks} tasks; result {result}, journal in {work}/; "
                      f"sha256 {config.sha256[:12]}")
            return 0
        if args.partial:
            if rank == 0:
                from hebbian.sweep import assemble_partial
                path, n_done = assemble_partial(config, args.out)
                print(f"{n_done}/{config.n_tasks} tasks done so far: {path}")
            return 0
        report = run_sweep(config, args.out, resume=args.resume, comm=comm)
    except (ConfigError, RuntimeError) as exc:
        if rank == 0:
            print(f"sweep: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    if report is not None:
        print(report.path)
        return 3 if report.n_failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
