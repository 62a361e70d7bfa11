"""hebbian: what an associative-memory network is.

Archetypes and examples (:mod:`hebbian.patterns`, :mod:`hebbian.datasets`), the Hebbian
network with P-body couplings kept implicitly as patterns (:class:`Network`), and the model
families with their control parameters (:mod:`hebbian.models`). The conventions written
here (normalisations, load ``alpha = K / N^(P-1)``, energies per spin) are the ones both the
Monte Carlo engine (:mod:`montecarlo`) and the replica engine (:mod:`replica`) use.
"""

from . import datasets, models, patterns
from .io import load_result
from .network import Network

__version__ = "0.1.0"

__all__ = ["Network", "patterns", "models", "datasets", "load_result", "__version__"]
