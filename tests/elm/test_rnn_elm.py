import pickle

import h5py
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from rnnkit import NonNegativeScaler, RNNELMClassifier, RNNELMRegressor
from rnnkit.kernels.gnetwork import ClusterParams, zeta


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_hidden_layer_is_the_spec_formula(digits):
    X, _, y, _ = digits
    clf = RNNELMClassifier(50, random_state=0).fit(X, y)
    W = clf.input_weights_
    assert W.shape == (65, 50) and W.min() >= 0
    zeta0 = ClusterParams().zeta0
    P = np.hstack([X, np.full((len(X), 1), zeta0)]) @ W
    assert P.max() == pytest.approx(0.1, rel=1e-12)  # adjustminmax
    np.testing.assert_allclose(clf.transform_hidden(X), zeta(P), rtol=1e-12)


def test_readout_equals_dense_ridge(digits):
    X, _, y, _ = digits
    clf = RNNELMClassifier(60, alpha=1e-3, batch_size=97, random_state=0).fit(X, y)
    H = clf.transform_hidden(X)
    Y = (y[:, None] == clf.classes_).astype(float)
    reference = np.linalg.solve(H.T @ H + 1e-3 * np.eye(60), H.T @ Y)
    np.testing.assert_allclose(clf.coef_, reference, rtol=1e-8, atol=1e-10)


def test_accuracy_on_digits(digits):
    X, Xt, y, yt = digits
    clf = RNNELMClassifier(600, alpha=1e-5, random_state=0).fit(X, y)
    assert clf.score(Xt, yt) > 0.93


def test_random_state_reproducible(digits):
    X, Xt, y, _ = digits
    a = RNNELMClassifier(30, random_state=3).fit(X, y).decision_function(Xt)
    b = RNNELMClassifier(30, random_state=3).fit(X, y).decision_function(Xt)
    c = RNNELMClassifier(30, random_state=4).fit(X, y).decision_function(Xt)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_partial_fit_over_chunks_reproduces_fit(digits):
    X, Xt, y, _ = digits
    kwargs = dict(n_hidden=80, alpha=1e-6, scale_rows=300, random_state=0)
    full = RNNELMClassifier(**kwargs).fit(X, y)
    streamed = RNNELMClassifier(**kwargs)
    for start in range(0, len(X), 400):
        streamed.partial_fit(X[start:start + 400], y[start:start + 400], classes=np.arange(10))
    assert streamed.n_samples_seen_ == len(X)
    np.testing.assert_array_equal(streamed.input_weights_, full.input_weights_)
    rel = np.abs(streamed.coef_ - full.coef_).max() / np.abs(full.coef_).max()
    assert rel < 1e-8
    np.testing.assert_array_equal(streamed.predict(Xt), full.predict(Xt))


def test_partial_fit_continues_after_fit_and_fit_resets(digits):
    X, _, y, _ = digits
    clf = RNNELMClassifier(20, random_state=0).fit(X[:500], y[:500])
    clf.partial_fit(X[500:], y[500:])
    assert clf.n_samples_seen_ == len(X)
    clf.fit(X[:300], y[:300])
    assert clf.n_samples_seen_ == 300


def test_regressor_partial_fit_and_multioutput():
    rng = np.random.default_rng(0)
    X = rng.random((400, 4))
    Y = np.column_stack([np.sin(3 * X[:, 0]), X[:, 1] * X[:, 2]])
    kwargs = dict(n_hidden=60, alpha=1e-5, scale_rows=100, random_state=0)
    full = RNNELMRegressor(**kwargs).fit(X, Y)
    streamed = RNNELMRegressor(**kwargs).partial_fit(X[:150], Y[:150]).partial_fit(X[150:], Y[150:])
    assert np.abs(streamed.coef_ - full.coef_).max() / np.abs(full.coef_).max() < 1e-8
    assert full.predict(X).shape == (400, 2)
    assert full.score(X, Y) > 0.9
    assert RNNELMRegressor(**kwargs).fit(X, Y[:, 0]).predict(X).shape == (400,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64(digits, dtype):
    X, Xt, y, yt = digits
    clf = RNNELMClassifier(200, alpha=1e-4, random_state=0).fit(X.astype(dtype), y)
    assert clf.input_weights_.dtype == dtype
    assert clf.decision_function(Xt.astype(dtype)).dtype == dtype
    assert clf.score(Xt.astype(dtype), yt) > 0.9


def test_pickle_roundtrip_including_unsolved_partial_fit(digits):
    X, Xt, y, _ = digits
    clf = RNNELMClassifier(40, random_state=0).partial_fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(Xt), clf.predict(Xt))
    restored.partial_fit(X[:10], y[:10])
    assert restored.n_samples_seen_ == len(X) + 10


