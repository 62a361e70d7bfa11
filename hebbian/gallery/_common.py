"""Drawing helpers shared by the gallery figures (on top of :mod:`hebbian.plotting`)."""

from __future__ import annotations

import json

import numpy as np

from .. import plotting

#: one colour and marker per system size, in increasing N (Okabe-Ito, black last)
SIZE_COLORS = (plotting.PALETTE[5], plotting.PALETTE[1], plotting.PALETTE[3], plotting.PALETTE[6],
               plotting.PALETTE[7], plotting.PALETTE[2], plotting.PALETTE[0])
SIZE_MARKERS = "os^Dvp<>"
RS_COLOR = plotting.PALETTE[0]          # RS theory: black
RSB_COLOR = plotting.PALETTE[6]         # 1RSB theory: vermillion


def size_style(i, n):
    """Colour, marker and size of the i-th of n system sizes (larger markers for smaller N)."""
    return dict(color=SIZE_COLORS[i % len(SIZE_COLORS)], marker=SIZE_MARKERS[i % len(SIZE_MARKERS)],
                markersize=5.5 - 2.0 * i / max(n - 1, 1))


def lighten(color, amount=0.75):
    """Mix a colour with white (amount = 1 is white)."""
    from matplotlib.colors import to_rgb
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def panel_label(ax, letter):
    ax.text(-0.16, 1.02, f"({letter})", transform=ax.transAxes, fontsize=10, fontweight="bold", va="bottom")


def finite(*arrays):
    """Mask of the points where every array is finite."""
    mask = np.ones(np.shape(arrays[0]), dtype=bool)
    for a in arrays:
        mask &= np.isfinite(np.asarray(a, dtype=float))
    return mask


def converged_curve(ds, x, y="m"):
    """(x, y) of a replica result along one axis, where it converged (a branch: where it exists)."""
    xs = np.asarray(ds[x].values, dtype=float)
    ys = np.asarray(ds[y].values, dtype=float)
    ok = np.asarray(ds["converged"].values, dtype=bool) if "converged" in ds else np.ones(xs.shape, bool)
    ok &= np.isfinite(ys)
    return xs[ok], ys[ok]


def mc_mean(ds, name):
    """The sweep's disorder average of an observable, its error bar and the number of networks.

    These are the numbers of the result file (``<name>``, ``<name>_err``: the standard error
    of the mean over the networks); the gallery computes no error bar of its own.
    """
    return ds[name], ds[f"{name}_err"], int(ds.sizes.get("sample", 1))


def mc_extrapolated(ax, x, ds, name, *, color="0.15", label=r"MC, $N \to \infty$ (fit over the sizes)"):
    """Draw the N -> infinity extrapolations ``<name>_inf +- <name>_inf_err`` of a sweep (stars)."""
    y = np.asarray(ds[f"{name}_inf"].values, float)
    e = np.asarray(ds[f"{name}_inf_err"].values, float)
    ok = finite(x, y, e)
    if ok.any():
        ax.errorbar(np.asarray(x, float)[ok], y[ok], yerr=e[ok], fmt="*", color=color, ms=6.5, mew=0.6,
                    elinewidth=0.9, capsize=1.5, label=label, zorder=5)


ERRORBAR_NOTE = "error bars: standard error of the mean over the networks"


def close(fig):
    import matplotlib.pyplot as plt
    plt.close(fig)


def save(fig, stem):
    paths = plotting.save(fig, str(stem))
    close(fig)
    return paths


def settings_of(ds):
    return json.loads(ds.attrs.get("settings", "{}"))


def params_of(ds):
    return json.loads(ds.attrs.get("params", "{}"))


def quick_note(ax, quick):
    """Mark figures drawn from the reduced --quick sweeps."""
    if quick:
        ax.text(0.99, 0.01, "quick", transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="0.6")
