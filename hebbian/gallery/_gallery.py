"""The gallery driver: figures -> their sweep configs -> result files -> drawings + agreement.json.

The list of figures, the sweep configs each one draws from and the reduced sizes of
``--quick`` live in ``configs/gallery.toml`` (the manifest); the configs themselves are the
full-size sweeps, runnable on their own (``mpiexec -n R hebbian-sweep <name>``, or
``python scripts/sweep.py configs/<name>.toml`` in a checkout). Results of a gallery run are
in ``OUT/results/<config>.h5`` (the sweep journals next to them, so an interrupted gallery
resumes); ``from_results`` draws from existing result files instead of computing (e.g. the
``results/gallery/`` written by the cluster runs of the configs).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

try:                                   # Python >= 3.11
    import tomllib
except ModuleNotFoundError:            # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["FigureSpec", "load_gallery", "make_figures", "default_configs_dir", "FIGURE_MODULES"]

#: figure name -> module of :mod:`hebbian.gallery` with ``draw(results, stem, quick)`` and
#: ``compare(results)``
FIGURE_MODULES = {
    "hopfield_phase_diagram": "hopfield_phase",
    "hopfield_retrieval": "hopfield_retrieval",
    "dense": "dense",
    "multitasking": "multitasking",
    "learning": "learning",
    "digits": "digits",
}


@dataclass
class FigureSpec:
    """One figure of the gallery (an entry of ``configs/gallery.toml``)."""

    name: str
    number: int
    title: str
    configs: tuple
    quick: dict = field(default_factory=dict)
    caption: str = ""

    @property
    def module(self):
        return importlib.import_module(f"hebbian.gallery.{FIGURE_MODULES[self.name]}")


def default_configs_dir():
    """The shipped configs: ``$HEBBIAN_CONFIGS``, else the installed package's ``hebbian/configs``
    (wheel), else the checkout's ``configs/`` (:func:`hebbian._resources.configs_dir`)."""
    from .._resources import configs_dir
    return configs_dir()


def load_gallery(configs_dir=None):
    """Read the manifest ``<configs_dir>/gallery.toml``.

    Returns
    -------
    dict of str -> FigureSpec, in figure-number order.
    """
    configs_dir = Path(configs_dir) if configs_dir is not None else default_configs_dir()
    path = configs_dir / "gallery.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the gallery manifest {str(path)!r}: {exc.strerror}") from None
    specs = []
    for name, entry in raw.items():
        if name not in FIGURE_MODULES:
            raise ValueError(f"gallery manifest {str(path)!r}: unknown figure {name!r} "
                             f"(known: {', '.join(FIGURE_MODULES)})")
        configs = tuple(entry.get("configs", ()))
        quick = dict(entry.get("quick", {}))
        for key in quick:
            if key not in configs:
                raise ValueError(f"gallery manifest: figure {name!r} has quick overrides for {key!r}, "
                                 f"which is not one of its configs {list(configs)}")
        for key in configs:
            if not (configs_dir / f"{key}.toml").exists():
                raise ValueError(f"gallery manifest: figure {name!r} needs config {key!r}, but "
                                 f"{str(configs_dir / (key + '.toml'))!r} does not exist")
        specs.append(FigureSpec(name=name, number=int(entry["number"]), title=entry.get("title", name),
                                configs=configs, quick=quick, caption=entry.get("caption", "")))
    specs.sort(key=lambda s: s.number)
    return {s.name: s for s in specs}


def resolve_names(names, gallery):
    """Figure names from names, numbers (``"2"``) or ``"fig2"``; all figures for none."""
    if not names:
        return list(gallery)
    by_number = {str(s.number): s.name for s in gallery.values()}
    out = []
    for n in names:
        key = n[3:] if n.startswith("fig") and n[3:].isdigit() else n
        name = by_number.get(key, key)
        if name not in gallery:
            raise ValueError(f"unknown figure {n!r} (figures: "
                             + ", ".join(f"{s.number} {s.name}" for s in gallery.values()) + ")")
        if name not in out:
            out.append(name)
    return out


