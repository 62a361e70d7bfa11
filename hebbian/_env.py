"""Switches read from the environment, shared by the engines (``HEBBIAN_NUMBA_CACHE`` etc.)."""

from __future__ import annotations

import os

__all__ = ["env_flag"]


def env_flag(name, default):
    """The boolean environment variable ``name`` (1/0, true/false, yes/no, on/off; unset or
    empty: ``default``); anything else is refused naming the variable and its value."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be 0 or 1 (or true/false), got {raw!r}")
