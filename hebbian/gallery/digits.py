"""Figure 6: structured data -- do associative memories beat the noisy input on real digits?

The shipped 8x8 handwritten digits (N = 64, ten classes, :func:`hebbian.datasets.digits`);
networks of order P with all index tuples (energy ``-sum_mu (N m_mu)^P``) learn every class
from M = 40 examples (supervised: the class sums; unsupervised: the examples) or store the ten
archetypes; held-out test images with a fraction of their pixels flipped relax by
zero-temperature dynamics. The reference a network has to beat is the noisy input itself: its
nearest archetype is already a classifier (accuracy 0.63 at 15% noise with the fixed
binarization, 0.68 with the data centred per pixel; 0.82 for clean centred images).

(a) One draw: archetypes, clean test images, 20% of their pixels flipped, and the states the
unsupervised network (P = 21) reaches (red frame: nearest archetype wrong). (b) Accuracy
(nearest archetype right) versus the noise, networks against the noisy input; inset: the
paired gain (same test images). (c) Accuracy gain over the noisy input versus P at 15% noise,
fixed binarization (open, dotted) and data centred per pixel (filled). (d) Overlap of the final
state with the clean test image versus the noise, against the noisy input's (1 - 2 noise) and
the average digit's (an output that ignores its input).

What the measurements say (configs as shipped: 16 draws of 40 examples and 100 test images per
point; +- one standard error over the draws):

* In classification the networks do NOT beat the noisy input, at any noise level, P, M,
  binarization, rule or temperature tried. The best gain is +0.018 +- 0.011 (centred,
  unsupervised, P = 21, 15% noise), zero within 2 sigma; versus the noise (panel b) it stays
  within -0.025 ... +0.007 (errors ~0.01). Why: the input's accuracy is its nearest-archetype
  decision, and a memory of the archetypes can at best reproduce it -- at large P the dynamics
  is winner-take-all and ends in the archetype the input overlaps most (the archetype network
  from P = 7 on: -0.015 ... -0.006 +- 0.009, centred), while near-ties (overlaps differ by 2/64)
  and mixture states only lose. Storing examples (unsupervised) adds a nearest-example
  decision, but read out by the nearest archetype even an ideal nearest-example retrieval gains
  only -0.03 (M = 40) to +0.04 (M = 160) at 15% noise (computed directly on the 1797 images).
* At small P the networks are far BELOW the input: with P = 2 every input falls into one
  mixture attractor (accuracy 0.1, chance; the load 10/64 = 0.156 is already above the Hopfield
  capacity 0.138 of random patterns, and the archetypes share a background, mean |overlap|
  0.552). Centring the data per pixel (engine setting ``binarize = "centred"``: +1 above the
  pixel's mean grey level) removes most of the shared component (mean |overlap| 0.319) and
  brings the networks to the input's level (within 0.02) at P = 7 (archetypes) and P = 13
  (unsupervised) instead of P = 21 and beyond. P is odd above 2: even P have mirror attractors
  -xi (the energy is even in the spins), which capture inputs anti-correlated with a wrong
  archetype. The package's default distinct-tuple networks do worse on N = 64 (e_P of +-1 spins
  oscillates in m unless P << N): best gain -0.04 +- 0.01 (P = 6, centred archetypes). Finite
  temperature (beta = 3, 10, 30) only lowers the accuracy. The supervised class sums are limited
  to P <= 10 at M = 40 by the exact sampler (64 M^P < 2^62): gain -0.098 +- 0.016 at P = 9.
* What the networks DO beat is the noisy input as an image (panel d): the final state is closer
  to the clean test digit than the corrupted input from 15% noise on (unsupervised, paired gain
  +0.019 +- 0.003; +0.148 +- 0.005 at 30%) and from 25% on for the archetype network (+0.072 +-
  0.006), and closer than the input-blind average digit (overlap 0.406) up to 35-40% noise.

No replica theory applies to these correlated patterns: the figure has no agreement records.
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ._common import ERRORBAR_NOTE, mc_mean, panel_label, params_of, quick_note, save, settings_of

__all__ = ["draw", "compare"]

#: colour, marker and label of each rule
RULES = {"supervised": (plotting.PALETTE[5], "o", "supervised (class sums)"),
         "unsupervised": (plotting.PALETTE[6], "s", "unsupervised (examples)"),
         "archetypes": (plotting.PALETTE[3], "D", "archetypes stored")}
INPUT_COLOR = plotting.PALETTE[0]
WRONG_COLOR = plotting.PALETTE[6]
MOSAIC_NOISE = 0.2          # noise level of the pictures of panel (a) (the nearest one of the sweep)
P_SCANS = ("fig6_digits", "fig6_digits_largeP")


def draw(results, stem, quick=False):
    from matplotlib.lines import Line2D
    ds_n = results["fig6_digits_noise"]
    fig = plotting.figure(width=9.6, height=6.6)[0]
    fig.clf()
    gs = fig.add_gridspec(2, 2, width_ratios=[1.15, 1], hspace=0.38, wspace=0.28,
                          left=0.09, right=0.985, top=0.95, bottom=0.17)
    ax_img, ax_acc = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    ax_gain, ax_rest = fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[1, 1])

    _draw_mosaic(ax_img, ds_n)
    panel_label(ax_img, "a")

    _versus_noise(ax_acc, ds_n, "accuracy", "accuracy_input")
    ax_acc.axhline(0.1, color="0.55", lw=0.7, ls=":")
    ax_acc.text(0.99, 0.1, "chance", transform=ax_acc.get_yaxis_transform(), ha="right", va="bottom", fontsize=6.5,
                color="0.4")
    ax_acc.set_ylim(0, 0.92)
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title("classification (nearest archetype right): never better than the input", fontsize=8)
    _gain_inset(ax_acc, ds_n)
    panel_label(ax_acc, "b")

    _draw_p_scan(ax_gain, results)
    panel_label(ax_gain, "c")

    _versus_noise(ax_rest, ds_n, "m_clean", "m_clean_input")
    if "m_clean_average" in ds_n:
        level = float(mc_mean(ds_n, "m_clean_average")[0].mean())
        ax_rest.axhline(level, color="0.45", lw=0.9, ls="-.")
        ax_rest.text(0.01, level + 0.01, f"average digit (ignores the input): {level:.2f}", fontsize=6.5, color="0.35",
                     transform=ax_rest.get_yaxis_transform(), va="bottom")
    ax_rest.set_ylim(0, 1.05)
    ax_rest.set_ylabel("overlap with the clean image")
    ax_rest.set_title("restoration: closer to the clean digit than the input?", fontsize=8)
    panel_label(ax_rest, "d")
    quick_note(ax_rest, quick)

    P = int(_value(ds_n, "P"))
    handles = [Line2D([], [], color=c, marker=mk, ls="--", mfc="white", ms=3.8, label=lab)
               for c, mk, lab in RULES.values()]
    handles += [Line2D([], [], color=INPUT_COLOR, lw=1.4, label="noisy input itself"),
                Line2D([], [], color="0.3", marker="o", ls=":", mfc="white", ms=3.8,
                       label=r"(c) fixed threshold (grey $\geq 8$)"),
                Line2D([], [], color="0.3", marker="o", ls="-", ms=3.8,
                       label="(c) centred per pixel (grey > its mean)")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.035))
    fig.text(0.5, 0.005, ERRORBAR_NOTE + f" (draws of examples and test images); (b), (d): $P = {P}$, data "
             f"{_value(ds_n, 'binarize')}; all: all index tuples, $T = 0$", ha="center", va="bottom", fontsize=6,
             color="0.3")
    return save(fig, stem)


def compare(results):
    """No agreement records (correlated data, no replica theory); notes with the measured numbers."""
    notes = []
    ds = results["fig6_digits"]
    if "archetype_overlap" in ds:
        for b in ds["binarize"].values:
            notes.append(f"mean |overlap| between distinct digit archetypes, {b}: "
                         f"{float(ds['archetype_overlap'].sel(binarize=b).mean()):.3f} (correlated patterns: no "
                         "replica theory of random patterns applies; no agreement records)")
    mean = mc_mean(ds, "accuracy_input")[0]
    for b in ds["binarize"].values:
        notes.append(f"accuracy of the noisy input itself, {b}: {float(mean.sel(binarize=b).mean()):.3f}")
    best = None
    for (b, r), (P, g, e) in _p_scan(results).items():
        notes.append(f"accuracy gain over the noisy input, {b}, {r}: " + ", ".join(
            f"P = {p}: {gi:+.3f} +- {ei:.3f}" for p, gi, ei in zip(P, g, e)))
        i = int(np.nanargmax(g))
        if best is None or g[i] > best[0]:
            best = (g[i], e[i], b, r, P[i])
    if best is not None:
        verdict = "beats" if best[0] > 3 * best[1] else "does not beat"
        notes.append(f"best gain: {best[0]:+.3f} +- {best[1]:.3f} ({best[2]}, {best[3]}, P = {best[4]}): the best "
                     f"network {verdict} the noisy input (3 sigma criterion)")
    dn = results["fig6_digits_noise"]
    m, e, _ = mc_mean(dn, "m_clean")
    mi = mc_mean(dn, "m_clean_input")[0]
    g, ge, _ = mc_mean(dn, "accuracy_gain")
    noise = dn["noise"].values
    for r in dn["rule"].values:
        at = [dict(rule=r, noise=n) for n in noise]
        notes.append(f"{r}, P = {_value(dn, 'P')}, versus noise: " + ", ".join(
            f"{float(n):.2f}: accuracy gain {float(g.sel(k)):+.3f} +- {float(ge.sel(k)):.3f}, "
            f"m_clean {float(m.sel(k)):.3f} +- {float(e.sel(k)):.3f} (input {float(mi.sel(k)):.3f})"
            for n, k in zip(noise, at)))
        if "m_clean_gain" in dn:
            mg, mge, _ = mc_mean(dn, "m_clean_gain")
            above = [f"{float(n):.2f}" for n, k in zip(noise, at) if float(mg.sel(k)) > 3 * float(mge.sel(k))]
            notes.append(f"{r}: the final state is closer to the clean image than the noisy input (paired gain > 3 "
                         f"sigma) at noise " + (", ".join(above) if above else "none"))
    if "m_clean_average" in dn:
        notes.append(f"overlap of the clean test images with the average digit (input-blind output): "
                     f"{float(mc_mean(dn, 'm_clean_average')[0].mean()):.3f}")
    return [], notes


def _value(ds, key):
    """A parameter or setting of a result that is not a grid axis (scalar coordinate or attribute)."""
    if key in ds.coords and ds.coords[key].ndim == 0:
        return ds.coords[key].values.item()
    return {**settings_of(ds), **params_of(ds)}.get(key)


def _draw_mosaic(ax, ds):
    """Archetypes, clean test images, corrupted inputs and final states of one draw (sample 0)."""
    from matplotlib.patches import Rectangle
    noise = ds["noise"].values
    n_pic = float(noise[np.argmin(np.abs(noise - MOSAIC_NOISE))])
    rule = "unsupervised" if "unsupervised" in ds["rule"].values else str(ds["rule"].values[0])
    sel = ds.sel(rule=rule, noise=n_pic)
    binarize = _value(ds, "binarize") or "fixed"
    xi = _archetypes(binarize)
    outputs = _images(sel, "outputs")
    rows = [xi, _images(sel, "originals"), _images(sel, "inputs"), outputs]
    labels = ["archetypes", "test images", f"{n_pic:.0%} flipped", f"$T = 0$, $P = {int(_value(ds, 'P'))}$"]
    ax.imshow(-_mosaic(rows), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    wrong = np.argmax(outputs @ xi.T.astype(float), axis=1) != np.arange(10)
    pad = 0.45
    for j in np.flatnonzero(wrong):
        ax.add_patch(Rectangle((j * 9 - 0.5 - pad, 3 * 9 - 0.5 - pad), 8 + 2 * pad, 8 + 2 * pad, fill=False,
                               ec=WRONG_COLOR, lw=1.1, clip_on=False))
    ax.set_xticks([])
    ax.set_yticks([4 + 9 * i for i in range(len(rows))])
    ax.set_yticklabels(labels, fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(f"one draw: {rule}, $M = {int(_value(ds, 'M'))}$ per class, data {binarize}\n"
                 f"red frame: final state nearest to a wrong archetype ({int(wrong.sum())} of 10)", fontsize=7)


def _mosaic(rows, gap=1):
    """Tile rows of ten 64-pixel images (+-1) into one array (NaN gaps)."""
    n_rows, n_cols = len(rows), 10
    out = np.full((n_rows * (8 + gap) - gap, n_cols * (8 + gap) - gap), np.nan)
    for i, row in enumerate(rows):
        for j in range(n_cols):
            out[i * (8 + gap):i * (8 + gap) + 8, j * (8 + gap):j * (8 + gap) + 8] = np.asarray(row[j]).reshape(8, 8)
    return out


def _images(sel, name):
    v = sel[f"{name}_samples"].isel(sample=0) if f"{name}_samples" in sel else sel[name]
    return np.asarray(v.values, float).reshape(10, 64)


def _archetypes(binarize):
    from .. import datasets
    images, labels = datasets.digits(threshold="mean" if binarize == "centred" else 8)
    return datasets.archetypes_and_examples(images, labels, M=1)[0]


def _versus_noise(ax, ds, name, ref_name):
    """The networks' ``name`` versus the noise, over the noisy input's ``ref_name`` (black line)."""
    x = ds["noise"].values.astype(float)
    ref, ref_err, _ = mc_mean(ds, ref_name)
    if "rule" in ref.dims:              # independent draws per rule: their mean and its standard error
        ref, ref_err = ref.mean("rule"), np.sqrt((ref_err ** 2).sum("rule")) / ref.sizes["rule"]
    ax.errorbar(x, ref.values, ref_err.values, fmt="-", color=INPUT_COLOR, lw=1.4, capsize=0, zorder=4)
    mean, err, _ = mc_mean(ds, name)
    for r in ds["rule"].values:
        c, mk, _ = RULES[str(r)]
        ax.errorbar(x, mean.sel(rule=r).values, err.sel(rule=r).values, fmt=mk + "--", color=c, mfc="white", ms=3.8,
                    lw=0.9, capsize=1.5, zorder=5)
    ax.set_xlabel("fraction of flipped pixels")


def _gain_inset(ax, ds):
    """Inset of panel (b): the paired accuracy gain over the noisy input versus the noise."""
    ins = ax.inset_axes([0.09, 0.2, 0.44, 0.3])
    x = ds["noise"].values.astype(float)
    mean, err, _ = mc_mean(ds, "accuracy_gain")
    ins.axhline(0.0, color=INPUT_COLOR, lw=1.1)
    for k, r in enumerate(ds["rule"].values):
        c, mk, _ = RULES[str(r)]
        ins.errorbar(x + 0.004 * k, mean.sel(rule=r).values, err.sel(rule=r).values, fmt=mk, color=c, mfc="white",
                     ms=2.6, lw=0.7, capsize=1.0)
    lim = max(0.06, float(np.nanmax(np.abs(mean.values) + err.values)) * 1.15)
    ins.set_ylim(-lim, lim)
    ins.tick_params(labelsize=5.5, length=2)
    ins.set_title("accuracy $-$ input's", fontsize=6, pad=2)


def _draw_p_scan(ax, results):
    """Panel (c): the paired accuracy gain versus P, fixed (open, dotted) and centred (filled) data."""
    scan = _p_scan(results)
    ax.axhline(0.0, color=INPUT_COLOR, lw=1.4, zorder=1)
    ax.text(0.01, 0.012, "noisy input", transform=ax.get_yaxis_transform(), ha="left", va="bottom", fontsize=6.5)
    for (b, r), (P, g, e) in scan.items():
        c, mk, _ = RULES[r]
        filled = b == "centred"
        ax.errorbar(P * (1.0 if filled else 1.03), g, e, fmt=mk + ("-" if filled else ":"), color=c,
                    mfc=c if filled else "white", ms=3.8, lw=0.9, capsize=1.5, zorder=3)
    ax.set_xscale("log")
    ticks = sorted({int(p) for P, _, _ in scan.values() for p in P})
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("order $P$ of the network")
    ax.set_ylabel("gain in accuracy")
    ds = results["fig6_digits"]
    ax.set_title(f"accuracy $-$ the noisy input's (same images), {float(_value(ds, 'noise')):.0%} noise, "
                 f"$M = {int(_value(ds, 'M'))}$", fontsize=8)
    lo = min([float(np.nanmin(g - e)) for _, g, e in scan.values()] + [-0.1])
    ax.set_ylim(lo - 0.03, 0.12)


def _p_scan(results):
    """Accuracy gain versus P: (binarize, rule) -> (P, gain, err), over the P-scan configs."""
    out = {}
    for key in P_SCANS:
        ds = results.get(key)
        if ds is None:
            continue
        mean, err, _ = mc_mean(ds, "accuracy_gain")
        P = ds["P"].values.astype(int)
        for b in ds["binarize"].values:
            for r in ds["rule"].values:
                new = (P, mean.sel(binarize=b, rule=r).values, err.sel(binarize=b, rule=r).values)
                old = out.get((str(b), str(r)), (np.array([], int), np.array([]), np.array([])))
                out[(str(b), str(r))] = tuple(np.concatenate([o, n]) for o, n in zip(old, new))
    for k, (P, g, e) in out.items():
        order = np.argsort(P)
        out[k] = (P[order], g[order], e[order])
    return out
