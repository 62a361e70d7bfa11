"""Figure 6: structured data -- when do associative memories beat the noisy input on real digits?

The shipped 8x8 handwritten digits (N = 64, ten classes, :func:`hebbian.datasets.digits`);
networks of order P with all index tuples (energy ``-sum_mu (N m_mu)^P``) learn every class
from M examples (supervised: the class sums; unsupervised: the examples themselves) or store
the ten archetypes; held-out test images with a fraction of their pixels flipped relax by
zero-temperature dynamics, and the final state is classified by its nearest archetype. The
reference a network has to beat is the noisy input itself: its nearest archetype is already a
classifier (accuracy 0.63 at 15% noise with the fixed binarization, 0.69 with the data centred
per pixel, 0.81 for clean centred images).

(a) One draw: archetypes, clean test images, 20% of their pixels flipped, and the states the
unsupervised network (P = 21, M = 120) reaches (red frame: nearest archetype wrong). (b)
Accuracy versus the noise, networks against the noisy input; inset: the gain (accuracy minus
the input's, on the same test images). (c) The gain versus P and (d) versus M at 15% noise,
fixed binarization (open, dotted) and data centred per pixel (filled). (e) Overlap of the final
state with the clean test image versus the noise, against the noisy input's (1 - 2 noise) and
the average digit's (an output that ignores its input).

What the measurements say (configs as shipped: 16 to 32 draws of examples and 100 test images
per point; +- one standard error over the draws):

* The networks beat the noisy input in ONE regime: unsupervised (storing the examples), high
  order P >~ 13, many examples M >~ 40, noise <~ 20%. Centred data, P = 21, M = 120: gain
  +0.025 +- 0.007 at 10% noise, +0.035 +- 0.007 at 15%, +0.023 +- 0.009 at 20%, zero from 25%
  on (+0.007 +- 0.009; -0.020 +- 0.008 at 40%). It grows with M (P = 21, 15%): -0.088 +- 0.012
  at M = 5, -0.009 +- 0.009 at M = 20, +0.016 +- 0.008 at M = 40, +0.036 +- 0.009 at M = 150
  (fixed binarization: +0.040 +- 0.009 at M = 150, zero up to M = 80); and with P (M = 120):
  -0.048 +- 0.013 at P = 9, +0.021 +- 0.012 at P = 21, +0.041 +- 0.010 at P = 31. Why: the
  field ``sum_a (m_a)^(P-1) eta^a`` is a vote of the stored examples weighted by a high power
  of their overlap with the state, a soft nearest-neighbour classifier, which with many
  examples per class separates the classes better than one prototype each (an exact
  nearest-example retrieval read out by the nearest archetype gains -0.03 at M = 40 and +0.04
  at M = 160, 15% noise, computed directly on the 1797 images). The gain is small: a few points
  of accuracy.
* Networks of the archetypes never beat the input, and cannot: at large P the dynamics is
  winner-take-all and ends in the archetype the input overlaps most, which IS the input's
  nearest-archetype decision (centred, from P = 7 on: -0.023 ... +0.000 +- 0.009; versus the
  noise at P = 21: -0.020 ... -0.001); near-ties (overlaps differ by 2/64) and mixtures only lose.
  The supervised class sums reach only P <= 8 at M = 120 in the exact sampler (64 M^P < 2^62;
  montecarlo also fails for M >= 128): -0.112 +- 0.013 at P = 7.
* At small P every network is far below the input: with P = 2 all inputs fall into one mixture
  attractor (accuracy 0.1, chance; the load 10/64 = 0.156 is above the Hopfield capacity 0.138
  of random patterns, and the archetypes share a background, mean |overlap| 0.552). Centring
  the data per pixel (engine setting ``binarize = "centred"``: +1 above the pixel's mean grey
  level) removes most of the shared component (mean |overlap| 0.319) and brings the networks to
  the input's level at P ~ 7-13 instead of P ~ 13-21. P is odd above 2: even P have mirror
  attractors -xi (the energy is even in the spins) that capture inputs anti-correlated with a
  wrong archetype. The package's default distinct-tuple networks do worse on N = 64 (e_P of +-1
  spins oscillates in m unless P << N): at best -0.04 +- 0.01 in a P = 2 ... 10, M = 40 scan.
  Finite temperature (beta = 3, 10, 30; archetype networks, P = 2, 4, 8) only lowers the
  accuracy.
* As images the networks beat the input from 15% noise on (panel e): the final state is closer
  to the clean test digit than the corrupted input (unsupervised: 0.744 against 0.703 at 15%,
  0.566 against 0.402 at 30%; archetypes from 25% on), and closer than the input-blind average
  digit (overlap 0.405) up to ~40% noise.

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
P_SCANS = ("fig6_digits", "fig6_digits_largeP")      # the order P as a grid axis


def draw(results, stem, quick=False):
    from matplotlib.lines import Line2D
    ds_n = results["fig6_digits_noise"]
    fig = plotting.figure(width=10.6, height=6.5)[0]
    fig.clf()
    gs = fig.add_gridspec(2, 6, height_ratios=[1, 1], hspace=0.36, wspace=1.1,
                          left=0.075, right=0.985, top=0.95, bottom=0.165)
    ax_img, ax_acc = fig.add_subplot(gs[0, :3]), fig.add_subplot(gs[0, 3:])
    ax_P, ax_M, ax_rest = fig.add_subplot(gs[1, :2]), fig.add_subplot(gs[1, 2:4]), fig.add_subplot(gs[1, 4:])

    _draw_mosaic(ax_img, ds_n)
    panel_label(ax_img, "a")

    _versus_noise(ax_acc, ds_n, "accuracy", "accuracy_input")
    ax_acc.axhline(0.1, color="0.55", lw=0.7, ls=":")
    ax_acc.text(0.99, 0.1, "chance", transform=ax_acc.get_yaxis_transform(), ha="right", va="bottom", fontsize=6.5,
                color="0.4")
    ax_acc.set_ylim(0, 0.92)
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title(f"classification (nearest archetype right), $P = {int(_value(ds_n, 'P'))}$, "
                     f"$M = {int(_value(ds_n, 'M'))}$", fontsize=8)
    _gain_inset(ax_acc, ds_n)
    panel_label(ax_acc, "b")

    _draw_p_scan(ax_P, results)
    panel_label(ax_P, "c")
    _draw_m_scan(ax_M, results.get("fig6_digits_M"))
    panel_label(ax_M, "d")

    _versus_noise(ax_rest, ds_n, "m_clean", "m_clean_input")
    if "m_clean_average" in ds_n:
        level = float(mc_mean(ds_n, "m_clean_average")[0].mean())
        ax_rest.axhline(level, color="0.45", lw=0.9, ls="-.")
        ax_rest.text(0.02, level - 0.015, f"average digit: {level:.2f}", fontsize=6.5, color="0.35",
                     transform=ax_rest.get_yaxis_transform(), va="top")
    ax_rest.set_ylim(0, 1.05)
    ax_rest.set_ylabel("overlap with the clean image")
    ax_rest.set_title("restoration of the image", fontsize=8)
    panel_label(ax_rest, "e")
    quick_note(ax_rest, quick)

    handles = [Line2D([], [], color=c, marker=mk, ls="--", mfc="white", ms=3.8, label=lab)
               for c, mk, lab in RULES.values()]
    handles += [Line2D([], [], color=INPUT_COLOR, lw=1.4, label="noisy input itself (nearest archetype)"),
                Line2D([], [], color="0.45", lw=0.9, ls="-.", label="(e) average digit (ignores the input)"),
                Line2D([], [], color="0.3", marker="o", ls=":", mfc="white", ms=3.8,
                       label=r"(c, d) fixed threshold (grey $\geq 8$)"),
                Line2D([], [], color="0.3", marker="o", ls="-", ms=3.8,
                       label="(c, d) centred per pixel (grey > its mean)")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=6.8, frameon=False, bbox_to_anchor=(0.5, 0.03))
    fig.text(0.5, 0.005, ERRORBAR_NOTE + " (draws of examples and test images); (a, b, e): data "
             f"{_value(ds_n, 'binarize')}; all: all index tuples, $T = 0$, test images not among the examples",
             ha="center", va="bottom", fontsize=6, color="0.3")
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
    for (b, r), (P, g, e) in _p_scan(results).items():
        beat = [f"P = {p}" for p, gi, ei in zip(P, g, e) if gi > 3 * ei]
        notes.append(f"accuracy gain over the noisy input, {b}, {r}: " + ", ".join(
            f"P = {p}: {gi:+.3f} +- {ei:.3f}" for p, gi, ei in zip(P, g, e))
            + f"; beats the noisy input (gain > 3 sigma) at {', '.join(beat) if beat else 'no P'}")
    dm = results.get("fig6_digits_M")
    if dm is not None:
        g, ge, _ = mc_mean(dm, "accuracy_gain")
        for b in dm["binarize"].values:
            vals = [(int(M), float(g.sel(binarize=b, M=M)), float(ge.sel(binarize=b, M=M))) for M in dm["M"].values]
            beat = [f"M = {M}" for M, gi, ei in vals if gi > 3 * ei]
            notes.append(f"accuracy gain, {_value(dm, 'rule')}, P = {_value(dm, 'P')}, {b}, versus M: " + ", ".join(
                f"M = {M}: {gi:+.3f} +- {ei:.3f}" for M, gi, ei in vals)
                + f"; beats the noisy input (gain > 3 sigma) at {', '.join(beat) if beat else 'no M'}")
    dn = results["fig6_digits_noise"]
    m, e, _ = mc_mean(dn, "m_clean")
    mi = mc_mean(dn, "m_clean_input")[0]
    g, ge, _ = mc_mean(dn, "accuracy_gain")
    noise = dn["noise"].values
    for r in dn["rule"].values:
        at = [dict(rule=r, noise=n) for n in noise]
        beat = [f"{float(n):.2f}" for n, k in zip(noise, at) if float(g.sel(k)) > 3 * float(ge.sel(k))]
        notes.append(f"{r}, P = {_value(dn, 'P')}, M = {_value(dn, 'M')}: classifies better than the noisy input "
                     f"(accuracy gain > 3 sigma) at noise {', '.join(beat) if beat else 'none'}")
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
    ax.set_title(f"gain versus $P$: {float(_value(ds, 'noise')):.0%} noise, $M = {int(_value(ds, 'M'))}$",
                 fontsize=8)
    lo = min([float(np.nanmin(g - e)) for _, g, e in scan.values()] + [-0.1])
    hi = max([float(np.nanmax(g + e)) for _, g, e in scan.values()] + [0.06])
    ax.set_ylim(lo - 0.03, hi + 0.04)


def _draw_m_scan(ax, ds):
    """Panel (d): the paired accuracy gain of the unsupervised network versus M (zoomed on zero)."""
    ax.axhline(0.0, color=INPUT_COLOR, lw=1.4, zorder=1)
    ax.set_xscale("log")
    ax.set_xlabel("examples per class $M$")
    ax.set_ylabel("gain in accuracy")
    if ds is None:
        return
    mean, err, _ = mc_mean(ds, "accuracy_gain")
    M = ds["M"].values.astype(float)
    c, mk, _ = RULES[str(_value(ds, "rule") or "unsupervised")]
    for b in ds["binarize"].values:
        filled = b == "centred"
        ax.errorbar(M * (1.0 if filled else 1.04), mean.sel(binarize=b).values, err.sel(binarize=b).values,
                    fmt=mk + ("-" if filled else ":"), color=c, mfc=c if filled else "white", ms=3.8, lw=0.9,
                    capsize=1.5, zorder=3)
    ax.set_xticks(M)
    ax.set_xticklabels([f"{int(m)}" for m in M])
    ax.minorticks_off()
    ax.set_title(f"gain versus $M$: {float(_value(ds, 'noise')):.0%} noise, {_value(ds, 'rule')}, "
                 f"$P = {int(_value(ds, 'P'))}$", fontsize=8)


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
