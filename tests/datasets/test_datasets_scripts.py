"""data_scripts: local files, checksum checks, HDF5 output (no network)."""
import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from rnnkit.datasets import load_hdf5

SCRIPTS = Path(__file__).resolve().parents[2] / "data_scripts"


@pytest.fixture
def scripts(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import _fetch
    import mnist_to_hdf5
    return _fetch, mnist_to_hdf5


def _idx(array):
    head = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape)
    return head + array.astype(np.uint8).tobytes()


def _mnist_dir(path, compress):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        for kind, arr in (("images-idx3", rng.integers(0, 256, (n, 28, 28))),
                          ("labels-idx1", rng.integers(0, 10, n))):
            name = f"{prefix}-{kind}-ubyte"
            payload = _idx(arr)
            if compress:
                name, payload = name + ".gz", gzip.compress(payload)
            (path / name).write_bytes(payload)


def test_fetch_local_checks_sha256(tmp_path, scripts):
    _fetch, _ = scripts
    f = tmp_path / "a.bin"
    f.write_bytes(b"payload")
    good = hashlib.sha256(b"payload").hexdigest()
    assert _fetch.fetch("a.bin", [], good, local=str(tmp_path)) == str(f)
    with pytest.raises(_fetch.ChecksumError, match="a.bin: sha256"):
        _fetch.fetch("a.bin", [], "0" * 64, local=str(tmp_path))
    _fetch.fetch("a.bin", [], "0" * 64, local=str(tmp_path), verify=False)
    alt = _fetch.fetch("a.bin.gz", [], "1" * 64, local=str(tmp_path),
                       alternatives=[("a.bin", good)])
    assert alt == str(f)
    with pytest.raises(FileNotFoundError, match="b.bin"):
        _fetch.fetch("b.bin", [], None, local=str(tmp_path))


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_to_hdf5_local(tmp_path, scripts, compress):
    _fetch, script = scripts
    src = tmp_path / "src"
    src.mkdir()
    _mnist_dir(src, compress)
    out = tmp_path / "m.h5"
    # synthetic files do not match the pinned checksums
    with pytest.raises(_fetch.ChecksumError, match="expected"):
        script.main([str(out), "--local", str(src)])
    assert _fetch.run(lambda: script.main([str(out), "--local", str(src)])) == 1
    assert not out.exists()
    assert script.main([str(out), "--local", str(src), "--no-verify"]) == 0
    X, y = load_hdf5(out, "train", in_memory=True)
    assert X.shape == (6, 784) and X.dtype == np.uint8 and y.shape == (6,)
    Xt, _ = load_hdf5(out, "test", in_memory=True)
    assert Xt.shape == (4, 784)


@pytest.fixture
def uci_scripts(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import _fetch
    import covtype_to_hdf5
    import higgs_to_hdf5
    return _fetch, covtype_to_hdf5, higgs_to_hdf5


@pytest.mark.parametrize("name", ["covtype.csv", "covtype.data.gz"])
def test_covtype_to_hdf5_matches_the_loader(tmp_path, uci_scripts, name):
    from rnnkit.datasets import COVTYPE_FEATURES, load_covtype

    _, script, _ = uci_scripts
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    rows = np.hstack([rng.integers(0, 3000, (8, 54)), (np.arange(8) % 7 + 1)[:, None]])
    text = "\n".join([",".join(COVTYPE_FEATURES + ["Cover_Type"])] * (name == "covtype.csv")
                     + [",".join(map(str, r)) for r in rows]) + "\n"
    payload = gzip.compress(text.encode()) if name.endswith(".gz") else text.encode()
    (src / name).write_bytes(payload)
    out = tmp_path / "c.h5"
    assert script.main([str(out), "--local", str(src), "--head", "5"]) == 0
    X, y = load_hdf5(out, in_memory=True)
    Xl, yl = load_covtype(src / name, max_rows=5)
    np.testing.assert_array_equal(X, Xl)
    np.testing.assert_array_equal(y, yl)


def _higgs_files(src):
    rng = np.random.default_rng(0)
    for subset, n in (("train", 7), ("test", 3)):
        rows = np.hstack([(np.arange(n) % 2)[:, None], np.round(rng.normal(size=(n, 28)), 3)])
        text = "".join("\t".join(f"{v:g}" for v in r) + "\n" for r in rows)
        (src / f"binary.{subset}").write_text(text)


def test_higgs_to_hdf5_matches_the_loader_and_reports_bad_files(tmp_path, uci_scripts):
    from rnnkit.datasets import load_higgs

    _fetch, _, script = uci_scripts
    src = tmp_path / "src"
    src.mkdir()
    _higgs_files(src)
    out = tmp_path / "h.h5"
    assert script.main([str(out), "--local", str(src), "--no-verify", "--head", "6"]) == 0
    for subset in ("train", "test"):
        X, y = load_hdf5(out, subset, in_memory=True)
        Xl, yl = load_higgs(src / f"binary.{subset}", max_rows=6)
        np.testing.assert_array_equal(X, Xl)
        np.testing.assert_array_equal(y, yl)
    # a file in the wrong layout stops the script with a one-line error
    (src / "binary.test").write_text("a,b\n1,2\n")
    assert _fetch.run(lambda: script.main([str(tmp_path / "bad.h5"), "--local", str(src),
                                           "--no-verify"])) == 1
    assert not (tmp_path / "bad.h5").exists()
