"""Figure 4: multitasking networks (K diluted archetypes, P(xi = 0) = d), Monte Carlo against RS.

(a) The amplitudes |m_1| >= |m_2| >= |m_3| (K = 3) versus the dilution d at T = 0.05: a pure
state at d = 0, the hierarchical state m_k ~ (1-d) d^(k-1) (every site follows its first
non-blank archetype) at mild dilution, parallel (equal) amplitudes at strong dilution.
(b, c) The same versus T at d = 0.3 and d = 0.7, up to the paramagnet above T_c = 1 - d.
Monte Carlo: Glauber dynamics started in archetype 1 (blank entries random), the
time-averaged |m_mu| of each network sorted in decreasing order (the order of a hierarchy is
random in a simulation), averaged over networks. RS: the thermodynamic state, amplitudes
sorted. (d, e) The (d, T) regime map of the RS thermodynamic state for K = 2 and 3.
(f) Every N -> infinity extrapolation of a Monte Carlo amplitude against its RS value. At
finite N an amplitude that vanishes at N -> infinity keeps a value of the order of the
crosstalk noise, O(N^(-1/2)), and nearly equal amplitudes are split by sorting them by about
as much: the sweeps extrapolate the sorted amplitudes in N^(-1/2) (``[theory]`` tables of the
Monte Carlo configs, ``forms`` of :mod:`hebbian.finite_size`).
"""

from __future__ import annotations

import math

import numpy as np

from .. import plotting
from . import agreement as agr
from ._common import ERRORBAR_NOTE, lighten, mc_mean, panel_label, quick_note, save, size_style

__all__ = ["draw", "compare", "regime", "REGIMES"]

#: regimes of the map: (name, label, colour, lightening)
REGIMES = (("paramagnet", "paramagnet", plotting.PALETTE[0], 0.92),
           ("pure", "pure (one pattern)", plotting.PALETTE[5], 0.45),
           ("hierarchical-2", "hierarchical, 2 patterns", plotting.PALETTE[2], 0.45),
           ("hierarchical", "hierarchical, all K", plotting.PALETTE[3], 0.45),
           ("parallel-2", "parallel, 2 patterns", plotting.PALETTE[7], 0.45),
           ("parallel", "parallel (equal), all K", plotting.PALETTE[6], 0.45),
           ("mixture", "other mixture", plotting.PALETTE[1], 0.45))
_AMP_COLORS = (plotting.PALETTE[5], plotting.PALETTE[6], plotting.PALETTE[3], plotting.PALETTE[1])


def regime(branch, K):
    """Index in :data:`REGIMES` of a branch name of the multitasking RS solver."""
    b = str(branch).split("#")[0]
    if b in ("paramagnet", "pure", "mixture") or b.startswith("mixture"):
        return [r[0] for r in REGIMES].index("mixture" if b.startswith("mixture") else b)
    for kind in ("hierarchical", "parallel"):
        if b.startswith(kind):
            j = int(b.split("-")[1]) if "-" in b else K
            return [r[0] for r in REGIMES].index(kind if j == K and K > 2 else f"{kind}-2" if j == 2 else kind)
    return [r[0] for r in REGIMES].index("mixture")


def _amp_theory(ds, along):
    x = np.asarray(ds[along].values, float)
    m = np.asarray(ds["m_all"].values, float)
    ok = np.asarray(ds["converged"].values, bool)
    m = np.where(ok[..., None], m, np.nan)
    return x, np.sort(np.abs(m), axis=-1)[..., ::-1]


