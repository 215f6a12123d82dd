"""Concurrent readers of a lazily solved readout get the serial answer."""
import copy
import threading

import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import NonNegativeScaler, RNNELMClassifier, RNNELMRegressor
from rnnkit.elm.deep import DeepRNNELMClassifier
from rnnkit.elm.multisource import MultiSourceRNNELMClassifier

N_THREADS = 8


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return NonNegativeScaler().fit_transform(X).astype(np.float64), y


ESTIMATORS = {
    "classifier": lambda: RNNELMClassifier(200, alpha=1e-3, random_state=0),
    "regressor": lambda: RNNELMRegressor(200, alpha=1e-3, random_state=0),
    "deep": lambda: DeepRNNELMClassifier((40,), n_hidden=200, alpha=1e-3, fista_iter=5,
                                         random_state=0),
    "multisource": lambda: MultiSourceRNNELMClassifier(2, hidden_layers=(20,), n_hidden=200,
                                                       alpha=1e-3, random_state=0),
}


def _sums(estimator):
    accumulator = estimator._accumulator
    return np.triu(accumulator.phi).copy(), accumulator.psi.copy()


def _concurrently(method, X):
    """Call ``method(X)`` from N_THREADS threads released together; return the outputs."""
    barrier = threading.Barrier(N_THREADS)
    outputs = [None] * N_THREADS

    def work(i):
        barrier.wait()
        outputs[i] = method(X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(N_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outputs


def _outputs(estimator, X):
    if hasattr(estimator, "decision_function"):
        return estimator.decision_function(X)
    return estimator.predict(X)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_concurrent_predictions_after_partial_fit_and_set_params(digits, name):
    X, y = digits
    target = y if name != "regressor" else y / 9.0
    extra = {"classes": np.unique(y)} if name != "regressor" else {}
    estimator = ESTIMATORS[name]()
    estimator.partial_fit(X[:900], target[:900], **extra)
    for trial, alpha in enumerate([1e-3, 1e-2, "auto"]):
        if trial:  # a new alpha: every reader races to re-solve from the stored sums
            estimator.set_params(alpha=alpha)
        else:  # fresh sums: the first readers race to solve them
            estimator.partial_fit(X[900:1400], target[900:1400])
        serial = _outputs(copy.deepcopy(estimator), X[1400:])
        phi, psi = _sums(estimator)
        outputs = _concurrently(lambda Z: _outputs(estimator, Z), X[1400:])
        for output in outputs:
            np.testing.assert_array_equal(output, outputs[0])
            # the copy solves from the same sums, but without the workspace the
            # original may keep from an earlier solve (a tridiagonalization after
            # alpha="auto"), so the two agree up to rounding
            np.testing.assert_allclose(output, serial, rtol=1e-9, atol=1e-10)
        after_phi, after_psi = _sums(estimator)
        np.testing.assert_array_equal(after_phi, phi)
        np.testing.assert_array_equal(after_psi, psi)
