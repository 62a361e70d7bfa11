"""Figure 5: dense (P = 4) networks that learn archetypes from noisy examples.

(a) RS overlap m of the thermodynamic state of supervised learning at low storage (K finite)
in the (rho, T) plane, rho = (1 - r^2)/(M r^2) the dataset entropy (large-M theory); the
retrieval spinodal (the RS retrieval branch exists left of the white line, metastable or not)
and, on top, the supervised Monte Carlo points of panel (b) (fill: their N -> infinity
extrapolation of m, on the same colour scale).
(b) m versus the number of examples M at r = 0.3 (K = 3 archetypes, runs started in archetype
1), Monte Carlo extrapolated to N -> infinity, supervised (filled) and unsupervised (open),
against the RS states with the exact binomial average over the M example signs: the archetype
(example-symmetric) state, the same for both rules at low storage, drawn at integer M only
(odd M: line, solid where it is locally stable in the unsupervised network and dashed where it
is unstable towards single examples; even M: dots, lower because a fraction of the sites has a
tied example vote and no signal), and the single-example state of the unsupervised network
(``replica/families/learning_examples.py``), m = r at low T, the thermodynamic state for M
below M* ~ r^-P (marked).
(c) The learning threshold alpha_c(rho) (T = 0, supervised): the largest load
K / N^(P-1) with a retrieval state, P = 2, 4, 6. For P >= 4 it tends to a plateau as
rho -> infinity (ultra-detection; dashed: the closed form
(2/pi)^(P-1) ((P-2)/(P-1))^(P-2) / ((P-1) (P-1)!)), while for P = 2 it vanishes.
"""

from __future__ import annotations

import math

import numpy as np

from .. import plotting
from . import agreement as agr
from ._common import ERRORBAR_NOTE, finite, panel_label, params_of, quick_note, save

__all__ = ["draw", "compare", "plateau", "crossover_M", "archetype_flow", "start_breaking", "RULES"]

_T_COLORS = (plotting.PALETTE[5], plotting.PALETTE[6], plotting.PALETTE[3])
_P_COLORS = {2: plotting.PALETTE[0], 4: plotting.PALETTE[5], 6: plotting.PALETTE[6]}
#: the Monte Carlo configs of panel (b) and their rule
RULES = (("fig5_learning_mc_sup", "supervised"), ("fig5_learning_mc_uns", "unsupervised"))
_YLIM = (-0.05, 1.05)


def plateau(P):
    """Ultra-detection plateau: alpha_c(rho -> infinity) of supervised learning at T = 0, P >= 3."""
    return (2 / math.pi) ** (P - 1) * ((P - 2) / (P - 1)) ** (P - 2) / ((P - 1) * math.factorial(P - 1))


def _mean_abs_average(r, M):
    """E|(1/M) sum_a chi_a| for M examples of quality r: overlap of the sign-aligned retrieval state
    (s = sign of the example average) with the stored example average, per spin."""
    from scipy.stats import binom
    k = np.arange(M + 1)
    return float(np.sum(binom.pmf(k, M, (1 + r) / 2) * np.abs(2 * k - M)) / M)


def _rho(r, M):
    return (1 - r * r) / (np.asarray(M, float) * r * r)


def archetype_flow(P, r, M, T, *, dt=0.1, t_max=20000.0, tol=1e-12):
    """Where Glauber dynamics started in the archetype goes at N -> infinity, low storage.

    With K finite the sequential Glauber dynamics of the sublattice magnetisations is
    deterministic at N -> infinity; started in the archetype it stays in the example-symmetric
    manifold (every example has the same overlap), where the sites are labelled by their
    example mean S and ``dm_S/dt = tanh(beta' n^(P-1) S/r) - m_S``, ``m_S(0) = 1``,
    ``n = E[(S/r) m_S]/(1 + rho)`` (exact binomial average; supervised and unsupervised
    alike). Its end is the retrieval state or the paramagnet (P > 2: locally stable at T > 0).
    Whether the run then stays there is the stability of that state against single examples
    (unsupervised), which the finite-N fluctuations probe.

    Returns
    -------
    dict with ``state`` ("retrieval" or "paramagnet"), ``m``, ``n`` and ``t`` (time units of
    N attempted flips) at the end.
    """
    from scipy.stats import binom
    k = np.arange(M + 1)
    sr = (2.0 * k - M) / (M * r)
    w = binom.pmf(k, M, 0.5 * (1.0 + r))
    rho = (1 - r * r) / (M * r * r)
    bp = 0.5 * P / T
    mS = np.ones(M + 1)
    t = 0.0
    while t < t_max:
        n = float(np.sum(w * sr * mS)) / (1.0 + rho)
        dm = np.tanh(bp * n ** (P - 1) * sr) - mS
        mS = mS + dt * dm
        t += dt
        if np.max(np.abs(dm)) < tol:
            break
    n = float(np.sum(w * sr * mS)) / (1.0 + rho)
    return {"state": "retrieval" if n > 1e-3 else "paramagnet", "m": float(np.sum(w * mS)), "n": n, "t": t}


