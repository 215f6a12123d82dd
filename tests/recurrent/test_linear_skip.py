"""The linear input-to-output path: gradients against finite differences,
and what it adds to the network's output."""
import numpy as np
import pytest

from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor

LENGTHS = np.array([5, 5, 3, 1])


def _fitted(per_step, cls=RecurrentRegressor, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(L, 3) for L in LENGTHS]
    if cls is RecurrentClassifier:
        y = np.array([0, 1, 2, 1])
    else:
        y = [rng.randn(L, 2) for L in LENGTHS] if per_step else rng.randn(4, 2)
    est = cls(cell="gru", hidden_sizes=3, linear_skip=True, max_epochs=1,
              random_state=0).fit(X, y)
    for p in est.params_:  # away from the zero start of W_skip
        p += 0.3 * rng.randn(*p.shape)
    Xp = np.zeros((4, 5, 3))
    for i, x in enumerate(X):
        Xp[i, :len(x)] = x
    if cls is RecurrentClassifier:
        Y = y
    elif per_step:
        Y = np.zeros((4, 5, 2))
        for i, t in enumerate(y):
            Y[i, :len(t)] = t
    else:
        Y = y
    return est, Xp, Y


@pytest.mark.parametrize("cls, per_step", [
    (RecurrentRegressor, True), (RecurrentRegressor, False),
    (RecurrentClassifier, False)], ids=["every-step", "last-step", "logits"])
def test_gradient_check_with_linear_skip(cls, per_step):
    est, X, Y = _fitted(per_step, cls)
    params = est.params_

    def loss(ps):
        return est._loss_and_grad(est._forward(ps, X, LENGTHS), Y, LENGTHS)[0]

    from rnnkit._scratch import Scratch
    _, analytic = est._forward_backward(params, X, LENGTHS, Y, Scratch())
    assert len(analytic) == len(params) and analytic[-1].shape == (3, 2 if (
        cls is RecurrentRegressor) else 3)
    eps, worst = 1e-6, 0.0
    for p, g in zip(params, analytic):
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            lp = loss(params)
            p[idx] = old - eps
            lm = loss(params)
            p[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        scale = max(np.abs(num).max(), np.abs(g).max(), 1e-8)
        worst = max(worst, np.abs(num - g).max() / scale)
    assert worst < 1e-6


def test_linear_skip_adds_a_linear_map_of_the_current_input():
    est, X, _ = _fitted(per_step=True)
    W = est.params_[-1]
    with_skip = est._forward(est.params_, X, LENGTHS)
    est._skip = False
    without = est._forward(est.params_[:-1], X, LENGTHS)
    np.testing.assert_allclose(with_skip - without, X @ W, atol=1e-12)
    # zero at the start: a fresh model's output is the network's alone
    fresh = RecurrentRegressor(hidden_sizes=3, linear_skip=True, max_epochs=1)
    fresh.partial_fit(X, np.zeros((4, 2)))
    assert len(fresh.params_) == 7 and fresh.params_[-1].shape == (3, 2)
