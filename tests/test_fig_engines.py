"""Gallery sweep plug-ins: transition lines of the replica theory and the digits engine."""

import math

import numpy as np
import pytest

from hebbian import load_result
from hebbian.sweep import ConfigError, load_config, run_sweep

LINES = '''
engine = "hebbian.gallery.engines:LinesEngine"
model = "hopfield"
observables = ["alpha", "T", "m", "converged", "message"]
[grid]
{grid}
[lines]
{lines}
'''

DIGITS = '''
engine = "hebbian.gallery.engines:DigitsEngine"
model = "digits"
seed = 3
samples = 2
observables = ["m_right", "accuracy", "m_input", "accuracy_input", "inputs", "outputs", "archetype_overlap"]
[params]
T = 0.0
[grid]
P = [2, 4]
M = [3]
[digits]
{digits}
'''


def _run(text, tmp_path, name="r"):
    cfg = load_config(text=text)
    report = run_sweep(cfg, tmp_path / f"{name}.h5", stream=open("/dev/null", "w"))
    assert report.n_failed == 0
    return load_result(report.path)


def test_lines_glass_temperature_and_capacity(tmp_path):
    # T_g = 1 + sqrt(alpha) (AGS 1985) and the T = 0 spinodal alpha_c = 0.137906 (AGS; Steffan and Kuehn
    # 1994: 0.137905), through the runner
    ds = _run(LINES.format(grid='alpha = [0.04, 0.09]', lines='line = "glass"'), tmp_path, "glass")
    np.testing.assert_allclose(ds["T"].values, 1 + np.sqrt([0.04, 0.09]), rtol=1e-9)
    assert ds["converged"].values.all()
    ds = _run(LINES.format(grid='T = [0.0]', lines='line = "spinodal"'), tmp_path, "spin")
    assert float(ds["alpha"].values[0]) == pytest.approx(0.137906, abs=2e-6)
    assert float(ds["m"].values[0]) == pytest.approx(0.9674, abs=2e-4)


def test_lines_validation_names_the_problem():
    with pytest.raises(ConfigError, match="alpha is what line = 'spinodal' computes"):
        load_config(text=LINES.format(grid="T = [0.1]\nalpha = [0.05]", lines='line = "spinodal"'))
    with pytest.raises(ConfigError, match="T is what line = 'at' computes"):
        load_config(text=LINES.format(grid="T = [0.1]\nalpha = [0.05]", lines='line = "at"'))
    with pytest.raises(ConfigError, match="needs a load"):
        load_config(text=LINES.format(grid="P = [2]", lines='line = "glass"'))
    with pytest.raises(ConfigError, match="unknown \\[lines\\] options key"):
        load_config(text=LINES.format(grid="T = [0.1]", lines='options = {tol = 1e-3}'))


def test_digits_engine(tmp_path):
    ds = _run(DIGITS.format(digits="tests = 2\nsweeps = 5\nnoise = 0.1"), tmp_path, "digits")
    for name in ("m_right", "accuracy", "accuracy_input"):
        v = ds[name].values
        assert np.all((v >= 0) & (v <= 1)), name
    assert np.all(ds["m_input"].values > 0.3)               # 10% noise keeps the input near its class
    pics = ds["outputs_samples"].values
    assert pics.shape[-1] == 640 and set(np.unique(pics)) <= {-1.0, 1.0}
    # inputs: the test images with ~10% flips; the same seed gives the same draw
    again = _run(DIGITS.format(digits="tests = 2\nsweeps = 5\nnoise = 0.1"), tmp_path, "digits2")
    np.testing.assert_array_equal(again["inputs_samples"].values, ds["inputs_samples"].values)
    np.testing.assert_array_equal(again["m_right_samples"].values, ds["m_right_samples"].values)
    # correlated archetypes: the digits share most of their pixels
    assert 0.3 < float(ds["archetype_overlap"].values.mean()) < 0.8


def test_digits_validation():
    with pytest.raises(ConfigError, match="M \\+ tests must be <= 174"):
        load_config(text=DIGITS.format(digits="tests = 50").replace("M = [3]", "M = [150]"))
    with pytest.raises(ConfigError, match="unknown parameter 'alpha'"):
        load_config(text=DIGITS.format(digits="").replace("M = [3]", "M = [3]\nalpha = [0.1]"))
    with pytest.raises(ConfigError, match="model"):
        load_config(text=DIGITS.format(digits="").replace('model = "digits"', 'model = "hopfield"'))


def test_learning_plateau_is_the_large_rho_threshold():
    # the closed form of the ultra-detection plateau against the solver's threshold at large rho
    import replica
    from hebbian.gallery.learning import plateau
    assert plateau(4) == pytest.approx(0.0063707, rel=1e-4)      # docs/physics/learning.md
    assert plateau(6) == pytest.approx(7.1385e-5, rel=1e-4)
    for P in (4, 6):
        c = replica.critical_capacity("supervised", P=P, rho=1e4)
        assert c.alpha == pytest.approx(plateau(P), rel=2e-3)
    assert replica.critical_capacity("supervised", P=2, rho=100.0).alpha < 1e-8


def test_multitasking_regime_names():
    from hebbian.gallery.multitasking import REGIMES, regime
    names = [r[0] for r in REGIMES]
    assert names[regime("paramagnet", 3)] == "paramagnet"
    assert names[regime("hierarchical", 3)] == "hierarchical"
    assert names[regime("hierarchical-2", 3)] == "hierarchical-2"
    assert names[regime("hierarchical", 2)] == "hierarchical-2"
    assert names[regime("parallel-2#2", 3)] == "parallel-2"
    assert names[regime("mixture-3", 3)] == "mixture"
    assert not math.isnan(regime("pure", 2))
