"""The fast paths of the recurrent core: small-matrix products, batches
split into chunks that run on several threads (wide layers: test_cells)."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from rnnkit import _threads
from rnnkit._threads import compute_threads
from rnnkit.kernels.cells import _matmul, _matmul_nt
from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor
from rnnkit.recurrent._network import (init_network, network_backward,
                                       network_forward)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, K, G", [(1, 48, 4), (2, 50, 9), (7, 64, 256),
                                     (23, 129, 13), (24, 64, 64), (5, 8, 3)])
def test_matmul_matches_numpy(n, K, G, dtype):
    rng = np.random.RandomState(n + K + G)
    X = rng.randn(n + 3, K).astype(dtype)  # rows past n stay untouched
    W = rng.randn(K, G).astype(dtype)
    out = np.full((n + 3, G), np.nan, dtype=dtype)
    _matmul(X, W, np.ascontiguousarray(W.T), out, n)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out[:n], X[:n] @ W, rtol=tol, atol=tol * K)
    assert np.isnan(out[n:]).all()
    out2 = np.empty((n, G), dtype=dtype)
    _matmul_nt(X, np.ascontiguousarray(W.T), out2, n)
    np.testing.assert_allclose(out2, X[:n] @ W, rtol=tol, atol=tol * K)


def _force_chunks(monkeypatch, n):
    monkeypatch.setattr(_threads, "_max_chunks", lambda: n)
    monkeypatch.setattr(_threads, "MIN_CHUNK_WORK", 1.0)


@pytest.mark.parametrize("per_step", [False, True], ids=["last", "every"])
@pytest.mark.parametrize("cell", ["lstm", "mgu", "delta"])
def test_chunked_batch_matches_whole_batch(cell, per_step, monkeypatch):
    rng = np.random.RandomState(0)
    lengths = np.array([7, 6, 6, 5, 3, 3, 2, 1])
    X = rng.randn(len(lengths), 7, 3)
    params = init_network(cell, 3, (5, 4), 2, rng, np.float64)
    dout_shape = (len(lengths), 7, 2) if per_step else (len(lengths), 2)
    dout = rng.randn(*dout_shape)
    if per_step:
        dout[np.arange(7)[None, :] >= lengths[:, None]] = 0
    ref_out, ref_cache = network_forward(cell, params, X, lengths, per_step)
    ref = network_backward(cell, params, dout, ref_cache)
    _force_chunks(monkeypatch, 3)
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"), compute_threads():
            out, cache = network_forward(cell, params, X, lengths, per_step)
            assert len(cache[0]) == 3  # three chunks
            grads = network_backward(cell, params, dout, cache)
        if per_step:  # outputs at padded steps are not defined
            mask = np.arange(7)[None, :] < lengths[:, None]
            np.testing.assert_allclose(out[mask], ref_out[mask], rtol=1e-12)
        else:
            np.testing.assert_allclose(out, ref_out, rtol=1e-12)
        for g, r in zip(grads, ref):
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", [RecurrentClassifier, RecurrentRegressor])
def test_fit_does_not_depend_on_thread_budget(cls, monkeypatch):
    # a batch split into chunks gives the same model on one or two threads
    _force_chunks(monkeypatch, 2)
    rng = np.random.RandomState(0)
    X = [rng.randn(L, 3).astype(np.float32) for L in rng.randint(2, 9, 40)]
    y = rng.randint(0, 3, 40)
    fits = []
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            est = cls(hidden_sizes=(6, 5), batch_size=16, max_epochs=2,
                      tol=None, random_state=0).fit(X, y)
            fits.append((est.params_, est.predict(X)))
    for a, b in zip(fits[0][0], fits[1][0]):
        assert np.array_equal(a, b)
    assert np.array_equal(fits[0][1], fits[1][1])
