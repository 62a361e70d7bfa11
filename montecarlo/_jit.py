"""JIT flags of the Monte Carlo kernels, in one place, switchable from the environment.

=========================  =======  ==========================================================
variable                   default  effect
=========================  =======  ==========================================================
``HEBBIAN_NUMBA_CACHE``    ``1``    ``0`` turns the on-disk cache of the compiled kernel off
                                    (e.g. a read-only install, or a cluster whose shared disk
                                    is slow): every process then compiles it (~4 s). Its machine
                                    code goes to ``$NUMBA_CACHE_DIR/hebbian_montecarlo`` if
                                    ``NUMBA_CACHE_DIR`` is set (e.g. node-local scratch), else
                                    ``montecarlo/__pycache__`` if writable, else
                                    ``~/.cache/hebbian_montecarlo`` (:mod:`montecarlo._native`).
``HEBBIAN_NATIVE``         ``1``    ``1``: the kernel is compiled by Numba once per machine and
                                    later processes load its machine code without importing
                                    Numba (start-up ~0.3 s instead of ~1.5 s). If building or
                                    loading it fails for any reason, one ``RuntimeWarning`` is
                                    issued and the kernel runs through Numba's dispatcher.
                                    ``0``: always Numba's dispatcher (and Numba's own cache).
                                    The numbers are the same either way.
``HEBBIAN_FASTMATH``       ``0``    ``1`` compiles with ``fastmath=True``. Off by default: the
                                    samplers compare energy differences with uniforms and exact
                                    zero matters at T = 0; the integer hot loops gain nothing.
``HEBBIAN_PARALLEL``       ``1``    ``0`` never runs blocks of chains in parallel threads (the
                                    results do not change: every chain owns its random stream).
=========================  =======  ==========================================================

Threads (:func:`num_threads`): ``numba.get_num_threads()`` if Numba is imported (so
``numba.set_num_threads`` applies), else ``NUMBA_NUM_THREADS``, else the number of CPUs this
process may run on. The results never depend on it.
Every kernel is compiled with ``nogil=True``, ``error_model="numpy"`` and without bounds
checks.
"""

from __future__ import annotations

import os
import sys

__all__ = ["CACHE", "FASTMATH", "PARALLEL", "NATIVE", "kernel_options", "helper_options", "num_threads"]


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
NATIVE = _env_flag("HEBBIAN_NATIVE", True)


def kernel_options(**extra):
    """Keyword arguments for ``numba.njit`` of every Monte Carlo kernel."""
    opts = dict(cache=CACHE, fastmath=FASTMATH, nogil=True, error_model="numpy", boundscheck=False, _nrt=False)
    opts.update(extra)
    return opts


def helper_options():
    """``numba.njit`` options of helpers called only from the kernel: no CPython or C wrapper
    is generated for them (less to compile) and they are not cached on their own (their code is
    part of the kernel that calls them); they inherit the kernel's flags."""
    return kernel_options(no_cpython_wrapper=True, no_cfunc_wrapper=True, cache=False)


def num_threads():
    """Threads for blocks of chains: Numba's setting if Numba is imported (``numba.set_num_threads``),
    else ``NUMBA_NUM_THREADS``, else the number of CPUs this process may run on (Numba's
    default), without importing Numba."""
    numba = sys.modules.get("numba")
    if numba is not None and hasattr(numba, "get_num_threads"):
        return max(1, numba.get_num_threads())
    raw = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if raw:
        return max(1, int(raw))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
