"""Shared helpers of the sweep tests (not a test module): configs, subprocess runs, comparisons."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "sweep.py"
HASH = "hebbian.sweep._testing:HashEngine"


def hash_config(tmp_path, *, samples=2, work=0.0, extra="", name="h"):
    """A test-engine sweep with costs spanning two orders of magnitude."""
    text = f"""
engine = "{HASH}"
model = "toy"
seed = 11
samples = {samples}
observables = ["x", "v", "flag", "label", "y"]
[params]
a = 0.25
[grid]
T = [0.0, 0.5, 1.0]
cost = [0.1, 1.0, 10.0, 0.3]
[hash]
work = {work}
[run]
log_interval = 0.5
{extra}
"""
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("OMP_NUM_THREADS", "1")
    return e


def run_cli(args, *, mpi_ranks=None, timeout=120, check=True):
    cmd = [sys.executable, str(SCRIPT), *map(str, args)]
    if mpi_ranks:
        cmd = ["mpiexec", "-n", str(mpi_ranks), *cmd]
    else:
        cmd += ["--mpi", "off"]
    proc = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def start_cli(args, *, mpi_ranks=None):
    """Start the CLI in its own session (so the whole job can be killed as one group)."""
    cmd = [sys.executable, str(SCRIPT), *map(str, args)]
    if mpi_ranks:
        cmd = ["mpiexec", "-n", str(mpi_ranks), *cmd]
    else:
        cmd += ["--mpi", "off"]
    return subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, start_new_session=True)


def rank_pids(marker):
    """{rank: pid} of the running python ranks whose command line contains ``marker``."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            environ = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if not cmd or b"python" not in Path(cmd[0].decode(errors="replace")).name.encode() or \
                not any(marker.encode() in c for c in cmd):
            continue
        rank = 0
        for item in environ:
            if item.startswith(b"PMI_RANK="):
                rank = int(item.split(b"=", 1)[1])
        out[rank] = int(d.name)
    return out


def wait_for_tasks(journal, n, timeout=60.0):
    """Wait until the journal holds at least ``n`` task records."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if journal.read_bytes().count(b'"kind":"task"') >= n:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"the journal did not reach {n} tasks in {timeout} s")


def kill_job(proc):
    """SIGKILL the whole job started by :func:`start_cli` and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def physics_vars(ds):
    """The variables that must be bit-identical between runs (not the per-task provenance)."""
    return [v for v in ds.data_vars if not v.startswith("task_") or v == "task_index"]


def assert_same_numbers(a, b):
    assert physics_vars(a) == physics_vars(b)
    for v in physics_vars(a):
        x, y = a[v].values, b[v].values
        assert x.dtype == y.dtype and x.shape == y.shape, v
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), f"{v} differs"
        else:
            assert np.array_equal(x, y), f"{v} differs"
    for c in list(a.indexes) + (["beta"] if "beta" in a.coords else []):
        assert np.array_equal(a[c].values, b[c].values), c