def make_figures(names=None, out="gallery", *, quick=False, from_results=None, configs_dir=None, comm=None,
                 force=False, stream=None):
    """Compute (or load) the sweeps of the chosen figures, draw them, and write ``agreement.json``.

    Parameters
    ----------
    names : sequence of str, optional
        Figure names or numbers (default: the whole gallery).
    out : path
        Output directory: ``<figure>.pdf/.png``, ``results/``, ``agreement.json``.
    quick : bool
        Apply the manifest's reduced sizes (``--set``-style overrides of each config).
    from_results : path, optional
        Draw from the result files ``<from_results>/<config>.h5`` (e.g. the cluster runs of
        the configs, ``results/gallery``) without computing anything.
    configs_dir : path, optional
        Where ``gallery.toml`` and the configs are (default :func:`default_configs_dir`).
    comm : mpi4py communicator, optional
        Sweeps run on all ranks; rank 0 draws and writes.
    force : bool
        Recompute a sweep whose journal in ``out/results`` belongs to another config (e.g. a
        full-size run after a quick one into the same directory) instead of refusing.
    stream : file, optional
        Progress messages (default ``sys.stderr``).

    Returns
    -------
    dict or None
        On rank 0: ``figures`` (name -> paths), ``agreement`` (path), ``records``, ``report``,
        ``elapsed`` (s), ``failed`` (number of failed tasks); None on other ranks.
    """
    from ..io import load_result
    from ..sweep import ConfigError, load_config, run_sweep
    from . import agreement

    stream = stream if stream is not None else sys.stderr
    configs_dir = Path(configs_dir) if configs_dir is not None else default_configs_dir()
    gallery = load_gallery(configs_dir)
    names = resolve_names(names, gallery)
    rank = comm.rank if comm is not None and comm.size > 1 else 0
    out = Path(out)
    t0 = time.perf_counter()
    load0 = _loadavg()
    figures, records, notes, failed, timings = {}, [], {}, 0, {}
    for name in names:
        spec = gallery[name]
        tf = time.perf_counter()
        results = {}
        for key in spec.configs:
            if from_results is not None:
                if rank == 0:
                    results[key] = load_result(_find_result(Path(from_results), key))
                continue
            overrides = list(spec.quick.get(key, ())) if quick else []
            overrides.append("run.progress = \"log\"")
            config = load_config(configs_dir / f"{key}.toml", overrides)
            target = out / "results" / f"{key}.h5"
            try:
                report = run_sweep(config, target, resume=True, comm=comm, stream=stream)
            except ConfigError as exc:
                if not force:
                    raise ConfigError(f"{exc} -- or pass --force to recompute it") from None
                if rank == 0:
                    print(f"gallery: {key}: config changed, recomputing (--force)", file=stream, flush=True)
                    _remove_sweep(target)
                if comm is not None and comm.size > 1:
                    comm.Barrier()
                report = run_sweep(config, target, resume=True, comm=comm, stream=stream)
            if rank == 0:
                failed += report.n_failed
                results[key] = load_result(report.path)
        if rank != 0:
            continue
        module = spec.module
        stem = out / name
        paths = [Path(p) for p in module.draw(results, stem, quick=quick)]
        figures[name] = paths
        recs, fig_notes = module.compare(results)
        rel = [os.path.relpath(p, out) for p in paths]
        for r in recs:
            r["figure"] = name
            r["figure_files"] = rel
        records.extend(recs)
        notes[name] = fig_notes
        timings[name] = round(time.perf_counter() - tf, 2)
        print(f"gallery: {name}: {', '.join(str(p) for p in paths)} ({timings[name]:.1f} s, "
              f"{len(recs)} MC points compared)", file=stream, flush=True)
    if rank != 0:
        return None
    elapsed = time.perf_counter() - t0
    path = out / "agreement.json"
    meta = {"quick": bool(quick), "from_results": str(from_results) if from_results is not None else None,
            "figures": {n: [os.path.relpath(p, out) for p in ps] for n, ps in figures.items()},
            "elapsed_seconds": round(elapsed, 1), "seconds_per_figure": timings,
            "load_average_start": load0, "load_average_end": _loadavg(),
            "ranks": comm.size if comm is not None else 1, "failed_tasks": failed,
            "error_bars": agreement.ERROR_TEXT}
    if path.exists():
        # a redraw of some figures replaces only their records (and notes, files, timings)
        old = agreement.read(path)
        if bool(old["meta"].get("quick")) == bool(quick):
            records = agreement.merge(old["records"], records, names)
            for fig, entry in old["report"].get("by_figure", {}).items():
                if fig not in names:
                    notes.setdefault(fig, entry.get("notes", []))
            for key in ("figures", "seconds_per_figure"):
                both = {**{k: v for k, v in old["meta"].get(key, {}).items() if k not in names}, **meta[key]}
                meta[key] = {k: both[k] for k in sorted(both, key=lambda k: list(gallery).index(k)
                                                        if k in gallery else len(gallery))}
        else:
            print(f"gallery: {path} held {'quick' if old['meta'].get('quick') else 'full-size'} records: "
                  "replaced", file=stream, flush=True)
    report = agreement.summarize(records, notes)
    agreement.write(path, records, report, meta)
    return {"figures": figures, "agreement": path, "records": records, "report": report, "elapsed": elapsed,
            "failed": failed}


def sweep_commands(names=None, *, quick=False, configs_dir=None, ranks=16):
    """The command lines that compute the sweeps of the chosen figures (for a cluster).

    The shipped configs are named (``hebbian-sweep fig2_hopfield_mc_T``: any install, any
    directory), others given by path. Full size, the results go to the configs' outputs
    (``results/gallery/<config>.h5``); with ``quick`` to ``results/gallery-quick/<config>.h5``
    (draw them with ``--quick --from-results results/gallery-quick``).
    """
    shipped = configs_dir is None
    configs_dir = Path(configs_dir) if configs_dir is not None else default_configs_dir()
    gallery = load_gallery(configs_dir)
    lines = []
    for name in resolve_names(names, gallery):
        spec = gallery[name]
        lines.append(f"# figure {spec.number}: {spec.title}")
        for key in spec.configs:
            sets = "".join(f" --set '{o}'" for o in spec.quick.get(key, ())) if quick else ""
            out = f" --out results/gallery-quick/{key}.h5" if quick else ""
            path = key if shipped else configs_dir / (key + ".toml")
            if not shipped:
                try:
                    path = Path(os.path.relpath(path))
                except ValueError:              # pragma: no cover - another drive on Windows
                    pass
            lines.append(f"mpiexec -n {ranks} hebbian-sweep {path}{sets}{out}")
    return lines


def _find_result(directory, key):
    for cand in (directory / f"{key}.h5", directory / key / "result.h5", directory / "results" / f"{key}.h5"):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"no result for config {key!r} in {str(directory)!r} (looked for {key}.h5, "
                            f"{key}/result.h5, results/{key}.h5): run "
                            f"'hebbian-sweep {key}' first (hebbian-figures --commands lists them all)")


def _remove_sweep(target):
    target = Path(target)
    work = target.with_suffix(".sweep")
    if work.exists():
        shutil.rmtree(work)
    if target.exists():
        target.unlink()


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:                                  # pragma: no cover - not on every platform
        return None


def dump_json(obj, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_name(f".{Path(path).name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=1, allow_nan=False, default=_json_default))
    os.replace(tmp, path)


def _json_default(o):
    import numpy as np
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