def start_breaking(P, r, M, T):
    """Stability of the archetype start against single examples (unsupervised, low storage).

    At the start every example has the overlap r; the overlap map ``m_a -> E[chi^a tanh(beta' c0
    sum_b m_b^(P-1) chi^b)]`` (``c0 = 1/(Nrm M)``) has, in every example-breaking direction, the
    slope ``beta' c0 (P-1) r^(P-2) E[(1 - chi^a chi^b) sech^2]``; returns 1 minus it (binomial
    average over ``S``, ``E[chi^a chi^b | S] = ((M S)^2 - M)/(M (M-1))``). Negative: the
    fluctuations between the examples grow from the very start, and the run falls into a
    single example instead of following the example-symmetric flow.
    """
    from scipy.stats import binom
    rho = (1 - r * r) / (M * r * r)
    c0 = 1.0 / (r ** P * (1 + rho) ** (P - 1) * M)
    bp = 0.5 * P / T
    k = np.arange(M + 1)
    L = 2.0 * k - M
    w = binom.pmf(k, M, 0.5 * (1.0 + r))
    s2 = 1.0 / np.cosh(bp * c0 * r ** (P - 1) * L) ** 2
    pair = (L * L - M) / (M * (M - 1.0))
    return float(1.0 - bp * c0 * (P - 1) * r ** (P - 2) * np.sum(w * (1.0 - pair) * s2))


def crossover_M(th_ret, th_ex, T):
    """Smallest M of both theory grids where the archetype state has the lower free energy than the
    single-example state at temperature T (both exist), or NaN."""
    M = np.intersect1d(np.asarray(th_ret["M"].values), np.asarray(th_ex["M"].values))
    a, b = th_ret.sel(T=T, M=M), th_ex.sel(T=T, M=M)
    M = M.astype(float)
    fa, fb = np.asarray(a["free_energy"].values, float), np.asarray(b["free_energy"].values, float)
    ok = np.isfinite(fa) & np.isfinite(fb) & (fa < fb)
    return float(M[ok].min()) if ok.any() else math.nan


def _inf(ds, name):
    """The sweep's N -> infinity extrapolation of an observable and its error (NaN where none)."""
    return np.asarray(ds[f"{name}_inf"].values, float), np.asarray(ds[f"{name}_inf_err"].values, float)


