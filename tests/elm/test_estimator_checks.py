"""scikit-learn's estimator checks on the RNN-ELM estimators."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnkit import NonNegativeScaler, RNNELMClassifier, RNNELMRegressor

ESTIMATORS = [
    RNNELMClassifier(n_hidden=40, alpha=1e-4),
    RNNELMRegressor(n_hidden=40, alpha=1e-4),
    NonNegativeScaler(),
    NonNegativeScaler(per_sample_zscore=True, split_sign=True, scale="feature"),
]


def _expected_failures(estimator):
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
