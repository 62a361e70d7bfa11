"""Progress of a sweep on rank 0: a tqdm bar on a terminal, rate-limited log lines in batch jobs.

The ETA is weighted by the tasks' cost estimates: tasks run most expensive first, so a plain
count-based rate would overestimate the remaining time.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "format_duration"]


def format_duration(seconds):
    if seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


class Progress:
    """Report tasks done / total, rate and ETA.

    Parameters
    ----------
    total : int
        Tasks of the whole sweep.
    done : int
        Tasks already finished (resumed from the journal).
    remaining_cost : float
        Sum of the cost estimates of the tasks still to run in this session.
    mode : {"auto", "bar", "log", "none"}
    interval : float
        Minimum seconds between two log lines (first and last lines are always printed).
    stream : file, default sys.stderr
    """

    def __init__(self, total, done, remaining_cost, *, mode="auto", interval=30.0, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "log"
        self.mode = mode
        self.total, self.done0, self.done = total, done, done
        self.failed = 0
        self.remaining_cost, self.cost_done = float(remaining_cost), 0.0
        self.interval = interval
        self.t0 = time.monotonic()
        self._last = -float("inf")
        self._bar = None
        if mode == "bar":
            from tqdm import tqdm
            self._bar = tqdm(total=total, initial=done, unit="task", file=self.stream, dynamic_ncols=True,
                             smoothing=0.05)
        elif mode == "log":
            self._line(force=True)

    def update(self, cost, ok=True):
        """One more task finished (``cost``: its cost estimate)."""
        self.done += 1
        self.failed += not ok
        self.cost_done += cost
        if self._bar is not None:
            self._bar.set_postfix_str(f"ETA~{format_duration(self.eta())}"
                                      + (f", {self.failed} failed" if self.failed else ""), refresh=False)
            self._bar.update(1)
        elif self.mode == "log":
            self._line(force=self.done == self.total)

    def eta(self):
        elapsed = time.monotonic() - self.t0
        if self.cost_done <= 0 or elapsed <= 0:
            return float("nan")
        return elapsed * max(self.remaining_cost - self.cost_done, 0.0) / self.cost_done

    def _line(self, force=False):
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = now - self.t0
        n = self.done - self.done0
        rate = n / elapsed if elapsed > 0 else 0.0
        pct = 100.0 * self.done / self.total if self.total else 100.0
        msg = (f"sweep: {self.done}/{self.total} tasks ({pct:.1f}%), {rate:.3g} tasks/s, "
               f"elapsed {format_duration(elapsed)}, ETA {format_duration(self.eta()) if n else '?'}")
        if self.failed:
            msg += f", {self.failed} failed"
        print(msg, file=self.stream, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
