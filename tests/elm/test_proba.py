"""predict_proba of the RNN-ELM classifiers: consistent, calibrated by leave-one-out, usable
by probability scorers."""
import pickle

import numpy as np
import pytest
from scipy.special import log_softmax
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from rnnkit import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                    RNNELMClassifier)
from rnnkit.elm._proba import RowSample, _leverages, loo_temperature

CLASSIFIERS = {
    "RNNELMClassifier": lambda n_hidden=300, **kw: RNNELMClassifier(
        n_hidden, **{"random_state": 0, **kw}),
    "DeepRNNELMClassifier": lambda n_hidden=300, **kw: DeepRNNELMClassifier(
        (30,), n_hidden, **{"alpha": 1e-4, "random_state": 0, **kw}),
    "MultiSourceRNNELMClassifier": lambda n_hidden=300, **kw: MultiSourceRNNELMClassifier(
        2, (15,), n_hidden, **{"alpha": 1e-4, "random_state": 0, **kw}),
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X)
    return X[:1000], y[:1000], X[1000:1500], y[1000:1500]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_proba_is_a_distribution_ordered_like_the_scores(digits, name):
    X, y, Xt, yt = digits
    clf = CLASSIFIERS[name]().fit(X, y)
    P = clf.predict_proba(Xt)
    assert P.shape == (len(Xt), 10) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(Xt))
    # the same order as decision_function within every row
    scores = clf.decision_function(Xt)
    np.testing.assert_array_equal(np.argsort(P, axis=1, kind="stable"),
                                  np.argsort(scores, axis=1, kind="stable"))
    np.testing.assert_allclose(clf.predict_log_proba(Xt), np.log(P), rtol=1e-10, atol=1e-12)
    # far better than the scores' own softmax (T = 1), close to a held-out fit of T
    T = clf._temperature()
    assert log_loss(yt, P) < 0.5 * log_loss(yt, clf.predict_proba(Xt) ** T / np.sum(
        clf.predict_proba(Xt) ** T, axis=1, keepdims=True))
    best = min(log_loss(yt, _softmax(scores / t)) for t in T * np.logspace(-1, 1, 41))
    assert log_loss(yt, P) < 1.15 * best


def _softmax(Z):
    return np.exp(log_softmax(Z, axis=1))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_binary_proba_follows_the_decision_function(digits, name):
    X, y, Xt, yt = digits
    labels = np.array(["odd", "even"])[(y % 2 == 0).astype(int)]
    clf = CLASSIFIERS[name]().fit(X, labels)
    P = clf.predict_proba(Xt)
    d = clf.decision_function(Xt)
    assert P.shape == (len(Xt), 2) and clf.classes_.tolist() == ["even", "odd"]
    np.testing.assert_array_equal(P[:, 1] > 0.5, d > 0)
    order = np.argsort(d)
    assert np.all(np.diff(P[order, 1]) >= 0)
    np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-d / clf._temperature())), rtol=1e-6)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_probability_scorers_in_grid_search_and_cross_validation(digits, name):
    X, y, _, _ = digits
    pipe = make_pipeline(NonNegativeScaler(), CLASSIFIERS[name](n_hidden=200))
    step = pipe.steps[-1][0]
    search = GridSearchCV(pipe, {f"{step}__alpha": [1e-4, 1e-2]}, scoring="neg_log_loss",
                          cv=2).fit(X[:600], y[:600])
    assert -search.best_score_ < 1.0  # uniform probabilities: 2.3
    auc = cross_val_score(pipe, X[:600], y[:600], scoring="roc_auc_ovr", cv=2)
    assert auc.min() > 0.97


