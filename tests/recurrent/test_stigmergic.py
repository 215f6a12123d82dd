"""SM-RNN: kernels against finite differences and a NumPy reference, the
estimator's contract (input forms, partial_fit, errors, pickling, dtypes)."""
import pickle

import numpy as np
import pytest

from rnnkit.kernels.stigmergy import clamp
from rnnkit.recurrent.stigmergic import (
    StigmergicClassifier, init_stigmergic_params, stigmergic_loss_grad,
)

SMALL = dict(n_marks=4, stigmergic_hidden=6, classifier_hidden=4)


def _sig(u):
    return 1.0 / (1.0 + np.exp(-u))


def _prelu(z, a):
    return np.maximum(z, 0) + a * np.minimum(z, 0)


def reference_logits(w, X, lengths, lo=0.0, hi=10.0):
    """The spec's equations, one sequence and one step at a time."""
    out = []
    for x, L in zip(X, lengths):
        m = np.zeros(w["W_p"].shape[0])
        for t in range(L):
            p = w["W_p"] @ m + w["b_p"]
            q = w["W_q"] @ m + w["b_q"]
            d = np.maximum(w["W_d2"] @ _prelu(
                w["W_d1"] @ np.concatenate([x[t], p]) + w["b_d1"], w["a_d"])
                + w["b_d2"], 0)
            r = np.maximum(w["W_r2"] @ _prelu(
                w["W_r1"] @ np.concatenate([x[t], q]) + w["b_r1"], w["a_r"])
                + w["b_r2"], 0)
            v = m + d - r
            m = lo + (hi - lo) * _sig(4 * (v - lo) / (hi - lo) - 2)
        h = _prelu(w["W_k1"] @ m + w["b_k1"], w["a_k"])
        out.append(_prelu(w["W_k2"] @ h + w["b_k2"], w["a_o"]))
    return np.array(out)


