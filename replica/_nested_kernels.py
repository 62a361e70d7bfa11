"""Compiled nested Gaussian averages of one-step RSB (the kernel of ``Breakpoint.nested``).

For an Ising spin in the field ``h = b + s0 z0 + s1 z1`` (``z0``, ``z1`` standard normal)
with the Parisi weight ``W = (2 cosh beta h)^x`` on the inner variable ``z1``, ``mu = beta x``
(finite at T = 0), the inner quantities at fixed ``a = b + s0 z0`` are

    psi = (1/mu) ln E_z1 W,  t1 = <tanh beta h>,  t2 = <tanh^2 beta h>,
    chi = beta <sech^2 beta h>,  ell = <(1/beta) ln 2cosh beta h>,  s4 = beta <sech^4 beta h>

with ``<f> = E_z1[W f] / E_z1[W]``, and :func:`nested` returns their outer averages
``(E psi, E t1, E t2, E t1^2, E chi, E ell, E s4)`` for B rows, each row on its own.

Each half-line h > 0 and h < 0 of the inner average is done separately: on h > 0,
``W = e^(mu h) (1 + e^(-2 beta h))^x`` and ``e^(mu h) phi(z1)`` is a shifted Gaussian, so

    E_z1[W f; h > 0] = e^(mu a + mu^2 s1^2 / 2) int_{w > w_R} phi(w) (1 + e^(-2y))^x f dw,

``y = beta s1 (w - w_R)``, ``w_R = -(a + mu s1^2) / s1``. The integrand tends to its large-y
limit (1, tanh -> 1, ...) whose truncated-Gaussian integral is closed form (``Q = Phi(-w_R)``,
inverse Mills ratio); the remainder decays like e^(-2y) and is integrated with composite
Gauss-Legendre on the window where it matters. At beta = inf the remainders vanish (except
chi and s4, whose limits are closed form too). Everything is summed relative to the largest
log-prefactor (no overflow for any beta, mu); a half-line whose weight is below e^(-60) of the
other is skipped (it changes nothing in double precision).

The outer average over z0 uses composite Gauss-Legendre panels on [-L, L], graded towards
the point ``a = 0`` where the inner averages vary fastest (width ``max(1/beta, min(s1, 1/mu))``).

The grid is the tuple ``(t_inner, w_inner, t_outer, w_outer, outer_step)`` of
:class:`replica.quadrature.NestedGrid`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit import options

__all__ = ["nested", "log_ndtr"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
#: outer integration range [-L, L] in units of the standard deviation
_L_OUTER = 9.0
#: the remainder of the inner integrand decays like e^(-2y): stop at y = _S_MAX
_S_MAX = 20.0
#: a half-line whose log-prefactor is this far below the other's contributes nothing
_NEGLIGIBLE = 60.0


@njit(**options())
def nested(b, s0, s1, beta, mu, grid, out):
    """``out[:, i] = (psi, m, q1, q0, chi, ell, s4)`` of row i (arrays of length B)."""
    for i in range(b.size):
        _row(b[i], abs(s0[i]), abs(s1[i]), beta[i], mu[i], grid, out, i)


@njit(**options())
def log_ndtr(x):
    """``ln Phi(x)``, accurate for every x (asymptotic series in the far left tail)."""
    if x > -1.0:
        return math.log1p(-0.5 * math.erfc(x / _SQRT2))
    if x > -20.0:
        return math.log(0.5 * math.erfc(-x / _SQRT2))
    x2 = x * x
    s = 1.0
    term = 1.0
    for k in range(1, 30):
        term *= -(2.0 * k - 1.0) / x2
        s += term
        if abs(term) < 1e-17:
            break
    return -0.5 * x2 - math.log(-x) - _LOG_SQRT_2PI + math.log(s)


@njit(**options())
def _row(b, s0, s1, beta, mu, grid, out, i):
    t_in, w_in, t_out, w_out, step = grid
    res = np.zeros(6)
    work = np.zeros((2, 6))
    std = _standard_window(s1, beta, mu, t_in, w_in)
    if s0 == 0.0:
        _inner(b, s1, beta, mu, t_in, w_in, std, work, res)
        out[0, i], out[1, i], out[2, i] = res[0], res[1], res[2]
        out[3, i] = res[1] * res[1]
        out[4, i], out[5, i], out[6, i] = res[3], res[4], res[5]
        return
    if math.isinf(beta) and s1 == 0.0:
        # T = 0 replica symmetric limit: sign(h), a delta function in chi
        y = b / s0
        absmean = b * math.erf(y / _SQRT2) + s0 * _SQRT_2_OVER_PI * math.exp(-0.5 * y * y)
        dens = math.exp(-0.5 * y * y - _LOG_SQRT_2PI) / s0
        out[0, i], out[1, i], out[2, i], out[3, i] = absmean, math.erf(y / _SQRT2), 1.0, 1.0
        out[4, i], out[5, i], out[6, i] = 2.0 * dens, absmean, 4.0 / 3.0 * dens
        return
    feat = 0.0 if math.isinf(beta) else 1.0 / beta
    if s1 > 0.0:
        feat = max(feat, min(s1, 1.0 / mu))
    e = _outer_edges(b, s0, feat, step)
    acc = np.zeros(7)
    for j in range(e.size - 1):
        lo, wd = e[j], e[j + 1] - e[j]
        for k in range(t_out.size):
            z = lo + wd * t_out[k]
            w = wd * w_out[k] * math.exp(-0.5 * z * z - _LOG_SQRT_2PI)
            _inner(b + s0 * z, s1, beta, mu, t_in, w_in, std, work, res)
            acc[0] += w * res[0]
            acc[1] += w * res[1]
            acc[2] += w * res[2]
            acc[3] += w * res[1] * res[1]
            acc[4] += w * res[3]
            acc[5] += w * res[4]
            acc[6] += w * res[5]
    for k in range(7):
        out[k, i] = acc[k]


@njit(**options())
def _outer_edges(b, s0, feature, step):
    """Panel edges on [-L, L], graded towards ``z* = -b/s0`` down to ``feature/s0``."""
    L = _L_OUTER
    zs = -b / s0
    nk = int(2.0 * L / step) + 1
    buf = np.empty(3 + 2 * 64 + 2 * (nk + 1))
    n = 0
    buf[0], buf[1] = -L, L
    n = 2
    if -L < zs < L:
        buf[n] = zs
        n += 1
        eps = feature / s0
        if eps > 0.0:
            d = eps
            while d < step and n < 3 + 2 * 64:
                buf[n], buf[n + 1] = zs - d, zs + d
                n += 2
                d *= 2.0
        for k in range(1, nk + 1):
            buf[n], buf[n + 1] = zs + step * k, zs - step * k
            n += 2
    else:
        for k in range(nk):
            buf[n] = -L + 2.0 * L * k / (nk - 1)
            n += 1
    e = np.sort(np.minimum(np.maximum(buf[:n], -L), L))
    keep = np.empty(n, dtype=np.bool_)
    keep[0] = True
    for k in range(1, n):
        keep[k] = e[k] - e[k - 1] > 1e-15
    return e[keep]


@njit(**options())
def _standard_window(sigma, beta, mu, t_in, w_in):
    """The inner integrand's factors at the nodes of the full window s in [0, _S_MAX], which
    depend on the row only (x): rows ``s, width * weight`` and the e^(-2s) terms of
    :func:`_half_line` (used wherever its window is the full one). Empty at T = 0 / no noise."""
    if math.isinf(beta) or sigma == 0.0:
        return np.zeros((8, 0))
    x = mu / beta
    n = t_in.size
    std = np.empty((8, n))
    for k in range(n):
        s = _S_MAX * t_in[k]
        e2 = math.exp(-2.0 * s)
        l1p = math.log1p(e2)
        ex = math.exp(x * l1p)
        th = -math.expm1(-2.0 * s) / (1.0 + e2)
        sech2 = 4.0 * e2 / ((1.0 + e2) * (1.0 + e2))
        std[0, k] = s
        std[1, k] = _S_MAX * w_in[k]
        std[2, k] = ex - 1.0
        std[3, k] = ex * th - 1.0
        std[4, k] = ex * th * th - 1.0
        std[5, k] = ex * sech2
        std[6, k] = (ex - 1.0) * s + ex * l1p
        std[7, k] = ex * sech2 * sech2
    return std


@njit(**options())
def _inner(a, sigma, beta, mu, t_in, w_in, std, work, res):
    """Inner averages at the field a: ``res = (psi, t1, t2, chi, ell, s4)``."""
    inf = math.isinf(beta)
    if sigma == 0.0:
        if inf:
            aa = abs(a)
            res[0], res[1], res[2], res[3], res[4], res[5] = aa, (a > 0) - (a < 0), 1.0, 0.0, aa, 0.0
        else:
            y = beta * abs(a)
            e2 = math.exp(-2.0 * y)
            lc = abs(a) + math.log1p(e2) / beta
            th = math.tanh(beta * a)
            sech2 = 4.0 * e2 / ((1.0 + e2) * (1.0 + e2))
            res[0], res[1], res[2], res[3], res[4], res[5] = lc, th, th * th, beta * sech2, lc, beta * sech2 * sech2
        return
    x = 0.0 if inf else mu / beta
    # log-prefactors of the two half-lines (h > 0 at field a, h < 0 = h > 0 at field -a)
    cr, cl = a + mu * sigma * sigma, -a + mu * sigma * sigma
    lqr, lql = log_ndtr(cr / sigma), log_ndtr(cl / sigma)
    lpr = mu * a + 0.5 * mu * mu * sigma * sigma + lqr
    lpl = -mu * a + 0.5 * mu * mu * sigma * sigma + lql
    top = max(lpr, lpl)
    r, l = work[0], work[1]
    r[:] = 0.0
    l[:] = 0.0
    if lpr > top - _NEGLIGIBLE:
        _half_line(cr, lqr, sigma, beta, x, inf, t_in, w_in, std, r)
    if lpl > top - _NEGLIGIBLE:
        _half_line(cl, lql, sigma, beta, x, inf, t_in, w_in, std, l)
    wr = math.exp(lpr - top)
    wl = math.exp(lpl - top)
    z = wr * r[0] + wl * l[0]
    res[0] = (top + math.log(z)) / mu
    res[1] = (wr * r[1] - wl * l[1]) / z
    res[2] = (wr * r[2] + wl * l[2]) / z
    res[3] = (wr * r[3] + wl * l[3]) / z
    res[4] = (wr * r[4] + wl * l[4]) / z
    res[5] = (wr * r[5] + wl * l[5]) / z


@njit(**options())
def _half_line(c, logq, sigma, beta, x, inf, t_in, w_in, std, B):
    """Brackets ``B = (1, t, t2, chi, ell, s4)`` of the half-line h > 0 (mean of h: c)."""
    wr = -c / sigma
    mills = math.exp(-0.5 * wr * wr - _LOG_SQRT_2PI - logq)     # phi(w_R) / Q
    B[0], B[1], B[2], B[3], B[4], B[5] = 1.0, 1.0, 1.0, 0.0, c + sigma * mills, 0.0
    if inf:
        # remainders vanish as 1/beta, except beta sech^2 and beta sech^4 (integrals 1 and 2/3)
        B[3] = mills / sigma
        B[5] = (2.0 / 3.0) * mills / sigma
        return
    bs = beta * sigma
    w_top = math.sqrt(max(wr, 0.0) ** 2 + 81.0)
    s_lo = bs * max(0.0, -9.5 - wr)
    s_hi = min(_S_MAX, bs * (w_top - wr))
    if not s_hi > s_lo:
        return
    width = s_hi - s_lo
    a1 = at = at2 = achi = as4 = aell = 0.0
    if s_lo == 0.0 and s_hi == _S_MAX:
        # the full window: only the Gaussian factor depends on the field
        c0 = -0.5 * wr * wr - _LOG_SQRT_2PI - logq
        for k in range(t_in.size):
            s = std[0, k]
            g = math.exp(c0 - s * (wr + 0.5 * s / bs) / bs) * std[1, k] / bs
            a1 += g * std[2, k]
            at += g * std[3, k]
            at2 += g * std[4, k]
            achi += g * std[5, k]
            as4 += g * std[7, k]
            aell += g * std[6, k]
    else:
        for k in range(t_in.size):
            s = s_lo + width * t_in[k]
            w = wr + s / bs
            g = math.exp(-0.5 * w * w - _LOG_SQRT_2PI - logq) * width * w_in[k] / bs      # phi(w)/Q dw
            e2 = math.exp(-2.0 * s)
            l1p = math.log1p(e2)
            ex = math.exp(x * l1p)                                    # (1 + e^(-2s))^x
            th = -math.expm1(-2.0 * s) / (1.0 + e2)                   # tanh s
            sech2 = 4.0 * e2 / ((1.0 + e2) * (1.0 + e2))
            a1 += g * (ex - 1.0)
            at += g * (ex * th - 1.0)
            at2 += g * (ex * th * th - 1.0)
            achi += g * ex * sech2
            as4 += g * ex * sech2 * sech2
            aell += g * ((ex - 1.0) * s + ex * l1p)
    B[0] += a1
    B[1] += at
    B[2] += at2
    B[3] += beta * achi
    B[5] += beta * as4
    B[4] += aell / beta
