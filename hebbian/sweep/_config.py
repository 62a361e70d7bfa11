"""Sweep configuration: TOML in, a fully validated and expanded :class:`SweepConfig` out.

A config file::

    engine = "montecarlo"          # or "replica", or "package.module:EngineClass"
    model = "hopfield"             # a hebbian.models family
    name = "smoke"                 # optional; default: the file name
    seed = 1                       # required for stochastic engines
    samples = 2                    # disorder samples per grid point (default 1)
    observables = ["m", "energy"]  # default: the engine's default list
    output = "results/smoke.h5"    # default: results/<name>.h5

    [params]                       # fixed model parameters (T is an alias of beta = 1/T)
    alpha = 0.05

    [grid]                         # axes, in this order (the last one varies fastest)
    T = {start = 0.1, stop = 1.2, num = 12}            # spacing = "linear" (default) | "log"
    N = [200, 400]                 # lists of values; engine settings may be axes too

    [montecarlo]                   # settings of the chosen engine
    N = 400
    sweeps = 2000

    [run]                          # run-time switches: not part of the config hash
    numba_cache = true

    [theory]                       # Monte Carlo only: replica theory on the grid, N -> infinity
    level = "rs"                   # extrapolations and z-scores (see hebbian.sweep._theory)
    branch = "retrieval"

Everything is checked before any work: unknown keys (with a did-you-mean), wrong types,
bad ranges, empty grids, and every grid point as a whole through the engine adapter. Errors
are :class:`ConfigError` (a ``ValueError``) whose message starts with the offending key.

The canonical task order is the C order of the grid (last axis fastest); the task index of a
grid point is its position in that order, whatever order the tasks are executed in.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _checks
from ._engine import REQUIRED, Setting, get_engine, is_number
from ._theory import parse_theory

try:                                   # Python >= 3.11
    import tomllib
except ModuleNotFoundError:            # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "SweepConfig", "load_config", "parse_override", "DEFAULT_CONFIG"]

#: the embedded default sweep run by ``python scripts/sweep.py`` without arguments
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "data" / "default_sweep.toml"

_TOP_KEYS = ("engine", "model", "name", "description", "seed", "samples", "observables", "output",
             "params", "grid", "run", "theory")
_RESULT_SUFFIXES = (".h5", ".nc", ".nc4", ".hdf5")
_FORMAT = 1     # bump when the meaning of a config (hence of its hash) changes


class ConfigError(ValueError):
    """An invalid sweep configuration; the message names the offending key."""


#: run-time switches ([run] table); they do not change any number, so they are not hashed
RUN_SETTINGS = {
    "numba_cache": Setting("bool", True, doc="use Numba's on-disk cache (also env HEBBIAN_NUMBA_CACHE=0)"),
    "root_computes": Setting("str", "auto", doc='"auto" (rank 0 computes when ranks <= 4), "yes" or "no"'),
    "prefetch": Setting("int", 2, dict(min=1, max=64), doc="tasks queued per worker"),
    "progress": Setting("choice", "auto", ("auto", "bar", "log", "none"),
                        doc="tqdm bar on a terminal, rate-limited log lines otherwise"),
    "log_interval": Setting("real", 30.0, dict(lo=0.0, lo_open=True), doc="seconds between log lines"),
    "fsync": Setting("bool", True, doc="flush the journal to disk (fdatasync)"),
    "fsync_interval": Setting("real", 1.0, dict(lo=0.0),
                              doc="seconds a finished task may wait for its flush (0: flush every record)"),
}


@dataclass
class SweepConfig:
    """A validated sweep: engine, model, fixed parameters, grid, seeds, output.

    Attributes
    ----------
    engine : Engine
        The adapter instance; ``engine_name`` is the config's string.
    axes : tuple of (str, tuple)
        Grid axes in config order, with their values as written (``T`` stays ``T``).
    points : list of (dict, dict)
        Per grid point, in canonical order: completed model parameters (``beta`` for
        ``T``) and engine settings.
    normalized : dict
        The canonical content that determines every number of the sweep; ``sha256`` is its
        hash (output path, ``[run]`` switches and ``[theory]`` excluded).
    theory : TheorySpec or None
        The validated ``[theory]`` table of a Monte Carlo sweep (see :mod:`._theory`).
    """

    engine: object
    engine_name: str
    model: str
    name: str
    description: str
    seed: int
    samples: int
    observables: tuple
    params: dict
    settings: dict
    axes: tuple
    points: list
    output: str
    run: dict
    text: str
    overrides: tuple
    source: str
    normalized: dict = field(repr=False)
    sha256: str = ""
    theory: object = None

    @property
    def shape(self):
        return tuple(len(v) for _, v in self.axes)

    @property
    def n_points(self):
        return len(self.points)

    @property
    def n_tasks(self):
        return len(self.points) * self.samples

    def task_seed(self, point, sample):
        """The random stream of one task: ``SeedSequence(seed, spawn_key=(point, sample))``."""
        return np.random.SeedSequence(self.seed, spawn_key=(int(point), int(sample)))

    def coords(self, point):
        """Axis values of a grid point, ``{axis: value}``."""
        idx = np.unravel_index(point, self.shape)
        return {name: values[i] for (name, values), i in zip(self.axes, idx)}

    def paths(self, out=None):
        """``(result_file, work_dir)`` for an output given as a file (``.h5``) or a directory.

        ``results/x.h5`` -> ``results/x.h5`` and the journal in ``results/x.sweep/``;
        ``out/smoke`` -> ``out/smoke/result.h5`` and the journal in ``out/smoke/``.
        """
        return output_paths(out if out is not None else self.output)


def output_paths(out):
    out = Path(os.fspath(out))
    if out.suffix.lower() in _RESULT_SUFFIXES:
        return out, out.with_suffix(".sweep")
    return out / "result.h5", out


def parse_override(text):
    """Parse ``key=value`` (dotted key, TOML value; a bare word is a string)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set expects key=value, got {text!r}")
    parts = [p.strip() for p in key.split(".")]
    if any(not p for p in parts):
        raise ConfigError(f"--set key {key!r} is not a valid dotted key")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if raw and all(c.isalnum() or c in "_-+./:" for c in raw):
            value = raw                 # a bare word: --set engine=replica
        else:
            raise ConfigError(f"--set {key}: {raw!r} is not a TOML value (quote strings)") from None
    return parts, value


