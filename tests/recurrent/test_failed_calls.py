"""A failed fit / partial_fit changes nothing, and training goes on as if
it had never been called (parameters, optimizer state, counters, curves and
the shuffling random state are all put back)."""
import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor
from rnnkit.recurrent.stigmergic import StigmergicClassifier


def _data(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5, 2)
    y = X[:, :, 0].sum(axis=1)
    return X, y, (y > 0).astype(int)


def _make(kind, **kw):
    kw = {"random_state": 0, "batch_size": 10, **kw}
    if kind == "regressor":
        return RecurrentRegressor(hidden_sizes=4, learning_rate=0.01, **kw)
    if kind == "classifier":
        return RecurrentClassifier(cell="gru", hidden_sizes=4, **kw)
    return StigmergicClassifier(n_marks=3, stigmergic_hidden=4,
                                classifier_hidden=3, **kw)


def _target(kind, y_reg, y_cls):
    return y_reg if kind == "regressor" else y_cls


def _state(est):
    """Everything that decides how training continues."""
    opt = est._optimizer
    moments = [a.copy() for name in ("ms", "vs", "velocities")
               for a in getattr(opt, name, [])]
    return dict(
        params=[p.copy() for p in est.params_], moments=moments, t=opt.t,
        t_=est.t_, n_iter_=est.n_iter_, loss_curve_=list(est.loss_curve_),
        rng=np.append(est._random_state.get_state()[1],
                      est._random_state.get_state()[2]),
    )


def _assert_same_state(a, b):
    for key in ("params", "moments"):
        assert len(a[key]) == len(b[key])
        for x, y in zip(a[key], b[key]):
            np.testing.assert_array_equal(x, y)
    for key in ("t", "t_", "n_iter_", "loss_curve_"):
        assert a[key] == b[key], key
    np.testing.assert_array_equal(a["rng"], b["rng"])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_overflowing_targets_roll_partial_fit_back(optimizer, shuffle):
    # with shuffle=False the bad sequences come last: the call has already
    # updated the parameters on the good batches when the loss overflows
    X, y, _ = _data()
    y_bad = y.copy()
    y_bad[-5:] *= 1e300
    good = _make("regressor", optimizer=optimizer, shuffle=shuffle)
    hit = _make("regressor", optimizer=optimizer, shuffle=shuffle)
    for est in (good, hit):
        est.partial_fit(X, y)
    before = _state(hit)
    with pytest.raises(FloatingPointError, match="left as it was before"):
        hit.partial_fit(X, y_bad)
    _assert_same_state(_state(hit), before)
    for _ in range(3):
        good.partial_fit(X, y)
        hit.partial_fit(X, y)
    _assert_same_state(_state(hit), _state(good))
    assert hit.loss_curve_[-1] < hit.loss_curve_[0]  # it still learns


def test_adam_moment_overflow_rolls_classifier_back():
    # finite gradients whose squares overflow would leave Adam's second
    # moments at inf, after which the parameters never move again
    X, _, y = _data()
    good, hit = _make("classifier"), _make("classifier")
    for est in (good, hit):
        est.partial_fit(X, y)
    with pytest.raises(FloatingPointError, match="overflowed"):
        hit.partial_fit(X * 1e300, y)
    for _ in range(2):
        good.partial_fit(X, y)
        hit.partial_fit(X, y)
    _assert_same_state(_state(hit), _state(good))


class _Boom(RuntimeError):
    pass


def _fail_on_batch(monkeypatch, est, batch):
    """Make ``est``'s ``batch``-th gradient computation from now on raise."""
    calls = {"n": 0}
    forward_backward = type(est)._forward_backward

    def failing(self, *args):
        calls["n"] += 1
        if calls["n"] == batch:
            raise _Boom("injected")
        return forward_backward(self, *args)

    monkeypatch.setattr(type(est), "_forward_backward", failing)
    return lambda: monkeypatch.setattr(type(est), "_forward_backward",
                                       forward_backward)


@pytest.mark.parametrize("kind", ["regressor", "classifier", "stigmergic"])
def test_any_error_mid_partial_fit_changes_nothing(kind, monkeypatch):
    X, y_reg, y_cls = _data()
    y = _target(kind, y_reg, y_cls)
    good, hit = _make(kind), _make(kind)
    for est in (good, hit):
        est.partial_fit(X, y)
    before = _state(hit)
    undo = _fail_on_batch(monkeypatch, hit, batch=3)  # two updates done
    with pytest.raises(_Boom):
        hit.partial_fit(X, y)
    undo()
    _assert_same_state(_state(hit), before)
    good.partial_fit(X, y)
    hit.partial_fit(X, y)
    _assert_same_state(_state(hit), _state(good))


@pytest.mark.parametrize("kind", ["regressor", "classifier", "stigmergic"])
def test_failed_warm_start_fit_changes_nothing(kind, monkeypatch):
    X, y_reg, y_cls = _data()
    y = _target(kind, y_reg, y_cls)
    good = _make(kind, warm_start=True, max_epochs=2).fit(X, y)
    hit = _make(kind, warm_start=True, max_epochs=2).fit(X, y)
    undo = _fail_on_batch(monkeypatch, hit, batch=6)  # in the second epoch
    with pytest.raises(_Boom):
        hit.fit(X, y)
    undo()
    good.fit(X, y)
    hit.fit(X, y)
    _assert_same_state(_state(hit), _state(good))
    np.testing.assert_array_equal(hit.predict(X), good.predict(X))


@pytest.mark.parametrize("kind", ["regressor", "classifier", "stigmergic"])
def test_failed_fit_keeps_previous_model_or_none(kind, monkeypatch):
    X, y_reg, y_cls = _data()
    y = _target(kind, y_reg, y_cls)
    est = _make(kind)
    undo = _fail_on_batch(monkeypatch, est, batch=2)
    with pytest.raises(_Boom):
        est.fit(X, y)
    undo()
    with pytest.raises(NotFittedError):  # a failed first fit fits nothing
        est.predict(X)
    assert not [k for k in vars(est) if k.endswith("_") or k.startswith("_")]
    est.fit(X, y)
    blob = pickle.dumps(est)
    undo = _fail_on_batch(monkeypatch, est, batch=5)
    with pytest.raises(_Boom):
        est.fit(X, y)  # a cold refit fails: the fitted model stays
    undo()
    np.testing.assert_array_equal(est.predict(X), pickle.loads(blob).predict(X))
    _assert_same_state(_state(est), _state(pickle.loads(blob)))
