"""MNIST IDX loader: gzip and raw files, corrupted variants, clear errors."""
import gzip
import struct

import numpy as np
import pytest

from rnnkit.datasets import load_mnist, read_idx


def _idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path, payload, compress):
    if compress:
        payload = gzip.compress(payload)
    path.write_bytes(payload)
    return path


def _make_mnist(directory, n_train=7, n_test=3, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        suffix = ".gz" if compress else ""
        _write(directory / f"{prefix}-images-idx3-ubyte{suffix}",
               _idx_bytes(images), compress)
        _write(directory / f"{prefix}-labels-idx1-ubyte{suffix}",
               _idx_bytes(labels), compress)
        out[prefix] = (images, labels)
    return out


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_round_trip(tmp_path, compress):
    ref = _make_mnist(tmp_path, compress=compress)
    X, y = load_mnist(tmp_path, "train")
    assert X.shape == (7, 784) and X.dtype == np.uint8
    assert y.shape == (7,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X, ref["train"][0].reshape(7, -1))
    np.testing.assert_array_equal(y, ref["train"][1])
    X, y = load_mnist(tmp_path, "test", flatten=False)
    assert X.shape == (3, 28, 28)
    np.testing.assert_array_equal(X, ref["t10k"][0])
    X, y = load_mnist(tmp_path, "all")
    assert X.shape == (10, 784)
    np.testing.assert_array_equal(y[7:], ref["t10k"][1])


def test_gzip_detected_by_magic_not_name(tmp_path):
    # compressed payload under the uncompressed name, and vice versa
    labels = np.arange(5, dtype=np.uint8)
    gz_no_suffix = _write(tmp_path / "a-idx1-ubyte", _idx_bytes(labels), True)
    raw_with_suffix = _write(tmp_path / "b-idx1-ubyte.gz", _idx_bytes(labels),
                             False)
    np.testing.assert_array_equal(read_idx(gz_no_suffix), labels)
    np.testing.assert_array_equal(read_idx(raw_with_suffix), labels)


@pytest.mark.parametrize("type_code, dtype", [
    (0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
    (0x0D, np.float32), (0x0E, np.float64)])
def test_read_idx_types(tmp_path, type_code, dtype):
    data = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = _write(tmp_path / "x.idx", _idx_bytes(data, type_code), False)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, data)


def test_missing_file_names_it(tmp_path):
    _make_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    load_mnist(tmp_path, "train")  # the train files are still fine
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, "test")
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        read_idx(tmp_path / "nope.idx")


def test_bad_magic(tmp_path):
    _make_mnist(tmp_path, compress=False)
    # swap: a labels file where images are expected
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes((tmp_path / "train-labels-idx1-ubyte").read_bytes())
    with pytest.raises(ValueError, match=r"train-images.*bad magic number 2049"):
        load_mnist(tmp_path, "train")
    junk = _write(tmp_path / "junk", b"hello world, not idx", False)
    with pytest.raises(ValueError, match="bad IDX magic"):
        read_idx(junk)


@pytest.mark.parametrize("compress", [True, False])
def test_truncated_and_overlong(tmp_path, compress):
    _make_mnist(tmp_path, compress=compress)
    suffix = ".gz" if compress else ""
    path = tmp_path / f"train-images-idx3-ubyte{suffix}"
    payload = gzip.decompress(path.read_bytes()) if compress else path.read_bytes()
    _write(path, payload[:-10], compress)
    with pytest.raises(ValueError, match=r"train-images.*truncated"):
        load_mnist(tmp_path, "train")
    _write(path, payload + b"\x00" * 3, compress)
    with pytest.raises(ValueError, match=r"train-images.*too long.*3 extra"):
        load_mnist(tmp_path, "train")
    _write(path, payload[:9], compress)
    with pytest.raises(ValueError, match="truncated header"):
        load_mnist(tmp_path, "train")


def test_corrupted_gzip_stream(tmp_path):
    _make_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:15])
    with pytest.raises(ValueError, match="train-labels.*gzip"):
        load_mnist(tmp_path, "train")


def test_mismatched_counts(tmp_path):
    _make_mnist(tmp_path)
    labels = np.zeros(6, dtype=np.uint8)
    _write(tmp_path / "train-labels-idx1-ubyte.gz", _idx_bytes(labels), True)
    with pytest.raises(ValueError, match="7 images but .* 6 labels"):
        load_mnist(tmp_path, "train")


def test_bad_subset(tmp_path):
    with pytest.raises(ValueError, match="'validation'"):
        load_mnist(tmp_path, "validation")
