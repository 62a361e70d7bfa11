"""The engine-adapter interface between the sweep runner and the compute engines.

An adapter turns one grid point (model parameters + engine settings) and one keyed random
stream into a dict of observables. The runner knows nothing else about the engines: it
validates a config through :meth:`Engine.check_param` / :meth:`Engine.check_point`, orders
tasks by :meth:`Engine.cost`, and calls :meth:`Engine.run` -- or, for an engine with a block
budget (:attr:`Engine.block_cost`), :meth:`Engine.run_block` on blocks of grid points. The
built-in adapters live
with their engines (``montecarlo._sweep``, ``replica._sweep``) and register by name when
the runner first asks for them, so ``hebbian`` imports without ``montecarlo`` or ``replica``.

Engines are found by name in a registry (:func:`register_engine`) or, for plug-ins and
tests, by an import path ``"package.module:ClassName"`` in the config's ``engine`` key.
"""

from __future__ import annotations

import abc
import difflib
import importlib
import numbers
from dataclasses import dataclass, field

from .. import _checks

__all__ = ["Engine", "Setting", "Observable", "register_engine", "get_engine", "engine_versions",
           "BUILTIN_ENGINES", "REQUIRED"]

REQUIRED = object()


@dataclass(frozen=True)
class Setting:
    """One key of an engine's settings table (``[montecarlo]``, ``[replica]``).

    kind : {"int", "real", "bool", "choice", "str", "table"}
    default : value, or :data:`REQUIRED`
    spec : keyword arguments of the :mod:`hebbian._checks` helper (int/real), or the allowed
        values (choice)
    """

    kind: str
    default: object = REQUIRED
    spec: object = field(default_factory=dict)
    doc: str = ""

    def check(self, name, value):
        if self.kind == "int":
            return _checks.integer(name, value, **self.spec)
        if self.kind == "real":
            return _checks.real(name, value, **self.spec)
        if self.kind == "choice":
            return _checks.choice(name, value, tuple(self.spec))
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {value!r}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string, got {value!r}")
            return value
        if self.kind == "table":
            if not isinstance(value, dict):
                raise ValueError(f"{name} must be a table, got {value!r}")
            return dict(value)
        raise ValueError(f"unknown setting kind {self.kind!r}")


@dataclass(frozen=True)
class Observable:
    """What an engine can measure at a grid point.

    error : bool
        The adapter returns ``(value, error)`` and the result has ``<name>_err``.
    dim : str or None
        Name of the extra dimension of a vector observable (e.g. ``"pattern"``); vectors of
        different lengths across the grid are padded with NaN.
    dtype : {"float", "int", "bool", "str"}
    """

    doc: str
    error: bool = True
    dim: str | None = None
    dtype: str = "float"


