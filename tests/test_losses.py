"""Losses and their gradients against central finite differences."""
import numpy as np
import pytest

from rnnkit.losses import softmax_cross_entropy, squared_error


def _numeric_grad(f, A, eps=1e-6):
    """Central differences of ``f`` along every element of ``A``."""
    steps = np.eye(A.size).reshape(A.size, *A.shape) * eps
    return np.reshape([(f(A + h) - f(A - h)) / (2 * eps) for h in steps], A.shape)


@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy_gradient(weighted):
    rng = np.random.RandomState(0)
    logits = rng.randn(6, 4) * 3
    y = rng.randint(0, 4, 6)
    w = rng.uniform(0.5, 2.0, 6) if weighted else None
    loss, d = softmax_cross_entropy(logits.copy(), y, w)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    nll = -np.log(p[np.arange(6), y])
    assert loss == pytest.approx(np.average(nll, weights=w), rel=1e-12)
    num = _numeric_grad(lambda Z: softmax_cross_entropy(Z, y, w)[0], logits)
    np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-9)


def test_integer_weights_repeat_samples():
    rng = np.random.RandomState(1)
    logits = rng.randn(4, 3)
    y = np.array([0, 2, 1, 2])
    w = np.array([1, 3, 2, 1])
    loss, d = softmax_cross_entropy(logits, y, w)
    rep = np.repeat(np.arange(4), w)
    loss_r, d_r = softmax_cross_entropy(logits[rep], y[rep])
    assert loss == pytest.approx(loss_r, rel=1e-12)
    np.testing.assert_allclose(d, np.add.reduceat(d_r, np.r_[0, np.cumsum(w)[:-1]]),
                               rtol=1e-12)


def test_softmax_cross_entropy_keeps_float32_and_large_logits():
    logits = np.array([[1000.0, 0.0], [0.0, -1000.0]], dtype=np.float32)
    loss, d = softmax_cross_entropy(logits, np.array([0, 1]))
    assert d.dtype == np.float32 and np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx(500.0)


def test_squared_error_gradient_and_padded_steps():
    rng = np.random.RandomState(2)
    lengths = np.array([3, 1, 2])
    out, Y = rng.randn(3, 3, 2), rng.randn(3, 3, 2)
    loss, d = squared_error(out.copy(), Y, lengths)
    valid = np.arange(3)[None, :] < lengths[:, None]
    diff = (out - Y)[valid]
    assert loss == pytest.approx(0.5 * np.mean(diff ** 2), rel=1e-12)
    assert np.all(d[~valid] == 0)
    num = _numeric_grad(lambda O: squared_error(O, Y, lengths)[0], out)
    np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-9)
    loss2, d2 = squared_error(out[:, 0].copy(), Y[:, 0])
    assert loss2 == pytest.approx(0.5 * np.mean((out[:, 0] - Y[:, 0]) ** 2), rel=1e-12)
    np.testing.assert_allclose(d2, (out[:, 0] - Y[:, 0]) / 6)
