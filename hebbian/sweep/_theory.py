"""Replica theory next to a Monte Carlo sweep: the ``[theory]`` table.

A Monte Carlo config with a ``[theory]`` table::

    [theory]
    level = "rs"                 # or "1rsb"
    branch = "retrieval"         # or "thermodynamic" (default), or another branch name
    options = {tol = 1e-10}      # options of replica.solve
    observables = ["m"]          # default: the sweep's observables that the theory has
    forms = {m = "1/N"}          # finite-size form per observable (default finite_size.DEFAULT_FORMS)

makes the sweep also solve the replica theory at the N -> infinity limit of every grid point
(nominal parameters, no finite-N mapping), over the grid of the model-parameter axes: one
batched :meth:`Engine.run_block` of the replica engine for the whole grid, computed once by
rank 0 after the Monte Carlo tasks and journaled (a resumed sweep does not solve again). The
result then holds, for each compared observable ``<obs>``:

* ``<obs>_theory`` on the model-parameter axes, with ``theory_converged``, ``theory_message``
  (where the branch does not exist the theory is NaN and the message says so) and
  ``theory_rs_stable`` (replicon stability of the state compared);
* when ``N`` is a grid axis with at least 3 sizes, on the grid without ``N``: ``<obs>_inf`` and
  ``<obs>_inf_err``, the N -> infinity extrapolation of the disorder average
  (:func:`hebbian.finite_size.extrapolate` of ``<obs>`` with errors ``<obs>_err`` over the
  sizes), ``<obs>_inf_pvalue`` (goodness of that fit; errors inflated by sqrt(chi2/dof) when
  it is poor) and ``<obs>_z = (<obs>_inf - <obs>_theory) / <obs>_inf_err``.

The theory is not part of the sweep's hash: adding or changing ``[theory]`` keeps the Monte
Carlo tasks of an existing sweep (``--resume`` computes only the theory).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from dataclasses import dataclass

import numpy as np

from ..finite_size import DEFAULT_FORMS, FORMS, extrapolate
from ._engine import get_engine

__all__ = ["TheorySpec", "parse_theory", "compute_theory", "add_theory", "THEORY_KEYS"]

THEORY_KEYS = ("level", "branch", "options", "observables", "forms")
#: replica observables stored next to the compared ones
_STATUS = ("converged", "message", "rs_stable")


@dataclass(frozen=True)
class TheorySpec:
    """A validated ``[theory]`` table.

    Attributes
    ----------
    level, branch : str
    options : dict
    observables : tuple of str
        Monte Carlo observables compared (each maps to a replica observable).
    forms : dict
        Observable -> finite-size form of the extrapolation.
    axes : tuple of (str, tuple)
        The model-parameter axes of the sweep (the theory grid).
    points : list of dict
        Replica parameters of every theory grid point, C order.
    settings : dict
        The replica engine's settings.
    sha256 : str
        Hash of everything the theory values depend on.
    """

    level: str
    branch: str
    options: dict
    observables: tuple
    forms: dict
    axes: tuple
    points: list
    settings: dict
    sha256: str

    @property
    def shape(self):
        return tuple(len(v) for _, v in self.axes)

    def replica_observables(self, engine):
        names = [engine.theory_observables[o][0] for o in self.observables]
        return tuple(dict.fromkeys(names + list(_STATUS)))


def parse_theory(table, *, engine, model, axes, points, observables):
    """Validate a ``[theory]`` table against its Monte Carlo sweep (raises ValueError).

    ``engine`` is the sweep's engine adapter (with a non-empty ``theory_observables``).

    ``axes`` and ``points`` are the sweep's grid (``points``: (params, settings) per grid
    point, C order). Every theory point is checked by the replica engine before any work.
    """
    for key in table:
        if key not in THEORY_KEYS:
            raise ValueError(f"theory.{key}: unknown key (allowed: {', '.join(THEORY_KEYS)})")
    level = table.get("level", "rs")
    if level not in ("rs", "1rsb"):
        raise ValueError(f"theory.level must be one of 'rs', '1rsb', got {level!r}")
    branch = table.get("branch", "thermodynamic")
    if not isinstance(branch, str) or not branch:
        raise ValueError(f"theory.branch must be 'thermodynamic' or a branch name such as 'retrieval', got {branch!r}")
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise ValueError(f"theory.options must be a table, got {options!r}")

    available = [o for o in observables if _has_theory(engine, o, model)]
    chosen = table.get("observables", available)
    if not isinstance(chosen, list) or not all(isinstance(o, str) for o in chosen):
        raise ValueError(f"theory.observables must be a list of observable names, got {chosen!r}")
    for o in chosen:
        if o not in observables:
            raise ValueError(f"theory.observables: {o!r} is not an observable of this sweep "
                             f"(observables = {list(observables)})")
        if not _has_theory(engine, o, model):
            have = [k for k in engine.theory_observables if _has_theory(engine, k, model)]
            raise ValueError(f"theory.observables: the replica theory of model {model!r} has no counterpart of "
                             f"{o!r} (it has: {', '.join(have)})")
    if not chosen:
        raise ValueError(f"theory: none of the sweep's observables {list(observables)} has a replica counterpart for "
                         f"model {model!r}; add one of {', '.join(k for k in engine.theory_observables)}")
    forms = dict(table.get("forms", {}))
    for o, f in forms.items():
        if o not in chosen:
            raise ValueError(f"theory.forms.{o}: not a compared observable (theory.observables = {list(chosen)})")
        if f not in FORMS:
            raise ValueError(f"theory.forms.{o} must be one of {', '.join(repr(k) for k in FORMS)}, got {f!r}")
    forms = {o: forms.get(o, DEFAULT_FORMS.get(o, "1/N")) for o in chosen}

    # the theory grid: the model-parameter axes (engine settings such as N do not enter the theory)
    t_axes = tuple((k, v) for k, v in axes if k not in engine.settings)
    full_shape = tuple(len(v) for _, v in axes)
    setting_axis = [k in engine.settings for k, _ in axes]
    rep = get_engine("replica")
    settings = {"level": level, "quantity": "solve", "branch": branch, "options": options}
    rep_obs = tuple(dict.fromkeys([engine.theory_observables[o][0] for o in chosen] + list(_STATUS)))
    t_points = []
    for t_idx in itertools.product(*(range(len(v)) for _, v in t_axes)):
        it = iter(t_idx)
        full = tuple(0 if s else next(it) for s in setting_axis)
        params = {k: v for k, v in points[int(np.ravel_multi_index(full, full_shape))][0].items()
                  if v is not None and not isinstance(v, str)}
        try:
            params = rep.check_point(model, dict(params), dict(settings), rep_obs)
        except ValueError as exc:
            at = ", ".join(f"{k}={v[i]!r}" for (k, v), i in zip(t_axes, t_idx)) or "the fixed parameters"
            raise ValueError(f"the replica theory at {at}: {exc}") from None
        t_points.append({k: v for k, v in params.items() if v is not None and not isinstance(v, str)})
    digest = hashlib.sha256(json.dumps(
        {"model": model, "settings": settings, "observables": list(rep_obs),
         "points": [{k: repr(v) for k, v in sorted(p.items())} for p in t_points]},
        sort_keys=True).encode()).hexdigest()
    return TheorySpec(level=level, branch=branch, options=options, observables=tuple(chosen), forms=forms,
                      axes=t_axes, points=t_points, settings=settings, sha256=digest)


def compute_theory(config):
    """Solve the theory of a sweep: one batched replica call over the whole theory grid.

    Returns
    -------
    dict
        A journal record ``{"kind": "theory", "cfg", "values": [per point {name: value}],
        "t": seconds}``.
    """
    spec = config.theory
    rep = get_engine("replica")
    names = spec.replica_observables(config.engine)
    t0 = time.perf_counter()
    out = rep.run_block(config.model, [dict(p) for p in spec.points], dict(spec.settings), names)
    values = [{k: _plain(v[k]) for k in names} for v in out]
    return {"kind": "theory", "cfg": spec.sha256[:16], "values": values, "t": time.perf_counter() - t0}


def theory_record(config, records):
    """The journaled theory record of this sweep's ``[theory]``, or None."""
    key = config.theory.sha256[:16]
    found = [r for r in records if r.get("kind") == "theory" and r.get("cfg") == key]
    return found[-1] if found else None


