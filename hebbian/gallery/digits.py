"""Figure 6: structured data -- the shipped 8x8 handwritten digits (N = 64, ten classes).

(a) For one draw of examples: the class archetypes (sign of the sum of all images of the
class), held-out test images with a fraction ``noise`` of their pixels flipped (15% in the
config), and the states zero-temperature dynamics reaches from them in networks of order
P = 2 and the largest P, learnt (supervised) from the largest M. (b) Overlap of the final state with the archetype of the right class
and (c) the fraction of test images that end closest to the right archetype, versus the
number of examples per class M, for P = 2, 4, 6, 8, supervised (filled) and unsupervised
(open), mean over draws of examples and test images.

The digits are not random patterns: their archetypes overlap strongly (mean |overlap| ~ 0.55,
a shared background), so with P = 2 all inputs fall into one mixture attractor (the overlap
with the right archetype stays ~0.65 through the shared component, at chance accuracy 0.1),
and higher-order (dense) couplings are needed to separate the classes. No replica theory
applies to these correlated patterns: the figure has no agreement records.
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ._common import mc_mean, panel_label, quick_note, save

__all__ = ["draw", "compare"]

_P_COLORS = {2: plotting.PALETTE[0], 4: plotting.PALETTE[5], 6: plotting.PALETTE[6], 8: plotting.PALETTE[3],
             10: plotting.PALETTE[7]}


def _archetypes():
    from .. import datasets
    images, labels = datasets.digits()
    xi, _, _ = datasets.archetypes_and_examples(images, labels, M=1)
    return xi


def _mosaic(rows, gap=1):
    """Tile rows of ten 64-pixel images (+-1) into one array (NaN gaps)."""
    n_rows, n_cols = len(rows), 10
    out = np.full((n_rows * (8 + gap) - gap, n_cols * (8 + gap) - gap), np.nan)
    for i, row in enumerate(rows):
        for j in range(n_cols):
            out[i * (8 + gap):i * (8 + gap) + 8, j * (8 + gap):j * (8 + gap) + 8] = np.asarray(row[j]).reshape(8, 8)
    return out


def _picture(ds, rule, P, M, name, sample=0):
    key = f"{name}_samples" if f"{name}_samples" in ds else name
    sel = ds[key].sel(rule=rule, P=P, M=M)
    if "sample" in sel.dims:
        sel = sel.isel(sample=sample)
    return np.asarray(sel.values, float).reshape(10, 64)


def draw(results, stem, quick=False):
    ds = results["fig6_digits"]
    fig = plotting.figure(width=10.2, height=2.9)[0]
    fig.clf()
    gs = fig.add_gridspec(1, 3, width_ratios=[1.35, 1, 1], wspace=0.33)
    ax_img, ax_m, ax_a = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])

    Ps = [int(p) for p in ds["P"].values]
    Mmax = ds["M"].values[-1]
    rows = [_archetypes(), _picture(ds, "supervised", Ps[0], Mmax, "inputs")]
    labels = ["archetypes", "noisy inputs"]
    for P in (Ps[0], Ps[-1]):
        rows.append(_picture(ds, "supervised", P, Mmax, "outputs"))
        labels.append(f"$T = 0$, $P = {P}$")
    ax_img.imshow(-_mosaic(rows), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax_img.set_xticks([])
    ax_img.set_yticks([4 + 9 * i for i in range(len(rows))])
    ax_img.set_yticklabels(labels, fontsize=7)
    ax_img.tick_params(length=0)
    noise = float(ds.coords["noise"]) if "noise" in ds.coords else float("nan")
    ax_img.set_title(f"supervised, $M = {int(Mmax)}$ per class, {noise:.0%} pixels flipped", fontsize=8)
    panel_label(ax_img, "a")

    for ax, name, ylab in ((ax_m, "m_right", "overlap with the right archetype"),
                           (ax_a, "accuracy", "accuracy (nearest archetype right)")):
        for rule, filled in (("supervised", True), ("unsupervised", False)):
            mean, err, S = mc_mean(ds.sel(rule=rule), name)
            for P in Ps:
                c = _P_COLORS.get(P, plotting.PALETTE[1])
                ax.errorbar(ds["M"].values * (1 if filled else 1.05), mean.sel(P=P).values, err.sel(P=P).values,
                            fmt="o-" if filled else "s--", color=c, mfc=c if filled else "white", ms=3.5, lw=0.9,
                            label=(f"$P = {P}$" if filled else None))
        ax.set_xscale("log")
        ax.set_xlabel("examples per class $M$")
        ax.set_ylabel(ylab)
    m_in, _, _ = mc_mean(ds.sel(rule="supervised"), "m_input")
    ax_m.axhline(float(m_in.mean()), color="0.5", lw=0.7, ls=":")
    ax_m.text(0.98, float(m_in.mean()) + 0.006, "noisy input", fontsize=6.5, color="0.4", ha="right", va="bottom",
              transform=ax_m.get_yaxis_transform())
    ax_m.set_ylim(bottom=min(ax_m.get_ylim()[0], float(m_in.mean()) - 0.01))
    from matplotlib.lines import Line2D
    refs = [Line2D([], [], color="0.5", lw=0.7, ls=":", label="chance (0.1)")]
    ax_a.axhline(0.1, color="0.5", lw=0.7, ls=":")
    if "accuracy_input" in ds:
        a_in, _, _ = mc_mean(ds.sel(rule="supervised"), "accuracy_input")
        ax_a.axhline(float(a_in.mean()), color="0.5", lw=0.7, ls="--")
        refs.append(Line2D([], [], color="0.5", lw=0.7, ls="--", label="noisy input itself"))
    ax_a.set_ylim(0, 1)
    extra = [Line2D([], [], color="0.3", marker="o", ls="-", ms=3.5, label="supervised"),
             Line2D([], [], color="0.3", marker="s", mfc="white", ls="--", ms=3.5, label="unsupervised")]
    handles, labs = ax_a.get_legend_handles_labels()
    ax_a.legend(handles + extra + refs, labs + [h.get_label() for h in extra + refs], loc="upper left", fontsize=6,
                ncol=2)
    panel_label(ax_m, "b")
    panel_label(ax_a, "c")
    quick_note(ax_a, quick)
    return save(fig, stem)


def compare(results):
    ds = results["fig6_digits"]
    notes = []
    if "archetype_overlap" in ds:
        notes.append(f"mean |overlap| between distinct digit archetypes: {float(ds['archetype_overlap'].mean()):.3f} "
                     "(correlated patterns: no replica theory of random patterns applies; no agreement records)")
    for name in ("m_right", "accuracy"):
        mean, err, S = mc_mean(ds, name)
        best = mean.where(mean == mean.max(), drop=True)
        notes.append(f"best mean {name} = {float(mean.max()):.3f} at " + ", ".join(
            f"{d} = {best[d].values[0]}" for d in ("rule", "P", "M")))
        for rule in ds["rule"].values:
            for P in ds["P"].values:
                notes.append(f"{name}, {rule}, P = {int(P)}: " + ", ".join(
                    f"M = {int(M)}: {float(mean.sel(rule=rule, P=P, M=M)):.3f}" for M in ds["M"].values))
    return [], notes
