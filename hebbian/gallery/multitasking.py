"""Figure 4: multitasking networks (K diluted archetypes, P(xi = 0) = d), Monte Carlo against RS.

(a) The amplitudes |m_1| >= |m_2| >= |m_3| (K = 3) versus the dilution d at T = 0.05: a pure
state at d = 0, the hierarchical state m_k ~ (1-d) d^(k-1) (every site follows its first
non-blank archetype) at mild dilution, parallel (equal) amplitudes at strong dilution.
(b, c) The same versus T at d = 0.3 and d = 0.7, up to the paramagnet above T_c = 1 - d.
Monte Carlo: Glauber dynamics started in archetype 1 (blank entries random), the
time-averaged |m_mu| of each network sorted in decreasing order (the order of a hierarchy is
random in a simulation), averaged over networks. RS: the thermodynamic state, amplitudes
sorted. (d, e) The (d, T) regime map of the RS thermodynamic state for K = 2 and 3.
(f) Every Monte Carlo amplitude against its RS value: amplitudes that vanish at N -> infinity
keep a positive finite-N value of the order of the crosstalk noise; the inset draws them
against their finite-N mean (:func:`finite_n_abs`: Gaussian quenched crosstalk and thermal
fluctuations, where the state is stable in their directions, T > 0, and away from the
critical rounding, chi <= _CRITICAL_CHI).
"""

from __future__ import annotations

import math

import numpy as np

from .. import plotting
from . import agreement as agr
from ._common import lighten, panel_label, quick_note, save, size_style

__all__ = ["draw", "compare", "regime", "finite_n_abs", "REGIMES"]

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
    mean, err, S = agr.disorder_mean(mc.sel(fixed), "m_sorted")
    Ns = mc["N"].values
    for i, N in enumerate(Ns):
        st = size_style(i, len(Ns))
        for k in range(K):
            plotting.mc_points(ax, mc[along].values, mean.sel(N=N).isel(pattern=k).values,
                               err.sel(N=N).isel(pattern=k).values, color=_AMP_COLORS[k], marker=st["marker"],
                               markersize=st["markersize"], label=f"MC, N = {int(N)}" if k == 0 else None)
    ax.set_ylabel(r"sorted amplitudes $|m_k|$")
    ax.set_title(title, fontsize=8)
    ax.set_ylim(-0.02, 1.02)
    return S


