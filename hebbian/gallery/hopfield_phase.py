"""Figure 1: the Amit-Gutfreund-Sompolinsky phase diagram of the Hopfield network in (alpha, T).

Shaded: the RS thermodynamic state on a grid (retrieval, spin glass, paramagnet). Lines: the
glass temperature T_g = 1 + sqrt(alpha), the retrieval spinodal alpha_M(T) (retrieval states
exist to its left), the line alpha_G(T) left of which retrieval is the global minimum, the AT
line of the RS retrieval state (RS is unstable below it) and the 1RSB retrieval spinodal. The
right panel zooms on the low-T end, where RS is re-entrant and the 1RSB spinodal is not.
Theory only (no Monte Carlo points: figure 2 has them). Regions: R retrieval is the global
minimum, M retrieval is metastable (between alpha_G and alpha_M), SG spin glass, P paramagnet.
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ._common import RSB_COLOR, finite, lighten, panel_label, quick_note, save

__all__ = ["draw", "compare"]

_REGIONS = (("paramagnet", "paramagnet", plotting.PALETTE[0], 0.93),
            ("spin glass", "spin glass", plotting.PALETTE[1], 0.72),
            ("retrieval", "retrieval (global minimum)", plotting.PALETTE[5], 0.75))
_C_SPIN = plotting.PALETTE[5]
_C_GLOBAL = plotting.PALETTE[3]
_C_AT = plotting.PALETTE[7]
_C_TG = plotting.PALETTE[0]


def _line(ds, name):
    """(alpha, T) of one line of a LinesEngine result, where found, ordered along the line."""
    sel = ds.sel(line=name) if "line" in ds.dims else ds
    a, T = np.asarray(sel["alpha"].values, float), np.asarray(sel["T"].values, float)
    ok = finite(a, T) & np.asarray(sel["converged"].values, bool)
    return a[ok], T[ok]


def draw(results, stem, quick=False):
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    states = results["fig1_hopfield_states"]
    lines_T = results["fig1_hopfield_lines_T"]
    lines_a = results["fig1_hopfield_lines_alpha"]
    rsb = results["fig1_hopfield_spinodal_1rsb"]

    fig, axes = plotting.figure(ncols=2, width=3.5, height=3.0)
    ax, zoom = axes[0]

    # shaded thermodynamic states (RS), on the grid
    alpha, T = states["alpha"].values, states["T"].values
    branch = np.asarray(states["branch"].values).astype(str)
    code = np.full(branch.shape, np.nan)
    for i, (key, _, _, _) in enumerate(_REGIONS):
        code[np.char.startswith(branch, key)] = i
    cmap = ListedColormap([lighten(c, f) for _, _, c, f in _REGIONS])
    ax.pcolormesh(alpha, T, code.T, cmap=cmap, vmin=-0.5, vmax=len(_REGIONS) - 0.5, shading="nearest",
                  rasterized=True)

    a_sp, T_sp = _line(lines_T, "spinodal")
    a_gm, T_gm = _line(lines_T, "global_minimum")
    a_at, T_at = _line(lines_a, "at")
    a_tg, T_tg = _line(lines_a, "glass")
    a_1, T_1 = _line(rsb, "spinodal")
    for a in (ax, zoom):
        a.plot(a_tg, T_tg, "-", color=_C_TG, lw=1.2, label=r"$T_g = 1 + \sqrt{\alpha}$")
        a.plot(a_sp, T_sp, "-", color=_C_SPIN, lw=1.6, label=r"retrieval spinodal $\alpha_M(T)$, RS")
        a.plot(a_gm, T_gm, "--", color=_C_GLOBAL, lw=1.4, label=r"retrieval global minimum $\alpha_G(T)$, RS")
        a.plot(a_at, T_at, ":", color=_C_AT, lw=1.6, label=r"AT line of RS retrieval $T_{AT}(\alpha)$")
        a.plot(a_1, T_1, "s-", color=RSB_COLOR, lw=1.1, ms=3.2, mfc="white", label=r"retrieval spinodal, 1RSB")

    ax.set_xlim(0, float(alpha.max()))
    ax.set_ylim(0, float(T.max()))
    ax.set_xlabel(r"load $\alpha = K/N$")
    ax.set_ylabel(r"temperature $T$")
    ax.text(0.012, 0.22, "R", color=_C_SPIN, fontsize=10, fontweight="bold")
    ax.text(0.075, 0.17, "M", color=_C_SPIN, fontsize=10, fontweight="bold")
    ax.text(0.025, 1.33, "P", fontsize=10, fontweight="bold")
    ax.text(0.085, 0.5, "SG", color=plotting.PALETTE[1], fontsize=10, fontweight="bold")
    handles = [Patch(facecolor=lighten(c, f), edgecolor="0.6", lw=0.4, label=lab) for _, lab, c, f in _REGIONS]
    leg = ax.legend(handles=handles, loc="center right", fontsize=6.5, title="RS thermodynamic state",
                    title_fontsize=6.5, framealpha=0.9)
    leg.get_frame().set_facecolor("white")
    panel_label(ax, "a")

    # zoom on the low-temperature end of the retrieval region
    zoom.set_xlim(0.12, 0.1405)
    zoom.set_ylim(0, 0.06)
    zoom.set_xlabel(r"load $\alpha = K/N$")
    zoom.set_ylabel(r"temperature $T$")
    for a_c, lab, c in ((0.1379056, r"$\alpha_c^{RS}$", _C_SPIN), (0.1381865, r"$\alpha_c^{1RSB}$", RSB_COLOR)):
        zoom.axvline(a_c, color=c, lw=0.5, alpha=0.6, zorder=0)
    zoom.legend(loc="upper left", fontsize=6.3)
    panel_label(zoom, "b")
    zoom.text(0.1215, 0.0012, "below the AT line RS retrieval\nis unstable (replica symmetry breaking)",
              fontsize=6.0, color=_C_AT)
    quick_note(zoom, quick)
    fig.tight_layout()
    return save(fig, stem)


def compare(results):
    """No Monte Carlo points; notes: the characteristic numbers read off the lines."""
    notes = []
    a_sp, T_sp = _line(results["fig1_hopfield_lines_T"], "spinodal")
    a_gm, T_gm = _line(results["fig1_hopfield_lines_T"], "global_minimum")
    a_1, T_1 = _line(results["fig1_hopfield_spinodal_1rsb"], "spinodal")
    if a_sp.size:
        i0 = np.argmin(T_sp)
        im = np.argmax(a_sp)
        notes.append(f"RS retrieval spinodal: alpha_M(T = {T_sp[i0]:g}) = {a_sp[i0]:.6f}; maximum "
                     f"{a_sp[im]:.6f} at T = {T_sp[im]:g} (re-entrant: RS retrieval survives at T > 0 "
                     f"beyond its T = 0 capacity)")
    if a_gm.size:
        i0 = np.argmin(T_gm)
        notes.append(f"retrieval is the RS global minimum for alpha < alpha_G(T = {T_gm[i0]:g}) = {a_gm[i0]:.5f}")
    if a_1.size:
        notes.append("1RSB retrieval spinodal: " + ", ".join(f"alpha_M(T = {t:g}) = {a:.6f}"
                                                             for a, t in zip(a_1, T_1)))
    return [], notes
