"""RecurrentClassifier / RecurrentRegressor behaviour."""
import pickle

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor


def _sign_task(n=80, T=5, F=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, T, F)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    return X, y


def _small(**kw):
    kw = {"hidden_sizes": 6, "max_epochs": 3, "random_state": 0, **kw}
    return RecurrentClassifier(**kw)


def test_learns_and_predicts_labels():
    X, y = _sign_task()
    clf = _small(cell="gru", max_epochs=30, learning_rate=0.02).fit(X, y * 3 + 1)
    assert set(clf.classes_) == {1, 4}
    assert clf.score(X, y * 3 + 1) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X))
    assert len(clf.loss_curve_) == clf.n_iter_ == 30
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_three_input_forms_same_result():
    X, y = _sign_task(n=30, T=4, F=3)
    preds = []
    for Xf, kw in ((X, {}), (X.reshape(30, 12), {"step_features": 3}),
                   (list(X), {})):
        clf = _small(**kw).fit(Xf, y)
        preds.append(clf.predict_proba(Xf))
    np.testing.assert_allclose(preds[0], preds[1], rtol=1e-12)
    np.testing.assert_allclose(preds[0], preds[2], rtol=1e-12)


def test_variable_lengths_read_last_valid_step():
    rng = np.random.RandomState(0)
    X = [rng.randn(L, 2) for L in rng.randint(1, 9, size=40)]
    y = np.array([int(x[-1, 0] > 0) for x in X])
    clf = _small(cell="lstm", max_epochs=2).fit(X, y)
    p_all = clf.predict_proba(X)
    p_one = np.vstack([clf.predict_proba([x]) for x in X[:5]])
    np.testing.assert_allclose(p_all[:5], p_one, rtol=1e-10)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru", "mgu", "ugrnn",
                                  "delta"])
def test_every_cell_trains_stacked(cell):
    X, y = _sign_task(n=40)
    clf = _small(cell=cell, hidden_sizes=(4, 3), max_epochs=2).fit(X, y)
    assert clf.predict(X).shape == (40,)
    assert np.isfinite(clf.loss_curve_).all()


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru", "mgu", "ugrnn",
                                  "delta"])
