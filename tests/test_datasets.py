"""Structured data: shipped digits, IDX reader (on files the test writes), archetypes from labels."""

import gzip
import struct

import numpy as np
import pytest

from hebbian import Network, datasets


def test_shipped_digits():
    spins, labels = datasets.digits()
    assert spins.shape == (1797, 64) and spins.dtype == np.int8
    assert set(np.unique(spins)) == {-1, 1}
    np.testing.assert_array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    grey, _ = datasets.digits(binarized=False)
    assert grey.max() == 16 and grey.min() == 0
    np.testing.assert_array_equal(spins, np.where(grey >= 8, 1, -1))


def _write_idx(path, array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(data)


def test_idx_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    _write_idx(tmp_path / "a.idx", img, 0x08)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a.idx"), img)
    ints = rng.integers(-1000, 1000, size=(7,)).astype(np.int32)
    _write_idx(tmp_path / "b.idx.gz", ints, 0x0C)
    out = datasets.read_idx(tmp_path / "b.idx.gz")
    np.testing.assert_array_equal(out, ints)
    assert out.dtype.byteorder in ("=", "<", "|")


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "bad")
    img = np.zeros((2, 2, 2), dtype=np.uint8)
    _write_idx(tmp_path / "short", img, 0x08)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="size mismatch"):
        datasets.read_idx(tmp_path / "short")


def test_load_mnist_like_directory(tmp_path):
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 4).astype(np.uint8)
    images = rng.integers(0, 256, size=(12, 6, 6), dtype=np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 0x08)
    spins, lab = datasets.load_mnist(tmp_path, kind="t10k")
    assert spins.shape == (12, 36) and spins.dtype == np.int8
    np.testing.assert_array_equal(spins, np.where(images.reshape(12, -1) >= 128, 1, -1))
    np.testing.assert_array_equal(lab, labels)
    with pytest.raises(ValueError, match="has no file train-images-idx3-ubyte"):
        datasets.load_mnist(tmp_path, kind="train")
    with pytest.raises(ValueError, match="kind must be one of"):
        datasets.load_mnist(tmp_path, kind="test")


def test_archetypes_and_examples_sign_of_class_sum():
    spins, labels = datasets.digits()
    xi, examples, classes = datasets.archetypes_and_examples(spins, labels, M=20, rng=0)
    assert xi.shape == (10, 64) and examples.shape == (10, 20, 64)
    np.testing.assert_array_equal(classes, np.arange(10))
    for c in range(10):
        total = spins[labels == c].astype(np.int64).sum(axis=0)
        np.testing.assert_array_equal(xi[c], np.where(total >= 0, 1, -1))
        members = {row.tobytes() for row in spins[labels == c]}
        assert all(e.tobytes() in members for e in examples[c])
    # a supervised network on the digits retrieves the class archetype from itself
    net = Network.from_examples(examples, 2, "supervised", archetypes=xi)
    m = net.overlaps(xi)
    assert np.all(np.diag(m) == 1.0)
    with pytest.raises(ValueError, match=r"M must be an integer in \[1, 174\], got 500"):
        datasets.archetypes_and_examples(spins, labels, M=500)
    with pytest.raises(ValueError, match=r"labels must have shape \(1797,\)"):
        datasets.archetypes_and_examples(spins, labels[:5])


def test_digits_centred_per_pixel():
    # threshold="mean": +1 exactly where the grey level exceeds the pixel's mean over the 1797
    # images (checked in exact integer arithmetic: 1797 * grey > column sum)
    grey, labels = datasets.digits(binarized=False)
    spins, labels2 = datasets.digits(threshold="mean")
    np.testing.assert_array_equal(labels, labels2)
    assert spins.dtype == np.int8 and set(np.unique(spins)) == {-1, 1}
    above = len(grey) * grey.astype(np.int64) > grey.astype(np.int64).sum(axis=0)
    np.testing.assert_array_equal(spins, np.where(above, 1, -1))
    blank = grey.max(axis=0) == 0                       # pixels blank in every image: -1
    assert blank.sum() == 3 and np.all(spins[:, blank] == -1)
    # it differs from the fixed threshold where the pixel mean is far from 8 (the border)
    fixed, _ = datasets.digits()
    assert 0.05 < np.mean(spins != fixed) < 0.5
    # the shared background shrinks: mean |overlap| of distinct archetypes 53/96 -> 0.31875
    for images, expected in ((fixed, 0.5520833333333334), (spins, 0.31875)):
        xi, _, _ = datasets.archetypes_and_examples(images, labels, M=1)
        c = np.abs(xi.astype(np.int64) @ xi.T.astype(np.int64)) / 64
        assert c[~np.eye(10, dtype=bool)].mean() == pytest.approx(expected, abs=1e-12)
    for bad in ("median", 0, 17, 2.5):
        with pytest.raises(ValueError, match=r"threshold must be an integer in \[1, 16\] or 'mean'"):
            datasets.digits(threshold=bad)
