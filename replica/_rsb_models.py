"""One-step RSB free energies and saddle-point equations of the project's model families.

Conventions (``hebbian/network.py``): Gibbs weight ``exp(-beta H)``; free energies per spin.
All models share the 1RSB variables

    m (or n for learning), delta = q1 - q0 > 0, C = beta (1 - q1), mu = beta x,

which stay finite at T = 0 (beta = inf: q1 = 1, x = 0, C and mu finite), so one set of
formulas covers finite and zero temperature. ``x`` is the Parisi parameter in (0, 1]; the
free energy is stationary in every variable and MAXIMAL in x (n -> 0), so f_1RSB >= f_RS.

Pairwise Hopfield (Crisanti-Amit-Gutfreund ansatz), with ``A1 = 1 - C``,
``A0 = A1 - mu delta``, ``r0 = q0/A0^2``, ``r1 = r0 + delta/(A0 A1)``:

    f = alpha/2 + m^2/2 + (alpha/(2 beta)) ln A1 + (alpha/(2 mu)) ln(A0/A1) - (alpha/2) q0/A0
        + (alpha/2) r1 C + (alpha mu/2)(r1 q1 - r0 q0) - E_z0 psi,
    h = m + sqrt(alpha r0) z0 + sqrt(alpha (r1 - r0)) z1,

which is the note's CAG free energy rewritten with C and mu (``(alpha beta/2) r1 (1 - q1) =
(alpha/2) r1 C`` etc.). Dense network (Gardner picture) and dense learning, with
``xi(q) = c q^P``, ``theta = q xi' - xi``, ``b = (P/2) n^(P-1)``:

    f = -E_z0 psi + (1+rho)(P-1) n^P/2 - (beta/2)[xi(1) - xi(q1) - (1-q1) xi'(q1)]
        + (mu/2)[theta(q1) - theta(q0)],
    h = b + sqrt((P/2)^2 rho n^(2P-2) + xi'(q0)) z0 + sqrt(xi'(q1) - xi'(q0)) z1,

the note's pressure ``A = -beta f`` (``rho = 0``, ``n = m``, ``c = alpha_B/2`` for the dense
network; ``c = P Delta / 4`` for learning: the example noise ``sqrt(rho) Z`` of the
condensed field is merged with the outer Gaussian). ``psi = (1/mu) ln E_z1 (2cosh beta h)^x``
(see :mod:`._rsb_kernel`).
"""

from __future__ import annotations

import math

import numpy as np

from . import _rsb_kernel as kern


class Xi:
    """Covariance ``xi(q) = c q^P`` of the Gaussian P-spin noise (energy covariance / N)."""

    def __init__(self, c, P):
        self.c = float(c)
        self.P = int(P)

    def __call__(self, q):
        return self.c * q ** self.P

    def d1(self, q):
        return self.c * self.P * q ** (self.P - 1)

    def d2(self, q):
        return self.c * self.P * (self.P - 1) * q ** (self.P - 2)

    def theta(self, q):
        """``q xi'(q) - xi(q)``."""
        return self.c * (self.P - 1) * q ** self.P

    def r2(self, q):
        """``xi(1) - xi(q) - (1 - q) xi'(q) = c sum_{k>=2} C(P,k) q^(P-k) (1-q)^k`` (no cancellation)."""
        P = self.P
        return self.c * sum(math.comb(P, k) * q ** (P - k) * (1.0 - q) ** k for k in range(2, P + 1))


def _times_beta(beta, value):
    """``beta * value`` for a replicon / AT eigenvalue (``value >= 0``); inf at T = 0 if value > 0."""
    if math.isinf(beta):
        return math.inf if value > 0.0 else 0.0
    return beta * value


# ----------------------------------------------------------------------------- Hopfield (P = 2)

