"""Monte Carlo against replica theory: one record per Monte Carlo point, and an honest summary.

A record (a dict, one per MC estimate) holds the figure and panel, the observable, the
parameters, the size ``N``, the disorder-averaged Monte Carlo value ``mc`` with its error
``mc_err`` and the number of networks ``n_samples``, the theory value at the same point
(level, branch and the finite-N mapping used), ``z = (mc - theory) / mc_err``, and, where
``|z| > 3`` is understood, an ``explanation``: a list of ``{"tag", "detail"}`` items. Tags:

* ``finite_size`` -- the deviation from the N -> infinity theory shrinks with N at the same
  parameters (by at least 20% and beyond the error bars), or is at most 1/N, the order of the
  corrections the theory neglects (both added by :func:`summarize` from the records
  themselves), or the figure compared the point with a finite-N prediction that agrees (e.g.
  the mean |m| of an amplitude that vanishes at N -> infinity, multitasking);
* ``rsb`` -- the RS solution compared with is replicon (AT) unstable at this point;
* ``metastability`` -- near the end of the branch the simulation follows (spinodal): part of
  the networks left it, or the branch does not exist at this N -> infinity point;
* ``crosstalk`` -- a sub-leading multitasking amplitude: |m| of a finite network carries a
  positive O(1/sqrt N) bias from the other patterns' noise;
* ``soft_mode`` -- the symmetric (parallel) multitasking state has a flat direction;
* ``slow_dynamics`` -- the engine flagged the estimate (run shorter than 50 tau, or chains
  disagree);
* ``zero_temperature_dynamics`` -- T = 0 asynchronous dynamics stops in the first local
  minimum, which is not the equilibrium state the theory describes;
* ``example_states`` -- unsupervised learning at small M: single examples are attractors
  (m close to r), a state the archetype theory does not describe;
* ``few_samples`` -- |z| > 3 but within the 99.73% quantile of Student's t with
  n_samples - 1 degrees of freedom: with a handful of networks the error bar is itself a
  noisy estimate and such a z is not significant (added by :func:`summarize` only where no
  other reason applies).

Records whose ``|z| > 3`` carry no explanation are reported as ``unexplained``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["disorder_mean", "record", "summarize", "write", "read", "MAPPING_TEXT", "ERROR_TEXT", "TAGS"]

#: a deviation "shrinks with N" when it is at least 20% smaller at the largest N (and significantly so)
SHRINK = 0.8

TAGS = ("finite_size", "rsb", "metastability", "crosstalk", "soft_mode", "slow_dynamics",
        "zero_temperature_dynamics", "example_states", "few_samples")

ERROR_TEXT = ("mc_err is the standard error of the disorder average over n_samples networks: "
              "max(std over networks / sqrt(n), sqrt(sum of the per-network thermal errors^2) / n); the "
              "spread over networks includes the thermal noise of each, the second term keeps it from "
              "being accidentally small with few networks; both are floored at 1/(N sqrt(n)), since the overlap "
              "of one network is resolved to 2/N (identical T = 0 outcomes must not give a zero error). With one "
              "network it is the thermal error (autocorrelation-corrected) alone, floored at 1/N. "
              "z = (mc - theory) / mc_err.")

MAPPING_TEXT = ("Theory at the Monte Carlo point through Network.effective_parameters for binary "
                "archetypes (hopfield, dense): alpha_eff = K / ((N-1)...(N-P+1)), beta_eff = lambda beta with "
                "lambda = c_N C(N-1, P-1) / (P/2) (lambda = (N-1)/N for the pairwise 'power' normalisation, "
                "exactly 1 for 'binomial', which the dense runs use); K = round(alpha N^(P-1)) as the runs "
                "draw it. Multitasking and learning (K finite, N >= 1000): the N -> infinity parameters "
                "(corrections O(1/N)), learning with the exact binomial average over the M examples.")


def disorder_mean(ds, name):
    """Disorder average of an observable of a Monte Carlo result, with the error bar we use.

    Parameters
    ----------
    ds : xarray.Dataset
        A Monte Carlo sweep result (``<name>``, ``<name>_err`` and, with several disorder
        samples, ``<name>_samples`` / ``<name>_samples_err``).
    name : str

    Returns
    -------
    mean, err : xarray.DataArray
        ``err = max(std_s / sqrt(S), sqrt(sum_s err_s^2) / S, 1 / (N sqrt(S)))`` (see
        :data:`ERROR_TEXT`).
    n : int
        Number of disorder samples S.
    """
    N = ds.coords["N"] if "N" in ds.coords else None
    if f"{name}_samples" not in ds:
        err = ds[f"{name}_err"]
        return ds[name], (np.maximum(err, 1.0 / N) if N is not None else err), 1
    samples = ds[f"{name}_samples"]
    S = samples.sizes["sample"]
    spread = samples.std("sample", ddof=1) / math.sqrt(S)
    thermal = np.sqrt((ds[f"{name}_samples_err"] ** 2).sum("sample", skipna=False)) / S
    err = np.maximum(spread, thermal)
    if N is not None:
        err = np.maximum(err, 1.0 / (N * math.sqrt(S)))
    return samples.mean("sample"), err, S


def record(*, panel, observable, params, N, mc, mc_err, n_samples, theory, level="rs", branch="retrieval",
           mapping="", reliable=True, explanation=(), **extra):
    """One agreement record (a JSON-ready dict); ``z`` is computed here."""
    mc, mc_err, theory = float(mc), float(mc_err), float(theory)
    z = (mc - theory) / mc_err if (mc_err > 0 and math.isfinite(theory) and math.isfinite(mc)) else math.nan
    rec = {"panel": panel, "observable": observable, "params": {k: _plain(v) for k, v in params.items()},
           "N": int(N), "mc": mc, "mc_err": mc_err, "n_samples": int(n_samples), "theory": theory,
           "theory_level": level, "theory_branch": branch, "mapping": mapping, "z": z,
           "reliable": bool(reliable), "explanation": [dict(e) for e in explanation]}
    for k, v in extra.items():
        rec[k] = _plain(v)
    return rec


def explain(tag, detail):
    """An explanation item (``tag`` one of :data:`TAGS`)."""
    if tag not in TAGS:
        raise ValueError(f"tag must be one of {', '.join(TAGS)}, got {tag!r}")
    return {"tag": tag, "detail": str(detail)}


def summarize(records, notes=None):
    """The agreement report: counts, the finite-size trend, and every |z| > 3 with its reason.

    Adds a ``finite_size`` explanation to records whose deviation from the theory shrinks
    with N at the same parameters (all sizes of that point compared), then counts.

    Returns
    -------
    dict with ``n_points``, ``n_compared`` (finite z), ``within_2sigma`` / ``within_3sigma``
    (fractions of the compared points), ``within_2sigma_t`` / ``within_3sigma_t`` (the same
    with the Student-t quantiles of each record's n_samples - 1 degrees of freedom: with few
    networks the error bar is itself a noisy estimate), ``by_figure`` (the same per figure, with the
    per-N breakdown ``by_N`` and the ``finite_size_trend``), ``outliers`` (each with its
    explanation tags or ``unexplained``) and the figures' own ``notes``.
    """
    notes = notes or {}
    _finite_size_tags(records)
    _few_sample_tags(records)
    report = _counts(records)
    report["by_figure"] = {}
    for fig in dict.fromkeys(r["figure"] for r in records):
        sub = [r for r in records if r["figure"] == fig]
        entry = _counts(sub)
        entry["by_N"] = {}
        for N in sorted({r["N"] for r in sub}):
            subn = [r for r in sub if r["N"] == N]
            c = _counts(subn)
            dev = [abs(r["mc"] - r["theory"]) for r in subn if math.isfinite(r["z"])]
            c["median_abs_deviation"] = float(np.median(dev)) if dev else None
            entry["by_N"][str(N)] = c
        entry["finite_size_trend"] = _trend(entry["by_N"])
        entry["notes"] = list(notes.get(fig, []))
        report["by_figure"][fig] = entry
    for fig in notes:
        if fig not in report["by_figure"]:
            report["by_figure"][fig] = {"n_points": 0, "notes": list(notes[fig])}
    outliers = []
    for r in records:
        if math.isfinite(r["z"]) and abs(r["z"]) > 3:
            tags = [e["tag"] for e in r["explanation"]] or ["unexplained"]
            outliers.append({"figure": r["figure"], "panel": r["panel"], "observable": r["observable"],
                             "params": r["params"], "N": r["N"], "mc": r["mc"], "mc_err": r["mc_err"],
                             "theory": r["theory"], "z": r["z"], "tags": tags,
                             "details": [e["detail"] for e in r["explanation"]]})
    report["outliers"] = outliers
    tally = {}
    for o in outliers:
        for t in o["tags"]:
            tally[t] = tally.get(t, 0) + 1
    report["outlier_tags"] = tally
    report["n_unexplained"] = sum(o["tags"] == ["unexplained"] for o in outliers)
    return report


def write(path, records, report, meta):
    """Write ``agreement.json``: ``{"meta", "report", "records"}`` (NaN written as null)."""
    from ._gallery import dump_json
    dump_json(_nan_to_none({"meta": meta, "report": report, "records": records}), path)
    return path


def read(path):
    """Read an ``agreement.json`` (null values back to NaN in the numeric record fields)."""
    import json
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    for r in data["records"]:
        for k in ("mc", "mc_err", "theory", "z"):
            if r.get(k) is None:
                r[k] = math.nan
    return data


# ----------------------------------------------------------------------------- helpers
def _counts(records):
    from scipy.stats import t as student
    zs = np.array([r["z"] for r in records], dtype=float)
    ok = np.isfinite(zs)
    n = int(ok.sum())
    # with n networks the error is itself estimated from n values: z follows Student's t with n - 1
    # degrees of freedom, whose 95.45% / 99.73% quantiles replace 2 and 3 (Gaussian for n >= 30)
    dof = np.array([max(r["n_samples"] - 1, 1) if r["n_samples"] < 30 else np.inf for r in records], float)
    q2 = np.where(np.isfinite(dof), student.ppf(0.97725, np.where(np.isfinite(dof), dof, 1)), 2.0)
    q3 = np.where(np.isfinite(dof), student.ppf(0.99865, np.where(np.isfinite(dof), dof, 1)), 3.0)
    z1 = np.array([r.get("z_1rsb", math.nan) for r in records], dtype=float)
    ok1 = np.isfinite(z1)
    return {"n_points": len(records), "n_compared": n,
            "within_2sigma": float(np.mean(np.abs(zs[ok]) <= 2)) if n else None,
            "within_3sigma": float(np.mean(np.abs(zs[ok]) <= 3)) if n else None,
            "within_2sigma_t": float(np.mean(np.abs(zs[ok]) <= q2[ok])) if n else None,
            "within_3sigma_t": float(np.mean(np.abs(zs[ok]) <= q3[ok])) if n else None,
            "mean_abs_z": float(np.mean(np.abs(zs[ok]))) if n else None,
            "n_compared_1rsb": int(ok1.sum()),
            "within_3sigma_1rsb": float(np.mean(np.abs(z1[ok1]) <= 3)) if ok1.any() else None}


def _key(r):
    return (r["figure"], r["panel"], r["observable"], tuple(sorted(r["params"].items())))


def _finite_size_tags(records):
    for r in records:
        dev = r["mc"] - r["theory"]
        if math.isfinite(r["z"]) and abs(r["z"]) > 3 and abs(dev) <= 1.0 / r["N"]:
            r["explanation"].append(explain("finite_size", f"|mc - theory| = {abs(dev):.2g} <= 1/N = "
                                            f"{1.0 / r['N']:.2g}, "
                                            "the order of the finite-size corrections the N -> infinity theory "
                                            "neglects"))
    groups = {}
    for r in records:
        groups.setdefault(_key(r), []).append(r)
    for rs in groups.values():
        rs = [r for r in rs if math.isfinite(r["z"])]
        if len({r["N"] for r in rs}) < 2:
            continue
        rs.sort(key=lambda r: r["N"])
        large = rs[-1]
        d_large = large["mc"] - large["theory"]
        # the deviation at the largest N is significantly smaller than at some smaller N, and by a
        # real fraction (a deviation of 0.41 at every N that moves by 0.004 is not a finite-size effect)
        margin = [abs(r["mc"] - r["theory"]) - abs(d_large) - math.hypot(r["mc_err"], large["mc_err"])
                  if abs(d_large) <= SHRINK * abs(r["mc"] - r["theory"]) else -math.inf for r in rs[:-1]]
        i = int(np.argmax(margin))
        if not margin[i] > 0:
            continue
        small = rs[i]
        d_small = small["mc"] - small["theory"]
        detail = (f"|mc - theory| shrinks with N at these parameters: {d_small:+.4f} at N = {small['N']} -> "
                  f"{d_large:+.4f} at N = {large['N']}")
        for r in rs:
            if r["N"] < large["N"] or abs(r["z"]) > 3:
                if not any(e["tag"] == "finite_size" for e in r["explanation"]):
                    r["explanation"].append(explain("finite_size", detail))


def _few_sample_tags(records):
    from scipy.stats import t as student
    for r in records:
        n = r["n_samples"]
        if not (math.isfinite(r["z"]) and abs(r["z"]) > 3) or r["explanation"] or n >= 30 or n < 2:
            continue
        q = float(student.ppf(0.99865, n - 1))
        if abs(r["z"]) <= q:
            r["explanation"].append(explain("few_samples", f"|z| = {abs(r['z']):.1f} is within the 99.73% quantile "
                                            f"{q:.1f} of Student's t with {n - 1} degrees of freedom ({n} networks)"))


def _trend(by_N):
    """Effective exponent a of median|mc - theory| ~ N^(-a) across the sizes, when >= 2 sizes."""
    pts = [(int(N), c["median_abs_deviation"]) for N, c in by_N.items() if c.get("median_abs_deviation")]
    pts = [(N, d) for N, d in pts if d and d > 0]
    if len(pts) < 2:
        return None
    lnN = np.log([p[0] for p in pts])
    lnd = np.log([p[1] for p in pts])
    a = -float(np.polyfit(lnN, lnd, 1)[0])
    return {"sizes": [p[0] for p in pts], "median_abs_deviation": [p[1] for p in pts],
            "exponent": a, "text": f"median |mc - theory| ~ N^(-{a:.2f}) over N = {pts[0][0]}..{pts[-1][0]}"}


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


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