def add_theory(ds, config, rec):
    """Add the theory variables, the N -> infinity extrapolations and the z-scores to ``ds``."""
    spec, engine = config.theory, config.engine
    t_dims = tuple(k for k, _ in spec.axes)
    shape = spec.shape
    values = rec["values"]
    for name in _STATUS:
        arr = np.array([v[name] for v in values], dtype=object if name == "message" else bool)
        ds[f"theory_{name}"] = (t_dims, (arr.astype(str) if name == "message" else arr).reshape(shape),
                                {"long_name": f"replica theory ({spec.level}, branch {spec.branch!r}): {name}"})
    has_N = "N" in ds.dims and ds.sizes["N"] >= 3
    for o in spec.observables:
        r_name = engine.theory_observables[o][0]
        obs_spec = engine.observables[o]
        if obs_spec.dim is None:
            arr = np.array([_scalar(v[r_name]) for v in values], dtype=np.float64).reshape(shape)
            if o == "abs_m":
                arr = np.abs(arr)
            ds[f"{o}_theory"] = (t_dims, arr)
        else:
            length = ds.sizes[obs_spec.dim] if obs_spec.dim in ds.dims else 1
            arr = np.full((len(values), length), np.nan)
            for i, v in enumerate(values):
                x = np.atleast_1d(np.asarray(v[r_name], dtype=np.float64))[:length]
                arr[i, :x.size] = x
            ds[f"{o}_theory"] = (t_dims + (obs_spec.dim,), arr.reshape(shape + (length,)))
        ds[f"{o}_theory"].attrs.update(long_name=f"{o} of the replica theory at N -> infinity ({spec.level}, "
                                                 f"branch {spec.branch!r}, nominal parameters)")
        if has_N and obs_spec.error and f"{o}_err" in ds:
            _extrapolate_into(ds, o, spec.forms[o])
    ds.attrs["theory"] = json.dumps({"level": spec.level, "branch": spec.branch, "options": spec.options,
                                     "observables": list(spec.observables), "forms": spec.forms,
                                     "wall_time": rec.get("t")})
    return ds


