"""DeepRNNELMClassifier: layers, streaming equivalence, partial_fit, errors, sklearn checks."""
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import NonNegativeScaler
from rnnkit.elm.autoencoder import RNNAutoencoder
from rnnkit.elm.deep import DeepRNNELMClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler(per_sample_zscore=True, scale="global").fit(X[:800]).transform(X)
    return X[:800], y[:800], X[1200:1500], y[1200:1500]


@pytest.mark.parametrize("encoder", ["ridge", "fista"])
def test_classifier_1_and_2_learn_digits(digits, encoder):
    X, y, Xt, yt = digits
    clf = DeepRNNELMClassifier((60,), 500, encoder=encoder, random_state=0).fit(X, y)
    assert clf.score(Xt, yt) > 0.9
    layers = clf.model_.layers
    assert len(layers) == 2
    for layer in layers:
        assert all(W.min() >= 0 for W in layer.weights)
    # ridge keeps both signs of the decoder: two groups of 60 clusters
    assert layers[0].n_features_out == (120 if encoder == "ridge" else 60)
    assert clf.coef_.shape == (500, 10)
    # the largest training pre-activation of every layer is max_preactivation
    F = layers[0].transform(X)
    top = np.hstack([F, np.full((len(F), 1), layers[1].bias_value)]) @ layers[1].weights[0]
    assert top.max() == pytest.approx(0.1)


def test_ridge_encoder_feeds_two_cluster_groups_from_the_decoder_signs(digits):
    from rnnkit.elm.encoder_layers import fit_elm_encoder
    from rnnkit.kernels.gnetwork import ClusterParams, zeta

    X, _, Xt, _ = digits
    params = ClusterParams()
    layer, info = fit_elm_encoder(lambda: iter([X[:500], X[500:]]), X.shape[1], 25,
                                  np.random.RandomState(0), params, solver="ridge", alpha=0.3)
    B = info["decoder"]
    assert (B > 0).any() and (B < 0).any()
    W_pos, W_neg = layer.weights
    for W, part in ((W_pos, np.maximum(B, 0).T), (W_neg, np.maximum(-B, 0).T)):
        # each group is the decoder part, scaled on its own to a largest
        # training pre-activation of 0.1
        scale = W.max() / part.max()
        np.testing.assert_allclose(W, scale * part, rtol=1e-12, atol=1e-15)
        assert (np.hstack([X, np.full((len(X), 1), params.zeta0)]) @ W).max() == \
            pytest.approx(0.1)
    # the outputs are the clusters' zeta, not a linear or rectified code
    Xt1 = np.hstack([Xt, np.full((len(Xt), 1), params.zeta0)])
    expected = np.hstack([zeta(Xt1 @ W_pos, params), zeta(Xt1 @ W_neg, params)])
    np.testing.assert_allclose(layer.transform(Xt), expected, rtol=1e-10)


def test_fista_encoder_is_the_autoencoders_encoder(digits):
    X, y, _, _ = digits
    clf = DeepRNNELMClassifier((20,), 50, encoder="fista", fista_iter=30,
                               random_state=0).fit(X, y)
    ae = RNNAutoencoder(20, method="fista", n_iter=30, random_state=0).fit(X)
    np.testing.assert_allclose(clf.model_.layers[0].weights[0], ae.components_, rtol=1e-10)


def test_two_encoder_layers_and_nmf_encoders(digits):
    X, y, Xt, yt = digits
    clf = DeepRNNELMClassifier((40, 30), 300, encoder="fista", fista_iter=30,
                               random_state=0).fit(X, y)
    assert [layer.n_features_out for layer in clf.model_.layers] == [40, 30, 300]
    assert clf.score(Xt, yt) > 0.8
    mult = DeepRNNELMClassifier((30,), 300, encoder="multiplicative", nmf_iter=20,
                                random_state=0).fit(X, y)
    assert mult.score(Xt, yt) > 0.8


def test_chunk_size_does_not_change_the_model(digits):
    X, y, Xt, _ = digits
    a = DeepRNNELMClassifier((30,), 200, batch_size=5000, random_state=1).fit(X, y)
    b = DeepRNNELMClassifier((30,), 200, batch_size=199, random_state=1).fit(X, y)
    np.testing.assert_allclose(a.decision_function(Xt), b.decision_function(Xt),
                               rtol=1e-5, atol=1e-5)