def draw(results, stem, quick=False):
    sup, uns = results["fig5_learning_mc_sup"], results["fig5_learning_mc_uns"]
    th_M, th_ex = results["fig5_learning_theory_M"], results["fig5_learning_theory_M_example"]
    mp, mpr = results["fig5_learning_map"], results["fig5_learning_map_retrieval"]
    thr = results["fig5_learning_threshold"]
    r = float(params_of(sup)["r"])
    P = int(params_of(sup)["P"])
    fig, axes = plotting.figure(ncols=3, width=3.3, height=3.5)
    ax_map, ax_M, ax_c = axes[0] if np.ndim(axes) == 2 else axes

    # (a) map, with the supervised Monte Carlo points (N -> infinity) on top
    rho, T = mp["rho"].values, mp["T"].values
    m = np.where(np.asarray(mp["converged"].values, bool), np.asarray(mp["m"].values, float), np.nan)
    mesh = ax_map.pcolormesh(rho, T, m.T, cmap="cividis", vmin=0, vmax=1, shading="nearest", rasterized=True)
    exists = np.asarray(mpr["converged"].values, bool) & np.isfinite(np.asarray(mpr["m"].values, float))
    if exists.any() and (~exists).any():
        ax_map.contour(mpr["rho"].values, mpr["T"].values, exists.T.astype(float), levels=[0.5], colors="white",
                       linewidths=1.2)
    rr, TT = np.meshgrid(_rho(r, sup["M"].values), sup["T"].values, indexing="xy")
    fill = np.asarray(sup["m_inf"].transpose("T", "M").values, float)
    ok = np.isfinite(fill)
    ax_map.scatter(rr[ok], TT[ok], s=58, c="black", zorder=3)                   # halo: visible on any colour
    ax_map.scatter(rr[ok], TT[ok], c=np.clip(fill[ok], 0, 1), cmap="cividis", vmin=0, vmax=1, s=30,
                   edgecolors="white", linewidths=1.1, zorder=4)
    ax_map.set_xscale("log")
    ax_map.set_xlabel(r"dataset entropy $\rho = (1 - r^2)/(M r^2)$")
    ax_map.set_ylabel("temperature $T$")
    ax_map.set_title(f"$P = {P}$ supervised, RS ($K$ finite)", fontsize=7.5)
    cb = fig.colorbar(mesh, ax=ax_map, pad=0.02, fraction=0.06)
    cb.set_label(r"$m$ (map: RS; dots: MC, $N \to \infty$)", fontsize=7)
    ax_map.text(0.97, 0.97, "retrieval branch exists\nleft of the white line", transform=ax_map.transAxes,
                fontsize=6, color="white", va="top", ha="right")
    panel_label(ax_map, "a")

    # (b) m versus M
    for j, Tv in enumerate(th_M["T"].values):
        c = _T_COLORS[j % len(_T_COLORS)]
        sel = th_M.sel(T=Tv)
        Ms, mm = np.asarray(sel["M"].values, int), np.asarray(sel["m"].values, float)
        ok = np.asarray(sel["converged"].values, bool) & np.isfinite(mm)
        stable = ok & np.asarray(sel["stable"].values, bool)
        odd, even = ok & (Ms % 2 == 1), ok & (Ms % 2 == 0)
        ax_M.plot(Ms[odd], mm[odd], "--", color=c, lw=0.9)                         # the odd-M curve, dashed ...
        ax_M.plot(Ms[odd], np.where(stable[odd], mm[odd], np.nan), "-", color=c, lw=1.4)   # ... solid where stable
        ax_M.plot(Ms[even], mm[even], ".", color=c, ms=3.0)
        ex = th_ex.sel(T=Tv)
        Me, me = np.asarray(ex["M"].values, int), np.asarray(ex["m"].values, float)
        oke = np.asarray(ex["converged"].values, bool) & np.isfinite(me)
        ax_M.plot(Me[oke], me[oke], ":", color=c, lw=1.3)
        Ms_star = crossover_M(th_M, th_ex, Tv)
        if np.isfinite(Ms_star):
            ax_M.plot([Ms_star, Ms_star], [0.08 - 0.06 * j, 0.14 - 0.06 * j], "-", color=c, lw=1.4)
            ax_M.text(Ms_star * 1.12, 0.09 - 0.06 * j, f"$M^* = {Ms_star:g}$", color=c, fontsize=6, va="center")
        for ds, filled in ((sup, True), (uns, False)):
            y, e = _inf(ds.sel(T=Tv), "m")
            x = np.asarray(ds["M"].values, float) * (1.0 if filled else 1.08)
            f = finite(y, e)
            ax_M.errorbar(x[f], y[f], e[f], fmt="o" if filled else "s", color=c, mfc=c if filled else "white",
                          ms=3.8, elinewidth=0.9, capsize=1.5, zorder=4)
            for lim, mark, edge in ((_YLIM[1], "^", _YLIM[1] - 0.015), (_YLIM[0], "v", _YLIM[0] + 0.015)):
                off = f & ((y > lim) if mark == "^" else (y < lim))          # extrapolations off the scale
                if off.any():
                    ax_M.plot(x[off], np.full(off.sum(), edge), mark, color=c, mfc=c if filled else "white",
                              ms=4.5, clip_on=False, zorder=5)
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=_T_COLORS[j % 3], lw=1.4, label=f"$T = {Tv:g}$")
               for j, Tv in enumerate(th_M["T"].values)]
    handles += [Line2D([], [], color="0.3", lw=1.4, label="RS archetype state, odd $M$ (sup. = unsup.)"),
                Line2D([], [], color="0.3", lw=0.9, ls="--", label="  unstable to single examples (unsup.)"),
                Line2D([], [], color="0.3", ls="", marker=".", ms=3, label="  even $M$ (tied votes)"),
                Line2D([], [], color="0.3", lw=1.3, ls=":", label="RS single-example state (unsup.)"),
                Line2D([], [], color="0.3", ls="", marker="o", ms=3.8, label=r"MC supervised, $N \to \infty$"),
                Line2D([], [], color="0.3", ls="", marker="s", mfc="white", ms=3.8,
                       label=r"MC unsupervised, $N \to \infty$")]
    ax_M.set_xscale("log")
    ax_M.set_xlabel("examples per archetype $M$")
    ax_M.set_ylabel("Mattis overlap $m$ with the archetype")
    ax_M.set_title(f"$P = {P}$, $r = {r:g}$, $K = {int(params_of(sup)['K'])}$, from the archetype", fontsize=7.5)
    ax_M.set_ylim(*_YLIM)
    ax_M.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=5.8, ncol=2,
                frameon=False)
    panel_label(ax_M, "b")

    # (c) learning threshold
    for Pv in thr["P"].values:
        sel = thr.sel(P=Pv)
        rh, ac = np.asarray(sel["rho"].values, float), np.asarray(sel["alpha_c"].values, float)
        ok = np.asarray(sel["converged"].values, bool) & finite(ac) & (ac > 0)
        c = _P_COLORS.get(int(Pv), plotting.PALETTE[3])
        ax_c.loglog(rh[ok], ac[ok], "-", color=c, label=f"$P = {int(Pv)}$")
        if Pv >= 3:
            ax_c.axhline(plateau(int(Pv)), color=c, lw=0.8, ls="--")
    ax_c.set_xlabel(r"dataset entropy $\rho$")
    ax_c.set_ylabel(r"threshold $\alpha_c(\rho) = K_{\max}/N^{P-1}$")
    ax_c.set_title("supervised, $T = 0$; dashed: plateaus", fontsize=7.5)
    lo, hi = ax_c.get_ylim()
    ax_c.set_ylim(lo / 10, hi * 30)                                             # room for the legend and the note
    ax_c.legend(loc="upper right", fontsize=6.5, ncol=3, frameon=False)
    panel_label(ax_c, "c")
    quick_note(ax_c, quick)
    fig.text(0.5, 0.005, ERRORBAR_NOTE + r"; MC points: $N \to \infty$ extrapolation over the sizes (weighted "
             r"fit: $1/N$ supervised, $1/\sqrt{N}$ unsupervised)" + "\nwith its standard error; triangles at the "
             "edge of (b): extrapolations off the scale", ha="center", va="bottom", fontsize=6, color="0.3")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return save(fig, stem)