def load_config(source=None, overrides=(), *, text=None):
    """Read, override and validate a sweep config.

    Parameters
    ----------
    source : path, name or None
        TOML file, or the name of a shipped config (``"smoke"``: ``configs/smoke.toml``, also
        from an installed wheel) when no such file exists; ``None`` (and no ``text``) is the
        embedded default sweep.
    overrides : sequence of str
        ``"key=value"`` with dotted keys and TOML values, applied before validation.
    text : str, optional
        The TOML text itself (``source`` is then only used in messages and for the name).

    Returns
    -------
    SweepConfig

    Raises
    ------
    ConfigError
        Anything invalid, before any work; the message names the key.
    """
    if text is None:
        path = _shipped_or_path(source) if source is not None else DEFAULT_CONFIG
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config {str(path)!r}: {exc.strerror}") from None
        source = str(path)
        default_name = "default" if path == DEFAULT_CONFIG else path.stem
    else:
        default_name = Path(source).stem if source else "sweep"
        source = str(source) if source else "<text>"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {source!r} is not valid TOML: {exc}") from None
    overrides = tuple(overrides)
    unmodified = tomllib.loads(text) if overrides else None
    for item in overrides:
        parts, value = parse_override(item)
        table = raw
        for i, part in enumerate(parts[:-1]):
            sub = table.setdefault(part, {})
            if not isinstance(sub, dict):
                raise ConfigError(f"--set {item}: config key {'.'.join(parts[:i + 1])!r} is not a table")
            table = sub
        table[parts[-1]] = value
    config = _validate(raw, text=text, overrides=overrides, source=source, default_name=default_name)
    if unmodified is not None and not any(parse_override(o)[0] == ["output"] for o in overrides):
        config.output = _output_of_changed(config, unmodified, text=text, source=source, default_name=default_name)
    return config


