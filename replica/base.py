"""The plug-in interface of the replica engine: a model family at one level of RSB.

A model is an instance of a :class:`Model` subclass, registered under ``(family, level)``
with :func:`register` (for example ``("hopfield", "rs")``, ``("dense", "1rsb")``). It is
*batched*: every method receives the order parameters of B points as an array ``x`` of
shape ``(B, n)`` (columns named by :meth:`Model.variables`) and the control parameters as a
:class:`Batch` (a dict of float arrays of shape ``(B,)``), and returns arrays with leading
axis B. The solver (:mod:`replica.solver`) never looks inside a model: it iterates
:meth:`Model.update`, polishes with Newton steps, classifies solutions with
:meth:`Model.classify`, compares :meth:`Model.free_energy`, and reports
:meth:`Model.stability` and :meth:`Model.replicon`.

Points of a batch share a *structure* (:meth:`Model.structure`; always including whether
``beta = inf``), so that they have the same variables; the solver splits a request into
such batches. ``beta = inf`` (T = 0) is passed as ``inf``: models write their equations
with the scaled averages of :mod:`replica.quadrature` (``"beta*sech2"``, ``"logcosh/beta"``)
so that T = 0 is the same code with ``1/beta = 0`` and never a large finite beta.

Writing a new family: subclass :class:`Model` in a new module of :mod:`replica.families` (it is
imported automatically) and call :func:`register`; :mod:`replica.families.hopfield_rs` and
:mod:`replica.families.dense_rs` are worked examples (map form: a contractive fixed-point
map polished by Newton). The one-step RSB families are models of the same kind in residual
form (:mod:`replica.families._one_step`: Newton on the saddle-point residuals from starts the
model computes with the same solver, per-start row parameters for the ansatz).
"""

from __future__ import annotations

import abc

import numpy as np

from hebbian import models as _families

__all__ = ["Model", "Batch", "register", "get_model", "registered", "temperature_to_beta"]

_REGISTRY: dict[tuple[str, str], "Model"] = {}
LEVELS = ("rs", "1rsb")


class Batch(dict):
    """Control parameters of B points of one structure: ``name -> ndarray of float64, shape (B,)``.

    Attributes
    ----------
    size : int
        B.
    zero_temperature : bool
        True when every point has ``beta = inf`` (a batch never mixes T = 0 and T > 0).
    """

    def __init__(self, params, size):
        super().__init__(params)
        self.size = int(size)
        self._zero = self._inv = None

    @property
    def zero_temperature(self):
        if self._zero is None:
            beta = self.get("beta")
            self._zero = bool(beta is not None and np.all(np.isinf(beta)))
        return self._zero

    def take(self, idx):
        """The sub-batch of points ``idx`` (integer or boolean index array)."""
        idx = np.asarray(idx)
        size = int(np.count_nonzero(idx)) if idx.dtype == bool else idx.size
        out = Batch({k: v[idx] for k, v in self.items()}, size)
        # a batch never mixes T = 0 and T > 0: a sub-batch is at T = 0 if its batch is
        out._zero = self._zero
        if self._inv is not None:
            out._inv = self._inv[idx]
        return out

    @property
    def inv_beta(self):
        """``1/beta`` with ``1/inf = 0`` (cached)."""
        if self._inv is None:
            self._inv = 1.0 / self["beta"]
        return self._inv


