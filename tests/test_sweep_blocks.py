"""Block tasks of the replica engine: one vectorised solve per group of grid points, the same
numbers as a solve per point (replica._sweep.ReplicaEngine.run_block)."""

import itertools
import math

import numpy as np
import pytest

import replica
from replica import _sweep

ALL = ("m", "m_all", "q", "free_energy", "energy", "entropy", "converged", "message", "branch", "stable",
       "rs_stable", "residual")


def _settings(**kw):
    s = {"level": "rs", "quantity": "solve", "branch": "thermodynamic", "options": {}}
    s.update(kw)
    return s


def _same(a, b, tol=1e-10):
    """Every observable of two records equal (floats to tol, NaN where NaN; str and bool exactly)."""
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, (str, bool)):
            assert x == y, (k, x, y)
            continue
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        assert x.shape == y.shape, k
        assert np.array_equal(np.isnan(x), np.isnan(y)), (k, x, y)
        ok = ~np.isnan(x)
        assert np.all(np.abs(x[ok] - y[ok]) <= tol * (1.0 + np.abs(y[ok]))), (k, x, y)


class _Counting:
    """Counts the calls of replica.solve made by the engine."""

    def __init__(self, monkeypatch):
        self.calls = []
        real = _sweep.solve

        def counted(model, level="rs", **kw):
            self.calls.append(kw)
            return real(model, level, **kw)
        monkeypatch.setattr(_sweep, "solve", counted)


def _points(model, **axes):
    names = list(axes)
    out = []
    for values in itertools.product(*axes.values()):
        p = dict(zip(names, values))
        if "T" in p:
            T = p.pop("T")
            p["beta"] = math.inf if T == 0 else 1.0 / T
        out.append(p)
    return out


def _check_block(model, points, settings, observables, monkeypatch, n_groups):
    eng = _sweep.ReplicaEngine()
    points = [eng.check_point(model, dict(p), settings, observables) for p in points]
    one = [eng.run(model, dict(p), settings, observables, None) for p in points]
    count = _Counting(monkeypatch)
    block = eng.run_block(model, points, settings, observables)
    assert len(count.calls) == n_groups                  # one vectorised solve per group
    assert len(block) == len(points)
    for a, b in zip(block, one):
        _same(a, b)
    return block, points


@pytest.mark.parametrize("branch", ["thermodynamic", "retrieval", "spin glass"])
def test_hopfield_block_equals_solves_per_point(branch, monkeypatch):
    pts = _points("hopfield", alpha=[0.0, 0.05, 0.1, 0.14], T=[0.0, 0.3, 0.9, 1.2])
    pts = pts[::-1][1::2] + pts[::-1][0::2]                # not in grid order
    block, pts = _check_block("hopfield", pts, _settings(branch=branch), ALL, monkeypatch, n_groups=1)
    # and against the public solve at each point (an independent route: no block code)
    for rec, p in zip(block, pts):
        sol = replica.solve("hopfield", alpha=p["alpha"], beta=p["beta"])
        if branch != "thermodynamic":
            b = sol.branches.get(branch)
            if b is None or not b.found:
                assert not rec["converged"] and math.isnan(rec["m"]) and "not found" in rec["message"]
                continue
            sol = b
        assert rec["m"] == pytest.approx(sol.m, abs=1e-10)
        assert rec["free_energy"] == pytest.approx(sol.free_energy, abs=1e-10)
        assert rec["converged"] == bool(sol.converged) and rec["stable"] == bool(sol.stable)
        if branch == "thermodynamic":
            assert rec["branch"] == sol.branch and rec["message"] == sol.message
    found = [r["converged"] for r in block]
    assert any(found) and (branch == "thermodynamic" or not all(found))   # both cases occur


def test_dense_block_groups_by_p(monkeypatch):
    pts = _points("dense", P=[3, 4], alpha=[0.0, 0.02, 0.05], T=[0.0, 0.1, 0.6])
    _check_block("dense", pts, _settings(), ALL, monkeypatch, n_groups=2)


def test_multitasking_block_groups_by_k(monkeypatch):
    obs = ("m", "m_all", "free_energy", "converged", "message", "branch", "stable")
    pts = _points("multitasking", K=[2, 3], d=[0.1, 0.4, 0.7], T=[0.0, 0.05, 0.3])
    block, pts = _check_block("multitasking", pts, _settings(), obs, monkeypatch, n_groups=2)
    assert {len(r["m_all"]) for r in block} == {2, 3}


def test_learning_block_groups_by_structure(monkeypatch):
    obs = ("m", "q", "free_energy", "entropy", "converged", "message", "branch", "stable", "rs_stable")
    pts = _points("supervised", P=[2, 4], alpha=[0.0, 0.01], rho=[0.05, 0.2], T=[0.0, 0.2])
    _check_block("supervised", pts, _settings(), obs, monkeypatch, n_groups=2)
    # exact finite M: one group per M
    pts = _points("unsupervised", P=[4], alpha=[0.005], r=[0.6], M=[10, 20], T=[0.1, 0.3])
    _check_block("unsupervised", pts, _settings(), obs, monkeypatch, n_groups=2)


def test_critical_capacity_block(monkeypatch):
    eng = _sweep.ReplicaEngine()
    s = _settings(quantity="critical_capacity")
    obs = ("alpha_c", "converged", "message")
    pts = [eng.check_point("dense", {"P": P}, s, obs) for P in (3, 4)]
    block = eng.run_block("dense", pts, s, obs)
    for rec, p in zip(block, pts):
        _same(rec, eng.run("dense", dict(p), s, obs, None))
        assert rec["alpha_c"] == pytest.approx(replica.critical_capacity("dense", P=p["P"]).alpha, abs=1e-12)


def test_default_block_of_an_engine_loops_over_run():
    from hebbian.sweep import Engine

    class Twice(Engine):
        def check_point(self, model, params, settings, observables):
            return params

        def run(self, model, params, settings, observables, seed):
            return {"y": 2 * params["x"] + (0 if seed is None else seed)}

    e = Twice()
    assert e.run_block("toy", [{"x": 1}, {"x": 3}], {}, ("y",)) == [{"y": 2}, {"y": 6}]
    assert e.run_block("toy", [{"x": 1}, {"x": 3}], {}, ("y",), seeds=[10, 20]) == [{"y": 12}, {"y": 26}]
