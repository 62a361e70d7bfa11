"""The command-line programs ``hebbian-sweep``, ``hebbian-figures`` and ``hebbian-plot``.

pip installs them as console commands (``[options.entry_points]`` in setup.cfg); in a
checkout ``python scripts/sweep.py``, ``scripts/figures.py`` and ``scripts/plot.py`` call the
same functions. Each takes the argument list (default: ``sys.argv[1:]``) and returns the exit
status. The work itself is done by :mod:`hebbian.sweep` and :mod:`hebbian.gallery`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

__all__ = ["sweep_main", "figures_main", "plot_main"]

#: exit status after Ctrl-C (SIGINT), the shell's convention 128 + 2
EXIT_INTERRUPTED = 130

SWEEP_HELP = """\
  hebbian-sweep                                     # the main job: embedded default sweep + figure
  hebbian-sweep smoke --check                       # a shipped config by name: validate, count tasks
  hebbian-sweep --list                              # the shipped configs
  hebbian-sweep configs/smoke.toml --out out/smoke  # a config file (checkout: configs/<name>.toml)
  mpiexec -n 4 hebbian-sweep smoke --out out/smoke  # MPI (srun works too)
  hebbian-sweep smoke --out out/smoke --resume      # after Ctrl-C, a crash or kill -9
  hebbian-sweep smoke --set montecarlo.sweeps=500 --set 'grid.T=[0.5, 1.0]'
  hebbian-sweep smoke --out out/smoke --partial     # results so far (while the job runs)
  hebbian-sweep gallery --check                     # the gallery manifest and all its configs

CONFIG is a TOML file or the name of a shipped config. Without --out the result goes to the
config's output; with --set (and no --out) to a name derived from the changed config's hash,
results/<name>-set-<hash>.h5, never into the unmodified config's output.
In a checkout `python scripts/sweep.py` is the same command.
Exit status: 0 success, 2 invalid config or command line, 3 some tasks failed (they are NaN in
the result, flagged in its task_error variable; --resume retries them), 130 interrupted
(Ctrl-C; finished tasks are saved), 1 anything else."""

FIGURES_HELP = """\
  hebbian-figures --quick --out gallery/            # whole gallery, reduced sizes (minutes)
  hebbian-figures --quick --out gallery/ 2 dense    # figures by number or name
  mpiexec -n 2 hebbian-figures --quick --out gallery/
  hebbian-figures --from-results results/gallery --out gallery/   # draw cluster results
  hebbian-figures --commands                        # the sweep commands for a cluster
  hebbian-figures --list

Figures: 1 hopfield_phase_diagram, 2 hopfield_retrieval, 3 dense, 4 multitasking, 5 learning,
6 digits (the manifest configs/gallery.toml lists their sweep configs and the --quick sizes).
Output: OUT/<figure>.pdf and .png, OUT/results/<config>.h5 (resumable: run the same command
again after an interruption), OUT/agreement.json (one record per Monte Carlo point, z-scores,
the finite-size trend and every |z| > 3 with its reason).
In a checkout `python scripts/figures.py` is the same command.
Exit status: 0 success, 2 bad command line or config, 3 some sweep tasks failed (figures are
drawn without them), 130 interrupted, 1 anything else."""

PLOT_HELP = """\
  hebbian-plot results/hopfield_phase_diagram.h5
  hebbian-plot out/smoke --out figs/smoke --only m energy

