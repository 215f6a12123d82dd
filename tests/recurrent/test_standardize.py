"""Internal standardization of inputs (and regression targets)."""
import numpy as np
import pytest

from rnnkit._sequences import step_moments
from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor
from rnnkit.recurrent.stigmergic import StigmergicClassifier


def _sequences(seed=0, n=30):
    rng = np.random.RandomState(seed)
    scale = np.array([1.0, 100.0, 0.01])
    offset = np.array([0.0, -500.0, 3.0])
    X = [rng.randn(L, 3) * scale + offset for L in rng.randint(1, 8, size=n)]
    y = [50 + 20 * np.cumsum(x[:, 0]) for x in X]
    return X, y


def test_step_moments_ignore_padding():
    X, y = _sequences()
    flat = np.vstack(X)
    padded = np.full((len(X), 7, 3), 1e6)  # padding is ignored, even if big
    lengths = np.array([len(x) for x in X])
    for i, x in enumerate(X):
        padded[i, :len(x)] = x
    mean, std = step_moments(padded, lengths)
    np.testing.assert_allclose(mean, flat.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, flat.std(axis=0), rtol=1e-12)


@pytest.mark.parametrize("per_step", [True, False])
def test_regressor_equals_training_on_standardized_data(per_step):
    X, y = _sequences()
    if not per_step:
        y = np.array([t[-1] for t in y])
    flat = np.vstack(X)
    mx, sx = flat.mean(axis=0), flat.std(axis=0)
    ys = np.concatenate(y) if per_step else y
    my, sy = ys.mean(), ys.std()
    kw = dict(cell="gru", hidden_sizes=4, max_epochs=3, random_state=0)
    inside = RecurrentRegressor(**kw).fit(X, y)
    Xs = [(x - mx) / sx for x in X]
    outside = RecurrentRegressor(standardize=False, **kw).fit(
        Xs, [(t - my) / sy for t in y] if per_step else (y - my) / sy)
    np.testing.assert_allclose(inside.input_mean_, mx, rtol=1e-12)
    np.testing.assert_allclose(inside.input_scale_, sx, rtol=1e-12)
    np.testing.assert_allclose(inside.target_mean_, [my], rtol=1e-12)
    np.testing.assert_allclose(inside.target_scale_, [sy], rtol=1e-12)
    np.testing.assert_allclose(inside.loss_curve_, outside.loss_curve_,
                               rtol=1e-9)
    a, b = inside.predict(X), outside.predict(Xs)
    if per_step:
        a, b = np.concatenate(a), np.concatenate(b)
    np.testing.assert_allclose(a, b * sy + my, rtol=1e-9)
    assert outside.input_mean_ is None and outside.target_scale_ is None


def test_statistics_come_from_the_first_call_and_stay():
    X, y = _sequences()
    reg = RecurrentRegressor(hidden_sizes=3, random_state=0)
    reg.partial_fit(X[:10], y[:10])
    first = reg.input_mean_.copy(), reg.target_scale_.copy()
    reg.partial_fit(X[10:], y[10:])
    np.testing.assert_array_equal(reg.input_mean_, first[0])
    np.testing.assert_array_equal(reg.target_scale_, first[1])
    reg.set_params(standardize=False).partial_fit(X, y)  # fitted model kept
    np.testing.assert_array_equal(reg.input_mean_, first[0])
    reg.fit(X, y)  # a fresh fit follows the parameter
    assert reg.input_mean_ is None


def test_constant_feature_gets_unit_scale_and_float32_stays():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.randn(20, 4, 1), np.full((20, 4, 1), 7.0)],
                       axis=2).astype(np.float32)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    clf = RecurrentClassifier(hidden_sizes=3, max_epochs=2, standardize=True,
                              random_state=0).fit(X, y)
    assert clf.input_scale_[1] == 1 and clf.input_mean_[1] == 7
    assert clf.input_mean_.dtype == np.float32
    assert np.isfinite(clf.predict_proba(X)).all()


def test_stigmergic_marks_read_standardized_input():
    X, _ = _sequences()
    y = np.array([int(x[0, 0] > 0) for x in X])
    kw = dict(n_marks=3, stigmergic_hidden=4, classifier_hidden=2,
              max_epochs=2, random_state=0)
    inside = StigmergicClassifier(standardize=True, **kw).fit(X, y)
    flat = np.vstack(X)
    Xs = [(x - flat.mean(axis=0)) / flat.std(axis=0) for x in X]
    outside = StigmergicClassifier(**kw).fit(Xs, y)
    for a, b in zip(inside.marks(X), outside.marks(Xs)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(inside.predict_proba(X),
                               outside.predict_proba(Xs), rtol=1e-9)
