"""Run a sweep: serially, or under MPI with rank 0 handing out tasks most expensive first.

Work unit = (grid point, disorder sample); its random stream is
``SeedSequence(seed, spawn_key=(point, sample))`` whatever rank runs it and in whatever
order, so the assembled numbers do not depend on the number of ranks. A task is one unit, or
for an engine with a block budget (``Engine.block_cost > 0``, the replica theory) a block of
units that share the engine settings and ``Engine.block_key``, consecutive in the canonical
order, of total cost at most the budget, computed by one ``Engine.run_block`` call and
journaled as one record (:func:`plan_tasks`; the blocks depend on the config alone, never on
the number of ranks, so serial and MPI runs give the same numbers).

MPI protocol (no MPI spawn, point-to-point messages only). On every rank the tasks run in a
compute thread and the main thread only talks MPI (and, on rank 0, schedules and journals),
so every rank answers messages within about a millisecond even in the middle of a long task
(the Monte Carlo kernels release the GIL; pure-Python code yields it every few ms). Waiting
is polling with short sleeps (MPICH's blocking receive would spin a core that the computing
threads need). Only the main thread calls MPI.

* rank 0 hands every computing rank ``prefetch`` (2) tasks from the HEAD of the queue (most
  expensive first); each returned record is answered with the next task from the head, then
  journaled. A rank therefore always holds its next task: no round trip between two tasks.
* With few ranks rank 0 also computes (``run.root_computes = "auto"``: when ranks <= 4),
  through its own compute thread, exactly like a worker.
* At the end, when the queue is empty and a rank is idle, rank 0 takes back the costliest
  task that some rank holds but has not started ("revoke"; the holder answers "revoked", or
  "kept" if it already started) and hands it to the idle rank: prefetching costs no tail.
* When every task is journaled rank 0 sends DONE; it alone assembles and writes the result.

Numba caching with many ranks: rank 0 runs the engine's warm-up (compiling and caching the
kernels) while the others wait, then the first rank of every other node does (node-local
``NUMBA_CACHE_DIR``); the remaining ranks then only load from the cache.
"""

from __future__ import annotations

import json
import os
import queue as stdqueue
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _theory
from ._config import ConfigError, SweepConfig, load_config
from ._journal import Journal, atomic_write_text, task_records
from ._progress import Progress, format_duration

__all__ = ["run_sweep", "assemble_partial", "SweepReport", "SweepInterrupted", "get_comm", "plan_tasks"]