1-D results: the observable against the axis, with error bars; two axes with a short one:
one line per value; otherwise heat maps (categorical maps for strings such as 'branch').
Non-converged replica points and failed tasks are marked, not hidden.
In a checkout `python scripts/plot.py` is the same command."""


def _parser(prog, description, epilog):
    ap = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version",
                    version=f"%(prog)s (hebbian {__version__}, {Path(__file__).resolve().parent})")
    return ap


def _err(prog, exc):
    print(f"{prog}: error: {exc}", file=sys.stderr)


# ----------------------------------------------------------------------------- hebbian-sweep
def sweep_main(argv=None, prog=None):
    """``hebbian-sweep``: run, resume, check or inspect a phase-diagram sweep."""
    ap = _parser(prog, "Run a phase-diagram sweep from a TOML file, serially or under MPI, crash-safe.",
                 SWEEP_HELP)
    ap.add_argument("config", nargs="?",
                    help="TOML sweep file or name of a shipped config; without it, run the embedded "
                         "default sweep and draw its figure")
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
    ap.add_argument("--list", action="store_true", help="list the shipped configs, run nothing")
    args = ap.parse_args(argv)
    prog = ap.prog

    from ._resources import find_config
    from .sweep import ConfigError, get_comm, load_config, run_sweep
    from .sweep._runner import SweepInterrupted

    if args.list:
        return _list_configs()
    rank = 0
    try:
        comm = get_comm(args.mpi)
        rank = comm.rank if comm is not None else 0
        if args.config is None and not args.overrides and not args.check:
            from .sweep._default import run_default
            done = run_default(args.out or "results/default", comm=comm)
            return 3 if done is not None and done["failed"] else 0
        path = find_config(args.config) if args.config is not None else None
        if path is not None and _is_gallery_manifest(path):
            if not args.check:
                raise ConfigError(f"{str(path)!r} is the figure gallery's manifest, not a sweep: run it with "
                                  f"hebbian-figures, or validate it (and every config it lists) with --check")
            return _check_gallery(path) if rank == 0 else 0
        config = load_config(path, args.overrides)
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
                from .sweep import assemble_partial
                out, n_done = assemble_partial(config, args.out)
                print(f"{n_done}/{config.n_tasks} tasks done so far: {out}")
            return 0
        report = run_sweep(config, args.out, resume=args.resume, comm=comm)
    except SweepInterrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ConfigError, FileNotFoundError, RuntimeError) as exc:
        if rank == 0:
            _err(prog, exc)
        return 1 if isinstance(exc, RuntimeError) else 2
    if report is not None:
        print(report.path)
        return 3 if report.n_failed else 0
    return 0


def _list_configs():
    from ._resources import config_names, configs_dir
    from .sweep._config import tomllib
    directory = configs_dir()
    print(f"shipped configs in {directory} (run one with: hebbian-sweep NAME):")
    for name in config_names():
        try:
            raw = tomllib.loads((directory / f"{name}.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            raw = {}
        what = raw.get("description") or ("the figure gallery's manifest" if _looks_like_manifest(raw) else "")
        print(f"  {name:34s} {what}")
    return 0


def _looks_like_manifest(raw):
    return bool(raw) and "engine" not in raw and all(isinstance(v, dict) and "configs" in v for v in raw.values())


def _is_gallery_manifest(path):
    """A TOML file of figure tables (each with ``configs``) and no ``engine``: the gallery's manifest."""
    from .sweep._config import tomllib
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False                     # load_config reports what is wrong with it
    return _looks_like_manifest(raw)


def _check_gallery(path):
    """Validate the gallery manifest and every config it lists, at full size and with ``--quick``."""
    from .gallery import load_gallery
    from .sweep import ConfigError, load_config
    path = Path(path)
    if path.name != "gallery.toml":
        raise ConfigError(f"{str(path)!r} looks like a gallery manifest, which must be named gallery.toml "
                          f"(next to the configs it lists)")
    try:
        gallery = load_gallery(path.parent)
    except ValueError as exc:            # unknown figure, missing config, quick key of no config
        raise ConfigError(str(exc)) from None
    n_configs = full_tasks = quick_tasks = 0
    for spec in gallery.values():
        for key in spec.configs:
            where = path.parent / f"{key}.toml"
            for quick, overrides in ((False, ()), (True, spec.quick.get(key, ()))):
                try:
                    config = load_config(where, overrides)
                except ConfigError as exc:
                    raise ConfigError(f"gallery figure {spec.number} {spec.name!r}, config {key!r}"
                                      f"{' with its --quick overrides' if quick else ''}: {exc}") from None
                if quick:
                    quick_tasks += config.n_tasks
                else:
                    full_tasks += config.n_tasks
            n_configs += 1
    print(f"{path}: valid gallery manifest; {len(gallery)} figures from {n_configs} configs, each valid at full "
          f"size ({full_tasks} tasks in all) and with its --quick overrides ({quick_tasks} tasks)")
    return 0


