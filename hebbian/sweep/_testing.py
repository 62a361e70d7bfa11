"""A cheap deterministic engine for tests and benchmarks of the runner (not registered).

Use it in a config as ``engine = "hebbian.sweep._testing:HashEngine"`` with settings in a
``[hash]`` table. Its numbers depend only on the task's seed and parameters, so any change
in seeding, ordering or assembly shows up as a different result.

Settings: ``work`` (seconds of sleep per task), ``spin`` (units of CPU-bound work per
task, about 1 ms each), both multiplied by the parameter ``cost`` when present. A point
with parameter ``fail = 1`` raises (to test failure records); any other numeric parameter
is accepted (``T`` is the alias of ``beta`` as everywhere). :meth:`HashEngine.warm_up`
appends ``"<pid> <time>"`` to the file named by ``HEBBIAN_SWEEP_WARMUP_LOG`` when it is set
(to test the staged warm-up under MPI).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from .. import _checks
from ._engine import Engine, Observable, Setting

__all__ = ["HashEngine"]

_SPIN = np.linspace(0.0, 1.0, 20000)


class HashEngine(Engine):
    name = "hash"
    stochastic = True
    settings = {
        "work": Setting("real", 0.0, dict(lo=0.0), doc="seconds of sleep per task (times cost)"),
        "spin": Setting("int", 0, dict(min=0), doc="units of CPU work per task (times cost)"),
        "flavour": Setting("choice", "plain", ("plain", "salted"), doc="changes every number"),
    }
    observables = {
        "x": Observable("sum of the parameters plus a standard normal draw"),
        "v": Observable("three uniform draws", dim="component"),
        "flag": Observable("a fair coin", error=False, dtype="bool"),
        "label": Observable("hex digest of the first draw", error=False, dtype="str"),
        "y": Observable("a normal draw without error bar", error=False),
    }
    default_observables = ("x", "v", "flag", "label")

    def check_model(self, model):
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty string, got {model!r}")
        return model

    def check_param(self, model, key, value):
        if key == "fail":
            return _checks.integer("fail", value, min=0, max=1)
        if key == "cost":
            return _checks.real("cost", value, lo=0.0)
        if key == "T":
            return _checks.real("T", value, lo=0.0)
        if key == "beta":
            return _checks.real("beta", value, lo=0.0, allow_inf=True)
        return _checks.real(key, value)

    def check_point(self, model, params, settings, observables):
        if params.get("cost", 1.0) > 1e6:
            raise ValueError(f"cost must be <= 1e6 at a point, got {params['cost']}")
        return params

    def cost(self, model, params, settings):
        return params.get("cost", 1.0) * (1.0 + settings["work"] + 1e-3 * settings["spin"])

    def warm_up(self, model, params, settings):
        log = os.environ.get("HEBBIAN_SWEEP_WARMUP_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{os.getpid()} {time.time()!r}\n")

    def run(self, model, params, settings, observables, seed):
        if params.get("fail"):
            raise RuntimeError("this task was asked to fail (fail = 1)")
        scale = params.get("cost", 1.0)
        acc = 0.0
        for _ in range(int(round(settings["spin"] * scale))):
            acc += float(np.sin(_SPIN).sum())            # fixed CPU work, result unused
        if settings["work"] > 0:
            time.sleep(settings["work"] * scale)
        rng = np.random.default_rng(seed)
        if settings["flavour"] == "salted":
            rng.random()
        first = rng.standard_normal()
        base = sum(v for v in params.values() if isinstance(v, float) and math.isfinite(v))
        out = {
            "x": (base + first, abs(rng.standard_normal()) * 0.1),
            "v": (rng.random(3), rng.random(3) * 0.01),
            "flag": bool(rng.random() < 0.5),
            "label": float(first).hex(),
            "y": rng.standard_normal(),
        }
        return {k: out[k] for k in observables}
