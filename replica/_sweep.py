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

    #: a block task holds points of total cost <= this: ~300 RS points, ~0.1-0.3 s of work
    block_cost = 300.0

    def cost(self, model, params, settings):
        # about 0.5 ms per unit (measured: an RS point of a vectorised grid 0.3-0.8 ms, T = 0
        # analytic and cheaper; a critical capacity 0.05-0.1 s at RS, 0.3-0.7 s at 1RSB; a
        # 1RSB point see _ONE_STEP_COST)
        if settings["quantity"] == "critical_capacity":
            return 1000.0 if settings["level"] == "1rsb" else 200.0
        if settings["level"] == "1rsb":
            return _ONE_STEP_COST
        return 0.3 if params.get("beta") == math.inf else 1.0

    def block_key(self, model, params, settings):
        # the points of a block share the structural parameters (one vectorised solve per
        # block) and T = 0 or not (the solver splits them: T = 0 has other variables)
        return _group_key(_replica_params(params)), params.get("beta") == math.inf

    def warm_up(self, model, params, settings):
        # compile (or load from Numba's cache) the Gaussian-average kernels once, before the
        # other ranks start
        from .quadrature import DEFAULT
        DEFAULT.average(("tanh", "logcosh/beta"), np.array([1.0, math.inf]), np.array([0.5, 0.5]), np.array([0.3, 0.3]))

    def run(self, model, params, settings, observables, seed):
        return self.run_block(model, [params], settings, observables)[0]

    def run_block(self, model, points, settings, observables, seeds=None):
        """Several grid points at once: one vectorised :func:`replica.solve` per group of points.

        Points that share the structural parameters (the set of parameters given, and ``K``,
        ``P``, ``M`` where present: they fix the solver's variables) are solved in ONE call of
        :func:`replica.solve` on arrays; ``quantity = "critical_capacity"`` is a fold search
        per point (its parameters are scalars). The record of each point is exactly what
        :meth:`run` returns for it (``run`` is this method on one point).

        Parameters
        ----------
        model : str
        points : list of dict
            Model parameters of each point, as validated by :meth:`check_point`.
        settings : dict
            The ``[replica]`` settings shared by every point of the block.
        observables : tuple of str
        seeds : ignored (the theory is deterministic)

        Returns
        -------
        list of dict
            One ``{observable: value}`` per point, in the order of ``points``.
        """
        out = [None] * len(points)
        if settings["quantity"] == "critical_capacity":
            for i, params in enumerate(points):
                res = critical_capacity(model, settings["level"], **settings["options"], **_replica_params(params))
                out[i] = {name: _field(res, "alpha" if name == "alpha_c" else name, name) for name in observables}
            return out
        for rows, arrays in _groups(points):
            sol = solve(model, settings["level"], **settings["options"], **arrays)
            for j, i in enumerate(rows):
                rec = _take(sol, j, len(rows))
                if settings["branch"] != "thermodynamic":
                    rec = _branch(rec, settings["branch"], observables)
                out[i] = _observe(rec, observables)
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


#: parameters that fix the solver's variables: points that differ in them are solved apart
_STRUCTURAL = ("K", "P", "M")
#: cost of a 1RSB point in the units of ReplicaEngine.cost (measured 0.15-0.3 s, every branch;
#: more than the block budget: one point per task)
_ONE_STEP_COST = 500.0


def _group_key(kw):
    return tuple(sorted(kw)), tuple(float(kw[k]) for k in _STRUCTURAL if k in kw)


def _groups(points):
    """``(rows, arrays)`` per group of points with the same parameter names and structural values.

    ``rows`` are indices into ``points`` (in order); ``arrays`` maps each parameter to a 1-D
    float array over the rows (what :func:`replica.solve` broadcasts).
    """
    groups = {}
    for i, params in enumerate(points):
        kw = _replica_params(params)
        groups.setdefault(_group_key(kw), []).append((i, kw))
    for members in groups.values():
        rows = [i for i, _ in members]
        names = members[0][1].keys()
        yield rows, {k: np.array([float(kw[k]) for _, kw in members]) for k in names}


def _take(sol, j, n):
    """Point j of a solution over n points, as the record of a scalar solve."""
    rec = {}
    for key, v in sol.items():
        if key == "branches":
            rec[key] = {name: _take(b, j, n) for name, b in v.items()}
        elif isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n:
            v = v[j]
            rec[key] = v.item() if isinstance(v, np.generic) else v
        else:
            rec[key] = v
    return rec


def _observe(rec, observables):
    out = {}
    for name in observables:
        if name in ("m", "m_all"):
            m = np.atleast_1d(np.asarray(rec.get("m", math.nan), dtype=np.float64))
            out[name] = float(m[0]) if name == "m" else m
        else:
            out[name] = _field(rec, name, name)
    return out


def _field(record, key, name):
    """A scalar field of a replica result (bool and str kept as they are); NaN where no
    solution exists at the point (then ``converged`` is false and ``message`` says why)."""
    try:
        v = record[key]
    except KeyError:
        if key in ("converged", "stable", "rs_stable"):
            return False
        if key in ("message", "branch"):
            return ""
        if record.get("converged") is False or not record.get("branches", True):
            return math.nan
        raise KeyError(f"the replica result has no field {key!r} (observable {name!r})") from None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        return v
    return float(np.ravel(v)[0])


def _branch(sol, name, observables):
    """One branch of a replica solution at one point, as a record with the top-level fields."""
    rec = sol["branches"].get(name)
    if rec is not None and bool(np.all(rec.get("found", True))):
        rec = dict(rec)
        rec["converged"] = bool(rec.get("converged", True))
        return rec
    found = ", ".join(sorted(k for k, b in sol["branches"].items() if bool(np.all(b.get("found", True))))) or "none"
    rec = {k: math.nan for k in observables}
    rec.update(converged=False, stable=False, rs_stable=False, branch=name, m=math.nan,
               message=f"branch {name!r} not found at this point (found: {found})")
    return rec
