"""Generic batched solver of replica saddle-point equations.

Everything here works on B points at once for any :class:`replica.base.Model`:

* :func:`iterate` -- damped fixed-point iteration with per-point adaptive damping and
  convergence masks, then batched Newton polishing (finite-difference Jacobians of the n
  variables, ``np.linalg.solve`` on stacks, backtracking line search), then damped iteration
  again for points Newton could not improve (slow, near-critical points). Every point ends
  with ``converged``, a reason, ``iterations``, ``nfev`` and ``residual``: never a silent NaN.
* :func:`reduced_hessian_eig` -- smallest eigenvalue of the Hessian of ``f`` in the
  condensed variables after eliminating the others (Schur complement), by finite differences
  of the model's analytic gradient (or of ``f``).
* :func:`search` -- all branches from the model's initial guesses (every start of every point
  in one batch), deduplicated, named by the model's class, analysed (free energy, observables,
  stability, replicon, admissibility), and the thermodynamic state chosen as the lowest free
  energy among converged, locally stable, admissible solutions. Distinct solutions of one
  class are ranked the same way and keyed ``class``, ``class#2``, ...: the thermodynamic
  state is always the plain class name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Batch

__all__ = ["Options", "iterate", "reduced_hessian_eig", "search", "residual_norm", "named_start", "tile_starts"]

#: residual below which a residual-form point whose Newton step no longer moves it is converged
_NOISE_TOL = 1e-7
#: two converged points of one class closer than this (relative) with free energies equal to
#: 1e-12 are one solution resolved slowly (a marginal mode), not two
_SAME_SLOW = 1e-4

# reason codes of iterate()
_RUNNING, _CONVERGED, _BAD_START, _NONFINITE, _MAXITER, _STALLED, _NOISE = 0, 1, 2, 3, 4, 5, 6
_REASONS = {
    _CONVERGED: "converged",
    _BAD_START: "initial guess outside the physical domain",
    _NONFINITE: "the update map gave non-finite values",
    _MAXITER: "not converged within the iteration budget",
    _STALLED: "Newton stalled: no step along its direction reduced the residual",
    _NOISE: "converged (residual at the quadrature noise level)",
}


@dataclass
class Options:
    """Solver settings.

    tol : float
        Convergence when ``residual_norm <= tol``.
    maxiter : int
        Total iteration budget per point (fixed point + Newton).
    damping : float in (0, 1]
        Initial damping of the fixed-point iteration (adapted per point).
    fixed_point_iter : int
        Fixed-point iterations before Newton starts (Newton starts earlier for a point whose
        residual is below ``newton_switch``).
    newton_iter : int
        Newton iterations.
    newton_switch : float
    """

    tol: float = 1e-10
    maxiter: int = 1000
    damping: float = 1.0
    fixed_point_iter: int = 40
    newton_iter: int = 30
    newton_switch: float = 1e-3

    def __post_init__(self):
        if not (isinstance(self.tol, (int, float)) and 0 < self.tol < 1):
            raise ValueError(f"tol must be in (0, 1), got {self.tol!r}")
        if not (isinstance(self.maxiter, (int, np.integer)) and self.maxiter >= 1):
            raise ValueError(f"maxiter must be an integer >= 1, got {self.maxiter!r}")
        if not (isinstance(self.damping, (int, float)) and 0 < self.damping <= 1):
            raise ValueError(f"damping must be in (0, 1], got {self.damping!r}")


@dataclass
class IterResult:
    """Per-point outcome of :func:`iterate` (arrays of length B)."""

    x: np.ndarray
    fx: np.ndarray
    residual: np.ndarray
    status: np.ndarray
    iterations: np.ndarray
    nfev: np.ndarray

    @property
    def converged(self):
        return (self.status == _CONVERGED) | (self.status == _NOISE)

    def rows(self, sel):
        """The outcome at a subset of the points."""
        out = IterResult(x=self.x[sel], fx=self.fx[sel], residual=self.residual[sel], status=self.status[sel],
                         iterations=self.iterations[sel], nfev=self.nfev[sel])
        if self._reasons is not None:
            out._reasons = self._reasons[sel]
        return out

    _reasons = None

    def reasons(self):
        """ndarray of str: the reason of each point's status (computed once; do not modify)."""
        if self._reasons is None:
            out = np.empty(self.status.shape, dtype=object)
            for code in np.unique(self.status):
                out[self.status == code] = _REASONS.get(int(code))
            self._reasons = out
        return self._reasons


def residual_norm(x, fx):
    """``max_i |F(x)_i - x_i| / (1 + |x_i|)`` per point, NaN-safe (NaN -> inf)."""
    with np.errstate(invalid="ignore"):
        return _residual_norm(x, fx)


