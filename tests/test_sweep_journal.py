"""The journal: checksummed append-only records that survive kill -9 at any point."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from hebbian.sweep._journal import Journal, atomic_write_text


def test_round_trip_keeps_every_bit(tmp_path):
    path = tmp_path / "j.jsonl"
    values = [0.1, 1 / 3, 1e-310, -0.0, float("inf"), 2.0 ** 0.5, 123456789.123456789]
    with Journal(path) as j:
        for i, v in enumerate(values):
            j.append({"i": i, "v": v, "s": "tab\there\nnewline", "l": [v, -v]})
    records, bad = Journal.read(path)
    assert bad == 0 and [r["i"] for r in records] == list(range(len(values)))
    for r, v in zip(records, values):
        assert r["v"] == v and str(r["v"]) == str(v) and r["l"] == [v, -v]
        assert r["s"] == "tab\there\nnewline"


def test_torn_tail_is_cut_and_corrupt_lines_skipped(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path) as j:
        for i in range(3):
            j.append({"i": i})
    good = path.read_bytes()
    lines = good.split(b"\n")
    # a flipped byte in record 1 (checksum mismatch) and a torn last line
    corrupt = lines[0] + b"\n" + lines[1].replace(b'"i":1', b'"i":7') + b"\n" + lines[2] + b"\n" + b'{"i":3,"x'
    path.write_bytes(corrupt)
    records, bad = Journal.read(path)
    assert [r["i"] for r in records] == [0, 2] and bad == 2
    j = Journal(path)
    assert j.open() == len(b'{"i":3,"x')          # only the torn tail is cut
    j.append({"i": 4})
    j.close()
    records, bad = Journal.read(path)
    assert [r["i"] for r in records] == [0, 2, 4] and bad == 1


WRITER = textwrap.dedent("""
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("journal", sys.argv[4])
    journal = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(journal)         # the module alone: a fast start
    Journal = journal.Journal
    j = Journal(sys.argv[1], fsync=sys.argv[2] == "1")
    j.open()
    i = int(sys.argv[3])
    pad = "x" * int(sys.argv[5])             # big records: a kill often lands inside a write
    print("ready", flush=True)
    while True:
        j.append({"i": i, "pad": pad})
        i += 1
""")


@pytest.mark.parametrize("fsync", ["0", "1"])
def test_kill_9_at_random_points_never_corrupts_earlier_records(tmp_path, fsync):
    path = tmp_path / "j.jsonl"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    module = Journal.__module__ and sys.modules[Journal.__module__].__file__
    rng = random.Random(1234 + int(fsync))
    n = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, str(script), str(path), fsync, str(n), module,
                                 "50000" if fsync == "1" else "10000"],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        records, bad = Journal.read(path)
        # a valid prefix 0..n-1, at most one torn line at the end
        assert [r["i"] for r in records] == list(range(len(records)))
        assert bad <= 1
        assert len(records) >= n
        n = len(records)
        j = Journal(path)
        j.open()                                 # cuts the torn tail, if any
        j.close()
        assert Journal.read(path) == (records, 0)
    assert n > 0


def test_atomic_write_text(tmp_path):
    path = tmp_path / "c.json"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two" and sorted(os.listdir(tmp_path)) == ["c.json"]
