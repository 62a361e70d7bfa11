"""The result of a Monte Carlo run: time series with named axes, estimates, final state."""

from __future__ import annotations

import numpy as np

from ._stats import Estimate, estimate, warn_unreliable

_AXES = ("network", "chain", "replica", "beta")


class Run:
    """Time series of a Monte Carlo run, their estimates, and the state to continue from.

    Array attributes have leading axes ``run.dims`` (a subset of ``("network", "chain",
    "replica", "beta")``: an axis is present when the call had more than one network (a list),
    more than one chain, more than one replica, or a temperature ladder), then the sample axis,
    then the component axis:

    Attributes
    ----------
    m : ndarray of float64, shape dims + (samples, overlaps)
        Mattis overlaps ``(1/N) sum_i xi_i^mu s_i`` with the first ``overlaps`` archetypes
        ``net.xi`` (``simulate(..., overlaps=)``, default ``min(K, 64)``).
    m_rest : ndarray of float64, shape dims + (samples,), or None
        ``max |m_mu|`` over the archetypes ``mu >= overlaps`` (None when all K are recorded).
    energy : ndarray of float64, shape dims + (samples,)
        Energy per spin ``H / N`` (``hebbian.Network.energy`` / N, exact up to rounding).
    q : ndarray of float64, shape dims_without_replica + (samples, n_pairs), or None
        Two-replica overlaps ``(1/N) sum_i s_i^a s_i^b`` for the pairs a < b (replicas >= 2).
    n : ndarray of float64, shape like m, or None
        Overlaps with the class means (``hebbian.Network.example_overlaps``), learning networks.
    n_rest : ndarray of float64, shape like m_rest, or None
        ``max |n_mu|`` over the classes ``mu >= overlaps`` (learning networks, overlaps < K).
    betas : ndarray of float64
        Inverse temperature(s); ``inf`` is zero-temperature dynamics.
    acceptance : ndarray of float64, shape dims
        Fraction of accepted flips per chain (per member: a tempering member visits several betas).
    swap_rates : ndarray of float64, shape (T - 1,), or None
        Accepted fraction of replica exchanges between betas k and k+1 (parallel tempering).
    state : State
        Final spins, random streams and sweep count; ``simulate(..., init=run.state)`` continues
        the run bit-identically.
    sweeps, burn_in, every : int
        Sweeps done by this call, sweeps discarded, sweeps between samples.
    """

    def __init__(self, out, state, *, betas, single, tempering, schedule, method):
        """``schedule``: (sweeps, burn_in, every); ``method``: (rule, order, field, family)."""
        self._out = out
        self.state = state
        self.betas = np.asarray(betas, dtype=np.float64)
        self.sweeps, self.burn_in, self.every = schedule
        self.rule, self.order, self.field, self.family = method
        n_nets, C, R, T = out.energy.shape[:4]
        keep = (not single, C > 1, R > 1, tempering)
        self.dims = tuple(a for a, k in zip(_AXES, keep) if k)
        self._keep = keep
        self._estimates = {}
        if tempering:
            tries = out.swap_tries.sum(axis=(0, 1, 2))
            self.swap_rates = out.swap_accepts.sum(axis=(0, 1, 2)) / np.maximum(tries, 1)
        else:
            self.swap_rates = None

    # ------------------------------------------------------------------ time series
    def _squeeze(self, x, names=_AXES):
        """Drop the leading axes (named by ``names``) that are not in ``dims``."""
        drop = tuple(k for k, name in enumerate(names) if name not in self.dims)
        return x.squeeze(axis=drop) if drop else x

    @property
    def m(self):
        return self._squeeze(self._out.m)

    @property
    def energy(self):
        return self._squeeze(self._out.energy)

    @property
    def n(self):
        return None if self._out.n is None else self._squeeze(self._out.n)

    @property
    def m_rest(self):
        return None if self._out.m_rest is None else self._squeeze(self._out.m_rest)

    @property
    def n_rest(self):
        return None if self._out.n_rest is None else self._squeeze(self._out.n_rest)

    @property
    def q(self):
        if self._out.q.shape[2] == 0:
            return None
        q = np.moveaxis(self._out.q, 2, -1)                  # (nets, C, T, samples, pairs)
        return self._squeeze(q, ("network", "chain", "beta"))

    @property
    def acceptance(self):
        N = self.state.spins.shape[-1]
        return self._squeeze(self._out.accepted / float(self.sweeps * N))

    @property
    def beta(self):
        """The inverse temperature (a float; the ladder for parallel tempering)."""
        return float(self.betas[0]) if self.betas.size == 1 else self.betas

    # ------------------------------------------------------------------ estimates
    def _chains(self, name):
        """Series as (n_nets, T, chains, samples, comp...) with independent chains pooled."""
        if name in ("m", "n", "energy", "m_rest", "n_rest"):
            x = getattr(self._out, name)
            if x is None:
                raise ValueError(f"observable {name!r} is not measured for this run (n: learning networks "
                                 f"only; m_rest, n_rest: overlaps < K only)")
            nn, C, R, T = x.shape[:4]
            x = np.moveaxis(x, 3, 1).reshape((nn, T, C * R) + x.shape[4:])
            return x
        if name == "q":
            if self._out.q.shape[2] == 0:
                raise ValueError("q needs replicas >= 2")
            x = np.moveaxis(self._out.q, 2, -1)                 # (nets, C, T, samples, pairs)
            return np.moveaxis(x, 2, 1)                         # (nets, T, C, samples, pairs)
        raise ValueError(f"name must be one of 'm', 'energy', 'q', 'n', 'm_rest', 'n_rest', got {name!r}")

    def estimate(self, name, warn=True, _stacklevel=2):
        """:class:`Estimate` of an observable: mean over chains, replicas and samples (and the
        disorder average over networks), with autocorrelation-aware errors.

        Parameters
        ----------
        name : {"m", "energy", "q", "n", "m_rest", "n_rest"}
        warn : bool
            Emit :class:`ShortRunWarning` when the estimate is not reliable (some chain shorter
            than 50 tau, or chains that disagree).

        Returns
        -------
        Estimate
            Arrays of shape ``(T,) + component shape`` for parallel tempering, else the component
            shape (``(overlaps,)`` for m and n, ``()`` for energy, m_rest and n_rest,
            ``(n_pairs,)`` for q). For several
            networks the mean is the average of the per-network means and the error their
            standard deviation over sqrt(n_networks) (disorder plus thermal noise); tau is the
            mean of the per-network values and ``reliable`` needs every network reliable.
        """
        est = self._estimate(name)
        if warn and not est.reliable:
            warn_unreliable(est, name, stacklevel=_stacklevel)
        return est

    def _estimate(self, name):
        if name in self._estimates:
            return self._estimates[name]
        x = self._chains(name)
        if x.shape[3] < 2:
            raise ValueError(f"{name!r} has {x.shape[3]} sample(s) per chain: at least 2 are needed "
                             f"(increase sweeps or decrease every/burn_in)")
        nn, T = x.shape[:2]
        per = [[estimate(x[a, t], warn=False) for t in range(T)] for a in range(nn)]
        fields = ("mean", "error", "tau", "ess", "error_binning", "rhat")
        arr = {f: np.array([[getattr(per[a][t], f) for t in range(T)] for a in range(nn)]) for f in fields}
        reliable = all(e.reliable for row in per for e in row)
        if nn == 1:
            out = {f: arr[f][0] for f in fields}
        else:
            means = arr["mean"]
            out = {"mean": means.mean(axis=0), "error": means.std(axis=0, ddof=1) / np.sqrt(nn),
                   "tau": arr["tau"].mean(axis=0), "ess": arr["ess"].sum(axis=0),
                   "error_binning": np.sqrt((arr["error_binning"] ** 2).sum(axis=0)) / nn,
                   "rhat": arr["rhat"].max(axis=0)}
        if not self._keep[3]:
            out = {f: v[0] for f, v in out.items()}
        est = Estimate(**out, n_chains=int(x.shape[2]), n_samples=int(x.shape[3]), reliable=reliable)
        self._estimates[name] = est
        return est

    def mean(self, name):
        """Estimate of an observable ('m', 'energy', 'q', 'n'); see :meth:`estimate`."""
        return self.estimate(name, _stacklevel=3).mean

    def error(self, name):
        """One-standard-deviation error of :meth:`mean`, for correlated samples."""
        return self.estimate(name, _stacklevel=3).error

    def tau(self, name):
        """Integrated autocorrelation time in samples (multiply by ``every`` for sweeps)."""
        return self.estimate(name, _stacklevel=3).tau

    def ess(self, name):
        """Effective sample size (all chains together)."""
        return self.estimate(name, _stacklevel=3).ess

    def __repr__(self):
        return (f"Run(family={self.family!r}, dims={self.dims}, samples={self._out.energy.shape[4]}, "
                f"sweeps={self.sweeps}, beta={self.betas.tolist()}, rule={self.rule!r}, order={self.order!r})")