def _residual_norm(x, fx):
    # (call under np.errstate: inf - inf is NaN, which fmin turns into inf)
    return np.fmin((np.abs(fx - x) / (1.0 + np.abs(x))).max(axis=-1), np.inf)


def _evaluate(model, x, p, quad, dom=None):
    """Update map and validity (finite and in the domain) at x (``dom``: the domain if known).
    Call under ``np.errstate(all="ignore")`` (an update may overflow or divide by zero: the
    validity says so)."""
    if dom is None:
        dom = model.in_domain(x, p)
    if dom.all():
        fx = model.update(x, p, quad)
        return fx, np.isfinite(fx).all(axis=-1)
    fx = np.full_like(x, np.nan)
    if dom.any():
        fx[dom] = model.update(x[dom], p.take(dom), quad)
    return fx, dom & np.isfinite(fx).all(axis=-1)


def iterate(model, p, quad, x0, opts=None):
    """Solve ``x = F(x)`` at B points from the initial points x0.

    Parameters
    ----------
    model : Model
    p : Batch
        B points.
    quad : quadrature object
    x0 : ndarray of float64, shape (B, n)
    opts : Options, optional

    Returns
    -------
    IterResult
    """
    with np.errstate(all="ignore"):
        return _iterate(model, p, quad, x0, opts or Options())


def _iterate(model, p, quad, x0, opts):
    x = np.array(x0, dtype=float, copy=True)
    B = x.shape[0]
    residual_form = model.form == "residual"
    fx, ok = _evaluate(model, x, p, quad)
    nfev = np.ones(B, dtype=np.int64)
    res = _residual_norm(x, fx)
    status = np.where(ok, _RUNNING, _BAD_START)
    status[ok & (res <= opts.tol)] = _CONVERGED
    if residual_form:
        _noise_level(model, x, fx, p, np.flatnonzero(ok & (status == _RUNNING)), status, opts.tol)
    iters = np.zeros(B, dtype=np.int64)
    eta = np.full(B, float(opts.damping))
    last = [np.arange(B), p]

    def rows_of(idx):
        """The points idx of p (the last sub-batch again while the active rows do not change)."""
        if idx.size == B:
            return p
        if not (last[0].size == idx.size and (last[0] == idx).all()):
            last[:] = idx, p.take(idx)
        return last[1]

    def fixed_point(max_steps, only_large):
        # a row leaves the iteration when converged or (only_large) below the Newton switch
        leave_at = max(opts.tol, opts.newton_switch) if only_large else opts.tol
        step = 0
        while step < max_steps:
            act = (status == _RUNNING) & (iters < opts.maxiter)
            if only_large:
                act &= res > opts.newton_switch
            idx = act.nonzero()[0]
            if idx.size == 0:
                return
            pa = rows_of(idx)
            xa, fa, ra, ea = x[idx], fx[idx], res[idx], eta[idx, None]
            # rounds on these rows while every step is valid and no row leaves (the same
            # rounds as one at a time, without the bookkeeping of each)
            room = min(max_steps - step, opts.maxiter - int(iters[idx].max()))
            done = 0
            while True:
                trial = xa + ea * (fa - xa)
                ft, okt = _evaluate(model, trial, pa, quad)
                rt = _residual_norm(trial, ft)
                done += 1
                # the fixed-point map is the physical dynamics (it flows to locally stable
                # solutions; its residual may grow on the way, e.g. past a ghost fixed point):
                # accept every valid step; only a step out of the domain halves the damping
                if not okt.all():
                    break
                xa, fa, ra = trial, ft, rt
                if done == room or (rt <= leave_at).any():
                    break
            step += done
            nfev[idx] += done
            iters[idx] += done
            x[idx], fx[idx], res[idx] = xa, fa, ra
            if ra is rt:                      # every step valid
                status[idx[rt <= opts.tol]] = _CONVERGED
                continue
            accept = okt
            eta[idx[~accept]] *= 0.5
            a = idx[accept]
            x[a], fx[a], res[a] = trial[accept], ft[accept], rt[accept]
            status[a[res[a] <= opts.tol]] = _CONVERGED
            # a point whose damping collapsed cannot move any more
            dead = idx[~accept & (eta[idx] < 1e-8)]
            status[dead[status[dead] == _RUNNING]] = _NONFINITE

    def newton(max_steps):
        stalled = np.zeros(B, dtype=bool)
        for _ in range(max_steps):
            idx = np.flatnonzero((status == _RUNNING) & ~stalled & (iters < opts.maxiter))
            if idx.size == 0:
                return stalled
            pa = rows_of(idx)
            xa, fa = x[idx], fx[idx]
            J, nf = _jacobian(model, xa, fa, pa, quad)
            nfev[idx] += nf
            iters[idx] += 1
            R = fa - xa
            dx = _solve_stack(J, -R)
            bad = ~np.all(np.isfinite(dx), axis=-1)
            todo = ~bad
            if residual_form:
                # trust region of the model; every step must decrease the residual (a
                # residual-form model has no physical dynamics to fall back on)
                t = np.minimum(1.0, np.where(bad, 1.0, model.step_limit(xa, np.where(bad[:, None], 0.0, dx), pa)))
                first = np.zeros(idx.size, dtype=bool)
            else:
                t = np.ones(idx.size)
                first = np.ones(idx.size, dtype=bool)
            new_x, new_f, new_r = xa.copy(), fa.copy(), res[idx].copy()
            moved = np.zeros(idx.size, dtype=bool)
            for _ls in range(10 if not residual_form else 30):
                j = np.flatnonzero(todo)
                if j.size == 0:
                    break
                trial = xa[j] + t[j, None] * dx[j]
                ft, okt = _evaluate(model, trial, pa if j.size == idx.size else pa.take(j), quad)
                nfev[idx[j]] += 1
                rt = _residual_norm(trial, ft)
                # non-monotone (map form): the full step may raise the residual (near-singular
                # Jacobians near critical lines need it); shorter steps must decrease it
                bound = np.where(first[j], 100.0 * res[idx[j]], (1.0 - 1e-4 * t[j]) * res[idx[j]])
                good = okt & (rt < bound)
                g = j[good]
                new_x[g], new_f[g], new_r[g] = trial[good], ft[good], rt[good]
                moved[g] = True
                todo[g] = False
                t[j] *= 0.5
                first[j] = False
            x[idx], fx[idx], res[idx] = new_x, new_f, new_r
            stalled[idx[~moved]] = True
            conv = idx[res[idx] <= opts.tol]
            status[conv] = _CONVERGED
            if residual_form:
                _noise_level(model, x, fx, p, idx[status[idx] == _RUNNING], status, opts.tol)
                # a point whose Newton step is below the resolution of x and whose residual is
                # small cannot improve: its residual is the noise of the equations themselves
                tiny = ~moved & ~bad & np.all(np.abs(dx) <= 1e-8 * (np.abs(xa) + 1e-8), axis=-1) \
                    & (res[idx] < _NOISE_TOL)
                status[idx[tiny & (status[idx] == _RUNNING)]] = _NOISE
        return stalled

    # rounds: damped iteration to the neighbourhood of a solution, Newton to polish; points
    # Newton cannot improve (ghost of a fold, no root nearby) keep following the
    # fixed-point flow, which passes the ghost slowly, and try Newton again
    if residual_form:
        stalled = newton(opts.newton_iter)
        status[(status == _RUNNING) & stalled] = _STALLED
    else:
        while True:
            fixed_point(opts.fixed_point_iter, only_large=True)
            newton(opts.newton_iter)
            if not np.any((status == _RUNNING) & (iters < opts.maxiter)):
                break
            fixed_point(2 * opts.fixed_point_iter, only_large=False)
    status[status == _RUNNING] = _MAXITER
    return IterResult(x=x, fx=fx, residual=res, status=status, iterations=iters, nfev=nfev)


