"""Where the sweep configs shipped with the project are, in a checkout and in an installed wheel.

The repository keeps them in its top-level ``configs/`` directory; the wheel ships the same
files as package data in ``hebbian/configs/`` (``package_dir`` mapping in ``setup.py``). An
editable install (``pip install -e .``) and a plain checkout read the repository's directory.
``$HEBBIAN_CONFIGS`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["configs_dir", "config_names", "find_config"]

_PACKAGE = Path(__file__).resolve().parent


def configs_dir():
    """The directory of the shipped configs: ``$HEBBIAN_CONFIGS``, else the installed package's
    ``hebbian/configs/`` (wheel), else ``configs/`` next to the ``hebbian`` package (checkout)."""
    env = os.environ.get("HEBBIAN_CONFIGS")
    if env:
        return Path(env)
    installed = _PACKAGE / "configs"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "configs"


def config_names():
    """Names of the shipped configs (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in configs_dir().glob("*.toml"))


def find_config(name_or_path):
    """The config file for a path or the name of a shipped config.

    An existing file wins; otherwise a bare name (``smoke`` or ``smoke.toml``, no directory
    part) is looked up in :func:`configs_dir`.

    Raises
    ------
    FileNotFoundError
        Neither a file nor a shipped name; the message lists the shipped names.
    """
    text = os.fspath(name_or_path)
    path = Path(text)
    if path.is_file():
        return path
    if path.name == text and text:                      # a bare name, no directory part
        shipped = configs_dir() / (text if text.endswith(".toml") else text + ".toml")
        if shipped.is_file():
            return shipped
    stem = path.name[:-5] if path.name.endswith(".toml") else path.name
    if path.name != text and stem in config_names():
        raise FileNotFoundError(f"no config file {text!r} here; the shipped config of that name runs by "
                                f"name from any directory: {stem!r} ({str(configs_dir() / (stem + '.toml'))!r})")
    names = ", ".join(config_names()) or "none found"
    raise FileNotFoundError(f"no config file {text!r}, and no shipped config of that name in "
                            f"{str(configs_dir())!r} (shipped: {names})")
