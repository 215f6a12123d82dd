"""compact(): small fitted models that predict as before and refuse to learn more."""
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                    RNNELMClassifier, RNNELMRegressor)

ESTIMATORS = {
    "RNNELMClassifier": lambda: RNNELMClassifier(200, random_state=0),
    "RNNELMRegressor": lambda: RNNELMRegressor(200, random_state=0),
    "DeepRNNELMClassifier": lambda: DeepRNNELMClassifier((20,), 200, alpha=1e-4,
                                                         random_state=0),
    "MultiSourceRNNELMClassifier": lambda: MultiSourceRNNELMClassifier(
        2, (10,), 200, alpha=1e-4, random_state=0),
}
METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X)
    return X[:600], y[:600], X[600:800]


def _fitted(name, digits):
    X, y, _ = digits
    return ESTIMATORS[name]().fit(X, y / 9 if name == "RNNELMRegressor" else y)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_compact_model_predicts_the_same_and_is_small(digits, name):
    _, _, Xt = digits
    model = _fitted(name, digits)
    before = {m: getattr(model, m)(Xt) for m in METHODS if hasattr(model, m)}
    size = len(pickle.dumps(model))
    assert model.compact() is model
    small = pickle.loads(pickle.dumps(model))
    # the sums are gone: the upper triangle of the 200 x 200 float64 Phi
    assert size - len(pickle.dumps(model)) > 0.95 * 200 * 201 / 2 * 8
    for method, expected in before.items():
        np.testing.assert_array_equal(getattr(small, method)(Xt), expected)
    assert small.n_samples_seen_ == 600


@pytest.mark.parametrize("name", ESTIMATORS)
def test_compact_model_refuses_to_learn_or_resolve(digits, name):
    X, y, Xt = digits
    y = y / 9 if name == "RNNELMRegressor" else y
    model = _fitted(name, digits).compact()
    state = pickle.dumps(model)
    with pytest.raises(ValueError, match="compacted: compact\\(\\) dropped its training sums, "
                                         "so it cannot learn from more data with partial_fit"):
        model.partial_fit(X[:50], y[:50])
    assert pickle.dumps(model) == state
    alpha = model.alpha
    model.set_params(alpha=0.5)
    with pytest.raises(ValueError, match=rf"kept only the readout solved for alpha={alpha!r}, "
                                         r"solver='cholesky'.*cannot re-solve for alpha=0.5"):
        model.predict(Xt)
    model.set_params(alpha=alpha)
    model.predict(Xt)
    # fit trains a new model with its sums, which can learn again
    model.fit(X[:300], y[:300]).partial_fit(X[300:], y[300:])
    assert model.n_samples_seen_ == 600


def test_compact_before_any_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RNNELMClassifier().compact()


def test_pickled_sums_hold_only_the_upper_triangle():
    from rnnkit.elm.readout import GramAccumulator

    rng = np.random.default_rng(0)
    accumulator = GramAccumulator(300, 4)
    accumulator.add(rng.random((500, 300)), rng.random((500, 4)))
    accumulator.solve(1e-3)  # uses the lower triangle as scratch
    restored = pickle.loads(pickle.dumps(accumulator))
    assert len(pickle.dumps(accumulator)) < 0.55 * 300 * 300 * 8
    np.testing.assert_array_equal(restored.phi, np.triu(accumulator.phi))
    assert restored.phi.flags.f_contiguous and restored.n_samples == 500
    np.testing.assert_array_equal(restored.solve(1e-3), accumulator.solve(1e-3))
