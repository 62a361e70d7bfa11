"""The one-step RSB states of the public solver under the record names of the former scalar
1RSB code (not a test module), so that the 1RSB tests keep their assertions unchanged.

* ``Hopfield1RSB(alpha, beta, rho=0)`` / ``Dense1RSB(P, c, beta, rho=0)`` name a point of the
  Hopfield (P = 2 supervised for rho > 0) or dense (``xi = c q^P``; supervised for rho > 0)
  1RSB model; ``free_energy_full`` is that model's free energy of all its variables (the one
  formula in :mod:`replica.families.hopfield_1rsb` / :mod:`replica.families.dense_1rsb`).
* ``S.retrieval(model)`` is ``replica.solve(..., level="1rsb").branches["retrieval"]``;
  ``level`` is ``"1rsb"`` where ``delta > 0`` and ``"rs"`` where the 1RSB state reduces to RS.
* ``S.solve_rs(model, guess)`` is the RS state of the same 1RSB equations (their RS ansatz,
  Newton from ``guess = (n, C)``); ``at`` is the AT eigenvalue ratio lambda (> 1: unstable).
* ``S.solve_glass(model)``: the 1RSB spin glass (``replica.rsb.pspin_glass`` for the P-spin
  glass, the Hopfield model's spin-glass branch); ``S.fold``: the RS fold of the 1RSB
  model's RS ansatz (:func:`replica.continuation.fold`); ``S.pspin_transitions``.
"""

import math

import numpy as np

import replica
from replica.base import Batch, get_model
from replica.continuation import fold as _fold
from replica.families._one_step import RS, _rows
from replica.families.dense_1rsb import dense_free_energy
from replica.families.hopfield_1rsb import pairwise_entropy_zero_temperature, pairwise_free_energy
from replica.quadrature import DEFAULT as QUAD
from replica.rsb import pspin_glass, pspin_transitions
from replica.solver import Options, analyse, iterate


class Hopfield1RSB:
    def __init__(self, alpha, beta, rho=0.0):
        self.alpha, self.beta, self.rho = float(alpha), float(beta), float(rho)
        self.family = ("hopfield", {"alpha": self.alpha}) if rho == 0 else \
            ("supervised", {"P": 2, "alpha": self.alpha, "rho": self.rho})

    def batch(self):
        return Batch({"alpha": np.array([self.alpha]), "beta": np.array([self.beta]),
                      "rho": np.array([self.rho]), "P": np.array([2.0])}, 1)

    def free_energy_full(self, n, q0, C, r0, r1, mu):
        a = [np.array([float(v)]) for v in (n, q0, C, r0, r1, mu)]
        return float(pairwise_free_energy(*a, self.batch(), QUAD)[0][0])

    def entropy_zero_temperature(self, C):
        return float(pairwise_entropy_zero_temperature(np.array([C]), self.batch())[0])


class Dense1RSB:
    def __init__(self, P, c, beta, rho=0.0):
        self.P, self.c, self.beta, self.rho = int(P), float(c), float(beta), float(rho)
        if rho == 0:
            self.family = ("dense", {"P": self.P, "alpha": 4.0 * self.c / math.factorial(self.P)})
        else:                                  # c = P Delta / 4, Delta_sup = alpha (P-1)! (1+rho)^(2-P)
            alpha = 4.0 * self.c / self.P / (math.factorial(self.P - 1) * (1.0 + self.rho) ** (2 - self.P))
            self.family = ("supervised", {"P": self.P, "alpha": alpha, "rho": self.rho})

    def batch(self):
        return Batch({"P": np.array([float(self.P)]), "beta": np.array([self.beta]),
                      "alpha": np.array([4.0 * self.c / math.factorial(self.P)])}, 1)

    def free_energy_full(self, n, q0, C, mu):
        a = [np.array([float(v)]) for v in (n, q0, C, mu)]
        return float(dense_free_energy(*a, np.array([self.c]), np.array([float(self.P)]), np.array([self.rho]),
                                       self.batch(), QUAD)[0][0])

    def entropy_zero_temperature(self, C):
        return -0.25 * self.c * self.P * (self.P - 1) * C * C


def _record(rec, level=None):
    """A 1RSB branch record under the former names (n, f, level, converged)."""
    out = {k: (float(np.ravel(v)[0]) if isinstance(v, (float, np.floating, np.ndarray)) and np.size(v) == 1 else v)
           for k, v in rec.items()}
    out.setdefault("n", out.get("m"))
    out["f"] = out["free_energy"]
    out["converged"] = bool(out.get("found", out.get("converged", False)))
    if level is None:
        level = "1rsb" if out.get("delta", 0.0) > 0 else "rs"
    out["level"] = level
    return out


def _solve(model, level="1rsb"):
    family, params = model.family
    return replica.solve(family, level=level, beta=model.beta, **params)


class S:
    pspin_transitions = staticmethod(pspin_transitions)

    @staticmethod
    def retrieval(model, guess=None):
        rec = _solve(model).branches.get("retrieval")
        if rec is None or not rec.found:
            return {"converged": False, "level": None, "message": "no 1RSB retrieval state"}
        return _record(rec)

    @staticmethod
    def solve_rs(model, guess, relax=0):
        """The RS state of the 1RSB equations (RS ansatz) from guess = (n, C)."""
        family, params = model.family
        mdl = get_model(family, "1rsb")
        shape, full = mdl.prepare({**params, "beta": model.beta})
        p = _rows(Batch({k: v.reshape(1) for k, v in full.items()}, 1), ansatz=RS)
        it = iterate(mdl, p, QUAD, np.array([[guess[0], 0.0, guess[1], 1.0]]), Options())
        a = analyse(mdl, it.x, p, QUAD)
        out = {k: float(np.asarray(v)[0]) for k, v in a["obs"].items()}
        out.setdefault("n", out["m"])
        out.update(f=float(a["free_energy"][0]), at=1.0 - float(a["at"][0]), converged=bool(it.converged[0]),
                   level="rs", message=it.reasons()[0])
        return out

    @staticmethod
    def solve_glass(model, guess=None):
        if isinstance(model, Dense1RSB) and model.rho == 0:
            g = pspin_glass(model.P, model.beta, c=model.c)
            return _record(g, level="1rsb") if g.converged else {"converged": False, "message": g.message}
        rec = _solve(model).branches.get("spin glass")
        if rec is None or not rec.found:
            return {"converged": False, "message": "no 1RSB spin glass"}
        return _record(rec, level="1rsb")

    @staticmethod
    def fold(make, p0, v0, n0, *, level="rs", step=None):
        """The RS fold of the 1RSB equations (RS ansatz) of the model family ``make(p0)``."""
        assert level == "rs"
        model = make(p0)
        family, params = model.family
        mdl = get_model(family, "1rsb")
        shape, full = mdl.prepare({**params, "beta": model.beta})
        p = Batch({k: v.reshape(1) for k, v in full.items()}, 1)
        res = _fold(mdl, p, QUAD, free="alpha", along=mdl.overlap, branch="retrieval",
                    start=(np.array([n0, 0.0, v0[0], 1.0]), {"ansatz": np.array([float(RS)])}))
        return {"converged": res["converged"], "interior": res["interior"], "p": res["value"], "n": res["along"]}