def draw(results, stem, quick=False):
    mc_d, mc_T = results["fig4_multitasking_mc_d"], results["fig4_multitasking_mc_T"]
    th_d, th_T = results["fig4_multitasking_theory_d"], results["fig4_multitasking_theory_T"]
    mp = results["fig4_multitasking_map"]
    fig, axes = plotting.figure(ncols=3, nrows=2, width=3.0, height=2.6)
    T0 = float(mc_d["T"].values) if "T" in mc_d.coords and mc_d["T"].ndim == 0 else float(mc_d.coords["T"])
    S = _amp_panel(axes[0, 0], mc_d, th_d.isel(T=0), "d", {}, rf"$K = 3$, $T = {T0:g}$")
    axes[0, 0].set_xlabel("dilution $d$")
    axes[0, 0].legend(loc="upper right", fontsize=5.8, ncol=2)
    panel_label(axes[0, 0], "a")
    for j, d in enumerate(mc_T["d"].values):
        ax = axes[0, 1 + j]
        _amp_panel(ax, mc_T, th_T.sel(d=d), "T", {"d": d}, rf"$K = 3$, $d = {d:g}$")
        ax.axvline(1 - d, color="0.6", lw=0.6, ls=":")
        ax.text(1 - d + 0.01, 0.55, r"$T_c = 1 - d$", fontsize=6.5, color="0.4",
                transform=ax.get_xaxis_transform())
        ax.set_xlabel("temperature $T$")
        panel_label(ax, "bc"[j])
    axes[0, 2].set_ylim(-0.01, 0.45)

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

    # parity: every Monte Carlo amplitude against its RS value
    ax = axes[1, 2]
    pts = [p for key in ("fig4_multitasking_mc_d", "fig4_multitasking_mc_T") for p in _points(results[key])]
    Ns = sorted({p["N"] for p in pts})
    inset = ax.inset_axes([0.58, 0.16, 0.38, 0.36])
    top = 0.0
    for i, N in enumerate(Ns):
        st = size_style(i, len(Ns))
        use = [p for p in pts if p["N"] == N and p["theory_m"] is not None]
        th = np.concatenate([p["theory_m"] for p in use])
        v = np.concatenate([p["mc"] for p in use])
        e = np.concatenate([p["err"] for p in use])
        plotting.mc_points(ax, th, v, e, color=st["color"], marker=st["marker"], markersize=st["markersize"] * 0.8,
                           label=f"N = {N}", elinewidth=0.6)
        # the amplitudes that vanish at N -> infinity, against their finite-N mean (finite_n_abs)
        fc = [finite_n_abs(p["solution"], p["params"]["d"], p["params"]["T"], N) for p in use]
        fin, chi = np.concatenate([f for f, _ in fc]), np.concatenate([c for _, c in fc])
        ok = np.isfinite(fin) & (chi <= _CRITICAL_CHI)       # where the Gaussian estimate holds
        if ok.any():
            plotting.mc_points(inset, fin[ok], v[ok], e[ok], color=st["color"], marker=st["marker"],
                               markersize=st["markersize"] * 0.6, elinewidth=0.5)
            top = max(top, float(np.max(fin[ok])), float(np.max(v[ok])))
    ax.plot([0, 1], [0, 1], "-", color="0.3", lw=0.8, zorder=0, label="MC = RS")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"RS amplitude $|m_k|$")
    ax.set_ylabel(r"MC amplitude $|m_k|$")
    ax.set_title("all points (inset: vanishing ones, finite N)", fontsize=7.5)
    ax.legend(loc="upper left", fontsize=6)
    top = 1.1 * top if top > 0 else 0.2
    inset.plot([0, top], [0, top], "-", color="0.3", lw=0.6, zorder=0)
    inset.set_xlim(0, top)
    inset.set_ylim(0, top)
    inset.tick_params(labelsize=5, length=2)
    inset.set_xlabel("finite-$N$ theory", fontsize=5.5, labelpad=1)
    inset.set_ylabel("MC", fontsize=5.5, labelpad=1)
    panel_label(ax, "f")
    quick_note(ax, quick)
    fig.tight_layout()
    return save(fig, stem)


def _points(mc):
    """Per MC point: N, parameters, sorted amplitudes (disorder mean, error), per-network values."""
    mean, err, S = agr.disorder_mean(mc, "m_sorted")
    K = int(mc.coords["K"]) if "K" in mc.coords else mean.sizes["pattern"]
    dims = [d for d in mean.dims if d != "pattern"]
    pts = []
    for idx in np.ndindex(*[mean.sizes[d] for d in dims]):
        sel = {d: mean[d].values[i] for d, i in zip(dims, idx)}
        params = {"K": K, "d": float(sel["d"]) if "d" in sel else float(mc.coords["d"]),
                  "T": float(sel["T"]) if "T" in sel else float(mc.coords["T"])}
        N = int(sel["N"]) if "N" in sel else int(mc.coords["N"])
        beta = math.inf if params["T"] == 0 else 1.0 / params["T"]
        sol = _solve_cached(K, params["d"], beta)
        pts.append({"N": N, "params": params, "mc": mean.sel(sel).values[:K], "err": err.sel(sel).values[:K],
                    "samples": mc["m_sorted_samples"].sel(sel).values[:, :K], "S": S,
                    "samples_err": mc["m_sorted_samples_err"].sel(sel).values[:, :K],
                    "reliable": bool(np.all(mc["reliable"].sel(sel).values)),
                    "theory_m": np.sort(np.abs(np.atleast_1d(sol["m"])))[::-1] if sol["converged"] else None,
                    "solution": sol})
    return pts


