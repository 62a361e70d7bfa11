"""montecarlo._native: the cached machine code of the kernel, its fallback, its cache on disk."""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from hebbian import Network, patterns
from montecarlo import _jit, _native, simulate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def net():
    return Network(patterns.binary(3, 40, np.random.default_rng(0)), 2)


def _numbers(run):
    return run.m, run.energy, run.state.spins, run.state.rng


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(_numbers(a), _numbers(b)))


def test_failing_loader_falls_back_to_numba_with_one_warning(net, monkeypatch):
    """A kernel object that cannot be loaded (here the loader raises, as it would on another
    CPU or after an llvmlite API change) is rebuilt once; when that fails to load too, the
    kernel runs through Numba's dispatcher: one RuntimeWarning, the same numbers."""
    ref = simulate(net, 1.3, 20, seed=3, chains=2)
    if not _jit.NATIVE:
        pytest.skip("HEBBIAN_NATIVE=0: the native path is off")
    calls = {"load": 0, "build": 0}

    def load(obj, symbol):
        calls["load"] += 1
        raise RuntimeError("simulated loader failure")

    def build(name, spec):
        calls["build"] += 1
        return "kernel_symbol", b"not an object file"

    monkeypatch.setattr(_native, "_LOADED", {})
    monkeypatch.setattr(_native, "_load", load)
    monkeypatch.setattr(_native, "_build", build)
    monkeypatch.setattr(_native, "_write", lambda *a: None)        # keep the good cache file
    with pytest.warns(RuntimeWarning, match="simulated loader failure"):
        fell_back = simulate(net, 1.3, 20, seed=3, chains=2)
    assert calls["build"] == 1 and calls["load"] == (2 if _jit.CACHE else 1)
    assert _native._LOADED["block"] is _native._dispatcher("block")
    assert _same(ref, fell_back)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # warned once, not at every call
        again = simulate(net, 1.3, 20, seed=3, chains=2)
    assert _same(ref, again) and calls["load"] == (2 if _jit.CACHE else 1)


def test_damaged_or_stale_cache_files_are_rebuilt(net, monkeypatch, tmp_path):
    """A truncated file, a file of another key and garbage are never handed to LLVM: the kernel
    is rebuilt and the file rewritten (the build is replaced by the known-good object here)."""
    simulate(net, 1.0, 3, seed=1)
    d = _native.cache_dir()
    if not (_jit.NATIVE and d is not None):
        pytest.skip("the native kernel cache is off")
    spec = _native.SIGNATURES["block"]
    key = _native._key("block", spec)
    good = d / f"block-{key[:20]}.o"
    symbol, obj = _native._read(good, key)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    path = _native.cache_dir() / good.name
    builds = []
    monkeypatch.setattr(_native, "_build", lambda name, sp: builds.append(name) or (symbol, obj))
    data = good.read_bytes()
    other = data.replace(key.encode(), ("0" * len(key)).encode())
    for bad in (data[: len(data) // 2], data[:-1] + bytes([data[-1] ^ 1]), other, b"garbage"):
        path.write_bytes(bad)
        k = _native._native_kernel("block")
        assert isinstance(k, _native.Kernel)
        assert _native._read(path, key) == (symbol, obj)          # rewritten whole
    assert len(builds) == 4
    assert [p.name for p in path.parent.iterdir()] == [path.name]   # no temporary files left


@pytest.mark.parametrize("fail", ["mkstemp", "replace"])
def test_unwritable_cache_still_runs_and_leaves_nothing(monkeypatch, tmp_path, fail):
    """A cache that cannot be written (read-only, full) is not an error: the kernel this
    process built is used and no temporary file is left behind."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_native, "_build", lambda name, sp: ("kernel_symbol", b"object"))
    monkeypatch.setattr(_native, "_load", lambda obj, symbol: 1234)

    def refuse(*a, **k):
        raise PermissionError(13, "read-only file system")

    monkeypatch.setattr(_native.tempfile if fail == "mkstemp" else _native.os, fail, refuse)
    assert isinstance(_native._native_kernel("block"), _native.Kernel)
    assert list((tmp_path / "hebbian_montecarlo").iterdir()) == []


_CHILD = """
import hashlib, json, sys, numpy as np
from hebbian import Network, patterns
from montecarlo import simulate
run = simulate(Network(patterns.binary(3, 40, np.random.default_rng(0)), 2), 1.3, 20, seed=3, chains=2)
h = hashlib.sha256()
for x in (run.m, run.energy, run.state.spins, run.state.rng):
    h.update(np.ascontiguousarray(x).tobytes())
print(json.dumps({"digest": h.hexdigest(), "numba": "numba" in sys.modules}))
"""


def _digest(run):
    import hashlib
    h = hashlib.sha256()
    for x in _numbers(run):
        h.update(np.ascontiguousarray(x).tobytes())
    return h.hexdigest()


def test_two_processes_on_a_cold_cache(net, tmp_path):
    """Two processes started at once on an empty cache (MPI ranks) both compile, both get the
    same numbers as this process, and leave one whole kernel file that a third process loads
    without Numba."""
    if not (_jit.NATIVE and _jit.CACHE):
        pytest.skip("the native kernel cache is off")
    ref = _digest(simulate(net, 1.3, 20, seed=3, chains=2))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT) + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD], env=env, cwd=str(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "RuntimeWarning" not in err, err
        assert json.loads(out)["digest"] == ref
    files = sorted(p.name for p in (tmp_path / "hebbian_montecarlo").iterdir())
    assert len(files) == 1 and files[0].startswith("block-") and files[0].endswith(".o"), files
    warm = subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd=str(tmp_path), capture_output=True,
                          text=True, check=True)
    assert json.loads(warm.stdout) == {"digest": ref, "numba": False}


def test_build_generates_machine_code_for_the_kernel_only(monkeypatch):
    """The build optimises and emits machine code once, for the kernel (its helpers are only
    linked: the compile-time saving of _native._one_final_module), compiles from a private copy
    of the kernels module (the module's own dispatchers stay untouched), restores Numba's
    methods afterwards, and yields a loadable object (whose numbers the fallback test compares
    with Numba's dispatcher)."""
    from numba.core import codegen

    from montecarlo import _kernels

    before = {(cls, a): getattr(cls, a) for cls, a in (
        (codegen.CPUCodeLibrary, "finalize"), (codegen.JITCodeLibrary, "get_pointer_to_function"),
        (codegen.JITCPUCodegen, "set_env"))}
    emitted = []
    real = codegen.JITCodeLibrary._finalize_specific

    def count(self):
        emitted.append(self.name)
        return real(self)

    monkeypatch.setattr(codegen.JITCodeLibrary, "_finalize_specific", count)
    n_overloads = len(_kernels.block.overloads)
    symbol, obj = _native._build("block", _native.SIGNATURES["block"])
    helpers = {f for f, obj in vars(_kernels).items() if hasattr(obj, "py_func")} - {"block"}
    assert len(helpers) >= 10
    assert emitted.count("block") == 1 and not helpers & set(emitted), emitted
    assert all(getattr(cls, a) is f for (cls, a), f in before.items())
    assert len(_kernels.block.overloads) == n_overloads
    assert _native._load(obj, symbol) != 0
