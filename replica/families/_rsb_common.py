"""Shared adapter: one-step RSB models (:mod:`replica._rsb_models`) behind the batched Model interface.

Variables ``(m, delta, C, mu)`` (``n`` instead of ``m`` for learning) with ``delta = q1 - q0``,
``C = beta (1 - q1)``, ``mu = beta x``: finite at T = 0, so ``beta = inf`` is the same code.
A row with ``delta == 0`` is a replica-symmetric state in the same variables ("RS mode":
``q0 = q1``, x irrelevant and reported as 1, mu unused): the paramagnet, and the retrieval
state where the 1RSB solution reduces to RS (RS AT-stable; stationary x > 1; or
``q1 - q0 < 1e-7``, not resolved from RS).

The methods loop over points in Python on purpose: one evaluation of a 1RSB point costs
~1e5 quadrature nodes of vectorised NumPy (exact nested averages, see
:mod:`replica._rsb_kernel`), so the per-point overhead is negligible and batching would not
speed it up.

* ``update`` is a Newton map ``x -> x - J^-1 R(x)`` of the saddle-point residuals (its fixed
  points are the saddle points; it is contractive near every regular one). Residuals within
  the quadrature noise are treated as zero (the Parisi parameter is only weakly determined
  where q1 - q0 is small).
* ``guesses`` runs the robust per-point solvers (:mod:`replica._rsb_solve`): retrieval
  (continuation from the previous point of the batch, else a nested search in mu, else a
  continuation in the load), the 1RSB spin glass, the paramagnet.
* ``stability`` is the Schur complement of the saddle-point Jacobian on the condensed
  overlap: ``1 - dG/dm`` along the manifold where the other equations hold (G = the
  m-equation's right-hand side). It is 1 - slope of the effective map of m: > 0 stable,
  0 at a fold. (The framework's Hessian-inertia test is not used: with the conjugates
  eliminated the 1RSB free energy has no fixed inertia pattern.)
* ``replicon`` is ``1 - lambda`` of the innermost 1RSB block (``beta^2 xi''(q1) E<sech^4>``
  or its AGS analogue), i.e. the Gardner-type instability of the 1RSB state; in RS mode the
  RS (AT) replicon. ``-inf`` at T = 0 with quenched noise (1RSB is then unstable towards
  further breaking, as RS is at T = 0).
* ``admissible``: an RS-mode paramagnet is excluded where its replicon is negative (Hopfield
  below ``T_g = 1 + sqrt(alpha)``) and, for P >= 3, below the static transition T_s of the
  P-spin glass (the 1RSB glass, with f_1RSB >= f_para, is the equilibrium state there).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _rsb_solve as S
from ..base import Model

__all__ = ["RSB1Model"]

_NOISE = 1e-12


class RSB1Model(Model):
    """Base of the 1RSB families; subclasses define :meth:`scalar` and the names."""

    level = "1rsb"
    same_tol = 1e-6
    overlap = "m"            # name of the condensed variable (learning: "n")

    # ------------------------------------------------------------------ hooks
    def scalar(self, p, i):
        """The scalar model (``_rsb_models``) of point i of the batch."""
        raise NotImplementedError

    def static_temperature(self, p, i):
        """T_s of the glass part at point i (P >= 3), 0 where not applicable."""
        return 0.0

    # ------------------------------------------------------------------ interface
    def variables(self, p):
        return (self.overlap, "delta", "C", "mu")

    def condensed(self, p):
        # the stability value is computed in stability() from the saddle-point Jacobian
        return ()

    def lower_bounds(self, p):
        return np.array([-np.inf, 0.0, 0.0, 0.0])

    def in_domain(self, x, p):
        ok = np.zeros(x.shape[0], dtype=bool)
        for i in range(x.shape[0]):
            v = x[i]
            if not np.all(np.isfinite(v[:3])):
                continue
            mdl = self.scalar(p, i)
            if v[1] == 0.0:
                ok[i] = mdl.in_domain_rs(v[0], v[2])
            else:
                ok[i] = np.isfinite(v[3]) and mdl.in_domain(*v)
        return ok

    def guesses(self, p):
        B = p.size
        ret = np.full((B, 4), np.nan)
        glass = np.full((B, 4), np.nan)
        para = np.full((B, 4), np.nan)
        prev = None
        for i in range(B):
            mdl = self.scalar(p, i)
            r = S.retrieval(mdl, prev)
            if r["converged"] and abs(r["n"]) > 1e-6:
                ret[i] = _row(r)
                prev = ret[i] if r["level"] == "1rsb" else None
            else:
                prev = None
            g = S.solve_glass(mdl)
            if g["converged"]:
                glass[i] = _row(g)
            if not math.isinf(mdl.beta):
                C = mdl.beta
                if mdl.in_domain_rs(0.0, C):
                    para[i] = [0.0, 0.0, C, 1.0]
        return [("retrieval", ret), ("spin glass", glass), ("paramagnet", para)]

    def update(self, x, p, quad):
        out = np.full_like(x, np.nan)
        for i in range(x.shape[0]):
            out[i] = self._newton_map(self.scalar(p, i), x[i])
        return out

    def free_energy(self, x, p, quad):
        return np.array([self._eval(self.scalar(p, i), x[i])["f"] for i in range(x.shape[0])])

    def observables(self, x, p, quad):
        keys = ("m", "n", "q", "q0", "q1", "x", "mu", "C", "delta", "energy", "entropy")
        out = {k: np.empty(x.shape[0]) for k in keys}
        for i in range(x.shape[0]):
            mdl = self.scalar(p, i)
            ev = self._eval(mdl, x[i])
            rs = x[i, 1] == 0.0
            xx = 1.0 if rs else ev["x"]
            q0 = ev["q"] if rs else ev["q0"]
            q1 = ev["q"] if rs else ev["q1"]
            out["m"][i] = ev["m"]
            out["n"][i] = ev["n"]
            out["q0"][i], out["q1"][i] = q0, q1
            out["q"][i] = xx * q0 + (1.0 - xx) * q1
            out["x"][i] = xx
            out["mu"][i] = mdl.beta * xx if rs else ev["mu"]
            out["C"][i] = ev["C"]
            out["delta"][i] = 0.0 if rs else ev["delta"]
            out["energy"][i] = ev["energy"]
            out["entropy"][i] = self._entropy(mdl, ev)
        if self.overlap == "m":
            del out["n"]
        return out

    def stability(self, x, p, quad, hessian_eig):
        out = np.empty(x.shape[0])
        for i in range(x.shape[0]):
            mdl = self.scalar(p, i)
            fun, v = self._residual(mdl, x[i])
            J = _jacobian(fun, v, lambda u: self._in_domain_row(mdl, u, x[i, 1] == 0.0))
            a, b, c, d = J[0, 0], J[0, 1:], J[1:, 0], J[1:, 1:]
            try:
                schur = a - b @ np.linalg.solve(d, c)
            except np.linalg.LinAlgError:
                schur = np.nan
            out[i] = -schur
        return out

    def replicon(self, x, p, quad):
        out = np.empty(x.shape[0])
        for i in range(x.shape[0]):
            ev = self._eval(self.scalar(p, i), x[i])
            lam = ev["at"] if x[i, 1] == 0.0 else ev["replicon"]
            out[i] = 1.0 - lam
        return out

    def classify(self, x, p):
        n = np.abs(x[:, 0])
        q1 = np.array([self.scalar(p, i).q1(x[i, 2]) for i in range(x.shape[0])])
        return np.where(n > 1e-6, "retrieval", np.where(q1 > 1e-6, "spin glass", "paramagnet"))

    def admissible(self, x, p, quad, obs):
        ok = np.ones(x.shape[0], dtype=bool)
        for i in range(x.shape[0]):
            if x[i, 1] != 0.0 or abs(x[i, 0]) > 1e-6 or obs["q1"][i] > 1e-6:
                continue
            mdl = self.scalar(p, i)
            ev = self._eval(mdl, x[i])
            T = 0.0 if math.isinf(mdl.beta) else 1.0 / mdl.beta
            if ev["at"] > 1.0 or T < self.static_temperature(p, i):
                ok[i] = False
        return ok, ("the RS paramagnet is not the equilibrium state at 1RSB below the glass transition "
                    "(replicon < 0, or T < T_s of the P-spin glass): the 1RSB glass (f_1RSB >= f_para) replaces it")

    # ------------------------------------------------------------------ helpers
    def _eval(self, mdl, v):
        if v[1] == 0.0:
            ev = mdl.evaluate_rs(v[0], v[2])
            ev["x"], ev["mu"] = 1.0, mdl.beta
            return ev
        return mdl.evaluate(*v)

    def _entropy(self, mdl, ev):
        if not math.isinf(mdl.beta):
            return mdl.beta * (ev["energy"] - ev["f"])
        return mdl.entropy_zero_temperature(ev["C"])

    def _in_domain_row(self, mdl, v, rs):
        if rs:
            return mdl.in_domain_rs(v[0], v[1])
        return mdl.in_domain(*v)

    def _residual(self, mdl, row):
        """(residual function, variables) of the row's mode; scaled as in the solvers."""
        if row[1] == 0.0:
            return (lambda u: mdl.evaluate_rs(u[0], u[1])["R"]), np.array([row[0], row[2]])
        return S._full_fun(mdl), np.array(row, dtype=float)

    def _newton_map(self, mdl, row):
        rs = row[1] == 0.0
        fun, v = self._residual(mdl, row)
        try:
            R = fun(v)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return np.full(4, np.nan)
        if not np.all(np.isfinite(R)):
            return np.full(4, np.nan)
        floor = self._noise_floor(mdl, row)
        if np.all(np.abs(R) <= floor):
            return np.array(row, dtype=float)
        J = _jacobian(fun, v, lambda u: self._in_domain_row(mdl, u, rs), R)
        try:
            dv = np.linalg.solve(J, -R)
        except np.linalg.LinAlgError:
            return np.full(4, np.nan)
        new = v + dv
        if rs:
            return np.array([new[0], 0.0, new[1], row[3]])
        return new

    def _noise_floor(self, mdl, row):
        if row[1] == 0.0:
            return np.array([_NOISE, 10 * _NOISE * (1.0 + row[2])])
        d, C, mu = row[1], row[2], row[3]
        return np.array([_NOISE, _NOISE / d, 10 * _NOISE * (1.0 + C), 10 * _NOISE / (mu * d)])


def _row(r):
    if r["level"] == "rs":
        return np.array([r["n"], 0.0, r["C"], 1.0])
    return np.array([r["n"], r["delta"], r["C"], r["mu"]])


def _jacobian(fun, v, in_domain, F0=None):
    F0 = np.asarray(fun(v)) if F0 is None else F0
    k = v.size
    J = np.empty((k, k))
    for j in range(k):
        h = 1e-7 * abs(v[j]) + 1e-12
        vp = v.copy()
        vp[j] += h
        if not in_domain(vp):
            vp[j] = v[j] - h
            h = -h
        J[:, j] = (np.asarray(fun(vp)) - F0) / h
    return J
