"""scikit-learn's estimator checks on the RNN-ELM estimators."""
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (check_decision_proba_consistency,
                                            parametrize_with_checks)

from rnnkit import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                    RNNAutoencoder, RNNELMClassifier, RNNELMRegressor)

CLASSIFIERS = [
    RNNELMClassifier(n_hidden=40, alpha=1e-4),
    RNNELMClassifier(n_hidden=30),  # the ridge chosen by GCV (alpha="auto")
    RNNELMClassifier(n_hidden=30, cv=3),  # ... by 3-fold cross-validation
    DeepRNNELMClassifier((4,), 20, alpha=1e-4, random_state=0),
    MultiSourceRNNELMClassifier(1, (3,), 20, encoder=("ridge", "fista"), join="readout",
                                alpha=1e-4, fista_iter=10, random_state=0),
]
ESTIMATORS = CLASSIFIERS + [
    RNNELMRegressor(n_hidden=40, alpha=1e-4),
    RNNELMRegressor(n_hidden=30),
    RNNAutoencoder(4, method="fista", n_iter=10, random_state=0),
    NonNegativeScaler(),
    NonNegativeScaler(per_sample_zscore=True, split_sign=True, scale="feature"),
]

NEGATIVE_BLOBS = (
    "the check fits make_blobs data, which has negative values, without applying the "
    "positive_only tag, and the random neural network refuses negative input; "
    "test_decision_and_proba_are_consistent runs the same check behind a NonNegativeScaler"
)


def _expected_failures(estimator):
    if hasattr(estimator, "predict_proba"):
        return {"check_decision_proba_consistency": NEGATIVE_BLOBS}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("classifier", CLASSIFIERS, ids=lambda c: type(c).__name__)
def test_decision_and_proba_are_consistent(classifier):
    check_decision_proba_consistency(type(classifier).__name__,
                                     make_pipeline(NonNegativeScaler(), classifier))