def _noise_level(model, x, fx, p, rows, status, tol):
    """Residual-form rows each of whose residuals is within the tolerance or within the model's
    noise floor for it: converged (at the noise level)."""
    rows = rows[fx[rows].size and (np.abs(fx[rows] - x[rows]).max(axis=-1) < _NOISE_TOL)] if rows.size else rows
    if rows.size == 0:
        return
    with np.errstate(all="ignore"):
        floor = model.residual_noise(x[rows], p.take(rows))
    if floor is None:
        return
    bound = np.maximum(floor, tol * (1.0 + np.abs(x[rows])))
    quiet = np.all(np.abs(fx[rows] - x[rows]) <= bound, axis=-1)
    status[rows[quiet]] = _NOISE


def _jacobian(model, x, fx, p, quad):
    """Forward-difference Jacobian of R(x) = F(x) - x, shape (B, n, n); backward where forward
    leaves the domain. Columns the model pins (:meth:`Model.pinned`) are ``-e_j`` without
    evaluation."""
    B, n = x.shape
    h = model.fd_step(x, p)
    pin = model.pinned(x, p)
    free = np.ones((n, B), dtype=bool) if pin is None else ~np.asarray(pin, dtype=bool).T
    X = np.repeat(x[None], n, axis=0)                      # (n, B, n)
    for j in range(n):
        X[j, :, j] += h[:, j]
    cols, rows = np.nonzero(free)                          # the (column, point) pairs to evaluate
    sub = p.take(rows) if rows.size != B or n != 1 else p
    flat = X[cols, rows]
    sign = np.ones((n, B))
    F = np.repeat(fx[None], n, axis=0)                     # pinned columns: dF/dx_j = 0
    with np.errstate(all="ignore"):
        dom = model.in_domain(flat, sub)
        back = ~dom
        any_back = back.any()
        if any_back:
            flat[back, cols[back]] -= 2.0 * h[rows[back], cols[back]]
            sign[cols[back], rows[back]] = -1.0
        F[cols, rows] = _evaluate(model, flat, sub, quad, None if any_back else dom)[0]
    J = (F - fx[None]) / (sign * h.T)[:, :, None]          # J[j, b, i] = dF_i / dx_j
    J = np.transpose(J, (1, 2, 0)) - np.eye(n)[None]       # (B, i, j)
    return J, n


