"""One-step RSB as ordinary :class:`replica.base.Model` families (residual form).

Every 1RSB family (Hopfield: Crisanti-Amit-Gutfreund; dense: Gardner picture; learning)
has the variables ``(m, delta, C, mu)`` (``n`` for learning) with ``delta = q1 - q0``,
``C = beta (1 - q1)``, ``mu = beta x``, finite at T = 0 (``beta = inf``: q1 = 1, x = 0), and
is solved by the shared machinery: Newton on :meth:`OneStep.residual` (:mod:`replica.solver`),
branch search, naming and choice of the thermodynamic state, folds by
:func:`replica.continuation.fold` / :func:`replica.continuation.maximise_along`, and the
Gaussian averages of the injected quadrature (``quad.nested``; ``quad.coarse()`` for the
searches).

Residuals (the saddle-point equations; f is stationary in every variable and MAXIMAL in x,
n -> 0, so f_1RSB >= f_RS)::

    R_m     = the overlap equation (family)
    R_delta = (E<t^2> - E<t>^2 - delta) / delta
    R_C     = beta E<sech^2> - C
    R_mu    = (df/dmu) / delta

scaled by ``1/delta`` so that the RS solution (delta = 0) is not a root of the 1RSB system.

Ansatz of a row (the row parameter ``ansatz``, a bit mask carried by the solver with the
rows of a start; absent = full 1RSB):

* ``RS`` -- q1 = q0 (``delta = 0``, x = 1 reported, mu pinned): the replica-symmetric state
  in the same variables, with the same formulas (they reduce to RS at delta = 0). The
  retrieval state where the 1RSB solution reduces to RS (RS AT-stable; stationary x > 1;
  q1 - q0 < 1e-7, not resolved), and the paramagnet.
* ``Q0`` -- q0 = 0 exactly (delta pinned to q1): the zero-field glass of P >= 3 (q0 = 0 is
  always stationary there), and the SK-like glass near T_g.
* ``N0`` -- m = 0 (the symmetric glass and paramagnet).
* ``MUFIX`` -- mu pinned to the row parameter ``mu_fix`` (the searches in x).

Searches (:meth:`OneStep.starts`, vectorised over the points): the RS solutions of the
family's RS model start everything. Retrieval: where the RS retrieval state is AT-stable the
1RSB state is RS; elsewhere the equations at fixed mu are solved down a geometric grid of
mu from x = 1 (warm-started from the previous mu) until df/dmu changes sign, then Newton on
the full system from the interpolated bracket (coarse quadrature), polished by the search
with the injected one. Where no RS retrieval state exists (loads between the RS and the 1RSB
capacity), continuation in the load from a smaller one. The glass the same way up the mu
grid (P = 2: with q0 free and with q0 = 0, keeping the larger f: f is maximal in the ansatz).

Stability: ``1 - dG/dm`` along the manifold where the other equations hold (the Schur
complement of the residual Jacobian on the overlap; > 0 stable, 0 at a fold). Replicon:
``1 - lambda`` of the innermost block (``beta^2 xi''(q1) E<sech^4>`` or its AGS analogue),
``-inf`` at T = 0 with quenched noise; for an RS row it is the RS (AT) replicon.
Admissible: an RS paramagnet is excluded where its replicon is negative (Hopfield below
``T_g``) and, for P >= 3, below the static transition T_s of the P-spin glass.
"""

from __future__ import annotations

import abc
import math

import numpy as np

from ..base import Batch, Model, get_model
from ..solver import Options, _jacobian, _solve_stack, analyse, iterate

__all__ = ["OneStep", "RS", "Q0", "N0", "MUFIX", "DELTA_MIN"]

RS, Q0, N0, MUFIX = 1, 2, 4, 8

#: below this q1 - q0 the 1RSB state is not resolved from RS (f differs by ~ delta^3)
DELTA_MIN = 1e-7
#: values of mu in the searches (geometric, x = 1 down to mu = 0.05 for retrieval, mu = 0.002
#: up to x = 1 for the glass); the sign change of df/dmu is then refined by Newton
_GRID_RETRIEVAL, _GRID_GLASS = 9, 11
#: tolerance of the searches (on the coarse rule); the starts they give are polished to the user's
_SEARCH_TOL = 1e-8
#: Newton iterations of a fixed-mu solve (a start that needs more is abandoned for the next)
_INNER_ITER = 12
#: a P = 2 glass with q0 > 0 replaces the q0 = 0 one only if its f is larger by more than this
#: (relative): the two differ by 4e-9 at alpha = 0.05, T = 1.1 (T_g = 1.224), 8e-8 at T = 1.0
_GLASS_TIE = 1e-8
#: the searches: retrieval, glass with q0 = 0, glass with q0 free; and their ansatz
_RET, _G0, _GF = 0, 1, 2
_ANSATZ = np.array([0, N0 | Q0, N0])
_NOISE = 1e-12
#: reasons why a retrieval row is RS (the row parameter ``reason``)
_WHY = {1: "RS is AT-stable: lambda_AT = {lam:.4g} < 1, no 1RSB branch bifurcates",
        2: "the stationary Parisi parameter would exceed 1",
        3: "q1 - q0 below 1e-07: not resolved from RS",
        4: "no 1RSB spin glass with x <= 1 here (the stationary Parisi parameter would exceed 1: above the "
           "static transition the paramagnet is the equilibrium state)",
        5: "no 1RSB spin-glass solution found on the grid of the Parisi parameter",
        6: "no RS retrieval state to start from, and no 1RSB retrieval state found at smaller loads"}