def _shipped_or_path(source):
    from .._resources import find_config
    try:
        return find_config(source)
    except FileNotFoundError:
        return Path(source)              # reported as unreadable below


def _output_of_changed(config, unmodified, **kw):
    """``--set`` without ``--out`` must never write into the unmodified config's output (a later
    plain run would find a sweep of another config there). When the overrides change the sweep
    (its hash), the output gets the hash: ``results/x.h5`` -> ``results/x-set-<sha8>.h5``;
    deterministic, so the same command resumes the same output."""
    try:
        base = _validate(unmodified, overrides=(), **kw)
    except ConfigError:                  # only valid with the overrides: surely another sweep
        base = None
    if base is not None and (base.output != config.output or base.sha256 == config.sha256):
        return config.output             # another output already, or the same sweep ([run] switches)
    path = Path(config.output)
    if path.suffix.lower() in _RESULT_SUFFIXES:
        return str(path.with_name(f"{path.stem}-set-{config.sha256[:8]}{path.suffix}"))
    return str(path.with_name(f"{path.name}-set-{config.sha256[:8]}"))


# ---------------------------------------------------------------------------- validation
def _validate(raw, *, text, overrides, source, default_name):
    engine_name = _required(raw, "engine")
    if not isinstance(engine_name, str):
        raise ConfigError(f"config key 'engine' must be a string, got {engine_name!r}")
    try:
        engine = get_engine(engine_name)
    except ValueError as exc:
        raise ConfigError(f"config key 'engine': {exc}") from None
    table = engine.name or "engine"
    _unknown(raw, _TOP_KEYS + (table,), "")
    for key in ("params", "grid", "run", "theory", table):
        if key in raw and not isinstance(raw[key], dict):
            raise ConfigError(f"config key {key!r} must be a table ([{key}]), got {raw[key]!r}")
    if "theory" in raw and not engine.theory_observables:
        raise ConfigError(f"config key 'theory': a [theory] table needs a Monte Carlo engine (engine = 'montecarlo'), "
                          f"got engine = {engine_name!r}")

    model = _required(raw, "model")
    try:
        model = engine.check_model(model)
    except ValueError as exc:
        raise ConfigError(f"config key 'model': {exc}") from None
    name = _typed(raw, "name", str, default_name)
    description = _typed(raw, "description", str, "")
    if engine.stochastic:
        seed = _int(raw, "seed", None, min=0)
        samples = _int(raw, "samples", 1, min=1)
    else:
        seed = _int(raw, "seed", 0, min=0)
        samples = _int(raw, "samples", 1, min=1, max=1)
    output = _typed(raw, "output", str, f"results/{name}.h5")
    if not output:
        raise ConfigError("config key 'output' must be a non-empty path")

    observables = raw.get("observables", list(engine.default_observables))
    if not isinstance(observables, list) or not observables or not all(isinstance(o, str) for o in observables):
        raise ConfigError(f"config key 'observables' must be a non-empty list of strings, got {observables!r}")
    if len(set(observables)) != len(observables):
        raise ConfigError(f"config key 'observables' lists a name twice: {observables!r}")
    for o in observables:
        if o not in engine.observables:
            raise ConfigError(f"config key 'observables': unknown observable {o!r} for engine {engine_name!r}"
                              f"{_suggest(o, engine.observables)} (available: {', '.join(engine.observables)})")

    run = _settings(raw.get("run", {}), RUN_SETTINGS, "run")
    if run["root_computes"] not in ("auto", "yes", "no"):
        raise ConfigError(f"config key 'run.root_computes' must be one of 'auto', 'yes', 'no', "
                          f"got {run['root_computes']!r}")

    # fixed values: model parameters and engine settings, each checked on its own
    params = {}
    for key, value in raw.get("params", {}).items():
        if key in engine.settings:
            raise ConfigError(f"config key 'params.{key}': {key!r} is a [{table}] setting, not a model parameter")
        params[key] = _check_param(engine, model, key, value, f"params.{key}")
    settings_raw = raw.get(table, {})
    fixed_settings = {}
    for key, value in settings_raw.items():
        if key not in engine.settings:
            raise ConfigError(f"config key '{table}.{key}': unknown setting{_suggest(key, engine.settings)} "
                              f"(allowed: {', '.join(engine.settings)})")
        fixed_settings[key] = _check_setting(engine.settings[key], key, value, f"{table}.{key}")
    if "T" in params and "beta" in params:
        raise ConfigError("config keys 'params.T' and 'params.beta': give one of them (beta = 1/T)")

    # grid axes
    grid = raw.get("grid")
    if not grid:
        raise ConfigError("config key 'grid': the grid is empty; give at least one axis, e.g. "
                          "[grid] T = [0.5, 1.0]")
    axes = []
    for key, spec in grid.items():
        where = f"grid.{key}"
        if key in params or key in fixed_settings:
            raise ConfigError(f"config key {where!r}: {key!r} is also fixed in "
                              f"[{'params' if key in params else table}]; give it in one place")
        values = _axis_values(where, spec)
        if key in engine.settings:
            checked = [_check_setting(engine.settings[key], key, v, f"{where}[{i}]") for i, v in enumerate(values)]
        else:
            checked = [_check_param(engine, model, key, v, f"{where}[{i}]") for i, v in enumerate(values)]
        if len(set(map(_hashable, checked))) != len(checked):
            raise ConfigError(f"config key {where!r}: repeated values {values!r}")
        axes.append((key, tuple(checked)))
    names = [k for k, _ in axes]
    if ("T" in names or "T" in params) and ("beta" in names or "beta" in params):
        raise ConfigError("config keys 'T' and 'beta': sweep or fix one of them (beta = 1/T), not both")

    settings = {}
    for key, spec in engine.settings.items():
        if key in fixed_settings:
            settings[key] = fixed_settings[key]
        elif key in names:
            continue
        elif spec.default is not REQUIRED:
            settings[key] = spec.default
        else:
            raise ConfigError(f"config key '{table}.{key}' is required (or make it a grid axis 'grid.{key}')")

    # every grid point as a whole
    points = []
    for idx in itertools.product(*(range(len(v)) for _, v in axes)):
        p, s = dict(params), dict(settings)
        for (key, values), i in zip(axes, idx):
            (s if key in engine.settings else p)[key] = values[i]
        if "T" in p:
            T = p.pop("T")
            p["beta"] = math.inf if T == 0.0 else 1.0 / T
        try:
            p = engine.check_point(model, p, s, tuple(observables))
        except ValueError as exc:
            at = ", ".join(f"{k}={values[i]!r}" for (k, values), i in zip(axes, idx))
            raise ConfigError(f"config [params]/[grid]/[{table}] at grid point {at} "
                              f"(task {len(points)}): {exc}") from None
        points.append((p, s))

    theory = None
    if "theory" in raw:
        try:
            theory = parse_theory(raw["theory"], engine=engine, model=model, axes=axes,
                                  points=points, observables=tuple(observables))
        except ValueError as exc:
            raise ConfigError(f"config key 'theory': {exc}") from None

    normalized = {
        "format": _FORMAT, "engine": engine_name, "model": model, "seed": seed, "samples": samples,
        "observables": list(observables), "params": _canon(params), "settings": _canon(settings),
        "grid": [[k, [_canon(v) for v in values]] for k, values in axes],
    }
    digest = hashlib.sha256(json.dumps(normalized, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return SweepConfig(engine=engine, engine_name=engine_name, model=model, name=name, description=description,
                       seed=seed, samples=samples, observables=tuple(observables), params=params,
                       settings=settings, axes=tuple(axes), points=points, output=output, run=run, text=text,
                       overrides=overrides, source=source, normalized=normalized, sha256=digest, theory=theory)


def _axis_values(where, spec):
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(f"config key {where!r}: empty list of values")
        for v in spec:
            if isinstance(v, (list, dict)) or not (is_number(v) or isinstance(v, (str, bool))):
                raise ConfigError(f"config key {where!r}: values must be numbers or strings, got {v!r}")
        return list(spec)
    if isinstance(spec, dict):
        _unknown(spec, ("start", "stop", "num", "spacing"), where + ".")
        for key in ("start", "stop", "num"):
            if key not in spec:
                raise ConfigError(f"config key '{where}.{key}' is required for a start/stop/num axis")
        start, stop = (_real(spec[k], f"{where}.{k}") for k in ("start", "stop"))
        try:
            num = _checks.integer(f"{where}.num", spec["num"], min=1)
        except ValueError as exc:
            raise ConfigError(f"config key '{where}.num': {exc}") from None
        spacing = spec.get("spacing", "linear")
        if spacing not in ("linear", "log"):
            raise ConfigError(f"config key '{where}.spacing' must be 'linear' or 'log', got {spacing!r}")
        if num == 1 and start != stop:
            raise ConfigError(f"config key {where!r}: num = 1 needs start == stop, got {start} and {stop}")
        if spacing == "log":
            if start <= 0 or stop <= 0:
                raise ConfigError(f"config key {where!r}: log spacing needs start > 0 and stop > 0, "
                                  f"got {start} and {stop}")
            values = np.geomspace(start, stop, num)
        else:
            values = np.linspace(start, stop, num)
        return [float(v) for v in values]
    raise ConfigError(f"config key {where!r} must be a list of values or a table "
                      f"{{start, stop, num, spacing}}, got {spec!r}")


def _check_param(engine, model, key, value, where):
    if isinstance(value, (list, dict)):
        raise ConfigError(f"config key {where!r} must be a single value, got {value!r}"
                          + (" (sweep it under [grid])" if where.startswith("params") else ""))
    try:
        return engine.check_param(model, key, value)
    except ValueError as exc:
        raise ConfigError(f"config key {where!r}: {exc}") from None


def _check_setting(spec, key, value, where):
    if isinstance(value, list) and spec.kind != "table":
        raise ConfigError(f"config key {where!r} must be a single value, got {value!r} (sweep it under [grid])")
    try:
        return spec.check(key, value)
    except ValueError as exc:
        raise ConfigError(f"config key {where!r}: {exc}") from None


def _settings(table, specs, prefix):
    out = {}
    for key, value in table.items():
        if key not in specs:
            raise ConfigError(f"config key '{prefix}.{key}': unknown setting{_suggest(key, specs)} "
                              f"(allowed: {', '.join(specs)})")
        out[key] = _check_setting(specs[key], key, value, f"{prefix}.{key}")
    for key, spec in specs.items():
        out.setdefault(key, spec.default)
    return out


def _required(raw, key):
    if key not in raw:
        raise ConfigError(f"config key {key!r} is required")
    return raw[key]


def _typed(raw, key, typ, default):
    value = raw.get(key, default)
    if not isinstance(value, typ):
        raise ConfigError(f"config key {key!r} must be a {typ.__name__}, got {value!r}")
    return value


def _int(raw, key, default, **limits):
    if key not in raw and default is None:
        raise ConfigError(f"config key {key!r} is required")
    try:
        return _checks.integer(key, raw.get(key, default), **limits)
    except ValueError as exc:
        raise ConfigError(f"config key {key!r}: {exc}") from None


def _real(value, where):
    try:
        return _checks.real(where, value)
    except ValueError as exc:
        raise ConfigError(f"config key {where!r}: {exc}") from None


def _unknown(table, allowed, prefix):
    for key in table:
        if key not in allowed:
            raise ConfigError(f"config key '{prefix}{key}': unknown key{_suggest(key, allowed)} "
                              f"(allowed: {', '.join(allowed)})")


def _suggest(key, choices):
    close = difflib.get_close_matches(key, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _hashable(v):
    return (type(v).__name__, v)


def _canon(v):
    """JSON-ready canonical form (floats keep every bit through repr)."""
    if isinstance(v, dict):
        return {k: _canon(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [_canon(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v
