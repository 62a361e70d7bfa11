"""JIT flags of the Monte Carlo kernels, in one place, switchable from the environment.

=========================  =======  ==========================================================
variable                   default  effect
=========================  =======  ==========================================================
``HEBBIAN_NUMBA_CACHE``    ``1``    ``0`` turns Numba's on-disk cache off (e.g. a read-only
                                    install, or a cluster whose shared disk is slow). The cache
                                    location is Numba's own: ``NUMBA_CACHE_DIR`` moves it (e.g.
                                    to node-local scratch).
``HEBBIAN_FASTMATH``       ``0``    ``1`` compiles with ``fastmath=True``. Off by default: the
                                    samplers compare energy differences with uniforms and exact
                                    zero matters at T = 0; the integer hot loops gain nothing.
``HEBBIAN_PARALLEL``       ``1``    ``0`` never runs blocks of chains in parallel threads (the
                                    results do not change: every chain owns its random stream).
=========================  =======  ==========================================================

The number of threads is Numba's (``NUMBA_NUM_THREADS``, or ``numba.set_num_threads``).
Every kernel is compiled with ``nogil=True``, ``error_model="numpy"`` and without bounds
checks.
"""

from __future__ import annotations

import os

__all__ = ["CACHE", "FASTMATH", "PARALLEL", "kernel_options", "helper_options"]


def _env_flag(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be 0 or 1 (or true/false), got {raw!r}")


CACHE = _env_flag("HEBBIAN_NUMBA_CACHE", True)
FASTMATH = _env_flag("HEBBIAN_FASTMATH", False)
PARALLEL = _env_flag("HEBBIAN_PARALLEL", True)


def kernel_options(**extra):
    """Keyword arguments for ``numba.njit`` of every Monte Carlo kernel."""
    opts = dict(cache=CACHE, fastmath=FASTMATH, nogil=True, error_model="numpy", boundscheck=False)
    opts.update(extra)
    return opts


def helper_options():
    """``numba.njit`` options of helpers called only from other kernels: no CPython or C
    wrapper is generated for them (less to compile); they inherit the kernels' flags."""
    return kernel_options(no_cpython_wrapper=True, no_cfunc_wrapper=True)