class Model(abc.ABC):
    """Base class of a replica model family at one level (RS, 1RSB, ...).

    Subclasses set :attr:`family` and :attr:`level` and implement :meth:`variables`,
    :meth:`guesses`, :meth:`update` (map form) or :meth:`residual` (``form = "residual"``),
    :meth:`free_energy`, :meth:`observables` and :meth:`classify`; the others have working
    defaults. RS and 1RSB families are the same kind of object on the same machinery
    (:mod:`replica.solver`, :mod:`replica.continuation`, :mod:`replica.quadrature`).

    Conventions
    -----------
    * Free energies per spin in the project convention (``hebbian/network.py``): Gibbs weight
      ``exp(-beta H)``, energy per spin at a stored pattern ``-1/2`` (+ ``alpha/2`` for the
      P = 2 diagonal term). Models defined by a pressure ``A`` return ``f = -A / beta``.
    * Record names: ``m`` (Mattis overlap(s)), ``q`` (two-replica overlap), ``r`` (AGS noise),
      ``n`` (overlap with the example means), ``C = beta (1 - q)``, ``q0``, ``q1``, ``x``
      (1RSB), ``energy`` (per spin), ``entropy`` (per spin).
    """

    #: family name as in :data:`hebbian.models.FAMILIES`
    family: str = ""
    #: "rs" or "1rsb"
    level: str = "rs"
    #: absolute tolerance on |x - y| / (1 + |x|) to call two solutions the same
    same_tol: float = 1e-6

    # ------------------------------------------------------------------ parameters
    def prepare(self, params):
        """Validate and complete control parameters; broadcast them.

        The default validates every distinct value of every parameter with
        :func:`hebbian.models.check_params` (ValueError naming the parameter, the value and
        the range), requires ``beta`` in ``(0, inf]`` and broadcasts all parameters.

        Parameters
        ----------
        params : dict
            Scalars or arrays (broadcastable), as given by the user.

        Returns
        -------
        shape : tuple
            Broadcast shape of the request (``()`` for scalars).
        full : dict
            ``name -> ndarray of float64, shape`` for every parameter of the family (defaults
            filled in; optional parameters left unset are omitted).
        """
        return prepare_params(self.family, params)

    def structure(self, p):
        """Key of the points that can share a batch (beyond ``beta = inf``); default one group.

        Parameters
        ----------
        p : Batch
            All points of a request.

        Returns
        -------
        ndarray, shape (B,), or None
            Points with equal keys are solved together (e.g. the number of patterns K of a
            multitasking network, which fixes the number of variables).
        """
        return None

    # ------------------------------------------------------------------ equations
    @abc.abstractmethod
    def variables(self, p):
        """Names of the solver coordinates (columns of ``x``) for the batch ``p``."""

    def condensed(self, p):
        """Variables along which the free energy is *minimised* (Mattis overlaps).

        Local stability is the positive definiteness of the Hessian of ``f`` in these
        variables after the others are eliminated by their own saddle-point equations (a
        Schur complement), on the physical sheet of that inner saddle (see
        :meth:`maximised`). Default: ``("m",)`` if ``m`` is a variable, else none.
        """
        return tuple(v for v in self.variables(p) if v == "m")

    @abc.abstractmethod
    def guesses(self, p):
        """Initial points of the branch search.

        Returns
        -------
        list of (name, ndarray of float64, shape (B, n))
            One entry per starting point; the name labels the start only (solutions are
            named by :meth:`classify`). Every family searches its retrieval, glass and
            paramagnetic branches (and mixtures where they exist).
        """

    def starts(self, p, quad, opts):
        """Initial points of the branch search, computed with the solver (default :meth:`guesses`).

        A model whose good starting points need solving first (one-step RSB: from the RS
        solutions, a search in the Parisi parameter) overrides this; it may use
        :func:`replica.solver.iterate` with ``quad`` and ``opts``.

        Returns
        -------
        list of (name, x0) or (name, x0, rows)
            As :meth:`guesses`; ``rows`` (dict name -> ndarray (B,)) adds per-row parameters
            that travel with the rows of this start through the solver (e.g. the ansatz of a
            one-step RSB start). Every start must give the same names.
        """
        return self.guesses(p)

    #: "map": :meth:`update` is a (damped, contractive) fixed-point map, iterated before Newton
    #: polishes; "residual": :meth:`residual` is solved by Newton alone from the starts
    form = "map"

    def update(self, x, p, quad):
        """The fixed-point map ``x -> F(x)`` of the saddle-point equations, shape (B, n).

        Map-form models implement it; for residual-form models it is ``x + residual(x)``.
        """
        if self.form == "residual":
            return x + self.residual(x, p, quad)
        raise NotImplementedError(f"{type(self).__name__} must implement update() (or residual() with "
                                  "form = 'residual')")

    def residual(self, x, p, quad):
        """Residuals of the saddle-point equations, shape (B, n): zero at a solution.

        Default ``update(x) - x``. Residual-form models implement it (scaled so that its
        max-norm measures the distance to a solution) and Newton solves it.
        """
        return self.update(x, p, quad) - x

    def step_limit(self, x, dx, p):
        """Largest fraction (<= 1) of the Newton step ``dx`` from ``x`` allowed per point, shape (B,).

        A trust region, so that Newton does not jump to another branch. Default 1.
        """
        return np.ones(x.shape[0])

    def fd_step(self, x, p):
        """Finite-difference steps of the solver's Jacobians, shape (B, n); default ``1e-7 (1 + |x|)``."""
        return 1e-7 * (1.0 + np.abs(x))

    def pinned(self, x, p):
        """Variables held at a fixed value by the equations at each point, bool (B, n), or None.

        A pinned variable's residual is ``target - x_j`` and no other residual depends on it
        (e.g. a 1RSB row in its RS ansatz); its Jacobian column is ``-e_j`` without evaluating
        the model. Default None (all free).
        """
        return None

    def residual_noise(self, x, p):
        """Per-component noise floor of :meth:`residual`, shape (B, n), or None (default).

        A point whose residuals are all below it counts as converged ("at the quadrature
        noise level": e.g. an equation divided by a small quantity).
        """
        return None

    def describe(self, x, p, quad):
        """Optional note on each solution (ndarray of str, '' for none), added to its message."""
        return None

    def describe_missing(self, p):
        """Optional reason, per row of a start, why the start has no point (a NaN row of
        :meth:`starts`): ndarray of str ('' for none), or None."""
        return None

    def fold(self, p, quad, *, free="alpha", xtol=1e-9):
        """The fold of the retrieval branch in ``free`` at the single point ``p``.

        Default: the generic scan and bounded Brent of :func:`replica.continuation.fold`
        along the first condensed variable. Returns its dict (``value``, ``x``, ``along``,
        ``interior``, ``converged``, ``message``, ``bracket``).
        """
        from .continuation import fold
        return fold(self, p, quad, free=free, along=self.condensed(p)[0], xtol=xtol)

    #: methods a quadrature object must provide for this model (see :func:`replica.api.check_quadrature`)
    quadrature_methods = ("average", "expect")

    def in_domain(self, x, p):
        """Points where ``x`` is physical (e.g. ``1 - beta (1 - q) > 0``), bool (B,). Default: finite."""
        return np.all(np.isfinite(x), axis=-1)

    def maximised(self, p):
        """Number of eliminated (non-condensed) directions along which f is *maximised*.

        In the n -> 0 limit the glass order parameters (q's) are maximised and their
        conjugates (r's) minimised; the physical saddle has exactly this many negative
        Hessian eigenvalues in the eliminated block. Returns an int or an int array (B,)
        (e.g. 0 where a family has no quenched noise at some points). Default 0.
        """
        return 0

    def condensed_scale(self, x, p):
        """Optional positive factor(s) of the curvature of f in the condensed variables.

        Returns None (default) or an array (B,) or (B, n_condensed). The stability value is
        the reduced Hessian divided by it; where it vanishes the direction counts as stable
        with value 1. For P-body terms the curvature in m carries ``(P(P-1)/2) m^(P-2)``,
        whose zero at m = 0 is the trivial flatness of an O(m^P) term, not an instability.
        """
        return None

    def load_scale(self, p):
        """Natural unit of the load ``alpha`` at the points p, shape (B,) (default 1).

        Scans for folds and thresholds in alpha run over ``[1e-8, 10] * load_scale``; dense
        networks use ``2/P!`` (alpha_B = (P!/2) alpha is the Gardner load).
        """
        return np.ones(p.size)

    def lower_bounds(self, p):
        """Per-variable lower bounds used by one-sided finite differences, shape (n,). Default -inf."""
        return np.full(len(self.variables(p)), -np.inf)

    @abc.abstractmethod
    def free_energy(self, x, p, quad):
        """Free energy per spin ``f`` (stationary at solutions), shape (B,)."""

    def gradient(self, x, p, quad):
        """Optional analytic gradient of :meth:`free_energy`, shape (B, n), or None.

        When given, the stability Hessian is a finite-difference Jacobian of it (2n
        evaluations instead of 2n^2 + 1 of ``f``); tests check it against ``f``.
        """
        return None

    @abc.abstractmethod
    def observables(self, x, p, quad):
        """Named quantities of solutions: ``dict name -> ndarray (B,) or (B, k)``.

        Must contain ``energy`` and ``entropy`` (per spin) and the order parameters under
        their record names (``m``, ``q``, ...), analytic at ``beta = inf``.
        """

    @abc.abstractmethod
    def classify(self, x, p):
        """Branch name of each solution, ndarray of str, shape (B,) (e.g. ``"retrieval"``)."""

    # ------------------------------------------------------------------ stability
    def stability(self, x, p, quad, hessian_eig):
        """Local stability value of solutions, shape (B,); > 0 is stable.

        Parameters
        ----------
        hessian_eig : ndarray, shape (B,)
            The solver's value (:func:`replica.solver.reduced_hessian_eig`): smallest
            eigenvalue of the Hessian of f in :meth:`condensed` with the other variables at
            their saddle, or a value <= 0 when the eliminated block does not have the
            physical inertia (:meth:`maximised` negative directions); ``+inf`` if there are
            no condensed variables.

        The default returns ``hessian_eig``. Models override it to fold in modes the reduced
        Hessian does not see (e.g. the paramagnet's q = 0 mode, which is the replicon) or to
        rescale a vanishing prefactor (dense networks at m = 0).
        """
        return hessian_eig

    def replicon(self, x, p, quad):
        """AT (replicon) stability of the RS solution, shape (B,): ``1 - lambda_AT``, > 0 is stable.

        Default ``+inf``: no quenched disorder, RS is exact (low-storage families).
        """
        return np.full(x.shape[0], np.inf)

    def admissible(self, x, p, quad, obs):
        """Solutions allowed to be the thermodynamic state.

        Returns
        -------
        ok : ndarray of bool, shape (B,)
        reason : str
            Why the others are excluded (for messages). Default: all admissible.
        """
        return np.ones(x.shape[0], dtype=bool), ""