def _states(model, ds):
    """Every RS branch at the Monte Carlo points (one vectorised solve): ``{(M, T): solution}``."""
    import replica
    pr = params_of(ds)
    Ms, Ts = np.asarray(ds["M"].values, int), np.asarray(ds["T"].values, float)
    MM, TT = np.meshgrid(Ms, Ts, indexing="ij")
    sol = replica.solve(model, P=int(pr["P"]), r=float(pr["r"]), M=MM.ravel(), beta=1.0 / TT.ravel())
    out = {}
    for i, (M, T) in enumerate(zip(MM.ravel(), TT.ravel())):
        out[(int(M), float(T))] = {name: {k: np.ravel(b[k])[i] for k in ("found", "stable", "stability", "m", "n",
                                                                         "free_energy")}
                                   for name, b in sol["branches"].items()}
        out[(int(M), float(T))]["_chosen"] = str(np.ravel(sol["branch"])[i])
    return out


def _alternatives(states, observable):
    """The other locally stable RS states at a point: the ``metastable`` alternatives of a record."""
    def alts(params, k):
        st = states.get((int(params["M"]), float(params["T"])))
        if st is None:
            return []
        out = []
        for name, b in st.items():
            if name.startswith("_") or name == st["_chosen"] or not (bool(b["found"]) and bool(b["stable"])):
                continue
            out.append(agr.alternative("metastable", float(b[observable]), level="rs", branch=name))
        return out
    return alts