def _extrapolate_into(ds, o, form):
    """``<o>_inf``, ``<o>_inf_err``, ``<o>_inf_pvalue``, ``<o>_z`` over the N axis of ``ds``."""
    y = ds[o].transpose(..., "N")
    e = ds[f"{o}_err"].transpose(..., "N")
    Ns = np.asarray(ds["N"].values, dtype=np.float64)
    rest = y.dims[:-1]
    yv = y.values.reshape(-1, Ns.size)
    ev = e.values.reshape(-1, Ns.size)
    val, err, pv = (np.full(yv.shape[0], np.nan) for _ in range(3))
    for i in range(yv.shape[0]):
        ok = np.isfinite(yv[i]) & np.isfinite(ev[i]) & (ev[i] > 0)
        if len(np.unique(Ns[ok])) < max(3, FORMS[form][1] + 1):
            continue
        fit = extrapolate(Ns[ok], yv[i, ok], ev[i, ok], form=form)
        val[i], err[i], pv[i] = fit.value, fit.error, fit.pvalue
    shape = y.shape[:-1]
    ds[f"{o}_inf"] = (rest, val.reshape(shape), {
        "long_name": f"N -> infinity extrapolation of the disorder average of {o}",
        "form": form, "method": "hebbian.finite_size.extrapolate: weighted least squares over the sizes "
                                "with the errors <obs>_err; NaN where fewer than 3 sizes have a positive error"})
    ds[f"{o}_inf_err"] = (rest, err.reshape(shape), {
        "long_name": f"standard error of {o}_inf (inflated by sqrt(chi2/dof) when the fit is poor)"})
    ds[f"{o}_inf_pvalue"] = (rest, pv.reshape(shape), {"long_name": f"p-value of the chi2 of the fit of {o}_inf"})
    ds[f"{o}_z"] = ((ds[f"{o}_inf"] - ds[f"{o}_theory"]) / ds[f"{o}_inf_err"]).transpose(*ds[f"{o}_inf"].dims)
    ds[f"{o}_z"].attrs["long_name"] = f"({o}_inf - {o}_theory) / {o}_inf_err"


def _has_theory(engine, obs, model):
    entry = engine.theory_observables.get(obs)
    return entry is not None and (entry[1] is None or model in entry[1])


def _scalar(v):
    a = np.ravel(np.asarray(v, dtype=np.float64))
    return float(a[0]) if a.size else math.nan


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        return v
    a = np.asarray(v, dtype=np.float64)
    return float(a) if a.ndim == 0 else [float(x) for x in a.ravel()]
