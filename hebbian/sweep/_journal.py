"""Crash-safe, append-only journal of finished tasks.

One record per line: ``<json>\\t<crc32 of the json, 8 hex digits>\\n``, appended with a
single ``write`` on an ``O_APPEND`` descriptor as soon as the task finishes. Once ``write``
returns, the record survives a kill -9 of the process (the kernel owns it); ``fdatasync``
makes it survive a crash of the node too, and is done after every record
(``fsync_interval=0``) or at most ``fsync_interval`` seconds after it (group commit: a node
crash then costs at most that much recomputation, never a corrupt journal). A kill can only
leave a torn LAST line: readers skip any line whose checksum does not match, and
:meth:`Journal.open` cuts a torn tail before appending, so earlier records are never lost or
corrupted. Floats go through ``repr`` (JSON), which round-trips every bit.

Only rank 0 writes the journal (one writer); any number of readers may read it.
"""

from __future__ import annotations

import json
import os
import time
import zlib

__all__ = ["Journal", "atomic_write_text", "fsync_dir", "task_records"]


def _encode(record):
    body = json.dumps(record, separators=(",", ":"), ensure_ascii=True)
    return f"{body}\t{zlib.crc32(body.encode()):08x}\n".encode()


def _decode(line):
    """Record of one line (bytes, without newline), or None if torn or corrupt."""
    body, sep, crc = line.rpartition(b"\t")
    if not sep or len(crc) != 8:
        return None
    try:
        if int(crc, 16) != zlib.crc32(body):
            return None
        record = json.loads(body)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class Journal:
    """Append-only journal at ``path``.

    Parameters
    ----------
    path : path-like
    fsync : bool
        Flush records to disk (``fdatasync``). Without it records survive a kill -9 of the
        process (they are in the page cache) but not a crash of the node.
    fsync_interval : float >= 0
        0 flushes every record before :meth:`append` returns; otherwise a record is flushed
        by the first append at least this many seconds after the previous flush, and by
        :meth:`sync` / :meth:`close`.
    """

    def __init__(self, path, *, fsync=True, fsync_interval=0.0):
        self.path = os.fspath(path)
        self.fsync = fsync
        self.fsync_interval = float(fsync_interval)
        self._fd = None
        self._dirty = False
        self._last_sync = time.monotonic()

    @staticmethod
    def read(path):
        """All valid records, in file order, and the number of corrupt lines skipped.

        Returns
        -------
        records : list of dict
        n_bad : int
        """
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return [], 0
        records, n_bad = [], 0
        for line in data.split(b"\n"):
            if not line:
                continue
            rec = _decode(line)
            if rec is None:
                n_bad += 1
            else:
                records.append(rec)
        return records, n_bad

    def open(self):
        """Open for appending; cut a torn tail (from a kill during a write) first.

        Returns
        -------
        int
            Number of bytes cut from the tail.
        """
        cut = 0
        if os.path.exists(self.path):
            with open(self.path, "rb") as f:
                data = f.read()
            good_end = 0
            pos = 0
            while pos < len(data):
                nl = data.find(b"\n", pos)
                if nl < 0:
                    break                                  # torn last line (no newline)
                if _decode(data[pos:nl]) is not None:
                    good_end = nl + 1
                pos = nl + 1
            if good_end < len(data):
                cut = len(data) - good_end
                os.truncate(self.path, good_end)
        created = not os.path.exists(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if created:
            fsync_dir(os.path.dirname(self.path) or ".")
        return cut

    def append(self, record):
        """Append one record (a JSON-serialisable dict) durably."""
        data = _encode(record)
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        self._dirty = True
        if self.fsync and time.monotonic() - self._last_sync >= self.fsync_interval:
            self.sync()

    def sync(self):
        """Flush the records written so far to disk (no-op if none are pending)."""
        if self._dirty and self._fd is not None and self.fsync:
            _datasync(self._fd)
            self._last_sync = time.monotonic()
        self._dirty = False

    def close(self):
        if self._fd is not None:
            self.sync()
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        if self._fd is None:
            self.open()
        return self

    def __exit__(self, *exc):
        self.close()


def task_records(records):
    """The per-unit task records of a journal: ``kind = "task"`` records as they are, and every
    ``kind = "block"`` record (one task of several grid points, see ``hebbian.sweep._runner``)
    split into one record per unit, with the block's wall time shared equally (``t``) and
    its index (``block``) and total time (``block_t``) kept.

    Yields
    ------
    dict with ``kind = "task"``, ``p``, ``s``, ``ok``, ``values`` (if ok), ``error`` (if not), ...
    """
    for rec in records:
        kind = rec.get("kind")
        if kind == "task":
            yield rec
        elif kind == "block":
            n = len(rec["p"])
            common = {k: v for k, v in rec.items() if k not in ("kind", "b", "p", "s", "values", "t")}
            for i, (p, s) in enumerate(zip(rec["p"], rec["s"])):
                out = dict(common, kind="task", p=p, s=s, t=rec["t"] / n, block=rec["b"], block_t=rec["t"])
                if rec.get("ok"):
                    out["values"] = rec["values"][i]
                yield out


def _datasync(fd):
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def fsync_dir(path):
    """Make a rename or file creation in directory ``path`` durable (no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` atomically: temporary file in the same directory, fsync, rename."""
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(path) or ".")