def _solve_stack(J, rhs):
    """Solve J dx = rhs for stacks; least squares where J is singular."""
    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(J), axis=(-2, -1))
        out = np.full(rhs.shape, np.nan)
        if not finite.any():
            return out
        Jf, rf = J[finite], rhs[finite]
        try:
            sol = np.linalg.solve(Jf, rf[..., None])[..., 0]
        except np.linalg.LinAlgError:
            # a singular matrix somewhere: least squares for it alone (every point on its own)
            sol = np.empty_like(rf)
            for i in range(rf.shape[0]):
                try:
                    sol[i] = np.linalg.solve(Jf[i], rf[i])
                except np.linalg.LinAlgError:
                    sol[i] = np.linalg.pinv(Jf[i]) @ rf[i]
        out[finite] = sol
    return out


# ---------------------------------------------------------------------- stability
def reduced_hessian_eig(model, x, p, quad):
    """Local stability value of solutions x: > 0 is locally stable.

    With H the Hessian of f, split into the condensed variables c (f is minimised along
    them) and the eliminated ones e (q, r, ...: a saddle, the q's being maximised in the
    n -> 0 sense), stability requires

    1. the inertia of H_ee to be the physical one: no eigenvalue of the wrong sign, i.e.
       the ``model.maximised(p)`` smallest ones <= 0 and the others >= 0 (zero eigenvalues,
       flat directions, are tolerated). Otherwise the solution sits on a wrong sheet of the
       inner saddle (e.g. the AGS retrieval solution between the fold and the glass, or the
       paramagnet below T_g) and the value returned is minus the modulus of the offending
       eigenvalue;
    2. the Schur complement ``S = H_cc - H_ce H_ee^+ H_ec`` (the Hessian of f(c) with the
       other variables at their saddle) to be positive definite; the value returned is its
       smallest eigenvalue, after division by ``model.condensed_scale`` when the model has
       one (a direction whose scale vanishes counts as stable with value 1).

    By Haynsworth's inertia additivity this is "H has exactly ``maximised`` negative
    eigenvalues and they all lie in the eliminated block". H is a central finite-difference
    Jacobian of the model's gradient when it has one (step 1e-5 (1 + |x|)), else central
    second differences of f (step 1e-4 (1 + |x|)); a stencil that would cross a variable's
    lower bound is moved inside. Eigenvalues with ``|lambda| <= 1e-6 (1 + max |H|)`` count as
    zero (the resolution of the finite differences, one-sided at a boundary such as q = 0).

    Returns
    -------
    ndarray, shape (B,) (``+inf`` when the model has no condensed variables)
    """
    names = list(model.variables(p))
    cond = [names.index(v) for v in model.condensed(p)]
    B, n = x.shape
    if not cond or B == 0:
        return np.full(B, np.inf)
    H = _hessian(model, x, p, quad)
    H = 0.5 * (H + np.swapaxes(H, -1, -2))
    elim = [j for j in range(n) if j not in cond]
    out = np.full(B, np.nan)
    fin = np.all(np.isfinite(H), axis=(-2, -1))
    if not fin.any():
        return out
    Hcc = H[:, cond][:, :, cond]
    offending = np.zeros(B)
    if elim:
        Hce = H[:, cond][:, :, elim]
        Hee = H[:, elim][:, :, elim]
        zero = 1e-6 * (1.0 + np.max(np.abs(np.where(np.isfinite(H), H, 0.0)), axis=(-2, -1)))
        lam = np.zeros((B, len(elim)))
        # one eigendecomposition of H_ee serves the inertia and the pseudo-inverse
        # (that of numpy.linalg.pinv(hermitian=True): 1/lambda where |lambda| > 1e-10 max |lambda|)
        lam_f, vec = np.linalg.eigh(Hee[fin])
        lam[fin] = lam_f
        n_max = np.broadcast_to(np.asarray(model.maximised(p), dtype=np.int64), (B,))
        k = np.arange(len(elim))[None, :]
        should_be_neg = k < n_max[:, None]
        wrong = (should_be_neg & (lam > zero[:, None])) | (~should_be_neg & (lam < -zero[:, None]))
        offending = np.where(wrong.any(axis=1), -np.max(np.where(wrong, np.abs(lam), 0.0), axis=1), 0.0)
        big = np.abs(lam_f) > 1e-10 * np.max(np.abs(lam_f), axis=-1, keepdims=True)
        inv = np.divide(1.0, lam_f, out=np.zeros_like(lam_f), where=big)
        pinv = np.full(Hee.shape, np.nan)
        pinv[fin] = (vec * inv[:, None, :]) @ np.swapaxes(vec, -1, -2)
        with np.errstate(all="ignore"):
            S = Hcc - Hce @ pinv @ np.swapaxes(Hce, -1, -2)
    else:
        S = Hcc
    scale = model.condensed_scale(x, p)
    if scale is not None:
        sc = np.broadcast_to(np.asarray(scale, dtype=float).reshape(B, -1), (B, len(cond)))
        flat = ~(sc > 1e-12)
        d = np.sqrt(np.where(flat, 1.0, sc))
        S = S / d[:, :, None] / d[:, None, :]
        S = np.where(flat[:, :, None] | flat[:, None, :], 0.0, S)
        S = S + np.where(flat, 1.0, 0.0)[:, :, None] * np.eye(len(cond))[None]
    ok = fin & np.all(np.isfinite(S), axis=(-2, -1))
    if ok.any():
        out[ok] = np.linalg.eigvalsh(S[ok])[:, 0]
    out = np.where(offending < 0, offending, out)
    return np.where(fin, out, np.nan)


