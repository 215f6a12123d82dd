"""RNNAutoencoder: nonnegativity, monotone multiplicative updates, exact pinv and FISTA routes."""
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit.elm.autoencoder import RNNAutoencoder
from rnnkit.elm.fista import fista
from rnnkit.kernels.gnetwork import ClusterParams, zeta

METHODS = ["multiplicative", "pinv", "fista", "fista_reference"]


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:400] / 16.0


@pytest.mark.parametrize("method", METHODS)
def test_weights_are_nonnegative_and_shapes(digits, method):
    ae = RNNAutoencoder(24, method=method, n_iter=30, random_state=0).fit(digits)
    assert ae.components_.shape == (65, 24)
    assert ae.components_.min() >= 0
    if method == "multiplicative":
        assert ae.decoder_.min() >= 0
    codes = ae.transform(digits)
    assert codes.shape == (400, 24) and codes.min() >= 0
    recon = ae.inverse_transform(codes)
    assert recon.shape == digits.shape
    # the reported error is the one of transform + inverse_transform
    error = np.mean(np.sum((digits - recon) ** 2, axis=1))
    assert ae.reconstruction_error_ == pytest.approx(error, rel=1e-6)
    assert ae.reconstruction_error_ < 0.5 * np.mean(np.sum(digits ** 2, axis=1))


@pytest.mark.parametrize("method", ["multiplicative", "pinv"])
def test_reconstruction_error_does_not_increase(digits, method):
    ae = RNNAutoencoder(16, method=method, n_iter=60, random_state=1).fit(digits)
    errors = ae.reconstruction_errors_
    assert errors.shape == (61,)
    assert np.all(np.diff(errors) <= 1e-9 * errors[:-1])
    assert errors[-1] < errors[1]  # and it does make progress


def test_pinv_decoder_equals_dense_least_squares(digits):
    X = digits[:150]
    ae = RNNAutoencoder(10, method="pinv", n_iter=5, random_state=2).fit(X)
    H = ae.transform(X)
    expected = np.linalg.lstsq(H, X, rcond=None)[0]
    np.testing.assert_allclose(ae.decoder_, expected, rtol=1e-6, atol=1e-8)


def test_fista_route_follows_the_spec_pipeline(digits):
    """Streamed statistics (rank-one shift correction) == the dense pipeline of spec section 5."""
    X = digits[:120]
    ae = RNNAutoencoder(12, method="fista", n_iter=40, batch_size=17, random_state=3).fit(X)
    params = ClusterParams()
    z0 = params.zeta0
    R = np.random.RandomState(3).random_sample((65, 12))
    Xt = np.hstack([X, np.full((120, 1), z0)])
    A = zeta(Xt @ R, params)
    A = (A - A.min(0)) / (A.max(0) - A.min(0))
    A = (A - A.mean(1, keepdims=True)) / A.std(1, ddof=1, keepdims=True)
    A = A - min(A.min(), 0.0)
    B = fista(A.T @ A, A.T @ Xt, 1e-3, 40)
    W = B.T * (0.1 / (Xt @ B.T).max())
    np.testing.assert_allclose(ae.components_, W, rtol=1e-6, atol=1e-12)
    assert np.max(Xt @ ae.components_) == pytest.approx(0.1)


@pytest.mark.parametrize("method", METHODS)
def test_chunking_does_not_change_the_fit(digits, method):
    a = RNNAutoencoder(8, method=method, n_iter=10, batch_size=33, random_state=4).fit(digits)
    b = RNNAutoencoder(8, method=method, n_iter=10, batch_size=5000, random_state=4).fit(digits)
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-6, atol=1e-10)


def test_dtype_pickle_and_errors(digits):
    X32 = digits.astype(np.float32)
    ae = RNNAutoencoder(8, method="fista", n_iter=10, random_state=0).fit(X32)
    assert ae.transform(X32).dtype == np.float32
    clone = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(clone.transform(X32), ae.transform(X32))
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        ae.transform(X32 - 1)
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        RNNAutoencoder(4).fit(-digits)
    with pytest.raises(ValueError, match="NaN"):
        RNNAutoencoder(4).fit(np.where(digits > 0.5, np.nan, digits))
    with pytest.raises(ValueError, match="features"):
        ae.transform(X32[:, :10])
    with pytest.raises(ValueError, match="method"):
        RNNAutoencoder(4, method="nmf").fit(digits)
