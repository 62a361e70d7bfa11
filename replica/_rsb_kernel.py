"""Gaussian averages of one-step replica symmetry breaking, exact at every temperature.

Every 1RSB model of the project (Hopfield, dense, learning) needs the same nested average
for an Ising spin in the field

    h = b + sigma0 z0 + sigma1 z1,          z0, z1 ~ N(0, 1) independent,

with the Parisi weight ``W(h) = (2 cosh beta h)^x`` on the inner variable z1. Write
``mu = beta x`` (finite at T = 0) and ``a = b + sigma0 z0``. The inner quantities are

    psi  = (1/mu) ln E_z1 W                      (an energy; T = 0: (1/mu) ln E e^(mu |h|))
    t1   = <tanh beta h>,   t2 = <tanh^2 beta h>
    chi  = beta <1 - tanh^2 beta h>              (finite at T = 0: it gives C = beta (1 - q1))
    ell  = <(1/beta) ln 2 cosh beta h>           (T = 0: <|h|>; enters d psi / d mu)
    s4   = beta <(1 - tanh^2 beta h)^2>          (finite at T = 0; replicon / AT eigenvalues)

with ``<f> = E_z1[W f] / E_z1[W]``. Plain Gauss-Hermite quadrature of these fails at large
beta (kinks of width 1/beta, weights e^(mu|h|) that move the mass to z1 ~ +-mu sigma1).
Here each half-line h > 0 and h < 0 is done separately: on h > 0,
``W = e^(mu h) (1 + e^(-2 beta h))^x`` and ``e^(mu h) phi(z1)`` is a shifted Gaussian, so

    E_z1[W f; h > 0] = e^(mu a + mu^2 sigma1^2 / 2) int_{w > w_R} phi(w) (1 + e^(-2y))^x f dw,

``y = beta h = beta sigma1 (w - w_R)``, ``w_R = -(a + mu sigma1^2) / sigma1``. The integrand
tends to its large-y limit (1, tanh -> 1, ...) whose truncated-Gaussian integral is a closed
form (``Q = Phi(-w_R)``, inverse Mills ratio); the remainder decays like e^(-2y) and is
integrated with composite Gauss-Legendre on the window where it matters. At beta = inf the
remainders vanish (except chi, whose limit is closed form too): the T = 0 averages are the
Gaussian-CDF closed forms. All sums are done relative to the largest log-prefactor, so no
overflow occurs for any beta, mu.

The outer average over z0 uses composite Gauss-Legendre panels on [-L, L], graded towards
the point ``a = 0`` where the inner averages vary fastest (width ~ max(1/beta, min(sigma1,
1/mu))).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: outer integration range [-L, L] in units of the standard deviation
_L_OUTER = 9.0
#: the remainder of the inner integrand decays like e^(-2y): stop at y = _S_MAX
_S_MAX = 20.0


def _gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w          # nodes and weights on [0, 1]


class Grid:
    """Quadrature resolution of the 1RSB averages.

    Parameters
    ----------
    inner_panels, inner_order, inner_graded : int
        Composite Gauss-Legendre for the finite-temperature remainder of the inner average
        (per half-line): ``inner_panels`` uniform panels united with ``inner_graded`` panels
        halving towards h = 0, ``inner_order`` points each.
    outer_step : float
        Panel width (in units of sigma0) of the outer Gauss-Legendre panels far from a = 0.
    outer_order : int
        Gauss-Legendre points per outer panel.
    """

    def __init__(self, inner_panels=10, inner_order=8, outer_step=0.75, outer_order=8, inner_graded=8):
        self.inner_panels = int(inner_panels)
        self.inner_order = int(inner_order)
        self.inner_graded = int(inner_graded)
        self.outer_step = float(outer_step)
        self.outer_order = int(outer_order)
        # inner panel edges on [0, 1]: uniform ones united with ones graded towards 0 (the
        # remainder decays like e^(-2s) on the window [0, W])
        uni = np.arange(1, self.inner_panels) / self.inner_panels
        geo = 0.5 ** np.arange(1, self.inner_graded + 1)
        e = np.unique(np.concatenate(([0.0, 1.0], uni, geo)))
        t, w = _gauss_legendre(self.inner_order)
        self._t_inner = (e[:-1, None] + np.diff(e)[:, None] * t[None, :]).ravel()
        self._w_inner = (np.diff(e)[:, None] * w[None, :]).ravel()
        self._t_outer, self._w_outer = _gauss_legendre(self.outer_order)

    def __repr__(self):
        return (f"Grid(inner_panels={self.inner_panels}, inner_order={self.inner_order}, "
                f"outer_step={self.outer_step}, outer_order={self.outer_order}, inner_graded={self.inner_graded})")


DEFAULT_GRID = Grid()
FINE_GRID = Grid(inner_panels=40, inner_order=12, outer_step=0.25, outer_order=12, inner_graded=12)


def _log_phi(w):
    return -0.5 * w * w - _LOG_SQRT_2PI


def _half_line(a, sigma, beta, mu, x, grid):
    """Contribution of h > 0 for fields ``a`` (any shape), sigma > 0.

    Returns the log-prefactor ``lp`` and the brackets ``B`` (dict) such that
    ``E_z1[W f; h > 0] = exp(lp) * B[f]`` for f in (1, t, t2, chi, ell).
    """
    c = a + mu * sigma * sigma                    # mean of h on the shifted Gaussian
    wr = -c / sigma
    logq = log_ndtr(c / sigma)                    # log Phi(-w_R)
    lp = mu * a + 0.5 * mu * mu * sigma * sigma + logq
    mills = np.exp(_log_phi(wr) - logq)           # phi(w_R) / Q: E[w | w > w_R]
    B = {"1": np.ones(a.shape), "t": np.ones(a.shape), "t2": np.ones(a.shape),
         "chi": np.zeros(a.shape), "ell": np.array(c + sigma * mills, dtype=float), "s4": np.zeros(a.shape)}
    if math.isinf(beta):
        # remainders vanish as 1/beta, except beta sech^2 and beta sech^4 (integrals 1 and 2/3)
        B["chi"] = mills / sigma
        B["s4"] = (2.0 / 3.0) * mills / sigma
        return lp, B
    bs = beta * sigma
    w_top = np.sqrt(np.maximum(wr, 0.0) ** 2 + 81.0)
    s_lo = bs * np.maximum(0.0, -9.5 - wr)
    s_hi = np.minimum(_S_MAX, bs * (w_top - wr))
    active = s_hi > s_lo
    if not np.any(active):
        return lp, B
    idx = np.nonzero(active)
    width = (s_hi - s_lo)[idx]
    s = s_lo[idx][:, None] + width[:, None] * grid._t_inner            # (n_active, n)
    wq = width[:, None] * grid._w_inner
    w = wr[idx][:, None] + s / bs
    g = np.exp(_log_phi(w) - logq[idx][:, None]) * wq / bs             # phi(w)/Q dw
    e2 = np.exp(-2.0 * s)
    l1p = np.log1p(e2)
    ex = np.exp(x * l1p)                                               # (1 + e^(-2s))^x
    th = -np.expm1(-2.0 * s) / (1.0 + e2)                              # tanh s
    sech2 = 4.0 * e2 / (1.0 + e2) ** 2
    B["1"][idx] += np.sum(g * (ex - 1.0), axis=-1)
    B["t"][idx] += np.sum(g * (ex * th - 1.0), axis=-1)
    B["t2"][idx] += np.sum(g * (ex * th * th - 1.0), axis=-1)
    B["chi"][idx] += beta * np.sum(g * ex * sech2, axis=-1)
    B["s4"][idx] += beta * np.sum(g * ex * sech2 * sech2, axis=-1)
    B["ell"][idx] += np.sum(g * ((ex - 1.0) * s + ex * l1p), axis=-1) / beta
    return lp, B


def inner(a, sigma, beta, mu, grid=DEFAULT_GRID):
    """Inner 1RSB averages at fields ``a`` (see the module docstring).

    Parameters
    ----------
    a : ndarray of float, any shape
        Field before the inner noise, ``b + sigma0 z0``.
    sigma : float >= 0
        Standard deviation of the inner noise (``sigma = 0``: no inner average).
    beta : float > 0 or inf
    mu : float > 0
        ``beta x``; at finite beta ``x = mu / beta`` must lie in (0, 1].
    grid : Grid

    Returns
    -------
    dict of ndarrays (shape of ``a``): ``psi, t1, t2, chi, ell, s4``.
    """
    a = np.asarray(a, dtype=float)
    x = 0.0 if math.isinf(beta) else mu / beta
    if sigma == 0.0:
        return _no_inner(a, beta)
    lpr, br = _half_line(a, sigma, beta, mu, x, grid)
    lpl, bl = _half_line(-a, sigma, beta, mu, x, grid)
    top = np.maximum(lpr, lpl)
    wr = np.exp(lpr - top)
    wl = np.exp(lpl - top)
    z = wr * br["1"] + wl * bl["1"]
    return {
        "psi": (top + np.log(z)) / mu,
        "t1": (wr * br["t"] - wl * bl["t"]) / z,
        "t2": (wr * br["t2"] + wl * bl["t2"]) / z,
        "chi": (wr * br["chi"] + wl * bl["chi"]) / z,
        "ell": (wr * br["ell"] + wl * bl["ell"]) / z,
        "s4": (wr * br["s4"] + wl * bl["s4"]) / z,
    }


def _no_inner(a, beta):
    if math.isinf(beta):
        absa = np.abs(a)
        return {"psi": absa, "t1": np.sign(a), "t2": np.ones_like(a), "chi": np.zeros_like(a), "ell": absa,
                "s4": np.zeros_like(a)}
    y = beta * np.abs(a)
    e2 = np.exp(-2.0 * y)
    lc = np.abs(a) + np.log1p(e2) / beta
    th = np.tanh(beta * a)
    sech2 = 4.0 * e2 / (1.0 + e2) ** 2
    return {"psi": lc, "t1": th, "t2": th * th, "chi": beta * sech2, "ell": lc, "s4": beta * sech2 * sech2}


def outer_nodes(b, sigma0, feature, grid=DEFAULT_GRID):
    """Nodes and weights of E_z0[F(b + sigma0 z0)] (weights include the Gaussian density).

    Panels are graded towards ``z* = -b / sigma0`` (where the field vanishes) down to the
    width ``feature / sigma0``; ``feature = 0`` only splits at z*.

    Returns
    -------
    z0, weights : ndarray of float, shape (n,)
    """
    L = _L_OUTER
    step = grid.outer_step
    zs = -b / sigma0
    edges = [-L, L]
    if -L < zs < L:
        edges.append(zs)
        eps = feature / sigma0
        if eps > 0.0:
            d = eps
            while d < step:
                edges += [zs - d, zs + d]
                d *= 2.0
        k = np.arange(1, int(2 * L / step) + 2)
        edges += list(zs + step * k) + list(zs - step * k)
    else:
        edges += list(np.linspace(-L, L, int(2 * L / step) + 1))
    e = np.unique(np.clip(np.asarray(edges, dtype=float), -L, L))
    e = e[np.concatenate(([True], np.diff(e) > 1e-15))]
    lo, wd = e[:-1], np.diff(e)
    z = (lo[:, None] + wd[:, None] * grid._t_outer).ravel()
    w = (wd[:, None] * grid._w_outer).ravel() * np.exp(_log_phi(z))
    return z, w


def averages(b, sigma0, sigma1, beta, mu, grid=DEFAULT_GRID):
    """Outer averages of the 1RSB inner quantities for the field ``b + sigma0 z0 + sigma1 z1``.

    Returns
    -------
    dict of floats:
        ``psi = E psi``, ``m = E t1``, ``q1 = E t2``, ``q0 = E t1^2``, ``chi = E chi``
        (= beta (1 - q1)), ``ell = E ell``, ``s4 = E s4``.
    """
    if sigma0 == 0.0:
        v = inner(np.array([b]), sigma1, beta, mu, grid)
        t1 = v["t1"][0]
        return {"psi": v["psi"][0], "m": t1, "q1": v["t2"][0], "q0": t1 * t1,
                "chi": v["chi"][0], "ell": v["ell"][0], "s4": v["s4"][0]}
    if math.isinf(beta) and sigma1 == 0.0:
        # T = 0 replica symmetric limit: sign(h), a delta function in chi
        y = b / sigma0
        absmean = b * math.erf(y / math.sqrt(2.0)) + sigma0 * math.sqrt(2.0 / math.pi) * math.exp(-0.5 * y * y)
        dens = math.exp(-0.5 * y * y - _LOG_SQRT_2PI) / sigma0          # density of h at 0
        return {"psi": absmean, "m": math.erf(y / math.sqrt(2.0)), "q1": 1.0, "q0": 1.0,
                "chi": 2.0 * dens, "ell": absmean, "s4": 4.0 / 3.0 * dens}
    feat = 1.0 / beta if not math.isinf(beta) else 0.0
    if sigma1 > 0.0:
        feat = max(feat, min(sigma1, 1.0 / mu))
    z, w = outer_nodes(b, sigma0, feat, grid)
    v = inner(b + sigma0 * z, sigma1, beta, mu, grid)
    t1 = v["t1"]
    return {"psi": w @ v["psi"], "m": w @ t1, "q1": w @ v["t2"], "q0": w @ (t1 * t1),
            "chi": w @ v["chi"], "ell": w @ v["ell"], "s4": w @ v["s4"]}
