"""Sweep-runner engines of the gallery (plug-ins named in configs as ``"hebbian.gallery.engines:..."``).

* :class:`LinesEngine` -- transition lines of the replica theory, one point of a line per
  task: the retrieval spinodal ``alpha_M(T)`` and the line ``alpha_G(T)`` where retrieval
  becomes the global minimum (parametrised by ``T``), the AT line ``T_AT(alpha)`` and the
  glass temperature ``T_g(alpha)`` (parametrised by ``alpha``), at RS or 1RSB.
* :class:`DigitsEngine` -- structured data: a network learns the classes of the shipped 8x8
  digits (:func:`hebbian.datasets.digits`) from M examples per class; held-out test images,
  corrupted by flipping a fraction ``noise`` of their pixels, are relaxed by zero- or
  low-temperature dynamics (:func:`montecarlo.simulate`), and the overlap of the final state
  with the archetype of the right class is measured.

Both import their engine lazily (inside :meth:`run`), as the built-in adapters do.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _checks, models
from ..sweep import Engine, Observable, Setting

__all__ = ["LinesEngine", "DigitsEngine"]

_T_LINES = ("spinodal", "global_minimum")      # alpha(T)
_ALPHA_LINES = ("at", "glass")                 # T(alpha)


class LinesEngine(Engine):
    """Transition lines of :mod:`replica`: one point of one line per task.

    Settings: ``line`` (``"spinodal"``, ``"global_minimum"``: give ``T`` or ``beta``, get
    ``alpha``; ``"at"``, ``"glass"``: give ``alpha``, get ``T``), ``level`` (``"rs"`` or
    ``"1rsb"``), ``options`` (``xtol``). ``converged`` and ``message`` are kept per point.
    """

    name = "lines"
    stochastic = False
    settings = {
        "line": Setting("choice", "spinodal", _T_LINES + _ALPHA_LINES, doc="which transition line"),
        "level": Setting("choice", "rs", ("rs", "1rsb"), doc="replica-symmetry level"),
        "options": Setting("table", {}, doc="xtol (tolerance of the line search)"),
    }
    observables = {
        "alpha": Observable("load of the line point", error=False),
        "T": Observable("temperature of the line point", error=False),
        "m": Observable("retrieval overlap at the line point (spinodal, AT)", error=False),
        "converged": Observable("the line point was found", error=False, dtype="bool"),
        "message": Observable("solver message", error=False, dtype="str"),
    }
    default_observables = ("alpha", "T", "converged", "message")

    def check_point(self, model, params, settings, observables):
        line = settings["line"]
        for key in settings["options"]:
            if key != "xtol":
                raise ValueError(f"unknown [lines] options key {key!r} (allowed: xtol)")
        if "xtol" in settings["options"]:
            _checks.real("options.xtol", settings["options"]["xtol"], lo=0.0, lo_open=True)
        if line in _T_LINES:
            if params.get("alpha") is not None:
                raise ValueError(f"alpha is what line = {line!r} computes: give T (or beta), not alpha")
            if params.get("beta") is None:
                raise ValueError(f"line = {line!r} needs a temperature: give T or beta")
            required = models.FAMILIES[model][0]
            p = models.check_params(model, **params, **({"alpha": 0.0} if "alpha" in required else {}))
            p.pop("alpha", None)
        else:
            if params.get("beta") is not None:
                raise ValueError(f"T is what line = {line!r} computes: give alpha, not T or beta")
            if params.get("alpha") is None:
                raise ValueError(f"line = {line!r} needs a load: give alpha")
            p = models.check_params(model, **params)
            p.pop("beta", None)
        return p

    def cost(self, model, params, settings):
        return (100.0 if settings["level"] == "1rsb" else 1.0) * (3.0 if settings["line"] == "global_minimum" else 1.0)

    def run(self, model, params, settings, observables, seed):
        import replica
        line, level = settings["line"], settings["level"]
        kw = {k: v for k, v in params.items() if v is not None}
        fn = {"spinodal": replica.retrieval_spinodal, "global_minimum": replica.retrieval_global_minimum,
              "at": replica.at_line, "glass": replica.glass_temperature}[line]
        rec = fn(model, level, **settings["options"], **kw)
        converged = bool(np.all(rec["converged"]))
        if line in _T_LINES:
            beta = kw["beta"]
            alpha, T = _scalar(rec, "alpha"), (0.0 if math.isinf(beta) else 1.0 / beta)
        else:
            alpha, T = kw["alpha"], _scalar(rec, "T")
        out = {"alpha": alpha if converged else math.nan, "T": T if converged else math.nan,
               "m": _scalar(rec, "m") if converged else math.nan, "converged": converged,
               "message": str(np.ravel(rec["message"])[0]) if "message" in rec else ""}
        return {k: out[k] for k in observables}

    def versions(self):
        try:
            import replica
        except ImportError:
            return {}
        return {"replica": getattr(replica, "__version__", "unknown")}


class DigitsEngine(Engine):
    """Associative recall of the shipped 8x8 digits (N = 64), one draw of examples per task.

    Per task (``model = "digits"``): the images are binarized (``binarize = "fixed"``: grey
    level >= 8 -> +1; ``"centred"``: +1 above the pixel's mean grey level, which removes most
    of the background shared by all classes, see :func:`hebbian.datasets.digits`), M examples
    per class are drawn at random from the 1797 images
    (:func:`hebbian.datasets.archetypes_and_examples`; the class archetype is the sign of the
    sum of ALL its images, in the same binarization), a network of order P is built from them
    (:meth:`hebbian.Network.from_examples`, ``rule`` supervised or unsupervised, or
    ``"archetypes"``: the ten archetypes stored directly; ``tuples`` as in
    :class:`hebbian.Network`), and ``tests`` held-out images per class (never among the
    examples) are corrupted by flipping a fraction ``noise`` of their pixels and relaxed by
    ``sweeps`` sweeps of Glauber dynamics at temperature T (``T = 0``: zero-temperature
    dynamics, stops in a local minimum).

    Observables: ``m_right`` -- overlap of the final state with the archetype of the test
    image's class (mean over the test images); ``accuracy`` -- fraction of test images whose
    final state overlaps most with the right archetype; ``m_input`` / ``accuracy_input`` --
    the same for the corrupted input (the nearest-archetype classification of the input
    itself, the reference a network has to beat); ``accuracy_gain`` -- ``accuracy -
    accuracy_input`` on the same test images (its error bar is the paired one);
    ``m_clean`` / ``m_clean_input`` -- overlap of the final state / of the corrupted input
    with the uncorrupted test image (restoration of the image; the input's is ~ 1 - 2 noise),
    ``m_clean_gain`` their difference on the same test images;
    ``m_clean_average`` -- overlap of the uncorrupted test image with the average digit (sign
    of the sum of all images), the score of an output that ignores its input;
    ``originals`` / ``inputs`` / ``outputs`` -- the first test image of every class, clean,
    corrupted, and after the dynamics (10 x 64 spins, flattened); ``archetype_overlap`` -- mean |overlap| between
    distinct archetypes (the digits are correlated patterns).

    The supervised rule stores the class sums (entries up to M): for P >= 3 the exact sampler
    of :func:`montecarlo.simulate` needs ``64 M^P < 2^62`` (e.g. P <= 10 at M = 40); larger
    points are refused before any work.
    """

    name = "digits"
    stochastic = True
    settings = {
        "rule": Setting("choice", "supervised", ("supervised", "unsupervised", "archetypes"),
                        doc="how the couplings are built from the data"),
        "noise": Setting("real", 0.2, dict(lo=0.0, hi=0.5), doc="fraction of flipped pixels of a test image"),
        "tests": Setting("int", 5, dict(min=1, max=50), doc="test images per class"),
        "sweeps": Setting("int", 50, dict(min=1), doc="sweeps of the dynamics"),
        "binarize": Setting("choice", "fixed", ("fixed", "centred"),
                            doc="grey level >= 8 -> +1, or above the pixel's mean grey level -> +1"),
        "tuples": Setting("choice", "distinct", ("distinct", "all"), doc="see hebbian.Network"),
    }
    observables = {
        "m_right": Observable("overlap of the final state with the right class archetype"),
        "accuracy": Observable("fraction of test images ending closest to the right archetype"),
        "m_input": Observable("overlap of the corrupted input with the right archetype"),
        "accuracy_input": Observable("fraction of corrupted inputs already closest to the right archetype "
                                     "(nearest-archetype baseline)"),
        "accuracy_gain": Observable("accuracy - accuracy_input on the same test images (paired)"),
        "m_clean": Observable("overlap of the final state with the uncorrupted test image"),
        "m_clean_input": Observable("overlap of the corrupted input with the uncorrupted test image"),
        "m_clean_gain": Observable("m_clean - m_clean_input on the same test images (paired)"),
        "m_clean_average": Observable("overlap of the uncorrupted test image with the average digit (sign of the "
                                      "sum of all 1797 images): what an output that ignores the input scores"),
        "originals": Observable("uncorrupted first test image of each class (10 x 64, flattened)", error=False,
                                dim="pixel"),
        "inputs": Observable("corrupted first test image of each class (10 x 64, flattened)", error=False,
                             dim="pixel"),
        "outputs": Observable("final state from those inputs (10 x 64, flattened)", error=False, dim="pixel"),
        "archetype_overlap": Observable("mean |overlap| between distinct class archetypes", error=False),
    }
    default_observables = ("m_right", "accuracy", "m_input")
    _PARAMS = {"P": ("int", dict(min=2, max=64)), "M": ("int", dict(min=1, max=150)),
               "T": ("real", dict(lo=0.0)), "beta": ("real", dict(lo=0.0, allow_inf=True))}

    def check_model(self, model):
        return _checks.choice("model", model, ("digits",))

    def check_param(self, model, key, value):
        if key not in self._PARAMS:
            raise ValueError(f"unknown parameter {key!r} for model 'digits' (parameters: P, M, T or beta)")
        kind, spec = self._PARAMS[key]
        return _checks.integer(key, value, **spec) if kind == "int" else _checks.real(key, value, **spec)

    def check_point(self, model, params, settings, observables):
        for key in ("P", "M", "beta"):
            if params.get(key) is None:
                raise ValueError(f"model 'digits' needs parameter {key!r}" + (" (or T)" if key == "beta" else ""))
        smallest = _smallest_class()
        if params["M"] + settings["tests"] > smallest:
            raise ValueError(f"M + tests must be <= {smallest} (the smallest digit class), got M = {params['M']}, "
                             f"tests = {settings['tests']}")
        P, M = params["P"], params["M"]
        if settings["rule"] == "supervised" and P >= 3 and M >= 2 and 64 * M ** P >= 2 ** 62:
            # the class sums reach M: the exact sampler's power sums must fit int64 (montecarlo)
            raise ValueError(f"rule = 'supervised' with P = {P} and M = {M}: 64 M^P must be < 2^62 for the "
                             f"exact sampler (the class sums reach M); lower P or M")
        return dict(params)

    def cost(self, model, params, settings):
        n = 10 * (params["M"] if settings["rule"] == "unsupervised" else 1)
        return 64.0 * n * settings["sweeps"] * settings["tests"] * 10

    def run(self, model, params, settings, observables, seed):
        from montecarlo import simulate

        from .. import datasets
        from ..network import Network
        data_seed, test_seed, dyn_seed = seed.spawn(3)
        images, labels = datasets.digits(threshold="mean" if settings["binarize"] == "centred" else 8)
        P, M, beta, tuples = params["P"], params["M"], params["beta"], settings["tuples"]
        gen = np.random.default_rng(data_seed)
        xi, examples, classes, test = _draw_digits(images, labels, M, settings["tests"], gen)
        if settings["rule"] == "archetypes":
            net = Network(xi, P, tuples=tuples)
        else:
            # the quality r only rescales the temperature (it enters the normalisation): use the
            # measured mean overlap of the examples with their archetype
            r = float(np.clip(np.mean(np.einsum("kmn,kn->km", examples, xi) / xi.shape[1]), 0.05, 1.0))
            net = Network.from_examples(examples, P, settings["rule"], r=r, archetypes=xi, tuples=tuples)
        tgen = np.random.default_rng(test_seed)
        n_classes, tests, N = len(classes), settings["tests"], xi.shape[1]
        inputs = test.reshape(n_classes * tests, N).copy()
        flips = tgen.random(inputs.shape) < settings["noise"]
        inputs[flips] *= -1
        run = simulate(net, beta, settings["sweeps"], seed=dyn_seed, init=inputs, chains=len(inputs),
                       burn_in=settings["sweeps"] - 1)
        final = np.asarray(run.state.spins).reshape(len(inputs), N)
        right = np.repeat(np.arange(n_classes), tests)
        ov_out = final @ xi.T.astype(np.int64) / N              # (n_tests, classes)
        ov_in = inputs @ xi.T.astype(np.int64) / N
        m_right = ov_out[np.arange(len(right)), right]
        correct = np.argmax(ov_out, axis=1) == right
        correct_in = np.argmax(ov_in, axis=1) == right
        clean = test.reshape(n_classes * tests, N).astype(np.int64)
        out = {}
        for name in observables:
            if name == "m_right":
                out[name] = _mean_err(m_right)
            elif name == "accuracy":
                out[name] = _mean_err(correct.astype(float))
            elif name == "m_input":
                out[name] = _mean_err(ov_in[np.arange(len(right)), right])
            elif name == "accuracy_input":
                out[name] = _mean_err(correct_in.astype(float))
            elif name == "accuracy_gain":
                out[name] = _mean_err(correct.astype(float) - correct_in.astype(float))
            elif name == "m_clean":
                out[name] = _mean_err(np.einsum("tn,tn->t", final.astype(np.int64), clean) / N)
            elif name == "m_clean_input":
                out[name] = _mean_err(np.einsum("tn,tn->t", inputs.astype(np.int64), clean) / N)
            elif name == "m_clean_gain":
                out[name] = _mean_err(np.einsum("tn,tn->t", final.astype(np.int64) - inputs.astype(np.int64), clean) / N)
            elif name == "m_clean_average":
                average = np.where(images.sum(axis=0, dtype=np.int64) >= 0, 1, -1)
                out[name] = _mean_err(clean @ average / N)
            elif name == "originals":
                out[name] = test[:, 0].astype(float).ravel()
            elif name == "inputs":
                out[name] = inputs.reshape(n_classes, tests, N)[:, 0].astype(float).ravel()
            elif name == "outputs":
                out[name] = final.reshape(n_classes, tests, N)[:, 0].astype(float).ravel()
            elif name == "archetype_overlap":
                c = np.abs(xi.astype(np.int64) @ xi.T.astype(np.int64)) / N
                out[name] = float(c[~np.eye(len(c), dtype=bool)].mean())
        return out

    def versions(self):
        try:
            import montecarlo
        except ImportError:
            return {}
        return {"montecarlo": getattr(montecarlo, "__version__", "unknown")}


def _smallest_class():
    from .. import datasets
    _, labels = datasets.digits(binarized=False)
    return int(np.unique(labels, return_counts=True)[1].min())


def _draw_digits(images, labels, M, tests, gen):
    """Archetypes (all images of a class), M random examples and ``tests`` held-out images per class."""
    from .. import datasets
    classes = np.unique(labels)
    xi, _, _ = datasets.archetypes_and_examples(images, labels, M=1)
    examples = np.empty((len(classes), M, images.shape[1]), dtype=np.int8)
    test = np.empty((len(classes), tests, images.shape[1]), dtype=np.int8)
    for c, label in enumerate(classes):
        members = np.flatnonzero(labels == label)
        if len(members) < M + tests:
            raise ValueError(f"class {label} has {len(members)} images: M + tests must be <= {len(members)}, "
                             f"got M = {M}, tests = {tests}")
        pick = gen.permutation(members)
        examples[c] = images[np.sort(pick[:M])]
        test[c] = images[pick[M:M + tests]]
    return xi, examples, classes, test


def _mean_err(x):
    x = np.asarray(x, dtype=float)
    err = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
    return float(x.mean()), err


def _scalar(rec, key):
    try:
        v = rec[key]
    except KeyError:
        return math.nan
    return float(np.ravel(v)[0])