_CACHE = {}


def _solve_cached(K, d, beta):
    import replica
    key = (K, round(d, 12), beta)
    if key not in _CACHE:
        _CACHE[key] = replica.solve("multitasking", K=K, d=d, beta=beta)
    return _CACHE[key]


def compare(results):
    records = []
    for key, panel in (("fig4_multitasking_mc_d", "amplitudes_vs_d"), ("fig4_multitasking_mc_T", "amplitudes_vs_T")):
        for p in _points(results[key]):
            th = p["theory_m"]
            sol = p["solution"]
            if th is None:
                continue
            near = _nearest_branch(sol, p["mc"])
            soft = _soft(sol)
            scale = _CROSSTALK / math.sqrt(p["N"])
            fin, chis = finite_n_abs(sol, p["params"]["d"], p["params"]["T"], p["N"])
            for k in range(len(th)):
                expl = []
                dev = p["mc"][k] - th[k]
                extra = {}
                if math.isfinite(fin[k]):
                    zf = (p["mc"][k] - fin[k]) / p["err"][k] if p["err"][k] > 0 else math.nan
                    extra = {"theory_finite_N": float(fin[k]), "z_finite_N": zf}
                    if abs(zf) <= 3:
                        expl.append(agr.explain("finite_size", f"vanishing amplitude: at finite N the mean |m| is "
                                                f"sqrt(2 chi / (pi N)) = {fin[k]:.4f} (Gaussian quenched crosstalk and "
                                                f"thermal fluctuations, chi = {chis[k]:.3g}; finite_n_abs), and the "
                                                f"Monte Carlo agrees with it: z = {zf:+.1f}"))
                    elif chis[k] > _CRITICAL_CHI:
                        expl.append(agr.explain("finite_size", f"vanishing amplitude near the instability of its "
                                                f"direction (chi = {chis[k]:.3g}): critical finite-size rounding, the "
                                                f"Gaussian finite-N estimate {fin[k]:.4f} (z = {zf:+.1f}) is not "
                                                "accurate there"))
                if (k > 0 or th[k] < 1e-6) and 0 < dev <= scale and not expl:
                    kind = "vanishing" if th[k] < 1e-6 else "sub-leading"
                    expl.append(agr.explain("crosstalk", f"{kind} amplitude: positive finite-N bias {dev:+.3f} "
                                            f"<= {_CROSSTALK:g}/sqrt(N) = {scale:.3f}"))
                if soft:
                    expl.append(agr.explain("soft_mode", soft))
                if near is not None:
                    expl.append(agr.explain("metastability", near))
                if not p["reliable"]:
                    expl.append(agr.explain("slow_dynamics", "the engine flagged the run (shorter than 50 tau or "
                                            "chains disagree)"))
                records.append(agr.record(panel=panel, observable=f"m_{k + 1}", params=p["params"], N=p["N"],
                                          mc=p["mc"][k], mc_err=p["err"][k], n_samples=p["S"], theory=th[k],
                                          branch=str(sol["branch"]), reliable=p["reliable"], explanation=expl,
                                          mapping="N -> infinity parameters (K finite)", **extra))
            # the sum of the amplitudes (insensitive to the soft mode of symmetric states)
            tot = np.nansum(p["samples"], axis=1)
            S = p["S"]
            err = max(float(np.std(tot, ddof=1) / math.sqrt(S)) if S > 1 else 0.0,
                      float(np.sqrt(np.nansum(p["samples_err"] ** 2)) / S), 1.0 / (p["N"] * math.sqrt(S)))
            expl = []
            extra = {}
            if np.isfinite(fin).any():
                th_fin = float(np.sum(np.where(np.isfinite(fin), fin, th)))
                zf = (float(np.mean(tot)) - th_fin) / err
                extra = {"theory_finite_N": th_fin, "z_finite_N": zf}
                if abs(zf) <= 3:
                    expl.append(agr.explain("finite_size", f"{int(np.isfinite(fin).sum())} vanishing amplitude(s), "
                                            f"each sqrt(2 chi / (pi N)) at finite N: sum {th_fin:.4f}, Monte Carlo "
                                            f"z = {zf:+.1f} against it"))
            if near is not None:
                expl.append(agr.explain("metastability", near))
            dev = float(np.mean(tot)) - float(np.sum(th))
            n_small = int(np.sum(th < 1e-6)) + int(th[0] >= 1e-6) * (len(th) - 1 - int(np.sum(th[1:] < 1e-6)))
            if n_small and 0 < dev <= n_small * scale and not any(e["tag"] == "finite_size" for e in expl):
                expl.append(agr.explain("crosstalk", f"{n_small} sub-leading or vanishing amplitude(s), each with a "
                                        f"positive O(1/sqrt N) bias (total {dev:+.3f} <= {n_small} x {scale:.3f})"))
            records.append(agr.record(panel=panel, observable="m_sum", params=p["params"], N=p["N"],
                                      mc=float(np.mean(tot)), mc_err=err, n_samples=S, theory=float(np.sum(th)),
                                      branch=str(sol["branch"]), reliable=p["reliable"], explanation=expl,
                                      mapping="N -> infinity parameters (K finite)", **extra))
    notes = ["theory: the RS thermodynamic state (lowest free energy among locally stable solutions), amplitudes "
             "sorted; Monte Carlo: time-averaged |m_mu| of each network sorted, then averaged over networks",
             "sub-leading amplitudes carry a positive O(1/sqrt N) crosstalk bias (panel f); in symmetric/mixture "
             "states compare the sum m_sum, not individual sorted amplitudes",
             "where the simulation sits in another locally stable RS state than the thermodynamic one (e.g. the "
             "hierarchical state where the K = 3 'majority' mixture has lower free energy, d > 0.547 at T = 0), the "
             "record says so (metastability) and names the state"]
    return records, notes


