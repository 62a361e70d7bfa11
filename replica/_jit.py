"""JIT flags of the replica kernels (:mod:`replica._quad_kernels`), in one place.

=========================  =======  ==========================================================
variable                   default  effect
=========================  =======  ==========================================================
``HEBBIAN_NUMBA_CACHE``    ``1``    ``0`` turns Numba's on-disk cache of the compiled kernels
                                    off (a read-only install): every process then compiles them
                                    (a few seconds at the first Gaussian average). Where the
                                    cache goes is Numba's choice (``NUMBA_CACHE_DIR`` if set,
                                    else ``replica/__pycache__`` if writable, else a user cache).
=========================  =======  ==========================================================

The kernels are compiled with ``cache``, ``nogil=True`` and ``error_model="numpy"`` (a
division by zero gives inf or NaN, as in NumPy, which the solver checks); never
``fastmath``: the averages must be reproducible to the last bit and independent of how many
points are averaged at once. Numba is imported only when the first average is computed, so
``import replica`` stays light.
"""

from __future__ import annotations

from hebbian._env import env_flag

__all__ = ["CACHE", "options"]

CACHE = env_flag("HEBBIAN_NUMBA_CACHE", True)


def options(**extra):
    """Keyword arguments of ``numba.njit`` for every replica kernel."""
    opts = dict(cache=CACHE, nogil=True, error_model="numpy")
    opts.update(extra)
    return opts