_TAG_TASK, _TAG_RESULT = 11, 12
_DONE = -1
_LAUNCHER_ENV = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS",
                 "HYDI_CONTROL_FD", "MV2_COMM_WORLD_SIZE", "I_MPI_HYDRA_TOPOLIB")


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped the sweep; every task finished before it is in the journal.

    Attributes: ``saved`` (tasks done and journaled), ``total`` (tasks of the sweep), ``work``
    (the journal's directory). Under MPI rank 0 prints the message and aborts the job (exit 130).
    """

    def __init__(self, saved, total, work):
        super().__init__(f"interrupted: {saved}/{total} tasks saved, continue with --resume")
        self.saved, self.total, self.work = saved, total, work


@dataclass
class SweepReport:
    """What rank 0 returns: where the result is and how the session went."""

    path: Path
    work_dir: Path
    n_tasks: int
    n_computed: int
    n_failed: int
    failed: list
    elapsed: float


def get_comm(mode="auto"):
    """The MPI world communicator, or None to run serially.

    ``mode="auto"`` imports mpi4py only when a launcher (mpiexec, srun with PMI) started the
    process; ``"on"`` requires it; ``"off"`` never imports it.
    """
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"mpi must be 'auto', 'on' or 'off', got {mode!r}")
    if mode == "off":
        return None
    step_tasks = _int_env("SLURM_STEP_NUM_TASKS")          # set by srun for its tasks
    if mode == "auto":
        if not any(k in os.environ for k in _LAUNCHER_ENV) and step_tasks <= 1:
            return None
        try:
            from mpi4py import MPI
        except ImportError:
            if step_tasks > 1:
                raise RuntimeError(f"srun started {step_tasks} tasks but mpi4py is not installed: they would "
                                   f"all run the same sweep (pip install -e '.[mpi]')") from None
            return None
    else:
        from mpi4py import MPI
    comm = MPI.COMM_WORLD
    if comm.size == 1 and step_tasks > 1:
        raise RuntimeError(f"srun started {step_tasks} tasks but MPI sees 1 rank in each: the launcher and "
                           f"the MPI library do not talk (try srun --mpi=pmix or --mpi=pmi2, or mpiexec)")
    return comm


def _int_env(name):
    try:
        return int(os.environ.get(name, "0") or 0)
    except ValueError:
        return 0


def run_sweep(config, out=None, *, resume=False, comm=None, stream=None):
    """Run (or resume) a sweep and write its labelled result.

    Parameters
    ----------
    config : SweepConfig or path
        A validated config (:func:`load_config`) or a TOML path.
    out : path, optional
        Result file (``*.h5``) or directory; default: the config's ``output``.
    resume : bool
        Continue the sweep journaled in the output's work directory (refused if the config
        changed); without it an existing sweep there is an error.
    comm : mpi4py communicator, optional
        None (or size 1) runs serially.
    stream : file, optional
        Where progress and messages go (default ``sys.stderr``).

    Returns
    -------
    SweepReport or None
        On rank 0; None on the other ranks.
    """
    stream = stream if stream is not None else sys.stderr
    if not isinstance(config, SweepConfig):
        config = load_config(config)
    if comm is not None and comm.size == 1:
        comm = None
    rank = comm.rank if comm is not None else 0
    size = comm.size if comm is not None else 1
    host = socket.gethostname()
    result_path, work = config.paths(out)
    if not config.run["numba_cache"]:
        os.environ["HEBBIAN_NUMBA_CACHE"] = "0"

    ws = None
    if rank == 0:
        try:
            ws = _Workspace.prepare(config, Path(result_path), Path(work), resume, stream)
            shared = sorted(ws.done)
        except Exception as exc:           # every rank must learn of it, or the others hang
            shared = exc
    else:
        shared = None
    if comm is not None:
        shared = comm.bcast(shared, root=0)
    if isinstance(shared, Exception):
        raise shared
    done = set(shared)

    plan = _Plan(config, done)
    order = plan.order
    hosts = comm.gather(host, root=0) if comm is not None else [host]
    root_computes = size == 1 or config.run["root_computes"] == "yes" or \
        (config.run["root_computes"] == "auto" and size <= 4)

    with _abort_on_error(comm), _sigint_ignored(rank != 0), _interrupt_saves(ws, config):
        if comm is not None and order and config.run["numba_cache"]:
            _staged_warm_up(comm, config, plan.units[order[0]][0] // config.samples, stream)
        if rank == 0:
            try:
                ws.session_start(size, hosts, root_computes, plan.n_pending)
                progress = Progress(config.n_tasks, len(done), sum(plan.cost[t] for t in order),
                                    mode=config.run["progress"], interval=config.run["log_interval"],
                                    stream=stream)
                t0 = time.perf_counter()
                try:
                    if comm is None:
                        for t in order:
                            rec = _execute(config, plan, t, 0, host)
                            ws.record(rec)
                            plan.progress(progress, t, rec)
                    else:
                        _root_loop(comm, config, plan, ws, progress, root_computes, host)
                finally:
                    progress.close()
                elapsed = time.perf_counter() - t0
                ws.session_end(elapsed, plan.n_pending)
                report = ws.finish(config, elapsed, plan.n_pending, stream)
            finally:
                ws.release()
        else:
            _worker_loop(comm, config, plan, host)
            report = None
        if comm is not None:
            _quiet_barrier(comm)
    return report


def assemble_partial(config, out=None):
    """Write what a running (or interrupted) sweep has finished so far, without computing.

    Reads the journal (safe while the sweep appends to it) and writes
    ``<result>.partial.h5``; tasks not finished yet are NaN with ``task_error = "not
    computed"``. The config must be the sweep's (hash checked).

    Returns
    -------
    path : Path
    n_done : int
        Tasks with a result.
    """
    from ..io import save_result
    from ._assemble import assemble
    result_path, work = (Path(p) for p in config.paths(out))
    try:
        saved = json.loads((work / "config.json").read_text())
    except FileNotFoundError:
        raise RuntimeError(f"no sweep at {str(work)!r} (no config.json)") from None
    if saved.get("sha256") != config.sha256:
        raise ConfigError(f"the config is not the one of the sweep at {str(work)!r} "
                          f"({_diff(saved.get('normalized', {}), config.normalized)})")
    records, _ = Journal.read(work / "journal.jsonl")
    if config.theory is not None and _theory.theory_record(config, records) is None:
        records.append(_theory.compute_theory(config))
    ds, _ = assemble(config, records)
    path = result_path.with_name(result_path.stem + ".partial" + result_path.suffix)
    save_result(ds, path)
    return path, int((ds["task_error"].values == "").sum())


# --------------------------------------------------------------------------- one task
class _Plan:
    """The tasks of this session: pending units per task (:func:`plan_tasks`), costs, order."""

    def __init__(self, config, done):
        units, cost, self.unit_cost, self.blocks = plan_tasks(config)
        self.units = [tuple(u for u in us if u not in done) for us in units]
        self.cost = [sum(self.unit_cost[u] for u in us) for us in self.units]
        self.order = sorted((t for t, us in enumerate(self.units) if us), key=lambda t: (-self.cost[t], t))
        self.n_pending = sum(len(self.units[t]) for t in self.order)

    def progress(self, progress, t, rec):
        for u in self.units[t]:
            progress.update(self.unit_cost[u], rec["ok"])


def plan_tasks(config):
    """The tasks of a sweep, from its config alone (never from the number of ranks).

    Without a block budget (``Engine.block_cost <= 0``, the default) every unit
    ``u = point * samples + sample`` is a task. With one, units with equal settings and equal
    ``Engine.block_key`` are grouped (in canonical order of their first unit) and cut into
    consecutive blocks of total cost at most ``block_cost`` (at least one unit each).

    Returns
    -------
    units : list of tuple of int
        The units of each task, in canonical order.
    cost : list of float
        Cost estimate of each task (sum over its units).
    unit_cost : list of float
        Cost estimate of each unit.
    blocks : bool
        Whether tasks are blocks (journaled as ``kind = "block"`` records).
    """
    S, eng = config.samples, config.engine
    point_cost = [float(eng.cost(config.model, dict(p), dict(s))) for p, s in config.points]
    unit_cost = [point_cost[u // S] for u in range(config.n_tasks)]
    budget = float(getattr(eng, "block_cost", 0.0) or 0.0)
    if budget <= 0.0:
        units = [(u,) for u in range(config.n_tasks)]
    else:
        groups = {}
        for u in range(config.n_tasks):
            params, settings = config.points[u // S]
            key = (json.dumps(settings, sort_keys=True, default=repr),
                   repr(eng.block_key(config.model, dict(params), dict(settings))))
            groups.setdefault(key, []).append(u)
        units = []
        for members in groups.values():
            block, acc = [], 0.0
            for u in members:
                if block and acc + unit_cost[u] > budget:
                    units.append(tuple(block))
                    block, acc = [], 0.0
                block.append(u)
                acc += unit_cost[u]
            units.append(tuple(block))
    return units, [sum(unit_cost[u] for u in us) for us in units], unit_cost, budget > 0.0


# --------------------------------------------------------------------------- one task
def _execute(config, plan, task, rank, host):
    if not plan.blocks:
        return _execute_unit(config, plan.units[task][0], rank, host)
    return _execute_block(config, task, plan.units[task], rank, host)


def _execute_unit(config, unit, rank, host):
    point, sample = divmod(unit, config.samples)
    params, settings = config.points[point]
    rec = {"kind": "task", "p": point, "s": sample, "cfg": config.sha256[:16]}

    def compute():
        raw = config.engine.run(config.model, dict(params), dict(settings), config.observables,
                                config.task_seed(point, sample))
        return _encode_values(config, raw)
    return _recorded(rec, compute, rank, host)


def _execute_block(config, task, units, rank, host):
    """One record for a block: ``p``, ``s`` and ``values`` are lists over its units (all or none)."""
    S = config.samples
    points = [u // S for u in units]
    rec = {"kind": "block", "b": task, "p": points, "s": [u % S for u in units], "cfg": config.sha256[:16]}

    def compute():
        settings = config.points[points[0]][1]
        raw = config.engine.run_block(config.model, [dict(config.points[p][0]) for p in points], dict(settings),
                                      config.observables, seeds=[config.task_seed(u // S, u % S) for u in units])
        if not isinstance(raw, list) or len(raw) != len(units):
            raise TypeError(f"engine {config.engine_name!r} run_block returned "
                            f"{type(raw).__name__} for {len(units)} points, expected a list of {len(units)} dicts")
        return [_encode_values(config, r) for r in raw]
    return _recorded(rec, compute, rank, host)


def _recorded(rec, compute, rank, host):
    """``rec`` with the values of ``compute()`` (``ok``) or its error and traceback, timed."""
    start = time.time()
    t0 = time.perf_counter()
    try:
        rec["values"] = compute()
        rec["ok"] = True
    except Exception as exc:                       # journaled, reported, retried on --resume
        rec["ok"] = False
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=-4)
    rec.update(t=time.perf_counter() - t0, rank=rank, host=host, start=start)
    return rec


def _encode_values(config, raw):
    if not isinstance(raw, dict):
        raise TypeError(f"engine {config.engine_name!r} returned {type(raw).__name__}, expected a dict")
    out = {}
    for name in config.observables:
        spec = config.engine.observables[name]
        if name not in raw:
            raise KeyError(f"engine {config.engine_name!r} returned no observable {name!r}")
        value = raw[name]
        if spec.error:
            if not (isinstance(value, tuple) and len(value) == 2):
                raise TypeError(f"observable {name!r} must be returned as (value, error)")
            out[name] = [_encode_one(name, v, spec) for v in value]
        else:
            out[name] = _encode_one(name, value, spec)
    return out


def _encode_one(name, v, spec):
    if spec.dtype == "bool":
        return bool(v)
    if spec.dtype == "str":
        return str(v)
    a = np.asarray(v, dtype=np.float64)
    if spec.dim is None:
        if a.ndim != 0:
            raise ValueError(f"observable {name!r} must be a scalar, got shape {a.shape}")
        return float(a)
    if a.ndim != 1:
        raise ValueError(f"observable {name!r} must be a 1-d array along {spec.dim!r}, got shape {a.shape}")
    return [float(x) for x in a]


# --------------------------------------------------------------------------- MPI loops
class _Backoff:
    """Sleep between polls: short while messages flow, up to 0.5 ms when idle."""

    def __init__(self, lo=2e-5, hi=5e-4):
        self.lo, self.hi, self.d = lo, hi, lo

    def reset(self):
        self.d = self.lo

    def wait(self):
        time.sleep(self.d)
        self.d = min(2.0 * self.d, self.hi)


class _Computer:
    """A thread that runs tasks one after the other, so that the main thread stays free for MPI.

    Tasks wait in ``todo`` until the thread starts them; :meth:`revoke` takes back one that
    has not started. Finished records appear in ``done``. The engines run in this thread: the
    Monte Carlo kernels release the GIL, pure-Python code yields it every few milliseconds.
    """

    def __init__(self, config, plan, rank, host):
        self.config, self.plan, self.rank, self.host = config, plan, rank, host
        self.todo = deque()
        self.done = stdqueue.SimpleQueue()
        self.cv = threading.Condition()
        self.stop = False
        self.thread = threading.Thread(target=self._main, name="sweep-compute", daemon=True)
        self.thread.start()

    def submit(self, u):
        with self.cv:
            self.todo.append(u)
            self.cv.notify()

    def revoke(self, u):
        """Take back task ``u`` if it has not started; True if taken back."""
        with self.cv:
            if u in self.todo:
                self.todo.remove(u)
                return True
            return False

    def results(self):
        """Records finished since the last call."""
        out = []
        while True:
            try:
                rec = self.done.get_nowait()
            except stdqueue.Empty:
                return out
            if isinstance(rec, BaseException):
                raise RuntimeError(f"the compute thread of rank {self.rank} died") from rec
            out.append(rec)

    def close(self):
        with self.cv:
            self.stop = True
            self.cv.notify()
        self.thread.join()

    def _main(self):
        try:
            while True:
                with self.cv:
                    while not self.todo and not self.stop:
                        self.cv.wait()
                    if not self.todo:
                        return
                    u = self.todo.popleft()
                self.done.put(_execute(self.config, self.plan, u, self.rank, self.host))
        except BaseException as exc:            # noqa: BLE001 -- reported by results()
            self.done.put(exc)


def _root_loop(comm, config, plan, ws, progress, root_computes, host):
    from mpi4py import MPI
    S = config.samples
    costs = plan.cost
    queue = deque(plan.order)                  # most expensive first
    remaining = len(queue)
    computer = _Computer(config, plan, 0, host) if root_computes else None
    parties = ([0] if root_computes else []) + list(range(1, comm.size))
    assigned = {p: deque() for p in parties}   # handed to p, no result yet, in p's order
    idle = deque()                             # parties with nothing to do
    revoking = None                            # (victim, task, for whom) while a revoke is in flight

    def hand(p, u):
        assigned[p].append(u)
        if p == 0:
            computer.submit(u)
        else:
            comm.send(u, dest=p, tag=_TAG_TASK)

    def finished(p, rec):
        nonlocal remaining
        assigned[p].remove(rec["b"] if plan.blocks else rec["p"] * S + rec["s"])
        if queue:                              # answer first: the party keeps its queue full
            hand(p, queue.popleft())
        elif not assigned[p]:
            idle.append(p)
        ws.record(rec)
        plan.progress(progress, rec["b"] if plan.blocks else rec["p"] * S + rec["s"], rec)
        remaining -= 1

    def steal():
        """Queue empty and a party idle: take back the costliest task handed out but not started."""
        nonlocal revoking
        if revoking is not None or queue or not idle:
            return
        p = idle[0]
        victims = [(costs[u], v, u) for v in parties if v != p for u in list(assigned[v])[1:]]
        if not victims:
            return
        _, v, u = max(victims)
        if v == 0:
            if computer.revoke(u):
                assigned[0].remove(u)
                idle.popleft()
                hand(p, u)
            return
        revoking = (v, u, p)
        comm.send(("revoke", u), dest=v, tag=_TAG_TASK)

    for p in parties:
        for _ in range(config.run["prefetch"]):
            if queue:
                hand(p, queue.popleft())
        if not assigned[p]:
            idle.append(p)
    status = MPI.Status()
    backoff = _Backoff()
    try:
        while remaining:
            active = False
            while comm.Iprobe(source=MPI.ANY_SOURCE, tag=_TAG_RESULT, status=status):
                w = status.Get_source()
                msg = comm.recv(source=w, tag=_TAG_RESULT)
                active = True
                if isinstance(msg, tuple):             # ("revoked" | "kept", task)
                    v, u, p = revoking
                    revoking = None
                    if msg[0] == "revoked":
                        assigned[v].remove(u)
                        idle.remove(p)
                        hand(p, u)
                else:
                    finished(w, msg)
            if computer is not None:
                for rec in computer.results():
                    finished(0, rec)
                    active = True
            if remaining:
                steal()
                if active:
                    backoff.reset()
                else:
                    backoff.wait()
    except KeyboardInterrupt:
        computer = None            # do not wait for the task it is running: the job ends now
        raise
    finally:
        if computer is not None:
            computer.close()
    for w in range(1, comm.size):
        comm.send(_DONE, dest=w, tag=_TAG_TASK)


def _worker_loop(comm, config, plan, host):
    computer = _Computer(config, plan, comm.rank, host)
    sends = []
    backoff = _Backoff()
    try:
        while True:
            active = False
            done = False
            while comm.Iprobe(source=0, tag=_TAG_TASK):
                msg = comm.recv(source=0, tag=_TAG_TASK)
                active = True
                if isinstance(msg, tuple):             # ("revoke", task): give it back if not started
                    u = msg[1]
                    comm.send(("revoked" if computer.revoke(u) else "kept", u), dest=0, tag=_TAG_RESULT)
                elif msg == _DONE:
                    done = True
                else:
                    computer.submit(msg)
            for rec in computer.results():
                sends.append(comm.isend(rec, dest=0, tag=_TAG_RESULT))
                active = True
            if done:
                break
            if active:
                sends = [r for r in sends if not r.Test()]
                backoff.reset()
            else:
                backoff.wait()
    finally:
        computer.close()
    for r in sends:
        r.wait()


def _quiet_barrier(comm):
    """A barrier that sleeps instead of spinning (ranks may wait long for rank 0)."""
    req = comm.Ibarrier()
    backoff = _Backoff(hi=5e-3)
    while not req.Test():
        backoff.wait()


def _staged_warm_up(comm, config, point, stream):
    from mpi4py import MPI
    params, settings = config.points[point]
    node = comm.Split_type(MPI.COMM_TYPE_SHARED)

    def warm():
        try:
            config.engine.warm_up(config.model, dict(params), dict(settings))
        except Exception as exc:   # the tasks themselves will fail loudly if it matters
            print(f"sweep: warm-up on rank {comm.rank} failed ({type(exc).__name__}: {exc}); "
                  f"continuing", file=stream, flush=True)

    try:
        if comm.rank == 0:
            warm()
        _quiet_barrier(comm)
        if node.rank == 0 and comm.rank != 0:
            warm()
        _quiet_barrier(comm)
    finally:
        node.Free()


@contextmanager
def _abort_on_error(comm):
    """Under MPI an exception on one rank would leave the others waiting forever: abort all."""
    try:
        yield
    except BaseException as exc:
        if comm is None or comm.size == 1:
            raise
        if isinstance(exc, KeyboardInterrupt):       # Ctrl-C: rank 0 says what is saved, no traceback
            if isinstance(exc, SweepInterrupted):
                print(f"\n{exc}", file=sys.stderr)
            _abort(comm, 130)
        traceback.print_exc()
        _abort(comm, 1)


def _abort(comm, code):
    """End the whole job with ``code``. MPICH's MPI_Abort returns when mpiexec is already
    ending the job after a Ctrl-C (seen under load): this process then exits at once, without
    running more Python (which would print a traceback and end with another code)."""
    sys.stdout.flush()
    sys.stderr.flush()
    comm.Abort(code)
    os._exit(code)


@contextmanager
def _sigint_ignored(active):
    """Worker ranks ignore SIGINT (mpiexec forwards Ctrl-C to every rank): rank 0 alone reacts,
    saves the journal, reports and ends the job."""
    if not active or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _interrupt_saves(ws, config):
    """On rank 0, Ctrl-C closes the journal (every finished task is in it) and becomes
    :class:`SweepInterrupted`, which says how many tasks are saved."""
    try:
        yield
    except SweepInterrupted:
        raise
    except KeyboardInterrupt:
        if ws is None:
            raise
        ws.release()
        raise SweepInterrupted(ws.saved_tasks(config), config.n_tasks, ws.work) from None


# --------------------------------------------------------------------------- work directory
class _Workspace:
    """Rank 0's side of the output: lock, config record, journal, final assembly."""

    def __init__(self, result_path, work, journal, lock_fd, done, resumed_from):
        self.result_path, self.work, self.journal = result_path, work, journal
        self.lock_fd, self.done, self.resumed_from = lock_fd, done, resumed_from
        self.failed_now = []

    @classmethod
    def prepare(cls, config, result_path, work, resume, stream):
        work.mkdir(parents=True, exist_ok=True)
        if result_path.parent != work:
            result_path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(work / "lock")
        try:
            cfg_path, jpath = work / "config.json", work / "journal.jsonl"
            if cfg_path.exists():
                if not resume:
                    raise RuntimeError(f"{str(work)!r} already holds a sweep: pass --resume to continue it "
                                       f"(or choose another --out, or remove it)")
                saved = json.loads(cfg_path.read_text())
                if saved.get("sha256") != config.sha256:
                    diff = _diff(saved.get("normalized", {}), config.normalized)
                    raise ConfigError(f"refusing to resume {str(work)!r}: the config changed since the sweep "
                                      f"started (hash {saved.get('sha256', '?')[:12]} -> {config.sha256[:12]}; "
                                      f"{diff}). Restore it, or start a new sweep with another --out")
            else:
                if result_path.exists() and not resume:
                    raise RuntimeError(f"{str(result_path)!r} already exists: remove it or choose another --out")
                atomic_write_text(cfg_path, json.dumps(
                    {"sha256": config.sha256, "normalized": config.normalized, "source": config.source,
                     "overrides": list(config.overrides), "text": config.text}, indent=1, sort_keys=True))
                atomic_write_text(work / "config.toml", config.text)
            journal = Journal(jpath, fsync=config.run["fsync"], fsync_interval=config.run["fsync_interval"])
            cut = journal.open()
            records, n_bad = Journal.read(jpath)
        except BaseException:
            os.close(lock_fd)
            raise
        done = _done_tasks(records, config)
        if records or cut:
            msg = f"sweep: resuming {str(work)!r}: {len(done)}/{config.n_tasks} tasks already done"
            if cut:
                msg += f"; cut a torn last record ({cut} bytes) left by a crash"
            if n_bad:
                msg += f"; skipped {n_bad} corrupt journal lines"
            print(msg, file=stream, flush=True)
            changed = _code_change(records)
            if changed:
                print(f"sweep: warning: the code changed since the last session ({changed})", file=stream,
                      flush=True)
        return cls(result_path, work, journal, lock_fd, done, resumed_from=len(done))

    def record(self, rec):
        self.journal.append(rec)
        if not rec["ok"]:
            self.failed_now.append(rec)

    def saved_tasks(self, config):
        """Number of tasks done in the journal as it is on disk now."""
        records, _ = Journal.read(self.journal.path)
        return len(_done_tasks(records, config))

    def session_start(self, size, hosts, root_computes, n_pending):
        from .. import __version__
        self.journal.append({"kind": "session", "event": "start", "time": time.time(), "ranks": size,
                             "hosts": sorted(set(hosts)), "root_computes": root_computes,
                             "pending": n_pending, "version": __version__, "commit": _git_commit(),
                             "python": sys.version.split()[0], "numpy": np.__version__})

    def session_end(self, elapsed, n_computed):
        self.journal.append({"kind": "session", "event": "end", "time": time.time(), "elapsed": elapsed,
                             "computed": n_computed})

    def release(self):
        """Close the journal (flushing it) and drop the lock; idempotent."""
        self.journal.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def finish(self, config, elapsed, n_computed, stream):
        from ._assemble import assemble
        from ..io import save_result
        records, _ = Journal.read(self.journal.path)
        if config.theory is not None and _theory.theory_record(config, records) is None:
            rec = _theory.compute_theory(config)
            self.journal.append(rec)
            records.append(rec)
            print(f"sweep: replica theory ({config.theory.level}) at {len(rec['values'])} points in "
                  f"{format_duration(rec['t'])}", file=stream, flush=True)
        self.journal.close()
        ds, failed = assemble(config, records)
        save_result(ds, self.result_path)
        rate = f", {n_computed / elapsed:.3g} tasks/s" if elapsed > 0 and n_computed else ""
        print(f"sweep: {config.n_tasks} tasks ({n_computed} computed now in {format_duration(elapsed)}{rate}); "
              f"result: {self.result_path}", file=stream, flush=True)
        if failed:
            print(f"sweep: {len(failed)} task(s) FAILED (NaN in the result, see its task_error variable; "
                  f"--resume retries them):", file=stream, flush=True)
            for rec in failed[:10]:
                print(f"  grid point {rec['p']} {config.coords(rec['p'])}, sample {rec['s']}: {rec['error']}",
                      file=stream, flush=True)
        return SweepReport(path=self.result_path, work_dir=self.work, n_tasks=config.n_tasks,
                           n_computed=n_computed, n_failed=len(failed), failed=failed, elapsed=elapsed)


