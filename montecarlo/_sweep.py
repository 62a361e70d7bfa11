"""The sweep runner's ``montecarlo`` engine: one grid point and disorder sample per task.

Registered with :mod:`hebbian.sweep` by name (``engine = "montecarlo"``); the runner imports this
module only when a config names the engine, so :mod:`hebbian` imports no engine.
"""

from __future__ import annotations

import numpy as np

from hebbian import models
from hebbian.sweep import Engine, Observable, Setting, engine_versions, register_engine

from ._simulate import simulate
from ._stats import estimate

__all__ = ["MonteCarloEngine"]


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
        "n": Observable("overlap with the mean of the examples of archetype 0 (supervised, unsupervised)"),
        "tau_m": Observable("integrated autocorrelation time of m, in sweeps", error=False),
        "reliable": Observable("the estimates (m, energy and those requested) passed the engine's "
                               "run-length and chain checks", error=False, dtype="bool"),
        "acceptance": Observable("fraction of accepted flips", error=False),
        "K": Observable("number of archetypes of the drawn network", error=False),
    }
    default_observables = ("m", "energy", "reliable")
    theory_observables = {"m": ("m", None), "abs_m": ("m", None), "energy": ("energy", None), "q": ("q", None),
                          "n": ("n", ("supervised", "unsupervised")), "m_sorted": ("m_all", ("multitasking",))}

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
        if "n" in observables and model not in ("supervised", "unsupervised"):
            raise ValueError(f"observable 'n' (overlap with the example means) needs a learning model "
                             f"('supervised', 'unsupervised'), got {model!r}")
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
        disorder, dynamics = seed.spawn(2)
        beta = params.pop("beta")
        net = models.make_network(model, settings["N"], np.random.default_rng(disorder),
                                  normalization=settings["normalization"], tuples=settings["tuples"],
                                  **{k: v for k, v in params.items() if v is not None})
        run = simulate(net, beta, settings["sweeps"], seed=dynamics, init=settings["init"],
                       rule=settings["rule"], order=settings["order"], burn_in=settings["burn_in"],
                       every=settings["every"], replicas=settings["replicas"], chains=settings["chains"],
                       field=settings["field"],
                       overlaps=net.K if "m_sorted" in observables else None)   # m_sorted: every archetype
        out, reliable = {}, True
        series = None
        for name in observables:
            if name in ("m", "energy", "q", "n", "tau_m"):
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
        return engine_versions("montecarlo")


register_engine("montecarlo", MonteCarloEngine)


def _n_archetypes(model, params, N):
    if model == "multitasking":
        return params["K"]
    if params.get("K") is not None:
        return params["K"]
    P = params.get("P", 2)
    return max(1, int(round(params.get("alpha", 0.0) * float(N) ** (P - 1))))


def _chain_series(run, name):
    """Time series of one network as (chains x replicas, samples, components)."""
    x = np.asarray(getattr(run, name), dtype=np.float64)
    return x.reshape((-1,) + x.shape[-2:])
