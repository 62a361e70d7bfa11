"""The validation helpers: messages name the parameter, its value and the allowed range."""

import math

import numpy as np
import pytest

from hebbian import _checks


def test_integer_accepts_integral_values():
    assert _checks.integer("K", 3, min=1) == 3
    assert _checks.integer("K", np.int64(3), min=1) == 3
    assert _checks.integer("K", 3.0, min=1) == 3


@pytest.mark.parametrize("value", [0, -2, True, 1.5, float("nan"), "3", None])
def test_integer_refuses(value):
    with pytest.raises(ValueError, match="K must be an integer >= 1, got"):
        _checks.integer("K", value, min=1)


def test_real_intervals():
    assert _checks.real("beta", math.inf, lo=0.0, allow_inf=True) == math.inf
    with pytest.raises(ValueError, match=r"beta must be in \[0, inf\), got inf"):
        _checks.real("beta", math.inf, lo=0.0)
    with pytest.raises(ValueError, match=r"beta must be in \[0, inf\], got -1.0"):
        _checks.real("beta", -1.0, lo=0.0, allow_inf=True)
    with pytest.raises(ValueError, match=r"beta must be in \[0, inf\], got nan"):
        _checks.real("beta", float("nan"), lo=0.0, allow_inf=True)
    with pytest.raises(ValueError, match=r"r must be in \(0, 1\], got 0.0"):
        _checks.real("r", 0.0, lo=0, hi=1, lo_open=True)
    with pytest.raises(ValueError, match=r"x must be a real number"):
        _checks.real("x", "1.0")
    with pytest.raises(ValueError, match=r"x must be a real number"):
        _checks.real("x", True)


def test_int_array():
    a = _checks.int_array("s", [1.0, -1.0], allowed={-1, 1})
    assert a.dtype == np.int64
    with pytest.raises(ValueError, match=r"s must have shape \(\*, 3\), got \(2, 2\)"):
        _checks.int_array("s", np.ones((2, 2)), shape=(None, 3))
    with pytest.raises(ValueError, match="s must have integer entries"):
        _checks.int_array("s", [1.0, np.nan])


def test_generator():
    g = np.random.default_rng(1)
    assert _checks.generator(g) is g
    with pytest.raises(ValueError, match="seed must be a numpy Generator"):
        _checks.generator(1.5, name="seed")
