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


# --------------------------------------------------------------------------- code-change warning
def test_resume_of_a_finished_sweep_does_not_warn_of_a_code_change(tmp_path):
    config = load_config(hash_config(tmp_path))
    first = quiet(config, tmp_path / "a.h5", resume=True)          # what figures.py does on every run
    assert "resuming" not in first
    for _ in range(2):                                              # the journal ends with a session end
        again = quiet(config, tmp_path / "a.h5", resume=True)
        assert "24/24 tasks already done" in again
        assert "code changed" not in again, again


def test_a_real_code_change_is_still_reported(tmp_path, monkeypatch):
    """Compared with the last session that recorded a commit (not with the end-of-session record)."""
    config = load_config(hash_config(tmp_path))
    monkeypatch.setattr(_runner, "_COMMIT", ["aaaa111"])
    quiet(config, tmp_path / "a.h5", resume=True)
    monkeypatch.setattr(_runner, "_COMMIT", ["bbbb222"])
    out = quiet(config, tmp_path / "a.h5", resume=True)
    assert "the code changed since the last session (commit aaaa111 -> bbbb222)" in out
    # a session without a commit (a wheel install) in between: still compared with aaaa111's successor
    monkeypatch.setattr(_runner, "_COMMIT", [""])
    assert "code changed" not in quiet(config, tmp_path / "a.h5", resume=True)
    monkeypatch.setattr(_runner, "_COMMIT", ["bbbb222"])
    assert "code changed" not in quiet(config, tmp_path / "a.h5", resume=True)


def test_without_commits_the_version_is_compared(tmp_path, monkeypatch):
    config = load_config(hash_config(tmp_path))
    monkeypatch.setattr(_runner, "_COMMIT", [""])
    quiet(config, tmp_path / "a.h5", resume=True)
    assert "code changed" not in quiet(config, tmp_path / "a.h5", resume=True)
    journal = tmp_path / "a.sweep" / "journal.jsonl"
    records, _ = Journal.read(journal)
    journal.unlink()
    with Journal(journal) as j:                      # as if the earlier sessions ran hebbian 0.0.9
        for rec in records:
            j.append(dict(rec, version="0.0.9") if rec.get("event") == "start" else rec)
    out = quiet(config, tmp_path / "a.h5", resume=True)
    assert f"(hebbian 0.0.9 -> {hebbian.__version__})" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_only_of_a_checkout_that_tracks_the_package(tmp_path):
    """A wheel installed in a virtualenv inside some git repository must not report that
    repository's commit: the package's files are not tracked there."""
    import subprocess
    repo = tmp_path / "repo"
    (repo / "venv").mkdir(parents=True)
    (repo / "tracked.py").write_text("x = 1\n")
    (repo / "venv" / "_runner.py").write_text("x = 2\n")
    for cmd in (["init", "-q"], ["add", "tracked.py"],
                ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(repo), *cmd], check=True, capture_output=True)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert _runner._commit_of(repo / "venv" / "_runner.py") == ""
    assert _runner._commit_of(repo / "tracked.py") == head
    (repo / "tracked.py").write_text("x = 3\n")
    assert _runner._commit_of(repo / "tracked.py") == head + "-dirty"
    assert _runner._commit_of(tmp_path / "elsewhere.py") == ""


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


# --------------------------------------------------------------------------- --set and the output
def test_set_without_out_never_writes_into_the_unmodified_configs_output(tmp_path):
    path = hash_config(tmp_path, extra="", name="h")
    plain = load_config(path)
    changed = load_config(path, ["hash.work=0.001"])
    assert plain.output == "results/h.h5"
    assert changed.output == f"results/h-set-{changed.sha256[:8]}.h5"
    assert load_config(path, ["hash.work=0.001"]).output == changed.output        # the same command resumes
    assert load_config(path, ["hash.work=0.002"]).output != changed.output
    # run-time switches do not change a number: same sweep, same output
    assert load_config(path, ["run.progress=\"none\""]).output == plain.output
    # an explicit output is the user's choice
    assert load_config(path, ["hash.work=0.001", "output=\"x/y.h5\""]).output == "x/y.h5"
    # a directory output gets the suffix too
    text = path.read_text().replace('model = "toy"', 'model = "toy"\noutput = "out/h"')
    d = load_config(text=text, overrides=["seed=12"], source="d.toml")
    assert d.output == f"out/h-set-{d.sha256[:8]}"


def test_set_without_out_on_the_command_line(tmp_path):
    """Run where a user would (relative outputs): the changed sweep lands next to, not in, the
    config's own output, and a plain run of the config afterwards does not collide with it."""
    import subprocess
    import sys
    from sweep_helpers import SCRIPT, env
    path = hash_config(tmp_path)

    def cli(*args):
        proc = subprocess.run([sys.executable, str(SCRIPT), str(path), "--mpi", "off", *args], env=env(),
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc

    changed = load_config(path, ["seed=12"])
    proc = cli("--set", "seed=12")
    assert proc.stdout.strip() == f"results/h-set-{changed.sha256[:8]}.h5"
    assert not (tmp_path / "results" / "h.h5").exists() and not (tmp_path / "results" / "h.sweep").exists()
    ds = hebbian.load_result(tmp_path / proc.stdout.strip())
    assert ds.attrs["seed"] == 12 and json.loads(ds.attrs["config_overrides"]) == ["seed=12"]
    assert cli().stdout.strip() == "results/h.h5"                     # the plain config: its own output
    assert hebbian.load_result(tmp_path / "results" / "h.h5").attrs["seed"] == 11


# --------------------------------------------------------------------------- environment switches
def test_environment_switches_read_the_same_way_by_both_engines(monkeypatch):
    """HEBBIAN_NUMBA_CACHE etc.: 1/0, true/false, yes/no, on/off; unset or empty: the default;
    anything else refused naming the variable and its value."""
    from hebbian._env import env_flag
    for raw, want in [("1", True), (" Yes ", True), ("on", True), ("0", False), ("FALSE", False), ("off", False)]:
        monkeypatch.setenv("HEBBIAN_X", raw)
        assert env_flag("HEBBIAN_X", not want) is want
    monkeypatch.setenv("HEBBIAN_X", "")
    assert env_flag("HEBBIAN_X", True) is True and env_flag("HEBBIAN_X", False) is False
    monkeypatch.delenv("HEBBIAN_X")
    assert env_flag("HEBBIAN_X", True) is True
    monkeypatch.setenv("HEBBIAN_X", "2")
    with pytest.raises(ValueError, match=r"HEBBIAN_X must be 0 or 1 \(or true/false\), got '2'"):
        env_flag("HEBBIAN_X", True)
