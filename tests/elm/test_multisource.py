"""MultiSourceRNNELMClassifier: Classifier-3/4/5 wiring, source specs, errors, sklearn checks."""
import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import NonNegativeScaler
from rnnkit.elm.deep import DeepRNNELMClassifier
from rnnkit.elm.multisource import MultiSourceRNNELMClassifier, resolve_sources


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit(X[:800]).transform(X)
    return X[:800], y[:800], X[1200:1500], y[1200:1500]


HALVES = [slice(0, 32), slice(32, 64)]


def test_classifier_3_one_stack_per_source(digits):
    X, y, Xt, yt = digits
    clf = MultiSourceRNNELMClassifier(HALVES, (20,), 300, random_state=0).fit(X, y)
    join, top = clf.model_.layers
    assert [cols.tolist() for cols in clf.source_columns_] == [list(range(32)),
                                                               list(range(32, 64))]
    assert len(join.stacks) == 2
    assert [s.n_features_in for s in join.stacks] == [32, 32]
    assert join.n_features_out == 80  # ridge: 2 x 20 per source
    assert top.weights[0].shape == (81, 300)
    assert clf.score(Xt, yt) > 0.85
    # each source's stack only sees its own columns
    X2 = X.copy()
    X2[:, 32:] = 0
    np.testing.assert_allclose(join.stacks[0].transform(X2[:, :32]),
                               join.stacks[0].transform(X[:, :32]))


def test_classifier_4_several_encoders_per_source(digits):
    X, y, Xt, yt = digits
    clf = MultiSourceRNNELMClassifier(2, (15,), 300, encoder=("ridge", "fista"),
                                      fista_iter=30, random_state=0).fit(X, y)
    join = clf.model_.layers[0]
    assert len(join.stacks) == 4
    assert [s.n_features_out for s in join.stacks] == [30, 15, 30, 15]
    assert clf.score(Xt, yt) > 0.85


def test_classifier_5_joined_at_the_readout(digits):
    X, y, Xt, yt = digits
    clf = MultiSourceRNNELMClassifier(HALVES, (20,), 301, join="readout",
                                      random_state=0).fit(X, y)
    assert len(clf.model_.layers) == 1
    join = clf.model_.layers[0]
    assert [s.layers[-1].n_features_out for s in join.stacks] == [151, 150]
    assert clf.coef_.shape == (301, 10)
    assert clf.score(Xt, yt) > 0.85


def test_one_source_equals_the_single_source_classifier(digits):
    X, y, Xt, _ = digits
    multi = MultiSourceRNNELMClassifier(1, (10,), 100, random_state=5).fit(X, y)
    single = DeepRNNELMClassifier((10,), 100, random_state=5).fit(X, y)
    # decision values are O(1); the two paths differ only in summation order
    np.testing.assert_allclose(multi.decision_function(Xt), single.decision_function(Xt),
                               rtol=1e-6, atol=1e-7)


def test_resolve_sources():
    assert [c.tolist() for c in resolve_sources(3, 7)] == [[0, 1, 2], [3, 4], [5, 6]]
    mask = np.zeros(5, bool)
    mask[[1, 3]] = True
    assert [c.tolist() for c in resolve_sources([mask, [0, 4], slice(2, 3)], 5)] == \
        [[1, 3], [0, 4], [2]]
    with pytest.raises(ValueError,
                       match=r"Source 0 has column indices outside \[0, 4\]: \[9, -1\]"):
        resolve_sources([[0, 9, -1]], 5)
    with pytest.raises(ValueError, match="no columns"):
        resolve_sources([slice(5, 9)], 5)
    with pytest.raises(ValueError, match="feature"):
        resolve_sources(3, 2)


@pytest.mark.parametrize("sources, message", [
    ([[0.5, 1.7], [2, 3]], r"Source 0 has column indices \[0.5, 1.7\] of type float64; "
                           r"column indices must be integers"),
    ([[0, 1], [2.0, 3.0]], r"Source 1 has column indices \[2.0, 3.0\]"),
    ([["a", "b"]], r"Source 0 has column indices \['a', 'b'\]"),
    ([3, 4], r"Source 0 is 3; give a 1-D list of column indices"),
    ([[[0, 1]], [2]], r"Source 0 is \[\[0, 1\]\]; give a 1-D list"),
    ([slice(0.5, 2)], r"Source 0 is slice\(0.5, 2, None\); a slice of columns needs integer"),
    ([[], [1]], r"Source 0 \(\[\]\) selects no columns"),
    ([np.ones(4, bool)], r"Boolean mask of source 0 has shape \(4,\), expected \(5,\)"),
    (True, "sources must be an int or a list of column groups, got True"),
    ([], "sources must name at least one column group"),
])
def test_resolve_sources_refuses_what_it_does_not_document(sources, message):
    with pytest.raises(ValueError, match=message):
        resolve_sources(sources, 5)


def test_errors(digits):
    X, y, _, _ = digits
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        MultiSourceRNNELMClassifier(2, (5,), 20).fit(X - 1, y)
    with pytest.raises(ValueError, match="encoder"):
        MultiSourceRNNELMClassifier(2, (5,), 20, encoder=("ridge", "pca")).fit(X, y)
    with pytest.raises(ValueError, match=r"column indices \[0.5, 1.7\]"):
        MultiSourceRNNELMClassifier([[0.5, 1.7], [2, 3]], (5,), 20).fit(X, y)
    clf = MultiSourceRNNELMClassifier(2, (5,), 20, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :30])
