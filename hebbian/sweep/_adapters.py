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
    ``make_network(model, N, default_rng(disorder), **params)`` and the chains are seeded
    with ``dynamics``. ``init = "pattern"`` starts in archetype 0 (retrieval branch),
    ``"random"`` from random spins.
    """

    name = "montecarlo"
    stochastic = True
    settings = {
        "N": Setting("int", spec=dict(min=2), doc="number of neurons"),
        "sweeps": Setting("int", spec=dict(min=1), doc="measurement sweeps (N attempted flips each)"),
        "burn_in": Setting("int", spec=dict(min=0), doc="sweeps discarded before measuring"),
        "every": Setting("int", 1, dict(min=1), doc="sweeps between two measurements"),
        "rule": Setting("choice", "glauber", ("glauber", "metropolis"), doc="update rule"),
        "init": Setting("choice", "pattern", ("pattern", "random"), doc="initial state"),
        "replicas": Setting("int", 1, dict(min=1), doc="independent replicas per network (q needs 2)"),
        "normalization": Setting("choice", "power", ("power", "binomial"), doc="see hebbian.Network"),
        "tuples": Setting("choice", "distinct", ("distinct", "all"), doc="see hebbian.Network"),
    }
    observables = {
        "m": Observable("Mattis overlap with archetype 0 (the initial condition of init='pattern')"),
        "abs_m": Observable("|m| of archetype 0"),
        "m_sorted": Observable("time-averaged |m_mu|, sorted in decreasing order (multitasking)", dim="pattern"),
        "energy": Observable("energy per spin"),
        "q": Observable("overlap between two replicas (needs replicas >= 2)"),
        "tau_m": Observable("integrated autocorrelation time of m, in measurements", error=False),
        "K": Observable("number of archetypes of the drawn network", error=False),
    }
    default_observables = ("m", "energy")

    def check_point(self, model, params, settings, observables):
        if params.get("beta") is None:
            raise ValueError("the Monte Carlo engine needs a temperature: give beta or T")
        p = models.check_params(model, **params)
        N, P = settings["N"], p.get("P", 2)
        if P > N:
            raise ValueError(f"P must be <= N = {N}, got {P}")
        if model in ("supervised", "unsupervised") or (model == "multitasking" and p["rho"] is not None):
            if p["r"] is None or p["M"] is None:
                raise ValueError(f"a finite {model!r} network needs an integer M: give two of r, M, rho "
                                 f"(got r={p['r']}, M={p['M']}, rho={p['rho']})")
        if "q" in observables and settings["replicas"] < 2:
            raise ValueError(f"observable 'q' needs replicas >= 2, got replicas = {settings['replicas']}")
        return p

    def cost(self, model, params, settings):
        N, P = settings["N"], params.get("P", 2)
        K = _n_archetypes(model, params, N)
        n_stored = K * (params.get("M") or 1) if model == "unsupervised" else K
        return float(N) * max(n_stored, 1) * (settings["sweeps"] + settings["burn_in"]) * settings["replicas"] \
            * (P - 1)

    def warm_up(self, model, params, settings):
        small = dict(settings, N=min(settings["N"], 16), sweeps=2, burn_in=0, every=1)
        p = dict(params)
        if "alpha" in p and p["alpha"]:
            p["alpha"] = min(p["alpha"], 1.0 / small["N"] ** (p.get("P", 2) - 1))
        self.run(model, p, small, ("m", "energy"), np.random.SeedSequence(0))

    def run(self, model, params, settings, observables, seed):
        from montecarlo import simulate
        disorder, dynamics = seed.spawn(2)
        beta = params.pop("beta")
        net = models.make_network(model, settings["N"], np.random.default_rng(disorder),
                                  normalization=settings["normalization"], tuples=settings["tuples"],
                                  **{k: v for k, v in params.items() if v is not None})
        if settings["init"] == "pattern":
            init = net.xi[0]
        else:
            init = "random"
        run = simulate(net, beta=beta, sweeps=settings["sweeps"], init=init, rule=settings["rule"],
                       seed=dynamics, burn_in=settings["burn_in"], every=settings["every"],
                       replicas=settings["replicas"])
        out = {}
        for name in observables:
            if name == "m":
                out["m"] = (float(np.ravel(run.mean("m"))[0]), float(np.ravel(run.error("m"))[0]))
            elif name == "energy":
                out["energy"] = (float(run.mean("energy")), float(run.error("energy")))
            elif name == "q":
                out["q"] = (float(run.mean("q")), float(run.error("q")))
            elif name == "tau_m":
                out["tau_m"] = float(np.ravel(run.tau("m"))[0])
            elif name == "K":
                out["K"] = float(net.K)
            elif name == "abs_m":
                out["abs_m"] = _series_estimate(np.abs(np.asarray(run.m)[..., 0]))
            elif name == "m_sorted":
                out["m_sorted"] = _sorted_overlaps(np.asarray(run.m))
        return out

    def versions(self):
        try:
            import montecarlo
        except ImportError:
            return {}
        return {"montecarlo": getattr(montecarlo, "__version__", "unknown")}


class ReplicaEngine(Engine):
    """N -> infinity theory (:func:`replica.solve`, :func:`replica.critical_capacity`)."""

    name = "replica"
    stochastic = False
    settings = {
        "level": Setting("choice", "rs", ("rs", "1rsb"), doc="replica-symmetry level"),
        "quantity": Setting("choice", "solve", ("solve", "critical_capacity"),
                            doc="order parameters at each point, or the T = 0 critical capacity"),
        "options": Setting("table", {}, doc="extra keyword arguments of solve / critical_capacity"),
    }
    observables = {
        "m": Observable("Mattis overlap of the (first) condensed pattern", error=False),
        "m_all": Observable("all condensed overlaps (multitasking)", error=False, dim="pattern"),
        "q": Observable("Edwards-Anderson overlap", error=False),
        "free_energy": Observable("free energy per spin", error=False),
        "energy": Observable("energy per spin", error=False),
        "converged": Observable("the solver converged", error=False, dtype="bool"),
        "message": Observable("solver message", error=False, dtype="str"),
        "branch": Observable("solution branch (retrieval, spin glass, paramagnet...)", error=False, dtype="str"),
        "alpha_c": Observable("critical capacity (quantity = 'critical_capacity')", error=False),
    }
    default_observables = ("m", "q", "free_energy", "converged", "message")

    def check_point(self, model, params, settings, observables):
        p = models.check_params(model, **params)
        if settings["quantity"] == "solve":
            if p.get("beta") is None:
                raise ValueError("the replica engine needs a temperature: give beta or T")
            if "alpha_c" in observables:
                raise ValueError("observable 'alpha_c' needs [replica] quantity = 'critical_capacity'")
        else:
            extra = set(observables) - {"alpha_c", "converged", "message"}
            if extra:
                raise ValueError(f"quantity = 'critical_capacity' gives alpha_c, converged, message; "
                                 f"not {', '.join(sorted(extra))}")
        return p

    def cost(self, model, params, settings):
        c = 10.0 if settings["level"] == "1rsb" else 1.0
        return c * (30.0 if settings["quantity"] == "critical_capacity" else 1.0)

    def run(self, model, params, settings, observables, seed):
        import replica
        kw = {k: v for k, v in params.items() if v is not None}
        if settings["quantity"] == "critical_capacity":
            kw.pop("alpha", None)
            res = replica.critical_capacity(model, level=settings["level"], **kw, **settings["options"])
            return _pick(res, observables, {"alpha_c": ("alpha_c", "alpha")})
        sol = replica.solve(model, level=settings["level"], **kw, **settings["options"])
        out = _pick(sol, [o for o in observables if o not in ("m", "m_all")], {})
        m = np.atleast_1d(np.asarray(sol.m, dtype=np.float64))
        if "m" in observables:
            out["m"] = float(m[0])
        if "m_all" in observables:
            out["m_all"] = m
        return out

    def versions(self):
        try:
            import replica
        except ImportError:
            return {}
        return {"replica": getattr(replica, "__version__", "unknown")}


register_engine("montecarlo", MonteCarloEngine)
register_engine("replica", ReplicaEngine)


# --------------------------------------------------------------------------- helpers
def _n_archetypes(model, params, N):
    if model == "multitasking":
        return params["K"]
    if params.get("K") is not None:
        return params["K"]
    P = params.get("P", 2)
    return max(1, int(round(params.get("alpha", 0.0) * float(N) ** (P - 1))))


def _pick(record, names, aliases):
    out = {}
    for name in names:
        for attr in aliases.get(name, (name,)):
            if hasattr(record, attr):
                v = getattr(record, attr)
                break
        else:
            raise AttributeError(f"the replica result has no {name!r}")
        out[name] = v if isinstance(v, (bool, str)) else float(np.ravel(v)[0]) if np.ndim(v) else v
    return out


def _series_estimate(x):
    """Mean and error of a time series by binning (blocks doubled until the error plateaus)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan
    err = float(x.std(ddof=1) / math.sqrt(n))
    block = x
    while block.shape[0] >= 32:
        m = block.shape[0] // 2
        block = 0.5 * (block[0:2 * m:2] + block[1:2 * m:2])
        err = max(err, float(block.std(ddof=1) / math.sqrt(block.shape[0])))
    return mean, err


def _sorted_overlaps(m):
    """Time-averaged |m_mu| sorted in decreasing order, with errors (one series per pattern)."""
    m = np.asarray(m, dtype=np.float64)
    m = m.reshape(m.shape[0], -1, m.shape[-1]).mean(axis=1) if m.ndim == 3 else m
    est = [_series_estimate(np.abs(m[:, k])) for k in range(m.shape[1])]
    means = np.array([e[0] for e in est])
    errs = np.array([e[1] for e in est])
    order = np.argsort(-means, kind="stable")
    return means[order], errs[order]