def _hessian(model, x, p, quad):
    B, n = x.shape
    lb = np.asarray(model.lower_bounds(p), dtype=float)
    h = 1e-5 * (1.0 + np.abs(x))
    lo_ok = (x - h) >= lb[None, :]
    step = h[None, :, :] * np.eye(n)[:, None, :]                 # step[j, b] = h[b, j] e_j
    X = np.concatenate([x[None] + step, np.where(lo_ok.T[:, :, None], x[None] - step, x[None])]).reshape(2 * n * B, n)
    with np.errstate(all="ignore"):
        G = model.gradient(X, p.take(np.tile(np.arange(B), 2 * n)), quad)
    if G is not None:
        G = G.reshape(2, n, B, n)
        width = np.where(lo_ok, 2.0 * h, h).T                   # (n, B)
        H = (G[0] - G[1]) / width[:, :, None]                   # H[j, b, i] = d g_i / d x_j
        return np.transpose(H, (1, 0, 2))
    h = 1e-4 * (1.0 + np.abs(x))
    c = np.where(x - 2 * h < lb[None, :], x + 2 * h, x)         # centre moved inside the domain
    pts, keys = [c], []
    for j in range(n):
        for k in range(j, n):
            for sj, sk in ((1, 1), (1, -1), (-1, 1), (-1, -1)) if j != k else ((1, 0), (-1, 0)):
                d = np.zeros((B, n))
                d[:, j] += sj * h[:, j]
                if j != k:
                    d[:, k] += sk * h[:, k]
                pts.append(c + d)
                keys.append((j, k, sj, sk))
    X = np.concatenate(pts)
    tiled = p.take(np.tile(np.arange(B), len(pts)))
    with np.errstate(all="ignore"):
        F = model.free_energy(X, tiled, quad).reshape(len(pts), B)
    f0 = F[0]
    H = np.zeros((B, n, n))
    vals = {key: F[i + 1] for i, key in enumerate(keys)}
    for j in range(n):
        H[:, j, j] = (vals[(j, j, 1, 0)] - 2 * f0 + vals[(j, j, -1, 0)]) / h[:, j] ** 2
        for k in range(j + 1, n):
            v = (vals[(j, k, 1, 1)] - vals[(j, k, 1, -1)] - vals[(j, k, -1, 1)] + vals[(j, k, -1, -1)])
            H[:, j, k] = H[:, k, j] = v / (4 * h[:, j] * h[:, k])
    return H


# ---------------------------------------------------------------------- branch search
def analyse(model, x, p, quad, free_energy=None):
    """Free energy, observables, stability, replicon and admissibility of solutions x
    (``free_energy``: the model's free energy at x if already computed).

    Returns
    -------
    dict with ``free_energy``, ``obs`` (dict), ``hessian``, ``stability``, ``at``,
    ``admissible`` and ``admissible_reason``.
    """
    with np.errstate(all="ignore"):
        f = model.free_energy(x, p, quad) if free_energy is None else free_energy
        obs = model.observables(x, p, quad)
        heig = reduced_hessian_eig(model, x, p, quad)
        stab = model.stability(x, p, quad, heig)
        at = model.replicon(x, p, quad)
        adm, why = model.admissible(x, p, quad, obs)
        note = model.describe(x, p, quad)
    note = np.full(x.shape[0], "", dtype=object) if note is None else np.asarray(note, dtype=object)
    return {"free_energy": f, "obs": obs, "hessian": heig, "stability": stab, "at": at,
            "admissible": np.asarray(adm, dtype=bool), "admissible_reason": why, "note": note}


