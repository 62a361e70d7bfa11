"""The sweep runner's ``replica`` engine: the N -> infinity theory at a grid point.

Registered with :mod:`hebbian.sweep` by name (``engine = "replica"``); the runner imports this
module only when a config names the engine, so :mod:`hebbian` imports no engine.
"""

from __future__ import annotations

import math

import numpy as np

from hebbian import models
from hebbian.sweep import Engine, Observable, Setting, engine_versions, register_engine

from .api import solve
from .base import get_model
from .lines import critical_capacity

__all__ = ["ReplicaEngine"]


class ReplicaEngine(Engine):
    """N -> infinity theory: :func:`replica.solve` (the thermodynamic state at each point) or
    :func:`replica.critical_capacity` (``quantity = "critical_capacity"``; ``alpha_c``).

    ``branch = "retrieval"`` (or any branch name of the solver) reports that branch instead of
    the thermodynamic state, metastable or not -- what a Monte Carlo run started in a pattern
    follows; where the branch does not exist, ``converged`` is false and ``message`` says so.
    ``converged``, ``message``, ``branch``, ``stable`` and ``rs_stable`` are kept per point, so
    non-converged or RS-unstable points are visible in the result, not hidden as NaN.
    """

    name = "replica"
    stochastic = False
    settings = {
        "level": Setting("choice", "rs", ("rs", "1rsb"), doc="replica-symmetry level"),
        "quantity": Setting("choice", "solve", ("solve", "critical_capacity"),
                            doc="the state at each point, or the storage capacity alpha_c"),
        "branch": Setting("str", "thermodynamic",
                          doc="'thermodynamic' (lowest free energy) or a branch name, e.g. 'retrieval'"),
        "options": Setting("table", {}, doc="solver options: tol, maxiter (solve); xtol (critical_capacity)"),
    }
    observables = {
        "m": Observable("Mattis overlap of the (first) condensed pattern", error=False),
        "m_all": Observable("all condensed overlaps (multitasking)", error=False, dim="pattern"),
        "q": Observable("Edwards-Anderson overlap", error=False),
        "n": Observable("overlap with the mean of the examples (learning families)", error=False),
        "free_energy": Observable("free energy per spin", error=False),
        "energy": Observable("energy per spin", error=False),
        "entropy": Observable("entropy per spin", error=False),
        "converged": Observable("the solver converged (the state exists)", error=False, dtype="bool"),
        "message": Observable("solver message: how the state was chosen, flags", error=False, dtype="str"),
        "branch": Observable("the thermodynamic branch (retrieval, spin glass, paramagnet, ...)",
                             error=False, dtype="str"),
        "stable": Observable("locally stable (reduced Hessian positive)", error=False, dtype="bool"),
        "rs_stable": Observable("replica-symmetric solution stable (replicon / AT)", error=False, dtype="bool"),
        "residual": Observable("residual of the saddle-point equations", error=False),
        "alpha_c": Observable("critical capacity (quantity = 'critical_capacity')", error=False),
    }
    default_observables = ("m", "q", "free_energy", "converged", "message")
    _OPTIONS = {"solve": {"tol": ("real", dict(lo=0.0, lo_open=True)), "maxiter": ("int", dict(min=1))},
                "critical_capacity": {"xtol": ("real", dict(lo=0.0, lo_open=True))}}

    def check_point(self, model, params, settings, observables):
        quantity = settings["quantity"]
        if quantity == "critical_capacity":
            if "alpha" in params:
                raise ValueError("alpha is what quantity = 'critical_capacity' computes: do not give it")
            required = models.FAMILIES[model][0]
            p = models.check_params(model, **params, **({"alpha": 0.0} if "alpha" in required else {}))
            p.pop("alpha", None)          # also the optional alpha = 0 default of the learning families
        else:
            p = models.check_params(model, **params)
            if p.get("beta") is None:
                raise ValueError("the replica engine needs a temperature: give beta or T")
            if p["beta"] == 0.0:
                raise ValueError("beta must be > 0 for the replica engine (T = inf has no saddle point to solve)")
            if "alpha_c" in observables:
                raise ValueError("observable 'alpha_c' needs [replica] quantity = 'critical_capacity'")
        if not settings["branch"]:
            raise ValueError("[replica] branch must be 'thermodynamic' or a branch name, got ''")
        if quantity == "critical_capacity" and settings["branch"] != "thermodynamic":
            raise ValueError("[replica] branch applies to quantity = 'solve' only")
        allowed = self._OPTIONS[quantity]
        for key, value in settings["options"].items():
            if key not in allowed:
                raise ValueError(f"unknown [replica] options key {key!r} for quantity {quantity!r} "
                                 f"(allowed: {', '.join(allowed)})")
            kind, spec = allowed[key]
            Setting(kind, spec=spec).check(f"options.{key}", value)
        self._check_with_engine(model, p, settings)
        return p

    def _check_with_engine(self, model, params, settings):
        """The engine's own checks (model and level registered, family rules)."""
        mdl = get_model(model, settings["level"])
        kw = _replica_params(params)
        if settings["quantity"] == "critical_capacity":
            kw.setdefault("beta", math.inf)
            if "alpha" in models.FAMILIES[model][0]:
                kw["alpha"] = 0.01            # a placeholder: alpha is the unknown
        mdl.prepare(kw)

    def cost(self, model, params, settings):
        # measured orders of magnitude: an RS point ~10-40 ms (T = 0 analytic: cheaper), a
        # critical capacity ~5 points, 1RSB 30-600 times RS
        c = 100.0 if settings["level"] == "1rsb" else 1.0
        c *= 5.0 if settings["quantity"] == "critical_capacity" else 1.0
        return c * (0.3 if params.get("beta") == math.inf else 1.0)

    def run(self, model, params, settings, observables, seed):
        kw = _replica_params(params)
        if settings["quantity"] == "critical_capacity":
            res = critical_capacity(model, settings["level"], **settings["options"], **kw)
            return {name: _field(res, "alpha" if name == "alpha_c" else name, name) for name in observables}
        sol = solve(model, settings["level"], **settings["options"], **kw)
        if settings["branch"] != "thermodynamic":
            sol = _branch(sol, settings["branch"], observables)
        out = {}
        for name in observables:
            if name in ("m", "m_all"):
                m = np.atleast_1d(np.asarray(sol["m"], dtype=np.float64))
                out[name] = float(m[0]) if name == "m" else m
            else:
                out[name] = _field(sol, name, name)
        return out

    def versions(self):
        return engine_versions("replica")