def test_h5py_dataset_input_matches_array(digits, tmp_path):
    X, Xt, y, _ = digits
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f.create_dataset("X", data=X, chunks=(100, X.shape[1]))
        f.create_dataset("y", data=y)
    with h5py.File(tmp_path / "d.h5", "r") as f:
        on_disk = RNNELMClassifier(50, batch_size=128, random_state=0).fit(f["X"], f["y"])
        pred_disk = on_disk.predict(f["X"])
    in_memory = RNNELMClassifier(50, batch_size=128, random_state=0).fit(X, y)
    np.testing.assert_allclose(on_disk.coef_, in_memory.coef_, rtol=1e-10)
    np.testing.assert_array_equal(pred_disk, in_memory.predict(X))


def test_pipeline_with_scaler_under_grid_search():
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline([("scale", NonNegativeScaler()), ("elm", RNNELMClassifier(random_state=0))])
    search = GridSearchCV(pipe, {"elm__n_hidden": [50, 200], "elm__alpha": [1e-5, 1e-2]}, cv=3)
    search.fit(X[:900], y[:900])
    assert search.best_params_["elm__n_hidden"] == 200
    assert search.score(X[900:], y[900:]) > 0.85


def test_pinv_solver(digits):
    X, Xt, y, yt = digits
    clf = RNNELMClassifier(100, solver="pinv", random_state=0).fit(X, y)
    H = clf.transform_hidden(X)
    Y = (y[:, None] == clf.classes_).astype(float)
    np.testing.assert_allclose(H @ clf.coef_, H @ (np.linalg.pinv(H) @ Y), atol=1e-6)


def test_verbose_prints_progress(digits, capsys):
    X, _, y, _ = digits
    RNNELMClassifier(10, batch_size=500, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "scale pass" in out and f"{len(X)}/{len(X)} rows" in out


# -- bad input: clear error, fitted model left intact --------------------------

@pytest.fixture
def fitted(digits):
    X, Xt, y, _ = digits
    clf = RNNELMClassifier(30, random_state=0).fit(X, y)
    return clf, Xt, clf.decision_function(Xt)


def _still_usable(clf, Xt, before):
    np.testing.assert_array_equal(clf.decision_function(Xt), before)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_input(fitted, digits, bad):
    clf, Xt, before = fitted
    X, _, y, _ = digits
    X = X.copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="NaN|infinity"):
        clf.partial_fit(X, y)
    _still_usable(clf, Xt, before)


def test_negative_input_names_the_scaler(fitted, digits):
    clf, Xt, before = fitted
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        clf.fit(X - 0.5, y)
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        clf.predict(Xt - 0.5)
    _still_usable(clf, Xt, before)


def test_partial_fit_feature_mismatch(fitted, digits):
    clf, Xt, before = fitted
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="X has 10 features, but RNNELMClassifier is expecting 64"):
        clf.partial_fit(X[:, :10], y)
    _still_usable(clf, Xt, before)


def test_partial_fit_new_classes_without_classes(digits):
    X, Xt, y, _ = digits
    clf = RNNELMClassifier(30, random_state=0).partial_fit(X[y < 5], y[y < 5])
    before = clf.decision_function(Xt)
    with pytest.raises(ValueError,
                       match=r"label\(s\) \[5, 6, 7, 8, 9\] in y do not exist.*classes="):
        clf.partial_fit(X, y)
    _still_usable(clf, Xt, before)
    assert clf.n_samples_seen_ == (y < 5).sum()


def test_empty_h5py_dataset(fitted, tmp_path):
    clf, Xt, before = fitted
    with h5py.File(tmp_path / "empty.h5", "w") as f:
        f.create_dataset("X", shape=(0, 64), dtype="f8")
    with h5py.File(tmp_path / "empty.h5", "r") as f:
        with pytest.raises(ValueError, match="0 sample"):
            clf.fit(f["X"], np.zeros(0))
    _still_usable(clf, Xt, before)


def test_corrupted_h5py_dataset(fitted, digits, tmp_path):
    clf, Xt, before = fitted
    X, _, y, _ = digits
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        dset = f.create_dataset("X", data=X, chunks=(100, 64), compression="gzip")
        offset = dset.id.get_chunk_info(5).byte_offset
    raw = bytearray(path.read_bytes())
    raw[offset:offset + 64] = b"\xff" * 64  # destroy one compressed chunk
    path.write_bytes(bytes(raw))
    for method in (clf.fit, clf.partial_fit):
        with h5py.File(path, "r") as f:
            with pytest.raises(ValueError, match="corrupted"):
                method(f["X"], y)
    _still_usable(clf, Xt, before)
    assert clf.n_samples_seen_ == len(X)


def test_changing_alpha_resolves_from_stored_sums(digits):
    X, _, y, _ = digits
    clf = RNNELMClassifier(40, alpha=1e-6, random_state=0).fit(X, y)
    clf.set_params(alpha=1e-2)
    np.testing.assert_allclose(
        clf.coef_, RNNELMClassifier(40, alpha=1e-2, random_state=0).fit(X, y).coef_, rtol=1e-10)
