"""HDF5 helpers: chunked round trip, lazy datasets, clear errors."""
import h5py
import numpy as np
import pytest

from rnnkit.datasets import iter_batches, load_hdf5, write_hdf5


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return {
        "train": (rng.integers(0, 256, (500, 784), dtype=np.uint8),
                  rng.integers(0, 10, 500)),
        "test": (rng.random((50, 784), dtype=np.float32),
                 rng.integers(0, 10, 50)),
    }


def test_round_trip_lazy(tmp_path, arrays):
    path = write_hdf5(tmp_path / "d.h5", arrays,
                      attrs={"source": "unit test", "n_classes": 10},
                      chunk_bytes=784 * 64)
    X, y = load_hdf5(path, "train")
    assert isinstance(X, h5py.Dataset) and isinstance(y, h5py.Dataset)
    assert X.chunks == (64, 784)  # whole rows, about chunk_bytes
    assert X.dtype == np.uint8 and X.compression == "gzip"
    np.testing.assert_array_equal(X[10:20], arrays["train"][0][10:20])
    np.testing.assert_array_equal(y[()], arrays["train"][1])
    assert X.file.attrs["source"] == "unit test"
    X.file.close()
    Xt, yt = load_hdf5(path, "test", in_memory=True)
    assert isinstance(Xt, np.ndarray) and Xt.dtype == np.float32
    np.testing.assert_array_equal(Xt, arrays["test"][0])


def test_root_arrays_mappings_and_no_compression(tmp_path):
    rows = np.arange(40, dtype=np.int16).reshape(10, 4)
    offsets = np.array([0, 3, 10])
    path = write_hdf5(tmp_path / "s.h5",
                      {"labels": np.array([1, 2]),
                       "train": {"rows": rows, "offsets": offsets}},
                      compression=None)
    r, o = load_hdf5(path, "train", ("rows", "offsets"), in_memory=True)
    np.testing.assert_array_equal(r, rows)
    np.testing.assert_array_equal(o, offsets)
    labels = load_hdf5(path, names="labels", in_memory=True)
    np.testing.assert_array_equal(labels, [1, 2])


def test_iter_batches(tmp_path, arrays):
    path = write_hdf5(tmp_path / "d.h5", arrays)
    X, y = load_hdf5(path, "train")
    blocks = list(iter_batches(X, y, batch_size=128))
    assert [len(b[0]) for b in blocks] == [128, 128, 128, 116]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]),
                                  arrays["train"][1])
    assert all(isinstance(b[0], np.ndarray) for b in blocks)
    single = list(iter_batches(np.arange(5), batch_size=2))
    assert [b.tolist() for b in single] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="500 and 3"):
        next(iter_batches(X, np.arange(3)))


def test_errors(tmp_path, arrays):
    path = write_hdf5(tmp_path / "d.h5", arrays)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_hdf5(path, arrays)
    write_hdf5(path, {"train": arrays["train"]}, overwrite=True)
    with pytest.raises(KeyError, match=r"no group 'test'.*train/X"):
        load_hdf5(path, "test")
    with pytest.raises(KeyError, match=r"no dataset 'Z'"):
        load_hdf5(path, "train", ("X", "Z"))
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        load_hdf5(tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="X has 500 rows but y has 3"):
        write_hdf5(tmp_path / "e.h5", {"train": (arrays["train"][0],
                                                 np.arange(3))})
    assert not list(tmp_path.glob("e.h5*"))


def test_corrupted_file(tmp_path, arrays):
    write_hdf5(tmp_path / "d.h5", arrays)
    raw = (tmp_path / "d.h5").read_bytes()
    (tmp_path / "trunc.h5").write_bytes(raw[:200])
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all" * 10)
    for name in ("trunc.h5", "junk.h5"):
        with pytest.raises(ValueError, match=f"{name}.*not a readable HDF5"):
            load_hdf5(tmp_path / name, "train")
