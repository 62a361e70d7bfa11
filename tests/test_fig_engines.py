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


def test_digits_engine_measures_what_it_says():
    """Every digits observable recomputed by hand from the same draw (engine called directly)."""
    from hebbian import datasets
    from hebbian.gallery import engines
    settings = dict(rule="archetypes", noise=0.3, tests=4, sweeps=30, binarize="centred", tuples="all")
    names = ["m_right", "accuracy", "m_input", "accuracy_input", "accuracy_gain", "m_clean", "m_clean_input",
             "m_clean_gain", "m_clean_average", "originals", "inputs", "outputs", "archetype_overlap"]
    out = engines.DigitsEngine().run("digits", dict(P=21, M=3, beta=math.inf), settings, names,
                                     np.random.SeedSequence(11))
    data_seed, test_seed, _ = np.random.SeedSequence(11).spawn(3)
    images, labels = datasets.digits(threshold="mean")
    xi, _, _, test = engines._draw_digits(images, labels, 3, 4, np.random.default_rng(data_seed))
    clean = test.reshape(40, 64).astype(np.int64)
    inputs = clean * np.where(np.random.default_rng(test_seed).random((40, 64)) < 0.3, -1, 1)
    right = np.repeat(np.arange(10), 4)
    np.testing.assert_array_equal(out["inputs"], inputs.reshape(10, 4, 64)[:, 0].ravel())
    np.testing.assert_array_equal(out["originals"], test[:, 0].ravel())
    ov_in = inputs @ xi.T.astype(np.int64) / 64
    ok_in = (ov_in.argmax(axis=1) == right).astype(float)

    def mean_err(x):
        return pytest.approx((x.mean(), x.std(ddof=1) / math.sqrt(len(x))), abs=1e-12)

    assert out["accuracy_input"] == mean_err(ok_in)
    assert out["m_input"] == mean_err(ov_in[np.arange(40), right])
    assert out["m_clean_input"] == mean_err((inputs * clean).sum(axis=1) / 64)
    assert abs(out["m_clean_input"][0] - (1 - 2 * 0.3)) < 4 * 0.4 / math.sqrt(40 * 64)   # binomial flips
    average = np.where(images.sum(axis=0) >= 0, 1, -1)
    assert out["m_clean_average"] == mean_err(clean @ average / 64)
    # all index tuples at large odd P (no mirror states -xi) and the ten archetypes stored: every
    # final state IS an archetype (winner-take-all); the gain is accuracy - accuracy_input image by image
    outputs = out["outputs"].reshape(10, 64)
    assert all(any(np.array_equal(o, x) for x in xi) for o in outputs)
    assert out["accuracy_gain"][0] == pytest.approx(out["accuracy"][0] - out["accuracy_input"][0], abs=1e-12)
    assert out["m_clean_gain"][0] == pytest.approx(out["m_clean"][0] - out["m_clean_input"][0], abs=1e-12)
    assert 0 <= out["accuracy_gain"][1] <= 1 and out["m_right"][0] > out["m_input"][0]
    c = np.abs(xi.astype(np.int64) @ xi.T.astype(np.int64)) / 64
    assert out["archetype_overlap"] == pytest.approx(c[~np.eye(10, dtype=bool)].mean(), abs=1e-12)
    assert out["archetype_overlap"] == pytest.approx(0.31875, abs=1e-12)    # centred (fixed: 0.552)


def test_digits_validation():
    with pytest.raises(ConfigError, match="M \\+ tests must be <= 174"):
        load_config(text=DIGITS.format(digits="tests = 50").replace("M = [3]", "M = [150]"))
    with pytest.raises(ConfigError, match="unknown parameter 'alpha'"):
        load_config(text=DIGITS.format(digits="").replace("M = [3]", "M = [3]\nalpha = [0.1]"))
    with pytest.raises(ConfigError, match="model"):
        load_config(text=DIGITS.format(digits="").replace('model = "digits"', 'model = "hopfield"'))
    # supervised class sums reach M: the exact sampler's int64 power sums bound P (refused before any work)
    with pytest.raises(ConfigError, match=r"P = 11 and M = 40: 64 M\^P must be < 2\^62"):
        load_config(text=DIGITS.format(digits='rule = "supervised"').replace("M = [3]", "M = [40]")
                    .replace("P = [2, 4]", "P = [10, 11]"))
    load_config(text=DIGITS.format(digits='rule = "unsupervised"').replace("M = [3]", "M = [40]")
                .replace("P = [2, 4]", "P = [10, 11]"))                      # binary patterns: no bound
    with pytest.raises(ConfigError, match="binarize must be one of"):
        load_config(text=DIGITS.format(digits='binarize = "median"'))


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
