"""Multitasking network (K diluted archetypes, low storage), with or without learning from examples.

Convention (``hebbian/network.py``, ``docs/physics/conventions.md``; derived in
``docs/physics/multitasking.md``): archetypes with ``P(xi = 0) = d``, ``P(xi = +-1) = (1-d)/2``,
``H = -(1/(2N)) sum_mu sum_{i != j} xi_i xi_j s_i s_j`` (K finite: RS is exact, no replicas).

Without examples the free energy of the Mattis overlaps ``m`` (K-vector) is

    f(m) = |m|^2/2 - (1/beta) < ln 2cosh(beta xi.m) >,    m = < xi tanh(beta xi.m) >,

the average an exact sum over the 3^K site configurations; local stability is the positive
definiteness of ``1 - beta < xi xi^T sech^2(beta xi.m) >``. At T = 0 (beta = inf, analytic:
sign and |.|) a configuration with ``xi.m = 0`` and ``xi != 0`` makes that Hessian -infinity
along xi: such states (with exact cancellations) are saddles.

Learning from M examples of quality r (supervised and unsupervised give the same equations at
low storage; ``rule`` is accepted and ignored): with ``w_nu = xi_nu S_nu / r`` and the
overlaps with the example means ``n`` as variables,

    f(n) = (1+rho)|n|^2/2 - (1/beta) < ln 2cosh(beta w.n) >,   (1+rho) n = < w tanh(beta w.n) >,
    m = < xi tanh(beta w.n) >,   Hessian (1+rho) - beta < w w^T sech^2 >.

Exact finite M (``r`` and ``M`` given): per archetype w takes M+2 values (blank, +-|S|/r) with
``E[xi | w]`` known, and the average is an exact sum over the (M+2)^K joint values. Large M
(``rho`` alone): ``S/r = 1 + sqrt(rho) Z`` and for each of the 3^K xi-configurations ``w.n``
is exactly Gaussian (mean xi.n, variance rho sum xi^2 n^2): the K-dimensional Gaussian
average reduces to 3^K one-dimensional breakpoint-aware averages, and
``(1+rho) n = m + rho n <xi^2 beta sech^2>`` (Stein).

Solutions and names. The free energy is invariant under permutations and sign flips of the
overlaps: the order of a hierarchy is arbitrary. All starting points lie in the cone
``m_1 >= m_2 >= ... >= 0``, which the fixed-point map preserves, and the record reports
``m`` (and ``n``) as amplitudes ``|m|`` sorted in decreasing order. Names (``j`` = number
of non-zero amplitudes, suffix ``-j`` omitted when ``j = K``):

* ``"paramagnet"`` -- all zero (the only solution above ``T_c = 1 - d``, for every rho);
* ``"pure"`` -- one non-zero amplitude;
* ``"parallel"`` / ``"parallel-j"`` -- j >= 2 equal amplitudes (symmetric states);
* ``"hierarchical"`` / ``"hierarchical-j"`` -- strictly decreasing amplitudes, each larger
  than the sum of the smaller ones (``m_k > sum_{l>k} m_l``): every site follows the first
  non-blank archetype of the hierarchy at T = 0, ``m_k = (1-d) d^(k-1)``;
* ``"mixture"`` / ``"mixture-j"`` -- anything else (e.g. two equal and one smaller, or the
  T = 0 "majority" state of K = 3, which beats the hierarchical one for d > 0.546918).

The thermodynamic state is the lowest free energy among the locally stable solutions.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from scipy.stats import binom

from ..base import Model, prepare_params, register
from ._learning_common import prepare_learning

__all__ = ["MultitaskingRS", "classify_amplitudes"]

_ZERO = 1e-5          # amplitudes below this are zero (near T_c smaller ones are not resolved)
_EQUAL = 1e-5         # amplitudes closer than this (relative to the largest) are equal: near
                      # T_c the symmetric state has a soft mode and converges only to ~1e-10/lambda
_MAX_TABLE = 400_000  # largest joint table (M+2)^K of the exact finite-M average


class MultitaskingRS(Model):
    """Low-storage multitasking network; variables m1..mK (plain) or n1..nK (learning)."""

    family = "multitasking"
    level = "rs"
    same_tol = 1e-6

    # ------------------------------------------------------------------ parameters
    def prepare(self, params):
        params = dict(params)
        rule = params.pop("rule", None)          # supervised == unsupervised at low storage
        if rule is not None and rule not in ("supervised", "unsupervised"):
            raise ValueError(f"rule must be one of 'supervised', 'unsupervised', got {rule!r}")
        learning = any(params.get(k) is not None for k in ("r", "M", "rho"))
        if learning:
            shape, full = prepare_learning(self.family, params)
        else:
            shape, full = prepare_params(self.family, params)
        K = full["K"]
        if np.unique(K).size > 1:
            raise ValueError(f"K must be one value per call (the overlap vector has K entries), got "
                             f"{np.unique(K).astype(int).tolist()}: solve each K separately")
        if np.any(K > 10):
            raise ValueError(f"K must be <= 10 for the exact sum over 3^K configurations, got {K.max():g}")
        if "M" in full:
            L = (full["M"] + 2.0) ** K
            if np.any(L > _MAX_TABLE):
                i = int(np.argmax(L.ravel()))
                raise ValueError(f"the exact finite-M average needs (M+2)^K = {L.ravel()[i]:.3g} terms "
                                 f"(K = {K.ravel()[i]:g}, M = {full['M'].ravel()[i]:g}), more than "
                                 f"{_MAX_TABLE}: give rho alone for the large-M theory")
        return shape, full

    def structure(self, p):
        K = p["K"].astype(int)
        M = p["M"].astype(int) if "M" in p else np.full(p.size, -1 if "rho" in p else 0)
        return np.array([f"K={k},M={m}" for k, m in zip(K, M)], dtype=object)

    @staticmethod
    def _K(p):
        return int(p["K"][0])

    @staticmethod
    def _mode(p):
        if "M" in p:
            return "exact"
        return "gaussian" if "rho" in p else "plain"

    def variables(self, p):
        prefix = "m" if self._mode(p) == "plain" else "n"
        return tuple(f"{prefix}{k + 1}" for k in range(self._K(p)))

    def condensed(self, p):
        return self.variables(p)

    def guesses(self, p):
        """Starts in the cone m_1 >= ... >= 0, at two amplitude scales: 1 - d, and near T_c the
        Landau amplitude of the pure state, m^2 = 3 (beta (1-d) - 1) / (beta^3 (1-d)) (close to
        the small solutions there; the fixed-point flow is critically slow near T_c and Newton
        from a far start may land on a saddle)."""
        K = self._K(p)
        B = p.size
        one_d = 1.0 - p["d"]
        with np.errstate(divide="ignore", invalid="ignore"):
            bt = np.where(p.zero_temperature, 1.0, p["beta"])
            landau = np.sqrt(np.maximum(3.0 * (bt * one_d - 1.0), 1e-6) / (bt ** 3 * one_d))
        near_tc = (~np.isinf(p["beta"])) & (landau < one_d)
        d = p["d"][:, None]

        def vec(v, scale):
            return np.broadcast_to(np.asarray(v, dtype=float), (B, K)) * scale[:, None]

        out = [("paramagnet", np.zeros((B, K)))]
        scales = [("", one_d)]
        if near_tc.any():
            scales.append((" (Landau)", np.where(near_tc, landau, one_d)))
        for tag, sc in scales:
            out.append(("pure" + tag, vec([1.0] + [0.0] * (K - 1), sc)))
            for j in range(2, K + 1):
                tail = [0.0] * (K - j)
                suffix = "" if j == K else f"-{j}"
                out.append((f"hierarchical{suffix}{tag}", np.concatenate(
                    [sc[:, None] * d ** np.arange(j)[None, :], np.zeros((B, K - j))], axis=1)))
                out.append((f"parallel{suffix}{tag}", vec([0.6] * j + tail, sc)))
            for t in (0.2, 0.5):                  # asymmetric states between pure and parallel
                if K >= 2:
                    out.append((f"asymmetric-{t}{tag}", vec(t ** np.arange(K), sc)))
        for j in range(3, K + 1):
            tail = [0.0] * (K - j)
            suffix = "" if j == K else f"-{j}"
            out.append((f"mixture{suffix}", vec([0.6, 0.6] + [0.3] * (j - 2) + tail, one_d)))
            out.append((f"majority{suffix}", vec(list(np.linspace(1.0, 0.25, j)) + tail, one_d)))
        rng = np.random.default_rng(1000 + K)              # deterministic extra starts
        for i in range(2 if K >= 2 else 0):
            v = np.sort(rng.uniform(0.05, 1.0, K))[::-1]
            out.append((f"random-{i + 1}", vec(v, one_d)))
        return out

    def in_domain(self, x, p):
        # the canonical cone m_1 >= m_2 >= ... >= 0 (up to rounding): every solution has a
        # representative there (symmetry), the map preserves it, and keeping the solver in it
        # makes copies of one state related by permutations or sign flips impossible
        bound = 1.0 + 10.0 * np.sqrt(p["rho"]) if "rho" in p else np.ones(p.size)
        # (faces softened by 1e-6 (1 + max|x|), ten times the solver's finite-difference steps,
        # so that Jacobians at states on the faces -- pure, parallel -- and Newton steps near
        # states with a soft antisymmetric mode stay inside)
        with np.errstate(invalid="ignore"):
            tol = 1e-6 * (1.0 + np.max(np.abs(x), axis=-1, keepdims=True))
        ok = np.isfinite(x).all(axis=-1) & (np.abs(x) <= bound[:, None]).all(axis=-1)
        ok &= (x >= -tol).all(axis=-1)
        if x.shape[1] > 1:
            ok &= (x[:, 1:] - x[:, :-1] <= tol).all(axis=-1)
        return ok

    def lower_bounds(self, p):
        return np.zeros(len(self.variables(p)))

    # ------------------------------------------------------------------ tables
    def _configs(self, p):
        """xi configurations (C, K) and their probabilities (B, C)."""
        K = self._K(p)
        X, zero = _configurations(K)
        d = np.ascontiguousarray(p["d"])
        key = (K, d.tobytes())
        P = _PROBABILITIES.get(key)
        if P is None:
            # the solver asks for the same table at every evaluation of a point's equations
            d = d[:, None]
            P = d ** zero[None, :] * (0.5 * (1.0 - d)) ** (K - zero)[None, :]
            P.flags.writeable = False
            if P.size <= 100_000:
                if len(_PROBABILITIES) >= 16:
                    _PROBABILITIES.clear()
                _PROBABILITIES[key] = P
        return X, P

    def _w_table(self, p):
        """Exact finite M: per-archetype values of w, E[xi|w] and probabilities, (B, L1) each,
        and the joint index table (L, K)."""
        K, M = self._K(p), int(p["M"][0])
        r, d = p["r"][:, None], p["d"][:, None]
        k = np.arange(M + 1)
        s = (2.0 * k - M) / M
        pS = binom.pmf(k[None, :], M, 0.5 * (1.0 + r))             # (B, M+1)
        pos = np.flatnonzero(s > 0)                                # |S| values > 0
        neg = M - pos                                              # index of -|S|
        pp, pm = pS[:, pos], pS[:, neg]
        p0 = pS[:, s == 0].sum(axis=1, keepdims=True)              # S = 0 (M even)
        vals = np.concatenate([np.zeros_like(r), s[pos][None, :] / r, -s[pos][None, :] / r], axis=1)
        prob = np.concatenate([d + (1.0 - d) * p0, 0.5 * (1.0 - d) * (pp + pm), 0.5 * (1.0 - d) * (pp + pm)], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            tilt = np.where(pp + pm > 0, (pp - pm) / (pp + pm), 0.0)      # E[xi | w = +-|S|/r]
        exi = np.concatenate([np.zeros_like(r), tilt, -tilt], axis=1)
        L1 = vals.shape[1]
        idx = np.array(list(itertools.product(range(L1), repeat=K)), dtype=np.int64)   # (L, K)
        return vals, exi, prob, idx

    # ------------------------------------------------------------------ core averages
    def _averages(self, x, p, quad, kinds):
        """Returns dict with the requested sums over configurations.

        keys: 'm' (B, K), 'n' (B, K) (learning: (1+rho) n_new before division), 'lc' (B,),
        'ent' (B,), 'hess' (B, K, K) = < w w^T beta sech^2 > (plain and exact only).
        """
        mode = self._mode(p)
        beta = p["beta"]
        B, K = x.shape
        out = {}
        if mode in ("plain", "gaussian"):
            X, P = self._configs(p)
            a = _cancel(_mul(x, X.T), _mul(np.abs(x), np.abs(X).T), beta)     # (B, C)
            if mode == "plain":
                b = np.zeros_like(a)
            else:
                b = np.sqrt(p["rho"][:, None] * _mul(x * x, (X * X).T))
            names = tuple(k for k in ("tanh", "beta*sech2", "logcosh/beta", "entropy") if k in kinds)
            vals = dict(zip(names, quad.average(names, beta[:, None], a, b)))
            if "tanh" in vals:
                out["m"] = _mul(vals["tanh"] * P, X)
                if mode == "gaussian":
                    # at T = 0 a configuration whose field vanishes identically (a = b = 0) has
                    # beta sech^2 = inf but enters multiplied by n_mu = 0: it contributes 0
                    bs2 = np.where((a == 0.0) & (b == 0.0), 0.0, vals.get("beta*sech2"))
                    out["n"] = out["m"] + p["rho"][:, None] * x * _mul(bs2 * P, X * X)
                else:
                    out["n"] = out["m"]
            if "logcosh/beta" in vals:
                out["lc"] = np.sum(vals["logcosh/beta"] * P, axis=1)
            if "entropy" in vals:
                out["ent"] = np.sum(vals["entropy"] * P, axis=1)
            if "hess" in kinds and mode == "plain":
                bs2 = vals["beta*sech2"]
                live = (P > 0) & np.any(X != 0, axis=1)[None, :]      # the blank configuration drops out
                with np.errstate(invalid="ignore"):
                    out["hess"] = np.einsum("bc,ci,cj->bij", np.where(live, bs2 * P, 0.0), X, X)
            return out
        # exact finite M: sums over the joint table, in chunks of points
        vals_w, exi, prob, idx = self._w_table(p)
        L = idx.shape[0]
        chunk = max(1, 2_000_000 // max(L, 1))
        acc = {"m": np.zeros((B, K)), "n": np.zeros((B, K)), "lc": np.zeros(B), "ent": np.zeros(B),
               "hess": np.zeros((B, K, K))}
        names = tuple(k for k in ("tanh", "beta*sech2", "logcosh/beta", "entropy") if k in kinds)
        for s0 in range(0, B, chunk):
            sl = slice(s0, min(B, s0 + chunk))
            W = vals_w[sl][:, idx]                                  # (b, L, K)
            Pj = np.prod(prob[sl][:, idx], axis=2)                  # (b, L)
            G = _cancel(np.einsum("blk,bk->bl", W, x[sl]), np.einsum("blk,bk->bl", np.abs(W), np.abs(x[sl])),
                        beta[sl])
            v = dict(zip(names, quad.average(names, beta[sl, None], G, 0.0)))
            if "tanh" in v:
                tw = v["tanh"] * Pj
                acc["m"][sl] = np.einsum("bl,blk->bk", tw, exi[sl][:, idx])
                acc["n"][sl] = np.einsum("bl,blk->bk", tw, W)
            if "logcosh/beta" in v:
                acc["lc"][sl] = np.sum(v["logcosh/beta"] * Pj, axis=1)
            if "entropy" in v:
                acc["ent"][sl] = np.sum(v["entropy"] * Pj, axis=1)
            if "hess" in kinds:
                with np.errstate(invalid="ignore"):
                    live = (Pj > 0) & np.any(W != 0, axis=2)
                    hw = np.where(live, v["beta*sech2"] * Pj, 0.0)
                    acc["hess"][sl] = np.einsum("bl,bli,blj->bij", hw, W, W)
        return {k: acc[k] for k in ("m", "n", "lc", "ent", "hess")
                if (k in ("m", "n") and "tanh" in names) or (k == "lc" and "logcosh/beta" in names)
                or (k == "ent" and "entropy" in names) or (k == "hess" and "hess" in kinds)}

    def _rho(self, p):
        return p["rho"] if "rho" in p else np.zeros(p.size)

    # ------------------------------------------------------------------ the model
    def update(self, x, p, quad):
        kinds = ("tanh", "beta*sech2") if self._mode(p) == "gaussian" else ("tanh",)
        av = self._averages(x, p, quad, kinds)
        return av["n"] / (1.0 + self._rho(p))[:, None]

    def free_energy(self, x, p, quad):
        av = self._averages(x, p, quad, ("logcosh/beta",))
        return 0.5 * (1.0 + self._rho(p)) * np.sum(x * x, axis=1) - av["lc"]

    def gradient(self, x, p, quad):
        rho = self._rho(p)[:, None]
        return (1.0 + rho) * x - self._averages(
            x, p, quad, ("tanh", "beta*sech2") if self._mode(p) == "gaussian" else ("tanh",))["n"]

    def observables(self, x, p, quad):
        kinds = ("tanh", "beta*sech2", "entropy")
        av = self._averages(x, p, quad, kinds)
        rho = self._rho(p)
        order = np.argsort(-np.abs(x), axis=1, kind="stable")
        m = np.take_along_axis(np.abs(av["m"]), order, axis=1)
        out = {"m": m, "energy": -0.5 * (1.0 + rho) * np.sum(x * x, axis=1), "entropy": av["ent"],
               "active": np.sum(np.abs(x) > _ZERO, axis=1).astype(float)}
        if self._mode(p) != "plain":
            out["n"] = np.take_along_axis(np.abs(x), order, axis=1)
        return out

    def stability(self, x, p, quad, hessian_eig):
        """Plain and exact-M: the analytic Hessian (exact at T = 0, -inf with a cancellation);
        large-M learning: the solver's finite-difference Hessian."""
        if self._mode(p) == "gaussian":
            return hessian_eig
        av = self._averages(x, p, quad, ("tanh", "beta*sech2", "hess"))
        K = x.shape[1]
        H = (1.0 + self._rho(p))[:, None, None] * np.eye(K)[None] - av["hess"]
        out = np.full(x.shape[0], -np.inf)
        ok = np.all(np.isfinite(H), axis=(1, 2))
        if ok.any():
            out[ok] = np.linalg.eigvalsh(H[ok])[:, 0]
        return out

    def classify(self, x, p):
        """Names from the amplitudes; nearly equal amplitudes (within 1e-3 relative) count as
        equal when the state with those groups averaged is itself a solution (residual <= 1e-9):
        near T_c the symmetric state has a soft mode along which the solver stops at a distance
        ~ tol / lambda from it."""
        from ..quadrature import DEFAULT

        a = np.abs(np.asarray(x, dtype=float))
        sym = a.copy()
        for i in range(a.shape[0]):
            order = np.argsort(-a[i], kind="stable")
            v = a[i][order]
            groups, start = [], 0
            for k in range(1, v.size + 1):
                if k == v.size or not (v[k] > _ZERO and v[start] - v[k] <= 1e-3 * v[start]):
                    groups.append((start, k))
                    start = k
            w = v.copy()
            for g0, g1 in groups:
                w[g0:g1] = v[g0:g1].mean()
            sym[i][order] = w
        close = np.max(np.abs(sym - a), axis=1) > 0.0
        if close.any():
            rows = np.flatnonzero(close)
            xs = np.sign(x[rows]) * sym[rows]
            with np.errstate(all="ignore"):
                fx = self.update(xs, p.take(rows), DEFAULT)
                res = np.max(np.abs(fx - xs) / (1.0 + np.abs(xs)), axis=1)
            a[rows[res <= 1e-9]] = sym[rows[res <= 1e-9]]
        return classify_amplitudes(a)