def test_training_never_reads_unwritten_scratch(cell, monkeypatch):
    # scratch buffers are reused without clearing: filling every one handed
    # out with NaN must not change a variable-length, stacked training run
    from rnnkit._scratch import Scratch
    rng = np.random.RandomState(1)
    X = [rng.randn(L, 2) for L in rng.randint(1, 7, size=30)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    clean = _small(cell=cell, hidden_sizes=(4, 3), batch_size=8).fit(X, y)
    empty = Scratch.empty

    def poisoned(self, key, shape, dtype):
        out = empty(self, key, shape, dtype)
        if out.dtype.kind == "f":
            out.fill(np.nan)
        return out

    monkeypatch.setattr(Scratch, "empty", poisoned)
    dirty = _small(cell=cell, hidden_sizes=(4, 3), batch_size=8).fit(X, y)
    np.testing.assert_array_equal(dirty.loss_curve_, clean.loss_curve_)
    np.testing.assert_array_equal(dirty.predict_proba(X), clean.predict_proba(X))


def test_regressor_per_sequence_and_per_step():
    rng = np.random.RandomState(0)
    X = [rng.randn(L, 1) for L in rng.randint(2, 7, size=60)]
    y_seq = np.array([x.sum() / 4 for x in X])
    reg = RecurrentRegressor(cell="elman", hidden_sizes=8, max_epochs=40,
                             learning_rate=0.02, random_state=0).fit(X, y_seq)
    assert reg.predict(X).shape == (60,)
    assert reg.score(X, y_seq) > 0.8
    y_steps = [np.cumsum(x[:, 0]) / 4 for x in X]
    reg.set_params(max_epochs=5).fit(X, y_steps)
    pred = reg.predict(X)
    assert [p.shape for p in pred] == [(len(x),) for x in X]
    X3 = np.zeros((3, 4, 1))
    Y3 = rng.randn(3, 4, 2)
    reg2 = RecurrentRegressor(hidden_sizes=3, max_epochs=1).fit(X3, Y3)
    assert reg2.predict(X3).shape == (3, 4, 2)
    multi = RecurrentRegressor(hidden_sizes=3, max_epochs=1).fit(
        X3, rng.randn(3, 2))
    assert multi.predict(X3).shape == (3, 2)


def test_regressor_rejects_switching_target_kind():
    X = np.random.RandomState(0).randn(5, 3, 1)
    reg = RecurrentRegressor(hidden_sizes=3, max_epochs=1).fit(X, np.ones(5))
    with pytest.raises(ValueError, match="per step"):
        reg.partial_fit(X, np.ones((5, 3, 1)))


def test_partial_fit_one_pass_and_label_errors():
    X, y = _sign_task(n=40)
    clf = _small(batch_size=10)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and clf.t_ == 4
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="previously unseen labels \\[7\\]"):
        clf.partial_fit(X[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="X has 5 features, but "
                       "RecurrentClassifier is expecting 2 features"):
        clf.partial_fit(np.ones((3, 4, 5)), y[:3])
    with pytest.raises(ValueError, match="X has 5 features"):
        clf.predict(np.ones((3, 4, 5)))
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # still usable
    clf2 = _small().partial_fit(X[:5], y[:5], classes=[0, 1, 2])
    assert list(clf2.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match=r"label\(s\) \[5\] in y do not exist in the "
                       r"initial classes \[0, 1\]"):
        _small().partial_fit(X[:3], [0, 1, 5], classes=[0, 1])


def test_empty_sequence_is_a_clear_error():
    clf = _small()
    with pytest.raises(ValueError, match="Sequence 1 is empty"):
        clf.fit([np.ones((3, 2)), np.ones((0, 2))], [0, 1])


def test_nan_rejected_and_model_kept():
    X, y = _sign_task(n=20)
    clf = _small().fit(X, y)
    params = [p.copy() for p in clf.params_]
    Xbad = X.copy()
    Xbad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(Xbad, y)
    for a, b in zip(params, clf.params_):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_and_validation_scores():
    X, y = _sign_task(n=100)
    clf = _small(early_stopping=True, validation_fraction=0.2, max_epochs=40,
                 n_iter_no_change=2, tol=0.5, learning_rate=0.01).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ < 40
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_warm_start_continues_and_cold_start_resets():
    X, y = _sign_task(n=40)
    clf = _small(warm_start=True).fit(X, y)
    first = [p.copy() for p in clf.params_]
    clf.fit(X, y)
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6
    cold = _small().fit(X, y)
    assert cold.n_iter_ == 3
    np.testing.assert_array_equal(cold.params_[0], first[0])


def test_pickle_roundtrip_and_dtypes():
    X, y = _sign_task(n=30)
    clf = _small(cell="ugrnn").fit(X.astype(np.float32), y)
    assert clf.dtype_ is np.float32
    assert all(p.dtype == np.float32 for p in clf.params_)
    assert clf.predict_proba(X).dtype == np.float32
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    clone.partial_fit(X, y)  # the optimizer state survives pickling
    f64 = _small(cell="ugrnn", dtype="float64").fit(X.astype(np.float32), y)
    assert f64.params_[0].dtype == np.float64


def test_n_params_and_seeding():
    X, y = _sign_task(n=20, F=28)
    a = RecurrentClassifier(hidden_sizes=(20,), max_epochs=1,
                            random_state=3).fit(X, y)
    assert a.n_params_ == 4 * (20 * 28 + 20 * 20 + 20) + 20 * 2 + 2
    b = RecurrentClassifier(hidden_sizes=(20,), max_epochs=1,
                            random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_optimizers_and_rescaling_options_run():
    X, y = _sign_task(n=30)
    for kw in ({"optimizer": "sgd", "learning_rate": 0.05},
               {"gradient_clip": 0.5, "gradient_boost": 0.1, "weight_clip": 0.3},
               {"init": "orthogonal"}, {"init": "glorot_uniform"}):
        clf = _small(**kw).fit(X, y)
        assert np.isfinite(clf.loss_curve_).all()
    clf = _small(weight_clip=0.05).fit(X, y)
    assert max(np.abs(p).max() for p in clf.params_ if p.size) <= 0.05 + 1e-12


def test_verbose_reports_epoch_time(capsys):
    X, y = _sign_task(n=20)
    _small(verbose=1, max_epochs=2).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 2, loss = " in out and "time = " in out


def test_bad_hidden_sizes():
    X, y = _sign_task(n=10)
    with pytest.raises(ValueError, match="hidden_sizes"):
        _small(hidden_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="cell"):
        _small(cell="transformer").fit(X, y)


def _skewed_task(n, seed):
    # 30 % positives: a slow learner predicts the majority class for its
    # first epochs, so validation accuracy sits on a plateau
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 8, 3)
    y = (X[:, :, 0].mean(axis=1) + 0.5 * X[:, -1, 1] > 0.3).astype(int)
    return X, y


def test_early_stopping_on_validation_loss_outlives_accuracy_plateau():
    X, y = _skewed_task(200, 0)
    X_test, y_test = _skewed_task(1000, 1)
    kw = dict(cell="gru", hidden_sizes=8, max_epochs=60, early_stopping=True,
              random_state=1)
    # scoring=None watches accuracy on 20 validation sequences: it stops on
    # the majority-class plateau with the first epoch's parameters, and
    # says so
    with pytest.warns(ConvergenceWarning, match="kept the parameters of "
                      "epoch 1, the first epoch"):
        plateau = RecurrentClassifier(scoring=None, **kw).fit(X, y)
    assert plateau.n_iter_ == 11 and plateau.best_epoch_ == 1
    # the default watches the validation loss, which keeps falling
    clf = RecurrentClassifier(**kw).fit(X, y)
    assert clf.n_iter_ > 40 and clf.best_epoch_ > 40
    assert clf.score(X_test, y_test) > plateau.score(X_test, y_test) + 0.15
    assert clf.best_validation_score_ == max(clf.validation_scores_) < 0
    assert -clf.best_validation_score_ < -clf.validation_scores_[0]


def test_single_class_is_refused():
    X, _ = _sign_task(n=20)
    for est in (_small(), RecurrentClassifier(hidden_sizes=2)):
        with pytest.raises(ValueError, match="at least 2 classes.*only one "
                           "class: 'a'"):
            est.fit(X, ["a"] * 20)
    with pytest.raises(ValueError, match="at least 2 classes"):
        _small().partial_fit(X, np.ones(20))
    _small().partial_fit(X, np.ones(20), classes=[0, 1])  # classes given


def test_verbose_2_shows_progress_within_epochs(capsys):
    X, y = _sign_task(n=100)
    _small(verbose=1, max_epochs=2, early_stopping=True).fit(X, y)
    one = capsys.readouterr().out
    _small(verbose=2, max_epochs=2, early_stopping=True).fit(X, y)
    two = capsys.readouterr().out
    assert "batch" not in one
    assert "batch 5/5, 90/90 sequences, loss = " in two
    assert "training " in two and "validation " in two
    assert len(two.splitlines()) > 2 * len(one.splitlines())


def test_stop_message_says_what_happened(capsys):
    X, y = _sign_task(n=40)
    clf = _small(verbose=1, max_epochs=50, tol=0.5, n_iter_no_change=3,
                 learning_rate=0.01).fit(X, y)
    out = capsys.readouterr().out
    # the loss still falls, by less than tol after the first epoch
    assert clf.n_iter_ == 4 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert ("Training loss did not improve more than tol=0.5 for 3 "
            "consecutive epochs. Stopping.") in out
    _small(verbose=1, max_epochs=50, tol=0.5, n_iter_no_change=3,
           early_stopping=True).fit(X, y)
    out = capsys.readouterr().out
    assert ("Validation loss did not improve more than tol=0.5 for 3 "
            "consecutive epochs. Stopping.") in out
    # every epoch improved a little: the last one is kept
    assert "Keeping the parameters of epoch 4 (best validation loss)" in out


def test_object_array_of_variable_length_sequences_is_a_list():
    rng = np.random.RandomState(0)
    X = [rng.randn(L, 2) for L in rng.randint(1, 7, size=30)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    Xo = np.array(X, dtype=object)
    assert Xo.shape == (30,)
    a, b = _small().fit(X, y), _small().fit(Xo, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(Xo))
    y_steps = [np.cumsum(x[:, 0]) for x in X]
    reg = RecurrentRegressor(hidden_sizes=3, max_epochs=1).fit(
        Xo, np.array(y_steps, dtype=object))
    assert [p.shape for p in reg.predict(Xo)] == [(len(x),) for x in X]


def test_sequence_input_errors_name_the_problem():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        _small().fit([np.ones((3, 0))] * 4, y)
    with pytest.raises(ValueError, match="expects sequences: a 3-D array"):
        _small().fit(np.ones((4, 3, 2, 2)), y)
    X = np.ones((4, 3, 2))
    X[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"Input X\[2\] contains NaN at "
                       r"step 1, feature 0 \(sequence 2\)\. "
                       "RecurrentClassifier needs finite values"):
        _small().fit(X, y)