def register(model, *, replace=False):
    """Register a model instance under ``(model.family, model.level)``.

    Raises
    ------
    ValueError
        Unknown family or level, or the key is taken and ``replace`` is False.
    """
    if model.family not in _families.FAMILIES:
        raise ValueError(f"family must be one of {', '.join(map(repr, _families.FAMILIES))}, "
                         f"got {model.family!r}")
    if model.level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, LEVELS))}, got {model.level!r}")
    key = (model.family, model.level)
    if key in _REGISTRY and not replace:
        raise ValueError(f"a model is already registered for {key}: pass replace=True")
    _REGISTRY[key] = model
    return model


def get_model(family, level="rs"):
    """The registered model for ``(family, level)``; ValueError naming what exists otherwise."""
    if family not in _families.FAMILIES:
        raise ValueError(f"model must be one of {', '.join(map(repr, _families.FAMILIES))}, got {family!r}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, LEVELS))}, got {level!r}")
    try:
        return _REGISTRY[(family, level)]
    except KeyError:
        have = ", ".join(f"{f}/{lv}" for f, lv in sorted(_REGISTRY))
        raise ValueError(f"no replica model registered for model={family!r}, level={level!r} "
                         f"(registered: {have})") from None


def registered():
    """Sorted list of registered ``(family, level)`` keys."""
    return sorted(_REGISTRY)