#: small probability tables of the configurations (the usual point or block), per (K, d)
_PROBABILITIES = {}


@functools.lru_cache(maxsize=None)
def _configurations(K):
    """The 3^K configurations xi in {-1, 0, 1}^K, shape (3^K, K), and their numbers of zeros
    (read-only; built once per K)."""
    X = np.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=K)))
    zero = (X == 0.0).sum(axis=1)
    X.flags.writeable = zero.flags.writeable = False
    return X, zero


def _mul(a, b):
    """``a @ b`` (2-D), each row of the result summed in an order that does not depend on the
    number of rows (BLAS does not promise that: a point of a grid would differ in the last bits
    from the same point solved alone)."""
    return np.einsum("ij,jk->ik", a, b)


def _cancel(field, size, beta):
    """Fields (B, C) with those of the T = 0 rows (``beta`` = inf) that vanish up to rounding
    (``|field| <= 1e-12 size``, ``size`` the same sum of absolute values) set to exactly 0.

    At T = 0 only the sign of the field enters, and a cancellation (``xi.m = 0``, e.g. equal
    amplitudes) must stay 0: the amplitudes of a symmetric state come out of sums taken in
    different orders, so they may differ in the last bit, and which way the difference goes
    depends on the BLAS kernel of the CPU.
    """
    t0 = np.isinf(beta)
    if not t0.any():
        return field
    return np.where(t0[:, None] & (np.abs(field) <= 1e-12 * size), 0.0, field)


def classify_amplitudes(a):
    """Names of states from their amplitudes (B, K) (see the module docstring)."""
    a = -np.sort(-np.abs(np.asarray(a, dtype=float)), axis=1)
    B, K = a.shape
    out = np.empty(B, dtype=object)
    for i in range(B):
        act = a[i][a[i] > _ZERO]
        j = act.size
        suffix = "" if j == K else f"-{j}"
        if j == 0:
            out[i] = "paramagnet"
        elif j == 1:
            out[i] = "pure"
        elif np.all(np.abs(act - act[0]) <= _EQUAL * act[0]):
            out[i] = "parallel" + suffix
        elif np.all(np.diff(act) < -_EQUAL * act[0]) and all(act[k] > act[k + 1:].sum() for k in range(j - 1)):
            out[i] = "hierarchical" + suffix
        else:
            out[i] = "mixture" + suffix
    return out


register(MultitaskingRS())
