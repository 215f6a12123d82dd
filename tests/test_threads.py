"""Thread policy of the compute loops (rnnkit._threads)."""
import threading

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from rnnkit import _threads
from rnnkit._threads import (available_threads, chunk_bounds, compute_threads,
                             limit_threads, run_chunks)
from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor
from rnnkit.recurrent.stigmergic import StigmergicClassifier

MULTI = numba.config.NUMBA_NUM_THREADS >= 2 and _threads._cpu_count() >= 2
needs_two = pytest.mark.skipif(not MULTI, reason="needs two CPUs")


def _blas_threads():
    return sorted({d["num_threads"] for d in threadpool_info()
                   if d["user_api"] == "blas"})


def _recording(cls):
    """``cls`` that records the thread settings seen by its hooks."""

    class Recorder(cls):
        def _forward_backward(self, params, X, lengths, Y, scratch):
            seen.append(("train", _blas_threads(), numba.get_num_threads()))
            return super()._forward_backward(params, X, lengths, Y, scratch)

        def _forward(self, params, X, lengths):
            seen.append(("predict", _blas_threads(), numba.get_num_threads()))
            return super()._forward(params, X, lengths)

    seen = []
    Recorder.__name__ = cls.__name__
    return Recorder, seen


@needs_two
@pytest.mark.parametrize("cls, kw", [
    (RecurrentClassifier, {"cell": "lstm"}),
    (RecurrentRegressor, {"cell": "gru"}),
    (StigmergicClassifier, {"n_marks": 3, "stigmergic_hidden": 4,
                            "classifier_hidden": 3}),
], ids=["classifier", "regressor", "stigmergic"])
def test_training_and_prediction_run_blas_and_numba_single_threaded(cls, kw):
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4, 2)
    y = rng.randint(0, 2, 30)
    Recorder, seen = _recording(cls)
    with threadpool_limits(2, user_api="blas"):
        numba.set_num_threads(2)
        before = (_blas_threads(), numba.get_num_threads())
        est = Recorder(max_epochs=2, batch_size=10, random_state=0, **kw)
        est.fit(X, y)
        est.predict(X)
        after = (_blas_threads(), numba.get_num_threads())
    assert before == after == ([2], 2)  # restored
    assert {s[0] for s in seen} == {"train", "predict"}
    assert all(s[1:] == ([1], 1) for s in seen), seen


@needs_two
def test_outer_limit_is_respected():
    with threadpool_limits(1, user_api="blas"):
        assert available_threads() == 1
        with compute_threads() as n:
            assert n == 1
            idents = run_chunks(lambda c: threading.get_ident(), 2)
    assert idents == [threading.get_ident()] * 2
    free = available_threads()
    with compute_threads() as n:
        assert n == free >= 2
        idents = run_chunks(lambda c: threading.get_ident(), 2)
        assert len(set(idents)) == 2
        with compute_threads() as inner:  # nested: the outer pool stays
            assert inner == n


def test_run_chunks_order_and_errors():
    with compute_threads():
        assert run_chunks(lambda c: c * c, 5) == [0, 1, 4, 9, 16]
        done = []

        def chunk(c):
            done.append(c)
            if c == 1:
                raise RuntimeError("chunk 1 failed")
            return c

        with pytest.raises(RuntimeError, match="chunk 1 failed"):
            run_chunks(chunk, 3)
        assert sorted(done) == [0, 1, 2]  # every chunk finished
    assert run_chunks(lambda c: -c, 3) == [0, -1, -2]  # no loop: in order


def test_limit_threads_restores():
    with threadpool_limits(2, user_api="blas"):
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        before = (_blas_threads(), numba.get_num_threads())
        with pytest.raises(KeyError):
            with limit_threads(1, 1):
                assert _blas_threads() == [1]
                assert numba.get_num_threads() == 1
                raise KeyError
        assert (_blas_threads(), numba.get_num_threads()) == before
        with limit_threads(None, None):
            assert (_blas_threads(), numba.get_num_threads()) == before


def test_chunk_bounds(monkeypatch):
    monkeypatch.setattr(_threads, "_max_chunks", lambda: 4)
    # too little work: one chunk
    assert chunk_bounds(np.ones(10), 1e6, min_work=1e6) == [(0, 10)]
    # equal weights: equal halves, at most one chunk per CPU
    assert chunk_bounds(np.ones(10), 2e6, min_work=1e6) == [(0, 5), (5, 10)]
    assert len(chunk_bounds(np.ones(10), 1e9, min_work=1e6)) == 4
    # weights sorted by decreasing length: about equal work per chunk
    w = np.array([9, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    b = chunk_bounds(w, 2e6, min_work=1e6)
    assert b == [(0, 1), (1, 18)]
    assert chunk_bounds(np.ones(3), 1e9, min_work=1, min_items=2) == [(0, 3)]
    # consecutive, covering, non-empty
    for n in (2, 7, 33):
        b = chunk_bounds(np.arange(n, 0, -1), 1e9, min_work=1)
        assert b[0][0] == 0 and b[-1][1] == n
        assert all(a < c for a, c in b)
        assert all(b[k][1] == b[k + 1][0] for k in range(len(b) - 1))


def _run_chooser(chooser, calls, fast_mode):
    modes = []
    for _ in range(calls):
        mode = chooser.choose()
        modes.append(mode)
        chooser.record(mode, 0.5 if mode == fast_mode else 1.0)
    return modes


@pytest.mark.parametrize("parallel_faster", [True, False])
def test_mode_chooser_takes_the_faster_mode_and_rechecks(parallel_faster):
    chooser = _threads._ModeChooser()
    period, explore = chooser.PERIOD, 2 * chooser.EXPLORE
    modes = _run_chooser(chooser, 3 * period, parallel_faster)
    for start in range(0, 3 * period, period):
        # each period: alternate, then keep the faster mode
        assert modes[start:start + explore] == [True, False] * chooser.EXPLORE
        assert set(modes[start + explore:start + period]) == {parallel_faster}
    # a change of load is noticed at the next period
    modes = _run_chooser(chooser, 2 * period, not parallel_faster)
    assert set(modes[period + explore:]) == {not parallel_faster}


def test_mode_chooser_is_not_locked_by_a_burst_of_load():
    # in order is faster, but a burst of load slows the in-order calls
    # that follow the first exploration: the next period still returns to
    # in order (each period compares fresh timings of both modes)
    chooser = _threads._ModeChooser()
    period, explore = chooser.PERIOD, 2 * chooser.EXPLORE
    modes = []
    for call in range(2 * period):
        mode = chooser.choose()
        modes.append(mode)
        burst = explore <= call < explore + 10
        chooser.record(mode, (0.6 if not mode else 1.0) * (5 if burst else 1))
    assert set(modes[period + explore:]) == {False}