class OneStep(Model):
    """Base of the 1RSB families: the shared variables, ansatz, residuals and searches.

    Subclasses implement :meth:`_equations` (the family's free energy and equations,
    vectorised) and :meth:`zero_temperature_entropy`, and set :attr:`family`.
    """

    level = "1rsb"
    form = "residual"
    same_tol = 1e-6
    overlap = "m"            # the condensed variable (learning: "n")
    quadrature_methods = ("average", "expect", "nested")

    # ------------------------------------------------------------------ hooks
    @abc.abstractmethod
    def _equations(self, n, delta, C, mu, p, quad):
        """The family's equations at B rows (delta, mu already per the ansatz).

        Returns dict of (B,) arrays: ``K`` (the dict of ``quad.nested``), ``q0``, ``q1``,
        ``Rn`` (overlap equation), ``Rd`` (``E<t^2> - E<t>^2 - delta``), ``RC``, ``dfdmu``,
        ``f``, ``energy``, ``lam`` (replicon eigenvalue ratio, beta included), ``extra``
        (dict of further observables).
        """

    @abc.abstractmethod
    def zero_temperature_entropy(self, C, p):
        """Entropy per spin at T = 0 from C (the O(T) term of f at fixed variables)."""

    def _memo_equations(self, n, d, C, mu, p, quad):
        """:meth:`_equations`, remembering the last call: the analysis of a solution asks for
        its free energy, observables, replicon, admissibility and note at the same point."""
        key = (quad, tuple(sorted((k, v.tobytes()) for k, v in p.items())),
               n.tobytes(), d.tobytes(), C.tobytes(), mu.tobytes())
        memo = self._memo
        if memo is not None and memo[0] == key:
            return memo[1]
        ev = self._equations(n, d, C, mu, p, quad)
        self._memo = (key, ev)
        return ev

    _memo = None

    def static_temperature(self, p, i=None):
        """T_s of the glass part at each point (P >= 3), 0 where not applicable: shape (B,), or
        the float of point i."""
        T = self._static_temperature(p)
        return T if i is None else float(T[i])

    def _static_temperature(self, p):
        return np.zeros(p.size)

    def rs_model(self):
        """The family's RS model (its solutions start the searches)."""
        return get_model(self.family, "rs")

    # ------------------------------------------------------------------ variables
    def variables(self, p):
        return (self.overlap, "delta", "C", "mu")

    def condensed(self, p):
        # stability comes from the residual Jacobian (stability()), not from a Hessian of f
        return ()

    def lower_bounds(self, p):
        return np.array([-np.inf, 0.0, 0.0, 0.0])

    def load_scale(self, p):
        return np.ones(p.size)

    def _ansatz(self, p):
        a = p.get("ansatz")
        return np.zeros(p.size, dtype=np.int64) if a is None else a.astype(np.int64)

    def _effective(self, x, p):
        """(n, delta, C, mu, ansatz, q1) with delta and mu as the ansatz of each row fixes them."""
        n, d, C, mu = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
        A = self._ansatz(p)
        q1 = 1.0 - C * p.inv_beta
        d = np.where(A & RS, 0.0, np.where(A & Q0, q1, d))
        # RS rows: x = 1 (any x gives the same equations at delta = 0; mu = beta keeps x <= 1)
        mu = np.where(A & RS, np.where(np.isinf(p["beta"]), 1.0, p["beta"]), mu)
        return n, d, C, mu, A, q1

    # ------------------------------------------------------------------ the equations
    def residual(self, x, p, quad):
        n, d, C, mu, A, q1 = self._effective(x, p)
        ev = self._memo_equations(n, d, C, mu, p, quad)
        R = np.empty_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            R[:, 0] = np.where(A & N0, -x[:, 0], ev["Rn"])
            R[:, 1] = np.where(A & RS, -x[:, 1], np.where(A & Q0, q1 - x[:, 1], ev["Rd"] / d))
            R[:, 2] = ev["RC"]
            mu_fix = p["mu_fix"] if "mu_fix" in p else np.zeros(p.size)
            R[:, 3] = np.where(A & RS, 1.0 - x[:, 3], np.where(A & MUFIX, mu_fix - x[:, 3], ev["dfdmu"] / d))
        return R

    def fd_step(self, x, p):
        # mu (the Parisi parameter) is weakly determined where q1 - q0 is small: df/dmu varies
        # little with it, and a step of 1e-7 would measure the quadrature noise, not the slope
        h = 1e-7 * (1.0 + np.abs(x))
        h[:, 3] = 1e-5 * (1.0 + np.abs(x[:, 3]))
        # delta: a step relative to it (the residual is scaled by 1/delta, nonlinear on the scale
        # of delta itself, which may be ~1e-7)
        h[:, 1] = np.minimum(h[:, 1], np.maximum(1e-4 * np.abs(x[:, 1]), 1e-15))
        return h

    def pinned(self, x, p):
        # RS: delta and mu do not enter the other equations (delta_eff = 0, mu_eff = 1); Q0:
        # delta_eff = q1(C); N0: m = 0 enters the others only through even functions; MUFIX:
        # mu stays at mu_fix, so its column multiplies a zero step
        A = self._ansatz(p)
        return np.stack([(A & N0) > 0, (A & (RS | Q0)) > 0, np.zeros(p.size, dtype=bool),
                         (A & (RS | MUFIX)) > 0], axis=1)

    def residual_noise(self, x, p):
        # quadrature noise of each (scaled) residual; pinned components are exact
        n, d, C, mu, A, q1 = self._effective(x, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = np.stack([np.full(x.shape[0], _NOISE), np.where(A & (RS | Q0), 0.0, _NOISE / d),
                              10 * _NOISE * (1.0 + np.abs(C)),
                              np.where(A & (RS | MUFIX), 0.0, 10 * _NOISE / (mu * d))], axis=1)
        return np.where(np.isfinite(floor), floor, 0.0)

    def step_limit(self, x, dx, p):
        # trust region: the overlap moves by <= 0.05; delta, C, mu (pinned components excepted)
        # at most halve or grow tenfold per step, so that Newton stays on its branch (from a
        # small delta it reaches the branch that bifurcates from RS)
        A = self._ansatz(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            lim = np.where(np.abs(dx[:, 0]) > 0.05, 0.05 / np.abs(dx[:, 0]), 1.0)
            free = [~(A & (RS | Q0)).astype(bool), np.ones(x.shape[0], dtype=bool),
                    ~(A & (RS | MUFIX)).astype(bool)]
            for j, f in zip((1, 2, 3), free):
                cap = np.where(dx[:, j] < 0.0, 0.5, 9.0) * np.abs(x[:, j])
                lim = np.where(f & (np.abs(dx[:, j]) > cap), np.minimum(lim, cap / np.abs(dx[:, j])), lim)
        return np.where(np.isfinite(lim), lim, 1.0)

    def in_domain(self, x, p):
        n, d, C, mu, A, q1 = self._effective(x, p)
        rs = (A & RS).astype(bool)
        beta = p["beta"]
        finite_T = ~np.isinf(beta)
        rho = p["rho"] if "rho" in p else np.zeros(p.size)
        ok = np.isfinite(x[:, 0]) & np.isfinite(C) & (np.abs(n) <= 1.0 + 10.0 * np.sqrt(rho)) & (C >= 0.0)
        # (C = 0: an RS retrieval state whose beta (1 - q) underflows, at small loads)
        ok &= np.where(rs, ~finite_T | (C <= beta),
                       np.isfinite(x[:, 1]) & np.isfinite(x[:, 3]) & (d > 0.0) & (mu > 0.0) & (q1 - d >= 0.0)
                       & (C > 0.0) & (~finite_T | ((mu <= beta * (1.0 + 1e-12)) & (C < beta))))
        return ok & self._family_domain(n, d, C, mu, p)

    def _family_domain(self, n, d, C, mu, p):
        return np.ones(n.size, dtype=bool)

    def free_energy(self, x, p, quad):
        n, d, C, mu, A, q1 = self._effective(x, p)
        return self._memo_equations(n, d, C, mu, p, quad)["f"]

    def observables(self, x, p, quad):
        n, d, C, mu, A, q1 = self._effective(x, p)
        ev = self._memo_equations(n, d, C, mu, p, quad)
        rs = (A & RS).astype(bool)
        beta = p["beta"]
        zero = np.isinf(beta)
        xx = np.where(rs, 1.0, np.where(zero, 0.0, mu * p.inv_beta))
        q0 = ev["q0"]
        out = {"m": ev["K"]["m"], "q": xx * q0 + (1.0 - xx) * q1, "q0": q0, "q1": q1, "x": xx,
               "mu": np.where(rs, beta, mu), "C": C, "delta": d, "energy": ev["energy"]}
        if self.overlap != "m":
            out[self.overlap] = n
        with np.errstate(invalid="ignore"):
            out["entropy"] = np.where(zero, self.zero_temperature_entropy(C, p), beta * (ev["energy"] - ev["f"]))
        out.update(ev["extra"])
        return out

    def stability(self, x, p, quad, hessian_eig):
        # 1 - slope of the effective map of the overlap along the manifold where the other
        # equations hold: minus the Schur complement of the residual Jacobian on the overlap
        # (with the overlap free, also for the symmetric ansatz)
        free = Batch({**p, "ansatz": (self._ansatz(p) & ~N0).astype(float)}, p.size)
        R = self.residual(x, free, quad)
        J, _ = _jacobian(self, x, x + R, free, quad)
        a, b, c, d = J[:, 0, 0], J[:, 0, 1:], J[:, 1:, 0], J[:, 1:, 1:]
        out = np.full(x.shape[0], np.nan)
        ok = np.all(np.isfinite(J), axis=(1, 2))
        if ok.any():
            sol = _solve_stack(d[ok], c[ok])
            out[ok] = -(a[ok] - np.einsum("bi,bi->b", b[ok], sol))
        return out

    def replicon(self, x, p, quad):
        n, d, C, mu, A, q1 = self._effective(x, p)
        return 1.0 - self._memo_equations(n, d, C, mu, p, quad)["lam"]

    def classify(self, x, p):
        n = np.abs(x[:, 0])
        q1 = 1.0 - x[:, 2] * p.inv_beta
        return np.where(n > 1e-6, "retrieval", np.where(q1 > 1e-6, "spin glass", "paramagnet"))

    def admissible(self, x, p, quad, obs):
        n, d, C, mu, A, q1 = self._effective(x, p)
        para = (A & RS).astype(bool) & (np.abs(n) <= 1e-6) & (obs["q1"] <= 1e-6)
        ok = np.ones(x.shape[0], dtype=bool)
        if para.any():
            lam = self._memo_equations(n, d, C, mu, p, quad)["lam"]
            T = p.inv_beta
            ok = ~(para & ((lam > 1.0) | (T < self._static_temperature(p))))
        return ok, ("the RS paramagnet is not the equilibrium state at 1RSB below the glass transition "
                    "(replicon < 0, or T < T_s of the P-spin glass): the 1RSB glass (f_1RSB >= f_para) replaces it")

    def describe(self, x, p, quad):
        A = self._ansatz(p)
        why = p["reason"].astype(int) if "reason" in p else np.zeros(p.size, dtype=int)
        out = np.full(x.shape[0], "", dtype=object)
        rows = np.flatnonzero((A & RS).astype(bool) & (np.abs(x[:, 0]) > 1e-6) & (why > 0))
        if rows.size:
            lam = 1.0 - self.replicon(x[rows], p.take(rows), quad)
            for r, lm in zip(rows, lam):
                out[r] = "the 1RSB solution reduces to RS here (" + _WHY[why[r]].format(lam=lm) + ")"
        return out

    # ------------------------------------------------------------------ searches
    def guesses(self, p):
        raise NotImplementedError("the 1RSB starts need the solver: see starts()")

    def starts(self, p, quad, opts):
        coarse = quad.coarse() if callable(getattr(quad, "coarse", None)) else quad
        # the searches need the branch, not its last digits: the polish is the solver's
        opts = Options(tol=max(opts.tol, _SEARCH_TOL), maxiter=opts.maxiter)
        rs_found = self._rs_solutions(p, quad, opts)
        B = p.size
        ret, ret_rows, need, x_rs, q_rs = self._retrieval_rs(p, quad, opts, rs_found.get("retrieval"))
        glass_jobs = self._glass_jobs(p, rs_found.get("spin glass"))
        # one search for every branch and point: the rows of all of them in each solver call
        jobs = ([(_RET, need, x_rs, q_rs)] if need.size else []) + glass_jobs
        found = self._one_step_search(p, coarse, opts, jobs)
        if need.size:
            self._retrieval_finish(ret, ret_rows, need, x_rs, *found[0])
        self._retrieval_missing(p, quad, coarse, opts, ret, ret_rows)
        glass, glass_rows = self._glass_finish(p, coarse, glass_jobs, found[1 if need.size else 0:])
        glass_rows["reason"][~np.isfinite(glass[:, 0]) & (self._load(p) == 0)] = 0   # no glass without patterns
        para = np.full((B, 4), np.nan)
        finite = ~np.isinf(p["beta"])
        para[finite] = np.stack([np.zeros(B), np.zeros(B), p["beta"], np.ones(B)], axis=1)[finite]
        para_rows = {"ansatz": np.full(B, float(RS | N0)), "reason": np.zeros(B)}
        return [("retrieval", ret, ret_rows), ("spin glass", glass, glass_rows), ("paramagnet", para, para_rows)]

    def _rs_solutions(self, p, quad, opts):
        """The RS retrieval and glass solutions of the family's RS model: ``{name: (n, C, q)}``."""
        from ..solver import search
        mdl = self.rs_model()
        q = {k: v for k, v in p.items() if k not in ("ansatz", "reason", "mu_fix")}
        out = {}
        for key, group in _groups(mdl.structure(Batch(q, p.size)), p.size):
            sub = Batch({k: v[group] for k, v in q.items()}, group.size)
            branches, _, _ = search(mdl, sub, quad, opts)
            for name in ("retrieval", "spin glass"):
                rec = branches.get(name)
                if rec is None:
                    continue
                if name not in out:
                    out[name] = tuple(np.full(p.size, np.nan) for _ in range(3))
                n_rs, C_rs, q_rs = out[name]
                f = rec["found"] & (rec["stability"] > 0)
                obs = rec["obs"]
                n_rs[group[f]] = np.asarray(obs.get(self.overlap, obs["m"]))[f].reshape(f.sum(), -1)[:, 0]
                C_rs[group[f]] = np.asarray(obs["C"])[f]
                q_rs[group[f]] = np.asarray(obs["q"])[f]
        return out

    # ------------------------------------------------------------------ retrieval
    def _retrieval(self, p, quad, coarse, opts, rs, continue_load=True):
        """Starts of the 1RSB retrieval branch alone: (x (B, 4), rows)."""
        x, rows, need, x_rs, q_rs = self._retrieval_rs(p, quad, opts, rs)
        if need.size:
            self._retrieval_finish(x, rows, need, x_rs, *self._one_step_search(p, coarse, opts,
                                                                                [(_RET, need, x_rs, q_rs)])[0])
        if continue_load:
            self._retrieval_missing(p, quad, coarse, opts, x, rows)
        return x, rows

    def _retrieval_rs(self, p, quad, opts, rs):
        """The RS retrieval state in the 1RSB equations (RS ansatz) and its AT eigenvalue: final
        where AT-stable; the points ``need`` (with their RS rows) need the 1RSB search."""
        B = p.size
        x = np.full((B, 4), np.nan)
        rows = {"ansatz": np.zeros(B), "reason": np.zeros(B)}
        if rs is None:
            rs = tuple(np.full(B, np.nan) for _ in range(3))
        n_rs, C_rs, q_rs = rs
        have = np.flatnonzero(np.isfinite(n_rs) & (np.abs(n_rs) > 1e-6))
        none = np.zeros(0, dtype=np.int64)
        if have.size == 0:
            return x, rows, none, np.zeros((0, 4)), np.zeros(0)
        pr = _rows(p.take(have), ansatz=RS)
        it = iterate(self, pr, quad, np.stack([n_rs[have], np.zeros(have.size), C_rs[have],
                                              np.ones(have.size)], axis=1), opts)
        ok = it.converged & (np.abs(it.x[:, 0]) > 1e-6)
        lam = np.full(have.size, np.nan)
        if ok.any():
            lam[ok] = 1.0 - self.replicon(it.x[ok], pr.take(ok), quad)
        stable_rs = ok & (lam < 1.0)
        r = have[stable_rs]
        x[r], rows["ansatz"][r], rows["reason"][r] = it.x[stable_rs], RS, 1
        sel = ok & ~stable_rs
        return x, rows, have[sel], it.x[sel], q_rs[have[sel]]

    def _retrieval_finish(self, x, rows, need, x_rs, sol, why):
        one = np.isfinite(sol[:, 0])
        x[need[one]] = sol[one]
        back = (why > 0) & ~one                         # reduces to RS: the RS solution, with why
        x[need[back]] = x_rs[back]
        rows["ansatz"][need[back]], rows["reason"][need[back]] = RS, why[back]

    def _retrieval_missing(self, p, quad, coarse, opts, x, rows):
        miss = np.flatnonzero(~np.isfinite(x[:, 0]) & (self._load(p) > 0))
        if miss.size:
            # no RS retrieval state (loads between the RS and the 1RSB capacity): continue in the load
            xi = self._from_smaller_load(p.take(miss), quad, coarse, opts)
            ok = np.isfinite(xi[:, 0])
            x[miss[ok]], rows["ansatz"][miss[ok]] = xi[ok], 0
            rows["reason"][miss[~ok]] = 6

    def _load(self, p):
        return p["alpha"] if "alpha" in p else np.zeros(p.size)

    # ------------------------------------------------------------------ glass
    def _glass_jobs(self, p, rs):
        """The glass searches: q0 = 0 at every point; for P = 2 also q0 free (from the RS glass)."""
        B = p.size
        n_rs, C_rs, q_rs = rs if rs is not None else tuple(np.full(B, np.nan) for _ in range(3))
        q_glass = np.where(np.isfinite(q_rs) & (q_rs > 1e-6), q_rs, np.nan)
        idx = np.arange(B)
        jobs = [(_G0, idx, np.zeros((B, 4)), q_glass)]
        if self._pairwise(p):
            jobs.append((_GF, idx, np.zeros((B, 4)), q_glass))
        return jobs

    def _glass_finish(self, p, coarse, jobs, found):
        """The glass start of each point: the largest f among the ansaetze found (f is maximal);
        the q0 = 0 glass is kept unless the q0-free one is larger by more than _GLASS_TIE
        (1 + |f|) (near T_g a q0 > 0 branch appears whose f differs by ~1e-9 only)."""
        B = p.size
        x = np.full((B, 4), np.nan)
        ansatz = np.full(B, float(N0 | Q0))
        best_f = np.full(B, -np.inf)
        reason = np.full(B, 5.0)
        for (kind, idx, _, _), (sol, why) in zip(jobs, found):
            if kind == _G0:
                reason[idx] = why
            r = np.flatnonzero(np.isfinite(sol[:, 0]))
            if r.size == 0:
                continue
            pr = _rows(p.take(idx[r]), ansatz=_ANSATZ[kind])
            f = self.free_energy(sol[r], pr, coarse)
            margin = 0.0 if kind == _G0 else _GLASS_TIE * (1.0 + np.abs(f))
            better = f > best_f[idx[r]] + margin
            pts = idx[r][better]
            x[pts], ansatz[pts], best_f[pts] = sol[r][better], _ANSATZ[kind], f[better]
        reason[np.isfinite(x[:, 0])] = 0.0
        return x, {"ansatz": ansatz, "reason": reason}

    def _glass(self, p, quad, coarse, opts, rs):
        """Starts of the 1RSB spin glass (m = 0) alone: (x (B, 4), rows)."""
        jobs = self._glass_jobs(p, rs)
        return self._glass_finish(p, coarse, jobs, self._one_step_search(p, coarse, opts, jobs))

    def glass_start(self, p, quad, opts):
        """The 1RSB glass search alone (:func:`replica.rsb.pspin_glass`): ``(x, rows, why)``,
        ``why`` the text of each point where none was found ('' elsewhere)."""
        coarse = quad.coarse() if callable(getattr(quad, "coarse", None)) else quad
        opts = Options(tol=max(opts.tol, _SEARCH_TOL), maxiter=opts.maxiter)
        x, rows = self._glass(p, quad, coarse, opts, self._rs_glass(p, quad, opts))
        why = [_WHY[int(r)] if r > 0 else "" for r in rows["reason"]]
        return x, rows, why

    def _rs_glass(self, p, quad, opts):
        try:
            return self._rs_solutions(p, quad, opts).get("spin glass")
        except ValueError:                  # no RS model for these parameters (the P-spin glass P = 2)
            return None

    def describe_missing(self, p):
        why = p["reason"].astype(int) if "reason" in p else np.zeros(p.size, dtype=int)
        out = np.full(p.size, "", dtype=object)
        for code in (4, 5, 6):
            out[why == code] = _WHY[code]
        return out

    def _pairwise(self, p):
        return False

    # ------------------------------------------------------------------ the search in mu
    def _one_step_search(self, p, cq, opts, jobs):
        """1RSB branches at points of p: the equations at fixed mu on a geometric grid of mu
        (all values, points and jobs at once), the sign change of df/dmu between neighbouring
        values (continuing into gaps where the branch is hard to reach), Newton on the full
        system from the interpolated bracket (coarse quadrature ``cq``), regula falsi on the
        bracket if that fails.

        ``jobs``: list of ``(kind, idx, base, q)``: kind ``_RET`` (retrieval, from the RS rows
        ``base`` with small q1 - q0; the sign change nearest to x = 1), ``_G0`` (glass, q0 = 0)
        or ``_GF`` (glass, q0 free; from large q1), the points ``idx`` of p, ``q`` the RS
        overlap (scale of the starts).

        Returns
        -------
        list of (x (n, 4), why (n,)) per job: NaN rows where not found; why = 2 (x would exceed
        1) or 3 (delta not resolved) where a retrieval state reduces to RS, 4 (x would exceed 1)
        or 5 (not found) for a glass, else 0.
        """
        if not jobs:
            return []
        pidx = np.concatenate([np.asarray(j[1], dtype=np.int64) for j in jobs])
        kind = np.concatenate([np.full(len(j[1]), j[0]) for j in jobs])
        base = np.concatenate([np.asarray(j[2], dtype=float).reshape(-1, 4) for j in jobs])
        q = np.concatenate([np.asarray(j[3], dtype=float) for j in jobs])
        pr = p.take(pidx)
        x, why = self._search_rows(pr, cq, opts, kind, base, q)
        out, a = [], 0
        for j in jobs:
            n = len(j[1])
            out.append((x[a:a + n], why[a:a + n]))
            a += n
        return out

    def _search_rows(self, p, cq, opts, kind, base, q):
        R = p.size
        zero = np.isinf(p["beta"])
        top = np.where(zero, 300.0, p["beta"])
        ret = kind == _RET
        lo = np.minimum(np.where(ret, 0.05, 0.002), 0.5 * top)
        K = max(_GRID_RETRIEVAL, _GRID_GLASS + 4)
        grid = np.full((R, K), np.nan)
        f_ret = np.linspace(0.0, 1.0, _GRID_RETRIEVAL)
        f_gl = np.linspace(0.0, 1.0, _GRID_GLASS)
        grid[ret, :_GRID_RETRIEVAL] = np.exp(np.log(lo[ret])[:, None]
                                             + f_ret[None, :] * np.log(top[ret] / lo[ret])[:, None])
        gl = ~ret
        if gl.any():
            # near the static transition the glass exists only close to x = 1: resolve it there
            g0 = np.exp(np.log(lo[gl])[:, None] + f_gl[None, :] * np.log(top[gl] / lo[gl])[:, None])
            near = top[gl][:, None] * np.array([0.8, 0.85, 0.9, 0.95])[None, :]
            grid[gl, :_GRID_GLASS + 4] = np.sort(np.concatenate([g0, near], axis=1), axis=1)
        sol, g = self._scan(p, cq, opts, base, q, grid, kind)
        up = np.flatnonzero(ret & zero)
        for _ in range(4):
            # T = 0: mu is unbounded; extend the grid upwards while df/dmu > 0 at its top
            if up.size == 0:
                break
            last = _last_valid(grid[up])
            top_g = g[up, last]
            up = up[(top_g > 0) & (sol[up, last, 1] >= DELTA_MIN)]     # solved at the top, g > 0
            if up.size == 0:
                break
            last = _last_valid(grid[up])
            ext = grid[up, last][:, None] * np.geomspace(1.0, 16.0, 5)[None, 1:]
            s2, g2 = self._scan(p.take(up), cq, opts, base[up], q[up], ext, kind[up])
            grid = np.concatenate([grid, np.full((R, 4), np.nan)], axis=1)
            sol = np.concatenate([sol, np.full((R, 4, 4), np.nan)], axis=1)
            g = np.concatenate([g, np.full((R, 4), np.nan)], axis=1)
            grid, sol, g = _merge(grid, sol, g, up, ext, s2, g2)
        grid, sol, g = self._into_gaps(p, cq, opts, base, q, grid, sol, g, kind)
        # neighbouring solved values with a sign change of df/dmu (f is maximal in mu:
        # g > 0 below the root): nearest to x = 1 for retrieval, to small x for the glass
        pair = (g[:, :-1] > 0.0) & (g[:, 1:] <= 0.0)
        k_hi = pair.shape[1] - 1 - np.argmax(pair[:, ::-1], axis=1)
        k_lo = np.argmax(pair, axis=1)
        k = np.where(pair.any(axis=1), np.where(ret, k_hi, k_lo), -1)
        solved = np.isfinite(g)
        dmax = np.where(solved, sol[:, :, 1], -np.inf).max(axis=1)
        why = np.zeros(R, dtype=int)
        resolved = ~ret | (dmax >= DELTA_MIN)
        why[ret & solved.any(axis=1) & ~resolved] = 3
        last = np.where(solved.any(axis=1), solved.shape[1] - 1 - np.argmax(solved[:, ::-1], axis=1), 0)
        at_top = np.isclose(grid[np.arange(R), last], top) & (g[np.arange(R), last] > 0.0)
        why[ret & (k < 0) & resolved & at_top & ~zero] = 2
        # T = 0: df/dmu > 0 up to where q1 - q0 falls below resolution (mu -> inf: the RS limit)
        fades = solved.any(axis=1) & (sol[np.arange(R), last, 1] < DELTA_MIN) & (g[np.arange(R), last] > 0.0)
        why[ret & (k < 0) & zero & fades] = 3
        why[~ret & (k < 0)] = np.where(at_top & ~zero, 4, 5)[~ret & (k < 0)]
        x = np.full((R, 4), np.nan)
        rows = np.flatnonzero((k >= 0) & resolved)
        if rows.size:
            kk = k[rows]
            ga, gb = g[rows, kk], g[rows, kk + 1]
            xa, xb = sol[rows, kk], sol[rows, kk + 1]
            ma, mb = grid[rows, kk], grid[rows, kk + 1]
            w = (ga / (ga - gb))[:, None]
            x0 = xa + w * (xb - xa)
            x0[:, 3] = ma + w[:, 0] * (mb - ma)
            prow = _rows(p.take(rows), ansatz=_ANSATZ[kind[rows]])
            it = iterate(self, prow, cq, x0, opts)
            ok = it.converged & self._accept(it.x, prow, kind[rows]) & (it.x[:, 1] > DELTA_MIN)
            x[rows[ok]] = it.x[ok]
            tiny = it.converged & (it.x[:, 1] <= DELTA_MIN)
            why[rows[tiny & ret[rows]]] = 3
            fail = np.flatnonzero(~ok & ~tiny)
            if fail.size:
                r = rows[fail]
                x[r] = self._illinois(p.take(r), cq, opts, kind[r], (ma[fail], ga[fail], xa[fail]),
                                      (mb[fail], gb[fail], xb[fail]), base[r], q[r])
        why[~ret & (k >= 0) & ~np.isfinite(x[:, 0])] = 5
        return x, why

    def _into_gaps(self, p, cq, opts, base, q, grid, sol, g, kind, steps=6):
        """Rows without a sign change of df/dmu that have a solved value next to an unsolved one
        where the change is sought (glass: g > 0 below a gap; retrieval: g <= 0 above a gap):
        geometric bisection from the solved value into the gap, each value warm-started from
        the last solved one. Returns the grid, sol and g with the new values inserted."""
        B, K = grid.shape
        solved = np.isfinite(g)
        pair = (g[:, :-1] > 0.0) & (g[:, 1:] <= 0.0)
        ret = kind == _RET
        # down: the lowest solved value with g <= 0 and a gap below (retrieval, from the top);
        # up: the highest solved value with g > 0 and a gap above (glass, from the bottom; and
        # retrieval at T = 0, where the grid of mu was extended upwards)
        c_dn = solved[:, 1:] & (g[:, 1:] <= 0.0) & ~solved[:, :-1] & np.isfinite(grid[:, :-1])
        c_up = solved[:, :-1] & (g[:, :-1] > 0.0) & ~solved[:, 1:] & np.isfinite(grid[:, 1:])
        k_dn = np.where(c_dn.any(axis=1), np.argmax(c_dn, axis=1) + 1, -1)
        k_up = np.where(c_up.any(axis=1), K - 2 - np.argmax(c_up[:, ::-1], axis=1), -1)
        down = np.where(ret, k_dn >= 0, k_up < 0)
        k = np.where(down, k_dn, k_up)
        other = np.where(down, k - 1, k + 1)
        rows = np.flatnonzero((k >= 0) & ~pair.any(axis=1))
        if rows.size == 0:
            return grid, sol, g
        kk, oo = k[rows], other[rows]
        mu_s, x_s = grid[rows, kk], sol[rows, kk].copy()      # the solved end
        mu_u = grid[rows, oo]                                 # the unsolved end
        new_mu = np.full((rows.size, steps), np.nan)
        new_x = np.full((rows.size, steps, 4), np.nan)
        new_g = np.full((rows.size, steps), np.nan)
        alive = np.ones(rows.size, dtype=bool)
        for s in range(steps):
            act = np.flatnonzero(alive)
            if act.size == 0:
                break
            mid = np.sqrt(mu_s[act] * mu_u[act])
            warm = x_s[act].copy()
            warm[:, 3] = mid
            r = rows[act]
            x = self._at_fixed_mu(p.take(r), cq, opts, mid, warm, base[r], q[r], kind[r], first_only=True)
            good = np.isfinite(x[:, 0])
            gm = np.full(act.size, np.nan)
            if good.any():
                gm[good] = self._dfdmu(x[good], p.take(r[good]), cq, _ANSATZ[kind[r[good]]])
            new_mu[act, s], new_x[act, s], new_g[act, s] = np.where(good, mid, np.nan), x, gm
            crossed = good & np.where(down[r], gm > 0.0, gm <= 0.0)
            alive[act[crossed]] = False                                     # a sign change: done
            a = act[good & ~crossed]
            mu_s[a], x_s[a] = mid[good & ~crossed], x[good & ~crossed]      # moved into the gap
            mu_u[act[~good]] = mid[~good]                                   # the gap starts earlier
        keep = np.isfinite(new_mu)
        if not keep.any():
            return grid, sol, g
        n_new = int(keep.sum(axis=1).max())
        grid = np.concatenate([grid, np.full((B, n_new), np.nan)], axis=1)
        sol = np.concatenate([sol, np.full((B, n_new, 4), np.nan)], axis=1)
        g = np.concatenate([g, np.full((B, n_new), np.nan)], axis=1)
        for i, r in enumerate(rows):
            m = keep[i]
            c = int(m.sum())
            grid[r, K:K + c], sol[r, K:K + c], g[r, K:K + c] = new_mu[i, m], new_x[i, m], new_g[i, m]
        return _sorted(grid, sol, g)

    def _scan(self, p, cq, opts, base, q, grid, kind):
        """Solve the equations at fixed mu = grid (R, K; NaN: none) for every row and value at once.

        Returns sol (R, K, 4) and df/dmu (R, K), NaN where not solved."""
        R, K = grid.shape
        valid = np.isfinite(grid)
        rr, kk = np.nonzero(valid)
        # every value from the kind's first start; then, where that failed, from a solved
        # neighbouring value (warm) and the other starts -- only next to a solved value, or
        # where no value of the row is solved (the branch need not exist at every mu)
        sol = np.full((R, K, 4), np.nan)
        sol[rr, kk] = self._at_fixed_mu(p.take(rr), cq, opts, grid[rr, kk], np.full((rr.size, 4), np.nan),
                                        base[rr], q[rr], kind[rr], first_only=True)
        ok = np.isfinite(sol[:, :, 0])
        left = np.zeros((R, K), dtype=bool)
        right = np.zeros((R, K), dtype=bool)
        left[:, 1:], right[:, :-1] = ok[:, :-1], ok[:, 1:]
        retry = valid & ~ok & (left | right | ~ok.any(axis=1, keepdims=True))
        if retry.any():
            rb, rk = np.nonzero(retry)
            warm = np.where(left[rb, rk][:, None], sol[rb, np.maximum(rk - 1, 0)], sol[rb, np.minimum(rk + 1, K - 1)])
            warm[:, 3] = grid[rb, rk]
            sol[rb, rk] = self._at_fixed_mu(p.take(rb), cq, opts, grid[rb, rk], warm, base[rb], q[rb], kind[rb])
        g = np.full((R, K), np.nan)
        good = np.isfinite(sol[:, :, 0])
        gr, gk = np.nonzero(good)
        if gr.size:
            g[gr, gk] = self._dfdmu(sol[gr, gk], p.take(gr), cq, _ANSATZ[kind[gr]])
        return sol, g

    def _at_fixed_mu(self, p, cq, opts, mu, warm, base, q, kind, first_only=False):
        """Solve the equations at fixed mu (rows): warm start, else the kind's starts in turn
        (retrieval: from the RS rows with small delta -- the branch that bifurcates from RS
        has the smallest delta; glass: from large q1). NaN where none is accepted."""
        B = p.size
        out = np.full((B, 4), np.nan)
        pr = _rows(p, ansatz=_ANSATZ[kind] | MUFIX, mu_fix=mu)
        inner = Options(tol=opts.tol, maxiter=_INNER_ITER, newton_iter=_INNER_ITER)
        starts = self._starts_at(pr, base, q, mu, kind)
        starts = ([warm] + starts[:1]) if first_only else ([warm] + starts)
        # every start at once (one solver call), then per row the first in order that is accepted
        X = np.concatenate(starts)
        idx = np.tile(np.arange(B), len(starts))
        rows = np.flatnonzero(np.all(np.isfinite(X), axis=1))
        if rows.size == 0:
            return out
        prow = pr.take(idx[rows])
        dom = self.in_domain(X[rows], prow)
        rows, prow = rows[dom], prow.take(dom)
        if rows.size == 0:
            return out
        it = iterate(self, prow, cq, X[rows], inner)
        ok = it.converged & self._accept(it.x, prow, kind[idx[rows]])
        # per row: retrieval the smallest q1 - q0 (the branch that bifurcates from RS), the
        # glass the earliest start
        pts, xs = idx[rows[ok]], it.x[ok]
        rank = np.where(kind[pts] == _RET, xs[:, 1], rows[ok].astype(float))
        for j in np.lexsort((rank, pts))[::-1]:
            out[pts[j]] = xs[j]
        return out

    def _starts_at(self, p, base, q, mu, kind):
        """Starting rows of the fixed-mu solves (tried in turn; NaN where a kind has no more)."""
        B = p.size
        beta = p["beta"]
        zero = np.isinf(beta)
        n = 5
        out = [np.full((B, 4), np.nan) for _ in range(n)]
        r = kind == _RET
        for i, d in enumerate((1e-4, 1e-7, 1e-9, 1e-2)):    # retrieval: small q1 - q0 from RS
            x0 = base[r].copy()
            x0[:, 1] = d * np.maximum(q[r], 1e-3)
            x0[:, 3] = mu[r]
            out[i][r] = x0
        for code, q1s in ((_G0, (0.999, 0.95, 0.8, 0.5)), (_GF, (None, 0.99, 0.9, 0.7, 0.4))):
            r = np.flatnonzero(kind == code)
            if r.size == 0:
                continue
            for i, q1 in enumerate(q1s):
                if q1 is None:                              # near the RS glass (q0 free: it bifurcates there)
                    q1 = np.where(np.isfinite(q[r]), np.minimum(0.999, 1.2 * q[r]), np.nan)
                q1 = np.broadcast_to(q1, (r.size,))
                C = np.where(zero[r], 1.0 - q1, beta[r] * (1.0 - q1))
                d = np.where(zero[r], 0.5, 0.5 * q1) if code == _GF else q1
                x0 = np.stack([np.zeros(r.size), d, C, mu[r]], axis=1)
                if code == _GF:                             # shrink delta into the domain (Hopfield: mu delta < 1 - C)
                    pr = p.take(r)
                    for _ in range(30):
                        bad = ~self.in_domain(x0, pr)
                        if not bad.any():
                            break
                        x0[bad, 1] *= 0.5
                out[i][r] = x0
        return out

    def _accept(self, x, p, kind):
        """A solution of the search's kind: retrieval m != 0; glass q1 > 1e-4 (and for q0 free
        q0 > 1e-4: the q0 = 0 solution is stationary too but another ansatz)."""
        q1 = 1.0 - x[:, 2] * p.inv_beta
        ret = (np.abs(x[:, 0]) > 1e-6) & (x[:, 1] > 0.0)
        g0 = q1 > 1e-4
        gf = (q1 - x[:, 1] > 1e-4) & (x[:, 1] > 1e-6)
        return np.where(kind == _RET, ret, np.where(kind == _G0, g0, gf))

    def _dfdmu(self, x, p, cq, ansatz):
        pr = _rows(p, ansatz=ansatz)
        n, d, C, mu, A, q1 = self._effective(x, pr)
        return self._memo_equations(n, d, C, mu, pr, cq)["dfdmu"]

    def _illinois(self, p, cq, opts, kind, a, b, base, q):
        """Regula falsi (Illinois) on brackets of df/dmu with warm-started fixed-mu solves,
        then Newton on the full system; NaN rows where it fails."""
        mu_a, g_a, x_a = [np.array(v, copy=True) for v in a]
        mu_b, g_b, x_b = [np.array(v, copy=True) for v in b]
        B = p.size
        side = np.zeros(B)
        mu = mu_a.copy()
        x = np.full((B, 4), np.nan)
        alive = np.ones(B, dtype=bool)
        for _ in range(40):
            act = np.flatnonzero(alive)
            if act.size == 0:
                break
            m = (mu_a[act] * g_b[act] - mu_b[act] * g_a[act]) / (g_b[act] - g_a[act])
            out = ~((np.minimum(mu_a[act], mu_b[act]) < m) & (m < np.maximum(mu_a[act], mu_b[act])))
            m[out] = 0.5 * (mu_a[act] + mu_b[act])[out]
            near_a = np.abs(m - mu_a[act]) < np.abs(m - mu_b[act])
            warm = np.where(near_a[:, None], x_a[act], x_b[act])
            sol = self._at_fixed_mu(p.take(act), cq, opts, m, warm, base[act], q[act], kind[act])
            good = np.isfinite(sol[:, 0])
            alive[act[~good]] = False
            r = act[good]
            if r.size == 0:
                continue
            g = self._dfdmu(sol[good], p.take(r), cq, _ANSATZ[kind[r]])
            mm = m[good]
            pos = g > 0.0
            ia, ib = r[pos], r[~pos]
            mu_a[ia], g_a[ia], x_a[ia] = mm[pos], g[pos], sol[good][pos]
            g_b[ia] = np.where(side[ia] == 1, 0.5 * g_b[ia], g_b[ia])
            side[ia] = 1
            mu_b[ib], g_b[ib], x_b[ib] = mm[~pos], g[~pos], sol[good][~pos]
            g_a[ib] = np.where(side[ib] == -1, 0.5 * g_a[ib], g_a[ib])
            side[ib] = -1
            mu[r] = mm
            x[r] = sol[good]
            done = (np.abs(mu_b[r] - mu_a[r]) <= 1e-7 * np.abs(mm)) | (g == 0.0)
            alive[r[done]] = False
        rows = np.flatnonzero(np.isfinite(x[:, 0]))
        out = np.full((B, 4), np.nan)
        if rows.size:
            x0 = x[rows].copy()
            x0[:, 3] = mu[rows]
            pr = _rows(p.take(rows), ansatz=_ANSATZ[kind[rows]])
            it = iterate(self, pr, cq, x0, opts)
            ok = it.converged & (it.x[:, 1] > DELTA_MIN) & self._accept(it.x, pr, kind[rows])
            out[rows[ok]] = it.x[ok]
        return out

    def _from_smaller_load(self, p, quad, coarse, opts):
        """Points without an RS retrieval state: the largest load ``0.97^k alpha`` (k <= 12) with
        one (the RS scan of every point in one batch); where the 1RSB retrieval state there is
        a proper one (not the RS one), continuation back up in the load (Newton steps, every
        point at once). Returns x (B, 4), NaN where the 1RSB retrieval branch ends before.

        (0.97^12 = 0.69: the 1RSB retrieval branch is followed from up to 44% beyond the RS one;
        measured: 16% at most, the T = 0 capacities of P = 2 ... 10.)"""
        B = p.size
        out = np.full((B, 4), np.nan)
        ks = 0.97 ** np.arange(1, 13)
        idx = np.repeat(np.arange(B), ks.size)
        scan = Batch({**{k: v[idx] for k, v in p.items()}, "alpha": p["alpha"][idx] * np.tile(ks, B)}, idx.size)
        n_rs = self._rs_solutions(scan, quad, opts).get("retrieval", (np.full(idx.size, np.nan),) * 3)[0]
        has = np.isfinite(n_rs).reshape(B, ks.size)
        pts = np.flatnonzero(has.any(axis=1))
        if pts.size == 0:
            return out
        first = np.argmax(has[pts], axis=1)
        s = ks[first]
        q = Batch({**{k: v[pts] for k, v in p.items()}, "alpha": p["alpha"][pts] * s}, pts.size)
        x, rows = self._retrieval(q, quad, coarse, opts, self._rs_solutions(q, quad, opts).get("retrieval"),
                                  continue_load=False)
        go = np.isfinite(x[:, 0]) & (rows["ansatz"] != RS)        # else: reduces to RS below -- nothing to follow
        v = x.copy()
        step = np.minimum(0.01, 1.0 - s)
        alive = go.copy()
        while alive.any():
            a = np.flatnonzero(alive)
            s_new = np.minimum(1.0, s[a] + step[a])
            qa = _rows(Batch({**{k: v_[pts[a]] for k, v_ in p.items()}, "alpha": p["alpha"][pts[a]] * s_new},
                             a.size), ansatz=0)
            it = iterate(self, qa, coarse, v[a], Options(tol=opts.tol, maxiter=_INNER_ITER, newton_iter=_INNER_ITER))
            ok = it.converged & (np.abs(it.x[:, 0]) > 1e-6) & (it.x[:, 1] > DELTA_MIN)
            good, bad = a[ok], a[~ok]
            v[good], s[good] = it.x[ok], s_new[ok]
            step[good] = np.minimum(2.0 * step[good], 0.05)
            step[bad] *= 0.5
            alive[bad[step[bad] < 1e-5]] = False                  # the 1RSB retrieval branch ends before
            alive[good[s[good] >= 1.0]] = False
        done = go & (s >= 1.0)
        out[pts[done]] = v[done]
        return out

    # ------------------------------------------------------------------ folds
    def fold(self, p, quad, *, free="alpha", xtol=1e-9):
        """Fold of the retrieval branch in alpha: from the RS fold (the RS ansatz, generic scan),
        the 1RSB retrieval state just below it, then the maximum of alpha along the 1RSB branch
        (:func:`replica.continuation.maximise_along`). Where RS is AT-stable at its fold, or the
        1RSB state reduces to RS there, the fold is the RS one (the message says which)."""
        if free != "alpha":
            raise ValueError(f"the 1RSB models locate folds in the load only: free must be 'alpha', got {free!r}")
        opts = Options()
        out = {"value": math.nan, "x": np.full(4, np.nan), "along": math.nan, "interior": False,
               "converged": False, "message": "", "bracket": (math.nan, math.nan)}
        rows = {"ansatz": np.array([float(RS)]), "reason": np.array([1.0])}
        rs = self._rs_fold(p, quad, opts, xtol, rows) if "M" not in p else None
        if rs is None:                  # (finite M: the RS model is another theory) the RS ansatz
            rs = self._rs_fold_ansatz(p, quad, opts, xtol, rows)
        if not rs["converged"]:
            out["message"] = "RS retrieval fold not found (start of the 1RSB search): " + rs["message"]
            return out
        a_rs, x_rs = rs["value"], rs["x"]
        return self._fold_from_rs(p, quad, opts, xtol, rows, a_rs, x_rs, out)

    def _rs_fold(self, p, quad, opts, xtol, rows):
        """The RS fold from the family's RS model (the same equations; its fixed-point map scans
        the load cheaply), as a solution of the RS ansatz of this model."""
        rs_mdl = self.rs_model()
        res = rs_mdl.fold(Batch(dict(p), 1), quad, free="alpha", xtol=xtol)
        if not res["converged"]:
            return None
        pr = Batch({**p, "alpha": np.array([res["value"]])}, 1)
        obs = analyse(rs_mdl, np.asarray(res["x"], dtype=float)[None], pr, quad)["obs"]
        n = float(np.ravel(obs[self.overlap])[0])
        C = float(np.ravel(obs["C"])[0])
        prs = _rows(pr, **rows)
        it = iterate(self, prs, quad, np.array([[n, 0.0, max(C, 0.0), 1.0]]), opts)
        if not it.converged[0]:
            return None
        return {"value": res["value"], "x": it.x[0], "converged": True, "message": res["message"]}

    def _rs_fold_ansatz(self, p, quad, opts, xtol, rows):
        """The RS fold of the RS ansatz of this model (generic scan in the load)."""
        from ..continuation import fold as generic_fold

        def rs_starts(pg):
            # the RS retrieval states of the family's RS model on the scan (its fixed-point map
            # reaches the exponentially small C of small loads, which Newton does slowly)
            n, C, q = self._rs_solutions(pg, quad, opts).get("retrieval", (np.full(pg.size, np.nan),) * 3)
            ok = np.isfinite(n)
            x0 = np.tile([1.0, 0.0, 0.05, 1.0], (pg.size, 1))
            x0[ok, 0], x0[ok, 2] = n[ok], np.maximum(C[ok], 1e-300)
            return x0

        return generic_fold(self, p, quad, free="alpha", along=self.overlap, branch="retrieval",
                            xtol=xtol, start=(rs_starts, rows))

    def _fold_from_rs(self, p, quad, opts, xtol, rows, a_rs, x_rs, out):
        from ..continuation import maximise_along
        prs = _rows(Batch({**p, "alpha": np.array([a_rs])}, 1), ansatz=RS, reason=1)
        lam = 1.0 - float(self.replicon(x_rs[None], prs, quad)[0])
        if lam < 1.0:
            out.update(value=a_rs, x=x_rs, along=float(x_rs[0]), interior=True, converged=True, rows=dict(rows),
                       message=(f"RS is AT-stable at its fold (lambda_AT = {lam:.4g} < 1): the 1RSB "
                                f"retrieval branch reduces to RS there and the fold is the RS one"),
                       bracket=(a_rs, a_rs))
            return out
        a1 = 0.99 * a_rs
        q = Batch({**p, "alpha": np.array([a1])}, 1)
        x1, rr = self._retrieval(q, quad, quad.coarse() if callable(getattr(quad, "coarse", None)) else quad,
                                 opts, self._rs_solutions(q, quad, opts).get("retrieval"))
        if not np.isfinite(x1[0, 0]):
            out["message"] = "1RSB retrieval state not found near the RS fold"
            return out
        if rr["ansatz"][0] == RS:
            msg = _WHY.get(int(rr["reason"][0]), "").format(lam=lam)
            out.update(value=a_rs, x=x_rs, along=float(x_rs[0]), interior=True, converged=True, rows=dict(rows),
                       message=("the 1RSB retrieval state reduces to RS near the fold (" + msg
                                + "): the fold is the RS one"), bracket=(a_rs, a_rs))
            return out
        pq = _rows(q, ansatz=0)
        it = iterate(self, pq, quad, x1, opts)
        if not it.converged[0]:
            out["message"] = "1RSB retrieval state not found near the RS fold: " + it.reasons()[0]
            return out
        res = maximise_along(self, pq, quad, it.x[0], a1, free="alpha", along=self.overlap, branch="retrieval",
                             xtol=xtol)
        if not res["converged"]:
            out["message"] = "1RSB fold: " + res["message"]
            out["interior"] = bool(res.get("interior", False))
            return out
        res["message"] = (f"fold of the 1RSB retrieval branch: maximum of alpha({self.overlap}) at {self.overlap} = "
                          f"{res['along']:.10g} (bounded Brent, xatol = {xtol:g}; interior: {res['interior']}); "
                          f"RS fold alpha = {a_rs:.10g}")
        res["bracket"] = (a_rs, res["value"])
        return res


def _last_valid(grid):
    """Index of the last finite value of each row."""
    ok = np.isfinite(grid)
    return ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)


def _sorted(grid, sol, g):
    """Rows sorted by mu (NaN values last)."""
    key = np.where(np.isfinite(grid), grid, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    return (np.take_along_axis(grid, order, axis=1), np.take_along_axis(sol, order[:, :, None], axis=1),
            np.take_along_axis(g, order, axis=1))


def _merge(grid, sol, g, rows, ext, s2, g2):
    """Put the values ext (len(rows), k) with their solutions into the last k columns of rows, sorted."""
    k = ext.shape[1]
    grid[rows, -k:], sol[rows, -k:], g[rows, -k:] = ext, s2, g2
    return _sorted(grid, sol, g)


def _rows(p, **params):
    """The batch p with row parameters set (scalars or (B,) arrays)."""
    return Batch({**p, **{k: np.broadcast_to(np.asarray(v, dtype=float), (p.size,)).copy()
                          for k, v in params.items()}}, p.size)


def _groups(key, B):
    """Index arrays of the points with equal structure keys (all points if key is None)."""
    if key is None:
        yield None, np.arange(B)
        return
    key = np.asarray(key, dtype=object)
    seen = []
    for k in key:
        if k not in seen:
            seen.append(k)
    for k in seen:
        yield k, np.flatnonzero(np.array([kk == k for kk in key]))


def times_beta(beta, value):
    """``beta * value`` for a replicon eigenvalue (``value >= 0``); at T = 0 inf if value > 0, else 0."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(beta), np.where(value > 0.0, np.inf, 0.0), beta * value)


def pow_(m, k):
    """m^k for integer-valued k, any sign of m."""
    if isinstance(k, (int, np.integer)):
        return m ** k
    return np.sign(m) ** k * np.abs(m) ** k
