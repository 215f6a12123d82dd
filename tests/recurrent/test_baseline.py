"""RecurrentRegressor's baseline feature: predicting the change from an
input feature (persistence) in one-step-ahead forecasting."""
import numpy as np
import pytest

from rnnkit._sequences import step_changes
from rnnkit.datasets import one_step_ahead
from rnnkit.recurrent import RecurrentRegressor


def _series(n, T, rng, low, high):
    """Series whose target moves with the driver's previous change, each at
    its own level (levels of test series outside the training range)."""
    out = []
    for _ in range(n):
        x = 0.3 * np.cumsum(rng.randn(T))
        dy = np.concatenate([[0.0, 0.0], 0.8 * np.diff(x)[:-1]])
        y = rng.uniform(low, high) + np.cumsum(dy) + 0.05 * rng.randn(T)
        out.append(np.column_stack([x, y]))
    return out


class _ZeroHead(RecurrentRegressor):
    """Starts with the head at zero, as a model with a baseline does."""

    def _init_params(self, n_features, n_outputs, rng, dtype):
        params = super()._init_params(n_features, n_outputs, rng, dtype)
        for p in params[-2:]:
            p[...] = 0
        return params


def _mae(pred, y):
    return np.mean([np.mean(np.abs(p - t)) for p, t in zip(pred, y)])


def test_forecaster_beats_persistence_on_series_at_new_levels():
    rng = np.random.RandomState(0)
    X, y = one_step_ahead(_series(20, 30, rng, 0, 3), target_column=1)
    X_test, y_test = one_step_ahead(_series(10, 30, rng, 5, 8),
                                    target_column=1)
    persistence = _mae([x[:, 1] for x in X_test], y_test)
    kw = dict(cell="gru", hidden_sizes=8, max_epochs=80, learning_rate=0.01,
              batch_size=5, random_state=0)
    reg = RecurrentRegressor(**kw).fit(X, y)
    assert reg.baseline_features_.tolist() == [1]  # found the target column
    assert _mae(reg.predict(X_test), y_test) < 0.8 * persistence
    # without it the network learns the training series' levels
    plain = RecurrentRegressor(baseline_feature=None, **kw).fit(X, y)
    assert _mae(plain.predict(X_test), y_test) > 2 * persistence


@pytest.mark.parametrize("per_step", [True, False])
def test_baseline_equals_training_on_the_change(per_step):
    rng = np.random.RandomState(1)
    X = [rng.randn(L, 3) for L in rng.randint(2, 7, size=25)]
    if per_step:
        y = [x[:, 2] + 0.1 * rng.randn(len(x)) for x in X]
        change = [t - x[:, 2] for x, t in zip(X, y)]
    else:
        y = np.array([x[-1, 2] + 0.1 * rng.randn() for x in X])
        change = y - np.array([x[-1, 2] for x in X])
    kw = dict(cell="gru", hidden_sizes=4, max_epochs=3, random_state=0)
    based = RecurrentRegressor(baseline_feature=2, **kw).fit(X, y)
    plain = _ZeroHead(baseline_feature=None, input_changes=True, **kw).fit(
        X, change)
    np.testing.assert_allclose(based.loss_curve_, plain.loss_curve_,
                               rtol=1e-10)
    np.testing.assert_allclose(based.target_scale_, plain.target_scale_)
    a, b = based.predict(X), plain.predict(X)
    if per_step:
        a = np.concatenate(a)
        b = np.concatenate([p + x[:, 2] for p, x in zip(b, X)])
    else:
        b = b + np.array([x[-1, 2] for x in X])
    np.testing.assert_allclose(a, b, rtol=1e-10)
    assert based.score(X, y) == pytest.approx(
        1 - np.sum((np.concatenate([np.atleast_1d(t) for t in y])
                    - (a if per_step else a)) ** 2)
        / np.sum((np.concatenate([np.atleast_1d(t) for t in y])
                  - np.mean(np.concatenate([np.atleast_1d(t) for t in y])))
                 ** 2))


def test_auto_finds_only_the_one_step_ahead_framing():
    rng = np.random.RandomState(2)
    series = [rng.randn(12, 4) for _ in range(6)]
    X, y = one_step_ahead(series, target_column=2)
    two = [np.column_stack([t, 2 * t]) for t in y]  # two outputs, one found
    reg = RecurrentRegressor(hidden_sizes=2, max_epochs=1).fit(X, two)
    assert reg.baseline_features_.tolist() == [2, -1]
    # targets per sequence, a shifted-by-two framing, unrelated targets
    assert RecurrentRegressor(hidden_sizes=2, max_epochs=1).fit(
        X, [t[-1] for t in y]).baseline_features_.tolist() == [-1]
    X2, y2 = one_step_ahead(series, target_column=2, offset=2)
    assert RecurrentRegressor(hidden_sizes=2, max_epochs=1).fit(
        X2, y2).baseline_features_.tolist() == [-1]
    assert RecurrentRegressor(hidden_sizes=2, max_epochs=1).fit(
        X, [rng.randn(len(x)) for x in X]).baseline_features_.tolist() == [-1]


def test_bad_baseline_feature():
    X = np.random.RandomState(0).randn(5, 3, 2)
    for bad in (2, -2, [0, 1]):
        with pytest.raises(ValueError, match="baseline_feature"):
            RecurrentRegressor(baseline_feature=bad, max_epochs=1).fit(
                X, np.ones(5))
    with pytest.raises(ValueError, match="baseline_feature"):
        RecurrentRegressor(baseline_feature="last").fit(X, np.ones(5))


def test_step_changes():
    X = np.arange(24, dtype=float).reshape(2, 4, 3) ** 2
    lengths = np.array([4, 2])
    D = step_changes(X, lengths)
    np.testing.assert_array_equal(D[0, 1:], np.diff(X[0], axis=0))
    np.testing.assert_array_equal(D[1, 1], X[1, 1] - X[1, 0])
    assert not D[:, 0].any() and not D[1, 2:].any()


@pytest.mark.parametrize("per_step", [True, False])
def test_input_changes_equal_training_on_the_changes(per_step):
    rng = np.random.RandomState(3)
    X = [rng.randn(L, 2) for L in rng.randint(1, 9, size=20)]
    y = ([np.cumsum(x[:, 0]) for x in X] if per_step
         else np.array([x[:, 0].sum() for x in X]))
    D = [np.vstack([np.zeros((1, 2)), np.diff(x, axis=0)]) for x in X]
    kw = dict(cell="lstm", hidden_sizes=3, max_epochs=3, random_state=0,
              baseline_feature=None)
    a = RecurrentRegressor(input_changes=True, **kw).fit(X, y)
    b = RecurrentRegressor(input_changes=False, **kw).fit(D, y)
    assert a.input_changes_ and not b.input_changes_
    np.testing.assert_allclose(a.input_scale_, b.input_scale_, rtol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    pa, pb = a.predict(X), b.predict(D)
    if per_step:
        pa, pb = np.concatenate(pa), np.concatenate(pb)
    np.testing.assert_allclose(pa, pb, rtol=1e-10)


def test_input_changes_auto_follows_the_baseline():
    rng = np.random.RandomState(4)
    X, y = one_step_ahead([rng.randn(15, 3) for _ in range(4)],
                          target_column=0)
    kw = dict(hidden_sizes=2, max_epochs=1)
    assert RecurrentRegressor(**kw).fit(X, y).input_changes_
    assert not RecurrentRegressor(baseline_feature=None, **kw).fit(
        X, y).input_changes_