def search(model, p, quad, opts=None):
    """All branches at B points and the thermodynamic state.

    Returns
    -------
    branches : dict name -> dict of per-point arrays (keys: ``x``, ``found``, ``free_energy``,
        ``obs``, ``stability``, ``at``, ``admissible``, ``iterations``, ``nfev``,
        ``residual``, ``message``), in the order first found.
    chosen : dict with ``branch`` (ndarray of object, "" where none), ``message``,
        ``converged``.
    variables : tuple of str
    """
    opts = opts or Options()
    B = p.size
    names = tuple(model.variables(p))
    n = len(names)
    # every start at every point in ONE batch (rows are independent: the same numbers as
    # start by start, at a fraction of the per-call cost)
    starts, tiled = tile_starts(model, p, quad, opts)
    G = len(starts)
    it_all = iterate(model, tiled, quad, np.concatenate([x0 for _, x0 in starts]) if G else np.empty((0, n)), opts)
    label_all = np.full(G * B, "", dtype=object)
    c = it_all.converged
    if c.any():
        label_all[c] = np.asarray(model.classify(it_all.x[c], tiled.take(c)), dtype=object)
    it_all.reasons()                                       # once, shared by the per-start views
    runs = [(start, it_all.rows(slice(g * B, (g + 1) * B)), label_all[g * B:(g + 1) * B])
            for g, (start, _) in enumerate(starts)]
    missing = {}
    for g, (start, x0) in enumerate(starts):
        nan = ~np.all(np.isfinite(x0), axis=1)
        if nan.any():
            note = model.describe_missing(tiled.take(np.arange(g * B, (g + 1) * B)) if G > 1 else tiled)
            if note is not None:
                missing[start] = np.where(nan, np.asarray(note, dtype=object), "")

    # deduplicate: the same solution reached from several starts is kept once, the copy with
    # the smallest residual. Same: same class and x within same_tol, or -- a solution the
    # iteration resolves only slowly, e.g. the paramagnet at T_g, where a marginal mode leaves
    # copies ~1e-6 apart -- x within _SAME_SLOW and the free energies equal to 1e-12
    f_all = np.full(G * B, np.nan)
    if c.any():
        with np.errstate(all="ignore"):
            f_all[c] = model.free_energy(it_all.x[c], tiled.take(c), quad)
    keep = [r[1].converged.copy() for r in runs]
    for g in range(len(runs)):
        for h in range(g):
            same = keep[g] & keep[h] & (runs[g][2] == runs[h][2])
            if same.any():
                xg, xh = runs[g][1].x, runs[h][1].x
                dist = np.max(np.abs(xg - xh) / (1.0 + np.abs(xh)), axis=-1)
                fg, fh = f_all[g * B:(g + 1) * B], f_all[h * B:(h + 1) * B]
                close = same & ((dist <= model.same_tol)
                                | ((dist <= _SAME_SLOW) & (np.abs(fg - fh) <= 1e-12 * (1.0 + np.abs(fh)))))
                g_better = runs[g][1].residual < runs[h][1].residual
                keep[h] &= ~(close & g_better)
                keep[g] &= ~(close & ~g_better)

    # analyse every kept solution (all starts in one batch), then name and scatter into records
    kept = np.concatenate(keep) if G else np.zeros(0, dtype=bool)
    analysed = [None] * G
    if kept.any():
        a_all = analyse(model, it_all.x[kept], tiled.take(kept), quad, free_energy=f_all[kept])
        bounds = np.concatenate([[0], np.cumsum([k.sum() for k in keep])])
        for g in range(G):
            if bounds[g + 1] > bounds[g]:
                analysed[g] = _slice_analysis(a_all, slice(bounds[g], bounds[g + 1]))

    final = _rank_names(runs, keep, analysed, B)
    branch_names = []
    for name in final:
        for nm in name[name != ""]:
            if nm not in branch_names:
                branch_names.append(nm)
    branch_names.sort(key=_name_order)

    branches = {}
    for bn in branch_names:
        rec = _empty_branch(B, n)
        for g, (start, it, label) in enumerate(runs):
            mask = final[g] == bn
            if not mask.any():
                continue
            k = np.flatnonzero(keep[g])
            sel = mask[k]                                  # rows of the analysed arrays
            pts = k[sel]
            a = analysed[g]
            rec["found"][pts] = True
            rec["x"][pts] = it.x[pts]
            rec["iterations"][pts] = it.iterations[pts]
            rec["nfev"][pts] = it.nfev[pts]
            rec["residual"][pts] = it.residual[pts]
            rec["start"][pts] = start
            rec["reason"][pts] = it.reasons()[pts]
            rec["note"][pts] = a["note"][sel]
            for key in ("free_energy", "stability", "at"):
                rec[key][pts] = a[key][sel]
            rec["admissible"][pts] = a["admissible"][sel]
            if a["admissible_reason"]:
                rec["admissible_reason"] = a["admissible_reason"]
            for key, val in a["obs"].items():
                val = np.asarray(val, dtype=float)
                if key not in rec["obs"]:
                    rec["obs"][key] = np.full((B,) + val.shape[1:], np.nan)
                rec["obs"][key][pts] = val[sel]
        rec["message"] = _branch_messages(bn, rec, runs, missing)
        branches[bn] = rec

    chosen = _choose(branches, runs, B, level=getattr(model, "level", "rs"))
    return branches, chosen, names


