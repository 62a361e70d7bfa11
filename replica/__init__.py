"""replica: the N -> infinity theory of Hebbian networks (replica symmetric and 1RSB).

``solve(model, level="rs", **params)`` solves the saddle-point equations of a model family
(vectorised over arrays of parameters), finds every branch (retrieval, spin glass,
paramagnet, ...), reports local (Hessian) and replicon (AT) stability, and picks the
thermodynamic state by free energy. ``critical_capacity`` and the line functions find
transitions by bracketing and bisection / Brent. Gaussian averages are injected quadrature
objects (:mod:`replica.quadrature`); model families are plug-ins (:mod:`replica.base`,
:mod:`replica.families`).
"""

from hebbian import __version__  # one version for the whole project

from . import families  # noqa: F401  (registers the model families)
from .api import follow, solve
from .lines import at_line, critical_capacity, glass_temperature, retrieval_global_minimum, retrieval_spinodal
from .quadrature import Breakpoint, GaussHermite
from .result import Solution

__all__ = ["__version__", "solve", "follow", "critical_capacity", "retrieval_spinodal", "glass_temperature",
           "retrieval_global_minimum", "at_line", "Solution", "Breakpoint", "GaussHermite"]
