import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import MinMaxScaler

from rnnkit import NonNegativeScaler

OPTIONS = [
    {},
    {"scale": "global"},
    {"per_sample_zscore": True, "scale": "global"},
    {"split_sign": True},
    {"split_sign": False},
    {"per_sample_zscore": True, "split_sign": True, "scale": "global"},
]


def test_global_shift_and_scale_fitted_on_train_only():
    train = np.array([[-2.0, 0.0], [2.0, 6.0]])
    test = np.array([[-4.0, 7.0]])
    scaler = NonNegativeScaler(split_sign=False, scale="global").fit(train)
    # X_out = (X + 2) / 8
    np.testing.assert_array_equal(scaler.scale_, [1 / 8, 1 / 8])
    np.testing.assert_array_equal(scaler.min_, [0.25, 0.25])
    np.testing.assert_allclose(scaler.transform(train), [[0, 0.25], [0.5, 1.0]])
    # below the training minimum: clipped at 0, never negative
    np.testing.assert_allclose(scaler.transform(test), [[0.0, 9 / 8]])


def test_default_scale_is_per_feature_like_min_max_scaler():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)) * [1.0, 10.0, 1e3, 1e-3] - 0.1
    assert (X.min(axis=0) < 0).all()  # then the shift is the minimum: MinMaxScaler exactly
    scaler = NonNegativeScaler(split_sign=False).fit(X)
    assert scaler.scale == "feature"
    reference = MinMaxScaler().fit(X)
    np.testing.assert_allclose(scaler.transform(X), reference.transform(X), atol=1e-15)
    np.testing.assert_allclose(scaler.data_min_, reference.data_min_)
    np.testing.assert_allclose(scaler.data_max_, reference.data_max_)
    np.testing.assert_allclose(scaler.scale_, reference.scale_)
    np.testing.assert_allclose(scaler.min_, reference.min_, atol=1e-15)
    X_new = rng.normal(size=(20, 4)) * [1.0, 10.0, 1e3, 1e-3] * 3
    np.testing.assert_allclose(scaler.transform(X_new),
                               np.maximum(reference.transform(X_new), 0), atol=1e-15)


def test_nonnegative_data_is_only_divided_by_its_max():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(NonNegativeScaler(scale="global").fit_transform(X), X / 4)
    np.testing.assert_allclose(NonNegativeScaler().fit_transform(X), X / [3, 4])


def test_per_feature_scale():
    X = np.array([[0.0, -1.0], [5.0, 1.0]])
    np.testing.assert_allclose(NonNegativeScaler(split_sign=False).fit_transform(X),
                               [[0, 0], [1, 1]])


