"""Networks that learn archetypes from examples (supervised / unsupervised), replica symmetric.

Conventions (``hebbian/network.py``, ``docs/physics/conventions.md``; derived in
``docs/physics/learning.md``): examples ``eta = chi xi``, quality r, M per archetype,
``rho = (1 - r^2)/(M r^2)``; Hamiltonians over DISTINCT index tuples normalised by
``Nrm = r^P (1 + rho)^(P-1)``; load ``alpha = K / N^(P-1)`` (``alpha = 0``: K finite);
``beta' = beta P / 2``; overlap with the example means ``n = (1/(r (1+rho) N)) sum etabar s``
(unsupervised: averaged over the examples). The condensed field is ``n^(P-1) S/r`` for both
rules, with S the mean of the example signs at a site: exact binomial average over S when M
is finite (``r`` and ``M`` given), Gaussian ``S/r = 1 + sqrt(rho) Z`` when only rho is given.

P >= 3 (Gardner picture; the other archetypes are a Gaussian process of covariance
``N (P Delta/4) q^P``)::

    G = n^(P-1) S/r + sqrt(Delta q^(P-1)) Y,   g = beta' G
    f = -(P/2) E ln 2cosh(g)/beta' + (P-1)(1+rho) n^P/2 - beta (P Delta/8)[1 - q^P - P(1-q) q^(P-1)]
    m = E tanh g,  q = E tanh^2 g,  n = E[(S/r) tanh g]/(1 + rho)
    Delta_sup = alpha (P-1)! (1+rho)^(2-P),  Delta_uns = alpha (P-1)! [1 + (r^(-2P)-1)/M] (1+rho)^(2-2P)

With Gaussian S, G is one Gaussian of mean n^(P-1) and variance ``rho n^(2P-2) + Delta q^(P-1)``
and ``n = [m + rho n^(P-1) beta'(1-q)]/(1+rho)``: every average is one 1-D average.
Variables ``(n, C)``, ``C = beta (1 - q)``; at T = 0 ``(n,)`` (f no longer depends on C):
``f = (P-1)(1+rho) n^P/2 - (P/2) E|G|``. Energy ``u = -(1+rho) n^P/2 - (P Delta/4) C sum_{j<P} q^j``,
entropy ``s = E[ln 2cosh g - g tanh g] - (P Delta/8) C^2 sum_{j<=P-2} (j+1) q^j``.
AT: ``lambda = beta'^2 (P-1) Delta q^(P-2) E sech^4 g``.

P = 2 (AGS with a noisy condensed pattern; unsupervised: per uncondensed class one eigenmode
of strength 1 and M - 1 of strength ``c = (1-r^2)/(M r^2 + 1 - r^2)``; supervised: one mode)::

    h = n S/r + sqrt(alpha r_n) Y,  A_k = 1 - c_k C,  q = 1 - C/beta
    f = (alpha/2) sum_k w_k c_k + (1+rho) n^2/2 + (alpha/2) sum_k w_k [ln(A_k)/beta - c_k q/A_k]
        + (alpha/2) r_n C - E ln 2cosh(beta h)/beta
    m = E tanh,  C = beta E sech^2,  r_n = sum_k w_k c_k^2 q/A_k^2,  n = E[(S/r) tanh]/(1+rho)
    AT: lambda = alpha beta^2 E sech^4 sum_k w_k c_k^2 / A_k^2

Variables ``(n, C, r)`` (``r`` is the AGS noise ``r_n``; the example quality is the parameter
``r``). rho = 0 is AGS (supervised) and the dense network (P >= 3).

Branches: "retrieval" (n > 0), "spin glass" (n = 0, q > 0), "paramagnet". The RS paramagnet
at high storage with negative entropy is not admissible as the thermodynamic state (as for
the dense network). Unsupervised at high storage needs r and M (its noise depends on
``r^(-2P)/M``, which diverges as M -> infinity at fixed rho).

``critical_capacity("supervised", P=..., rho=...)`` is the learning threshold alpha_c(rho):
analytic at T = 0 (the retrieval branch parametrised by x = n^(P-1)/s, see
:func:`zero_temperature_branch`), the generic fold at T > 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import erf

from ..base import Model, register
from ..continuation import fold as _generic_fold
from ._learning_common import binomial_table, delta_noise, p2_modes, prepare_learning
from .dense_rs import _geometric, _pow, _ramp  # the same P-spin polynomials as the dense network

__all__ = ["SupervisedRS", "UnsupervisedRS", "zero_temperature_branch"]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class _LearningRS(Model):
    """Shared implementation; :attr:`family` selects the noise (supervised / unsupervised)."""

    level = "rs"

    # ------------------------------------------------------------------ parameters
    def prepare(self, params):
        shape, full = prepare_learning(self.family, params)
        P = full["P"]
        if self.family == "unsupervised" and np.any(full["alpha"] > 0) and "M" not in full:
            raise ValueError("the unsupervised model at high storage (alpha > 0) needs r and M: its noise "
                             "depends on r^(-2P)/M, which diverges as M -> infinity at fixed rho "
                             "(give two of r, M, rho with an integer M)")
        if "M" in full and np.any(full["M"] > 10_000_000):
            raise ValueError(f"M must be <= 1e7 for the exact binomial average, got {full['M'].max():g} "
                             "(give rho alone for the large-M theory)")
        if np.any(P < 2):
            raise ValueError(f"P must be >= 2, got {P.min():g}")
        full.pop("K", None)
        return shape, full

    def structure(self, p):
        P2 = (p["P"] == 2).astype(int)
        M = p["M"].astype(int) if "M" in p else np.zeros(p.size, dtype=int)
        return np.array([f"P2={a},M={b}" for a, b in zip(P2, M)], dtype=object)

    @staticmethod
    def _pairwise(p):
        return bool((p["P"] == 2).all())

    def variables(self, p):
        if self._pairwise(p):
            return ("n", "C", "r")
        return ("n",) if p.zero_temperature else ("n", "C")

    def condensed(self, p):
        return ("n",)

    def maximised(self, p):
        if self._pairwise(p):
            return np.where(p["alpha"] > 0, 1, 0)
        return 0 if p.zero_temperature else np.where(p["alpha"] > 0, 1, 0)

    def condensed_scale(self, x, p):
        P = p["P"]
        return 0.5 * P * (P - 1) * (1.0 + p["rho"]) * np.abs(x[:, 0]) ** (P - 2)

    def lower_bounds(self, p):
        n = len(self.variables(p))
        return np.array([-np.inf] + [0.0] * (n - 1))

    def guesses(self, p):
        B = p.size
        one, zero = np.ones(B), np.zeros(B)
        beta = p["beta"]
        if self._pairwise(p):
            c_sg = np.minimum(0.5, 0.5 * beta)
            q_sg = 1.0 - c_sg * p.inv_beta
            out = [("retrieval", np.stack([one, zero, one], axis=1)),
                   ("spin glass", np.stack([zero, c_sg, q_sg / (1.0 - c_sg) ** 2], axis=1))]
            if not p.zero_temperature:
                out.append(("paramagnet", np.stack([zero, beta, zero], axis=1)))
            return out
        if p.zero_temperature:
            return [("retrieval", one[:, None]), ("spin glass", zero[:, None])]
        return [("retrieval", np.stack([one, zero], axis=1)),
                ("spin glass", np.stack([zero, np.minimum(0.1 * beta, 1.0)], axis=1)),
                ("paramagnet", np.stack([zero, beta], axis=1))]

    def in_domain(self, x, p):
        ok = np.all(np.isfinite(x), axis=-1) & (np.abs(x[:, 0]) <= 1.0 + 10.0 * np.sqrt(p["rho"]))
        if x.shape[1] > 1:
            C = x[:, 1]
            ok &= (C >= 0.0) & (C <= np.where(p.zero_temperature, np.inf, p["beta"]))
        if self._pairwise(p):
            ok &= x[:, 2] >= 0.0
            cmax = np.maximum.reduce([c for w, c in self._modes(p)])
            ok &= (cmax * x[:, 1] < 1.0) | (p["alpha"] == 0.0)
        return ok

    # ------------------------------------------------------------------ helpers
    def _modes(self, p):
        return p2_modes(self.family, p.get("r"), p.get("M"), p.size)

    def _delta(self, p):
        return delta_noise(self.family, p["P"], p["alpha"], p["rho"], p.get("r"), p.get("M"))

    def _average(self, quad, kinds, beta, n_pow, noise_var, p):
        """Averages over S (exact or Gaussian) and Y of F(beta (n_pow S/r + sqrt(noise_var) Y)).

        Returns (averages tuple, E[(S/r) tanh] / (1 + rho) or None when 'tanh' not in kinds).
        """
        rho = p["rho"]
        if "M" in p:
            M = int(p["M"][0])
            sr, w = binomial_table(p["r"], M)
            a = n_pow[:, None] * sr
            b = np.broadcast_to(np.sqrt(noise_var)[:, None], a.shape)
            vals = quad.average(kinds, np.broadcast_to(beta[:, None], a.shape), a, b)
            out = tuple(np.sum(v * w, axis=1) for v in vals)
            n_new = None
            if "tanh" in kinds:
                t = vals[kinds.index("tanh")]
                n_new = np.sum(t * sr * w, axis=1) / (1.0 + rho)
            return out, n_new
        b = np.sqrt(rho * n_pow * n_pow + noise_var)
        out = quad.average(kinds, beta, n_pow, b)
        n_new = None
        if "tanh" in kinds and "beta*sech2" in kinds:
            t, bs2 = out[kinds.index("tanh")], out[kinds.index("beta*sech2")]
            n_new = (t + rho * n_pow * bs2) / (1.0 + rho)     # Stein: E[Z tanh] = sqrt(rho) n_pow beta E sech^2
        return out, n_new

    # ------------------------------------------------------------------ P >= 3
    def _dense_fields(self, x, p):
        P = p["P"]
        n = x[:, 0]
        if p.zero_temperature:
            C = None
            q = np.ones_like(n)
        else:
            C = x[:, 1]
            q = np.clip(1.0 - C * p.inv_beta, 0.0, 1.0)
        delta = self._delta(p)
        return P, n, C, q, delta, _pow(n, P - 1), delta * q ** (P - 1), 0.5 * P * p["beta"]

    def _dense_update(self, x, p, quad, kinds=("tanh", "beta*sech2")):
        P, n, C, q, delta, npow, var, bp = self._dense_fields(x, p)
        vals, n_new = self._average(quad, kinds, bp, npow, var, p)
        return vals, n_new, (P, n, C, q, delta, npow, var, bp)

    # ------------------------------------------------------------------ P = 2
    def _p2_fields(self, x, p):
        n, C, rn = x.T
        alpha = p["alpha"]
        q = 1.0 - C * p.inv_beta
        return n, C, rn, alpha, q

    # ------------------------------------------------------------------ the map
    def update(self, x, p, quad):
        if self._pairwise(p):
            n, C, rn, alpha, q = self._p2_fields(x, p)
            modes = self._modes(p)
            glassy = alpha > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                # noise taken from C (r_n(C)), and C = beta E sech^2 solved as C = k/(1+k),
                # k = beta E sech^2 / (1 - C): same fixed points, contractive (hopfield_rs)
                r_of_c = sum(w * c * c * np.maximum(q, 0.0) / (1.0 - c * C) ** 2 for w, c in modes)
                var = np.where(glassy, alpha * r_of_c, 0.0)
            (t, bs2), n_new = self._average(quad, ("tanh", "beta*sech2"), p["beta"], n, var, p)
            with np.errstate(divide="ignore", invalid="ignore"):
                k = bs2 / (1.0 - C)
                c_new = np.where(glassy, k / (1.0 + k), bs2)
                q_new = 1.0 - c_new * p.inv_beta
                r_new = np.where(glassy, sum(w * c * c * q_new / (1.0 - c * c_new) ** 2 for w, c in modes), 0.0)
            return np.stack([n_new, c_new, r_new], axis=1)
        (t, bs2), n_new, f = self._dense_update(x, p, quad)
        P = f[0]
        if p.zero_temperature:
            return n_new[:, None]
        return np.stack([n_new, (2.0 / P) * bs2], axis=1)            # C = beta(1-q) = (2/P) beta'(1-q)

    def free_energy(self, x, p, quad):
        if self._pairwise(p):
            n, C, rn, alpha, q = self._p2_fields(x, p)
            (lc,), _ = self._average(quad, ("logcosh/beta",), p["beta"], n, alpha * rn, p)
            f = 0.5 * (1.0 + p["rho"]) * n * n - lc
            with np.errstate(all="ignore"):
                glass = 0.0
                for w, c in self._modes(p):
                    A = 1.0 - c * C
                    glass = glass + w * (c + p.inv_beta * np.log(A) - c * q / A)
                glass = 0.5 * alpha * (glass + rn * C)
            return f + np.where(alpha > 0, glass, 0.0)
        (lc,), _, (P, n, C, q, delta, npow, var, bp) = self._dense_update(x, p, quad, ("logcosh/beta",))
        f = -0.5 * P * lc + 0.5 * (P - 1) * (1.0 + p["rho"]) * _pow(n, P)
        if not p.zero_temperature:
            f = f - 0.125 * P * delta * C * C * p.inv_beta * _ramp(q, P)
        return f

    def gradient(self, x, p, quad):
        if self._pairwise(p):
            n, C, rn, alpha, q = self._p2_fields(x, p)
            (t, bs2), n_new = self._average(quad, ("tanh", "beta*sech2"), p["beta"], n, alpha * rn, p)
            with np.errstate(all="ignore"):
                r_of_c = sum(w * c * c * q / (1.0 - c * C) ** 2 for w, c in self._modes(p))
            return np.stack([(1.0 + p["rho"]) * (n - n_new), 0.5 * alpha * (rn - r_of_c),
                             0.5 * alpha * (C - bs2)], axis=1)
        (t, bs2), n_new, (P, n, C, q, delta, npow, var, bp) = self._dense_update(x, p, quad)
        gn = 0.5 * P * (P - 1) * (1.0 + p["rho"]) * _pow(n, P - 2) * (n - n_new)
        if p.zero_temperature:
            return gn[:, None]
        xi2 = 0.25 * P * P * (P - 1) * delta * q ** (P - 2)
        return np.stack([gn, -0.5 * p.inv_beta * xi2 * (C - (2.0 / P) * bs2)], axis=1)

    def observables(self, x, p, quad):
        rho = p["rho"]
        if self._pairwise(p):
            n, C, rn, alpha, q = self._p2_fields(x, p)
            beta = p["beta"]
            (t, ent, bs2), _ = self._average(quad, ("tanh", "entropy", "beta*sech2"), beta, n, alpha * rn, p)
            glass_u, glass_s, const = 0.0, 0.0, 0.0
            with np.errstate(all="ignore"):
                for w, c in self._modes(p):
                    A = 1.0 - c * C
                    const = const + w * c
                    glass_u = glass_u + w * (c / A + c * c * q * C / (A * A))
                    glass_s = glass_s + w * (np.log(A) + c * C / A)
            glassy = alpha > 0
            energy = 0.5 * alpha * const - 0.5 * (1.0 + rho) * n * n - np.where(glassy, 0.5 * alpha * glass_u, 0.0)
            entropy = ent - np.where(glassy, 0.5 * alpha * glass_s, 0.0)
            if p.zero_temperature:
                q = np.ones_like(n)
            return {"m": t, "n": n, "q": q, "C": C, "r": rn, "energy": energy, "entropy": entropy}
        (t, ent, bs2), n_new, (P, n, C, q, delta, npow, var, bp) = self._dense_update(
            x, p, quad, ("tanh", "entropy", "beta*sech2"))
        if p.zero_temperature:
            C = (2.0 / P) * bs2
            ent = np.zeros_like(n)
        energy = -0.5 * (1.0 + rho) * _pow(n, P) - 0.25 * P * delta * C * _geometric(q, P)
        entropy = ent - 0.125 * P * delta * C * C * _ramp(q, P)
        return {"m": t, "n": n, "q": q, "C": C, "energy": energy, "entropy": entropy}

    def replicon(self, x, p, quad):
        if self._pairwise(p):
            n, C, rn, alpha, q = self._p2_fields(x, p)
            if p.zero_temperature:
                return np.where(alpha > 0, -np.inf, np.inf)
            (bs4,), _ = self._average(quad, ("beta*sech4",), p["beta"], n, alpha * rn, p)
            with np.errstate(all="ignore"):
                amp = sum(w * c * c / (1.0 - c * C) ** 2 for w, c in self._modes(p))
            return np.where(alpha > 0, 1.0 - alpha * p["beta"] * bs4 * amp, np.inf)
        (bs4,), _, (P, n, C, q, delta, npow, var, bp) = self._dense_update(x, p, quad, ("beta*sech4",))
        if p.zero_temperature:
            return np.where(delta > 0, -np.inf, np.inf)
        return np.where(delta > 0, 1.0 - bp * (P - 1) * delta * q ** (P - 2) * bs4, np.inf)

    def classify(self, x, p):
        n = np.abs(x[:, 0])
        q = np.ones_like(n) if x.shape[1] == 1 else 1.0 - x[:, 1] * p.inv_beta
        return np.where(n > 1e-6, "retrieval", np.where(q > 1e-6, "spin glass", "paramagnet"))

    def admissible(self, x, p, quad, obs):
        para = (np.abs(obs["n"]) <= 1e-6) & (obs["q"] <= 1e-6)
        ok = ~(para & (obs["entropy"] < 0))
        return ok, ("the RS paramagnet has negative entropy here (a frozen glass, 1RSB, replaces it)")

    # ------------------------------------------------------------------ folds (learning thresholds)
    def fold(self, p, quad, *, free="alpha", xtol=1e-10):
        """Fold of the retrieval branch in ``free``; closed form at T = 0 for ``free="alpha"``."""
        if free == "alpha" and p.zero_temperature:
            return _alpha_c_zero_temperature(self.family, p, xtol)
        return _generic_fold(self, p, quad, free=free, along="n", xtol=xtol)


class SupervisedRS(_LearningRS):
    """Supervised learning (couplings from the class means), RS."""

    family = "supervised"


class UnsupervisedRS(_LearningRS):
    """Unsupervised learning (couplings from every example), RS."""

    family = "unsupervised"


# ---------------------------------------------------------------------- T = 0 closed forms
def zero_temperature_branch(family, x, *, P, rho=None, r=None, M=None):
    """The T = 0 retrieval branch in closed form, parametrised by ``x`` (signal-to-noise ratio).

    Large M (``r``, ``M`` not given): ``x = n^(P-1)/s`` with ``s^2 = rho n^(2P-2) + noise``, in
    ``(0, 1/sqrt(rho))``::

        m = erf(x/sqrt2),  n = [erf(x/sqrt2) + 2 rho x phi(x)]/(1+rho),  noise = n^(2P-2)(1/x^2 - rho)

    Exact finite M: ``x = n^(P-1)/sqrt(noise)``, ``n (1+rho) = E[(S/r) erf(x S/(r sqrt2))]``,
    ``m = E erf(x S/(r sqrt2))``, ``noise = n^(2P-2)/x^2``.
    P >= 3: noise = Delta, ``alpha = Delta / (Delta per unit alpha)``. P = 2: noise = alpha r_n,
    ``C = 2 x phi(x) / n`` (exact M: ``(x/n) E[2 phi(x S/r)]``), ``r_n = sum w c^2/(1 - c C)^2``,
    ``alpha = noise / r_n`` (NaN where some ``c C >= 1``).

    Returns
    -------
    dict of ndarrays: ``alpha, m, n, C`` (C is beta(1 - q) at T = 0; for P >= 3 it is
    ``(2/P) E[2 phi] / s``).
    """
    x = np.asarray(x, dtype=float)
    if M is None and rho is None:
        raise ValueError("zero_temperature_branch needs rho (large M) or r and M (exact)")
    if M is not None:
        sr, w = binomial_table(np.array([r], dtype=float), int(M))
        sr, w = sr[0], w[0]
        z = x[..., None] * sr
        rho = (1.0 - r * r) / (M * r * r)
        e = erf(z / _SQRT2)
        m = e @ w
        n = (e * sr) @ w / (1.0 + rho)
        dens = (2.0 * _INV_SQRT_2PI * np.exp(-0.5 * z * z)) @ w      # s * (density of G at 0)
        var_ratio = 1.0 / (x * x)
    else:
        m = erf(x / _SQRT2)
        dens = 2.0 * _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        n = (m + rho * x * dens) / (1.0 + rho)
        var_ratio = 1.0 / (x * x) - rho
    if P == 2:
        C = x * dens / n
        noise = n * n * var_ratio
        rn = 0.0
        ok = np.ones_like(C, dtype=bool)
        for w_, c in p2_modes(family, r, M, 1):
            rn = rn + float(w_[0]) * float(c[0]) ** 2 / (1.0 - float(c[0]) * C) ** 2
            ok &= float(c[0]) * C < 1.0
        with np.errstate(invalid="ignore"):
            alpha = np.where(ok & (var_ratio > 0), noise / rn, np.nan)
        return {"alpha": alpha, "m": m, "n": n, "C": C}
    noise = n ** (2 * P - 2) * var_ratio
    unit = float(delta_noise(family, P, 1.0, rho, r, M))
    C = (2.0 / P) * x * dens / n ** (P - 1)
    return {"alpha": np.where(var_ratio > 0, noise / unit, np.nan), "m": m, "n": n, "C": C}


def _alpha_c_zero_temperature(family, p, xtol):
    """Maximum over x of alpha(x) on the T = 0 branch (interior maximum checked)."""
    P = int(p["P"][0])
    rho = float(p["rho"][0])
    r = float(p["r"][0]) if "r" in p else None
    M = int(p["M"][0]) if "M" in p else None
    kw = dict(P=P, rho=rho, r=r, M=M)
    out = {"value": math.nan, "x": np.array([math.nan]), "along": math.nan, "interior": False,
           "converged": False, "message": "", "bracket": (math.nan, math.nan)}
    if family == "unsupervised" and M is None:
        out["message"] = "the unsupervised threshold needs r and M"
        return out
    x_hi = 1.0 / math.sqrt(rho) if (M is None and rho > 0) else 40.0
    xs = np.linspace(x_hi * 1e-4, x_hi * (1.0 - 1e-9), 2001)
    a = zero_temperature_branch(family, xs, **kw)["alpha"]
    if not np.any(np.isfinite(a)):
        out["message"] = "no retrieval branch at T = 0"
        return out
    i = int(np.nanargmax(a))
    if i == 0 or i == xs.size - 1:
        out["message"] = f"alpha(x) has no interior maximum on (0, {x_hi:.6g})"
        return out
    res = minimize_scalar(lambda v: -float(zero_temperature_branch(family, np.array([v]), **kw)["alpha"][0]),
                          bounds=(xs[i - 1], xs[i + 1]), method="bounded", options={"xatol": xtol * 1e-2})
    br = zero_temperature_branch(family, np.array([res.x]), **kw)
    n = float(br["n"][0])
    x_sol = np.array([n, float(br["C"][0]), 0.0]) if P == 2 else np.array([n])
    if P == 2:
        rn = sum(float(w[0]) * float(c[0]) ** 2 / (1.0 - float(c[0]) * x_sol[1]) ** 2
                 for w, c in p2_modes(family, r, M, 1))
        x_sol[2] = rn
    out.update(value=float(br["alpha"][0]), x=x_sol, along=n, interior=True, converged=True,
               bracket=(float(xs[i - 1]), float(xs[i + 1])),
               message=(f"fold of the T = 0 retrieval branch: maximum of alpha(x), x = signal/noise = "
                        f"{res.x:.10g} (closed-form branch, bounded Brent, xatol = {xtol * 1e-2:g}); "
                        f"n = {n:.10g}, m = {float(br['m'][0]):.10g}"))
    return out


register(SupervisedRS())
register(UnsupervisedRS())
