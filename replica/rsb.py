"""One-step RSB helpers beyond ``solve(..., level="1rsb")``: capacity tables and glass transitions.

* :func:`capacity_table` -- ``alpha_c(P)`` at RS and 1RSB for a range of P (P = 2 is the
  pairwise Hopfield network, P >= 3 the dense network), with the overlap at the fold: the
  data of the figure ``scripts/fig_alpha_c.py`` (a function the gallery can call).
* :func:`pspin_transitions` -- static (T_s) and dynamic (T_d) transitions of the Ising
  P-spin glass ``xi(q) = c q^P`` (x = 1 Gaussian-shift equations).
* :func:`pspin_glass` -- the 1RSB state of that glass at a temperature (P = 2 is SK), by the
  dense network's 1RSB model without patterns to retrieve.
* :func:`dense_glass_transitions` -- the same for the glass part of the dense network at
  load alpha (``xi = alpha_B q^P / 2``, ``T = sqrt(alpha_B) T_std``): below T_s the 1RSB
  glass, not the RS paramagnet (negative entropy below T_K) nor the RS glass, is the
  equilibrium non-retrieval state, so the low-temperature thermodynamic boundary of
  retrieval is drawn against it (``solve("dense", level="1rsb", ...)`` does that choice).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from hebbian import _checks

from .lines import critical_capacity

__all__ = ["capacity_table", "pspin_transitions", "pspin_glass", "dense_glass_transitions"]


def capacity_table(P_values=range(2, 11), levels=("rs", "1rsb")):
    """T = 0 storage capacity ``alpha_c`` (load ``K / N^(P-1)``) for each P and level.

    Returns
    -------
    list of dict, one per P: ``P``, ``model`` and, per level, ``alpha_<level>``,
    ``m_<level>`` (overlap at the fold), ``converged_<level>``, ``message_<level>``; and
    ``ratio`` = alpha_1rsb / alpha_rs when both are present.
    """
    rows = []
    for P in P_values:
        P = _checks.integer("P", P, min=2)
        model = "hopfield" if P == 2 else "dense"
        extra = {} if P == 2 else {"P": P}
        row = {"P": P, "model": model}
        for level in levels:
            c = critical_capacity(model, level=level, **extra)
            row[f"alpha_{level}"] = float(c.alpha)
            row[f"m_{level}"] = float(c.get("m", math.nan))
            row[f"converged_{level}"] = bool(c.converged)
            row[f"message_{level}"] = str(c.message)
        if "alpha_rs" in row and "alpha_1rsb" in row:
            row["ratio"] = row["alpha_1rsb"] / row["alpha_rs"]
        rows.append(row)
    return rows


def dense_glass_transitions(P, alpha):
    """T_s and T_d of the glass part of the dense network (P >= 3) at load alpha.

    Returns
    -------
    dict: ``T_s, T_d`` (project temperature units), ``q_s, q_d``, ``alpha_B``.
    """
    P = _checks.integer("P", P, min=3)
    alpha = _checks.real("alpha", alpha, lo=0.0, lo_open=True)
    alpha_b = 0.5 * math.factorial(P) * alpha
    t = pspin_transitions(P)
    s = math.sqrt(alpha_b)
    return {"T_s": s * t["T_s"], "T_d": s * t["T_d"], "q_s": t["q_s"], "q_d": t["q_d"], "alpha_B": alpha_b}


def pspin_transitions(P, c=0.5, *, tol=1e-12):
    """Static (T_s) and dynamic (T_d) 1RSB transitions of the Ising P-spin glass, xi = c q^P.

    Uses the x = 1 forms: the Gaussian shift turns the Parisi weight cosh(beta h) into a
    shift of the field, ``q1 = E tanh^2(beta s z + beta^2 s^2)``, ``s^2 = xi'(q1)``.
    T_d is the highest T where this has a solution q1 > 0; T_s is where, in addition,
    ``dA/dx = E ln cosh(beta s z + beta^2 s^2) - (beta^2/2)[(1 + q1) xi'(q1) - xi(q1)]``
    vanishes (the complexity of the equilibrium states is zero). The temperatures scale as
    ``sqrt(2c)`` (``T ~ sqrt(xi)``).

    Returns
    -------
    dict: ``T_s, q_s, T_d, q_d`` (for ``xi = c q^P``).
    """
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()

    def x1(q, beta):
        s2 = c * P * q ** (P - 1)
        y = beta * math.sqrt(s2) * z + beta * beta * s2
        t = np.tanh(y)
        ay = np.abs(y)
        lncosh = ay + np.log1p(np.exp(-2.0 * ay)) - math.log(2.0)
        F = w @ (t * t) - q
        S = w @ lncosh - 0.5 * beta * beta * ((1.0 + q) * s2 - c * q ** P)
        return F, S

    def beta_of_q(q):
        return optimize.brentq(lambda b: x1(q, b)[0], 1e-3, 50.0, xtol=tol)

    o = optimize.minimize_scalar(beta_of_q, bounds=(0.05, 0.995), method="bounded", options={"xatol": 1e-10})
    qd, bd = float(o.x), float(o.fun)
    # T_s: on the upper branch q > q_d, find where S(q, beta(q)) = 0
    qs = optimize.brentq(lambda q: x1(q, beta_of_q(q))[1], qd + 1e-6, 0.9999, xtol=tol)
    return {"T_s": 1.0 / beta_of_q(qs), "q_s": qs, "T_d": 1.0 / bd, "q_d": qd}


def pspin_glass(P, beta=None, *, c=0.5, T=None, quadrature=None, tol=1e-10):
    """The 1RSB state of the Ising P-spin glass ``xi(q) = c q^P`` (P = 2: SK) at one temperature.

    The glass part of the dense network's 1RSB model (:mod:`replica.families.dense_1rsb`,
    ``c = alpha P!/4``) without a pattern to retrieve, searched and solved by the same
    machinery: q0 = 0 for P >= 3 (always stationary there); for P = 2 q0 free and q0 = 0,
    keeping the larger f.

    Parameters
    ----------
    P : int >= 2
    beta, T : float
        The temperature (one of them; ``beta = inf`` / ``T = 0`` is T = 0).
    c : float > 0
    quadrature : optional
        A rule with ``nested`` (default :class:`replica.quadrature.Breakpoint`).

    Returns
    -------
    Solution
        ``q0, q1, x, mu, C, delta, free_energy, energy, entropy, at`` (the 1RSB replicon),
        ``converged`` and ``message`` (why not: e.g. above the static transition the
        stationary Parisi parameter would exceed 1).
    """
    from .api import check_quadrature
    from .base import Batch, get_model, temperature_to_beta
    from .result import Solution
    from .solver import Options, analyse, iterate

    P = _checks.integer("P", P, min=2)
    c = _checks.real("c", c, lo=0.0, lo_open=True)
    params = temperature_to_beta({"beta": beta, "T": T})
    if params.get("beta") is None:
        raise ValueError("pspin_glass needs beta or T")
    beta = _checks.real("beta", params["beta"], lo=0.0, lo_open=True, allow_inf=True)
    mdl = get_model("dense", "1rsb")
    quad = check_quadrature(quadrature, mdl)
    opts = Options(tol=tol)
    p = Batch({"P": np.array([float(P)]), "alpha": np.array([4.0 * c / math.factorial(P)]),
               "beta": np.array([beta])}, 1)
    x, rows, why = mdl.glass_start(p, quad, opts)
    out = Solution(converged=False, message="", params={"P": P, "c": c, "beta": beta}, level="1rsb",
                   model="pspin glass")
    if not np.isfinite(x[0, 0]):
        out["message"] = why[0]
        return out
    pr = Batch({**p, **{k: np.asarray(v, dtype=float) for k, v in rows.items()}}, 1)
    it = iterate(mdl, pr, quad, x, opts)
    if not it.converged[0]:
        out["message"] = "1RSB glass: " + it.reasons()[0]
        return out
    a = analyse(mdl, it.x, pr, quad)
    for k, v in a["obs"].items():
        out[k] = float(np.asarray(v)[0])
    out.pop("m", None)
    out["free_energy"] = float(a["free_energy"][0])
    out["at"] = float(a["at"][0])
    out["converged"] = True
    out["message"] = it.reasons()[0]
    return out
