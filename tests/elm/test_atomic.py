"""A failed fit or partial_fit of any RNN-ELM estimator changes nothing.

The bad input is found late: its last rows (NaN or negative values in an
h5py dataset or a memmap, read block by block) or a label the model has not
seen.  The estimator's whole state (its pickle) must be as before the call.
"""
import pickle

import h5py
import numpy as np
import pytest
from sklearn.datasets import load_digits

from rnnkit import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                    RNNELMClassifier, RNNELMRegressor)

BATCH = 64

ESTIMATORS = {
    "RNNELMClassifier": lambda: RNNELMClassifier(30, batch_size=BATCH, random_state=0),
    "RNNELMRegressor": lambda: RNNELMRegressor(30, batch_size=BATCH, random_state=0),
    "DeepRNNELMClassifier": lambda: DeepRNNELMClassifier((8,), 30, alpha=1e-4,
                                                         batch_size=BATCH, random_state=0),
    "MultiSourceRNNELMClassifier": lambda: MultiSourceRNNELMClassifier(
        2, (6,), 30, alpha=1e-4, batch_size=BATCH, random_state=0),
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = NonNegativeScaler().fit_transform(X[:400])
    return X, y[:400]


def _state(estimator):
    return pickle.dumps(estimator)


def _bad_rows(X, kind):
    """X with a bad value in its last row, past the first blocks."""
    X = X.copy()
    X[-1, 3] = np.nan if kind == "nan" else -0.5
    return X


@pytest.fixture(params=["h5py", "memmap"])
def on_disk(request, tmp_path):
    """Store an array on disk the way the test asks, return it opened."""
    opened = []

    def store(X):
        if request.param == "h5py":
            f = h5py.File(tmp_path / f"{len(opened)}.h5", "w")
            f.create_dataset("X", data=X)
            opened.append(f)
            return f["X"]
        mm = np.memmap(tmp_path / f"{len(opened)}.dat", dtype=X.dtype, mode="w+",
                       shape=X.shape)
        mm[:] = X
        mm.flush()
        opened.append(mm)
        return np.memmap(tmp_path / f"{len(opened) - 1}.dat", dtype=X.dtype, mode="r",
                         shape=X.shape)

    yield store
    for f in opened:
        if isinstance(f, h5py.File):
            f.close()


def _targets(name, y):
    return y.astype(float) / 9 if name == "RNNELMRegressor" else y


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("kind", ["nan", "negative"])
def test_late_bad_rows_change_nothing(digits, on_disk, name, kind):
    X, y = digits
    y = _targets(name, y)
    clf = ESTIMATORS[name]().fit(X[:300], y[:300])
    clf.predict(X[:5])  # solve the readout, so its cache is part of the state
    before = _state(clf)
    bad = on_disk(_bad_rows(X[300:], kind))
    with pytest.raises(ValueError, match="NaN|NonNegativeScaler"):
        clf.partial_fit(bad, y[300:])
    assert _state(clf) == before
    with pytest.raises(ValueError, match="NaN|NonNegativeScaler"):
        clf.fit(bad, y[300:])
    assert _state(clf) == before
    # still usable, and a good call afterwards counts only its own rows
    clf.partial_fit(X[300:], y[300:])
    assert clf.n_samples_seen_ == 400


@pytest.mark.parametrize("name", ESTIMATORS)
def test_failed_first_call_leaves_the_estimator_unfitted(digits, on_disk, name):
    X, y = digits
    y = _targets(name, y)
    clf = ESTIMATORS[name]()
    before = _state(clf)
    bad = on_disk(_bad_rows(X, "nan"))
    for method in (clf.partial_fit, clf.fit):
        with pytest.raises(ValueError, match="NaN"):
            method(bad, y)
        assert _state(clf) == before
        assert not [k for k in vars(clf) if k.endswith("_") and not k.startswith("__")]


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if "Classifier" in n])
def test_unseen_label_changes_nothing(digits, on_disk, name):
    X, y = digits
    clf = ESTIMATORS[name]().partial_fit(X[:200], y[:200], classes=np.arange(10))
    clf.predict(X[:5])
    before = _state(clf)
    y_new = y[200:].copy()
    y_new[-1] = 10
    for X_new in (X[200:], on_disk(X[200:])):
        with pytest.raises(ValueError, match=r"label\(s\) \[10\].*classes="):
            clf.partial_fit(X_new, y_new)
        assert _state(clf) == before
    # on a first call, labels outside classes= leave the estimator unfitted
    fresh = ESTIMATORS[name]()
    with pytest.raises(ValueError, match=r"label\(s\) \[10\]"):
        fresh.partial_fit(X[200:], y_new, classes=np.arange(10))
    assert not hasattr(fresh, "classes_")


@pytest.mark.parametrize("name", ESTIMATORS)
def test_failed_fit_keeps_the_fitted_feature_count(digits, name):
    X, y = digits
    y = _targets(name, y)
    clf = ESTIMATORS[name]().fit(X, y)
    before = _state(clf)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X[:, :10], y[:5])  # other features, and y of another length
    assert _state(clf) == before


@pytest.mark.parametrize("name", ["RNNELMClassifier", "DeepRNNELMClassifier"])
def test_fit_interrupted_half_way_changes_nothing(digits, monkeypatch, name):
    from rnnkit.elm.readout import GramAccumulator

    X, y = digits
    clf = ESTIMATORS[name]().fit(X[:300], y[:300])
    clf.predict(X[:5])
    before = _state(clf)
    add = GramAccumulator.add
    calls = []

    def interrupted(self, H, Y):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        add(self, H, Y)

    monkeypatch.setattr(GramAccumulator, "add", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert _state(clf) == before