# ---------------------------------------------------------------------- parameter helpers
def temperature_to_beta(params, *, solves_for_beta=False):
    """Replace ``T`` by ``beta = 1/T`` in a dict of control parameters (in place; returned).

    ``T`` is a number or an array of numbers in ``[0, inf)``; ``T = 0`` is ``beta = inf``.
    Giving both ``T`` and ``beta`` is an error naming both; so is ``T`` for a function that
    solves for the temperature (``solves_for_beta``).
    """
    if params.get("T") is None:
        params.pop("T", None)
        return params
    T = params.pop("T")
    if solves_for_beta:
        raise ValueError(f"this function solves for the temperature: do not pass T (got T={T!r})")
    if params.get("beta") is not None:
        raise ValueError(f"give T or beta, not both (beta = 1/T): got T={T!r} and beta={params['beta']!r} "
                         "(unknown parameter 'T' next to 'beta')")
    arr = np.asarray(T)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.bool_)):
        raise ValueError(f"T must be a number or an array of numbers in [0, inf), got {T!r}")
    arr = arr.astype(float)
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        raise ValueError(f"T must be in [0, inf) (T = 0 is beta = inf), got {arr[bad].flat[0]!r}")
    with np.errstate(divide="ignore"):
        beta = np.where(arr == 0.0, np.inf, 1.0 / np.where(arr == 0.0, 1.0, arr))
    params["beta"] = float(beta) if beta.ndim == 0 else beta
    return params


