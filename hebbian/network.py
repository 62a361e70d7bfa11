"""What a Hebbian network is: stored patterns, their order P, and the resulting energy.

Conventions (the one set of normalisations shared by every engine)
------------------------------------------------------------------
A network stores integer patterns ``v^p`` (p = 1..n_stored) and has the Hamiltonian

    H(s) = - c_{N,P} * w * sum_p e_P(v^p o s)                         (tuples="distinct")

where ``e_P`` is the elementary symmetric polynomial (the sum over DISTINCT index tuples
i_1 < ... < i_P, so there are no self-interactions), ``v o s`` the entry-wise product and the
Gibbs weight is ``exp(-beta H)``. The constant is

* ``normalization="power"`` (default): ``c_{N,P} = P! / (2 N^(P-1))``. For P = 2 this is the
  Amit-Gutfreund-Sompolinsky Hamiltonian ``-(1/(2N)) sum_mu sum_{i != j} xi_i xi_j s_i s_j
  = -(N/2) sum_mu m_mu^2 + K/2`` (binary patterns), for P >= 3 the distinct-tuple dense network
  ``~ -(N/2) sum_mu m_mu^P`` with load ``alpha = K / N^(P-1)`` (Baldi-Venkatesh scaling).
* ``normalization="binomial"``: ``c_{N,P} = N / (2 C(N, P))``. It makes the energy of a
  binary stored pattern exactly ``-1/2`` per spin (up to the zero-mean crosstalk) and the
  condensed field exactly ``(P/2) m^(P-1)`` at every N, which removes the leading 1/N shift of
  temperature in comparisons with the N -> infinity theory (see :meth:`effective_parameters`).

``w`` is 1 for archetypes. For learning from M examples of quality r (see
:meth:`Network.from_examples` and ``docs/physics/learning.md``), with
``rho = (1 - r^2)/(M r^2)`` and ``Nrm = r^P (1 + rho)^(P-1)``:

* supervised: ``v^mu = sum_a eta^{mu,a}`` (K patterns) and ``w = 1 / (Nrm M^P)``, i.e.
  ``H = -(c/Nrm) sum_mu e_P(etabar^mu o s)``;
* unsupervised: the K*M examples themselves and ``w = 1 / (Nrm M)``.

``tuples="all"`` replaces ``e_P(x)`` by ``(sum_i x_i)^P / P!`` (sums over ALL index tuples,
self-interactions included). For P >= 4 this is a different model (extra lower-order Hebbian
terms, an extra glass) and is offered only as an explicit option.

Mattis overlaps ``m_mu = (1/N) sum_i xi_i^mu s_i`` are measured against the archetypes
``xi`` (for learning networks: the archetypes given, else the sign of each class sum).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from . import _checks, _esp

__all__ = ["Network", "normalization_constant"]

_NORMALIZATIONS = ("power", "binomial")
_TUPLES = ("distinct", "all")
_RULES = ("supervised", "unsupervised")


def normalization_constant(N, P, normalization="power"):
    """The constant ``c_{N,P}`` of the Hamiltonian ``H = -c_{N,P} w sum_p e_P(v^p o s)``.

    ``"power"``: ``P! / (2 N^(P-1))``; ``"binomial"``: ``N / (2 C(N, P))``.
    """
    N = _checks.integer("N", N, min=2)
    P = _checks.integer("P", P, min=2, max=N)
    _checks.choice("normalization", normalization, _NORMALIZATIONS)
    if normalization == "power":
        return math.factorial(P) / (2.0 * float(N) ** (P - 1))
    return N / (2.0 * math.comb(N, P))


class Network:
    """A Hebbian network with P-body couplings kept implicitly as patterns.

    Parameters
    ----------
    xi : array_like of int, shape (K, N)
        Archetypes with entries in {-1, +1} (binary) or {-1, 0, +1} (diluted, multitasking).
    P : int >= 2
        Interaction order: 2 is the pairwise Hopfield network, P >= 3 a dense network.
    normalization : {"power", "binomial"}
        The constant ``c_{N,P}`` (module docstring). Default ``"power"``.
    tuples : {"distinct", "all"}
        Distinct index tuples (default, no self-interaction) or all tuples (explicit option).
    diluted : bool
        Declare ``xi`` diluted (-1/0/+1, zeros are blanks). Only needed for diluted patterns
        that happen to hold no -1 entry: without it such an array (only 0 and 1 entries) is
        refused as 0/1 data, which would otherwise pass silently as diluted patterns. Boolean
        arrays are always refused: map 0/1 data to +-1 with ``2 * x - 1``.

    Attributes
    ----------
    P, N, K : int
        Order, number of neurons, number of archetypes.
    xi : ndarray of int8, shape (K, N)
        Archetypes: the references of the Mattis overlaps.
    stored_site_major : ndarray of int, shape (N, n_stored), C-contiguous
        The stored coupling patterns, site-major (one contiguous row of pattern entries per
        neuron, as the Monte Carlo kernels read them). int8 whenever the entries fit.
    scale : float
        ``c_{N,P} * w``: ``H = -scale * sum_p e_P(v^p o s)``.
    rule : {"archetypes", "supervised", "unsupervised"}
    r, M, rho : float, int, float
        Example quality, examples per archetype, dataset entropy (1, 1, 0 for archetypes).
    alpha : float
        Load ``K / N^(P-1)``.
    """

    def __init__(self, xi, P=2, *, normalization="power", tuples="distinct", diluted=False):
        xi = _spin_patterns("xi", xi, 2, diluted)
        K, N = xi.shape
        _checks.integer("N", N, min=2)
        P = _checks.integer("P", P, min=2, max=N)
        xi8 = np.ascontiguousarray(xi, dtype=np.int8)
        self._setup(P=P, xi=xi8, stored=xi8, weight=1.0, normalization=normalization, tuples=tuples,
                     rule="archetypes", r=1.0, M=1, example_sums=None)

    @classmethod
    def from_examples(cls, examples, P=2, rule="supervised", *, r=None, archetypes=None,
                      normalization="power", tuples="distinct", diluted=False):
        """Network that learns archetypes from examples, supervised or unsupervised.

        Parameters
        ----------
        examples : array_like of int, shape (K, M, N)
            ``examples[mu, a]`` is example ``a`` of class ``mu``, entries in {-1, 0, +1}.
        P : int >= 2
        rule : {"supervised", "unsupervised"}
            Supervised: couplings from the class means ``etabar^mu`` (K patterns).
            Unsupervised: couplings from every example (K*M patterns).
        r : float in (0, 1], optional
            Example quality used in the normalisation ``Nrm = r^P (1 + rho)^(P-1)`` and in the
            overlaps ``n``. When omitted it is estimated from the data: ``R = mean(etabar^2)``
            over non-blank sites and ``r^2 = (M R - 1)/(M - 1)`` (needs M >= 2 unless P = 2,
            where ``Nrm = R`` does not need r).
        archetypes : array_like of int, shape (K, N), optional
            True archetypes, the references of the Mattis overlaps. Default: the sign of each
            class sum (0 on ties).
        normalization, tuples, diluted
            As for :class:`Network` (``diluted`` applies to the examples and the archetypes).
        """
        eta = _spin_patterns("examples", examples, 3, diluted)
        K, M, N = eta.shape
        _checks.integer("N", N, min=2)
        P = _checks.integer("P", P, min=2, max=N)
        _checks.choice("rule", rule, _RULES)
        sums = eta.sum(axis=1, dtype=np.int64)                     # (K, N), |entries| <= M
        if r is None:
            r = _estimate_quality(sums, eta[:, 0, :] == 0, M, P)
        r = _checks.real("r", r, lo=0.0, hi=1.0, lo_open=True)
        if archetypes is None:
            xi = np.sign(sums).astype(np.int8)
        else:
            _checks.int_array("archetypes", archetypes, shape=(K, N))
            xi = _spin_patterns("archetypes", archetypes, 2, diluted).astype(np.int8)
        rho = (1.0 - r * r) / (M * r * r)
        nrm = r ** P * (1.0 + rho) ** (P - 1)
        if rule == "supervised":
            stored, weight = sums.astype(_smallest_int(M)), 1.0 / (nrm * float(M) ** P)
        else:
            stored, weight = eta.reshape(K * M, N).astype(np.int8), 1.0 / (nrm * M)
        net = cls.__new__(cls)
        net._setup(P=P, xi=np.ascontiguousarray(xi), stored=stored, weight=weight,
                   normalization=normalization, tuples=tuples, rule=rule, r=r, M=M, example_sums=sums)
        return net

    def _setup(self, *, P, xi, stored, weight, normalization, tuples, rule, r, M, example_sums):
        _checks.choice("normalization", normalization, _NORMALIZATIONS)
        _checks.choice("tuples", tuples, _TUPLES)
        self.P = P
        self.K, self.N = xi.shape
        self.xi = xi
        self.stored_site_major = np.ascontiguousarray(stored.T)
        self.normalization = normalization
        self.tuples = tuples
        self.rule = rule
        self.r, self.M = float(r), int(M)
        self.rho = (1.0 - self.r ** 2) / (self.M * self.r ** 2)
        self.scale = normalization_constant(self.N, P, normalization) * weight
        self._example_sums = example_sums
        self._vmax = int(np.abs(stored).max()) if stored.size else 0
        self._exact_object = not _esp.fits_int64(max(self._vmax, 1), self.N, P)

    # ------------------------------------------------------------------ properties
    @property
    def alpha(self):
        """Load ``K / N^(P-1)`` (K archetypes)."""
        return self.K / float(self.N) ** (self.P - 1)

    @property
    def n_stored(self):
        """Number of stored coupling patterns (K, or K*M for unsupervised learning)."""
        return self.stored_site_major.shape[1]

    @property
    def stored(self):
        """The stored coupling patterns, pattern-major view, shape (n_stored, N)."""
        return self.stored_site_major.T

    def __repr__(self):
        return (f"Network(P={self.P}, N={self.N}, K={self.K}, rule={self.rule!r}, "
                f"normalization={self.normalization!r}, tuples={self.tuples!r})")

    # ------------------------------------------------------------------ observables
    def overlaps(self, s):
        """Mattis overlaps ``m_mu = (1/N) sum_i xi_i^mu s_i`` with the archetypes.

        Parameters
        ----------
        s : array_like of int, shape (N,) or (B, N), entries +-1

        Returns
        -------
        m : ndarray of float64, shape (K,) or (B, K)
        """
        s2, single = self._spins(s)
        m = (s2.astype(np.int64) @ self.xi.T.astype(np.int64)) / self.N
        return m[0] if single else m

    def example_overlaps(self, s):
        """Overlaps with the class means, ``n_mu = (1/(r (1 + rho) N)) sum_i etabar_i^mu s_i``.

        Only for networks built by :meth:`from_examples`. Shapes as :meth:`overlaps`.
        """
        if self._example_sums is None:
            raise ValueError("example_overlaps needs a network built by Network.from_examples, "
                             "got one built from archetypes")
        s2, single = self._spins(s)
        n = (s2.astype(np.int64) @ self._example_sums.T) / (self.M * self.r * (1.0 + self.rho) * self.N)
        return n[0] if single else n

    def energy(self, s):
        """Energy ``H(s)`` (module docstring), exact up to the final float rounding.

        Parameters
        ----------
        s : array_like of int, shape (N,) or (B, N), entries +-1

        Returns
        -------
        E : float, or ndarray of float64 of shape (B,)
        """
        s2, single = self._spins(s)
        P = self.P
        if self.tuples == "distinct":
            p = _esp.power_sums(self.stored_site_major, s2, P, self._exact_object)
            terms = _esp.from_power_sums(p, P)[..., P]                   # (B, n_stored)
            E = np.array([-self.scale * float(t) for t in _esp.exact_sum(terms, axis=-1)])
        else:
            S = s2.astype(object) @ self.stored_site_major.astype(object)   # (B, n_stored)
            E = np.array([-self.scale * float(t) / math.factorial(P) for t in np.sum(S ** P, axis=-1)])
        return float(E[0]) if single else E

    def local_field(self, s, i):
        """Local field ``h_i`` with ``delta_energy(s, i) = 2 s_i h_i``; ``h_i`` does not depend on s_i.

        Distinct tuples: ``h_i = scale * sum_p v_i^p e_(P-1)((v^p o s) without site i)``; for
        P = 2 and power normalisation this is ``(1/N) sum_mu xi_i^mu (sum_{j != i} xi_j^mu s_j)``.

        Parameters
        ----------
        s : array_like of int, shape (N,), entries +-1
        i : int in [0, N)

        Returns
        -------
        h : float
        """
        s2, _ = self._spins(s, batch=False)
        i = _checks.integer("i", i, min=0, max=self.N - 1)
        return float(self._two_si_h_exact(s2, i) * Fraction(self.scale) / (2 * int(s2[0, i])))

    def delta_energy(self, s, i):
        """Exact energy change ``H(s with s_i flipped) - H(s)``.

        Computed as ``2 * scale * sum_p x_i^p e_(P-1)(x^p without i)`` in exact integer
        arithmetic, so no cancellation error however large the energies are.

        Parameters
        ----------
        s : array_like of int, shape (N,), entries +-1
        i : int in [0, N)

        Returns
        -------
        dE : float
        """
        s2, _ = self._spins(s, batch=False)
        i = _checks.integer("i", i, min=0, max=self.N - 1)
        return float(self._two_si_h_exact(s2, i) * Fraction(self.scale))

    def effective_parameters(self, beta):
        """Map this finite network onto the N -> infinity theory at leading order.

        For binary archetypes the condensed field at ``m = 1`` is ``lambda * (P/2)`` and the
        crosstalk variance is that of the theory at load ``alpha_eff``, with

            lambda = c_{N,P} C(N-1, P-1) / (P/2),   alpha_eff = K / ((N-1)(N-2)...(N-P+1)).

        ``lambda = 1`` exactly for ``normalization="binomial"``.

        Returns
        -------
        dict with keys ``alpha`` (``alpha_eff``) and ``beta`` (``lambda * beta``).
        """
        beta = _checks.real("beta", beta, lo=0.0, allow_inf=True)
        N, P = self.N, self.P
        lam = normalization_constant(N, P, self.normalization) * math.comb(N - 1, P - 1) / (P / 2.0)
        falling = math.perm(N - 1, P - 1)
        return {"alpha": self.K / falling, "beta": beta * lam}

    # ------------------------------------------------------------------ helpers
    def _spins(self, s, batch=True):
        s = _checks.int_array("s", s, ndim=(1, 2) if batch else 1, allowed={-1, 1})
        if s.shape[-1] != self.N:
            raise ValueError(f"s must have N = {self.N} entries in its last axis, got shape {s.shape}")
        single = s.ndim == 1
        return np.atleast_2d(s).astype(np.int8), single

    def _two_si_h_exact(self, s2, i):
        """The exact number ``D`` (int or Fraction) with ``delta_energy(s, i) = scale * D``."""
        P = self.P
        x_i = self.stored_site_major[i].astype(object) * int(s2[0, i])   # (n_stored,)
        if self.tuples == "distinct":
            # e_P(x) = x_i e_(P-1)(x without i) + e_P(x without i): flipping x_i changes it by
            # -2 x_i e_(P-1)(x without i), and H = -scale sum_p e_P.
            p = _esp.power_sums(self.stored_site_major, s2, P - 1, self._exact_object)[0].astype(object)
            for j in range(1, P):
                p[:, j] -= x_i ** j
            e = _esp.from_power_sums(p, P - 1)[:, P - 1]
            return 2 * int(np.sum(x_i * e))
        S = (s2.astype(object) @ self.stored_site_major.astype(object))[0]
        return -Fraction(int(np.sum((S - 2 * x_i) ** P - S ** P)), math.factorial(P))


def _spin_patterns(name, arr, ndim, diluted):
    """Integer patterns with entries -1/0/+1, refusing what is surely 0/1 data.

    Boolean arrays, and arrays of only 0 and 1 with at least one 0, would pass the entry check
    as diluted patterns (zeros = blanks) and silently give wrong physics (retrieval m ~ 0.5).
    Diluted patterns hold -1 entries as often as +1 entries; ``diluted=True`` accepts the rare
    diluted array without one.
    """
    if np.asarray(arr).dtype == np.bool_:
        raise ValueError(f"{name} must hold +-1 (or -1/0/+1 diluted) entries, got a boolean array: map 0/1 "
                         f"data to +-1 with 2 * {name}.astype(int) - 1")
    a = _checks.int_array(name, arr, ndim=ndim, allowed={-1, 0, 1})
    if not diluted and not (a == -1).any() and (a == 0).any():
        raise ValueError(f"{name} holds only 0 and 1 entries (no -1): this is 0/1 data, not +-1 patterns; map "
                         f"it with 2 * {name} - 1, or pass diluted=True if these are diluted -1/0/+1 "
                         f"patterns that happen to hold no -1 entry")
    return a


def _smallest_int(bound):
    for dt in (np.int8, np.int16, np.int32):
        if bound <= np.iinfo(dt).max:
            return dt
    return np.int64


def _estimate_quality(sums, blank, M, P):
    """Example quality from the data: ``R = mean(etabar^2)`` on non-blank sites, then
    ``r^2 = (M R - 1)/(M - 1)`` since ``E[etabar^2] = r^2 + (1 - r^2)/M``."""
    if M == 1:
        if P == 2:
            return 1.0      # Nrm = R = 1 for one example per class: no r is needed
        raise ValueError("r must be given when M = 1 and P >= 3: the example quality cannot be "
                         "estimated from one example per archetype")
    R = float(np.mean((sums[~blank] / M) ** 2))
    r2 = (M * R - 1.0) / (M - 1.0)
    if not r2 > 0.0:
        raise ValueError(f"r could not be estimated from the examples (estimate r^2 = {r2:.3g} <= 0); "
                         "pass r explicitly")
    return min(1.0, math.sqrt(r2))
