"""Subnormal numbers flushed to zero inside the recurrent kernels, and only there."""
import numpy as np
import pytest
from numba import njit

from rnnkit.kernels.cells import cell_shapes, layer_backward, layer_forward
from rnnkit.kernels.fpenv import X86, flush_subnormals, mxcsr

pytestmark = pytest.mark.skipif(not X86, reason="the SSE control register is x86's")

TINY = np.finfo(np.float32).tiny  # smallest normal float32


@njit
def _product(a, b):
    return np.float32(a * b)


def _subnormal(x):
    x = np.abs(np.asarray(x, dtype=np.float32))
    return int(np.count_nonzero((x > 0) & (x < np.finfo(x.dtype).tiny)))


def test_flush_inside_and_restored_after():
    a, b = np.float32(1e-20), np.float32(1e-20)
    before = mxcsr()
    assert _subnormal(_product(a, b)) == 1  # 1e-40 is subnormal in float32
    with flush_subnormals():
        assert _product(a, b) == 0.0
        assert _product(np.float32(1e-40), np.float32(1.0)) == 0.0  # subnormal input read as 0
    assert mxcsr() == before
    assert _subnormal(_product(a, b)) == 1


def test_restored_when_the_block_raises():
    before = mxcsr()
    with pytest.raises(RuntimeError):
        with flush_subnormals():
            raise RuntimeError
    assert mxcsr() == before


def test_long_lstm_backward_has_no_subnormal_gradients():
    # 512 steps with the loss at the last one only: the gradient decays
    # geometrically back through time and passes the subnormal range
    rng = np.random.default_rng(0)
    T, n, F, H = 512, 8, 28, 20
    X = rng.standard_normal((T, n, F)).astype(np.float32)
    W, b, U, E = (rng.uniform(-0.2, 0.2, s).astype(np.float32)
                  for s in cell_shapes("lstm", F, H))
    lengths = np.full(n, T, dtype=np.int64)
    before = mxcsr()
    Hs, cache = layer_forward("lstm", X, W, b, U, E, lengths)
    dH = np.zeros((T, n, H), dtype=np.float32)
    dH[-1] = 1.0
    dX, (dW, db, dU, dE) = layer_backward("lstm", dH, W, b, U, E, lengths, Hs, cache)
    assert mxcsr() == before
    assert np.count_nonzero(dX[0]) < dX[0].size  # the decay did reach zero
    assert np.count_nonzero(np.abs(dX[-1]) > TINY) > 0
    for g in (dX, dW, db, dU):
        assert _subnormal(g) == 0