def prepare_params(family, params, *, require_beta=True):
    """Validate (vectorised) and broadcast control parameters of a family.

    Every distinct value of every array parameter is checked by
    :func:`hebbian.models.check_params` with the other parameters at their first value, so
    errors name the parameter, the value and the allowed range. Cross-parameter rules that
    act per point (learning: rho against r and M) must be checked by the family's
    :meth:`Model.prepare`.

    Returns
    -------
    shape : tuple
    full : dict name -> ndarray of float64 with that shape (unset optional parameters omitted)
    """
    arrays = {}
    for key, value in params.items():
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ValueError(f"{key} must be a number or an array of numbers, got {value!r}")
        if arr.size == 0:
            raise ValueError(f"{key} must not be empty, got shape {arr.shape}")
        arrays[key] = arr
    if require_beta and "beta" not in arrays:
        raise ValueError(f"model {family!r} needs parameter 'beta' (inverse temperature in (0, inf]; "
                         "beta=float('inf') is T = 0) or 'T' (temperature in [0, inf))")
    first = {k: _python_scalar(v.flat[0]) for k, v in arrays.items()}
    canonical = _families.check_params(family, **first)
    for key, arr in arrays.items():
        if arr.size > 1:
            for value in np.unique(arr):
                _families.check_params(family, **{**first, key: _python_scalar(value)})
    if require_beta:
        beta = arrays["beta"]
        if np.any(beta == 0):
            raise ValueError("beta must be in (0, inf] for the replica solver (beta = 0 is infinite "
                             "temperature, where f = -T ln 2 diverges), got 0.0")
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k}: {a.shape}" for k, a in arrays.items())
        raise ValueError(f"parameter arrays must broadcast together, got shapes {shapes}") from None
    full = {}
    for key, value in canonical.items():
        if value is None or isinstance(value, str):
            continue
        src = arrays[key] if key in arrays else np.asarray(value)
        full[key] = np.broadcast_to(np.asarray(src, dtype=float), shape).copy()
    return shape, full


def _python_scalar(v):
    return v.item() if hasattr(v, "item") else v