def test_partial_fit_accumulates_like_fit(digits):
    """After the first block fixes the layers, more blocks only add to Phi and Psi."""
    X, y, Xt, yt = digits
    full = DeepRNNELMClassifier((30,), 200, alpha=1e-3, random_state=2)
    full.partial_fit(X[:400], y[:400], classes=np.arange(10))
    once = pickle.loads(pickle.dumps(full))
    full.partial_fit(X[400:], y[400:])
    assert full.n_samples_seen_ == 800
    # the same model from one accumulation over all rows, layers reused
    once._accumulator = type(once._accumulator)(200, 10)
    once._accumulator.add(once.model_.transform(X), np.eye(10)[y])
    np.testing.assert_allclose(full.coef_, once.coef_, rtol=1e-6, atol=1e-8)
    assert full.score(Xt, yt) > 0.85
    with pytest.raises(ValueError, match="do not exist in the initial classes"):
        DeepRNNELMClassifier((5,), 20).partial_fit(X[:50], y[:50], classes=[0, 1])
    with pytest.raises(ValueError, match="do not exist in the initial classes"):
        full.partial_fit(X[:5], np.full(5, 11))


def test_mixed_precision_gram_matches_float64(digits):
    X, y, Xt, _ = digits
    a = DeepRNNELMClassifier((30,), 200, alpha=1e-2, random_state=3).fit(X, y)
    b = DeepRNNELMClassifier((30,), 200, alpha=1e-2, gram_precision="mixed",
                             random_state=3).fit(X, y)
    assert np.mean(a.predict(Xt) == b.predict(Xt)) > 0.98
    np.testing.assert_allclose(np.triu(a._accumulator.phi), np.triu(b._accumulator.phi),
                               rtol=1e-5, atol=1e-5 * a._accumulator.phi.max())


def test_float32_pickle_and_errors(digits):
    X, y, Xt, _ = digits
    clf = DeepRNNELMClassifier((20,), 100, random_state=0).fit(X.astype(np.float32), y)
    assert clf.model_.layers[0].weights[0].dtype == np.float32
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict(Xt), clf.predict(Xt))
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        clf.predict(Xt - 1)
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        DeepRNNELMClassifier((5,), 20).fit(X - 1, y)
    with pytest.raises(ValueError, match="infinity|NaN"):
        DeepRNNELMClassifier((5,), 20).fit(np.where(X > 0.9, np.inf, X), y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xt[:, :10])
    with pytest.raises(ValueError, match="hidden_layers"):
        DeepRNNELMClassifier((5, -1), 20).fit(X, y)



def test_fits_from_an_hdf5_dataset_like_from_memory(digits, tmp_path):
    h5py = pytest.importorskip("h5py")
    X, y, Xt, _ = digits
    with h5py.File(tmp_path / "digits.h5", "w") as f:
        f.create_dataset("X", data=X)
    with h5py.File(tmp_path / "digits.h5", "r") as f:
        on_disk = DeepRNNELMClassifier((10,), 60, batch_size=128,
                                       random_state=0).fit(f["X"], y)
    in_memory = DeepRNNELMClassifier((10,), 60, batch_size=128, random_state=0).fit(X, y)
    np.testing.assert_allclose(on_disk.decision_function(Xt), in_memory.decision_function(Xt),
                               rtol=1e-6, atol=1e-8)


def test_changing_alpha_resolves_the_readout_from_stored_sums():
    from sklearn.datasets import load_digits

    from rnnkit import DeepRNNELMClassifier, NonNegativeScaler

    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X[:400])
    clf = DeepRNNELMClassifier((20,), 60, alpha=1e-6, random_state=0).fit(X, y[:400])
    clf.coef_
    clf.set_params(alpha=1e-1)
    refit = DeepRNNELMClassifier((20,), 60, alpha=1e-1, random_state=0).fit(X, y[:400])
    np.testing.assert_allclose(clf.coef_, refit.coef_, rtol=1e-10)