def compare(results):
    """Agreement records of panel (b) (m and n, both rules, from the sweeps' [theory] tables), notes."""
    records, notes = [], []
    for key, rule in RULES:
        ds = results[key]
        states = _states(rule, ds)
        for obs in ("m", "n"):
            if f"{obs}_z" in ds:
                records += agr.from_sweep(ds, panel=f"m_vs_M_{rule}", observable=obs,
                                          alternatives=_alternatives(states, obs))
        notes += _notes(rule, ds, states)
    th_M, th_ex = results["fig5_learning_theory_M"], results["fig5_learning_theory_M_example"]
    for Tv in th_M["T"].values:
        notes.append(f"T = {float(Tv):g}: the single-example state has the lower free energy than the archetype "
                     f"state for M < M* = {crossover_M(th_M, th_ex, Tv):g} (theory grid; T = 0: M* ~ r^-P = "
                     f"{float(params_of(results['fig5_learning_mc_uns'])['r']) ** -4:.0f} for P = 4)")
    thr = results["fig5_learning_threshold"]
    for Pv in thr["P"].values:
        ac = np.asarray(thr.sel(P=Pv)["alpha_c"].values, float)
        notes.append(f"P = {int(Pv)}: alpha_c(rho) from {np.nanmax(ac):.4g} (rho = {float(thr['rho'].min()):g}) to "
                     f"{ac[-1]:.4g} (rho = {float(thr['rho'].max()):g})"
                     + (f"; plateau (closed form) {plateau(int(Pv)):.5g}" if Pv >= 3 else "; no plateau (-> 0)"))
    return records, notes


def _notes(rule, ds, states):
    """What the theory says at the Monte Carlo points: the thermodynamic state, the other stable ones."""
    pr = params_of(ds)
    r = float(pr["r"])
    lines = []
    for T in np.asarray(ds["T"].values, float):
        parts = []
        for M in np.asarray(ds["M"].values, int):
            st = states[(int(M), float(T))]
            others = [f"{n} {float(b['m']):.3f}, {float(b['free_energy']):.4f}" for n, b in st.items()
                      if not n.startswith("_") and n != st["_chosen"] and bool(b["found"])
                      and (bool(b["stable"]) or n == "retrieval")]
            ret = st.get("retrieval")
            flag = ""
            if rule == "unsupervised" and ret is not None and bool(ret["found"]):
                flag = (f", archetype state {'stable' if bool(ret['stable']) else 'UNSTABLE'} towards single examples "
                        f"(stability {float(ret['stability']):+.3f})")
            chosen = st[st["_chosen"]]
            flow = archetype_flow(int(pr["P"]), r, int(M), float(T))
            text = (f"M = {M}: {st['_chosen']} m = {float(chosen['m']):.3f}, f = {float(chosen['free_energy']):.4f}"
                    + (f" [also {', '.join(others)}]" if others else "") + flag
                    + f"; symmetric flow from the archetype ends in the {flow['state']}")
            if rule == "unsupervised" and M >= 2:
                text += f", start stability towards single examples {start_breaking(int(pr['P']), r, int(M), T):+.3f}"
            parts.append(text)
        lines.append(f"{rule}, T = {T:g}, RS thermodynamic state (other states: m, f): " + " | ".join(parts))
    if rule == "unsupervised":
        lines.append(
            "unsupervised: the couplings store every example as a pattern of weight 1/(Nrm M); a state condensed on "
            f"ONE example (overlap ~1 with it, r^2 with the others, m = r = {r:g} with the archetype) has energy "
            "-(1 + (M-1) r^(2P))/(2 Nrm M), below the archetype state's for M <~ r^-P. The example-symmetric RS "
            "state is moreover locally unstable towards it at small M (stability < 0 above). Runs from the archetype "
            "(overlap r with every example) leave the example-symmetric manifold where it is unstable towards single "
            "examples -- at the archetype state itself, or already at the start (start stability < 0 above; where the "
            "symmetric flow would end in the paramagnet this is a race between the growth of the differences and "
            "the decay towards the paramagnet: T = 0.25, M = 8 the example wins at N <= 8000, M = 5 the "
            "paramagnet) -- and fall "
            "into the example that the O(N^-1/2) fluctuations favour, the one with the largest initial overlap: the "
            "measured m is r + O(N^-1/2) (best of M examples; hence the 1/sqrt(N) extrapolation). Where the "
            "archetype state is locally stable with a wide margin (M >= 40) the runs stay in it although the example "
            "state is lower (verdict 'metastable' when that state agrees; its barrier grows with N); at M = 20 "
            "(margin 0.14-0.24) the runs at N <= 2000 still leave it; at the smallest M the symmetric flow ends in the "
            "paramagnet (locally stable for P > 2)")
    else:
        lines.append(
            "supervised: the couplings store the class mean only (no single-example states). At the smallest M "
            "and at M <= 8 for T = 0.25 the run from the archetype (overlap r with the stored mean, field of "
            "order n^(P-1) small) ends in the paramagnet, which is locally stable at every T > 0 for P > 2 and is "
            "the thermodynamic state there (its free energy -T ln 2 is below the retrieval state's)")
    return lines
