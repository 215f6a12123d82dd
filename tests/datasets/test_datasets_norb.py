"""small NORB binary matrices, on small synthetic files."""
import gzip

import numpy as np
import pytest

from rnnkit.datasets import load_small_norb, read_norb_matrix

BYTE, INT = 0x1E3D4C55, 0x1E3D4C54


def _mat(array, magic):
    sizes = list(array.shape) + [1] * max(0, 3 - array.ndim)
    head = np.array([magic, array.ndim] + sizes, "<i4").tobytes()
    return head + array.astype(array.dtype.newbyteorder("<")).tobytes()


def _norb_dir(path, n=4, compress=False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 2, 96, 96), dtype=np.uint8)
    labels = (np.arange(n) % 5).astype(np.int32)
    stem = "smallnorb-5x46789x9x18x6x2x96x96-training-"
    for kind, payload in (("dat", _mat(images, BYTE)),
                          ("cat", _mat(labels, INT))):
        name = stem + kind + ".mat"
        if compress:
            name, payload = name + ".gz", gzip.compress(payload)
        (path / name).write_bytes(payload)
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
def test_load_small_norb(tmp_path, compress):
    images, labels = _norb_dir(tmp_path, compress=compress)
    X, y = load_small_norb(tmp_path, "train")
    assert X.shape == (4, 2 * 32 * 32) and X.dtype == np.uint8
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_array_equal(X[1, :1024].reshape(32, 32),
                                  images[1, 0, ::3, ::3])
    np.testing.assert_array_equal(X[1, 1024:].reshape(32, 32),
                                  images[1, 1, ::3, ::3])
    X1, _ = load_small_norb(tmp_path, step=3, phase=1)
    np.testing.assert_array_equal(X1[0, :1024].reshape(32, 32),
                                  images[0, 0, 1::3, 1::3])
    with pytest.raises(FileNotFoundError, match="testing-dat"):
        load_small_norb(tmp_path, "test")


def test_read_norb_matrix_types_and_errors(tmp_path):
    a = np.arange(6, dtype=np.int32)
    (tmp_path / "a.mat").write_bytes(_mat(a, INT))
    out = read_norb_matrix(tmp_path / "a.mat")
    assert out.shape == (6,) and out.dtype.isnative
    np.testing.assert_array_equal(out, a)
    (tmp_path / "b.mat").write_bytes(_mat(a, INT)[:-2])
    with pytest.raises(ValueError, match="b.mat.*truncated"):
        read_norb_matrix(tmp_path / "b.mat")
    (tmp_path / "c.mat").write_bytes(_mat(a, INT) + b"\0")
    with pytest.raises(ValueError, match="too long"):
        read_norb_matrix(tmp_path / "c.mat")
    (tmp_path / "d.mat").write_bytes(_mat(a, 0x1E3D4C52))
    with pytest.raises(ValueError, match="bad magic number 0x1E3D4C52"):
        read_norb_matrix(tmp_path / "d.mat")
