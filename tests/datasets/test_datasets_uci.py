"""Covertype and HIGGS text files: header or not, gzip, labels, errors."""
import gc
import gzip
import warnings

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
    with pytest.raises(ValueError, match="must be 0 or 1"):
        load_higgs(path)
    path.write_text("1\t" + "\t".join(["0.1"] * 27) + "\n")
    with pytest.raises(ValueError, match="expected 29 columns"):
        load_higgs(path)
    path.write_text("1\t" + "\t".join(["0.1"] * 27) + "\tabc\n1\t2\n")
    with pytest.raises(ValueError, match="h.tsv"):
        load_higgs(path)


def _higgs_text(X, y, delimiter=",", label_last=False, header=None):
    rows = [list(x) + [c] if label_last else [c] + list(x) for x, c in zip(X, y)]
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(f"{v:g}" for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def _truncated_gzip(path, text):
    payload = gzip.compress(text.encode())
    path.write_bytes(payload[: len(payload) * 2 // 3])
    return path


def test_truncated_gzip_names_the_file(tmp_path):
    X, y = _covtype_rows(n=400)
    full = _write_covtype(tmp_path / "covtype.data.gz", X, y, header=False, compress=True)
    full.write_bytes(full.read_bytes()[: len(full.read_bytes()) * 2 // 3])
    with pytest.raises(ValueError, match=r"covtype.data.gz.*truncated or corrupted gzip"):
        load_covtype(full)
    Xh, yh = _higgs(n=400)
    path = _truncated_gzip(tmp_path / "HIGGS.csv.gz", _higgs_text(Xh, yh))
    with pytest.raises(ValueError, match=r"HIGGS.csv.gz.*truncated or corrupted gzip"):
        load_higgs(path)
    path.write_bytes(b"\x1f\x8b" + b"not gzip at all")
    with pytest.raises(ValueError, match=r"HIGGS.csv.gz.*gzip"):
        load_higgs(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_inf_features_are_refused_with_row_and_column(tmp_path, value):
    X, y = _covtype_rows()
    lines = _write_covtype(tmp_path / "c.csv", X, y).read_text().splitlines()
    fields = lines[3].split(",")
    fields[0] = value
    lines[3] = ",".join(fields)
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"c.csv.*data row 3 \(line 4\), column 1 "
                                         r"\(Elevation\).*finite"):
        load_covtype(tmp_path / "c.csv")
    Xh, yh = _higgs()
    Xh[2, 4] = float(value)
    (tmp_path / "h.csv").write_text(_higgs_text(Xh, yh))
    with pytest.raises(ValueError, match=r"h.csv.*data row 3 \(line 3\), column 6 "
                                         r"\(feature 5\)"):
        load_higgs(tmp_path / "h.csv")


def test_higgs_in_another_layout_says_what_it_expects(tmp_path):
    X, y = _higgs()
    names = [f"f{i}" for i in range(28)] + ["label"]
    path = tmp_path / "higgs_with_header.csv"
    path.write_text(_higgs_text(X, y, label_last=True, header=names))
    with pytest.raises(ValueError, match=r"header line \(f0, f1.*no header, 29 columns "
                                         r"\(the label, 0 or 1, then 28 features\).*label "
                                         r"column first"):
        load_higgs(path)
    path.write_text(_higgs_text(X, y, label_last=True))
    with pytest.raises(ValueError, match=r"first column\) must be 0 or 1.*is the label last"):
        load_higgs(path)


@pytest.mark.parametrize("compress", [False, True])
def test_higgs_uci_layout_without_resource_warnings(tmp_path, compress):
    X, y = _higgs()
    text = _higgs_text(X, y)
    path = tmp_path / ("HIGGS.csv.gz" if compress else "HIGGS.csv")
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Xl, yl = load_higgs(path)
        gc.collect()
    np.testing.assert_allclose(Xl, X)
    np.testing.assert_array_equal(yl, y)
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