class _Model:
    """Shared pieces: ``q1 = 1 - C/beta``, domains, parameter replacement."""

    _params = ()

    def q1(self, C):
        return 1.0 if math.isinf(self.beta) else 1.0 - C / self.beta

    def replace(self, **kw):
        args = {k: getattr(self, k) for k in self._params}
        args.update(kw)
        return type(self)(**args)

    def _in_domain_common(self, delta, C, mu):
        if not (delta > 0.0 and C > 0.0 and mu > 0.0):
            return False
        if not math.isinf(self.beta) and (mu > self.beta * (1.0 + 1e-12) or C >= self.beta):
            return False
        return self.q1(C) - delta >= 0.0

    def in_domain_rs(self, n, C):
        return C > 0.0 and (math.isinf(self.beta) or C <= self.beta)      # q = 1 - C/beta in [0, 1)


class Hopfield1RSB(_Model):
    """Pairwise Hopfield network at load ``alpha`` and inverse temperature ``beta`` (1RSB, CAG).

    ``rho > 0`` gives the supervised P = 2 learner of docs/physics/learning.md (noisy condensed field
    ``n (1 + sqrt(rho) Z)``); ``rho = 0`` is the Hopfield network (``n = m``).
    """

    _params = ("alpha", "beta", "rho")

    def __init__(self, alpha, beta, rho=0.0):
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.rho = float(rho)

    def conjugates(self, delta, C, mu):
        """``(q0, q1, A0, A1, r0, r1)`` from the saddle-point equations of r0, r1."""
        q1 = self.q1(C)
        q0 = q1 - delta
        A1 = 1.0 - C
        A0 = A1 - mu * delta
        r0 = q0 / A0 ** 2
        r1 = r0 + delta / (A0 * A1)
        return q0, q1, A0, A1, r0, r1

    def scaled(self, s):
        """The same model at load ``s alpha``."""
        return self.replace(alpha=s * self.alpha)

    def entropy_zero_temperature(self, C):
        """``s(T=0) = -(alpha/2)[ln(1-C) + C/(1-C)]``, the same form at RS and 1RSB (the
        O(T) term of f at fixed saddle-point variables; derived in the module notes)."""
        return -0.5 * self.alpha * (math.log(1.0 - C) + C / (1.0 - C))

    def in_domain(self, n, delta, C, mu):
        return self._in_domain_common(delta, C, mu) and (1.0 - C - mu * delta > 0.0)

    def in_domain_rs(self, n, C):
        return super().in_domain_rs(n, C) and C < 1.0

    def fields(self, n, r0, r1):
        s0 = math.sqrt(self.alpha * r0 + self.rho * n * n)
        s1 = math.sqrt(max(self.alpha * (r1 - r0), 0.0))
        return n, s0, s1

    def free_energy_full(self, n, q0, C, r0, r1, mu, grid=kern.DEFAULT_GRID):
        """The free energy as a function of all its variables (for stationarity checks)."""
        a, b = self.alpha, self.beta
        q1 = self.q1(C)
        A1 = 1.0 - C
        A0 = A1 - mu * (q1 - q0)
        K = kern.averages(*self.fields(n, r0, r1), b, mu, grid)
        lnA1 = 0.0 if math.isinf(b) else math.log(A1) / b
        return (a / 2 + (1.0 + self.rho) * n * n / 2 + a / 2 * lnA1 + a / (2 * mu) * math.log(A0 / A1)
                - a / 2 * q0 / A0 + a / 2 * r1 * C + a * mu / 2 * (r1 * q1 - r0 * q0) - K["psi"])

    def evaluate(self, n, delta, C, mu, grid=kern.DEFAULT_GRID):
        """Averages, residuals of the saddle-point equations and the free energy.

        Returns
        -------
        dict with ``R`` (ndarray (3,): n-, delta- and C-equations), ``dfdmu``, ``f``, the
        order parameters ``m, n, q0, q1, x, mu, C, r0, r1`` and the averages ``K``.
        """
        a, b = self.alpha, self.beta
        q0, q1, A0, A1, r0, r1 = self.conjugates(delta, C, mu)
        K = kern.averages(*self.fields(n, r0, r1), b, mu, grid)
        rn = (K["m"] + self.rho * n * (C + mu * delta)) / (1.0 + self.rho) - n
        R = np.array([rn, (K["q1"] - K["q0"] - delta) / delta, K["chi"] - C])
        lnA1 = 0.0 if math.isinf(b) else math.log(A1) / b
        lnr = math.log(A0 / A1)
        f = (a / 2 + (1.0 + self.rho) * n * n / 2 + a / 2 * lnA1 + a / (2 * mu) * lnr - a / 2 * q0 / A0
             + a / 2 * r1 * C + a * mu / 2 * (r1 * q1 - r0 * q0) - K["psi"])
        dfdmu = (-a / (2 * mu * mu) * lnr - a / (2 * mu) * delta / A0 - a / 2 * q0 * delta / A0 ** 2
                 + a / 2 * (r1 * q1 - r0 * q0) - (K["ell"] - K["psi"]) / mu)
        u = (a / 2 - (1.0 + self.rho) * n * n / 2
             - a / 2 * ((0.0 if math.isinf(b) else C / b) / A1 - C / (mu * A1) + (C / mu + delta) / A0
                        + q0 / A0 + q0 * (C + mu * delta) / A0 ** 2))
        return {"R": R, "dfdmu": dfdmu, "f": f, "energy": u, "m": K["m"], "n": n, "q0": q0, "q1": q1, "C": C,
                "mu": mu, "x": 0.0 if math.isinf(b) else mu / b, "r0": r0, "r1": r1, "delta": delta,
                "replicon": _times_beta(b, a * K["s4"] / A1 ** 2), "K": K}

    def evaluate_rs(self, n, C, grid=kern.DEFAULT_GRID):
        """Replica-symmetric saddle point (AGS): residuals of the n- and C-equations, f, AT."""
        a, b = self.alpha, self.beta
        q = self.q1(C)
        A = 1.0 - C
        r = q / A ** 2
        K = kern.averages(n, math.sqrt(a * r + self.rho * n * n), 0.0, b, 1.0, grid)
        rn = (K["m"] + self.rho * n * C) / (1.0 + self.rho) - n
        lnA = 0.0 if math.isinf(b) else math.log(A) / b
        f = a / 2 + (1.0 + self.rho) * n * n / 2 + a / 2 * lnA - a / 2 * q / A + a / 2 * r * C - K["psi"]
        u = a / 2 - (1.0 + self.rho) * n * n / 2 - a / 2 * ((0.0 if math.isinf(b) else C / b) + q + q * C / A) / A
        return {"R": np.array([rn, K["chi"] - C]), "f": f, "energy": u, "m": K["m"], "n": n, "q": q, "C": C,
                "r": r, "at": _times_beta(b, a * K["s4"] / A ** 2), "K": K}


