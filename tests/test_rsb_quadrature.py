"""The injected quadrature acts at 1RSB: every Gaussian average of the one-step RSB models
(the nested ones included) comes from the rule passed to ``solve``; a rule without the
one-step averages is refused with a clear error."""

import math

import numpy as np
import pytest

import replica
from replica.quadrature import Breakpoint, GaussHermite, NestedGrid


def _retrieval(quadrature, **params):
    return replica.solve("hopfield", level="1rsb", quadrature=quadrature, **params).branches["retrieval"]


def test_plain_gauss_hermite_agrees_at_high_temperature_and_fails_at_low():
    # T = 0.4, alpha = 0.05: retrieval is AT-stable (the RS ansatz of the 1RSB equations, its
    # averages from quadrature.nested) and the integrands are smooth: plain Gauss-Hermite is exact
    kw = dict(alpha=0.05, beta=1.0 / 0.4)
    bp, gh = _retrieval(None, **kw), _retrieval(GaussHermite(96), **kw)
    assert bp.found and gh.found
    assert gh.m == pytest.approx(bp.m, abs=1e-9) and gh.free_energy == pytest.approx(bp.free_energy, abs=1e-9)
    # T = 0.008: the nested averages have steps of width T; plain Gauss-Hermite misses them
    kw = dict(alpha=0.136, beta=125.0)
    bp, gh = _retrieval(None, **kw), _retrieval(GaussHermite(64), **kw)
    assert bp.found and bp.delta > 0
    assert not gh.found or abs(gh.free_energy - bp.free_energy) > 1e-6 or abs(gh.q0 - bp.q0) > 1e-6


def test_the_nested_grid_of_the_rule_is_used():
    kw = dict(alpha=0.136, beta=125.0)
    fine = _retrieval(Breakpoint(nested_grid=NestedGrid(inner_panels=20, inner_order=10, outer_step=0.5,
                                                        outer_order=10, inner_graded=10)), **kw)
    rough = _retrieval(Breakpoint(nested_grid=NestedGrid(inner_panels=2, inner_order=3, outer_step=2.0,
                                                         outer_order=3, inner_graded=2)), **kw)
    default = _retrieval(None, **kw)
    assert fine.found and default.found and rough.found
    assert default.free_energy == pytest.approx(fine.free_energy, abs=1e-10)      # converged rule
    assert abs(rough.free_energy - fine.free_energy) > 1e-8                        # the rough one acts


def test_a_rule_without_one_step_averages_is_refused():
    class RSOnly:
        def average(self, kinds, beta, a, b):
            return replica.quadrature.DEFAULT.average(kinds, beta, a, b)

        def expect(self, f, a=0.0, b=1.0):
            return replica.quadrature.DEFAULT.expect(f, a, b)

    rule = RSOnly()
    assert replica.solve("hopfield", alpha=0.05, beta=2.0, quadrature=rule).converged        # RS: fine
    with pytest.raises(ValueError, match=r"quadrature must provide average\(\), expect\(\), nested\(\) at "
                                         r"level '1rsb'.*has no nested"):
        replica.solve("hopfield", level="1rsb", alpha=0.05, beta=2.0, quadrature=rule)
    with pytest.raises(ValueError, match="has no nested"):
        replica.critical_capacity("hopfield", level="1rsb", quadrature=rule)


def test_plain_gauss_hermite_refuses_zero_temperature_steps():
    with pytest.raises(ValueError, match="beta = inf with noise"):
        GaussHermite(32).nested(0.5, 0.3, 0.2, math.inf, 2.0)
    got = GaussHermite(64).nested(np.array([0.3]), 0.25, 0.2, 1.3, 0.7)
    want = Breakpoint().nested(np.array([0.3]), 0.25, 0.2, 1.3, 0.7)
    for k in got:
        assert got[k][0] == pytest.approx(want[k][0], abs=1e-12), k
