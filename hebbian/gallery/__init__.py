"""The figure gallery: the canonical figures of the field from sweep results, and the agreement
of Monte Carlo with replica theory.

* :func:`make_figures` -- run (or load) the sweeps of the chosen figures, draw them (PDF and
  PNG) and write ``agreement.json`` (``scripts/figures.py`` is its command line);
* :func:`load_gallery` -- the figures, their configs and the ``--quick`` sizes
  (``configs/gallery.toml``);
* :func:`plot_result` -- a generic figure of any sweep result (``scripts/plot.py``);
* :mod:`hebbian.gallery.agreement` -- the records and the report;
* :mod:`hebbian.gallery.engines` -- the sweep-runner plug-ins of the gallery (transition
  lines of the replica theory, structured data).

The library never plots by itself: these functions are called by the scripts.
"""

from ._gallery import load_gallery, make_figures, sweep_commands
from .generic import plot_result

__all__ = ["make_figures", "load_gallery", "sweep_commands", "plot_result"]