register_engine("replica", ReplicaEngine)


def _replica_params(params):
    """The control parameters the replica engine takes: set and numeric. ``rule`` (a string
    that ``models.check_params`` fills in for the learning families) is dropped: the replica
    theory of multitasking at low storage does not depend on it, and ``replica.solve`` accepts
    numbers only."""
    return {k: v for k, v in params.items() if v is not None and not isinstance(v, str)}


def _field(record, key, name):
    """A scalar field of a replica result (bool and str kept as they are)."""
    try:
        v = record[key]
    except KeyError:
        raise KeyError(f"the replica result has no field {key!r} (observable {name!r})") from None
    if isinstance(v, (bool, np.bool_, str)):
        return v
    return float(np.ravel(v)[0])


def _branch(sol, name, observables):
    """One branch of a replica solution, as a record with the top-level fields."""
    rec = sol["branches"].get(name)
    if rec is not None and bool(np.all(rec.get("found", True))):
        rec = dict(rec)
        rec["converged"] = bool(rec.get("converged", True))
        return rec
    found = ", ".join(sol["branches"]) or "none"
    rec = {k: math.nan for k in observables}
    rec.update(converged=False, stable=False, rs_stable=False, branch=name, m=math.nan,
               message=f"branch {name!r} not found at this point (found: {found})")
    return rec
