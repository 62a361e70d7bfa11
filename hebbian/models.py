"""The model families and their control parameters, shared by both engines.

A family is a name plus the parameters that define a point of its phase diagram:

============== ====================================================================
family         parameters (required; [optional, default])
============== ====================================================================
hopfield       alpha; [beta, P = 2]
dense          P, alpha; [beta]
multitasking   K, d; [beta, r, M, rho, rule = "supervised"]
supervised     P, rho or (r, M); [alpha = 0 (K finite), K, beta]
unsupervised   same as supervised
============== ====================================================================

Ranges: ``alpha >= 0`` (``K = alpha N^(P-1)``; 0 means a finite number of patterns),
``beta`` in ``[0, inf]`` (``inf`` is T = 0), integer ``P >= 2``, integer ``K >= 1``,
``d`` in ``[0, 1)``, ``r`` in ``(0, 1]``, integer ``M >= 1``, ``rho >= 0``. Learning
parameters come as ``rho`` alone (the large-M theory), or two of ``r``, ``M``, ``rho``.

:func:`check_params` validates a parameter set for a family before any work;
:func:`make_network` draws a finite network of a family for the Monte Carlo engine.
"""

from __future__ import annotations

import math

from . import _checks, patterns
from .network import Network

__all__ = ["FAMILIES", "check_params", "make_network", "from_barra_convention"]

_KINDS = {
    "alpha": ("real", dict(lo=0.0)),
    "beta": ("real", dict(lo=0.0, allow_inf=True)),
    "P": ("int", dict(min=2)),
    "K": ("int", dict(min=1)),
    "d": ("real", dict(lo=0.0, hi=1.0, hi_open=True)),
    "r": ("real", dict(lo=0.0, hi=1.0, lo_open=True)),
    "M": ("int", dict(min=1)),
    "rho": ("real", dict(lo=0.0)),
    "rule": ("choice", ("supervised", "unsupervised")),
}

#: family -> (required parameters, optional parameters with defaults)
FAMILIES = {
    "hopfield": (("alpha",), {"beta": None, "P": 2}),
    "dense": (("P", "alpha"), {"beta": None}),
    "multitasking": (("K", "d"), {"beta": None, "r": None, "M": None, "rho": None, "rule": "supervised"}),
    "supervised": (("P",), {"alpha": 0.0, "K": None, "beta": None, "r": None, "M": None, "rho": None}),
    "unsupervised": (("P",), {"alpha": 0.0, "K": None, "beta": None, "r": None, "M": None, "rho": None}),
}