def tile_starts(model, p, quad, opts):
    """The model's starts at the B points of ``p``, stacked: ``([(name, x0 (B, n)), ...], batch)``
    where ``batch`` holds ``G * B`` rows (start-major) with each start's extra row parameters."""
    B = p.size
    n = len(model.variables(p))
    starts, extras = [], []
    for item in model.starts(p, quad, opts):
        name, x0 = item[0], np.broadcast_to(np.asarray(item[1], dtype=float), (B, n))
        starts.append((name, x0))
        extras.append(dict(item[2]) if len(item) > 2 else {})
    G = len(starts)
    keys = set(extras[0]) if extras else set()
    if any(set(e) != keys for e in extras):
        raise ValueError(f"model {type(model).__name__}: every start must give the same row parameters, got "
                         f"{[sorted(e) for e in extras]}")
    if not keys:
        return starts, (p.take(np.tile(np.arange(B), G)) if G > 1 else p)
    tiled = {k: np.tile(v, G) for k, v in p.items()}
    for k in keys:
        tiled[k] = np.concatenate([np.broadcast_to(np.asarray(e[k], dtype=float), (B,)) for e in extras])
    return starts, Batch(tiled, G * B)


def named_start(model, p, quad, opts, name):
    """The start called ``name`` at the points of ``p``: ``(x0 (B, n), batch with its row
    parameters)``, or ``(None, None)`` if the model has no such start."""
    starts, tiled = tile_starts(model, p, quad, opts)
    names = [s for s, _ in starts]
    if name not in names:
        return None, None
    g = names.index(name)
    return starts[g][1], (tiled.take(np.arange(g * p.size, (g + 1) * p.size)) if len(starts) > 1 else tiled)


def _slice_analysis(a, rows):
    out = {k: (v if k == "admissible_reason" else v[rows]) for k, v in a.items() if k != "obs"}
    out["obs"] = {k: np.asarray(v)[rows] for k, v in a["obs"].items()}
    return out


def _tiers(found, free_energy, stability, admissible):
    """Rank of a solution as a candidate for the thermodynamic state (0 best, 3: not a candidate):
    0 locally stable and admissible, 1 admissible, 2 any with a finite free energy."""
    fin = found & np.isfinite(free_energy)
    return np.where(fin & (stability > 0) & admissible, 0, np.where(fin & admissible, 1, np.where(fin, 2, 3)))


def _rank_names(runs, keep, analysed, B):
    """Names of the kept solutions, per start: the class label for the best solution of its class
    at a point, ``label#2``, ``label#3``, ... for the further distinct ones, ordered as the
    thermodynamic state is chosen (tier of :func:`_tiers`, then free energy, then start order).

    The names do not depend on which start found which solution, and the thermodynamic state
    is always the best solution of its class: its plain class name.
    """
    G = len(runs)
    final = np.full((G, B), "", dtype=object)
    if G == 0:
        return []
    label = np.stack([r[2] for r in runs])
    kept = np.stack(keep)
    f = np.full((G, B), np.inf)
    tier = np.full((G, B), 3)
    for g in range(G):
        a = analysed[g]
        if a is None:
            continue
        k = np.flatnonzero(keep[g])
        f[g, k] = np.where(np.isfinite(a["free_energy"]), a["free_energy"], np.inf)
        tier[g, k] = _tiers(np.ones(k.size, dtype=bool), a["free_energy"], a["stability"], a["admissible"])
    start = np.broadcast_to(np.arange(G)[:, None], (G, B))
    points = np.arange(B)[None, :]
    for lab in sorted(set(label[kept].tolist())):
        mask = kept & (label == lab)
        order = np.lexsort((start, f, tier, ~mask), axis=0)          # last key sorts first
        rank = np.empty((G, B), dtype=np.int64)
        rank[order, points] = start                                  # rank of each start at each point
        for k in sorted(set(rank[mask].tolist())):
            sel = mask & (rank == k)
            final[sel] = lab if k == 0 else f"{lab}#{k + 1}"
    return list(final)