# ----------------------------------------------------------------------------- dense (P >= 3)

class Dense1RSB(_Model):
    """Dense network / dense learner in the Gardner picture (P-spin glass + P-body ferromagnet).

    Parameters
    ----------
    P : int >= 3
    c : float > 0
        ``xi(q) = c q^P``: ``c = alpha_B / 2 = alpha P!/4`` for the dense network,
        ``c = P Delta / 4`` for learning.
    beta : float > 0 or inf
    rho : float >= 0
        Dataset entropy (0: the network stores the archetypes themselves, ``n = m``).
    """

    _params = ("P", "c", "beta", "rho")

    def __init__(self, P, c, beta, rho=0.0):
        self.P = int(P)
        self.c = float(c)
        self.xi = Xi(c, P)
        self.beta = float(beta)
        self.rho = float(rho)

    def scaled(self, s):
        """The same model with noise ``s xi`` (load ``s alpha``)."""
        return self.replace(c=s * self.c)

    def entropy_zero_temperature(self, C):
        """``s(T=0) = -xi''(1) C^2 / 4``, the same form at RS and 1RSB."""
        return -0.25 * self.xi.d2(1.0) * C * C

    def in_domain(self, n, delta, C, mu):
        return self._in_domain_common(delta, C, mu)

    def fields(self, n, q0, q1):
        P, xi = self.P, self.xi
        half = 0.5 * P
        b = half * n ** (P - 1)
        s0 = math.sqrt(half * half * self.rho * n ** (2 * P - 2) + xi.d1(q0))
        s1 = math.sqrt(max(xi.d1(q1) - xi.d1(q0), 0.0))
        return b, s0, s1

    def _f(self, n, q0, q1, mu, K):
        xi = self.xi
        r2 = 0.0 if math.isinf(self.beta) else 0.5 * self.beta * xi.r2(q1)
        return (-K["psi"] + (1.0 + self.rho) * (self.P - 1) * n ** self.P / 2 - r2
                + 0.5 * mu * (xi.theta(q1) - xi.theta(q0)))

    def free_energy_full(self, n, q0, C, mu, grid=kern.DEFAULT_GRID):
        q1 = self.q1(C)
        K = kern.averages(*self.fields(n, q0, q1), self.beta, mu, grid)
        return self._f(n, q0, q1, mu, K)

    def energy(self, n, q0, q1, C, mu):
        """Energy per spin ``u = -(1+rho) n^P/2 - beta [xi(1) - (1-x) xi(q1) - x xi(q0)]``."""
        xi = self.xi
        if math.isinf(self.beta):
            glass = xi.d1(1.0) * C + mu * (xi(1.0) - xi(q0))
        else:
            glass = self.beta * (xi(1.0) - xi(q1)) + mu * (xi(q1) - xi(q0))
        return -(1.0 + self.rho) * n ** self.P / 2 - glass

    def evaluate(self, n, delta, C, mu, grid=kern.DEFAULT_GRID):
        """Averages, residuals, free energy (see :meth:`Hopfield1RSB.evaluate`)."""
        q1 = self.q1(C)
        q0 = q1 - delta
        K = kern.averages(*self.fields(n, q0, q1), self.beta, mu, grid)
        P, rho = self.P, self.rho
        rn = (K["m"] + rho * 0.5 * P * n ** (P - 1) * (C + mu * delta)) / (1.0 + rho) - n
        R = np.array([rn, (K["q1"] - K["q0"] - delta) / delta, K["chi"] - C])
        xi = self.xi
        dfdmu = -(K["ell"] - K["psi"]) / mu + 0.5 * (xi.theta(q1) - xi.theta(q0))
        return {"R": R, "dfdmu": dfdmu, "f": self._f(n, q0, q1, mu, K), "m": K["m"], "n": n, "q0": q0,
                "q1": q1, "C": C, "mu": mu, "x": 0.0 if math.isinf(self.beta) else mu / self.beta,
                "delta": delta, "energy": self.energy(n, q0, q1, C, mu),
                "replicon": _times_beta(self.beta, xi.d2(q1) * K["s4"]), "K": K}

    def evaluate_rs(self, n, C, grid=kern.DEFAULT_GRID):
        """Replica-symmetric saddle point: residuals of the n- and C-equations, f, energy, AT."""
        q = self.q1(C)
        b, s0, _ = self.fields(n, q, q)
        K = kern.averages(b, s0, 0.0, self.beta, 1.0, grid)
        P, rho = self.P, self.rho
        rn = (K["m"] + rho * 0.5 * P * n ** (P - 1) * C) / (1.0 + rho) - n
        r2 = 0.0 if math.isinf(self.beta) else 0.5 * self.beta * self.xi.r2(q)
        f = -K["psi"] + (1.0 + rho) * (P - 1) * n ** P / 2 - r2
        return {"R": np.array([rn, K["chi"] - C]), "f": f, "energy": self.energy(n, q, q, C, 1.0),
                "m": K["m"], "n": n, "q": q, "C": C, "at": _times_beta(self.beta, self.xi.d2(q) * K["s4"]), "K": K}
