"""Single-example states of unsupervised dense learning at low storage (P >= 3, K finite, M finite).

The unsupervised network stores every example as a pattern of weight ``1/(Nrm M)``
(``hebbian/network.py``: ``H = -(P!/(2 N^(P-1) Nrm M)) sum_{mu,a} e_P(eta^{mu,a} o s)``,
``Nrm = r^P (1 + rho)^(P-1)``, ``rho = (1 - r^2)/(M r^2)``). Besides the example-symmetric
retrieval state of :mod:`replica.families.learning_rs` (every example of the class has the same
overlap, the state the archetype theory describes) it has states condensed on ONE example: the
network remembers that example rather than the archetype. This module adds them to the RS theory
of the ``unsupervised`` family at low storage (alpha = 0, r and an integer M >= 2 given, P >= 3)
as the branch ``"example"``, with the exact average over the other examples.

Mean-field theory (K finite, N -> infinity; the other archetypes do not condense). With the
overlaps ``m_a = (1/N) sum_i eta_i^{1,a} s_i`` of the examples of class 1, gauge ``eta = chi xi``
and ``c0 = 1/(Nrm M)``, the free energy per spin is::

    f = (P-1) c0/2 sum_a m_a^P - (1/beta) E ln 2 cosh(beta' h),   h = c0 sum_a m_a^(P-1) chi^a,
    beta' = beta P/2,   m_a = E[chi^a tanh(beta' h)]  (stationarity),

E over the iid signs chi^a, ``P(chi = +-1) = (1 +- r)/2``. Ansatz: one example (a = 1) with
overlap ``m_ex``, the M - 1 others with ``m_rest`` each; then ``h = c0 (m_ex^(P-1) chi^1 +
m_rest^(P-1) L)`` with ``L = sum_{b >= 2} chi^b = 2k - (M-1)``, k ~ Binomial(M-1, (1+r)/2): the
average over the other examples is an exact finite sum (2 M terms)::

    m_ex = E[chi^1 tanh(beta' h)],   m_rest = E[L tanh(beta' h)]/(M - 1),
    m = E tanh(beta' h)  (archetype),  n = (m_ex + (M-1) m_rest)/(M r (1 + rho)),
    q = E tanh^2(beta' h),   energy u = -(c0/2) (m_ex^P + (M-1) m_rest^P).

``m_ex = m_rest = r (1 + rho) n`` is the example-symmetric state (``h = n^(P-1) S/r``, the
learning_rs equations exactly). The solver variables are ``(n, d)``, ``d = m_ex - m_rest``
(``m_ex = r(1+rho) n + (M-1) d/M``, ``m_rest = r(1+rho) n - d/M``); the map keeps ``d = 0``
exactly, so the symmetric branch is the same solution as before and its stability now includes
the example-breaking direction. Branches: ``"retrieval"`` (d = 0, n > 0), ``"example"``
(d > 0), ``"paramagnet"``.

Stability (minimum of f over the M overlaps; the Hessian is
``c0 (P(P-1)/2) m_a^(P-2) [delta_ab - beta' c0 (P-1) m_b^(P-2) E(chi^a chi^b sech^2)]``):

* symmetric state: every sum-zero (example-breaking) direction has the eigenvalue
  ``1 - beta' c0 (P-1) m^(P-2) E[(1 - chi^a chi^b) sech^2]`` (a != b), which the solver's Hessian
  in ``(n, d)`` contains;
* example state: the Hessian in ``(n, d)`` plus the M - 2 directions that break the symmetry
  among the other examples, ``1 - beta' c0 (P-1) m_rest^(P-2) E[(1 - chi^b chi^b') sech^2]``
  (b != b' >= 2; ``E[chi^b chi^b' | L] = (L^2 - (M-1))/((M-1)(M-2))``), folded into
  :meth:`stability`.

Limits (tested): M = 1 is the dense network of one example (no ``"example"`` branch: it is the
retrieval state, ``m = r p``, ``p = tanh(beta' r^(P-2) p^(P-1))``); r = 1 has no example branch
(every example is the archetype); T = 0: while ``(M - 1) r^(2P-2) < 1`` the example state is
exactly ``m_ex = 1``, ``m_rest = r^2``, ``m = r``, ``u = -(1 + (M-1) r^(2P))/(2 Nrm M)``
(:func:`example_state_zero_temperature`); it has the lower energy than the symmetric state for
M below about ``r^(-P)`` (P = 4, r = 0.3: M ~ 120).

Where the parameters are outside this case (alpha > 0, rho alone, M = 1, P = 2) the model is
:class:`replica.families.learning_rs.UnsupervisedRS` unchanged. This class replaces it in the
registry (``register(..., replace=True)``).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from ..base import register
from .learning_rs import UnsupervisedRS

__all__ = ["UnsupervisedExamplesRS", "example_table", "example_state_zero_temperature"]

#: |d| above this (relative to 1 + |n|) is an example state
_D_TOL = 1e-6


def example_table(r, M):
    """Sites of the example ansatz: ``(chi1, L, E[chi^b chi^b' | L], weight)`` per point.

    Parameters
    ----------
    r : ndarray, shape (B,)
    M : int >= 2

    Returns
    -------
    chi1, L, pair, w : ndarrays, shape (B, 2 M)
        ``chi1 = +-1`` (the condensed example), ``L = 2k - (M-1)`` (the sum of the others),
        ``pair = (L^2 - (M-1))/((M-1)(M-2))`` (NaN for M = 2) and the probability of each row.
    """
    r = np.asarray(r, dtype=float)[:, None]
    k = np.arange(M)
    L = (2.0 * k - (M - 1))[None, :]
    wL = binom.pmf(k[None, :], M - 1, 0.5 * (1.0 + r))                     # (B, M)
    chi1 = np.concatenate([np.ones((1, M)), -np.ones((1, M))], axis=1)      # (1, 2M)
    w = np.concatenate([0.5 * (1.0 + r) * wL, 0.5 * (1.0 - r) * wL], axis=1)
    LL = np.concatenate([L, L], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pair = (LL * LL - (M - 1)) / ((M - 1) * (M - 2)) if M > 2 else np.full(LL.shape, np.nan)
    B = r.shape[0]
    return (np.broadcast_to(chi1, (B, 2 * M)), np.broadcast_to(LL, (B, 2 * M)),
            np.broadcast_to(pair, (B, 2 * M)), w)


def example_state_zero_temperature(P, r, M):
    """The T = 0 single-example state in closed form (valid while ``(M-1) r^(2P-2) < 1``).

    Returns
    -------
    dict with ``m_example = 1``, ``m_others = r^2``, ``m = r``, ``n``, ``energy``,
    ``energy_symmetric_bound``, ``valid`` (the condition above). ``energy`` is
    ``-(1 + (M-1) r^(2P))/(2 Nrm M)``.
    """
    rho = (1.0 - r * r) / (M * r * r)
    nrm = r ** P * (1.0 + rho) ** (P - 1)
    return {"m_example": 1.0, "m_others": r * r, "m": r, "n": (1.0 + (M - 1) * r * r) / (M * r * (1.0 + rho)),
            "energy": -(1.0 + (M - 1) * r ** (2 * P)) / (2.0 * nrm * M),
            "valid": bool((M - 1) * r ** (2 * P - 2) < 1.0)}


class UnsupervisedExamplesRS(UnsupervisedRS):
    """Unsupervised learning, RS, with the single-example branch at low storage (module docstring)."""

    # ------------------------------------------------------------------ which points
    @staticmethod
    def _examples(p):
        """True when every point of the batch is in the example case (alpha = 0, M >= 2, P >= 3)."""
        if "M" not in p:
            return False
        return bool((p["alpha"] == 0.0).all() and (p["M"] >= 2).all() and (p["P"] >= 3).all())

    def structure(self, p):
        base = super().structure(p)
        if "M" not in p:
            return base
        ex = (p["alpha"] == 0.0) & (p["M"] >= 2) & (p["P"] >= 3)
        return np.array([f"{b},examples={int(e)}" for b, e in zip(base, ex)], dtype=object)

    # ------------------------------------------------------------------ the ansatz
    def variables(self, p):
        return ("n", "d") if self._examples(p) else super().variables(p)

    def condensed(self, p):
        return ("n", "d") if self._examples(p) else super().condensed(p)

    def maximised(self, p):
        return 0 if self._examples(p) else super().maximised(p)

    def lower_bounds(self, p):
        return np.array([-np.inf, -np.inf]) if self._examples(p) else super().lower_bounds(p)

    def guesses(self, p):
        if not self._examples(p):
            return super().guesses(p)
        B = p.size
        r, M, rho = p["r"], p["M"], p["rho"]
        one, zero = np.ones(B), np.zeros(B)
        n_ex = (1.0 + (M - 1.0) * r * r) / (M * r * (1.0 + rho))
        return [("retrieval", np.stack([one, zero], axis=1)),
                ("example", np.stack([n_ex, 1.0 - r * r], axis=1)),
                ("paramagnet", np.stack([zero, zero], axis=1))]

    def in_domain(self, x, p):
        if not self._examples(p):
            return super().in_domain(x, p)
        return np.all(np.isfinite(x), axis=-1) & (np.abs(x[:, 0]) <= 1.0 + 10.0 * np.sqrt(p["rho"])) \
            & (np.abs(x[:, 1]) <= 2.5)

    def _state(self, x, p, quad, kinds):
        """Averages of ``kinds`` over the sites, per row of the example table, and the overlaps."""
        P, M = p["P"], int(p["M"][0])
        rho, r = p["rho"], p["r"]
        c0 = 1.0 / (r ** P * (1.0 + rho) ** (P - 1) * M)
        n, d = x[:, 0], x[:, 1]
        mbar = r * (1.0 + rho) * n
        m_ex, m_rest = mbar + (M - 1.0) * d / M, mbar - d / M
        chi1, L, pair, w = example_table(r, M)
        h = c0[:, None] * (_pw(m_ex, P - 1)[:, None] * chi1 + _pw(m_rest, P - 1)[:, None] * L)
        bp = np.broadcast_to((0.5 * P * p["beta"])[:, None], h.shape)
        vals = quad.average(kinds, bp, h, np.zeros_like(h))
        return dict(zip(kinds, vals)), dict(P=P, M=M, c0=c0, n=n, d=d, m_ex=m_ex, m_rest=m_rest, chi1=chi1, L=L,
                                            pair=pair, w=w, rho=rho, r=r)

    def _mean_field(self, x, p, quad, kinds=("tanh",)):
        """Site averages, the new (m_ex, m_rest) and the geometry."""
        v, g = self._state(x, p, quad, kinds)
        out = {}
        if "tanh" in v:
            t = v["tanh"]
            out["m_ex"] = np.sum(g["w"] * g["chi1"] * t, axis=1)
            out["m_rest"] = np.sum(g["w"] * g["L"] * t, axis=1) / (g["M"] - 1.0)
            out["m"] = np.sum(g["w"] * t, axis=1)
        for k, val in v.items():
            out[k] = val
        return out, g

    # ------------------------------------------------------------------ the map
    def update(self, x, p, quad):
        if not self._examples(p):
            return super().update(x, p, quad)
        out, g = self._mean_field(x, p, quad)
        M = g["M"]
        n_new = (out["m_ex"] + (M - 1.0) * out["m_rest"]) / (M * g["r"] * (1.0 + g["rho"]))
        # the symmetric manifold d = 0 is invariant: keep it exactly (no rounding drift)
        d_new = np.where(g["d"] == 0.0, 0.0, out["m_ex"] - out["m_rest"])
        return np.stack([n_new, d_new], axis=1)

    def free_energy(self, x, p, quad):
        if not self._examples(p):
            return super().free_energy(x, p, quad)
        v, g = self._state(x, p, quad, ("logcosh/beta",))
        P = g["P"]
        lc = np.sum(g["w"] * v["logcosh/beta"], axis=1)                       # E ln 2cosh(beta' h)/beta'
        return 0.5 * (P - 1.0) * g["c0"] * (_pw(g["m_ex"], P) + (g["M"] - 1.0) * _pw(g["m_rest"], P)) - 0.5 * P * lc

    def gradient(self, x, p, quad):
        if not self._examples(p):
            return super().gradient(x, p, quad)
        out, g = self._mean_field(x, p, quad)
        P, M, c0 = g["P"], g["M"], g["c0"]
        k = 0.5 * P * (P - 1.0) * c0
        g_ex = k * _pw(g["m_ex"], P - 2) * (g["m_ex"] - out["m_ex"])
        g_rest = k * (M - 1.0) * _pw(g["m_rest"], P - 2) * (g["m_rest"] - out["m_rest"])
        a = g["r"] * (1.0 + g["rho"])
        return np.stack([a * (g_ex + g_rest), ((M - 1.0) * g_ex - g_rest) / M], axis=1)

    def condensed_scale(self, x, p):
        if not self._examples(p):
            return super().condensed_scale(x, p)
        P, M = p["P"], p["M"]
        c0 = 1.0 / (p["r"] ** P * (1.0 + p["rho"]) ** (P - 1) * M)
        n, d = x[:, 0], x[:, 1]
        mbar = p["r"] * (1.0 + p["rho"]) * n
        big = np.maximum(np.abs(mbar + (M - 1.0) * d / M), np.abs(mbar - d / M))
        s = 0.5 * P * (P - 1.0) * c0 * big ** (P - 2)
        return np.stack([s, s], axis=1)

    def observables(self, x, p, quad):
        if not self._examples(p):
            return super().observables(x, p, quad)
        out, g = self._mean_field(x, p, quad, ("tanh", "tanh2", "beta*sech2", "entropy"))
        P, M = g["P"], g["M"]
        energy = -0.5 * g["c0"] * (_pw(g["m_ex"], P) + (M - 1.0) * _pw(g["m_rest"], P))
        q = np.sum(g["w"] * out["tanh2"], axis=1)
        C = (2.0 / P) * np.sum(g["w"] * out["beta*sech2"], axis=1)              # beta (1 - q)
        ent = np.sum(g["w"] * out["entropy"], axis=1)
        if p.zero_temperature:
            q, ent = np.ones_like(q), np.zeros_like(ent)
        return {"m": out["m"], "n": g["n"], "q": q, "C": C, "energy": energy, "entropy": ent,
                "m_example": g["m_ex"], "m_others": g["m_rest"]}

    def stability(self, x, p, quad, hessian_eig):
        if not self._examples(p):
            return super().stability(x, p, quad, hessian_eig)
        return np.minimum(hessian_eig, self.others_breaking(x, p, quad))

    def others_breaking(self, x, p, quad):
        """``1 - beta' c0 (P-1) m_rest^(P-2) E[(1 - chi^b chi^b') sech^2]`` at example states
        (symmetry among the M - 1 other examples; ``+inf`` elsewhere and for M = 2)."""
        B = x.shape[0]
        if int(p["M"][0]) < 3:
            return np.full(B, np.inf)
        v, g = self._state(x, p, quad, ("beta*sech2",))
        P = g["P"]
        bs2 = np.sum(g["w"] * (1.0 - g["pair"]) * v["beta*sech2"], axis=1)  # beta' E[(1 - chi chi') sech^2]
        lam = 1.0 - g["c0"] * (P - 1.0) * _pw(g["m_rest"], P - 2) * bs2
        ex = self.classify(x, p) == "example"
        return np.where(ex, lam, np.inf)

    def replicon(self, x, p, quad):
        if not self._examples(p):
            return super().replicon(x, p, quad)
        return np.full(x.shape[0], np.inf)                                  # alpha = 0: no quenched noise

    def classify(self, x, p):
        if not self._examples(p):
            return super().classify(x, p)
        n, d = x[:, 0], x[:, 1]
        tol = _D_TOL * (1.0 + np.abs(n))
        return np.where(d > tol, "example", np.where(d < -tol, "mixture",
                                                     np.where(np.abs(n) > 1e-6, "retrieval", "paramagnet")))

    def admissible(self, x, p, quad, obs):
        if not self._examples(p):
            return super().admissible(x, p, quad, obs)
        return np.ones(x.shape[0], dtype=bool), ""


def _pw(x, k):
    """x^k for integer-valued k arrays (sign kept for odd k)."""
    return np.sign(x) ** (np.asarray(k) % 2) * np.abs(x) ** k


register(UnsupervisedExamplesRS(), replace=True)
