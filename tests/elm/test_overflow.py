"""Input the RNN-ELM arithmetic cannot represent is refused with a ValueError that says so.

Before these checks, one entry of 1e300 made RNNELMClassifier constant (the
weight scale pass pushed every other row's pre-activation below rounding),
and values near 1e308 made RNNAutoencoder raise LinAlgError or report a NaN
error.
"""
import pickle

import h5py
import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import RNNELMClassifier, RNNELMRegressor
from rnnkit.elm.autoencoder import RNNAutoencoder
from rnnkit.elm.cluster_layer import cluster_activation, max_preactivations, resolution
from rnnkit.elm.deep import DeepRNNELMClassifier
from rnnkit.kernels.gnetwork import ClusterParams

WIDE = "span too wide a range"


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("outlier", [1e300, 1e20])
def test_one_huge_entry_is_refused_not_a_constant_model(digits, dtype, outlier):
    X, y = digits
    X = X.astype(dtype)
    X[7, 3] = min(outlier, float(np.finfo(dtype).max) / 2)
    with pytest.raises(ValueError, match=f"{WIDE}.*row 7"):
        RNNELMClassifier(50, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=WIDE):
        RNNELMRegressor(50, random_state=0).fit(X, y.astype(float))


def test_moderate_outliers_and_zero_rows_still_fit(digits):
    X, y = digits
    X = X.copy()
    X[7, 3] = 1e3
    X[::3] = 0.0  # all-zero rows are legitimate input, not "lost" rows
    clf = RNNELMClassifier(200, random_state=0).fit(X, y)
    nonzero = X.any(axis=1)
    assert clf.score(X[nonzero], y[nonzero]) > 0.9


def test_values_drowned_by_the_bias_are_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match=WIDE):
        RNNELMClassifier(50, random_state=0).fit(X * 1e-12, y)
    # a uniform rescaling that the arithmetic resolves fits as usual
    clf = RNNELMClassifier(200, random_state=0).fit(X * 1e-3, y)
    assert clf.score(X * 1e-3, y) > 0.9


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_below_the_resolution_give_the_zero_row_output(dtype):
    """The threshold of the check is where a row stops moving any hidden output."""
    params = ClusterParams()
    c = max(np.finfo(dtype).eps, np.sqrt(np.finfo(np.float64).eps))
    W = np.random.default_rng(0).random((2, 200)).astype(dtype)
    W[-1, 0] = 0.0  # a unit whose pre-activation starts at 0, the most sensitive point
    X = np.array([[1.0], [0.0], [0.0]], dtype=dtype)
    largest = max_preactivations(lambda: [X], [W], params, 0.1)[0]
    W *= dtype(0.1 / largest)
    step = resolution(dtype, params, 0.1) * largest  # a data term, before scaling
    for factor, moves in [(0.5, False), (4.0, True)]:
        X[2, 0] = factor * step / W[0].max() * (0.1 / largest)
        H = cluster_activation(X, W, params.zeta0, params).astype(np.float64)
        assert (np.max(np.abs(H[2] - H[1]) / H[1]) > c) == moves


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_whose_sum_overflows_are_refused(digits, dtype, tmp_path):
    X, y = digits
    X = X.astype(dtype)
    huge = np.finfo(dtype).max * 0.75
    bad = X.copy()
    bad[11, :2] = huge  # each entry is finite; their sum is not
    with pytest.raises(ValueError, match=r"Row 11 .* sums to more than the largest"):
        RNNELMClassifier(20, random_state=0).fit(bad, y)
    clf = RNNELMClassifier(20, random_state=0).fit(X, y)
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match="Row 11"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="Row 11"):
        clf.partial_fit(bad, y)
    assert pickle.dumps(clf) == before
    # the same check reaches rows of on-disk data, chunk by chunk
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f["X"] = bad
    with h5py.File(path, "r") as f:
        with pytest.raises(ValueError, match="Row 11"):
            RNNELMClassifier(20, batch_size=8, random_state=0).fit(f["X"], y)
    memmap = np.memmap(tmp_path / "bad.dat", dtype=dtype, mode="w+", shape=bad.shape)
    memmap[:] = bad
    with pytest.raises(ValueError, match="Row 11"):
        RNNELMClassifier(20, batch_size=8, random_state=0).fit(memmap, y)


def test_uniformly_huge_input_within_the_limits_fits(digits):
    X, y = digits
    clf = RNNELMClassifier(200, random_state=0).fit(X * 2.0**900, y)
    assert clf.score(X * 2.0**900, y) > 0.9


def test_weight_scale_below_the_normal_range_is_refused():
    X = np.full((20, 3), 1e307)
    X[::2] *= 0.5
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="smallest normal float64"):
        RNNELMClassifier(10, random_state=0).fit(X, y)


@pytest.mark.parametrize("method", ["multiplicative", "pinv", "fista", "fista_reference"])
@pytest.mark.parametrize("factor", [1e308, 1e200])
def test_autoencoder_on_huge_values_raises_value_error(digits, method, factor):
    X = digits[0][:100]
    with pytest.raises(ValueError, match="too large for RNNAutoencoder|sums to more than"):
        RNNAutoencoder(4, method=method, n_iter=5, random_state=0).fit(X * factor)


@pytest.mark.parametrize("method", ["multiplicative", "pinv", "fista"])
def test_autoencoder_just_under_the_limit_is_finite_and_scale_invariant(digits, method):
    X = digits[0][:100]
    n, d = X.shape
    limit = np.sqrt(np.finfo(np.float64).max / (16 * n * (d + 1)))
    big = X / X.max() * limit * 0.99
    # far from the limit, the bias column is negligible and the fit scales with X
    reference = RNNAutoencoder(4, method=method, n_iter=10, random_state=0).fit(X * 1e20)
    ae = RNNAutoencoder(4, method=method, n_iter=10, random_state=0).fit(big)
    codes = ae.transform(big)
    assert np.isfinite(ae.reconstruction_errors_).all() and np.isfinite(codes).all()
    assert _relative_error(ae, big, limit) == pytest.approx(
        _relative_error(reference, X * 1e20, 1e20), rel=1e-6)
    with pytest.raises(ValueError, match="too large for RNNAutoencoder"):
        RNNAutoencoder(4, method=method).fit(X / X.max() * limit * 1.01)


def _relative_error(ae, X, unit):
    """Reconstruction error over the mean squared norm of the rows, computed without overflow."""
    return ae.reconstruction_error_ / unit**2 / np.mean(np.sum((X / unit) ** 2, axis=1))


def test_deep_classifier_refuses_input_its_encoders_cannot_square(digits):
    X, y = digits
    bad = X.copy()
    bad[0, 5] = 1e300
    with pytest.raises(ValueError, match="too large for DeepRNNELMClassifier"):
        DeepRNNELMClassifier((20,), 50, random_state=0).fit(bad, y)
