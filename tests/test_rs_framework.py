"""The generic replica machinery with toy models: iteration, branch search, naming, stability, registry."""


import numpy as np
import pytest

from replica import follow, retrieval_spinodal, solve
from replica.base import Batch, Model, get_model, register, registered
from replica.quadrature import DEFAULT as QUAD
from replica.solver import Options, iterate, search


class CurieWeiss(Model):
    """f(m) = m^2/2 - T ln 2cosh(beta (m + H)): the field H breaks the symmetry if nonzero."""

    family = "hopfield"
    level = "rs"

    def __init__(self, H=0.0, label_both="retrieval"):
        self.H = H
        self.label_both = label_both

    def variables(self, p):
        return ("m",)

    def guesses(self, p):
        B = p.size
        return [("retrieval", np.ones((B, 1))), ("other", -np.ones((B, 1))), ("paramagnet", np.zeros((B, 1)))]

    def update(self, x, p, quad):
        return np.tanh(p["beta"] * (x[:, 0] + self.H))[:, None]

    def free_energy(self, x, p, quad):
        m = x[:, 0]
        return 0.5 * m * m - np.logaddexp(p["beta"] * (m + self.H), -p["beta"] * (m + self.H)) / p["beta"]

    def observables(self, x, p, quad):
        return {"m": x[:, 0], "energy": -0.5 * x[:, 0] ** 2, "entropy": np.zeros(len(x))}

    def classify(self, x, p):
        m = x[:, 0]
        return np.where(np.abs(m) > 1e-8, self.label_both, "paramagnet")


def _batch(beta):
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    return Batch({"beta": beta}, beta.size)


def test_search_finds_all_branches_names_duplicates_and_picks_the_minimum():
    model = CurieWeiss(H=0.01)
    p = _batch([2.0, 0.5])
    branches, chosen, names = search(model, p, QUAD)
    assert names == ("m",)
    # beta = 2: m ~ +0.96 (lower f, from the +1 start) and m ~ -0.95 (from -1): same class,
    # distinct -> "retrieval" and "retrieval#2"; the paramagnet start flows to +m (duplicate).
    assert set(branches) == {"retrieval", "retrieval#2"}
    assert branches["retrieval"]["found"][0] and branches["retrieval#2"]["found"][0]
    assert branches["retrieval"]["x"][0, 0] > 0.9 and branches["retrieval#2"]["x"][0, 0] < -0.9
    assert chosen["branch"][0] == "retrieval"
    # beta = 0.5 (T = 2): only the (field-induced) small-m solution; all starts reach it
    assert branches["retrieval"]["found"][1] and not branches["retrieval#2"]["found"][1]
    assert "duplicate" in branches["retrieval#2"]["message"][1] or "converged to" in branches["retrieval#2"]["message"][1]


def test_stability_of_the_curie_weiss_paramagnet():
    model = CurieWeiss(H=0.0)
    p = _batch([2.0, 0.5])
    branches, chosen, _ = search(model, p, QUAD)
    pm = branches["paramagnet"]
    # f''(0) = 1 - beta: unstable at beta = 2, stable at beta = 0.5
    assert pm["found"][0] and pm["stability"][0] == pytest.approx(1 - 2.0, abs=1e-6)
    assert pm["stability"][1] == pytest.approx(1 - 0.5, abs=1e-6)
    assert chosen["branch"][0] == "retrieval" and chosen["branch"][1] == "paramagnet"


class NoFixedPoint(CurieWeiss):
    def update(self, x, p, quad):
        return x + 1.0

    def in_domain(self, x, p):
        return np.all(np.isfinite(x), axis=-1) & (np.abs(x[:, 0]) < 1e6)


def test_non_convergence_is_reported_not_hidden():
    model = NoFixedPoint()
    p = _batch([1.0])
    it = iterate(model, p, QUAD, np.zeros((1, 1)), Options(maxiter=50))
    assert not it.converged[0]
    assert it.reasons()[0] in ("not converged within the iteration budget", "the update map gave non-finite values")
    assert np.isfinite(it.residual[0]) and it.iterations[0] <= 50
    branches, chosen, _ = search(model, p, QUAD, Options(maxiter=50))
    assert branches == {} and not chosen["converged"][0]
    assert chosen["message"][0].startswith("no solution converged")


def test_start_outside_the_domain():
    s = solve("hopfield", alpha=0.1, beta=3.0)          # the paramagnet needs beta < 1 (A > 0)
    pm = s.branches.get("paramagnet")
    assert pm is None or not pm.converged


def test_registry():
    assert ("hopfield", "rs") in registered() and ("dense", "rs") in registered()
    with pytest.raises(ValueError, match="already registered"):
        register(CurieWeiss())
    bad = CurieWeiss()
    bad.family = "potts"
    with pytest.raises(ValueError, match="family must be one of"):
        register(bad)
    bad.family, bad.level = "hopfield", "2rsb"
    with pytest.raises(ValueError, match="level must be one of"):
        register(bad)
    assert get_model("hopfield").family == "hopfield"


def test_follow_matches_solve_and_stops_at_the_spinodal():
    alpha = 0.05
    T = np.linspace(0.05, 0.8, 9)
    path = follow("hopfield", alpha=alpha, beta=1 / T)
    spin = retrieval_spinodal("hopfield", beta=1 / T)
    exists = spin.alpha > alpha
    assert np.array_equal(path.found, exists)
    for i in np.flatnonzero(path.found)[::3]:
        one = solve("hopfield", alpha=alpha, beta=1 / T[i]).branches["retrieval"]
        assert path.m[i] == pytest.approx(one.m, abs=1e-10)
        assert path.free_energy[i] == pytest.approx(one.free_energy, abs=1e-12)
    lost = int(np.argmin(path.found))
    assert path.message[lost].startswith("branch lost")
    with pytest.raises(ValueError, match="1-D path"):
        follow("hopfield", alpha=np.ones((2, 2)) * 0.05, beta=1.0)


def test_follow_from_a_known_solution():
    # start from the spin-glass solution at alpha = 0.1, T = 0.1 and follow it down in T
    known = solve("hopfield", alpha=0.1, beta=10.0).branches["spin glass"]
    path = follow("hopfield", branch="spin glass", start=known, alpha=0.1, beta=np.array([10.0, 12.0, 15.0]))
    assert np.all(path.found) and np.all(path.m == 0) and path.q[0] == pytest.approx(known.q, abs=1e-12)
    with pytest.raises(ValueError, match="start must be a solution record"):
        follow("hopfield", start={"m": 1.0}, alpha=0.1, beta=np.array([1.0, 2.0]))
