"""The sweep under `mpiexec -n 2`: same bits as serially, and kill -9 of a rank then --resume."""

import os
import shutil
import signal
import time

import pytest
from sweep_helpers import (assert_same_numbers, hash_config, kill_job, rank_pids, run_cli, start_cli,
                           wait_for_tasks)

import hebbian
from hebbian.sweep._journal import Journal

try:
    import mpi4py  # noqa: F401
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False

pytestmark = [
    pytest.mark.mpi,
    pytest.mark.skipif(not HAVE_MPI4PY or shutil.which("mpiexec") is None,
                       reason="needs mpi4py and mpiexec (pip install -e '.[mpi]')"),
]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    hash_config(tmp)
    run_cli([tmp / "h.toml", "--out", tmp / "s.h5"])
    return hebbian.load_result(tmp / "s.h5")


def test_two_ranks_bit_identical_to_serial(serial, tmp_path, monkeypatch):
    log = tmp_path / "warmup.log"
    monkeypatch.setenv("HEBBIAN_SWEEP_WARMUP_LOG", str(log))
    hash_config(tmp_path, extra='root_computes = "yes"')
    proc = run_cli([tmp_path / "h.toml", "--out", tmp_path / "m.h5"], mpi_ranks=2)
    ds = hebbian.load_result(tmp_path / "m.h5")
    assert_same_numbers(serial, ds)
    assert set(ds.task_rank.values.ravel()) == {0, 1}          # both ranks computed
    assert ds.attrs["ranks"] == "[2]" and "24/24 tasks" in proc.stderr
    # the kernels were warmed once (one node: on rank 0 only), before any task started
    warm = [line.split() for line in log.read_text().splitlines()]
    assert len(warm) == 1
    records, _ = Journal.read(tmp_path / "m.sweep" / "journal.jsonl")
    assert min(r["start"] for r in records if r["kind"] == "task") >= float(warm[0][1])
    # rank 0 only scheduling gives the same numbers too; numba_cache = false: no staged warm-up
    log.unlink()
    hash_config(tmp_path, extra='root_computes = "no"\nnumba_cache = false', name="h2")
    run_cli([tmp_path / "h2.toml", "--out", tmp_path / "n.h5"], mpi_ranks=2)
    ds = hebbian.load_result(tmp_path / "n.h5")
    assert_same_numbers(serial, ds)
    assert set(ds.task_rank.values.ravel()) == {1}
    assert not log.exists()


@pytest.mark.parametrize("victim", [0, 1])
def test_kill_9_of_a_rank_then_resume(serial, tmp_path, victim):
    """kill -9 of rank 0 (the scheduler and writer) or of the worker, mid-run; then --resume
    under a different rank count gives the uninterrupted serial result bit for bit."""
    hash_config(tmp_path, work=0.04)
    out = tmp_path / "k.h5"
    marker = str(out)
    proc = start_cli([tmp_path / "h.toml", "--out", out], mpi_ranks=2)
    try:
        wait_for_tasks(tmp_path / "k.sweep" / "journal.jsonl", 5 + 3 * victim)
        pids = rank_pids(marker)
        assert set(pids) == {0, 1}, pids
        os.kill(pids[victim], signal.SIGKILL)
        t0 = time.monotonic()
        while proc.poll() is None and time.monotonic() - t0 < 20:
            time.sleep(0.05)
        assert proc.poll() is not None, "mpiexec did not end the job after a rank was killed"
    finally:
        kill_job(proc)
    records, bad = Journal.read(tmp_path / "k.sweep" / "journal.jsonl")
    done = {(r["p"], r["s"]) for r in records if r["kind"] == "task"}
    assert 0 < len(done) < 24 and bad <= 1
    # resume serially (a different rank count): only the unfinished tasks are computed
    proc = run_cli([tmp_path / "h.toml", "--out", out, "--resume"])
    assert f"{len(done)}/24 tasks already done" in proc.stderr
    assert_same_numbers(serial, hebbian.load_result(out))
