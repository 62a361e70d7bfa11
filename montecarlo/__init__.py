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

The kernel lives in :mod:`montecarlo._kernels` (Numba), its cached machine code in
:mod:`montecarlo._native`; JIT flags in :mod:`montecarlo._jit`.
"""

from ._run import Run
from ._simulate import anneal, disorder_average, parallel_tempering, simulate
from ._stats import ShortRunWarning, estimate

__all__ = ["simulate", "parallel_tempering", "anneal", "disorder_average", "estimate", "Run",
           "ShortRunWarning"]