def _done_tasks(records, config):
    return {r["p"] * config.samples + r["s"] for r in task_records(records)
            if r.get("ok") and r.get("cfg") == config.sha256[:16]}


def _code_change(records):
    """What changed between the code of the last session that recorded it and this one ('' if
    nothing, or nothing can be compared): the git commit, else the package version."""
    from .. import __version__
    starts = [r for r in records if r.get("kind") == "session" and r.get("event") == "start"]
    before = next((r["commit"] for r in reversed(starts) if r.get("commit")), "")
    now = _git_commit()
    if before and now:
        return f"commit {before} -> {now}" if before != now else ""
    version = next((r["version"] for r in reversed(starts) if r.get("version")), "")
    if version and version != __version__:
        return f"hebbian {version} -> {__version__}"
    return ""


def _lock(path):
    """Exclusive lock on the output so that two jobs never write the same journal."""
    import fcntl
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RuntimeError(f"another sweep is running on {str(path.parent)!r} (lock held)") from None
    except OSError:
        pass                      # file systems without flock: run unlocked
    return fd


def _diff(old, new, prefix=""):
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, dict) and isinstance(b, dict):
            sub = _diff(a, b, f"{prefix}{key}.")
            if sub:
                out.append(sub)
        elif a != b:
            out.append(f"{prefix}{key}: {json.dumps(a)} -> {json.dumps(b)}")
    return "; ".join(out)


_COMMIT = []


def _git_commit():
    """Commit of the source tree hebbian was imported from ('' if not a git checkout)."""
    if not _COMMIT:
        _COMMIT.append(_commit_of(Path(__file__).resolve()))
    return _COMMIT[0]


def _commit_of(path):
    """HEAD of the git checkout that tracks the file ``path`` (``-dirty`` if it has changes), or ''.

    A file that git does not track gives '': an installed wheel, also one in a virtualenv that
    lies inside some git repository, must not report that repository's commit.
    """
    here = str(Path(path).parent)
    try:
        out = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if out.returncode != 0 or subprocess.run(["git", "-C", here, "ls-files", "--error-unmatch", Path(path).name],
                                                 capture_output=True, timeout=10).returncode != 0:
            return ""
        commit = out.stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        if dirty.returncode == 0 and dirty.stdout.strip():
            commit += "-dirty"
        return commit
    except (OSError, subprocess.SubprocessError):
        return ""
