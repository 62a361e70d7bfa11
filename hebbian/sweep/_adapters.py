"""The built-in engine adapters: ``montecarlo`` and ``replica``.

Each imports its engine lazily (inside :meth:`run` / :meth:`warm_up`), so that ``hebbian``
imports without the engines and the two engines never import each other.
"""

from __future__ import annotations

import math

import numpy as np

from .. import models
from ._engine import Engine, Observable, Setting, register_engine

__all__ = ["MonteCarloEngine", "ReplicaEngine"]


class MonteCarloEngine(Engine):
    """Finite-N Monte Carlo (:func:`montecarlo.simulate`) of a network drawn per task.

    Per task: ``disorder, dynamics = seed.spawn(2)``; the network is
    ``make_network(model, N, default_rng(disorder), **params)`` (a new disorder sample per task)
    and the chains are seeded with ``dynamics``. ``init = "pattern"`` starts in archetype 0
    (the retrieval branch), ``"random"`` from random spins. Every estimate comes from
    :meth:`montecarlo.Run.estimate` (autocorrelation-corrected error); ``reliable`` records
    whether all of them passed the engine's run-length and chain-agreement checks.
    """

    name = "montecarlo"
    stochastic = True
    settings = {
        "N": Setting("int", spec=dict(min=2), doc="number of neurons"),
        "sweeps": Setting("int", spec=dict(min=2), doc="sweeps per chain, burn-in included"),
        "burn_in": Setting("int", None, dict(min=0), doc="sweeps discarded first (default: sweeps // 10)"),
        "every": Setting("int", 1, dict(min=1), doc="sweeps between two measurements"),
        "rule": Setting("choice", "glauber", ("glauber", "metropolis"), doc="acceptance rule"),
        "order": Setting("choice", "random", ("random", "sequential"), doc="site order"),
        "init": Setting("choice", "pattern", ("pattern", "random"), doc="initial state"),
        "replicas": Setting("int", 1, dict(min=1), doc="replicas per chain (q needs 2)"),
        "chains": Setting("int", 1, dict(min=1), doc="independent chains per network"),
        "field": Setting("choice", "exact", ("exact", "plefka"), doc="energy change (see montecarlo.simulate)"),
        "normalization": Setting("choice", "power", ("power", "binomial"), doc="see hebbian.Network"),
        "tuples": Setting("choice", "distinct", ("distinct", "all"), doc="see hebbian.Network"),
    }
    observables = {
        "m": Observable("Mattis overlap with archetype 0 (the initial state of init = 'pattern')"),
        "abs_m": Observable("|m| of archetype 0"),
        "m_sorted": Observable("time-averaged |m_mu|, sorted in decreasing order (multitasking)", dim="pattern"),
        "energy": Observable("energy per spin"),
        "q": Observable("overlap between two replicas (needs replicas >= 2)"),
        "tau_m": Observable("integrated autocorrelation time of m, in sweeps", error=False),
        "reliable": Observable("the estimates (m, energy and those requested) passed the engine's "
                               "run-length and chain checks", error=False, dtype="bool"),
        "acceptance": Observable("fraction of accepted flips", error=False),
        "K": Observable("number of archetypes of the drawn network", error=False),
    }
    default_observables = ("m", "energy", "reliable")

    def check_point(self, model, params, settings, observables):
        if params.get("beta") is None:
            raise ValueError("the Monte Carlo engine needs a temperature: give beta or T")
        p = models.check_params(model, **params)
        N, P = settings["N"], p.get("P", 2)
        if P > N:
            raise ValueError(f"P must be <= N = {N}, got {P}")
        burn_in = settings["burn_in"]
        if burn_in is not None and burn_in >= settings["sweeps"]:
            raise ValueError(f"burn_in must be < sweeps = {settings['sweeps']}, got {burn_in}")
        if model in ("supervised", "unsupervised") or (model == "multitasking" and p["rho"] is not None):
            if p["r"] is None or p["M"] is None:
                raise ValueError(f"a finite {model!r} network needs an integer M: give two of r, M, rho "
                                 f"(got r={p['r']}, M={p['M']}, rho={p['rho']})")
        if "q" in observables and settings["replicas"] < 2:
            raise ValueError(f"observable 'q' needs replicas >= 2, got replicas = {settings['replicas']}")
        if settings["field"] == "plefka" and P < 3:
            raise ValueError("field = 'plefka' is for P >= 3")
        return p

    def cost(self, model, params, settings):
        # one attempted flip costs O(number of stored patterns) for every P (exact tables)
        K = _n_archetypes(model, params, settings["N"])
        n_stored = K * (params.get("M") or 1) if model == "unsupervised" else K
        return float(settings["N"]) * max(n_stored, 1) * settings["sweeps"] * settings["replicas"] \
            * settings["chains"]

    def warm_up(self, model, params, settings):
        """Compile the kernels this sweep uses, on a tiny network of the same family."""
        small = dict(settings, N=max(min(settings["N"], 16), params.get("P", 2)), sweeps=4, burn_in=1, every=1)
        p = dict(params)
        if p.get("alpha"):
            p["alpha"] = min(p["alpha"], 1.0 / small["N"] ** (p.get("P", 2) - 1))
        self.run(model, p, small, ("m",), np.random.SeedSequence(0))

    def run(self, model, params, settings, observables, seed):
        from montecarlo import estimate, simulate
        disorder, dynamics = seed.spawn(2)
        beta = params.pop("beta")
        net = models.make_network(model, settings["N"], np.random.default_rng(disorder),
                                  normalization=settings["normalization"], tuples=settings["tuples"],
                                  **{k: v for k, v in params.items() if v is not None})
        run = simulate(net, beta, settings["sweeps"], seed=dynamics, init=settings["init"],
                       rule=settings["rule"], order=settings["order"], burn_in=settings["burn_in"],
                       every=settings["every"], replicas=settings["replicas"], chains=settings["chains"],
                       field=settings["field"])
        out, reliable = {}, True
        series = None
        for name in observables:
            if name in ("m", "energy", "q", "tau_m"):
                est = run.estimate("m" if name == "tau_m" else name, warn=False)
                reliable &= bool(est.reliable)
                if name == "tau_m":
                    out[name] = float(np.ravel(est.tau)[0]) * settings["every"]
                else:
                    out[name] = (float(np.ravel(est.mean)[0]), float(np.ravel(est.error)[0]))
            elif name in ("abs_m", "m_sorted"):
                if series is None:
                    series = np.abs(_chain_series(run, "m"))          # (chains, samples, K)
                if name == "abs_m":
                    est = estimate(series[..., 0], warn=False)
                    out[name] = (float(est.mean), float(est.error))
                    reliable &= bool(est.reliable)
                else:
                    est = estimate(series, warn=False)
                    order = np.argsort(-np.asarray(est.mean), kind="stable")
                    out[name] = (np.asarray(est.mean)[order], np.asarray(est.error)[order])
                    reliable &= bool(est.reliable)
            elif name == "acceptance":
                out[name] = float(np.mean(run.acceptance))
            elif name == "K":
                out[name] = float(net.K)
        if "reliable" in observables:
            for name in ("m", "energy"):         # never vacuous: m and energy are always checked
                if name not in observables:
                    reliable &= bool(run.estimate(name, warn=False).reliable)
            out["reliable"] = reliable
        return out

    def versions(self):
        return _version("montecarlo")


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
        """The engine's own checks (model and level registered, family rules), when installed."""
        try:
            from replica.base import get_model
        except ImportError:
            return                            # validated again by the engine when the task runs
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
        import replica
        kw = _replica_params(params)
        if settings["quantity"] == "critical_capacity":
            res = replica.critical_capacity(model, settings["level"], **settings["options"], **kw)
            return {name: _field(res, "alpha" if name == "alpha_c" else name, name) for name in observables}
        sol = replica.solve(model, settings["level"], **settings["options"], **kw)
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
        return _version("replica")


register_engine("montecarlo", MonteCarloEngine)
register_engine("replica", ReplicaEngine)


# --------------------------------------------------------------------------- helpers
def _version(module):
    """``{module: version}`` of an installed engine package (its own, else hebbian's), or {}."""
    try:
        mod = __import__(module)
    except ImportError:
        return {}
    from .. import __version__
    return {module: getattr(mod, "__version__", __version__)}


def _n_archetypes(model, params, N):
    if model == "multitasking":
        return params["K"]
    if params.get("K") is not None:
        return params["K"]
    P = params.get("P", 2)
    return max(1, int(round(params.get("alpha", 0.0) * float(N) ** (P - 1))))


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


def _chain_series(run, name):
    """Time series of one network as (chains x replicas, samples, components)."""
    x = np.asarray(getattr(run, name), dtype=np.float64)
    return x.reshape((-1,) + x.shape[-2:])