def test_constant_features():
    X = np.array([[3.0, -2.0, 0.0], [3.0, -2.0, 0.0]])
    # a positive constant is divided by itself; others are shifted to 0
    np.testing.assert_array_equal(NonNegativeScaler(split_sign=False).fit_transform(X),
                                  [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    # split: a constant standardizes to 0 on both sides
    np.testing.assert_array_equal(NonNegativeScaler().fit_transform(X), np.zeros((2, 6)))


def test_per_sample_zscore_then_shift():
    rng = np.random.default_rng(0)
    X = rng.random((20, 6))
    out = NonNegativeScaler(per_sample_zscore=True, scale="global").fit_transform(X)
    z = (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)
    np.testing.assert_allclose(out, (z - z.min()) / (z - z.min()).max())
    out = NonNegativeScaler(per_sample_zscore=True).fit_transform(X)
    np.testing.assert_allclose(out, (z - z.min(0)) / (z - z.min(0)).max(0))


def test_split_sign_keeps_sign_information():
    X = np.array([[1.0, -3.0], [-1.0, 3.0], [0.0, 0.0]])
    scaler = NonNegativeScaler(split_sign=True, scale="global").fit(X)
    out = scaler.transform(X)
    assert out.shape == (3, 4) and out.min() >= 0
    standardized = (X - X.mean(0)) / X.std(0)
    positive, negative = out[:, :2], out[:, 2:]
    np.testing.assert_allclose((positive - negative) / scaler.scale_[0], standardized)
    np.testing.assert_allclose(scaler.mean_, X.mean(0))
    np.testing.assert_allclose(scaler.var_, X.var(0))
    assert list(scaler.get_feature_names_out()) == ["x0+", "x1+", "x0-", "x1-"]
    per_feature = NonNegativeScaler(split_sign=True).fit(X)
    z = np.hstack([np.maximum(standardized, 0), np.maximum(-standardized, 0)])
    np.testing.assert_allclose(per_feature.transform(X), z / z.max(0))


def test_upper_clip_and_dtype():
    X = np.array([[0.0], [1.0]], dtype=np.float32)
    scaler = NonNegativeScaler(clip=1.0).fit(X)
    out = scaler.transform(np.array([[5.0]], dtype=np.float32))
    assert out.dtype == np.float32 and out[0, 0] == 1.0


def test_rejects_nan_and_feature_mismatch():
    scaler = NonNegativeScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        scaler.transform(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="features"):
        scaler.transform(np.ones((2, 3)))


def test_feature_names_out():
    scaler = NonNegativeScaler().fit(np.ones((3, 2)))
    assert list(scaler.get_feature_names_out()) == ["x0", "x1"]
    assert list(scaler.get_feature_names_out(["a", "b"])) == ["a", "b"]
    with pytest.raises(NotFittedError):
        NonNegativeScaler().get_feature_names_out()


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("extreme", [1.5e308, 1e200, 3e38])
def test_values_near_the_float_limits_give_finite_exact_output(options, extreme):
    """Ranges wider than the largest float64 (max - min = 3e308) are mapped like any other."""
    rng = np.random.default_rng(1)
    unit = rng.uniform(-1, 1, size=(30, 3))
    unit[0, :], unit[1, :] = 1.0, -1.0  # both ends present
    with np.errstate(all="raise"):
        reference = NonNegativeScaler(**options).fit(unit)
    splits = options.get("split_sign", "auto") in (True, "auto")  # the data is signed
    if splits and not options.get("per_sample_zscore") and extreme > 1e154:
        with pytest.raises(ValueError, match="variance of feature 0 overflows"):
            NonNegativeScaler(**options).fit(unit * extreme)
        return
    scaler = NonNegativeScaler(**options).fit(unit * extreme)
    out = scaler.transform(unit * extreme)
    assert np.isfinite(out).all() and out.min() >= 0
    np.testing.assert_allclose(out, reference.transform(unit), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("per_sample_zscore", [False, True])
def test_float32_extremes(per_sample_zscore):
    X = np.array([[-3e38, 0.0], [3e38, 1.0]], dtype=np.float32)
    for split_sign in ("auto", False):
        out = NonNegativeScaler(per_sample_zscore=per_sample_zscore,
                                split_sign=split_sign).fit_transform(X)
        assert out.dtype == np.float32 and np.isfinite(out).all()
    if not per_sample_zscore:
        np.testing.assert_allclose(out, [[0, 0], [1, 1]])


def test_split_sign_variance_overflow_is_an_error_and_changes_nothing():
    X = np.array([[1.0, 0.0], [2.0, 1.0]])
    scaler = NonNegativeScaler(split_sign=True).fit(X)
    before = pickle.dumps(scaler)
    with pytest.raises(ValueError, match="variance of feature 1 overflows"):
        scaler.fit(np.array([[1.0, -1e200], [2.0, 1e200]]))
    assert pickle.dumps(scaler) == before
    # the column mean of huge equal values is computed without overflow
    huge = NonNegativeScaler(split_sign=True).fit(np.array([[1.5e308, 0.0], [1.5e308, 1.0]]))
    np.testing.assert_allclose(huge.mean_, [1.5e308, 0.5])


@pytest.mark.parametrize("options", OPTIONS)
def test_partial_fit_over_batches_matches_fit(options):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 5)) * [1, 2, 3, 4, 5] + [0, 1, -1, 5, 0]
    full = NonNegativeScaler(**options).fit(X)
    streamed = NonNegativeScaler(**options)
    for batch in np.array_split(X, [7, 40, 41]):
        streamed.partial_fit(batch)
    assert streamed.n_samples_seen_ == full.n_samples_seen_ == 90
    np.testing.assert_allclose(streamed.transform(X), full.transform(X), rtol=1e-12,
                               atol=1e-13)
    # fit starts over
    streamed.fit(X[:10])
    assert streamed.n_samples_seen_ == 10


def test_failed_partial_fit_changes_nothing():
    scaler = NonNegativeScaler(split_sign=True).partial_fit(np.array([[0.0, 1.0], [2.0, 3.0]]))
    before = pickle.dumps(scaler)
    with pytest.raises(ValueError, match="features"):
        scaler.partial_fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        scaler.partial_fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="variance"):
        scaler.partial_fit(np.array([[0.0, 1e300], [0.0, -1e300]]))
    assert pickle.dumps(scaler) == before


def test_auto_split_sign_splits_signed_input_only():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    signed = NonNegativeScaler().fit(X)
    assert signed.split_sign_ and signed.transform(X).shape == (40, 6)
    np.testing.assert_allclose(signed.transform(X),
                               NonNegativeScaler(split_sign=True).fit(X).transform(X))
    assert list(signed.get_feature_names_out()) == ["x0+", "x1+", "x2+", "x0-", "x1-", "x2-"]
    nonnegative = NonNegativeScaler().fit(np.abs(X))
    assert not nonnegative.split_sign_ and nonnegative.transform(X).shape == (40, 3)
    # decided on the raw rows: a per-sample z-score of nonnegative images does not split
    images = NonNegativeScaler(per_sample_zscore=True).fit(np.abs(X))
    assert not images.split_sign_
    assert not NonNegativeScaler(split_sign=False).fit(X).split_sign_
    assert NonNegativeScaler(split_sign=True).fit(np.abs(X)).split_sign_


def test_auto_split_sign_is_decided_by_the_first_partial_fit():
    X = np.random.default_rng(4).normal(size=(30, 2))
    scaler = NonNegativeScaler().partial_fit(np.abs(X[:10]))
    scaler.partial_fit(X[10:])  # negative values later: still one output per feature
    assert not scaler.split_sign_ and scaler.transform(X).shape == (30, 2)
    assert scaler.transform(X).min() >= 0
    assert NonNegativeScaler().fit(X).split_sign_  # fit starts over and decides again
