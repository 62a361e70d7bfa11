"""The result record of the replica solver and of the line / capacity searches."""

from __future__ import annotations

import numpy as np
from scipy.optimize import OptimizeResult

__all__ = ["Solution"]


class Solution(OptimizeResult):
    """A solution of the replica equations: a dict with attribute access (like scipy's OptimizeResult).

    Fields of :func:`replica.solve` (scalars for scalar parameters, arrays of the broadcast
    parameter shape otherwise; a vector order parameter adds a trailing axis):

    order parameters
        ``m``, ``q`` and the family's others (``r``, ``C = beta (1 - q)``, ``n``, ...).
    free_energy, energy, entropy : float
        Per spin, project conventions (``hebbian/network.py``); T = 0 values analytic.
    converged : bool
        A solution was found (for the top-level record: the thermodynamic state exists).
    message : str
        Why it converged or not; for the thermodynamic state, how it was chosen and any flag
        (no locally stable solution, RS unstable, ...).
    iterations, nfev : int
        Solver iterations (damped fixed point + Newton) and update-map evaluations.
    residual : float
        ``max_i |F(x)_i - x_i| / (1 + |x_i|)`` at the solution.
    branch : str
        Name of the state: always one of the documented class names of the family
        (``"retrieval"``, ``"spin glass"``, ``"paramagnet"``; multitasking ``"pure"``,
        ``"hierarchical"``, ``"parallel"``, ``"mixture"``, with ``-j`` when only j overlaps
        are non-zero), never a ``#k`` suffix. ``branches[branch]`` is this state.
    stable : bool, stability : float
        Local stability: ``stability`` is the smallest eigenvalue of the reduced Hessian of f
        in the condensed overlaps (see :meth:`replica.base.Model.stability`), ``stable`` is
        ``stability > 0``.
    at : float, rs_stable : bool
        Replicon (AT) value ``1 - lambda_AT`` and ``at > 0``. ``-inf`` at T = 0 with quenched
        noise (the RS solution is always AT-unstable there); ``+inf`` without disorder.
    params : dict
        The control parameters (completed with defaults).
    level, model : str
    branches : dict name -> Solution
        Every distinct solution found (thermodynamic or not), each with ``found`` (bool or
        bool array: where that branch exists); fields are NaN exactly where ``found`` is False.
        Keys: the class name for the best solution of that class at each point (locally
        stable and admissible first, then lowest free energy: the order in which the
        thermodynamic state is chosen), ``"<class>#2"``, ``"<class>#3"``, ... for further
        distinct solutions of the same class in that order (e.g. two different mixtures).
        Copies of one solution reached from several starts are merged (same class, and equal
        to 1e-6, or to 1e-4 with free energies equal to 1e-12: a slowly resolved marginal mode).
    """

    def __repr__(self):
        keys = [k for k in self if k != "branches"]
        width = max(map(len, keys)) + 1 if keys else 0
        lines = []
        for k in keys:
            v = self[k]
            if isinstance(v, np.ndarray) and v.size > 6:
                text = f"array(shape={v.shape}, dtype={v.dtype})"
            elif isinstance(v, dict):
                text = "{" + ", ".join(f"{a}: {_short(b)}" for a, b in v.items()) + "}"
            else:
                text = repr(v)
            lines.append(f"{k.rjust(width)}: {text}")
        if "branches" in self:
            lines.append(f"{'branches'.rjust(width)}: {list(self['branches'])}")
        return "\n".join(lines)

    def __dir__(self):
        return list(self.keys())


def _short(v):
    if isinstance(v, np.ndarray) and v.size > 6:
        return f"array{v.shape}"
    return repr(v)
