"""Housekeeping of the sweep command: the code-change warning on resume, Ctrl-C, --set outputs.

Each test here failed before the fix it guards (issue 15):
* ``--resume`` of a finished sweep (and every rerun of the gallery into a folder) warned
  "the code changed since the last session (commit unknown -> ...)";
* Ctrl-C ended in a KeyboardInterrupt traceback;
* ``--set`` without ``--out`` wrote into the unmodified config's output.
"""

import io
import json
import os
import shutil
import signal

import pytest
from sweep_helpers import assert_same_numbers, hash_config, run_cli, start_cli, wait_for_tasks

import hebbian
from hebbian.sweep import _runner, load_config, run_sweep
from hebbian.sweep._journal import Journal

try:
    import mpi4py  # noqa: F401
    HAVE_MPI = shutil.which("mpiexec") is not None
except ImportError:
    HAVE_MPI = False


def quiet(config, out, **kw):
    stream = io.StringIO()
    run_sweep(config, out, stream=stream, **kw)
    return stream.getvalue()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    quiet(load_config(hash_config(tmp)), tmp / "ref.h5")
    return hebbian.load_result(tmp / "ref.h5")


# --------------------------------------------------------------------------- Ctrl-C
def _interrupt_and_check(proc, journal, *, n_tasks=24):
    os.kill(proc.pid, signal.SIGINT)        # serial: the sweep itself; MPI: mpiexec, which forwards it
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith("interrupted: ")]
    assert lines, err
    saved = int(lines[-1].split()[1].split("/")[0])
    assert lines[-1] == f"interrupted: {saved}/{n_tasks} tasks saved, continue with --resume"
    # the journal is intact: no torn or corrupt line, and it holds exactly the tasks reported
    data = journal.read_bytes()
    assert data.endswith(b"\n")
    records, n_bad = Journal.read(journal)
    assert n_bad == 0
    done = {(r["p"], r["s"]) for r in records if r["kind"] == "task" and r["ok"]}
    assert len(done) == saved and 0 < saved < n_tasks
    return saved


def test_ctrl_c_serial_saves_reports_and_resumes(reference, tmp_path):
    hash_config(tmp_path, work=0.03)                  # same numbers, slower tasks (up to 0.3 s)
    out = tmp_path / "c.h5"
    proc = start_cli([tmp_path / "h.toml", "--out", out])
    wait_for_tasks(tmp_path / "c.sweep" / "journal.jsonl", 3)
    saved = _interrupt_and_check(proc, tmp_path / "c.sweep" / "journal.jsonl")
    proc = run_cli([tmp_path / "h.toml", "--out", out, "--resume"])
    assert f"{saved}/24 tasks already done" in proc.stderr
    assert "code changed" not in proc.stderr
    assert_same_numbers(reference, hebbian.load_result(out))


@pytest.mark.mpi
@pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec (pip install -e '.[mpi]')")
def test_ctrl_c_under_mpiexec_saves_reports_and_resumes(reference, tmp_path):
    """mpiexec forwards SIGINT to every rank: rank 0 saves, reports and ends the job (130)."""
    hash_config(tmp_path, work=0.03)
    out = tmp_path / "m.h5"
    proc = start_cli([tmp_path / "h.toml", "--out", out], mpi_ranks=2)
    wait_for_tasks(tmp_path / "m.sweep" / "journal.jsonl", 3)
    saved = _interrupt_and_check(proc, tmp_path / "m.sweep" / "journal.jsonl")
    proc = run_cli([tmp_path / "h.toml", "--out", out, "--resume"], mpi_ranks=2)
    assert f"{saved}/24 tasks already done" in proc.stderr
    assert_same_numbers(reference, hebbian.load_result(out))


def test_ctrl_c_in_process_raises_keyboard_interrupt_with_the_count(tmp_path):
    """A notebook user gets a KeyboardInterrupt (SweepInterrupted) and a resumable output."""
    config = load_config(hash_config(tmp_path))
    original = config.engine.run
    calls = []

    def run(*args):
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return original(*args)

    config.engine.run = run
    with pytest.raises(KeyboardInterrupt) as info:
        quiet(config, tmp_path / "i.h5")
    config.engine.run = original
    assert isinstance(info.value, _runner.SweepInterrupted)
    assert (info.value.saved, info.value.total) == (5, 24)
    assert str(info.value) == "interrupted: 5/24 tasks saved, continue with --resume"
    assert "19 computed now" in quiet(config, tmp_path / "i.h5", resume=True)


