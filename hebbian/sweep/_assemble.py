"""Journal records -> one labelled xarray Dataset (the sweep's result).

Layout (``A...`` = the grid axes, named after the swept parameters, in config order):

* ``<obs>(A...)`` and ``<obs>_err(A...)``: with one disorder sample, the estimate and its
  error bar from the engine (thermal error, autocorrelation-corrected); with ``samples > 1``
  the disorder average and ``std / sqrt(samples)`` over samples (which includes the thermal
  noise), plus ``<obs>_samples(A..., sample)`` and ``<obs>_samples_err`` per sample.
  Vector observables have one more dimension (e.g. ``pattern``), NaN-padded.
  Observables without error bars (replica theory, ``converged``, ``message``) have no ``_err``.
* ``task_index(A...)``: the canonical index of the grid point (its seeds derive from it);
  ``task_wall_time``, ``task_rank``, ``task_host``, ``task_error`` ``(A..., sample)``:
  per-task provenance; ``task_error`` is ``""`` for a good task. Points computed together in
  one block task (replica theory) share its wall time equally.
* Coordinates: the axes; ``beta = 1/T`` along a ``T`` axis; ``sample``; the fixed numeric
  parameters and engine settings as scalar coordinates.
* With a ``[theory]`` table (Monte Carlo): ``<obs>_theory``, ``theory_converged``,
  ``theory_message`` and, when ``N`` has >= 3 sizes, ``<obs>_inf``, ``<obs>_inf_err``,
  ``<obs>_inf_pvalue``, ``<obs>_z`` (see :mod:`._theory`).
* Attributes: the config (text, overrides, canonical JSON, sha256), seeds and the seed
  scheme, versions, git commit, sessions (ranks, hosts, times), creation time.
"""

from __future__ import annotations

import datetime
import json
import math

import numpy as np

__all__ = ["assemble"]

_SEED_SCHEME = "numpy.random.SeedSequence(seed, spawn_key=(task_index, sample))"