def finite_n_abs(sol, d, T, N, n_draws=20000):
    """Finite-N mean of the sorted, time-averaged |m_k| of the amplitudes that vanish in an RS state.

    A pattern nu with m_nu = 0 in the state has, at finite N, (i) a quenched overlap with the
    thermal state, ``(1/N) sum_i xi_i^nu <s_i>``, of variance ``(1 - d) q / N`` with
    ``q = E[tanh^2(h / T)]``, and (ii) thermal fluctuations of variance ``a / N``,
    ``a = (1 - d) E[1 - tanh^2(h / T)]``, both amplified by the response of the network in that
    direction, ``g = 1 / (1 - a / T)``. Here ``h`` is the field of the condensed patterns on a
    site (exact average over the 3^(K-1) dilution patterns of the other archetypes; it does not
    involve xi^nu). Gaussian in both: the static mean of a network is ``mu ~ N(0, (1-d) q g^2 /
    N)``, its time-averaged ``|m|`` is ``E|N(mu, a g / N)|``, and the vanishing amplitudes of a
    network are sorted like the Monte Carlo ones (order statistics over ``n_draws`` draws of
    the static means, a fixed seed). Paramagnet (``q = 0``): ``sqrt(2 a g / (pi N))`` for each;
    a frozen pure state (``a = 0``): the sorted |overlaps| of random patterns, the crosstalk.
    Only where the state is stable in those directions (``a < T``), T > 0. The finite-run noise
    of the time averages is neglected: where the values are equal (paramagnet), sorting them
    splits them by about that noise, which this estimate does not include (their sum is exact).

    Returns
    -------
    e_abs, chi : ndarray of shape (K,)
        In the sorted (decreasing |m|) order of the amplitudes; NaN for the non-vanishing ones.
        ``chi = a g + (1 - d) q g^2`` is the total (static + thermal) variance times N.
    """
    import itertools

    from scipy.special import erf
    m = np.asarray(np.atleast_1d(sol["m"]), float)
    K = m.size
    order = np.argsort(-np.abs(m), kind="stable")
    e_abs, chi = np.full(K, np.nan), np.full(K, np.nan)
    if not T > 0:
        return e_abs, chi
    probs = {-1: (1 - d) / 2, 0: d, 1: (1 - d) / 2}
    pos_v, var_q, var_t = [], [], []
    for pos, nu in enumerate(order):
        if abs(m[nu]) > 1e-6:
            continue
        others = [mu for mu in range(K) if mu != nu]
        q = 0.0
        for c in itertools.product((-1, 0, 1), repeat=len(others)):
            w = float(np.prod([probs[x] for x in c]))
            h = float(sum(x * m[mu] for x, mu in zip(c, others)))
            q += w * math.tanh(h / T) ** 2
        a = (1 - d) * (1 - q)
        if not a < T * (1 - 1e-9):
            return e_abs, chi                 # unstable direction: no Gaussian estimate
        g = 1.0 / (1.0 - a / T)
        pos_v.append(pos)
        var_q.append((1 - d) * q * g * g / N)
        var_t.append(a * g / N)
        chi[pos] = a * g + (1 - d) * q * g * g
    if not pos_v:
        return e_abs, chi
    rng = np.random.default_rng(12345)
    mu = rng.standard_normal((n_draws, len(pos_v))) * np.sqrt(var_q)
    st = np.sqrt(var_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_abs = np.where(st > 0, st * math.sqrt(2 / math.pi) * np.exp(-mu ** 2 / (2 * st ** 2))
                         + mu * erf(mu / (np.sqrt(2) * st)), np.abs(mu))
    e_abs[pos_v] = np.sort(t_abs, axis=1)[:, ::-1].mean(axis=0)
    return e_abs, chi


_CRITICAL_CHI = 3.0   # response of a vanishing direction beyond which its fluctuations are not Gaussian
_CROSSTALK = 3.0      # a positive bias up to this many 1/sqrt(N) is the crosstalk of a finite network
_SOFT = 0.15          # RS states with a smallest stability eigenvalue below this are "soft"


def _soft(sol):
    """A note when the RS state is symmetric (parallel/mixture) or close to its stability limit."""
    b = str(sol["branch"])
    stab = float(np.ravel(sol.get("stability", np.nan))[0])
    if b.startswith(("parallel", "mixture")):
        return f"the RS state is {b}: (near-)equal amplitudes with a soft direction; compare the sum m_sum"
    if math.isfinite(stab) and stab < _SOFT:
        return (f"the RS state ({b}) is close to its stability limit (smallest Hessian eigenvalue {stab:.3f}): "
                "large finite-N fluctuations")
    return None


def _nearest_branch(sol, mc):
    """A note if the MC amplitudes are much closer to another locally stable branch than to the chosen one."""
    best, best_d, chosen_d = None, math.inf, math.inf
    mc = np.asarray(mc, float)
    for name, rec in sol["branches"].items():
        if not bool(rec["found"]) or not bool(rec.get("stable", True)):
            continue
        th = np.sort(np.abs(np.atleast_1d(rec["m"])))[::-1]
        d = float(np.sqrt(np.sum((th - mc) ** 2)))
        if name == sol["branch"]:
            chosen_d = d
        if d < best_d:
            best, best_d = name, d
    if best is None or best == sol["branch"] or not best_d < 0.5 * chosen_d:
        return None
    th = np.sort(np.abs(np.atleast_1d(sol["branches"][best]["m"])))[::-1]
    return (f"the simulation sits in the locally stable RS state {best!r} (m = "
            + ", ".join(f"{v:.3f}" for v in th) + f"), not in the thermodynamic {sol['branch']!r}")