class Engine(abc.ABC):
    """Base class of an engine adapter.

    Class attributes
    ----------------
    name : str
        Registry name, also the name of the settings table in the config.
    stochastic : bool
        True if results depend on the seed (then ``seed`` is required and ``samples`` may
        exceed 1); False for deterministic engines (replica theory).
    settings : dict of str -> Setting
        Keys of the engine's settings table. Any setting may also be a grid axis.
    observables : dict of str -> Observable
    default_observables : tuple of str
    block_cost : float
        Largest total :meth:`cost` of a block task (several grid points computed by one
        :meth:`run_block` call and journaled together); 0 (default): one point per task.
        Worth it where one call on many points costs far less than a call per point.
    theory_observables : dict of str -> (str, tuple of str or None)
        Observables that the replica theory predicts at N -> infinity: name -> (the replica
        engine's observable, the model families where it exists or None for all). A
        non-empty table allows a ``[theory]`` table in the engine's configs.
    """

    name: str = ""
    block_cost: float = 0.0
    stochastic: bool = True
    settings: dict = {}
    observables: dict = {}
    default_observables: tuple = ()
    theory_observables: dict = {}

    # ----------------------------------------------------------------- validation
    def check_param(self, model, key, value):
        """Validate one model parameter on its own; return its canonical value.

        The default checks a parameter of a :mod:`hebbian.models` family (``T`` >= 0 is
        accepted everywhere as the alias of ``beta = 1/T``).
        """
        from .. import models
        if key == "T":
            return _checks.real("T", value, lo=0.0)
        _checks.choice("model", model, tuple(models.FAMILIES))
        required, optional = models.FAMILIES[model]
        allowed = set(required) | set(optional)
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed | {"T"} | set(self.settings)), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown parameter {key!r} for model {model!r}{hint} "
                             f"(model parameters: {', '.join(sorted(allowed | {'T'}))}; "
                             f"[{self.name}] settings: {', '.join(self.settings)})")
        return models._check_one(key, value)

    def check_model(self, model):
        """Validate the model name (default: a :mod:`hebbian.models` family)."""
        from .. import models
        return _checks.choice("model", model, tuple(models.FAMILIES))

    @abc.abstractmethod
    def check_point(self, model, params, settings, observables):
        """Validate one grid point as a whole; return the completed model parameters.

        Parameters
        ----------
        model : str
        params : dict
            Model parameters of the point, ``beta`` already converted from ``T``.
        settings : dict
            Engine settings of the point, defaults filled.
        observables : tuple of str

        Raises
        ------
        ValueError
            Inconsistent parameters, or an observable unavailable at this point.
        """

    def cost(self, model, params, settings):
        """Relative cost estimate of one task (only the ordering matters)."""
        return 1.0

    def warm_up(self, model, params, settings):
        """Compile and cache the engine's kernels (called on one rank before the others)."""

    @abc.abstractmethod
    def run(self, model, params, settings, observables, seed):
        """Compute one task.

        Parameters
        ----------
        model, params, settings
            As validated by :meth:`check_point`.
        observables : tuple of str
        seed : numpy.random.SeedSequence
            Derived from (config seed, task index, disorder sample) only.

        Returns
        -------
        dict
            ``name -> (value, error)`` for observables with ``error=True``, else
            ``name -> value``; values are scalars or 1-d arrays (``dim`` set).
        """

    def block_key(self, model, params, settings):
        """Points with equal keys (and equal settings) may share a block task; default: all may."""
        return None

    def run_block(self, model, points, settings, observables, seeds=None):
        """Compute several grid points that share ``settings`` (optional, for vectorised engines).

        An engine that solves many points at once far faster than one by one (the replica
        theory: one vectorised solve of a whole grid) overrides this; the result must be,
        point by point, what :meth:`run` returns. The default calls :meth:`run` per point.

        Parameters
        ----------
        model : str
        points : list of dict
            Model parameters of each point, as validated by :meth:`check_point`.
        settings : dict
            Engine settings, the same for every point of the block.
        observables : tuple of str
        seeds : list of numpy.random.SeedSequence, optional
            One per point (required by stochastic engines).

        Returns
        -------
        list of dict
            One record per point, in the order of ``points`` (as :meth:`run` returns).
        """
        if seeds is None:
            seeds = [None] * len(points)
        return [self.run(model, dict(p), dict(settings), observables, s) for p, s in zip(points, seeds)]

    def versions(self):
        """Versions of the engine packages, for provenance (``{name: version}``)."""
        return {}


_REGISTRY: dict = {}

#: the engines shipped with the package: name -> module that registers it when imported
#: (imported only when a config names the engine, so ``hebbian`` imports no engine)
BUILTIN_ENGINES = {"montecarlo": "montecarlo._sweep", "replica": "replica._sweep"}


def register_engine(name, engine_class):
    """Make ``engine = "<name>"`` in a config use ``engine_class`` (an :class:`Engine` subclass)."""
    if not (isinstance(engine_class, type) and issubclass(engine_class, Engine)):
        raise ValueError(f"engine_class must be a subclass of Engine, got {engine_class!r}")
    _REGISTRY[name] = engine_class


def get_engine(name):
    """Instantiate the engine adapter for a config's ``engine`` value.

    ``name`` is a registered name (the built-in ``"montecarlo"`` and ``"replica"`` register
    when their adapter module is first imported) or an import path
    ``"package.module:ClassName"``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"engine must be a non-empty string, got {name!r}")
    if name not in _REGISTRY and name in BUILTIN_ENGINES:
        importlib.import_module(BUILTIN_ENGINES[name])
    if name in _REGISTRY:
        return _REGISTRY[name]()
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"engine {name!r} cannot be imported: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Engine)):
            raise ValueError(f"engine {name!r} is not an Engine subclass")
        return cls()
    known = sorted(set(_REGISTRY) | set(BUILTIN_ENGINES))
    raise ValueError(f"engine must be one of {', '.join(repr(n) for n in known)} "
                     f"or 'package.module:Class', got {name!r}")


def engine_versions(module):
    """``{module: version}`` of an engine package (its own ``__version__``, else hebbian's)."""
    from .. import __version__
    mod = importlib.import_module(module)
    return {module: getattr(mod, "__version__", __version__)}


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