def assemble(config, records):
    """Build the result Dataset of a sweep from its journal records.

    Returns
    -------
    ds : xarray.Dataset
    failed : list of dict
        The error records of tasks without a successful record (missing tasks get a
        ``task_error`` of ``"not computed"``).
    """
    import xarray as xr
    from .. import __version__
    from ._journal import task_records
    from ._runner import _git_commit

    S, n_points = config.samples, config.n_points
    key = config.sha256[:16]
    best = {}
    for rec in task_records(records):
        if rec.get("cfg") != key:
            continue
        u = rec["p"] * S + rec["s"]
        if rec["ok"] or u not in best or not best[u]["ok"]:
            best[u] = rec
    failed = [r for r in best.values() if not r["ok"]]

    axes = [name for name, _ in config.axes]
    shape = config.shape
    ds = xr.Dataset()
    for name, values in config.axes:
        ds.coords[name] = (name, _coord_array(values))
    if "T" in axes:
        T = np.asarray(ds["T"].values, dtype=np.float64)
        with np.errstate(divide="ignore"):
            ds.coords["beta"] = ("T", np.where(T == 0.0, np.inf, 1.0 / np.where(T == 0.0, 1.0, T)))
    ds.coords["sample"] = ("sample", np.arange(S))

    def grid(arr, extra=()):
        """(dims, data) of an array indexed by grid point first."""
        return tuple(axes) + tuple(extra), arr.reshape(shape + arr.shape[1:])

    for name in config.observables:
        spec = config.engine.observables[name]
        attrs = {"long_name": spec.doc}
        if spec.dtype in ("bool", "str"):
            fill = False if spec.dtype == "bool" else ""
            arr = np.full((n_points, S), fill, dtype=bool if spec.dtype == "bool" else object)
            for u, rec in best.items():
                if rec["ok"]:
                    arr[divmod(u, S)] = rec["values"][name]
            if spec.dtype == "str":
                arr = arr.astype(str)
            ds[name] = (grid(arr[:, 0]) if S == 1 else grid(arr, ("sample",))) + (attrs,)
            continue
        length = 1
        if spec.dim is not None:
            for rec in best.values():
                if rec["ok"]:
                    v = rec["values"][name][0] if spec.error else rec["values"][name]
                    length = max(length, len(v))
        tail = (length,) if spec.dim is not None else ()
        vals = np.full((n_points, S) + tail, np.nan)
        errs = np.full((n_points, S) + tail, np.nan) if spec.error else None
        for u, rec in best.items():
            if not rec["ok"]:
                continue
            i = divmod(u, S)
            v = rec["values"][name]
            if spec.error:
                _put(vals, i, v[0])
                _put(errs, i, v[1])
            else:
                _put(vals, i, v)
        extra = (spec.dim,) if spec.dim is not None else ()
        if S == 1:
            ds[name] = grid(vals[:, 0], extra) + (attrs,)
            if spec.error:
                ds[name + "_err"] = grid(errs[:, 0], extra) + ({"long_name": f"standard error of {name}"},)
        else:
            ds[name] = grid(vals.mean(axis=1), extra) + ({**attrs, "average": f"mean over {S} disorder samples"},)
            ds[name + "_err"] = grid(vals.std(axis=1, ddof=1) / math.sqrt(S), extra) + (
                {"long_name": f"standard error of {name}: std over disorder samples / sqrt({S})"},)
            ds[name + "_samples"] = grid(vals, ("sample",) + extra) + ({"long_name": f"{spec.doc}, per sample"},)
            if spec.error:
                ds[name + "_samples_err"] = grid(errs, ("sample",) + extra) + (
                    {"long_name": f"standard error of {name} within each sample"},)

    # per-task provenance
    wall = np.full((n_points, S), np.nan)
    rank = np.full((n_points, S), -1, dtype=np.int64)
    hosts = np.full((n_points, S), "", dtype=object)
    errors = np.full((n_points, S), "not computed", dtype=object)
    for u, rec in best.items():
        i = divmod(u, S)
        wall[i], rank[i], hosts[i] = rec["t"], rec["rank"], rec["host"]
        errors[i] = "" if rec["ok"] else rec["error"]
    ds["task_index"] = (tuple(axes), np.arange(n_points, dtype=np.int64).reshape(shape),
                        {"long_name": "canonical index of the grid point (C order of the axes); "
                                      f"task seeds: {_SEED_SCHEME}"})
    ds["task_wall_time"] = grid(wall, ("sample",)) + ({"long_name": "wall time of the task", "units": "s"},)
    ds["task_rank"] = grid(rank, ("sample",)) + ({"long_name": "MPI rank that computed the task (-1: none)"},)
    ds["task_host"] = grid(hosts.astype(str), ("sample",)) + ({"long_name": "host that computed the task"},)
    ds["task_error"] = grid(errors.astype(str), ("sample",)) + (
        {"long_name": "why the task has no result ('' if it has one)"},)

    # fixed parameters and settings as scalar coordinates
    for d in (config.params, config.settings):
        for k, v in d.items():
            if k in ds.variables or isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            ds.coords[k] = v
    if "T" in config.params and "beta" not in ds.variables:
        T = config.params["T"]
        ds.coords["beta"] = math.inf if T == 0.0 else 1.0 / T

    if config.theory is not None:
        from ._theory import add_theory, theory_record
        rec = theory_record(config, records)
        if rec is not None:
            add_theory(ds, config, rec)

    sessions = [r for r in records if r.get("kind") == "session"]
    starts = [r for r in sessions if r.get("event") == "start"]
    ds.attrs.update({
        "title": config.name,
        "description": config.description,
        "engine": config.engine_name,
        "model": config.model,
        "seed": config.seed,
        "samples": S,
        "observables": json.dumps(list(config.observables)),
        "seed_scheme": _SEED_SCHEME,
        "task_order": "task_index = row-major (C order) index over the grid axes in the order of the dimensions",
        "error_bars": "<obs>_err: one standard error; one disorder sample: thermal error from the engine; "
                      "several: std over samples / sqrt(samples)",
        "params": json.dumps(_jsonable(config.params)),
        "settings": json.dumps(_jsonable(config.settings)),
        "config_text": config.text,
        "config_overrides": json.dumps(list(config.overrides)),
        "config_source": config.source,
        "config_normalized": json.dumps(config.normalized, sort_keys=True),
        "config_sha256": config.sha256,
        "hebbian_version": __version__,
        "engine_versions": json.dumps(config.engine.versions()),
        "git_commit": _git_commit(),
        "ranks": json.dumps([r.get("ranks") for r in starts]),
        "hosts": json.dumps(sorted({h for r in starts for h in r.get("hosts", [])})),
        "sessions": json.dumps(sessions),
        "n_tasks": config.n_tasks,
        "n_done": sum(r["ok"] for r in best.values()),
        "n_failed": len(failed),
        "n_missing": config.n_tasks - len(best),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })
    return ds, failed


def _put(arr, i, v):
    if isinstance(v, list):
        arr[i][: len(v)] = v
    else:
        arr[i] = v


def _coord_array(values):
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    return np.array([str(v) for v in values], dtype=str)


def _jsonable(d):
    return {k: (v if not isinstance(v, float) or math.isfinite(v) else repr(v)) for k, v in d.items()}
