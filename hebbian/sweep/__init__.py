"""Phase-diagram sweeps: one TOML file -> tasks under MPI (or serially) -> one labelled result.

Public API: :func:`load_config` (read + validate + expand a TOML sweep), :func:`run_sweep`
(run or resume it, serial or MPI), :func:`get_comm`, and the adapter interface
(:class:`Engine`, :func:`register_engine`) that connects an engine to the runner. The result
is read back with :func:`hebbian.load_result`. The command line is ``hebbian-sweep``
(:func:`hebbian.cli.sweep_main`; ``python scripts/sweep.py`` in a checkout).
"""

from ._config import ConfigError, SweepConfig, load_config
from ._engine import Engine, Observable, Setting, engine_versions, register_engine
from ._runner import SweepReport, assemble_partial, get_comm, run_sweep

__all__ = ["load_config", "run_sweep", "assemble_partial", "get_comm", "ConfigError", "SweepConfig", "SweepReport",
           "Engine", "Setting", "Observable", "register_engine", "engine_versions"]
