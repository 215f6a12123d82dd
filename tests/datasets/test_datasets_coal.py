"""Coal burner CSVs: loading, scaling fitted on training series, one-step
targets and the persistence baseline, on small files written here."""
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from rnnkit.datasets import (COAL_COLUMNS, MinMaxSeriesScaler, load_coal,
                             one_step_ahead, persistence_errors)


def _write_burner(path, data, columns=COAL_COLUMNS):
    lines = [",".join(columns)]
    lines += [",".join(f"{v:.6g}" for v in row) for row in data]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def coal_dir(tmp_path):
    rng = np.random.default_rng(1)
    data = {}
    for i in range(3):
        d = np.round(rng.random((6 + i, 12)), 4)
        _write_burner(tmp_path / f"burner_{i}.csv", d)
        data[i] = d
    return tmp_path, data


def test_load_coal(coal_dir):
    path, data = coal_dir
    series, columns = load_coal(path, burners=[2, 0])
    assert columns == list(COAL_COLUMNS)
    assert [s.shape for s in series] == [(8, 12), (6, 12)]
    np.testing.assert_allclose(series[0], data[2])
    single, _ = load_coal(path / "burner_1.csv")
    np.testing.assert_allclose(single[0], data[1])


def test_load_coal_errors(coal_dir):
    path, data = coal_dir
    with pytest.raises(FileNotFoundError, match="burner_7.csv"):
        load_coal(path, burners=[0, 7])
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_coal(path / "nowhere")
    cols = list(COAL_COLUMNS)
    cols[10] = "Supp_Oil_Flow"
    _write_burner(path / "burner_1.csv", data[1], cols)
    with pytest.raises(ValueError, match=r"burner_1.csv.*header"):
        load_coal(path, burners=[0, 1])
    bad = data[2].copy()
    bad[3, 5] = np.nan
    _write_burner(path / "burner_2.csv", bad)
    with pytest.raises(ValueError, match=r"burner_2.csv.*NaN at data row 4"):
        load_coal(path, burners=[2])
    bad[3, 5] = np.inf
    _write_burner(path / "burner_2.csv", bad)
    with pytest.raises(ValueError, match=r"burner_2.csv.*inf at data row 4 \(line 5\), "
                                         r"column 6 \(System_Secondary_Air_Flow_Total\)"):
        load_coal(path, burners=[2])
    (path / "burner_2.csv").write_text("1,2\n3,4\n")
    with pytest.raises(ValueError, match=r"burner_2.csv.*no header"):
        load_coal(path, burners=[2])
    (path / "burner_0.csv").write_text(",".join(COAL_COLUMNS) + "\n1,2,x\n")
    with pytest.raises(ValueError, match="burner_0.csv"):
        load_coal(path, burners=[0])


def test_one_step_ahead():
    s = np.arange(30, dtype=float).reshape(10, 3)
    names = ["a", "b", "target"]
    X, y = one_step_ahead([s, s[:4]], "target", columns=names)
    np.testing.assert_array_equal(X[0], s[:9])
    np.testing.assert_array_equal(y[0], s[1:, 2])
    assert X[1].shape == (3, 3) and y[1].shape == (3,)
    X2, y2 = one_step_ahead(s, 1, offset=3)
    np.testing.assert_array_equal(X2[0], s[:7])
    np.testing.assert_array_equal(y2[0], s[3:, 1])
    with pytest.raises(ValueError, match="'flame'"):
        one_step_ahead(s, "flame", columns=names)
    with pytest.raises(ValueError, match="offset 4 leaves no step"):
        one_step_ahead([s, s[:4]], 0, offset=4)
    with pytest.raises(ValueError, match="out of range"):
        one_step_ahead(s, 3)


def test_persistence_errors():
    a = np.zeros((5, 12))
    a[:, -1] = [0.0, 0.1, 0.3, 0.3, 0.2]  # diffs .1 .2 0 -.1
    b = np.zeros((3, 12))
    b[:, -1] = [1.0, 1.0, 0.0]             # diffs 0 -1
    err = persistence_errors([a, b])
    np.testing.assert_allclose(err["mae_per_series"], [0.1, 0.5])
    np.testing.assert_allclose(err["mse_per_series"], [0.015, 0.5])
    assert err["mae"] == pytest.approx(0.3)   # mean over files, not rows
    assert err["mse"] == pytest.approx(0.2575)
    X, y = one_step_ahead([a, b])
    # persistence = last input value of the target column
    assert np.mean(np.abs(y[0] - X[0][:, -1])) == pytest.approx(0.1)


def test_scaler_fits_on_training_only():
    train = [np.array([[0.0, 10.0, 5.0], [2.0, 30.0, 5.0]]),
             np.array([[1.0, 20.0, 5.0]])]
    test = [np.array([[4.0, 0.0, 5.0]])]
    sc = MinMaxSeriesScaler().fit(train)
    np.testing.assert_array_equal(sc.data_min_, [0, 10, 5])
    np.testing.assert_array_equal(sc.data_max_, [2, 30, 5])
    out = sc.transform(test)[0]
    np.testing.assert_allclose(out, [[2.0, -0.5, 0.0]])  # constant col -> 0
    clipped = MinMaxSeriesScaler(clip=True).fit(train).transform(test)[0]
    np.testing.assert_allclose(clipped, [[1.0, 0.0, 0.0]])
    back = sc.inverse_transform(sc.transform(train))
    for a, b in zip(back, train):
        np.testing.assert_allclose(a, b)
    trans = MinMaxSeriesScaler().fit_transductive(train, test)
    np.testing.assert_array_equal(trans.data_min_, [0, 0, 5])
    np.testing.assert_array_equal(trans.data_max_, [4, 30, 5])
    single = MinMaxSeriesScaler((-1, 1)).fit_transform(train[0])
    assert isinstance(single, np.ndarray)
    np.testing.assert_allclose(single[:, 0], [-1, 1])


def test_scaler_errors():
    with pytest.raises(NotFittedError, match="not fitted"):
        MinMaxSeriesScaler().transform([np.zeros((2, 2))])
    sc = MinMaxSeriesScaler().fit([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="2 columns.*fitted on 3"):
        sc.transform([np.zeros((2, 2))])
    with pytest.raises(ValueError, match="low < high"):
        MinMaxSeriesScaler((1, 0)).fit([np.zeros((2, 3))])


def test_parse_burners():
    from rnnkit.datasets.coal import parse_burners
    assert parse_burners("0-7") == list(range(8))
    assert parse_burners("0,3,5") == [0, 3, 5]
    assert parse_burners("0-2,9") == [0, 1, 2, 9]
    with pytest.raises(ValueError):
        parse_burners("a-b")