def _amp_panel(ax, mc, theory, along, fixed, title):
    x, m = _amp_theory(theory, along)
    K = m.shape[-1]
    for k in range(K):
        plotting.theory_line(ax, x, m[:, k], color=_AMP_COLORS[k], label=f"RS $|m_{k + 1}|$")
    sub = mc.sel(fixed)
    mean, err, S = mc_mean(sub, "m_sorted")
    Ns = mc["N"].values
    for i, N in enumerate(Ns):
        st = size_style(i, len(Ns))
        for k in range(K):
            plotting.mc_points(ax, mc[along].values, mean.sel(N=N).isel(pattern=k).values,
                               err.sel(N=N).isel(pattern=k).values, color=_AMP_COLORS[k], marker=st["marker"],
                               markersize=st["markersize"], label=f"N = {int(N)}" if k == 0 else None)
    if "m_sorted_inf" in sub:
        for k in range(K):
            y = np.asarray(sub["m_sorted_inf"].isel(pattern=k).values, float)
            e = np.asarray(sub["m_sorted_inf_err"].isel(pattern=k).values, float)
            ok = np.isfinite(y) & np.isfinite(e)
            ax.errorbar(np.asarray(mc[along].values, float)[ok], y[ok], yerr=e[ok], fmt="*", color="0.15",
                        mfc=_AMP_COLORS[k], ms=6.5, mew=0.5, elinewidth=0.8, capsize=1.2, zorder=5,
                        label=r"$N \to \infty$" if k == 0 else None)
    ax.set_ylabel(r"sorted amplitudes $|m_k|$")
    ax.set_title(title, fontsize=8)
    ax.set_ylim(-0.02, 1.3)
    ax.legend(loc="upper center", fontsize=5.3, ncol=4, frameon=False, columnspacing=0.7, handletextpad=0.3)
    return S


def draw(results, stem, quick=False):
    mc_d, mc_T = results["fig4_multitasking_mc_d"], results["fig4_multitasking_mc_T"]
    th_d, th_T = results["fig4_multitasking_theory_d"], results["fig4_multitasking_theory_T"]
    mp = results["fig4_multitasking_map"]
    fig, axes = plotting.figure(ncols=3, nrows=2, width=3.0, height=2.6)
    T0 = float(mc_d["T"].values) if "T" in mc_d.coords and mc_d["T"].ndim == 0 else float(mc_d.coords["T"])
    S = _amp_panel(axes[0, 0], mc_d, th_d.isel(T=0), "d", {}, rf"$K = 3$, $T = {T0:g}$")
    axes[0, 0].set_xlabel("dilution $d$")
    panel_label(axes[0, 0], "a")
    for j, d in enumerate(mc_T["d"].values):
        ax = axes[0, 1 + j]
        _amp_panel(ax, mc_T, th_T.sel(d=d), "T", {"d": d}, rf"$K = 3$, $d = {d:g}$")
        ax.axvline(1 - d, color="0.6", lw=0.6, ls=":")
        ax.text(1 - d + 0.01, 0.45, r"$T_c = 1 - d$", fontsize=6.5, color="0.4",
                transform=ax.get_xaxis_transform())
        ax.set_xlabel("temperature $T$")
        panel_label(ax, "bc"[j])
    axes[0, 2].set_ylim(-0.01, 0.58)

    # regime maps
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    cmap = ListedColormap([lighten(c, f) for _, _, c, f in REGIMES])
    used = set()
    for j, K in enumerate(mp["K"].values):
        ax = axes[1, j]
        sub = mp.sel(K=K)
        br = np.asarray(sub["branch"].values).astype(str)
        ok = np.asarray(sub["converged"].values, bool)
        code = np.array([[regime(b, int(K)) if o else np.nan for b, o in zip(row, okr)] for row, okr in zip(br, ok)])
        used |= {int(c) for c in code[np.isfinite(code)].ravel()}
        ax.pcolormesh(sub["d"].values, sub["T"].values, code.T, cmap=cmap, vmin=-0.5, vmax=len(REGIMES) - 0.5,
                      shading="nearest", rasterized=True)
        dd = np.linspace(0, 1, 50)
        ax.plot(dd, 1 - dd, "-", color="0.2", lw=0.8)
        ax.set_xlim(0, float(sub["d"].max()))
        ax.set_ylim(0, float(sub["T"].max()))
        ax.set_xlabel("dilution $d$")
        ax.set_ylabel("temperature $T$")
        ax.set_title(f"RS thermodynamic state, $K = {int(K)}$", fontsize=8)
        if j == 0:
            ax.text(0.52, 0.5, r"$T_c = 1 - d$", fontsize=6.5, transform=ax.transAxes, rotation=-36)
        panel_label(ax, "de"[j])
    handles = [Patch(facecolor=lighten(REGIMES[i][2], REGIMES[i][3]), edgecolor="0.5", lw=0.4, label=REGIMES[i][1])
               for i in sorted(used)]
    axes[1, 1].legend(handles=handles, loc="upper right", fontsize=5.5, framealpha=0.9)

    # parity: every N -> infinity extrapolation against its RS value
    ax = axes[1, 2]
    for i, (key, marker) in enumerate((("fig4_multitasking_mc_d", "o"), ("fig4_multitasking_mc_T", "s"))):
        mc = results[key]
        if "m_sorted_inf" not in mc:
            continue
        th = np.asarray(mc["m_sorted_theory"].broadcast_like(mc["m_sorted_inf"]).values, float).ravel()
        v = np.asarray(mc["m_sorted_inf"].values, float).ravel()
        e = np.asarray(mc["m_sorted_inf_err"].values, float).ravel()
        plotting.mc_points(ax, th, v, e, color=size_style(i, 2)["color"], marker=marker, markersize=3.5,
                           label="versus " + ("$d$" if i == 0 else "$T$") + r", $N \to \infty$", elinewidth=0.6)
    ax.plot([0, 1], [0, 1], "-", color="0.3", lw=0.8, zorder=0, label="MC = RS")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"RS amplitude $|m_k|$")
    ax.set_ylabel(r"MC amplitude $|m_k|$, extrapolated")
    ax.set_title(r"every amplitude, $N \to \infty$ (fit in $N^{-1/2}$)", fontsize=7.5)
    ax.legend(loc="upper left", fontsize=6, frameon=False)
    panel_label(ax, "f")
    quick_note(ax, quick)
    fig.text(0.5, 0.005, f"{ERRORBAR_NOTE} ({S} per point)", ha="center", va="bottom", fontsize=6, color="0.3")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return save(fig, stem)


