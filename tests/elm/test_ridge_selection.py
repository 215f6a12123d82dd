"""alpha="auto": the readout's ridge chosen from the stored sums, in every estimator."""
import h5py
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rnnkit import NonNegativeScaler, RNNELMClassifier, RNNELMRegressor
from rnnkit.elm.deep import DeepRNNELMClassifier
from rnnkit.elm.multisource import MultiSourceRNNELMClassifier
from rnnkit.elm.readout import RELATIVE_ALPHAS


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def _dense_ridge(clf, X, y, alpha):
    H = clf.transform_hidden(X).astype(np.float64)
    Y = (y[:, None] == clf.classes_).astype(float)
    return np.linalg.solve(H.T @ H + alpha * np.eye(H.shape[1]), H.T @ Y)


def _assert_close(coef, reference, rtol):
    """Entrywise, up to rtol of the largest entry (the system is ill-conditioned)."""
    np.testing.assert_allclose(coef, reference, rtol=0, atol=rtol * np.abs(reference).max())


def test_default_chooses_alpha_by_gcv_and_solves_there(digits):
    X, Xt, y, yt = digits
    clf = RNNELMClassifier(300, random_state=0).fit(X, y)
    assert clf.alpha == "auto"
    results = clf.cv_results_
    H = clf.transform_hidden(X)
    np.testing.assert_allclose(results["param_alpha"],
                               RELATIVE_ALPHAS * np.sum(H.astype(float) ** 2) / 300, rtol=1e-10)
    assert clf.alpha_ == results["param_alpha"][np.nanargmax(results["mean_test_score"])]
    assert results["rank_test_score"][np.nanargmax(results["mean_test_score"])] == 1
    _assert_close(clf.coef_, _dense_ridge(clf, X, y, clf.alpha_), 1e-7)
    assert clf.score(Xt, yt) > 0.95
    # the same sums re-solved at a fixed alpha, with no new pass over the data
    clf.set_params(alpha=1e-3)
    assert clf.alpha_ == 1e-3 and not hasattr(clf, "cv_results_")
    _assert_close(clf.coef_, _dense_ridge(clf, X, y, 1e-3), 1e-9)


def test_partial_fit_re_evaluates_the_choice_from_the_sums(digits):
    X, _, y, _ = digits
    kwargs = dict(n_hidden=120, scale_rows=400, random_state=0)
    full = RNNELMClassifier(**kwargs).fit(X, y)
    streamed = RNNELMClassifier(**kwargs)
    streamed.partial_fit(X[:400], y[:400], classes=np.unique(y))
    first = streamed.alpha_
    for start in range(400, len(X), 400):
        streamed.partial_fit(X[start:start + 400], y[start:start + 400])
    assert streamed.n_samples_seen_ == len(X)
    assert streamed.alpha_ == pytest.approx(full.alpha_, rel=1e-9)
    assert streamed.alpha_ != first  # the grid follows the sums
    _assert_close(streamed.coef_, full.coef_, 1e-7)


def test_h5py_and_memmap_inputs_choose_like_arrays(digits, tmp_path):
    X, Xt, y, _ = digits
    X32 = X.astype(np.float32)
    in_memory = RNNELMClassifier(100, batch_size=128, random_state=0).fit(X32, y)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["X"] = X32
    mm = np.lib.format.open_memmap(tmp_path / "d.npy", mode="w+", dtype=np.float32,
                                   shape=X32.shape)
    mm[:] = X32
    mm.flush()
    with h5py.File(tmp_path / "d.h5", "r") as f:
        on_disk = RNNELMClassifier(100, batch_size=128, random_state=0).fit(f["X"], y)
    mapped = RNNELMClassifier(100, batch_size=128, random_state=0).fit(
        np.load(tmp_path / "d.npy", mmap_mode="r"), y)
    for other in (on_disk, mapped):
        assert other.alpha_ == in_memory.alpha_
        np.testing.assert_allclose(other.decision_function(Xt),
                                   in_memory.decision_function(Xt), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_inputs(digits, dtype):
    X, Xt, y, yt = digits
    clf = RNNELMClassifier(200, random_state=0).fit(X.astype(dtype), y)
    assert np.isfinite(clf.alpha_) and clf.alpha_ > 0
    assert clf.score(Xt.astype(dtype), yt) > 0.93


def test_kfold_from_per_fold_sums(digits):
    X, _, y, _ = digits
    clf = RNNELMClassifier(80, cv=3, alphas=np.logspace(-6, 1, 8), random_state=0).fit(X, y)
    results = clf.cv_results_
    assert {"split0_test_score", "split2_test_score", "std_test_score"} <= set(results)
    assert clf.alpha_ == results["param_alpha"][np.argmax(results["mean_test_score"])]
    _assert_close(clf.coef_, _dense_ridge(clf, X, y, clf.alpha_), 1e-8)
    gcv = RNNELMClassifier(80, alphas=np.logspace(-6, 1, 8), random_state=0).fit(X, y)
    clf.set_params(cv=None)  # GCV from the same (fold-summed) sums
    _assert_close(clf.coef_, gcv.coef_, 1e-8)
    clf.set_params(cv=5)
    with pytest.raises(ValueError, match="cv=5 needs per-fold sums"):
        clf.predict(X)


def test_regressor_chooses_alpha(digits):
    rng = np.random.default_rng(0)
    X = rng.random((600, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.normal(size=600)
    reg = RNNELMRegressor(150, random_state=0).fit(X[:500], y[:500])
    assert np.nanmax(reg.cv_results_["effective_dof"]) <= 150
    assert reg.score(X[500:], y[500:]) > 0.95


@pytest.mark.parametrize("make", [
    lambda: DeepRNNELMClassifier((30,), n_hidden=200, fista_iter=10, random_state=0),
    lambda: MultiSourceRNNELMClassifier([slice(0, 32), slice(32, 64)], hidden_layers=(20,),
                                        n_hidden=200, random_state=0),
])
def test_deep_readouts_choose_alpha(digits, make):
    X, Xt, y, yt = digits
    clf = make().fit(X, y)
    assert clf.alpha == "auto" and clf.alpha_ in clf.cv_results_["param_alpha"]
    auto_coef = clf.coef_
    assert clf.score(Xt, yt) > 0.9
    clf.set_params(alpha=clf.alpha_)
    _assert_close(clf.coef_, auto_coef, 1e-7)
    clf.set_params(alpha="auto", cv=2)
    with pytest.raises(ValueError, match="cv=2 needs per-fold sums"):
        clf.coef_


def test_invalid_alphas_are_refused(digits):
    X, _, y, _ = digits
    for bad in ([0.0, 1.0], [[1e-3]], []):
        with pytest.raises(ValueError, match="alphas must be"):
            RNNELMClassifier(20, alphas=bad, random_state=0).fit(X[:100], y[:100])
