"""Build script. Everything but the package list is declared in setup.cfg (also the package
data of ``hebbian.configs``: a ``package_data`` here would replace setup.cfg's, not add to it).

The list is here because of one line setup.cfg cannot express: the repository keeps the sweep
configs in its top-level ``configs/`` directory (the documented layout, ``configs/<name>.toml``
in every command), and the wheel must ship them inside the package, as ``hebbian/configs``.
setuptools' ``package_dir`` mapping does exactly that, but the mapped package must be listed
next to the ones found automatically, and ``packages = find:`` in setup.cfg cannot add it.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["hebbian", "hebbian.*", "montecarlo", "montecarlo.*",
                                    "replica", "replica.*"]) + ["hebbian.configs"],
    package_dir={"hebbian.configs": "configs"},
)
