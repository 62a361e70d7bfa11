"""One-step RSB helpers beyond ``solve(..., level="1rsb")``: capacity tables and glass transitions.

* :func:`capacity_table` -- ``alpha_c(P)`` at RS and 1RSB for a range of P (P = 2 is the
  pairwise Hopfield network, P >= 3 the dense network), with the overlap at the fold: the
  data of the figure ``scripts/fig_alpha_c.py`` (a function the gallery can call).
* :func:`pspin_transitions` -- static (T_s) and dynamic (T_d) transitions of the Ising
  P-spin glass ``xi(q) = c q^P`` (x = 1 Gaussian-shift equations).
* :func:`dense_glass_transitions` -- the same for the glass part of the dense network at
  load alpha (``xi = alpha_B q^P / 2``, ``T = sqrt(alpha_B) T_std``): below T_s the 1RSB
  glass, not the RS paramagnet (negative entropy below T_K) nor the RS glass, is the
  equilibrium non-retrieval state, so the low-temperature thermodynamic boundary of
  retrieval is drawn against it (``solve("dense", level="1rsb", ...)`` does that choice).
"""

from __future__ import annotations

import math

from hebbian import _checks

from ._rsb_solve import pspin_transitions
from .lines import critical_capacity

__all__ = ["capacity_table", "pspin_transitions", "dense_glass_transitions"]


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