# ----------------------------------------------------------------------------- hebbian-figures
def figures_main(argv=None, prog=None):
    """``hebbian-figures``: the figure gallery (MC over RS/1RSB theory) and its agreement.json."""
    ap = _parser(prog, "Regenerate the figure gallery (MC over RS/1RSB theory) and its agreement.json.",
                 FIGURES_HELP)
    ap.add_argument("names", nargs="*", metavar="NAMES", help="figures (names or numbers); default: all")
    ap.add_argument("--quick", action="store_true",
                    help="reduced sizes (the 'quick' overrides of configs/gallery.toml)")
    ap.add_argument("--out", default="gallery", help="output directory (default: gallery)")
    ap.add_argument("--from-results", metavar="DIR", nargs="?", const="results/gallery", default=None,
                    help="draw from existing result files DIR/<config>.h5 (default DIR: results/gallery), "
                         "computing nothing")
    ap.add_argument("--configs", metavar="DIR", default=None,
                    help="configs directory (default: the shipped configs)")
    ap.add_argument("--force", action="store_true",
                    help="recompute sweeps whose journal in OUT/results belongs to another config")
    ap.add_argument("--mpi", choices=("auto", "on", "off"), default="auto",
                    help="auto: use MPI when started by mpiexec/srun (default)")
    ap.add_argument("--list", action="store_true", help="list the figures and their configs, run nothing")
    ap.add_argument("--commands", action="store_true",
                    help="print the sweep commands of the chosen figures (with --quick: their reduced sizes)")
    args = ap.parse_args(argv)
    prog = ap.prog

    from .gallery import load_gallery, make_figures, sweep_commands
    from .gallery._gallery import resolve_names
    from .sweep import ConfigError, get_comm
    from .sweep._runner import SweepInterrupted
    try:
        gallery = load_gallery(args.configs)
        names = resolve_names(args.names, gallery)
    except ValueError as exc:
        _err(prog, exc)
        return 2
    if args.list:
        for name in names:
            spec = gallery[name]
            print(f"{spec.number} {name}: {spec.title}\n    configs: {', '.join(spec.configs)}")
        return 0
    if args.commands:
        print("\n".join(sweep_commands(names, quick=args.quick, configs_dir=args.configs)))
        return 0
    rank = 0
    try:
        comm = get_comm(args.mpi) if args.from_results is None else None
        rank = comm.rank if comm is not None else 0
        done = make_figures(names, args.out, quick=args.quick, from_results=args.from_results,
                            configs_dir=args.configs, comm=comm, force=args.force)
    except SweepInterrupted as exc:
        print(f"\ninterrupted: {exc.saved}/{exc.total} tasks of the sweep in {str(exc.work)!r} saved; run the "
              f"same command again to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ConfigError, FileNotFoundError) as exc:
        if rank == 0:
            _err(prog, exc)
        return 2
    except RuntimeError as exc:
        if rank == 0:
            _err(prog, exc)
        return 1
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


# ----------------------------------------------------------------------------- hebbian-plot
def plot_main(argv=None, prog=None):
    """``hebbian-plot``: figures of one sweep result, one per observable (PDF and PNG)."""
    ap = _parser(prog, "Figures of one sweep result: one figure (PDF and PNG) per observable.", PLOT_HELP)
    ap.add_argument("result", help="result file (*.h5) or sweep output directory")
    ap.add_argument("--out", help="output stem (default: the result path without .h5); files <out>_<obs>.pdf/.png")
    ap.add_argument("--only", nargs="+", metavar="OBS", help="draw only these observables")
    args = ap.parse_args(argv)
    from .gallery import plot_result
    try:
        paths = plot_result(args.result, args.out, args.only)
    except (ValueError, FileNotFoundError) as exc:
        _err(ap.prog, exc)
        return 2
    for p in paths:
        print(p)
    return 0