def test_leverages_and_leave_one_out_scores_match_a_refit():
    rng = np.random.default_rng(0)
    H = rng.random((60, 12))
    Y = np.eye(3)[rng.integers(0, 3, 60)]
    alpha = 1e-2
    phi = H.T @ H
    beta = np.linalg.solve(phi + alpha * np.eye(12), H.T @ Y)
    inverse = np.linalg.inv(phi + alpha * np.eye(12))
    lev = _leverages(H, np.triu(phi), alpha)  # only the upper triangle is read
    np.testing.assert_allclose(lev, np.einsum("ij,jk,ik->i", H, inverse, H), rtol=1e-10)
    np.testing.assert_allclose(_leverages(H, np.triu(phi), None),
                               np.einsum("ij,jk,ik->i", H, np.linalg.pinv(phi), H), rtol=1e-8)
    for i in (0, 17, 59):
        keep = np.arange(60) != i
        refit = np.linalg.solve(H[keep].T @ H[keep] + alpha * np.eye(12), H[keep].T @ Y[keep])
        loo = Y[i] + (H[i] @ beta - Y[i]) / (1 - lev[i])
        np.testing.assert_allclose(loo, H[i] @ refit, rtol=1e-9)
    # the temperature minimizes the leave-one-out log loss
    T = loo_temperature(H, Y, beta, np.triu(phi), alpha)
    scores = Y + (H @ beta - Y) / (1 - lev)[:, None]
    labels = Y.argmax(axis=1)

    def loss(t):
        return -np.mean(log_softmax(scores / t, axis=1)[np.arange(60), labels])

    assert loss(T) <= min(loss(T * 1.05), loss(T / 1.05))


def test_row_sample_is_uniform_and_independent_of_the_blocks():
    X = np.arange(50.0)[:, None]
    Y = np.eye(2)[np.arange(50) % 2]
    whole = RowSample(8, seed=3)
    whole.add(X, Y)
    blocks = RowSample(8, seed=3)
    for start in (0, 5, 6, 30):
        stop = {0: 5, 5: 6, 6: 30, 30: 50}[start]
        blocks.add(X[start:stop], Y[start:stop])
    np.testing.assert_array_equal(whole.X, blocks.X)
    np.testing.assert_array_equal(whole.Y, Y[whole.X[:, 0].astype(int)])
    assert whole.n_seen == 50 and len(np.unique(whole.X)) == 8
    small = RowSample(8, seed=0)
    small.add(X[:3], Y[:3])
    np.testing.assert_array_equal(small.X[:, 0], [0, 1, 2])
    counts = np.zeros(50)
    for seed in range(2000):
        sample = RowSample(8, seed=seed)
        sample.add(X[:20], Y[:20])
        sample.add(X[20:], Y[20:])
        counts[sample.X[:, 0].astype(int)] += 1
    # every row is kept with probability 8/50: 320 of 2000 draws, sd about 16
    assert np.abs(counts - 320).max() < 80


def test_partial_fit_gives_the_probabilities_of_fit(digits):
    X, y, Xt, _ = digits
    full = CLASSIFIERS["RNNELMClassifier"](scale_rows=400).fit(X, y)
    streamed = CLASSIFIERS["RNNELMClassifier"](scale_rows=400)
    for start in range(0, len(X), 300):
        streamed.partial_fit(X[start:start + 300], y[start:start + 300], classes=np.arange(10))
    np.testing.assert_allclose(streamed.predict_proba(Xt), full.predict_proba(Xt),
                               rtol=1e-6, atol=1e-9)


def test_temperature_follows_the_readout(digits):
    X, y, Xt, _ = digits
    clf = RNNELMClassifier(300, random_state=0).fit(X[:600], y[:600])
    T = clf._temperature()
    clf.set_params(alpha=1e-1)
    T_alpha = clf._temperature()
    assert T_alpha != T
    # equal up to rounding: after alpha="auto" the readout is solved in the basis of
    # the tridiagonalization, a fresh fixed-alpha fit by Cholesky factorization
    assert T_alpha == pytest.approx(RNNELMClassifier(300, alpha=1e-1, random_state=0).fit(
        X[:600], y[:600])._temperature(), rel=1e-9)
    clf.partial_fit(X[600:], y[600:])
    assert clf._temperature() != T_alpha
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(Xt), clf.predict_proba(Xt))
