"""Gaussian averages for replica equations, as injectable quadrature objects.

Every replica equation of this package is built from averages over a standard Gaussian
``z ~ N(0, 1)`` of a few functions of a local field ``h = a + b z`` at inverse temperature
``beta``:

    E_z[ F(beta (a + b z)) ],   F in KINDS,

with ``a``, ``b`` and ``beta`` arrays that broadcast together (one entry per point of a
phase diagram, per order-parameter probe, ...). Two rules are provided:

* :class:`GaussHermite` -- plain Gauss-Hermite. Exact to ~1e-13 for smooth integrands
  (``beta b`` small), but ``tanh(beta h)`` at large ``beta b`` is a step smeared over a
  width ``1/(beta b)``: plain Gauss-Hermite then mis-integrates it (errors of order 1e-3 at
  ``beta b = 10`` and worse), which is known to create spurious solutions of the saddle-point
  equations at low temperature. Kept for smooth integrands and to document that failure.
* :class:`Breakpoint` (the package default) -- splits each ``F`` into its
  ``beta -> infinity`` asymptote ``F_inf`` (``sign``, ``1``, ``0``, ``0``, ``|x|``), whose
  Gaussian average is closed form (error functions, Gaussian moments), plus a part ``G``
  localised at the zero ``z0 = -a/b`` of the field (``G`` decays like ``exp(-2|u|)``). ``G`` is
  integrated in the scaled variable ``u = beta b (z - z0)`` on both sides of the breakpoint
  ``u = 0`` with composite Gauss-Legendre panels. Plain Gauss-Hermite (64 nodes) is used
  where ``beta b <= 0.6`` (smooth integrand) and direct evaluation where ``b = 0``. Absolute
  accuracy about 1e-13 for every ``beta`` including ``beta = inf``.

Kinds
-----
``"tanh"``          E tanh(beta h)
``"tanh2"``         E tanh(beta h)^2
``"sech2"``         E sech(beta h)^2              (= 1 - E tanh^2, computed without cancellation)
``"sech4"``         E sech(beta h)^4
``"logcosh"``       E ln(2 cosh(beta h))
``"entropy"``       E [ln(2 cosh x) - x tanh x], x = beta h   (entropy of a spin in the field h)
``"beta*sech2"``    beta E sech(beta h)^2          (finite at beta = inf: 2 phi(a/b) / b)
``"beta*sech4"``    beta E sech(beta h)^4          (finite at beta = inf: (4/3) phi(a/b) / b)
``"logcosh/beta"``  E ln(2 cosh(beta h)) / beta    (finite at beta = inf: E|h|)

The scaled kinds are the ones with a finite ``beta -> infinity`` limit, so that T = 0
equations are the same code evaluated at ``beta = inf`` (no ``beta = 1e6``).

One-step RSB needs nested averages over ``z0`` and ``z1`` with the Parisi weight
``(2 cosh beta h)^x``, ``h = b + s0 z0 + s1 z1``: :meth:`Breakpoint.nested` (exact at every
beta: half-line split of the inner average with closed-form limits, graded outer panels; its
resolution a :class:`NestedGrid`; :meth:`Breakpoint.coarse` the cheaper rule of the branch
searches) and :meth:`GaussHermite.nested` (plain product rule, smooth integrands only). The
1RSB models use ``nested`` of the injected rule for every average; a rule without it is
refused at level ``"1rsb"``.

Besides these, :meth:`GaussHermite.expect` averages any smooth vectorised function, and
:attr:`GaussHermite.nodes` / :attr:`GaussHermite.weights` expose the rule.

The averages are compiled (:mod:`replica._quad_kernels`, :mod:`replica._nested_kernels`;
Numba, imported at the first average): every point is summed on its own, so a point of a
grid gets the same bits as the point alone.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["KINDS", "NESTED", "GaussHermite", "Breakpoint", "NestedGrid", "DEFAULT"]

KINDS = ("tanh", "tanh2", "sech2", "sech4", "logcosh", "entropy", "beta*sech2", "beta*sech4", "logcosh/beta")
#: the outer averages returned by ``nested`` (one-step RSB), in this order
NESTED = ("psi", "m", "q1", "q0", "chi", "ell", "s4")

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# Composite Gauss-Legendre panels in u = beta b (z - z0) on (0, 19); exp(-38) ~ 3e-17.
_PANEL_EDGES = (0.0, 0.6, 1.3, 2.2, 3.3, 4.8, 6.8, 9.5, 13.5, 19.0)
_PANEL_NODES = 8


class GaussHermite:
    """Plain Gauss-Hermite averages over ``z ~ N(0, 1)``.

    Parameters
    ----------
    n : int >= 2
        Number of nodes (default 64).

    Attributes
    ----------
    nodes, weights : ndarray of float64, shape (n,)
        ``E f(z) ~= sum(weights * f(nodes))`` (probabilists' Hermite rule, weights sum to 1).
    """

    def __init__(self, n=64):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        self.n = int(n)
        self.nodes, self.weights = _hermite_rule(self.n)
        self._rule = _rule([(np.inf, self.nodes, self.weights)])

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n})"

    # ------------------------------------------------------------------ generic smooth averages
    def expect(self, f, a=0.0, b=1.0):
        """Average ``E_z f(a + b z)`` of a smooth vectorised function.

        Parameters
        ----------
        f : callable
            Maps an ndarray of float64 to an ndarray of the same shape.
        a, b : array_like of float
            Broadcast together; the result has their broadcast shape.

        Returns
        -------
        ndarray of float64 (or float for scalar a, b)
        """
        a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        vals = f(a[..., None] + b[..., None] * self.nodes)
        out = np.einsum("...j,j->...", vals, self.weights)
        return float(out) if out.ndim == 0 else out

    # ------------------------------------------------------------------ the named averages
    def average(self, kinds, beta, a, b):
        """Averages ``E_z F(beta (a + b z))`` for one or several kinds.

        Parameters
        ----------
        kinds : str or tuple of str
            Names from :data:`KINDS`. Several kinds at the same points share the work.
        beta : array_like of float in (0, inf]
            Inverse temperature; ``inf`` gives the T = 0 limit (see the kinds).
        a, b : array_like of float
            Mean and standard deviation of the field ``h = a + b z`` (the sign of ``b`` is
            irrelevant). ``beta``, ``a``, ``b`` broadcast together.

        Returns
        -------
        ndarray of float64 of the broadcast shape (float if 0-d), or a tuple of them when
        ``kinds`` is a tuple (in the same order).

        Raises
        ------
        ValueError
            Unknown kind, ``beta <= 0`` or NaN; for plain Gauss-Hermite also ``beta = inf``
            with ``b != 0`` (a step function cannot be integrated by it).
        """
        single = isinstance(kinds, str)
        codes = _codes(kinds)
        beta, a, b = np.asarray(beta, dtype=float), np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if not (beta.shape == a.shape == b.shape):
            beta, a, b = np.broadcast_arrays(beta, a, b)
        shape = beta.shape
        if len(shape) != 1:                    # (the kernel gets contiguous copies of 1-D views)
            beta, a, b = beta.ravel(), a.ravel(), b.ravel()
        b = np.abs(b)
        if not (beta > 0).all():
            raise ValueError(f"beta must be in (0, inf], got {beta[~(beta > 0)][0]!r}")
        res = self._fill(codes, beta, a, b)
        if shape == ():
            res = tuple(float(r[0]) for r in res)
        elif len(shape) != 1:
            res = tuple(r.reshape(shape) for r in res)
        return res[0] if single else tuple(res)

    # ------------------------------------------------------------------ one-step RSB
    def nested(self, b, s0, s1, beta, mu):
        """One-step RSB averages for the field ``h = b + s0 z0 + s1 z1`` (see :data:`NESTED`).

        With the Parisi weight ``W = (2 cosh beta h)^x`` on ``z1`` (``mu = beta x``) and
        ``<f> = E_z1[W f] / E_z1[W]``: ``psi = E_z0 (1/mu) ln E_z1 W``, ``m = E <tanh>``,
        ``q1 = E <tanh^2>``, ``q0 = E <tanh>^2``, ``chi = beta E <sech^2>``,
        ``ell = E <ln(2 cosh beta h)/beta>``, ``s4 = beta E <sech^4>``. Arrays broadcast.

        Plain Gauss-Hermite (``n`` nodes in z0 and in z1): right for smooth integrands
        (``beta s`` small) only; ``beta = inf`` with noise is refused.

        Returns
        -------
        dict name -> ndarray (the broadcast shape)
        """
        b, s0, s1, beta, mu = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, s0, s1, beta, mu)))
        _check_nested(beta, mu)
        if np.any(np.isinf(beta) & ((s0 != 0) | (s1 != 0))):
            raise ValueError("beta = inf with noise averages a step function, which plain Gauss-Hermite "
                             "cannot do: use the Breakpoint rule")
        z, w = self.nodes, self.weights
        h = (b[..., None, None] + np.abs(s0)[..., None, None] * z[:, None]
             + np.abs(s1)[..., None, None] * z[None, :])                          # (..., outer, inner)
        y = beta[..., None, None] * h
        ay = np.abs(y)
        lc = ay + np.log1p(np.exp(-2.0 * ay))                                      # ln 2cosh y
        x = (mu / beta)[..., None, None]
        logw = x * lc
        top = logw.max(axis=-1, keepdims=True)
        W = np.exp(logw - top) * w
        Z = W.sum(axis=-1)
        t = np.tanh(y)
        s2 = 4.0 * np.exp(-2.0 * ay) / (1.0 + np.exp(-2.0 * ay)) ** 2
        bb = beta[..., None]
        inner = {"psi": (top[..., 0] + np.log(Z)) / mu[..., None], "t1": (W * t).sum(-1) / Z,
                 "t2": (W * t * t).sum(-1) / Z, "chi": bb * (W * s2).sum(-1) / Z,
                 "ell": (W * lc).sum(-1) / Z / bb, "s4": bb * (W * s2 * s2).sum(-1) / Z}
        avg = {k: v @ w for k, v in inner.items()}
        return {"psi": avg["psi"], "m": avg["t1"], "q1": avg["t2"], "q0": (inner["t1"] ** 2) @ w,
                "chi": avg["chi"], "ell": avg["ell"], "s4": avg["s4"]}

    def coarse(self):
        """A cheaper rule of the same kind for searches (solutions are polished with ``self``)."""
        return self

    def _fill(self, codes, beta, a, b):
        if np.any(np.isinf(beta) & (b != 0.0)):
            raise ValueError("beta = inf with b != 0 averages a step function, which plain "
                             "Gauss-Hermite cannot do: use the Breakpoint rule")
        return _compiled(codes, beta, a, b, self._rule)


class Breakpoint(GaussHermite):
    """Breakpoint-aware averages of ``F(beta h)``: exact to ~1e-12 at every ``beta``.

    ``F = F_inf + G`` with the closed-form average of the asymptote ``F_inf`` and the localised
    remainder ``G`` integrated in ``u = beta b (z - z0)`` on both sides of ``u = 0``
    (composite Gauss-Legendre, 9 panels x 8 nodes on (0, 19)) where ``kappa = beta b > 0.6``.
    Where ``kappa <= 0.6`` the integrand is smooth (its poles lie at distance
    ``pi / (2 kappa)`` from the real axis) and Gauss-Hermite is exact with few nodes: 16, 28,
    48, 64 nodes for ``kappa`` up to 0.2, 0.3, 0.45, 0.6. ``b = 0`` is evaluated directly.
    Measured against adaptive quadrature: absolute error below 4e-13 for every kind (1.5e-12
    for ``"entropy"``), ``kappa`` from 0.1 to infinity, ``|a/b|`` up to 12.

    Parameters
    ----------
    n : int
        Gauss-Hermite nodes of :meth:`expect` (smooth integrands; default 64).
    """

    _BANDS = ((0.2, 16), (0.3, 28), (0.45, 48), (0.6, 64))

    def __init__(self, n=64, nested_grid=None):
        super().__init__(n)
        if nested_grid is None:
            nested_grid = NestedGrid()
        if not isinstance(nested_grid, NestedGrid):
            raise ValueError(f"nested_grid must be a replica.quadrature.NestedGrid, got {nested_grid!r}")
        self.nested_grid = nested_grid
        self._coarse = None
        self.switch = self._BANDS[-1][0]
        x, w = np.polynomial.legendre.leggauss(_PANEL_NODES)
        edges = np.asarray(_PANEL_EDGES)
        lo, hi = edges[:-1, None], edges[1:, None]
        u = (0.5 * (hi - lo) * x + 0.5 * (hi + lo)).ravel()
        wu = (0.5 * (hi - lo) * w).ravel()
        e = np.exp(-2.0 * u)
        d = 1.0 + e
        s2 = 4.0 * e / (d * d)
        # localised parts on u > 0 with the weights and 1/sqrt(2 pi) folded in;
        # parity in u: tanh - sign is odd, the others are even
        c = wu * _INV_SQRT_2PI
        G = np.stack([c * (-2.0 * e / d), c * s2, c * s2 * s2, c * np.log1p(e), c * (np.log1p(e) + u * (2.0 * e / d))])
        self._rule = _rule([(kmax, *_hermite_rule(m)) for kmax, m in self._BANDS], u, G)

    def __repr__(self):
        return f"Breakpoint(n={self.n}, nested_grid={self.nested_grid!r})"

    def _fill(self, codes, beta, a, b):
        return _compiled(codes, beta, a, b, self._rule)

    def nested(self, b, s0, s1, beta, mu):
        """One-step RSB averages, exact at every temperature (see :meth:`GaussHermite.nested`
        for the quantities). Half-line split of the inner average at h = 0, closed forms of
        its large-|h| limits, composite Gauss-Legendre for the rest, outer panels graded
        towards the zero of the field (:mod:`replica._nested_kernels`); ``beta = inf`` is the
        T = 0 limit (``mu`` finite). Accuracy ~1e-12 with the default :class:`NestedGrid`.
        """
        global _nested_kernels
        b, s0, s1, beta, mu = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, s0, s1, beta, mu)))
        _check_nested(beta, mu)
        if _nested_kernels is None:
            from . import _nested_kernels
        shape = b.shape
        out = np.empty((len(NESTED), b.size))
        _nested_kernels.nested(*(np.ascontiguousarray(v).ravel() for v in (b, s0, s1, beta, mu)),
                               self.nested_grid.arrays, out)
        return {k: out[i].reshape(shape) for i, k in enumerate(NESTED)}

    def coarse(self):
        """The same rule with the coarse nested grid (~7x cheaper, ~1e-8): for branch searches."""
        if self._coarse is None:
            self._coarse = Breakpoint(self.n, self.nested_grid.coarser())
        return self._coarse


class NestedGrid:
    """Resolution of the one-step RSB averages of :meth:`Breakpoint.nested`.

    Parameters
    ----------
    inner_panels, inner_order, inner_graded : int
        Composite Gauss-Legendre for the finite-temperature remainder of the inner average
        (per half-line): ``inner_panels`` uniform panels united with ``inner_graded`` panels
        halving towards h = 0, ``inner_order`` points each.
    outer_step : float
        Panel width (in units of the outer standard deviation) far from the zero of the field.
    outer_order : int
        Gauss-Legendre points per outer panel.
    """

    def __init__(self, inner_panels=10, inner_order=8, outer_step=0.75, outer_order=8, inner_graded=8):
        self.inner_panels = _checks_int("inner_panels", inner_panels)
        self.inner_order = _checks_int("inner_order", inner_order)
        self.inner_graded = _checks_int("inner_graded", inner_graded, low=0)
        self.outer_order = _checks_int("outer_order", outer_order)
        if not (isinstance(outer_step, (int, float)) and 0.01 <= outer_step <= 3.0):
            raise ValueError(f"outer_step must be in [0.01, 3], got {outer_step!r}")
        self.outer_step = float(outer_step)
        uni = np.arange(1, self.inner_panels) / self.inner_panels
        geo = 0.5 ** np.arange(1, self.inner_graded + 1)
        e = np.unique(np.concatenate(([0.0, 1.0], uni, geo)))
        t, w = _gauss_legendre(self.inner_order)
        t_in = (e[:-1, None] + np.diff(e)[:, None] * t[None, :]).ravel()
        w_in = (np.diff(e)[:, None] * w[None, :]).ravel()
        t_out, w_out = _gauss_legendre(self.outer_order)
        self.arrays = (t_in, w_in, t_out, w_out, self.outer_step)

    def coarser(self):
        """About seven times fewer nodes (accuracy ~1e-8): for the searches of branches, whose
        results are polished with the full grid."""
        return NestedGrid(inner_panels=4, inner_order=6, outer_step=1.5, outer_order=6, inner_graded=4)

    def __repr__(self):
        return (f"NestedGrid(inner_panels={self.inner_panels}, inner_order={self.inner_order}, "
                f"outer_step={self.outer_step}, outer_order={self.outer_order}, inner_graded={self.inner_graded})")


def _checks_int(name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w          # nodes and weights on [0, 1]


def _check_nested(beta, mu):
    with np.errstate(invalid="ignore"):
        if not np.any(~(beta > 0) | ~(mu > 0) | (mu > beta * (1.0 + 1e-12))):
            return
    if np.any(~(beta > 0)):
        raise ValueError(f"beta must be in (0, inf], got {beta[~(beta > 0)].flat[0]!r}")
    if np.any(~(mu > 0)):
        raise ValueError(f"mu = beta x must be > 0, got {mu[~(mu > 0)].flat[0]!r}")
    if np.any(np.isfinite(beta) & (mu > beta * (1.0 + 1e-12))):
        raise ValueError("mu = beta x must be <= beta (Parisi parameter x in (0, 1])")


def _rule(bands, u=None, G=None):
    """The rule tuple of :func:`replica._quad_kernels.average`: Hermite bands, then the split."""
    kmax = np.array([k for k, _, _ in bands], dtype=float)
    off = np.concatenate([[0], np.cumsum([z.size for _, z, _ in bands])]).astype(np.int64)
    hz = np.concatenate([z for _, z, _ in bands])
    hw = np.concatenate([w for _, _, w in bands])
    u = np.zeros(0) if u is None else np.ascontiguousarray(u, dtype=float)
    G = np.zeros((5, 0)) if G is None else np.ascontiguousarray(G, dtype=float)
    return kmax, off, hz, hw, u, G


_CODES = {k: i for i, k in enumerate(KINDS)}
_CODE_ARRAYS = {}
_kernels = None
_nested_kernels = None


def _codes(kinds):
    """Kernel codes (int64 array) of a kind or tuple of kinds, cached per request; ValueError
    naming an unknown kind."""
    codes = _CODE_ARRAYS.get(kinds) if isinstance(kinds, (str, tuple)) else None
    if codes is None:
        names = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        for k in names:
            if k not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {k!r}")
        codes = np.array([_CODES[k] for k in names], dtype=np.int64)
        if isinstance(kinds, (str, tuple)) and len(_CODE_ARRAYS) < 256:
            _CODE_ARRAYS[kinds] = codes
    return codes


def _compiled(codes, beta, a, b, rule):
    """Run the compiled kernel (imported at the first average: Numba loads only when needed);
    returns ndarray (len(codes), B), one row per kind."""
    global _kernels
    if _kernels is None:
        from . import _quad_kernels as _kernels
    res = np.empty((codes.size, beta.size))
    _kernels.average(codes, np.ascontiguousarray(beta), np.ascontiguousarray(a), np.ascontiguousarray(b), rule, res)
    return res


def _hermite_rule(n):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2.0 * math.pi)


#: The package default: breakpoint-aware rule, exact at every beta.
DEFAULT = Breakpoint()
