"""``T`` is accepted wherever ``beta`` is, as in sweep configs: T >= 0, T = 0 is beta = inf."""

import math

import numpy as np
import pytest

import replica


def test_solve_takes_t_like_configs():
    a = replica.solve("hopfield", alpha=0.05, T=0.5)
    b = replica.solve("hopfield", alpha=0.05, beta=2.0)
    assert a.m == b.m and a.free_energy == b.free_energy and a.branch == b.branch
    assert a.params["beta"] == 2.0
    zero = replica.solve("dense", P=3, alpha=0.01, T=0.0)
    assert zero.params["beta"] == math.inf
    assert zero.m == replica.solve("dense", P=3, alpha=0.01, beta=math.inf).m
    T = np.array([0.0, 0.2, 0.8])
    grid = replica.solve("hopfield", alpha=0.05, T=T)
    assert np.array_equal(grid.params["beta"], [math.inf, 5.0, 1.25])
    assert grid.m[0] == replica.solve("hopfield", alpha=0.05, beta=math.inf).m


def test_t_in_the_other_entry_points():
    assert replica.critical_capacity("dense", P=4, T=0.0).alpha == replica.critical_capacity("dense", P=4).alpha
    path = replica.follow("hopfield", alpha=0.05, T=np.array([0.1, 0.2]))
    assert np.all(path.found)
    with pytest.raises(ValueError, match="solves for the temperature: do not pass T"):
        replica.glass_temperature("hopfield", alpha=0.05, T=1.0)


@pytest.mark.parametrize("kw, match", [
    (dict(T=0.5, beta=2.0), r"give T or beta, not both.*T=0.5 and beta=2.0"),
    (dict(T=-0.1), r"T must be in \[0, inf\).*-0.1"),
    (dict(T=math.inf), r"T must be in \[0, inf\)"),
    (dict(T=np.array([0.3, math.nan])), r"T must be in \[0, inf\).*nan"),
    (dict(T="hot"), r"T must be a number"),
    (dict(), r"needs parameter 'beta'.* or 'T'"),
])
def test_bad_temperatures_are_refused_naming_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        replica.solve("hopfield", alpha=0.05, **kw)
