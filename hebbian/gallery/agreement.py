"""Monte Carlo against replica theory: N -> infinity extrapolations, z-scores and verdicts.

The Monte Carlo sweeps of the gallery carry a ``[theory]`` table, so their result files hold,
at every point of the grid without ``N``, the theory ``<obs>_theory`` and the N -> infinity
extrapolation of the disorder-averaged Monte Carlo ``<obs>_inf +- <obs>_inf_err`` (weighted
least squares over >= 3 sizes, :func:`hebbian.finite_size.extrapolate`) with
``<obs>_z = (<obs>_inf - <obs>_theory) / <obs>_inf_err``. :func:`from_sweep` turns those
variables into one record per point and observable (vector observables: per component):
``figure``, ``panel``, ``observable``, ``params``, ``sizes``, ``n_samples``, ``theory`` (with
``theory_level`` and ``theory_branch``), ``mc_inf``, ``mc_inf_err``, ``form``, ``fit_pvalue``,
``z``, ``alternatives`` and ``verdict`` with its ``reason``. The numbers are those of the
sweep file: the gallery computes no error bar of its own.

Verdicts (:data:`VERDICTS`), decided by :func:`verdict` from stated criteria only:

* ``"agree"``: ``|z| <= 3``;
* ``"rsb"``: ``|z| > 3`` against RS, the RS state compared is replicon (AT) unstable at
  that point, and the 1RSB prediction of the same branch (an alternative of kind ``"rsb"``)
  agrees: ``|z_1rsb| <= 3`` with the same Monte Carlo error;
* ``"metastable"``: ``|z| > 3``, and another locally stable state of the same theory (an
  alternative of kind ``"metastable"``, e.g. the state the runs fell into) agrees,
  ``|z_alt| <= 3``;
* ``"disagree"``: ``|z| > 3`` and no criterion above holds;
* ``"not compared"``: no z -- the branch does not exist at the point (theory NaN) or fewer
  than 3 sizes have a positive error bar (the reason says which).

Every criterion compares the Monte Carlo with a theory value, so shifting the theory (all of
its values) turns every verdict into ``"disagree"`` (tested). No verdict comes from the Monte
Carlo data alone.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["from_sweep", "fit_record", "verdict", "alternative", "summarize", "merge", "write", "read", "VERDICTS", "Z_AGREE",
           "ERROR_TEXT"]

Z_AGREE = 3.0
VERDICTS = ("agree", "rsb", "metastable", "disagree", "not compared")

ERROR_TEXT = ("mc_inf +- mc_inf_err is the N -> infinity extrapolation of the disorder average (the sweep's "
              "<obs>_inf, <obs>_inf_err): weighted least squares over the sizes with the errors <obs>_err, the "
              "standard error of the mean over the networks at each size (std / sqrt(networks), which includes "
              "the thermal noise); errors inflated by sqrt(chi2/dof) when the fit is poor (p < 0.05). "
              "z = (mc_inf - theory) / mc_inf_err.")


def alternative(kind, theory, *, level, branch):
    """Another theory value a record may be checked against (``kind``: ``"rsb"`` or ``"metastable"``)."""
    if kind not in ("rsb", "metastable"):
        raise ValueError(f"kind must be 'rsb' or 'metastable', got {kind!r}")
    return {"kind": kind, "level": level, "branch": branch, "theory": float(theory)}


def verdict(rec):
    """``(verdict, reason)`` of a record with ``z``, ``mc_inf``, ``mc_inf_err``, ``alternatives``
    and ``theory_rs_stable`` (see the module docstring for the criteria)."""
    z = rec["z"]
    if not math.isfinite(z):
        return "not compared", rec.get("not_compared_reason") or "no z-score"
    if abs(z) <= Z_AGREE:
        return "agree", f"|z| = {abs(z):.2f} <= {Z_AGREE:g}"
    for alt in rec.get("alternatives", ()):
        za = alt.get("z", math.nan)
        if not (math.isfinite(za) and abs(za) <= Z_AGREE):
            continue
        if alt["kind"] == "rsb" and rec.get("theory_rs_stable") is False:
            return "rsb", (f"RS is replicon-unstable here and differs by z = {z:+.1f}; the {alt['level']} "
                           f"{alt['branch']} value {alt['theory']:.5g} agrees (z = {za:+.2f})")
        if alt["kind"] == "metastable":
            return "metastable", (f"z = {z:+.1f} against the {rec['theory_branch']} state; the runs are in the locally "
                                  f"stable {alt['branch']} state ({alt['level']}), which agrees: {alt['theory']:.5g}, "
                                  f"z = {za:+.2f}")
    return "disagree", f"|z| = {abs(z):.1f} > {Z_AGREE:g} and no tested criterion explains it"


def from_sweep(ds, *, panel, observable, label=None, alternatives=None):
    """Agreement records of one observable of a Monte Carlo sweep result with a ``[theory]`` table.

    Parameters
    ----------
    ds : xarray.Dataset
        The sweep result (``N`` axis with >= 3 sizes, ``<observable>_inf`` etc.).
    panel : str
    observable : str
        The sweep observable (``"m"``, ``"m_sorted"``, ``"n"``, ...).
    label : str, optional
        Name in the records (default ``observable``; a vector observable gets ``_<k>``,
        1-based, per component).
    alternatives : callable, optional
        ``alternatives(params, component) -> list`` of :func:`alternative` records at a point.

    Returns
    -------
    list of dict
    """
    label = label or observable
    if f"{observable}_z" not in ds:
        raise ValueError(f"the result has no {observable}_z: give its config a [theory] table and an N axis with "
                         f">= 3 sizes")
    z = ds[f"{observable}_z"]
    comp_dim = "pattern" if "pattern" in z.dims else None
    point_dims = [d for d in z.dims if d != comp_dim]
    info = json.loads(ds.attrs.get("theory", "{}"))
    S = int(ds.sizes.get("sample", 1))
    Ns = np.asarray(ds["N"].values, dtype=np.int64)
    fixed = {k: v for k, v in json.loads(ds.attrs.get("params", "{}")).items() if isinstance(v, (int, float))}
    records = []
    n_comp = z.sizes[comp_dim] if comp_dim else 1
    for idx in np.ndindex(*[z.sizes[d] for d in point_dims]):
        sel = {d: i for d, i in zip(point_dims, idx)}
        params = dict(fixed)
        params.update({d: _plain(ds[d].values[i]) for d, i in sel.items()})
        for k in range(n_comp):
            csel = dict(sel, **({comp_dim: k} if comp_dim else {}))
            y = np.asarray(ds[observable].isel(csel).transpose("N").values, float)
            e = np.asarray(ds[f"{observable}_err"].isel(csel).transpose("N").values, float)
            used = np.isfinite(y) & np.isfinite(e) & (e > 0)
            th_sel = {d: i for d, i in csel.items() if d in ds[f"{observable}_theory"].dims}
            rec = {"panel": panel, "observable": f"{label}_{k + 1}" if comp_dim else label, "params": params,
                   "sizes": Ns[used].tolist(), "n_samples": S,
                   "theory": float(ds[f"{observable}_theory"].isel(th_sel).values),
                   "theory_level": info.get("level"), "theory_branch": info.get("branch"),
                   "mc_inf": float(ds[f"{observable}_inf"].isel(csel).values),
                   "mc_inf_err": float(ds[f"{observable}_inf_err"].isel(csel).values),
                   "form": ds[f"{observable}_inf"].attrs.get("form"),
                   "fit_pvalue": float(ds[f"{observable}_inf_pvalue"].isel(csel).values),
                   "z": float(z.isel(csel).values), "mc_by_N": y.tolist(), "mc_err_by_N": e.tolist()}
            if not math.isfinite(rec["theory"]):
                msg = ds["theory_message"].isel({d: i for d, i in sel.items() if d in ds["theory_message"].dims})
                rec["not_compared_reason"] = f"no theory value: {str(msg.values)}"
            elif not math.isfinite(rec["mc_inf"]):
                rec["not_compared_reason"] = (f"fewer than 3 sizes with a positive error bar ({used.sum()} of "
                                              f"{len(Ns)}): no extrapolation")
            stab = ds["theory_rs_stable"].isel({d: i for d, i in sel.items() if d in ds["theory_rs_stable"].dims})
            rec["theory_rs_stable"] = bool(stab.values) if math.isfinite(rec["theory"]) else None
            alts = list(alternatives(params, k) if alternatives is not None else ())
            for a in alts:
                a["z"] = (rec["mc_inf"] - a["theory"]) / rec["mc_inf_err"] if rec["mc_inf_err"] > 0 else math.nan
            rec["alternatives"] = alts
            rec["verdict"], rec["reason"] = verdict(rec)
            records.append(rec)
    return records


def fit_record(*, panel, observable, params, fit, n_samples, theory, level, branch, rs_stable=None,
               alternatives=()):
    """A record of a quantity extrapolated by the figure itself (a
    :func:`hebbian.finite_size.extrapolate` result ``fit``), e.g. a finite-N capacity."""
    rec = {"panel": panel, "observable": observable, "params": dict(params), "sizes": [int(n) for n in fit.N],
           "n_samples": int(n_samples), "theory": float(theory), "theory_level": level, "theory_branch": branch,
           "mc_inf": float(fit.value), "mc_inf_err": float(fit.error), "form": fit.form,
           "fit_pvalue": float(fit.pvalue), "z": (float(fit.value) - float(theory)) / float(fit.error),
           "mc_by_N": [float(v) for v in fit.y], "mc_err_by_N": [float(v) for v in fit.yerr],
           "theory_rs_stable": rs_stable}
    alts = [dict(a) for a in alternatives]
    for a in alts:
        a["z"] = (rec["mc_inf"] - a["theory"]) / rec["mc_inf_err"]
    rec["alternatives"] = alts
    rec["verdict"], rec["reason"] = verdict(rec)
    return rec


def summarize(records, notes=None):
    """The agreement report: counts over the compared records, per figure and panel, verdicts.

    Returns
    -------
    dict with ``n_records``, ``n_compared`` (finite z), ``within_2sigma`` / ``within_3sigma``
    (fractions of the compared records), ``median_abs_z`` (0.674 for honest Gaussian z),
    ``mean_abs_z``, ``verdicts`` (counts), ``by_figure`` (the same per figure, with
    ``by_panel`` and the figure's ``notes``) and ``disagreements`` (every record whose verdict
    is not ``agree`` nor ``not compared``).
    """
    notes = notes or {}
    report = _counts(records)
    report["by_figure"] = {}
    for fig in dict.fromkeys([r["figure"] for r in records] + list(notes)):
        sub = [r for r in records if r["figure"] == fig]
        entry = _counts(sub)
        entry["by_panel"] = {p: _counts([r for r in sub if r["panel"] == p]) for p in dict.fromkeys(r["panel"]
                                                                                                  for r in sub)}
        entry["notes"] = list(notes.get(fig, []))
        report["by_figure"][fig] = entry
    report["disagreements"] = [{k: r[k] for k in ("figure", "panel", "observable", "params", "theory", "mc_inf",
                                                  "mc_inf_err", "z", "verdict", "reason")}
                               for r in records if r["verdict"] not in ("agree", "not compared")]
    return report


def merge(old, new, figures):
    """Records of ``new`` plus those of ``old`` that belong to none of ``figures`` (a redraw of
    some figures replaces only their records)."""
    figures = set(figures)
    return [r for r in old if r["figure"] not in figures] + list(new)


def write(path, records, report, meta):
    """Write ``agreement.json``: ``{"meta", "report", "records"}`` (NaN written as null)."""
    from ._gallery import dump_json
    dump_json(_nan_to_none({"meta": meta, "report": report, "records": records}), path)
    return path


def read(path):
    """Read an ``agreement.json`` (null back to NaN in the numeric record fields)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    for r in data["records"]:
        for k in ("theory", "mc_inf", "mc_inf_err", "z", "fit_pvalue"):
            if r.get(k) is None:
                r[k] = math.nan
        for a in r.get("alternatives", ()):
            for k in ("theory", "z"):
                if a.get(k) is None:
                    a[k] = math.nan
    return data


# ----------------------------------------------------------------------------- helpers
def _counts(records):
    zs = np.array([r["z"] for r in records], dtype=float)
    ok = np.isfinite(zs)
    n = int(ok.sum())
    az = np.abs(zs[ok])
    tally = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    return {"n_records": len(records), "n_compared": n,
            "within_2sigma": float(np.mean(az <= 2)) if n else None,
            "within_3sigma": float(np.mean(az <= 3)) if n else None,
            "median_abs_z": float(np.median(az)) if n else None,
            "mean_abs_z": float(np.mean(az)) if n else None,
            "verdicts": {k: v for k, v in tally.items() if v}}


def _plain(v):
    v = np.asarray(v)
    if v.dtype.kind in "iu":
        return int(v)
    if v.dtype.kind == "f":
        return float(v)
    if v.dtype.kind == "b":
        return bool(v)
    return str(v)


def _nan_to_none(o):
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, (np.floating,)):
        return _nan_to_none(float(o))
    if isinstance(o, dict):
        return {k: _nan_to_none(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_nan_to_none(v) for v in o]
    return o
