"""Input validation shared by every package of the project.

Each helper raises ``ValueError`` whose message names the parameter, the value it
received and the allowed range, so that bad input is refused before any work starts.
The helpers return the value converted to a canonical Python type.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "integer",
    "real",
    "choice",
    "generator",
    "int_array",
]


def integer(name, value, *, min=None, max=None):
    """Return ``value`` as ``int`` after checking it is an integer in ``[min, max]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) \
                and math.isfinite(float(value)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer{_range_text(min, max)}, got {value!r}")
    value = int(value)
    if (min is not None and value < min) or (max is not None and value > max):
        raise ValueError(f"{name} must be an integer{_range_text(min, max)}, got {value}")
    return value


def real(name, value, *, lo=None, hi=None, lo_open=False, hi_open=False, allow_inf=False):
    """Return ``value`` as ``float`` after checking it lies in the stated interval.

    NaN is always refused; ``+inf`` only when ``allow_inf`` (e.g. ``beta = inf`` for T = 0).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in {_interval(lo, hi, lo_open, hi_open, allow_inf)}, "
                         f"got {value!r}")
    value = float(value)
    bad = math.isnan(value) or (math.isinf(value) and not (allow_inf and value > 0))
    if not bad and lo is not None:
        bad = value <= lo if lo_open else value < lo
    if not bad and hi is not None and not (allow_inf and math.isinf(value)):
        bad = value >= hi if hi_open else value > hi
    if bad:
        raise ValueError(f"{name} must be in {_interval(lo, hi, lo_open, hi_open, allow_inf)}, got {value!r}")
    return value


def choice(name, value, allowed):
    """Return ``value`` after checking it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    return value


def generator(rng, name="rng"):
    """Return a ``numpy.random.Generator`` from a Generator, a SeedSequence or an int seed.

    ``None`` is refused on purpose: every stochastic entry point takes explicit randomness.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"{name} must be a numpy Generator, a SeedSequence or a non-negative integer seed, "
                     f"got {rng!r}")


def int_array(name, arr, *, ndim=None, allowed=None, shape=None):
    """Return ``arr`` as an integer ndarray after checking dimension, shape and entries.

    Floating arrays are accepted only if every entry is an exact integer. ``allowed`` is a
    set of permitted entry values (e.g. ``{-1, 1}``); ``shape`` may use ``None`` wildcards.
    """
    a = np.asarray(arr)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)
                                 or a.dtype == np.bool_):
        raise ValueError(f"{name} must be an integer array, got dtype {a.dtype}")
    if ndim is not None and a.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    if shape is not None:
        if a.ndim != len(shape) or any(w is not None and w != n for w, n in zip(shape, a.shape)):
            want = "(" + ", ".join("*" if w is None else str(w) for w in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError(f"{name} must have integer entries, got non-integer or non-finite values")
        a = a.astype(np.int64)
    if allowed is not None:
        bad = ~np.isin(a, np.array(sorted(allowed)))
        if bad.any():
            raise ValueError(f"{name} entries must be in {{{', '.join(str(v) for v in sorted(allowed))}}}, "
                             f"got {a[bad].flat[0].item()!r}")
    return a


def _range_text(min, max):
    if min is not None and max is not None:
        return f" in [{min}, {max}]"
    if min is not None:
        return f" >= {min}"
    if max is not None:
        return f" <= {max}"
    return ""


def _interval(lo, hi, lo_open, hi_open, allow_inf):
    left = "-inf" if lo is None else repr(float(lo)) if not float(lo).is_integer() else str(int(lo))
    right = "inf" if hi is None else repr(float(hi)) if not float(hi).is_integer() else str(int(hi))
    lb = "(" if (lo_open or lo is None) else "["
    rb = ")" if (hi_open or hi is None) and not (hi is None and allow_inf) else "]"
    return f"{lb}{left}, {right}{rb}"