def check_params(family, **params):
    """Validate and complete the control parameters of a family.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    **params
        Control parameters (see the module docstring).

    Returns
    -------
    dict
        Canonical parameters (floats and ints), optional ones filled with their defaults; for
        learning families ``rho`` is always present (computed from r and M when needed).

    Raises
    ------
    ValueError
        Unknown family or parameter, missing required parameter, value out of range,
        inconsistent learning parameters. The message names the parameter and the range.
    """
    _checks.choice("model", family, tuple(FAMILIES))
    required, optional = FAMILIES[family]
    allowed = set(required) | set(optional)
    for key in params:
        if key not in allowed:
            raise ValueError(f"unknown parameter {key!r} for model {family!r} "
                             f"(allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if params.get(key) is None:
            raise ValueError(f"model {family!r} needs parameter {key!r}")
    out = dict(optional)
    for key, value in params.items():
        out[key] = value if value is None else _check_one(key, value)
    if family == "hopfield" and out["P"] != 2:
        raise ValueError(f"P must be 2 for model 'hopfield' (use model 'dense' for P >= 3), got {out['P']}")
    if family in ("supervised", "unsupervised", "multitasking"):
        _complete_learning(family, out)
    return out


def make_network(family, N, rng, *, normalization="power", tuples="distinct", **params):
    """Draw a finite network of a family (archetypes, and examples for learning).

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`; ``beta`` in ``params`` is accepted and ignored.
    N : int >= 2
        Number of neurons.
    rng : Generator, SeedSequence or int
        Randomness of the archetypes (and examples).
    normalization, tuples
        Passed to :class:`Network`.
    **params
        Control parameters. High storage: ``K = max(1, round(alpha N^(P-1)))``. Learning
        networks need a finite M: give two of ``r``, ``M``, ``rho`` (M is rounded from rho).

    Returns
    -------
    Network
        With the true archetypes as the references of its Mattis overlaps.
    """
    p = check_params(family, **params)
    N = _checks.integer("N", N, min=2)
    gen = _checks.generator(rng)
    P = p.get("P", 2)
    if P > N:
        raise ValueError(f"P must be <= N = {N}, got {P}")
    if family in ("hopfield", "dense"):
        K = max(1, int(round(p["alpha"] * float(N) ** (P - 1))))
        return Network(patterns.binary(K, N, gen), P, normalization=normalization, tuples=tuples)
    if family == "multitasking":
        xi = patterns.diluted(p["K"], N, p["d"], gen)
        if p["r"] is None:
            return Network(xi, 2, normalization=normalization, tuples=tuples, diluted=True)
        rule = p["rule"]
    else:
        K = p["K"] if p["K"] is not None else max(1, int(round(p["alpha"] * float(N) ** (P - 1))))
        xi = patterns.binary(K, N, gen)
        rule = family
    if p["r"] is None or p["M"] is None:
        raise ValueError(f"a finite {family!r} network needs a finite integer M: give two of r, M, rho, "
                         f"got r={p['r']}, M={p['M']}, rho={p['rho']}")
    eta = patterns.examples(xi, p["M"], p["r"], gen)
    return Network.from_examples(eta, P if family != "multitasking" else 2, rule, r=p["r"], archetypes=xi,
                                 normalization=normalization, tuples=tuples, diluted=family == "multitasking")


def from_barra_convention(P, *, beta=None, alpha=None, alpha_definition="K/N^(P-1)"):
    """Convert the temperature and load of the Barra-group papers to this project's convention.

    Those papers write ``H_B = -(1/(P! N^(P-1))) sum over all index tuples``, that is
    ``H_B = (2/P!) H`` with our ``H`` (up to the self-interaction terms), so ``beta = (2/P!)
    beta_B`` (their temperature is ``2/P!`` times ours). Their load is either ``K/N^(P-1)``
    (ours) or ``(P!/2) K / N^(P-1)``: say which with ``alpha_definition``.

    Returns
    -------
    dict with the converted ``beta`` and/or ``alpha`` (whichever were given).
    """
    P = _checks.integer("P", P, min=2)
    _checks.choice("alpha_definition", alpha_definition, ("K/N^(P-1)", "P!/2 K/N^(P-1)"))
    out = {}
    if beta is not None:
        out["beta"] = 2.0 / math.factorial(P) * _checks.real("beta", beta, lo=0.0, allow_inf=True)
    if alpha is not None:
        a = _checks.real("alpha", alpha, lo=0.0)
        out["alpha"] = a if alpha_definition == "K/N^(P-1)" else 2.0 * a / math.factorial(P)
    return out


def _check_one(key, value):
    kind, spec = _KINDS[key]
    if kind == "real":
        return _checks.real(key, value, **spec)
    if kind == "int":
        return _checks.integer(key, value, **spec)
    return _checks.choice(key, value, spec)


def _complete_learning(family, out):
    r, M, rho = out["r"], out["M"], out["rho"]
    given = sum(v is not None for v in (r, M, rho))
    if family == "multitasking" and given == 0:
        return
    if given == 1 and rho is None:
        raise ValueError(f"model {family!r} needs rho, or two of r, M, rho; got only "
                         f"{'r' if r is not None else 'M'}")
    if given == 0:
        raise ValueError(f"model {family!r} needs rho, or two of r, M, rho")
    if given == 3:
        expected = (1.0 - r * r) / (M * r * r)
        if not math.isclose(rho, expected, rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(f"rho must equal (1 - r^2)/(M r^2) = {expected:.6g} for r = {r}, M = {M}, "
                             f"got {rho}")
    elif r is not None and M is not None:
        out["rho"] = (1.0 - r * r) / (M * r * r)
    elif rho is not None and M is not None:
        out["r"] = 1.0 / math.sqrt(1.0 + M * rho)
    elif rho is not None and r is not None:
        if rho == 0.0:
            if r != 1.0:
                raise ValueError(f"rho = 0 needs r = 1 (or M infinite), got r = {r}")
        else:
            # keep rho as given; M is set only when it comes out an integer (else the large-M
            # theory applies and a finite network cannot be drawn)
            M_real = (1.0 - r * r) / (rho * r * r)
            if M_real >= 1.0 and abs(M_real - round(M_real)) < 1e-9 * max(1.0, M_real):
                out["M"] = int(round(M_real))
    if family != "multitasking" and out["K"] is not None and out["alpha"] not in (0.0, None):
        raise ValueError(f"give either K (finite number of archetypes) or alpha (K = alpha N^(P-1)) "
                         f"for model {family!r}, got K = {out['K']} and alpha = {out['alpha']}")
