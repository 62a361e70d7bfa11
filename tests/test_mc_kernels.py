"""The Monte Carlo kernels themselves: each family's delta_energy called directly, the pairwise
acceptance table against the exact rule, plain public Numba, small functions, the JIT cache."""

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hebbian import Network, patterns
from montecarlo import _common, _engine, _jit, _loop, _pairwise
from montecarlo._measure import Temperatures

PACKAGE = Path(_engine.__file__).resolve().parent


def _network(kind, P, rng, N=20):
    xi = patterns.binary(3, N, rng)
    if kind == "binary":
        return Network(xi, P)
    if kind == "diluted":
        return Network(patterns.diluted(3, N, 0.3, rng), P)
    return Network.from_examples(patterns.examples(xi, 4, 0.5, rng), P, kind, r=0.5, archetypes=xi)


@pytest.mark.parametrize("kind, P, family", [
    ("binary", 2, "pair"), ("diluted", 2, "pair"), ("supervised", 2, "pair"), ("binary", 3, "table"),
    ("binary", 4, "table"), ("diluted", 3, "general"), ("unsupervised", 4, "table"), ("supervised", 3, "general"),
    ("supervised", 5, "general"),
])
def test_family_delta_energy_called_directly(kind, P, family):
    """The family module's own delta_energy (the function its sweep loop inlines), called from
    Python on a prepared member, equals hebbian's exact Network.delta_energy at every site."""
    rng = np.random.default_rng(10 * P + len(kind))
    net = _network(kind, P, rng)
    model = _engine.prepare([net])
    assert model.family == family
    fam = _engine.FAMILIES[family]
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, net.N))
    st = _engine.family_state(model, spins.copy(), 1)
    if family == "general":
        st = st._replace(work=st.work[0])
    for b in range(3):
        fam.prepare(model.fam_nets[0], st, b)
        assert np.array_equal(st.S[b], spins[b].astype(np.int64) @ net.stored_site_major.astype(np.int64))
        for i in range(net.N):
            dE = fam.delta_energy(model.fam_nets[0], st, b, i)
            exact = net.delta_energy(spins[b], i)
            assert dE == pytest.approx(exact, rel=1e-12, abs=1e-13), (b, i)
        # and the energy of the family is hebbian's
        assert fam.energy(model.fam_nets[0], st, b) == pytest.approx(net.energy(spins[b]), rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("rule", [0, 1])
@pytest.mark.parametrize("beta", [0.0, 0.37, 5.0, 60.0])
def test_pairwise_acceptance_table_decides_as_the_exact_rule(rule, beta):
    """For every D of the table (and beyond it) and uniforms at the thresholds, at the edges of
    the window and at random, the table decision equals the exact rule ``beta dE < ln((1-u)/u)``
    (Glauber) / ``beta dE < -ln u`` (Metropolis): the table changes no trajectory."""
    two_scale = 2.0 / 97
    thr, L = _pairwise.tables(rule, [0.11, beta], two_scale, 500)
    temps = Temperatures(np.array([0.11, beta]), thr, L)
    assert thr.shape == (2, 2 * L + 1) and 0 < L <= 500
    rng = np.random.default_rng(1)
    top = 2 ** 53
    W = _pairwise.WINDOW
    checked = 0
    for D in range(-L - 3, L + 4):
        dE = two_scale * np.float64(D)
        th = int(thr[1, min(max(D + L, 0), 2 * L)])
        ks = {0, 1, top - 1, th - W - 1, th - W, th + W - 1, th + W, th - 1, th, th + 1}
        ks |= set(rng.integers(0, top, size=4).tolist())
        for k in sorted(x for x in ks if 0 <= x < top):
            got = _pairwise.decide(temps, 1, D, dE, k, rule, beta)
            want = _common.accept(rule, beta, dE, k)
            assert got == want, (D, k, th)
            checked += 1
    assert checked > 5000
    # the threshold is the probability in units of 2^-53
    x = beta * two_scale * 3
    p = 1 / (1 + np.exp(x)) if rule == 0 else min(1.0, np.exp(-x))
    assert thr[1, L + 3] == pytest.approx(p * top, rel=1e-12, abs=1)


def test_zero_temperature_needs_no_table():
    thr, L = _pairwise.tables(_common.ZERO_T, [np.inf], 0.1, 100)
    assert L == 0 and thr.shape == (1, 1)
    temps = Temperatures(np.array([np.inf]), thr, L)
    for D in (-3, 0, 3):
        assert _pairwise.decide(temps, 0, D, 0.1 * D, 5, _common.ZERO_T, np.inf) == (D < 0)


# ------------------------------------------------------------------ plain Numba, small functions
def _sources():
    return sorted(PACKAGE.glob("*.py"))


def test_only_public_numba_api():
    """No private Numba or llvmlite API, no monkeypatching, no ctypes loader: plain njit."""
    banned = ("llvmlite", "numba.core", "numba.extending", "numba.np", "_nrt", "intrinsic", "ctypes",
              "no_cpython_wrapper", "no_cfunc_wrapper", "forceinline")
    for path in _sources():
        text = path.read_text()
        for word in banned:
            assert word not in text, f"{path.name} uses {word}"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("numba"):
                assert node.module == "numba" and {a.name for a in node.names} <= {"njit"}, path.name
    assert not (PACKAGE / "_native.py").exists() and not (PACKAGE / "_kernels.py").exists()


# the public entry points keep their flat keyword-only options (the documented user interface:
# simulate 13 with ``overlaps``, parallel_tempering 14); every other function takes <= 12
PUBLIC_OPTIONS = {("_simulate.py", "simulate"): 13, ("_simulate.py", "parallel_tempering"): 14}


def test_no_function_takes_more_than_12_parameters():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                a = node.args
                count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
                name = getattr(node, "name", "lambda")
                limit = PUBLIC_OPTIONS.get((path.name, name), 12)
                if limit > 12:
                    assert len(a.args) <= 3 and count == limit, (path.name, name)   # options keyword-only
                assert count <= limit, f"{path.name}:{name} takes {count} parameters"


def test_kernels_are_plain_cached_nogil_njit():
    assert _jit.OPTIONS["nogil"] and _jit.OPTIONS["cache"] == _jit.CACHE
    for fam in _engine.FAMILIES.values():
        for name in ("delta_energy", "attempt", "flip"):               # per attempt: inlined
            f = getattr(fam, name)
            assert f.targetoptions.get("nogil") and f.targetoptions.get("inline") == "always", (fam, name)
        for name in ("energy", "prepare"):                             # per sweep: called (less to compile)
            assert getattr(fam, name).targetoptions.get("nogil"), (fam, name)
    for run in _loop.RUN.values():
        assert run.targetoptions.get("nogil")              # caching: test_a_warm_cache_is_loaded_not_compiled
        # the digest of the kernel sources is in the loop's closure, hence in Numba's cache key
        assert _jit.STAMP in [c.cell_contents for c in run.py_func.__closure__]
    src = inspect.getsource(_loop.build)
    assert "fam.attempt" in src and "fam.flip" in src


def test_the_source_digest_follows_every_kernel_file(monkeypatch, tmp_path):
    """Editing any kernel module changes STAMP (so the loops recompile instead of loading stale
    code from Numba's cache, which keys a function on its own file only)."""
    for name in _jit.KERNEL_SOURCES:
        assert (PACKAGE / name).exists()
    assert set(_jit.KERNEL_SOURCES) >= {p.name for p in _sources()} - {
        "__init__.py", "_engine.py", "_run.py", "_simulate.py", "_stats.py", "_sweep.py"}


def test_a_warm_cache_is_loaded_not_compiled(tmp_path):
    """A new process with a warm cache (NUMBA_CACHE_DIR, as on a cluster's node-local scratch)
    loads the sweep loop from disk: cache hits, no miss."""
    code = ("import numpy as np; from hebbian import Network, patterns; from montecarlo import simulate, _loop; "
            "simulate(Network(patterns.binary(3, 30, np.random.default_rng(0)), 2), 1.0, 3, seed=1); "
            "st = _loop.RUN['pair'].stats; print(sum(st.cache_hits.values()), sum(st.cache_misses.values()))")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), HEBBIAN_NUMBA_CACHE="1")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert runs[0].stdout.split() == ["0", "1"]              # cold: compiled and written
    assert runs[1].stdout.split() == ["1", "0"]              # warm: loaded
    assert any(tmp_path.rglob("*.nbi"))
