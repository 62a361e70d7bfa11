"""The main job: the embedded default sweep, its RS theory (if installed) and a figure.

``python scripts/sweep.py`` without arguments calls :func:`run_default`: a Monte Carlo sweep
of m versus T for a Hopfield network (``hebbian/data/default_sweep.toml``), the replica-
symmetric curve of the same model (``default_theory.toml``) when the replica engine is
installed, and a figure of both. Running it again resumes (or just re-assembles and re-plots).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ._config import DEFAULT_CONFIG, load_config
from ._runner import run_sweep

__all__ = ["run_default", "plot_m_vs_T", "DEFAULT_THEORY"]

DEFAULT_THEORY = DEFAULT_CONFIG.with_name("default_theory.toml")


def run_default(out="results/default", *, comm=None, stream=None):
    """Run the default sweep (and its theory curve) into ``out``; draw ``out/m_vs_T.png``.

    Returns
    -------
    dict or None
        On rank 0: paths of ``montecarlo``, ``replica`` (None without the engine) and
        ``figure`` (PDF and PNG), and ``failed``, the number of failed tasks (they are NaN in
        the results and listed above; the command line then exits with status 3); None on
        other ranks.
    """
    stream = stream if stream is not None else sys.stderr
    out = Path(out)
    rank = comm.rank if comm is not None else 0
    if not _available("montecarlo", "simulate"):
        raise RuntimeError("the Monte Carlo engine (package 'montecarlo') is not available: "
                           "install the project with pip install -e .")
    mc = load_config(DEFAULT_CONFIG)
    mc_report = run_sweep(mc, out / "montecarlo.h5", resume=True, comm=comm, stream=stream)
    rs_report = None
    if _available("replica", "solve"):
        rs_report = run_sweep(load_config(DEFAULT_THEORY), out / "replica.h5", resume=True, comm=comm,
                              stream=stream)
    elif rank == 0:
        print("sweep: the replica engine is not installed: the figure shows Monte Carlo only",
              file=stream, flush=True)
    if rank != 0:
        return None
    from ..io import load_result
    mc_ds = load_result(mc_report.path)
    rs_ds = load_result(rs_report.path) if rs_report is not None else None
    figure = plot_m_vs_T(mc_ds, rs_ds, out / "m_vs_T")
    failed = mc_report.n_failed + (rs_report.n_failed if rs_report else 0)
    print(f"\nresults:\n  Monte Carlo : {mc_report.path}"
          + (f"\n  RS theory   : {rs_report.path}" if rs_report else "")
          + f"\n  figure      : {figure[1]} (and {figure[0].name})"
          + "\nload them with: hebbian.load_result(path)"
          + (f"\nWARNING: {failed} task(s) failed (see above): their points are missing" if failed else ""),
          flush=True)
    return {"montecarlo": mc_report.path, "replica": rs_report.path if rs_report else None, "figure": figure,
            "failed": failed}


def plot_m_vs_T(mc, theory=None, stem="m_vs_T"):
    """Figure of Monte Carlo m(T) with error bars (one series per N) over the RS curve.

    Parameters
    ----------
    mc : xarray.Dataset
        Result with a ``T`` axis and ``m``/``m_err`` (optionally an ``N`` axis, and the
        ``[theory]`` variables ``m_inf``/``m_inf_err``: drawn as the N -> infinity points); ``m``
        is the overlap with the archetype the chains started in.
    theory : xarray.Dataset, optional
        Replica result with a ``T`` axis, ``m`` and ``converged``; drawn where converged (for
        a branch: where it exists, up to its spinodal T_M, which is marked), with the m = 0
        state (spin glass / paramagnet) at every T.
    stem : path
        Output without suffix; PDF and PNG are written.

    Returns
    -------
    list of Path
        ``[stem.pdf, stem.png]``.
    """
    from .. import plotting
    fig, ax = plotting.figure(width=4.4, height=3.3)
    T_max = float(np.max(mc["T"].values))
    if theory is not None:
        T, m = theory["T"].values, theory["m"].values
        ok = theory["converged"].values.astype(bool) if "converged" in theory else np.ones(T.shape, bool)
        branch = json.loads(theory.attrs.get("settings", "{}")).get("branch", "thermodynamic")
        label = "RS, retrieval branch" if branch == "retrieval" else f"RS, {branch} state"
        plotting.theory_line(ax, T[ok], m[ok], label=label, color=plotting.PALETTE[0])
        T_max = max(T_max, float(np.max(T)))
        if branch == "retrieval" and ok.any() and not ok.all():
            T_M = float(np.max(T[ok]))
            ax.axvline(T_M, color="0.55", lw=0.7, ls=":", zorder=0)
            ax.text(T_M - 0.01, 0.4, r"$T_M$ (retrieval spinodal)", fontsize=7, color="0.35", ha="right")
    ax.plot([0, T_max], [0, 0], "--", color=plotting.PALETTE[0], lw=1.0, label=r"$m = 0$ (spin glass / paramagnet)")
    sizes = mc["N"].values if "N" in mc.dims else [None]
    n_samples = int(mc.sizes.get("sample", 1))
    for i, N in enumerate(sizes):
        sel = mc.sel(N=N) if N is not None else mc
        label = f"MC, N = {int(N)}" if N is not None else "Monte Carlo"
        # larger markers first, so that coinciding points of several sizes stay visible
        plotting.mc_points(ax, sel["T"].values, sel["m"].values, sel["m_err"].values, label=label,
                           color=plotting.PALETTE[1 + i % 7], marker="os^vD"[i % 5],
                           markersize=6.5 - 2.0 * i / max(len(sizes) - 1, 1))
    if "m_inf" in mc:
        y, e = mc["m_inf"].values, mc["m_inf_err"].values
        ok = np.isfinite(y) & np.isfinite(e)
        ax.errorbar(mc["T"].values[ok], y[ok], yerr=e[ok], fmt="*", color="0.1", ms=7, capsize=1.5,
                    label=r"MC, $N \to \infty$ (fit in $1/N$)", zorder=5)
    alpha = mc.coords["alpha"].values if "alpha" in mc.coords else None
    ax.set_xlabel("$T$")
    ax.set_ylabel("$m$")
    if alpha is not None:
        ax.set_title(rf"Hopfield network, $\alpha = {float(alpha):g}$", fontsize=9)
    ax.set_ylim(-0.1, 1.45)
    ax.legend(loc="upper right", fontsize=6.5, ncol=2, frameon=False)
    what = (f"standard error of the mean over {n_samples} networks" if n_samples > 1
            else "thermal standard error of one network")
    fig.text(0.5, 0.01, f"error bars: {what}", ha="center", va="bottom", fontsize=6.5, color="0.3")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    paths = [Path(p) for p in plotting.save(fig, str(stem))]
    import matplotlib.pyplot as plt
    plt.close(fig)
    return paths


def _available(module, attr):
    try:
        mod = __import__(module)
    except ImportError:
        return False
    return hasattr(mod, attr)
