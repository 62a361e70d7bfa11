"""The serial runner: result layout and provenance, seeds, ordering, failures, resume, refusals."""

import fcntl
import io
import json
import math
import os
import random
import time

import numpy as np
import pytest
from sweep_helpers import (assert_same_numbers, hash_config, kill_job, run_cli, start_cli,
                           wait_for_tasks)

import hebbian
from hebbian.sweep import ConfigError, load_config, run_sweep
from hebbian.sweep._journal import Journal
from hebbian.sweep._progress import Progress


def quiet_run(config, out, **kw):
    return run_sweep(config, out, stream=io.StringIO(), **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted serial run of the test-engine sweep."""
    tmp = tmp_path_factory.mktemp("ref")
    config = load_config(hash_config(tmp))
    report = quiet_run(config, tmp / "ref.h5")
    return config, report, hebbian.load_result(tmp / "ref.h5")


def test_result_layout_and_values(reference):
    config, report, ds = reference
    assert report.n_tasks == 24 and report.n_computed == 24 and report.n_failed == 0
    assert ds.x.dims == ("T", "cost") and ds.x_samples.dims == ("T", "cost", "sample")
    assert ds.v.dims == ("T", "cost", "component") and ds.v.shape == (3, 4, 3)
    assert list(ds["T"].values) == [0.0, 0.5, 1.0] and list(ds["cost"].values) == [0.1, 1.0, 10.0, 0.3]
    assert list(ds["beta"].values) == [math.inf, 2.0, 1.0] and float(ds["a"]) == 0.25
    assert ds.flag.dtype == bool and ds.flag.dims == ("T", "cost", "sample")
    # every number is the engine's at SeedSequence(seed, spawn_key=(task index, sample))
    for point in range(config.n_points):
        i, j = np.unravel_index(point, config.shape)
        assert int(ds.task_index[i, j]) == point
        for s in range(2):
            params, settings = config.points[point]
            direct = config.engine.run(config.model, dict(params), dict(settings), config.observables,
                                       np.random.SeedSequence(11, spawn_key=(point, s)))
            assert ds.x_samples.values[i, j, s] == direct["x"][0]
            assert ds.x_samples_err.values[i, j, s] == direct["x"][1]
            assert np.array_equal(ds.v_samples.values[i, j, s], direct["v"][0])
            assert bool(ds.flag.values[i, j, s]) == direct["flag"]
            assert ds.label.values[i, j, s] == direct["label"]
    # disorder average and its error bar over the 2 samples
    xs = ds.x_samples.values
    assert np.array_equal(ds.x.values, xs.mean(axis=-1))
    assert np.allclose(ds.x_err.values, xs.std(axis=-1, ddof=1) / math.sqrt(2), rtol=0, atol=0)


def test_provenance(reference):
    config, _, ds = reference
    a = ds.attrs
    assert a["config_text"] == config.text and a["config_sha256"] == config.sha256
    assert a["hebbian_version"] == hebbian.__version__ and "git_commit" in a
    assert a["seed"] == 11 and "spawn_key=(task_index, sample)" in a["seed_scheme"]
    assert json.loads(a["ranks"]) == [1] and json.loads(a["hosts"])
    assert json.loads(a["config_normalized"]) == json.loads(json.dumps(config.normalized))
    assert (ds.task_wall_time.values > 0).all() and (ds.task_rank.values == 0).all()
    assert (ds.task_error.values == "").all() and (ds.task_host.values != "").all()


def test_most_expensive_first(reference, tmp_path):
    config, report, _ = reference
    records, _ = Journal.read(report.work_dir / "journal.jsonl")
    done = [r["p"] for r in records if r["kind"] == "task"]
    cost = [p["cost"] for p, _ in config.points]
    assert [cost[p] for p in done] == sorted((cost[p] for p in done), reverse=True)


def test_resume_recomputes_only_unfinished_and_matches(reference, tmp_path):
    config, report, ds = reference
    out = tmp_path / "r.h5"
    quiet_run(config, out)
    journal = tmp_path / "r.sweep" / "journal.jsonl"
    lines = journal.read_bytes().split(b"\n")
    # a crash after 7 tasks, in the middle of writing the 8th record
    journal.write_bytes(b"\n".join(lines[:8]) + b"\n" + lines[8][:40])
    out.unlink()
    with pytest.raises(RuntimeError, match="--resume"):
        quiet_run(config, out)
    rep = quiet_run(config, out, resume=True)
    assert rep.n_computed == 24 - 7
    assert_same_numbers(ds, hebbian.load_result(out))
    # resuming a finished sweep recomputes nothing and rewrites the same numbers
    assert quiet_run(config, out, resume=True).n_computed == 0
    assert_same_numbers(ds, hebbian.load_result(out))


def test_resume_refuses_a_changed_config(tmp_path):
    path = hash_config(tmp_path)
    quiet_run(load_config(path), tmp_path / "o")
    with pytest.raises(ConfigError, match=r"config changed.*settings.flavour: \"plain\" -> \"salted\""):
        quiet_run(load_config(path, ["hash.flavour=salted"]), tmp_path / "o", resume=True)
    # run-time switches and the output path are not part of the config
    quiet_run(load_config(path, ["run.fsync=false", "run.progress=none"]), tmp_path / "o", resume=True)


def test_existing_result_and_lock_refused(tmp_path):
    config = load_config(hash_config(tmp_path))
    (tmp_path / "x.h5").write_text("precious")
    with pytest.raises(RuntimeError, match="already exists"):
        quiet_run(config, tmp_path / "x.h5")
    assert (tmp_path / "x.h5").read_text() == "precious"
    work = tmp_path / "locked"
    work.mkdir()
    fd = os.open(work / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(RuntimeError, match="another sweep is running"):
            quiet_run(config, work)
    finally:
        os.close(fd)


def test_failed_tasks_are_flagged_not_hidden_and_retried(tmp_path):
    config = load_config(hash_config(tmp_path), ["grid.fail=[0, 1]", "samples=1"])
    rep = quiet_run(config, tmp_path / "f.h5")
    assert rep.n_failed == 12
    ds = hebbian.load_result(tmp_path / "f.h5")
    bad = ds.task_error.isel(sample=0).sel(fail=1.0).values
    assert all("asked to fail" in e for e in bad.ravel())
    assert np.isnan(ds.x.sel(fail=1.0)).all() and np.isfinite(ds.x.sel(fail=0.0)).all()
    assert (ds.task_error.sel(fail=0.0) == "").all() and ds.attrs["n_failed"] == 12
    assert ds.attrs["n_done"] == 12 and ds.attrs["n_missing"] == 0
    rep = quiet_run(config, tmp_path / "f.h5", resume=True)
    assert rep.n_computed == 12 and rep.n_failed == 12
    # the command line says so in its exit status
    proc = run_cli([tmp_path / "h.toml", "--out", tmp_path / "g.h5", "--set", "grid.fail=[0, 1]"], check=False)
    assert proc.returncode == 3 and "FAILED" in proc.stderr


def test_cli_kill_9_then_resume_gives_the_uninterrupted_result(reference, tmp_path):
    _, _, ds = reference
    hash_config(tmp_path, work=0.03)                  # same numbers, slower tasks
    out = tmp_path / "k.h5"
    rng = random.Random(7)
    killed = 0
    for attempt, threshold in enumerate([2, 4, 7]):      # tasks take 300 ms (6), 30 ms (6), 9 and 3 ms
        proc = start_cli([tmp_path / "h.toml", "--out", out] + (["--resume"] if attempt else []))
        wait_for_tasks(tmp_path / "k.sweep" / "journal.jsonl", threshold)
        time.sleep(rng.uniform(0.0, 0.05))
        if proc.poll() is None:
            killed += 1
        kill_job(proc)
    assert killed >= 2
    records, _ = Journal.read(tmp_path / "k.sweep" / "journal.jsonl")
    before = sum(r["kind"] == "task" for r in records)
    assert 0 < before < 24
    # what is done so far, without computing (safe while a job runs)
    proc = run_cli([tmp_path / "h.toml", "--out", out, "--partial"])
    assert f"{before}/24 tasks done so far" in proc.stdout
    part = hebbian.load_result(tmp_path / "k.partial.h5")
    done = part.task_error.values == ""
    assert done.sum() == before and (part.task_error.values[~done] == "not computed").all()
    assert np.array_equal(part.x_samples.values[done], ds.x_samples.values[done])
    assert np.isnan(part.x_samples.values[~done]).all()
    proc = run_cli([tmp_path / "h.toml", "--out", out, "--resume"])
    assert f"{before}/24 tasks already done" in proc.stderr
    assert_same_numbers(ds, hebbian.load_result(out))


def test_progress_log_lines_are_rate_limited():
    s = io.StringIO()
    p = Progress(100, 10, 90.0, mode="log", interval=3600.0, stream=s)
    for _ in range(90):
        p.update(1.0)
    p.close()
    lines = s.getvalue().splitlines()
    assert len(lines) == 2                       # the first line and the final one
    assert lines[0].startswith("sweep: 10/100") and lines[-1].startswith("sweep: 100/100")
    assert "tasks/s" in lines[-1] and "ETA" in lines[-1]
    bar = io.StringIO()
    Progress(5, 0, 5.0, mode="none", stream=bar).update(1.0)
    assert bar.getvalue() == ""


def test_load_result_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        hebbian.load_result(tmp_path / "nothing.h5")


def test_progress_bar_mode_and_get_comm():
    s = io.StringIO()
    p = Progress(4, 1, 3.0, mode="bar", stream=s)
    for _ in range(3):
        p.update(1.0)
    p.close()
    assert "4/4" in s.getvalue() and "task" in s.getvalue()
    from hebbian.sweep import get_comm
    assert get_comm("off") is None
    with pytest.raises(ValueError, match="mpi"):
        get_comm("sometimes")


def test_numba_cache_switch_reaches_the_engines(tmp_path, monkeypatch):
    monkeypatch.delenv("HEBBIAN_NUMBA_CACHE", raising=False)
    config = load_config(hash_config(tmp_path), ["run.numba_cache=false"])
    quiet_run(config, tmp_path / "n.h5")
    assert os.environ["HEBBIAN_NUMBA_CACHE"] == "0"


def test_interrupted_in_process_run_releases_the_output(tmp_path):
    """An exception escaping the loop (Ctrl-C in a notebook) leaves a resumable output."""
    config = load_config(hash_config(tmp_path))

    class Stop(BaseException):
        pass

    calls = []
    original = config.engine.run

    def run(*args):
        calls.append(1)
        if len(calls) == 5:
            raise Stop
        return original(*args)

    config.engine.run = run
    with pytest.raises(Stop):
        quiet_run(config, tmp_path / "i.h5")
    config.engine.run = original
    rep = quiet_run(config, tmp_path / "i.h5", resume=True)
    assert rep.n_computed == 24 - 4


def test_srun_without_working_mpi_is_refused(monkeypatch):
    pytest.importorskip("mpi4py", reason="needs mpi4py")
    from hebbian.sweep import get_comm
    monkeypatch.setenv("SLURM_STEP_NUM_TASKS", "4")
    with pytest.raises(RuntimeError, match="srun started 4 tasks but MPI sees 1 rank"):
        get_comm("auto")
