"""Compiled Gaussian averages of the replica equations (the kernels of :mod:`replica.quadrature`).

One kernel, :func:`average`, computes ``E_z F(beta (a + b z))`` for several kinds F at B
points, each point on its own (a plain loop: the numbers of a point do not depend on the
others, nor on B). The rule is a tuple of arrays (see :func:`replica.quadrature.GaussHermite`
and :class:`replica.quadrature.Breakpoint`, which build it):

    (band_kmax (nb,), band_off (nb + 1,), hz, hw, u, G (5, m))

Gauss-Hermite nodes ``hz[band_off[j]:band_off[j+1]]`` (weights ``hw``, summing to 1) serve
the points with ``beta |b| <= band_kmax[j]`` (first such band); beyond the last band the
breakpoint split: the asymptote's closed form plus the localised remainder on the panel nodes
``u`` with weights ``G`` (rows: tanh, sech2, sech4, logcosh, entropy; ``1/sqrt(2 pi)`` folded
in). ``b = 0`` is evaluated directly, with the ``beta = inf`` limits.

Kind codes are the positions in :data:`replica.quadrature.KINDS`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit import options

__all__ = ["average"]

TANH, TANH2, SECH2, SECH4, LOGCOSH, ENTROPY, BSECH2, BSECH4, LOGCOSH_B = range(9)
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_LOG2 = math.log(2.0)


@njit(**options())
def average(codes, beta, a, b, rule, out):
    """Fill ``out[k, i]`` with the average of kind ``codes[k]`` at point i (arrays of length B)."""
    band_kmax, band_off, hz, hw, u, G = rule
    nb = band_kmax.size
    for i in range(beta.size):
        bi = abs(b[i])
        if bi == 0.0:
            _direct(codes, beta[i], a[i], out, i)
            continue
        kappa = beta[i] * bi
        j = 0
        while j < nb and not kappa <= band_kmax[j]:
            j += 1
        if j < nb:
            _hermite(codes, beta[i], a[i], bi, hz[band_off[j]:band_off[j + 1]], hw[band_off[j]:band_off[j + 1]],
                     out, i)
        else:
            _split(codes, beta[i], a[i], bi, u, G, out, i)


@njit(**options())
def _store(codes, beta, t, t2, s2, s4, lc, ent, out, i):
    """Write the kinds from the base averages (s2, s4 are the UNscaled sech averages)."""
    for k in range(codes.size):
        c = codes[k]
        if c == TANH:
            out[k, i] = t
        elif c == TANH2:
            out[k, i] = t2
        elif c == SECH2:
            out[k, i] = s2
        elif c == SECH4:
            out[k, i] = s4
        elif c == LOGCOSH:
            out[k, i] = lc
        elif c == ENTROPY:
            out[k, i] = ent
        elif c == BSECH2:
            out[k, i] = beta * s2
        elif c == BSECH4:
            out[k, i] = beta * s4
        else:
            out[k, i] = lc / beta


@njit(**options())
def _hermite(codes, beta, a, b, z, w, out, i):
    """Gauss-Hermite average at one point with finite beta (smooth integrand)."""
    t = t2 = s2 = s4 = lc = ent = 0.0
    for k in range(z.size):
        x = beta * (a + b * z[k])
        ax = abs(x)
        e = math.exp(-2.0 * ax)
        th = math.copysign((1.0 - e) / (1.0 + e), x)
        sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
        logc = ax + math.log1p(e)
        t += w[k] * th
        t2 += w[k] * th * th
        s2 += w[k] * sech2
        s4 += w[k] * sech2 * sech2
        lc += w[k] * logc
        ent += w[k] * (logc - x * th)
    _store(codes, beta, t, t2, s2, s4, lc, ent, out, i)


@njit(**options())
def _split(codes, beta, a, b, u, G, out, i):
    """Breakpoint rule at one point (b > 0): closed-form asymptote + localised remainder."""
    inf = math.isinf(beta)
    inv_kappa = 0.0 if inf else 1.0 / (beta * b)
    inv_beta = 0.0 if inf else 1.0 / beta
    z0 = -a / b
    lt = ls2 = ls4 = llc = lent = 0.0
    for k in range(u.size):
        d = inv_kappa * u[k]
        zp = min(max(z0 + d, -37.0), 37.0)          # phi ~ 1e-300 beyond: no denormal numbers
        zm = min(max(z0 - d, -37.0), 37.0)
        php = math.exp(-0.5 * zp * zp)
        phm = math.exp(-0.5 * zm * zm)
        even = php + phm
        lt += (php - phm) * G[0, k]
        ls2 += even * G[1, k]
        ls4 += even * G[2, k]
        llc += even * G[3, k]
        lent += even * G[4, k]
    t = a / (_SQRT2 * b)
    erf_t = math.erf(t)
    e_abs = a * erf_t + b * _SQRT_2_OVER_PI * math.exp(-min(t * t, 700.0))
    for k in range(codes.size):
        c = codes[k]
        if c == TANH:
            out[k, i] = erf_t + lt * inv_kappa
        elif c == TANH2:
            out[k, i] = 1.0 - ls2 * inv_kappa
        elif c == SECH2:
            out[k, i] = ls2 * inv_kappa
        elif c == SECH4:
            out[k, i] = ls4 * inv_kappa
        elif c == LOGCOSH:
            out[k, i] = beta * e_abs + llc * inv_kappa
        elif c == ENTROPY:
            out[k, i] = lent * inv_kappa
        elif c == BSECH2:
            out[k, i] = ls2 / b
        elif c == BSECH4:
            out[k, i] = ls4 / b
        else:
            out[k, i] = e_abs + llc * inv_kappa * inv_beta


@njit(**options())
def _direct(codes, beta, a, out, i):
    """b = 0: no average, F(beta a) itself, with the beta = inf limits."""
    inf = math.isinf(beta)
    zero = a == 0.0
    x = 0.0 if inf else beta * a
    ax = abs(x)
    e = math.exp(-2.0 * ax)
    if inf:
        t = 0.0 if zero else math.copysign(1.0, a)
        s2 = 1.0 if zero else 0.0
    else:
        t = math.copysign((1.0 - e) / (1.0 + e), x)
        s2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
    lc = ax + math.log1p(e)
    for k in range(codes.size):
        c = codes[k]
        if c == TANH:
            out[k, i] = t
        elif c == TANH2:
            out[k, i] = t * t
        elif c == SECH2:
            out[k, i] = s2
        elif c == SECH4:
            out[k, i] = s2 * s2
        elif c == BSECH2:
            out[k, i] = (np.inf if zero else 0.0) if inf else beta * s2
        elif c == BSECH4:
            out[k, i] = (np.inf if zero else 0.0) if inf else beta * s2 * s2
        elif c == LOGCOSH:
            out[k, i] = np.inf if inf else lc
        elif c == LOGCOSH_B:
            out[k, i] = abs(a) if inf else lc / beta
        else:
            out[k, i] = (_LOG2 if zero else 0.0) if inf else lc - x * t
