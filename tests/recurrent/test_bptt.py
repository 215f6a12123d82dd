"""Truncated backpropagation through time: RecurrentRegressor(bptt_steps)."""
import numpy as np
import pytest

from rnnkit._sequences import cut_sequences
from rnnkit.recurrent import RecurrentRegressor


def test_cut_sequences_windows():
    rng = np.random.RandomState(0)
    lengths = np.array([7, 3, 1, 6])
    X = np.zeros((4, 7, 2))
    Y = np.zeros((4, 7, 1))
    for i, L in enumerate(lengths):
        X[i, :L] = rng.randn(L, 2)
        Y[i, :L] = rng.randn(L, 1)
    Xw, Lw, Yw = cut_sequences(X, lengths, Y, 3)
    assert Lw.tolist() == [3, 3, 1, 3, 1, 3, 3]
    assert Xw.shape == (7, 3, 2) and Yw.shape == (7, 3, 1)
    k = 0
    for i, L in enumerate(lengths):
        for s in range(0, L, 3):
            n = min(3, L - s)
            np.testing.assert_array_equal(Xw[k, :n], X[i, s:s + n])
            np.testing.assert_array_equal(Yw[k, :n], Y[i, s:s + n])
            assert not Xw[k, n:].any() and not Yw[k, n:].any()
            k += 1


@pytest.mark.parametrize("shuffle", [True, False])
def test_bptt_equals_training_on_the_windows(shuffle):
    rng = np.random.RandomState(1)
    X = [rng.randn(L, 2) for L in (23, 9, 15, 4)]
    y = [np.cumsum(x[:, 0]) for x in X]
    windows = [(x[s:s + 5], t[s:s + 5]) for x, t in zip(X, y)
               for s in range(0, len(x), 5)]
    kw = dict(cell="lstm", hidden_sizes=3, max_epochs=3, batch_size=4,
              shuffle=shuffle, random_state=0)
    cut = RecurrentRegressor(bptt_steps=5, **kw).fit(X, y)
    whole = RecurrentRegressor(bptt_steps=None, **kw).fit(
        [w[0] for w in windows], [w[1] for w in windows])
    np.testing.assert_allclose(cut.loss_curve_, whole.loss_curve_,
                               rtol=1e-10)
    for a, b in zip(cut.params_, whole.params_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    # predictions run over whole sequences
    pred = cut.predict(X)
    assert [len(p) for p in pred] == [len(x) for x in X]


def test_bptt_gives_more_updates_per_epoch():
    rng = np.random.RandomState(2)
    X = [rng.randn(300, 2) for _ in range(2)]
    y = [x[:, 0] for x in X]
    kw = dict(hidden_sizes=2, max_epochs=1, random_state=0)
    assert RecurrentRegressor(**kw).fit(X, y).t_ == 1  # 6 windows, batch 20
    assert RecurrentRegressor(bptt_steps=None, **kw).fit(X, y).t_ == 1
    assert RecurrentRegressor(bptt_steps=10, **kw).fit(X, y).t_ == 3