def make_sequences(n=120, seed=0, min_len=3, max_len=9, F=3):
    """Class = sign of the running sum of feature 0 (needs memory)."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n):
        L = int(rng.integers(min_len, max_len + 1))
        x = rng.normal(size=(L, F))
        X.append(x)
        y.append(int(x[:, 0].sum() > 0))
    return X, np.array(y)


# ------------------------------------------------------------------ clamp
def test_clamp_table_and_drift():
    table = {-10: 0.024726, 0: 1.192029, 5: 5.0, 10: 8.807971, 20: 9.975274}
    for v, c in table.items():
        assert clamp(float(v), 0.0, 10.0)[0] == pytest.approx(c, abs=1e-6)
    assert clamp(0.0, 0.0, 10.0)[1] == pytest.approx(0.42, abs=1e-4)
    assert clamp(5.0, 0.0, 10.0)[1] == pytest.approx(1.0)
    m = 0.0
    for _ in range(200):
        m = clamp(m, 0.0, 10.0)[0]
    assert m == pytest.approx(4.5694, abs=1e-4)


# ----------------------------------------------------- gradient checking
@pytest.mark.parametrize("prelu, C, bounds", [
    ("paper", 4, (0.0, 10.0)),     # K == C: shared classifier slopes
    ("channel", 3, (0.0, 10.0)),
    ("scalar", 3, (-1.0, 3.0)),
])
def test_bptt_matches_central_differences(prelu, C, bounds):
    F, M, H, K, T, B = 3, 4, 5, 4, 6, 5
    rng = np.random.RandomState(1)
    p = init_stigmergic_params(F, M, H, K, C, prelu, rng)
    # larger weights, active deposits/removals, and non-trivial slopes so
    # that every path (direct, deposit, removal) carries gradient
    for k in p:
        if k.startswith("W"):
            p[k] *= 2.0
    p["b2"] += 0.6
    for k in ("s1", "sk", "so"):
        if k in p:
            p[k][...] = rng.uniform(0.05, 0.5, size=p[k].shape)
    X = rng.normal(size=(B, T, F))
    lengths = np.array([6, 2, 1, 4, 6])
    for b, L in enumerate(lengths):
        X[b, L:] = 0.0
    y = rng.randint(0, C, B)
    lo, hi = bounds
    loss, g = stigmergic_loss_grad(p, X, lengths, y, lo, hi)
    assert set(g) == set(p)
    eps = 1e-6
    worst = 0.0
    for k, v in p.items():
        assert g[k].shape == v.shape
        num = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            old = v[idx]
            v[idx] = old + eps
            lp = stigmergic_loss_grad(p, X, lengths, y, lo, hi)[0]
            v[idx] = old - eps
            lm = stigmergic_loss_grad(p, X, lengths, y, lo, hi)[0]
            v[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        assert np.abs(num).max() > 0, k
        rel = np.abs(num - g[k]).max() / np.abs(num).max()
        worst = max(worst, rel)
        assert rel < 1e-6, (k, rel)
    assert worst < 1e-6


def test_padded_steps_do_not_change_loss_or_gradient():
    rng = np.random.RandomState(0)
    p = init_stigmergic_params(3, 4, 5, 4, 3, "channel", rng)
    X = rng.normal(size=(2, 5, 3))
    lengths = np.array([5, 3])
    y = np.array([0, 2])
    X[1, 3:] = 0.0
    loss, g = stigmergic_loss_grad(p, X, lengths, y)
    X[1, 3:] = 7.0  # garbage after the end of sequence 1
    loss2, g2 = stigmergic_loss_grad(p, X, lengths, y)
    assert loss == pytest.approx(loss2, rel=1e-12)
    for k in g:
        np.testing.assert_allclose(g[k], g2[k], rtol=1e-10, atol=1e-14)


# ------------------------------------------------------ parameter counts
@pytest.mark.parametrize("config, F, expected", [
    (dict(), 28, 3190),
    (dict(prelu="channel"), 28, 3200),
    (dict(prelu="scalar"), 28, 3144),
    (dict(n_marks=30, classifier_hidden=20), 4, 5420),
    (dict(n_marks=30, classifier_hidden=20, prelu="channel"), 4, 5420),
    (dict(n_marks=30, classifier_hidden=20, prelu="scalar"), 4, 5354),
])
def test_n_params_match_the_paper_and_the_code(config, F, expected):
    X = np.zeros((10, 2, F))
    clf = StigmergicClassifier(**config, max_epochs=1).fit(X, np.arange(10))
    assert clf.n_params_ == expected


def test_default_is_the_spatial_paper_model():
    clf = StigmergicClassifier(step_features=28, max_epochs=1, random_state=0)
    clf.fit(np.zeros((10, 784)), np.arange(10))
    assert clf.n_params_ == 3190
    assert clf.n_features_in_ == 784 and clf.n_step_features_ == 28
    w = clf.get_weights()
    assert w["W_d1"].shape == (20, 28 + 15) and w["W_k2"].shape == (10, 10)
    assert w["a_d"].shape == (20,) and w["a_o"].shape == (10,)
    # the classifier's hidden PReLU is dropped: no slopes, a linear layer
    assert "sk" not in clf.coefs_
    np.testing.assert_array_equal(w["a_k"], np.ones(10))


def test_paper_mode_hidden_classifier_layer_is_linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4, 3))
    y = np.arange(30) % 3
    clf = StigmergicClassifier(n_marks=4, stigmergic_hidden=5,
                               classifier_hidden=3, max_epochs=3,
                               learning_rate=0.05, random_state=0).fit(X, y)
    w = clf.get_weights()
    assert clf.n_params_ == StigmergicClassifier(
        n_marks=4, stigmergic_hidden=5, classifier_hidden=3,
        prelu="channel", max_epochs=1).fit(X, y).n_params_ - 3
    # a hidden pre-activation below zero must pass unscaled
    m = clf.marks(X)[:, -1]
    h = m @ w["W_k1"].T + w["b_k1"]
    assert (h < 0).any()
    z = _prelu(h @ w["W_k2"].T + w["b_k2"], w["a_o"])
    np.testing.assert_allclose(clf.predict_log_proba(X),
                               z - np.log(np.exp(z).sum(1, keepdims=True)),
                               rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def fitted():
    X, y = make_sequences()
    clf = StigmergicClassifier(**SMALL, max_epochs=25, learning_rate=0.01,
                               random_state=0).fit(X, y)
    return clf, X, y


def test_learns_a_memory_task(fitted):
    clf, X, y = fitted
    assert clf.score(X, y) > 0.8
    assert len(clf.loss_curve_) == clf.n_iter_ == 25
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.t_ == 25 * int(np.ceil(len(X) / 20))


@pytest.mark.parametrize("prelu", ["paper", "scalar"])
def test_decision_function_matches_numpy_reference(fitted, prelu):
    clf, X, y = fitted
    if prelu != clf.prelu:
        clf = StigmergicClassifier(**SMALL, prelu=prelu, max_epochs=2,
                                   clamp_min=-2.0, clamp_max=4.0,
                                   random_state=3).fit(X, y)
    ref = reference_logits(clf.get_weights(), X, [len(x) for x in X],
                           clf.clamp_min, clf.clamp_max)
    # two classes: the decision function is logit[1] - logit[0]
    np.testing.assert_allclose(clf.decision_function(X), ref[:, 1] - ref[:, 0],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X),
                               ref - np.log(np.exp(ref).sum(1, keepdims=True)),
                               rtol=1e-10, atol=1e-12)


def test_three_input_forms_agree():
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(40, 5, 3))
    y = (X3[:, :, 1].mean(1) > 0).astype(int)
    a = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0).fit(X3, y)
    b = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0).fit(
        list(X3), y)
    c = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0,
                             step_features=3).fit(X3.reshape(40, 15), y)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, c.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(a.predict_proba(X3), c.predict_proba(
        X3.reshape(40, 15)), rtol=1e-12)
    np.testing.assert_allclose(a.predict_proba(X3), b.predict_proba(list(X3)),
                               rtol=1e-12)


def test_variable_lengths_use_each_last_step(fitted):
    clf, X, y = fitted
    together = clf.predict_proba(X[:10])
    alone = np.vstack([clf.predict_proba([x]) for x in X[:10]])
    np.testing.assert_allclose(together, alone, rtol=1e-10)


def test_marks_trajectory(fitted):
    clf, X, y = fitted
    traj = clf.marks(X[:5])
    assert isinstance(traj, list)
    for x, m in zip(X[:5], traj):
        assert m.shape == (len(x), clf.n_marks)
        assert np.all((m > clf.clamp_min) & (m < clf.clamp_max))
    # the classifier reads the last mark
    w = clf.get_weights()
    h = _prelu(w["W_k1"] @ traj[0][-1] + w["b_k1"], w["a_k"])
    z = _prelu(w["W_k2"] @ h + w["b_k2"], w["a_o"])
    np.testing.assert_allclose(z[1] - z[0], clf.decision_function(X[:1])[0],
                               rtol=1e-10)
    X3 = np.zeros((2, 4, 3))
    assert clf.marks(X3).shape == (2, 4, clf.n_marks)


def test_random_state_reproducible_and_seeds_differ():
    X, y = make_sequences(60)
    a = StigmergicClassifier(**SMALL, max_epochs=2, random_state=5).fit(X, y)
    b = StigmergicClassifier(**SMALL, max_epochs=2, random_state=5).fit(X, y)
    c = StigmergicClassifier(**SMALL, max_epochs=2, random_state=6).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    assert a.loss_curve_ != c.loss_curve_


def test_float32_stays_float32_and_matches_float64():
    X, y = make_sequences(60)
    X32 = [x.astype(np.float32) for x in X]
    a = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0).fit(X32, y)
    b = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0).fit(X, y)
    assert a.coefs_["W1x"].dtype == np.float32
    assert a.predict_proba(X32).dtype == np.float32
    assert b.coefs_["W1x"].dtype == np.float64
    np.testing.assert_allclose(a.predict_proba(X32), b.predict_proba(X),
                               rtol=1e-3, atol=1e-4)


def test_partial_fit_and_errors_leave_model_usable():
    X, y = make_sequences(60)
    clf = StigmergicClassifier(**SMALL, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.partial_fit(X[:3], [1, 1, 1])
    clf.partial_fit(X[:30], y[:30], classes=[0, 1])
    clf.partial_fit(X[30:], y[30:])
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    before = clf.predict_proba(X).copy()
    with pytest.raises(ValueError, match="unseen labels"):
        clf.partial_fit(X[:5], [0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.partial_fit([np.zeros((3, 4))], [0])
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.predict([np.zeros((3, 4))])
    with pytest.raises(ValueError, match=r"`classes=\[0, 1, 2\]` is not the same as on "
                       r"last call to partial_fit, was: \[0, 1\]"):
        clf.partial_fit(X[:5], y[:5], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="NaN"):
        clf.partial_fit([np.full((3, 3), np.nan)], [0])
    with pytest.raises(ValueError, match="infinity|inf"):
        clf.predict([np.full((3, 3), np.inf)])
    with pytest.raises(ValueError, match="empty"):
        clf.predict([np.zeros((0, 3))])
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 3


def test_fit_errors():
    X, y = make_sequences(20)
    with pytest.raises(ValueError, match=r"Found 0 sample\(s\) \(an empty "
                       "list of sequences\\) while a minimum of 1 is "
                       "required by StigmergicClassifier"):
        StigmergicClassifier().fit([], [])
    with pytest.raises(ValueError, match="at least 2 classes"):
        StigmergicClassifier(**SMALL).fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="at least 2 classes"):
        StigmergicClassifier(**SMALL).fit(X, ["a"] * 20)
    with pytest.raises(ValueError, match="Unknown label type"):
        StigmergicClassifier(**SMALL).fit(X, np.linspace(0, 1, 20))
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[20, 19\]"):
        StigmergicClassifier(**SMALL).fit(X, y[:-1])
    with pytest.raises(ValueError, match="clamp_max"):
        StigmergicClassifier(**SMALL, clamp_min=2.0, clamp_max=1.0).fit(X, y)
    with pytest.raises(ValueError, match="prelu"):
        StigmergicClassifier(prelu="shared").fit(X, y)


def test_early_stopping_keeps_best_validation_weights():
    X, y = make_sequences(100)
    clf = StigmergicClassifier(**SMALL, max_epochs=40, early_stopping=True,
                               n_iter_no_change=3, learning_rate=0.02,
                               random_state=0).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ <= 40
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_verbose_prints_the_loss(capsys):
    X, y = make_sequences(30)
    StigmergicClassifier(**SMALL, max_epochs=2, verbose=True).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 1, loss = " in out and "Epoch 2, loss = " in out


def test_warm_start_continues():
    X, y = make_sequences(40)
    clf = StigmergicClassifier(**SMALL, max_epochs=2, warm_start=True,
                               random_state=0).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4


def test_pickle_roundtrip_then_partial_fit():
    X, y = make_sequences(40)
    clf = StigmergicClassifier(**SMALL, max_epochs=2, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    clone.partial_fit(X, y)
    clf.partial_fit(X, y)
    np.testing.assert_allclose(clone.predict_proba(X), clf.predict_proba(X),
                               rtol=1e-12)
    # the named parameters are views of the trained vector again
    assert np.shares_memory(clone.coefs_["W1x"], clone.params_[0])


def test_docstring_examples_run():
    import doctest

    import rnnkit.recurrent.stigmergic as module
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0
