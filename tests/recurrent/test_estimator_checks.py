"""scikit-learn's estimator checks on the recurrent estimators.

A 2-D array is read as sequences of one step; a Python list is read as a
list of sequences.
"""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import (
    check_classifiers_train, check_regressors_train, parametrize_with_checks,
)

from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor
from rnnkit.recurrent.stigmergic import StigmergicClassifier

ESTIMATORS = [
    RecurrentClassifier(cell="gru", hidden_sizes=8, max_epochs=20,
                        learning_rate=0.02, random_state=0),
    RecurrentRegressor(cell="elman", hidden_sizes=8, max_epochs=20,
                       learning_rate=0.02, random_state=0),
    StigmergicClassifier(n_marks=8, stigmergic_hidden=16, classifier_hidden=8,
                         max_epochs=30, learning_rate=0.01, random_state=0),
]

_LIST_IS_SEQUENCES = (
    "a Python list is read as a list of sequences, so the check's refit on "
    "X.tolist() of its 2-D array (n_samples, n_features) trains on n_samples "
    "univariate sequences of n_features steps, and the check's predict on the "
    "2-D array (one step of n_features features each) then refuses the "
    "feature count; the rest of the check passes (test_train_check_passes_"
    "with_lists_read_as_tables)"
)
EXPECTED_FAILURES = {
    "check_classifiers_train": _LIST_IS_SEQUENCES,
    "check_regressors_train": _LIST_IS_SEQUENCES,
}
TRAIN_CHECKS = {RecurrentRegressor: check_regressors_train}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _lists_read_as_tables(estimator):
    """The estimator, except that ``fit`` reads a list as a 2-D array."""
    base = type(estimator)

    def fit(self, X, y):
        return base.fit(self, np.asarray(X) if isinstance(X, list) else X, y)

    cls = type(base.__name__, (base,), {"fit": fit})
    return cls(**estimator.get_params())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_train_check_passes_with_lists_read_as_tables(estimator):
    # the expected failure above is the list convention and nothing else
    check = TRAIN_CHECKS.get(type(estimator), check_classifiers_train)
    check(type(estimator).__name__, _lists_read_as_tables(estimator))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_tolist_is_read_as_univariate_sequences(estimator):
    X, y = make_blobs(n_samples=40, n_features=3, random_state=0)
    if type(estimator) is RecurrentRegressor:
        y = X @ [0.5, -1.0, 0.25]
    from_list = clone(estimator).set_params(max_epochs=2).fit(X.tolist(), y)
    from_3d = clone(estimator).set_params(max_epochs=2).fit(X[:, :, None], y)
    assert from_list.n_features_in_ == from_3d.n_features_in_ == 1
    np.testing.assert_array_equal(from_list.predict(X[:, :, None]),
                                  from_3d.predict(X[:, :, None]))
    with pytest.raises(ValueError, match="X has 3 features"):
        from_list.predict(X)