def _name_order(name):
    """Order of the branch records: first every class's best solution (in order found), then the #2's, ..."""
    _, _, k = name.partition("#")
    return int(k) if k else 1


def _empty_branch(B, n):
    return {"found": np.zeros(B, dtype=bool), "x": np.full((B, n), np.nan),
            "reason": np.full(B, "", dtype=object), "note": np.full(B, "", dtype=object),
            "iterations": np.zeros(B, dtype=np.int64), "nfev": np.zeros(B, dtype=np.int64),
            "residual": np.full(B, np.nan), "free_energy": np.full(B, np.nan),
            "stability": np.full(B, np.nan), "at": np.full(B, np.nan),
            "admissible": np.zeros(B, dtype=bool), "admissible_reason": "",
            "start": np.full(B, "", dtype=object), "obs": {}}


def _branch_messages(name, rec, runs, missing=None):
    B = rec["found"].size
    msg = np.empty(B, dtype=object)
    found = rec["found"]
    msg[found] = rec["reason"][found]
    noted = found & (rec["note"] != "")
    msg[noted] = msg[noted] + "; " + rec["note"][noted]
    if (~found).any():
        # why not found: what the start of the same name (if any) did instead
        starts = [r for r in runs if r[0] == name.split("#")[0]]
        if starts:
            start, it, label = starts[0]
            other = np.where(it.converged, "converged to " + label.astype(str), it.reasons().astype(str))
            msg[~found] = "not found: from the " + name + " start the solver " + other[~found].astype(object)
            dup = ~found & it.converged & (label == name)
            msg[dup] = "not found (duplicate of another start's solution)"
            note = (missing or {}).get(start)
            if note is not None:
                why = ~found & (note != "")
                msg[why] = "not found: " + note[why]
        else:
            msg[~found] = "not found"
    return msg


def _choose(branches, runs, B, level="rs"):
    names = list(branches)
    if not names:
        msg = np.full(B, "no solution converged (", dtype=object)
        for i, (start, it, label) in enumerate(runs):
            msg = msg + ("; " if i else "") + f"from the {start} start: " + it.reasons()
        return {"branch": np.full(B, "", dtype=object), "converged": np.zeros(B, dtype=bool),
                "message": msg + ")", "index": np.full(B, -1)}
    F = np.stack([branches[nm]["free_energy"] for nm in names])          # (nb, B)
    found = np.stack([branches[nm]["found"] for nm in names])
    stable = np.stack([branches[nm]["stability"] > 0 for nm in names]) & found
    adm = np.stack([branches[nm]["admissible"] for nm in names]) & found
    fin = np.isfinite(F)
    tiers = [stable & adm & fin, found & adm & fin, found & fin]
    idx = np.full(B, -1)
    tier = np.full(B, -1)
    for t, cand in enumerate(tiers):
        todo = (idx < 0) & cand.any(axis=0)
        if todo.any():
            Fm = np.where(cand, F, np.inf)
            idx[todo] = np.argmin(Fm[:, todo], axis=0)
            tier[todo] = t
    branch = np.full(B, "", dtype=object)
    has = idx >= 0
    branch[has] = np.asarray(names, dtype=object)[idx[has]]
    n_found = found.sum(axis=0)
    msg = np.empty(B, dtype=object)
    msg[tier == 0] = "lowest free energy among the locally stable solutions"
    msg[tier == 1] = "no locally stable solution: lowest free energy among the unstable ones"
    msg[tier == 2] = "no admissible solution: lowest free energy among all found"
    msg[~has] = "no solution found"
    msg[has] = branch[has] + ": " + msg[has] + " (" + n_found[has].astype(str).astype(object) + " found)"
    at = np.full(B, np.nan)
    for i, nm in enumerate(names):
        sel = idx == i
        at[sel] = branches[nm]["at"][sel]
    rsb = has & (at <= 0)
    what = "RS is unstable here (AT: replicon " if level == "rs" else f"the {level.upper()} state is unstable here ({level.upper()} replicon "
    msg[rsb] = msg[rsb] + f"; {what}" + _fmt(at[rsb]) + " <= 0)"
    adm_reason = {nm: branches[nm]["admissible_reason"] for nm in names}
    excl = has & (tier == 0) & (~adm & found).any(axis=0)
    if excl.any():
        for i, nm in enumerate(names):
            sel = excl & ~adm[i] & found[i]
            if sel.any() and adm_reason[nm]:
                msg[sel] = msg[sel] + f"; {nm} excluded: {adm_reason[nm]}"
    return {"branch": branch, "converged": has, "message": msg, "index": idx}


def _fmt(v):
    return np.array([f"{x:.3g}" for x in v], dtype=object)