def compare(results):
    """Records of every sorted amplitude (N -> infinity extrapolation) against the RS thermodynamic
    state; a locally stable RS state of another kind that agrees with the runs is the
    alternative of kind 'metastable'."""
    records = []
    for key, panel in (("fig4_multitasking_mc_d", "amplitudes_vs_d"), ("fig4_multitasking_mc_T", "amplitudes_vs_T")):
        ds = results[key]
        records += agr.from_sweep(ds, panel=panel, observable="m_sorted", label="m",
                                  alternatives=lambda params, k, ds=ds: _other_states(ds, params, k))
    notes = ["theory: the RS thermodynamic state (lowest free energy among the locally stable solutions), amplitudes "
             "sorted; Monte Carlo: the time-averaged |m_mu| of each network sorted, averaged over the networks at "
             "each N, extrapolated to N -> infinity in N^(-1/2) (vanishing and nearly equal amplitudes carry an "
             "O(N^(-1/2)) bias at finite N)",
             "a run in another locally stable RS state than the thermodynamic one is 'metastable' when every "
             "amplitude of that state agrees with the extrapolation (|z| <= 3)"]
    return records, notes


_STATES = {}


def _other_states(ds, params, k):
    """Alternatives of kind 'metastable': the k-th sorted amplitude of every other locally stable
    RS state at the point whose amplitudes ALL agree with the extrapolated Monte Carlo ones."""
    import replica
    T = params["T"]
    key = (int(params["K"]), round(float(params["d"]), 12), round(float(T), 12))
    if key not in _STATES:
        sol = replica.solve("multitasking", K=key[0], d=key[1], beta=math.inf if T == 0 else 1.0 / T)
        _STATES[key] = [(name, np.sort(np.abs(np.atleast_1d(rec["m"])))[::-1])
                        for name, rec in sol["branches"].items()
                        if name != sol["branch"] and bool(np.all(rec["found"])) and bool(np.all(rec["stable"]))]
    at = {d: params[d] for d in ds["m_sorted_inf"].dims if d != "pattern"}
    v = np.asarray(ds["m_sorted_inf"].sel(at).values, float)
    e = np.asarray(ds["m_sorted_inf_err"].sel(at).values, float)
    out = []
    for name, m in _STATES[key]:
        n = min(len(m), len(v))
        if n and np.all(np.abs(v[:n] - m[:n]) <= agr.Z_AGREE * e[:n]):
            out.append(agr.alternative("metastable", float(m[k]), level="rs", branch=name))
    return out
