"""scikit-learn's estimator checks on StigmergicClassifier (tabular input
is read as sequences of one step)."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnkit.recurrent.stigmergic import StigmergicClassifier

_LIST_IS_SEQUENCES = (
    "a Python list is read as a list of sequences (DESIGN.md), so X.tolist() "
    "of a 2-D array becomes univariate sequences with one feature per step "
    "instead of one step with n_features features"
)
EXPECTED_FAILURES = {
    "check_classifiers_train": _LIST_IS_SEQUENCES,
}


@parametrize_with_checks(
    [StigmergicClassifier(n_marks=8, stigmergic_hidden=16, classifier_hidden=8,
                          max_epochs=30, learning_rate=0.01, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILURES,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
