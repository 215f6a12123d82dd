import numpy as np
import pytest

from rnnkit import NonNegativeScaler


def test_global_shift_and_scale_fitted_on_train_only():
    train = np.array([[-2.0, 0.0], [2.0, 6.0]])
    test = np.array([[-4.0, 7.0]])
    scaler = NonNegativeScaler().fit(train)
    assert scaler.shift_ == -2.0 and scaler.scale_ == 8.0
    np.testing.assert_allclose(scaler.transform(train), [[0, 0.25], [0.5, 1.0]])
    # below the training minimum: clipped at 0, never negative
    np.testing.assert_allclose(scaler.transform(test), [[0.0, 9 / 8]])


def test_nonnegative_data_is_only_divided_by_its_max():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(NonNegativeScaler().fit_transform(X), X / 4)


def test_per_feature_scale():
    X = np.array([[0.0, -1.0], [5.0, 1.0]])
    np.testing.assert_allclose(NonNegativeScaler(scale="feature").fit_transform(X),
                               [[0, 0], [1, 1]])


def test_per_sample_zscore_then_shift():
    rng = np.random.default_rng(0)
    X = rng.random((20, 6))
    out = NonNegativeScaler(per_sample_zscore=True).fit_transform(X)
    z = (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)
    np.testing.assert_allclose(out, (z - z.min()) / (z - z.min()).max())


def test_split_sign_keeps_sign_information():
    X = np.array([[1.0, -3.0], [-1.0, 3.0], [0.0, 0.0]])
    scaler = NonNegativeScaler(split_sign=True).fit(X)
    out = scaler.transform(X)
    assert out.shape == (3, 4) and out.min() >= 0
    standardized = (X - X.mean(0)) / X.std(0)
    positive, negative = out[:, :2], out[:, 2:]
    np.testing.assert_allclose((positive - negative) * scaler.scale_, standardized)
    assert list(scaler.get_feature_names_out()) == ["x0+", "x1+", "x0-", "x1-"]


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
