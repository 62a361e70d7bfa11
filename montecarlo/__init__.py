"""montecarlo: single-spin-flip Monte Carlo of finite Hebbian networks, with honest statistics.

>>> from montecarlo import simulate
>>> run = simulate(net, beta=5.0, sweeps=2000, init=xi[0], seed=1)   # doctest: +SKIP
>>> run.m.shape, run.mean("m"), run.error("m"), run.tau("m")           # doctest: +SKIP

* :func:`simulate` -- Glauber (heat-bath) or Metropolis dynamics, random-sequential or
  sequential, zero temperature at ``beta=inf``; many chains, replicas (overlap ``q``) and
  disorder samples in one call; exact energy changes for every P (no N x N matrix).
* :func:`parallel_tempering` -- replica exchange over a ladder of betas.
* :func:`anneal` -- simulated annealing for ground-state searches.
* :func:`disorder_average` -- draw networks of a model family and simulate them together.
* :func:`estimate` -- mean, error bar, autocorrelation time of any correlated series.
* :class:`Run` -- the result: time series, estimates, final state to continue from.

Structure: one module per energy family -- :mod:`montecarlo._pairwise` (P = 2, acceptance by
an integer table), :mod:`montecarlo._table` (+-1 dense patterns, exact integer tables) and
:mod:`montecarlo._general` (diluted and learning networks, Newton's identities or Plefka) --
each exposing ``delta_energy``, ``attempt``, ``flip`` and ``energy``; the sweep loop
(:mod:`montecarlo._loop`) is written once and built once per family, replica exchange and
measurement are small kernels of their own (:mod:`montecarlo._measure`), the random stream
and acceptance rules are shared (:mod:`montecarlo._common`); :mod:`montecarlo._engine` is the
Python side (arrays, seeds, threads). Plain ``numba.njit`` kernels, flags and cache in
:mod:`montecarlo._jit`.
"""

from ._run import Run
from ._simulate import anneal, disorder_average, parallel_tempering, simulate
from ._stats import ShortRunWarning, estimate

__all__ = ["simulate", "parallel_tempering", "anneal", "disorder_average", "estimate", "Run",
           "ShortRunWarning"]
