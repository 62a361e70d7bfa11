"""Structured data: the shipped 8x8 digits, MNIST-style IDX files, archetypes from labels.

* :func:`digits` reads the 1797 8x8 handwritten digits shipped with the package (the test
  set of the UCI "Optical Recognition of Handwritten Digits" data, E. Alpaydin and C. Kaynak,
  CC BY 4.0; the same array as scikit-learn's ``load_digits``), grey levels 0..16.
* :func:`read_idx` and :func:`load_mnist` read MNIST / Fashion-MNIST IDX files (optionally
  gzipped) from a directory you give: nothing is downloaded.
* :func:`binarize` turns images into +-1 spins (``digits(threshold="mean")`` centres each
  pixel at its mean grey level first); :func:`archetypes_and_examples` groups a
  labelled set into classes: the archetype of a class is the sign of the sum of its examples.
"""

from __future__ import annotations

import gzip
import os
from importlib import resources

import numpy as np

from . import _checks

__all__ = ["digits", "read_idx", "load_mnist", "binarize", "archetypes_and_examples"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def digits(binarized=True, threshold=8):
    """The shipped 8x8 digits.

    Parameters
    ----------
    binarized : bool
        Return +-1 spins (grey level >= ``threshold`` -> +1) instead of grey levels.
    threshold : int in [1, 16] or "mean"
        ``"mean"`` centres the data per pixel before taking signs: spin +1 where the grey
        level is ABOVE that pixel's mean grey level over the 1797 images, -1 elsewhere (so
        the three pixels that are blank in every image are -1). It removes most of the
        background shared by all classes: the mean overlap between distinct class archetypes
        (:func:`archetypes_and_examples`) drops from 0.552 (``threshold = 8``) to 0.319.

    Returns
    -------
    images : ndarray, shape (1797, 64)
        int8 spins (binarized) or uint8 grey levels 0..16, rows are flattened 8x8 images.
    labels : ndarray of int64, shape (1797,)
        Digit 0..9 of each image.
    """
    if not (isinstance(threshold, str) and threshold == "mean"):
        try:
            threshold = _checks.integer("threshold", threshold, min=1, max=16)
        except ValueError:
            raise ValueError(f"threshold must be an integer in [1, 16] or 'mean', got {threshold!r}") from None
    with resources.files("hebbian").joinpath("data/digits8x8.npz").open("rb") as fh:
        data = np.load(fh)
        images = data["images"].reshape(len(data["images"]), -1).copy()
        labels = data["labels"].astype(np.int64)
    if binarized:
        if threshold == "mean":
            images = np.where(images > images.mean(axis=0), 1, -1).astype(np.int8)
        else:
            images = binarize(images, threshold)
    return images, labels


def read_idx(path):
    """Read an IDX file (the MNIST format), plain or gzipped.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ndarray
        With the dtype and shape the file declares.

    Raises
    ------
    ValueError
        If the file is not a well-formed IDX file.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"path {path!r} is not an IDX file (bad magic number)")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"path {path!r} is a truncated IDX file (header)")
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    count = int(np.prod(shape)) if shape else 1
    if len(raw) != header + count * dtype.itemsize:
        raise ValueError(f"path {path!r}: IDX size mismatch, header says shape {shape} of {dtype}, "
                         f"file has {len(raw) - header} data bytes")
    return np.frombuffer(raw, dtype=dtype, offset=header, count=count).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(directory, kind="train", binarized=True, threshold=128):
    """Load MNIST or Fashion-MNIST images and labels from IDX files in ``directory``.

    Looks for ``{kind}-images-idx3-ubyte`` and ``{kind}-labels-idx1-ubyte`` (with or without
    ``.gz``), the names both datasets use; ``kind`` is ``"train"`` or ``"t10k"``.

    Returns
    -------
    images : ndarray, shape (n, rows * cols)
        int8 spins (pixel >= ``threshold`` -> +1) or the raw uint8 pixels.
    labels : ndarray of int64, shape (n,)
    """
    _checks.choice("kind", kind, ("train", "t10k"))
    threshold = _checks.integer("threshold", threshold, min=1, max=255)
    images = read_idx(_find(directory, f"{kind}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{kind}-labels-idx1-ubyte")).astype(np.int64)
    if images.ndim != 3 or labels.shape != (images.shape[0],):
        raise ValueError(f"directory {directory!r}: images of shape {images.shape} do not match "
                         f"labels of shape {labels.shape}")
    images = images.reshape(images.shape[0], -1)
    return (binarize(images, threshold) if binarized else images), labels


def binarize(images, threshold):
    """+1 where ``images >= threshold``, -1 elsewhere; int8 of the same shape."""
    images = np.asarray(images)
    return np.where(images >= threshold, 1, -1).astype(np.int8)


def archetypes_and_examples(spins, labels, M=None, rng=None):
    """Group a labelled set of +-1 images into archetypes and examples.

    Parameters
    ----------
    spins : array_like of int, shape (n, N), entries +-1
    labels : array_like of int, shape (n,)
    M : int >= 1, optional
        Examples per class; default the size of the smallest class. Must not exceed it.
    rng : Generator, SeedSequence or int, optional
        Random choice of the M examples of each class; default the first M in file order.

    Returns
    -------
    xi : ndarray of int8, shape (C, N)
        Archetype of each class: sign of the sum of ALL its images (+1 on ties).
    examples : ndarray of int8, shape (C, M, N)
    classes : ndarray, shape (C,)
        The sorted class labels; row c of ``xi`` and ``examples`` is ``classes[c]``.
    """
    spins = _checks.int_array("spins", spins, ndim=2, allowed={-1, 1})
    labels = np.asarray(labels)
    if labels.shape != (spins.shape[0],):
        raise ValueError(f"labels must have shape ({spins.shape[0]},), got {labels.shape}")
    classes, counts = np.unique(labels, return_counts=True)
    smallest = int(counts.min())
    M = smallest if M is None else _checks.integer("M", M, min=1, max=smallest)
    gen = None if rng is None else _checks.generator(rng)
    xi = np.empty((len(classes), spins.shape[1]), dtype=np.int8)
    examples = np.empty((len(classes), M, spins.shape[1]), dtype=np.int8)
    for c, label in enumerate(classes):
        members = spins[labels == label]
        xi[c] = np.where(members.sum(axis=0, dtype=np.int64) >= 0, 1, -1)
        pick = np.arange(M) if gen is None else np.sort(gen.choice(len(members), size=M, replace=False))
        examples[c] = members[pick]
    return xi, examples, classes


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(os.fspath(directory), name)
        if os.path.exists(path):
            return path
    raise ValueError(f"directory {os.fspath(directory)!r} has no file {stem}[.gz]")
