"""JIT flags of the Monte Carlo kernels, in one place, switchable from the environment.

=========================  =======  ==========================================================
variable                   default  effect
=========================  =======  ==========================================================
``HEBBIAN_NUMBA_CACHE``    ``1``    ``0`` turns Numba's on-disk cache of the kernels off (e.g.
                                    a read-only install): every process then compiles the
                                    kernels of the families it uses (a few seconds each).
``HEBBIAN_FASTMATH``       ``0``    ``1`` compiles with ``fastmath=True``. Off by default: the
                                    samplers compare energy changes with thresholds and exact
                                    zero matters at T = 0; the integer hot loops gain nothing.
``HEBBIAN_PARALLEL``       ``1``    ``0`` never runs chains in parallel threads (the results do
                                    not change: every chain owns its random stream).
=========================  =======  ==========================================================

Every kernel is a plain ``numba.njit`` function with :data:`OPTIONS`: ``cache=True`` (unless
``HEBBIAN_NUMBA_CACHE=0``), ``nogil=True`` (chains run in Python threads), ``error_model=
"numpy"``, no bounds checks. The per-attempt functions of the families (``delta_energy``,
``attempt``, ``flip``) are compiled with :data:`INLINE` options (``inline="always"``: Numba
inlines them into the sweep loop); the per-sweep ones (``energy``, ``prepare``) are plain calls,
which keeps the compile time of a family's loop down (~1.5 s less each).

Where the cache lives: Numba's own rules. ``NUMBA_CACHE_DIR`` if set, else the package's
``__pycache__`` if writable, else a user cache directory. On a cluster, point
``NUMBA_CACHE_DIR`` at node-local scratch (e.g. ``export NUMBA_CACHE_DIR=$TMPDIR/numba``), so that
ranks do not load machine code over a shared file system; the sweep runner compiles (or loads)
the kernels once per node before the tasks start (``Engine.warm_up``). A cold cache costs a few
seconds per family and dtype (see ``benchmarks/bench_mc.py``); a warm one about a second per
process (importing Numba and loading the code).

Cache keys: Numba keys a cached function on its own source file only, while the sweep loops
(:mod:`montecarlo._loop`) inline code from other modules. Each loop therefore carries
:data:`STAMP`, a digest of every kernel source file, in its closure, which Numba's cache key
includes: editing any kernel module recompiles the loops instead of loading stale code.

Threads (:func:`num_threads`): ``numba.get_num_threads()`` (``NUMBA_NUM_THREADS``,
``numba.set_num_threads``). The results never depend on it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from hebbian._env import env_flag

__all__ = ["CACHE", "FASTMATH", "PARALLEL", "OPTIONS", "INLINE", "STAMP", "num_threads"]


CACHE = env_flag("HEBBIAN_NUMBA_CACHE", True)
FASTMATH = env_flag("HEBBIAN_FASTMATH", False)
PARALLEL = env_flag("HEBBIAN_PARALLEL", True)

# numba.njit options of every kernel, and of the small functions inlined into the sweep loops
OPTIONS = dict(cache=CACHE, nogil=True, fastmath=FASTMATH, error_model="numpy", boundscheck=False)
INLINE = dict(OPTIONS, inline="always")

KERNEL_SOURCES = ("_jit.py", "_common.py", "_pairwise.py", "_table.py", "_general.py", "_measure.py",
                  "_loop.py")


def _stamp():
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in KERNEL_SOURCES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


# digest of the kernel sources: part of the sweep loops' cache keys (see the module notes)
STAMP = _stamp()


def num_threads():
    """Threads for chains: ``numba.get_num_threads()`` (``numba.set_num_threads`` applies)."""
    import numba
    return max(1, numba.get_num_threads())
