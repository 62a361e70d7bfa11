"""Plotting helpers shared by the scripts: one look for every figure of the project.

The library never plots by itself; scripts call these helpers. matplotlib is imported lazily,
with the non-interactive Agg backend unless a backend was already chosen, so that
``import hebbian`` stays light and figures render on headless cluster nodes.

* :data:`PALETTE`: the Okabe-Ito colour-blind-safe palette;
* :func:`figure`: a figure with the project's style (sizes for a one-column paper figure);
* :func:`mc_points` / :func:`theory_line`: Monte Carlo points with error bars and theory curves
  drawn the same way everywhere;
* :func:`save`: writes PDF and PNG side by side and returns both paths.
"""

from __future__ import annotations

import os
import sys

__all__ = ["PALETTE", "figure", "mc_points", "theory_line", "save"]

#: Okabe & Ito (2008) colour-blind-safe palette, black first.
PALETTE = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")

_RC = {
    "font.size": 9,
    "axes.labelsize": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "lines.linewidth": 1.4,
    "lines.markersize": 4,
    "errorbar.capsize": 2,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "figure.dpi": 100,
    "mathtext.fontset": "cm",
}


def _pyplot():
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    plt.rcParams.update(_RC)
    plt.rcParams["axes.prop_cycle"] = cycler(color=PALETTE[1:] + PALETTE[:1])
    return plt


def figure(ncols=1, nrows=1, width=3.4, height=2.6, **kwargs):
    """A styled figure and its axes (``plt.subplots``); sizes in inches per panel."""
    plt = _pyplot()
    # one panel -> a single Axes; several -> a 2-D array of Axes (nrows, ncols)
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                        squeeze=(nrows == 1 and ncols == 1), **kwargs)


def mc_points(ax, x, y, yerr, label=None, color=None, marker="o", **kwargs):
    """Monte Carlo estimates with error bars (open markers, no connecting line)."""
    return ax.errorbar(x, y, yerr=yerr, fmt=marker, mfc="white", color=color, label=label, **kwargs)


def theory_line(ax, x, y, label=None, color=None, dashed=False, **kwargs):
    """A theory curve (solid; dashed for metastable / unstable / alternative levels)."""
    return ax.plot(x, y, "--" if dashed else "-", color=color, label=label, **kwargs)[0]


def save(fig, stem):
    """Save ``fig`` as ``stem.pdf`` and ``stem.png`` (directories created); return both paths."""
    stem = os.fspath(stem)
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)
    paths = [stem + ".pdf", stem + ".png"]
    for p in paths:
        fig.savefig(p)
    return paths
