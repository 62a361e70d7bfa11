"""A generic figure of any sweep result (``scripts/plot.py RESULT``).

One figure per observable. The grid axes of the result decide the kind of plot:

* one axis: the observable against it, with error bars where the result has ``<obs>_err``;
* two axes, one of them short (at most :data:`MAX_LINES` values): one line per value of the
  short axis; otherwise a heat map (numbers) or a categorical map (strings such as
  ``branch``), with contours for numbers;
* more axes: one panel per combination of the extra axes (the first :data:`MAX_PANELS`).

Vector observables (a ``pattern`` dimension) get one line per component. Replica points with
``converged = False`` are masked visibly (grey crosses on line plots, hatched cells on maps),
never silently dropped; so are failed tasks (NaN values).
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import numpy as np

from .. import plotting
from ._common import SIZE_COLORS, SIZE_MARKERS, close

__all__ = ["plot_result", "MAX_LINES", "MAX_PANELS"]

MAX_LINES = 8
MAX_PANELS = 6
_SKIP = ("task_", "converged", "message", "reliable", "theory_converged", "theory_message", "theory_rs_stable")
_SYMBOLS = {"alpha": r"$\alpha$", "T": "$T$", "beta": r"$\beta$", "m": "$m$", "q": "$q$", "d": "$d$", "N": "$N$",
            "P": "$P$", "K": "$K$", "M": "$M$", "r": "$r$", "rho": r"$\rho$", "energy": "energy per spin $u$",
            "free_energy": "free energy per spin $f$", "abs_m": "$|m|$", "m_sorted": r"sorted $|m_k|$",
            "m_all": "$m_k$", "alpha_c": r"$\alpha_c$", "entropy": "entropy per spin $s$",
            "tau_m": r"$\tau_m$ (sweeps)",
            "acceptance": "acceptance", "noise": "noise", "accuracy": "accuracy", "m_right": "$m$ (right class)"}


def label(name):
    """Axis label of a parameter or observable: its symbol where there is one."""
    return _SYMBOLS.get(name, name.replace("_", " "))


def plot_result(path, out=None, observables=None):
    """Draw every plottable observable of a sweep result.

    Parameters
    ----------
    path : path-like
        Result file (``.h5``) or sweep output directory.
    out : path-like, optional
        Output stem: figures are ``<out>_<observable>.pdf/.png`` (default: the result path
        without its suffix).
    observables : sequence of str, optional
        Only these (default: every numeric or string observable).

    Returns
    -------
    list of Path
        The files written (PDF and PNG of each figure).
    """
    from ..io import load_result
    ds = load_result(path)
    ds = ds.squeeze([d for d in ds.dims if ds.sizes[d] == 1 and d != "pattern"])   # length-1 axes -> fixed
    path = Path(os.fspath(path))
    stem = Path(out) if out is not None else (path / "result" if path.is_dir() else path.with_suffix(""))
    axes = [d for d in ds.dims if d not in ("sample", "pattern", "pixel")
            and d in ds.coords and ds.sizes[d] > 1]
    names = _observables(ds, observables)
    if not names:
        raise ValueError(f"result {str(path)!r} has no plottable observable (variables: {', '.join(ds.data_vars)})")
    written = []
    for name in names:
        fig = _draw(ds, name, axes)
        written += [Path(p) for p in plotting.save(fig, f"{stem}_{name}")]
        close(fig)
    return written


def _observables(ds, only):
    out = []
    for name, var in ds.data_vars.items():
        if only is not None and name not in only:
            continue
        if name.endswith(("_err", "_samples")) or name.startswith(_SKIP[0]) or name in _SKIP[1:]:
            continue
        if any(d not in ds.coords and d != "pattern" for d in var.dims):
            continue                       # e.g. images (a "pixel" dimension): not a curve
        if var.dtype.kind in "fiuUO":
            out.append(name)
    if only is not None:
        missing = [o for o in only if o not in out]
        if missing:
            raise ValueError(f"observable(s) {missing} not in the result or not plottable "
                             f"(plottable: {', '.join(_observables(ds, None))})")
    return out


def _draw(ds, name, axes):
    var = ds[name]
    extra = [a for a in axes if a in var.dims]
    is_str = var.dtype.kind in "UO"
    if len(extra) <= 1:
        plan = (extra, None, [{}])
    else:
        # two axes: the longer one on x, one line per value of the other if it is short
        shortest = min(extra, key=lambda a: (ds.sizes[a], -extra.index(a)))
        line_axis = shortest if (not is_str and ds.sizes[shortest] <= MAX_LINES) else None
        if line_axis is not None and len(extra) == 2:
            x = [a for a in extra if a != line_axis][0]
            plan = ([x], line_axis, [{}])
        else:
            x, y = extra[-2], extra[-1]
            rest = [a for a in extra if a not in (x, y)]
            combos = [dict(zip(rest, vals)) for vals in itertools.product(*(ds[a].values for a in rest))][:MAX_PANELS]
            plan = ([x, y], None, combos or [{}])
    xs, lines, combos = plan
    ncols = min(len(combos), 3)
    nrows = math.ceil(len(combos) / ncols)
    fig, axs = _grid(ncols, nrows)
    for k, sel in enumerate(combos):
        ax = axs[k // ncols][k % ncols]
        sub = ds.sel(sel) if sel else ds
        if len(xs) == 2:
            _map(ax, sub, name, xs[0], xs[1])
        else:
            _lines(ax, sub, name, xs[0] if xs else None, lines)
        if sel:
            ax.set_title(", ".join(f"{label(a)} = {_fmt(v)}" for a, v in sel.items()), fontsize=8)
    for k in range(len(combos), nrows * ncols):
        axs[k // ncols][k % ncols].set_visible(False)
    title = ds.attrs.get("title", "")
    fixed = _fixed(ds)
    fig.suptitle(f"{title}: {label(name)}" + (f"  ({fixed})" if fixed else ""), fontsize=8)
    fig.tight_layout()
    return fig


def _grid(ncols, nrows):
    fig, axs = plotting.figure(ncols=ncols, nrows=nrows, width=3.6, height=2.8)
    if nrows == 1 and ncols == 1:
        axs = np.array([[axs]])
    return fig, np.asarray(axs).reshape(nrows, ncols)


def _fixed(ds):
    import json
    params = set(json.loads(ds.attrs.get("params", "{}"))) | {"beta"}
    parts = []
    for k, v in ds.coords.items():
        if v.ndim == 0 and k in params and v.dtype.kind in "fi":
            parts.append(f"{k} = {_fmt(v.values.item())}")
    return ", ".join(parts[:6])


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def _converged(sub, name):
    if "converged" in sub and sub["converged"].dtype.kind == "b":
        return sub["converged"]
    return None


def _lines(ax, sub, name, x, line_axis):
    var = sub[name]
    err = sub[f"{name}_err"] if f"{name}_err" in sub else None
    conv = _converged(sub, name)
    if x is None:                                   # a single point (no axis): show values as bars
        vals = np.atleast_1d(np.asarray(var.values, float))
        ax.bar(np.arange(len(vals)), vals, color=plotting.PALETTE[5])
        ax.set_ylabel(label(name))
        return
    groups = [(None, {})] if line_axis is None else [(v, {line_axis: v}) for v in sub[line_axis].values]
    comps = var.sizes.get("pattern", 1)
    xv = np.asarray(sub[x].values)
    for i, (gv, sel) in enumerate(groups):
        y = var.sel(sel) if sel else var
        e = err.sel(sel) if (err is not None and sel) else err
        for c in range(comps):
            yc = y.isel(pattern=c) if "pattern" in y.dims else y
            ec = (e.isel(pattern=c) if "pattern" in e.dims else e) if e is not None else None
            color = SIZE_COLORS[(i * comps + c) % len(SIZE_COLORS)]
            lab = ", ".join(filter(None, [f"{label(line_axis)} = {_fmt(gv)}" if line_axis else None,
                                          f"$k = {c + 1}$" if comps > 1 else None])) or None
            yv = np.asarray(yc.transpose(x, ...).values, float)
            if ec is not None:
                plotting.mc_points(ax, xv, yv, np.asarray(ec.transpose(x, ...).values, float), label=lab,
                                   color=color, marker=SIZE_MARKERS[i % len(SIZE_MARKERS)])
            else:
                ax.plot(xv, yv, "-", marker=".", color=color, label=lab)
        if conv is not None:
            cv = np.asarray((conv.sel(sel) if sel else conv).transpose(x, ...).values, bool).reshape(len(xv), -1)
            bad = ~cv.all(axis=1)
            if bad.any():
                ax.plot(xv[bad], np.zeros(bad.sum()), "x", color="0.5", ms=4, transform=ax.get_xaxis_transform(),
                        clip_on=False, label="not converged" if i == 0 else None)
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(name))
    if x in ("rho",) or (np.all(xv > 0) and xv.max() / max(xv.min(), 1e-300) > 200):
        ax.set_xscale("log")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)


def _map(ax, sub, name, x, y):
    var = sub[name]
    if "pattern" in var.dims:
        var = var.isel(pattern=0)
    xv, yv = np.asarray(sub[x].values), np.asarray(sub[y].values)
    conv = _converged(sub, name)
    if var.dtype.kind in "UO":
        cats = sorted({str(v) for v in np.ravel(var.values)})
        code = np.vectorize(lambda s: cats.index(str(s)))(var.transpose(x, y).values).astype(float)
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Patch
        colors = [SIZE_COLORS[i % len(SIZE_COLORS)] for i in range(len(cats))]
        ax.pcolormesh(xv, yv, code.T, cmap=ListedColormap(colors), vmin=-0.5, vmax=len(cats) - 0.5,
                      shading="nearest")
        ax.legend(handles=[Patch(color=c, label=k or "(none)") for c, k in zip(colors, cats)], fontsize=6,
                  loc="upper right", framealpha=0.9)
    else:
        z = np.asarray(var.transpose(x, y).values, float)
        mesh = ax.pcolormesh(xv, yv, z.T, cmap="cividis", shading="nearest")
        ax.figure.colorbar(mesh, ax=ax, label=label(name))
        if np.isfinite(z).sum() > 4 and np.nanmax(z) > np.nanmin(z) and min(z.shape) > 2:
            ax.contour(xv, yv, z.T, levels=5, colors="white", linewidths=0.5)
    bad = None
    if conv is not None:
        bad = ~np.asarray(conv.transpose(x, y, ...).values, bool).reshape(len(xv), len(yv), -1).all(axis=2)
    if var.dtype.kind not in "UO":
        nan = ~np.isfinite(np.asarray(var.transpose(x, y).values, float))
        bad = nan if bad is None else (bad | nan)
    if bad is not None and bad.any():
        ax.pcolormesh(xv, yv, np.where(bad, 1.0, np.nan).T, cmap="Greys", vmin=0, vmax=2, shading="nearest",
                      hatch="xx", alpha=0.5)
        ax.plot([], [], "s", color="0.7", label="not converged / missing")
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    if x == "rho" or (np.all(xv > 0) and xv.max() / max(xv.min(), 1e-300) > 200):
        ax.set_xscale("log")
