"""Covertype and HIGGS text files: header or not, gzip, labels, errors."""
import gzip

import numpy as np
import pytest

from rnnkit.datasets import COVTYPE_FEATURES, load_covtype, load_higgs


def _covtype_rows(n=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(-50, 3000, (n, 54))
    y = np.arange(n) % 7 + 1
    return X, y


def _write_covtype(path, X, y, header=True, compress=False):
    lines = [",".join(COVTYPE_FEATURES + ["Cover_Type"])] if header else []
    lines += [",".join(map(str, list(x) + [c])) for x, c in zip(X, y)]
    payload = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


@pytest.mark.parametrize("header, compress", [(True, False), (False, True)])
def test_load_covtype(tmp_path, header, compress):
    X, y = _covtype_rows()
    name = "covtype_head10000.csv" if header else "covtype.data.gz"
    _write_covtype(tmp_path / name, X, y, header, compress)
    Xl, yl = load_covtype(tmp_path)  # found by name in the directory
    np.testing.assert_array_equal(Xl, X)
    np.testing.assert_array_equal(yl, y - 1)
    assert Xl.shape == (6, 54) and yl.min() == 0
    Xl, yl = load_covtype(tmp_path / name, max_rows=2)
    assert Xl.shape == (2, 54)


def test_covtype_errors(tmp_path):
    X, y = _covtype_rows()
    y[3] = 8
    path = _write_covtype(tmp_path / "c.csv", X, y)
    with pytest.raises(ValueError, match="Cover_Type must be 1..7.*row 4"):
        load_covtype(path)
    _write_covtype(path, X[:, :50], y)
    with pytest.raises(ValueError, match="expected 55 columns"):
        load_covtype(path)
    with pytest.raises(FileNotFoundError, match="none"):
        load_covtype(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="covtype_head10000.csv"):
        load_covtype(tmp_path / "empty")


def _higgs(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(n, 28)), 3), np.arange(n) % 2


@pytest.mark.parametrize("delimiter, compress", [("\t", False), (",", True)])
def test_load_higgs(tmp_path, delimiter, compress):
    X, y = _higgs()
    text = "".join(delimiter.join([str(c)] + [f"{v:.3f}" for v in x]) + "\n"
                   for x, c in zip(X, y))
    payload = gzip.compress(text.encode()) if compress else text.encode()
    (tmp_path / "lightgbm_binary.test").write_bytes(payload)
    Xl, yl = load_higgs(tmp_path, "test")
    np.testing.assert_allclose(Xl, X)
    np.testing.assert_array_equal(yl, y)
    assert yl.dtype == np.int64
    with pytest.raises(FileNotFoundError, match="binary.train"):
        load_higgs(tmp_path, "train")
    with pytest.raises(ValueError, match="'valid'"):
        load_higgs(tmp_path, "valid")


def test_higgs_errors(tmp_path):
    path = tmp_path / "h.tsv"
    path.write_text("2\t" + "\t".join(["0.1"] * 28) + "\n")
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        load_higgs(path)
    path.write_text("1\t" + "\t".join(["0.1"] * 27) + "\n")
    with pytest.raises(ValueError, match="expected 29 columns"):
        load_higgs(path)
    path.write_text("1\t" + "\t".join(["0.1"] * 27) + "\tabc\n1\t2\n")
    with pytest.raises(ValueError, match="h.tsv"):
        load_higgs(path)
