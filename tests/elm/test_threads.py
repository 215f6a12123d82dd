"""Thread settings of the RNN-ELM passes: one thread for small blocks, measured otherwise."""
import time

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from rnnkit import RNNELMClassifier
from rnnkit.elm import _threads
from rnnkit.elm import readout as readout_module
from rnnkit.elm._threads import (KEPT_BLOCKS, MEASURED_PASS, PROBED_SECONDS, SHARED_BLOCK,
                                 SMALL_BLOCK, block_flops, factorization_seconds,
                                 factorization_threads, single_thread, threaded_map)


def _blas_threads():
    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


@pytest.fixture(autouse=True)
def no_kept_decisions(monkeypatch):
    """Each test starts with no thread setting kept from earlier passes."""
    monkeypatch.setattr(_threads, "_CHOOSERS", {})


@pytest.fixture
def two_threads():
    """Skip on one-core machines, where there is no setting to choose."""
    if numba.get_num_threads() < 2 or _blas_threads() < 2:
        pytest.skip("needs a default of at least 2 threads")


def test_single_thread_limits_blas_and_numba_and_restores_them(two_threads):
    before = (numba.get_num_threads(), _blas_threads())
    with pytest.raises(RuntimeError):
        with single_thread():
            assert numba.get_num_threads() == 1 and _blas_threads() == 1
            raise RuntimeError
    assert (numba.get_num_threads(), _blas_threads()) == before


def test_small_blocks_run_on_one_thread(two_threads):
    for n_blocks in (3, 12):
        seen = list(threaded_map(lambda _: numba.get_num_threads(), range(n_blocks),
                                 SMALL_BLOCK / 2, n_blocks))
        assert seen == [1] * n_blocks
    assert numba.get_num_threads() > 1


def test_short_passes_of_smaller_blocks_run_on_one_thread(two_threads):
    n = MEASURED_PASS - 1
    for flops, threads in ((SHARED_BLOCK / 2, 1), (SHARED_BLOCK * 2, numba.get_num_threads())):
        seen = list(threaded_map(lambda _: numba.get_num_threads(), range(n), flops, n))
        # larger blocks: the first block (untimed) on the default threads
        assert seen[0] == threads
        if flops < SHARED_BLOCK:
            assert seen == [1] * n


def _sleeper(faster_single, log=None):
    """Work that takes longer on the slower setting; returns whether it ran on one thread."""
    def work(_):
        single = numba.get_num_threads() == 1
        time.sleep(0.002 if single == faster_single else 0.03)
        if log is not None:
            log.append(single)
        return single
    return work


@pytest.mark.parametrize("faster_single", [True, False])
def test_larger_blocks_keep_the_faster_setting(two_threads, faster_single):
    seen = list(threaded_map(_sleeper(faster_single), range(12), SMALL_BLOCK * 2, 12))
    # a first block (one thread below SHARED_BLOCK), one more timed, two of
    # the default threads (the second timed), then the faster
    assert seen[:4] == [True, True, False, False]
    assert seen[4:] == [faster_single] * 8
    assert numba.get_num_threads() > 1


@pytest.mark.parametrize("faster_single", [True, False])
def test_the_decision_is_kept_across_passes(two_threads, faster_single):
    flops = SHARED_BLOCK * 2
    first = list(threaded_map(_sleeper(faster_single), range(4), flops, 4))
    assert first == [False, False, True, True]  # blocks 1 and 3 timed
    # a short pass of blocks of the same size (two significant digits) takes
    # it, first block included
    third = list(threaded_map(_sleeper(faster_single), range(3), flops * 1.01, 3))
    assert third == [faster_single] * 3
    # blocks of another size measure for themselves
    other = list(threaded_map(_sleeper(faster_single), range(3), flops * 1.2, 3))
    assert other == [False, False, True]


def test_a_kept_decision_is_measured_again(two_threads, monkeypatch):
    flops = SHARED_BLOCK * 2
    n = KEPT_BLOCKS + 10
    seen = list(threaded_map(_sleeper(True), range(n), flops, n))
    assert seen[4:4 + KEPT_BLOCKS] == [True] * KEPT_BLOCKS
    # measured again, starting from the kept setting
    assert seen[4 + KEPT_BLOCKS:4 + KEPT_BLOCKS + 4] == [True, False, False, True]
    # and after KEPT_SECONDS, whatever the blocks since
    list(threaded_map(_sleeper(True), range(2), flops, 2))
    clock = time.perf_counter()
    monkeypatch.setattr(_threads.time, "perf_counter",
                        lambda: clock + _threads.KEPT_SECONDS + 1)
    assert list(threaded_map(lambda _: numba.get_num_threads() == 1, range(3), flops, 3)) \
        == [False, False, True]


def test_a_short_last_block_is_not_timed(two_threads):
    flops = SHARED_BLOCK * 2
    seen = list(threaded_map(_sleeper(True), range(4), flops, 4, last_block_full=False))
    # block 3 would have closed the comparison: untimed, on the default threads
    assert seen == [False, False, True, False]
    assert _threads._CHOOSERS[_threads._size_class(flops)].kept() is None


def test_nothing_is_measured_under_an_outer_limit(two_threads):
    with threadpool_limits(1):
        list(threaded_map(_sleeper(True), range(10), SHARED_BLOCK * 2, 10))
    assert _threads._CHOOSERS == {}


def test_a_slow_first_block_does_not_decide(two_threads):
    calls = []

    def work(_):
        single = numba.get_num_threads() == 1
        # first-use costs make block 0 slow; otherwise the default is faster
        time.sleep(0.05 if not calls else 0.03 if single else 0.002)
        calls.append(single)
        return single

    seen = list(threaded_map(work, range(12), SMALL_BLOCK * 2, 12))
    assert seen[4:] == [False] * 8


def test_a_pass_left_early_restores_the_threads(two_threads):
    before = numba.get_num_threads()
    for i in threaded_map(lambda i: i, range(10), SMALL_BLOCK / 2, 10):
        if i == 2:
            break
    assert numba.get_num_threads() == before and _blas_threads() > 1

    def fail_at_2(i):
        if i == 2:
            raise ValueError("bad block")
        return i

    # the pass is left by an error and its generator stays referenced (as by a
    # traceback kept in a notebook): the thread pools are as they were
    blocks = threaded_map(fail_at_2, range(10), SMALL_BLOCK / 2, 10)
    with pytest.raises(ValueError, match="bad block"):
        for _ in blocks:
            pass
    assert numba.get_num_threads() == before and _blas_threads() > 1


def test_a_failed_fit_restores_the_threads(two_threads, tmp_path):
    X = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=(4000, 20))
    X[:] = np.random.default_rng(0).random(X.shape)
    X[-1, 0] = np.nan  # found when the pass reads the last block
    before = (numba.get_num_threads(), _blas_threads())
    with pytest.raises(ValueError, match="NaN"):
        RNNELMClassifier(50, batch_size=500).fit(X, np.arange(4000) % 2)
    assert (numba.get_num_threads(), _blas_threads()) == before


def test_block_flops():
    # 10 rows through 3 -> 5 -> 7 (bias column included), a readout of 2 outputs, and H'H
    assert block_flops(10, (3, 5, 7), 2, gram=True) == \
        2 * 10 * 4 * 5 + 2 * 10 * 6 * 7 + 2 * 10 * 7 * 2 + 10 * 7 * 7


def test_a_small_readout_solve_runs_on_one_thread(two_threads, monkeypatch):
    from rnnkit.elm.readout import GramAccumulator

    solve = GramAccumulator._solve_unguarded
    threads = []

    def recording(self, *args, **kwargs):
        threads.append(_blas_threads())
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(GramAccumulator, "_solve_unguarded", recording)
    rng = np.random.default_rng(0)
    X, y = rng.random((300, 5)), rng.integers(0, 3, 300)
    clf = RNNELMClassifier(20, random_state=0).fit(X, y)
    clf.set_params(alpha=1e-2).predict(X)
    assert threads == [1, 1]


def test_small_fits_run_their_blocks_on_one_thread(two_threads, monkeypatch):
    from rnnkit.elm import cluster_layer, estimators

    threads, scale_threads = [], []
    activation = estimators.cluster_activation
    add = cluster_layer.PreactivationRange.add

    def recording(*args, **kwargs):
        threads.append((numba.get_num_threads(), _blas_threads()))
        return activation(*args, **kwargs)

    def scale_recording(self, X):
        scale_threads.append((numba.get_num_threads(), _blas_threads()))
        return add(self, X)

    monkeypatch.setattr(estimators, "cluster_activation", recording)
    monkeypatch.setattr(cluster_layer.PreactivationRange, "add", scale_recording)
    rng = np.random.default_rng(0)
    X, y = rng.random((500, 5)), rng.integers(0, 3, 500)
    assert block_flops(100, (5, 20), 3, gram=True) < _threads.SMALL_BLOCK
    RNNELMClassifier(20, batch_size=100, random_state=0).fit(X, y).predict(X)
    assert threads == [(1, 1)] * 10  # readout pass and predict
    assert scale_threads == [(1, 1)] * 5  # the scale pass goes through threaded_map too


def test_zeta_runs_small_arrays_on_one_thread_with_the_same_values(two_threads, monkeypatch):
    from rnnkit.kernels import gnetwork

    threads = []
    kernel = gnetwork._zeta_kernel

    def recording(x, *args):
        threads.append(numba.get_num_threads())
        return kernel(x, *args)

    monkeypatch.setattr(gnetwork, "_zeta_kernel", recording)
    x = np.random.default_rng(0).random(gnetwork.PARALLEL_SIZE + 5)
    whole = gnetwork.zeta(x)
    small = gnetwork.zeta(x[:100])
    np.testing.assert_array_equal(small, whole[:100])
    assert threads == [numba.get_num_threads(), 1]


def _threads_inside(context):
    with context:
        return numba.get_num_threads(), _blas_threads()


def test_short_factorizations_run_on_one_thread(two_threads, monkeypatch):
    monkeypatch.setattr(_threads, "_probe_seconds", lambda: pytest.fail("probed"))
    assert _threads_inside(factorization_threads(PROBED_SECONDS / 2)) == (1, 1)


@pytest.mark.parametrize("single, default, threaded", [(1.0, 0.5, True), (1.0, 0.9, False),
                                                       (1.0, 2.0, False)])
def test_large_factorizations_keep_threads_only_if_the_probe_gains(two_threads, monkeypatch,
                                                                  single, default, threaded):
    monkeypatch.setattr(_threads, "_probe_seconds", lambda: {True: single, False: default})
    before = (numba.get_num_threads(), _blas_threads())
    inside = _threads_inside(factorization_threads(PROBED_SECONDS))
    assert inside == (before if threaded else (1, 1))
    assert (numba.get_num_threads(), _blas_threads()) == before


def test_factorizations_respect_an_outer_limit(two_threads, monkeypatch):
    monkeypatch.setattr(_threads, "_probe_seconds", lambda: {True: 1.0, False: 0.1})
    with threadpool_limits(1):
        assert _threads_inside(factorization_threads(10 * PROBED_SECONDS))[1] == 1


def test_the_probe_times_both_settings(two_threads):
    seconds = _threads._probe_seconds()
    assert set(seconds) == {True, False}
    assert all(0 < s < 10 for s in seconds.values())


def test_factorization_seconds_grow_with_the_cube_of_the_order():
    assert factorization_seconds(2000, "cholesky") == pytest.approx(
        8 * factorization_seconds(1000, "cholesky"))
    # a tridiagonalization is four Cholesky factorizations of work, at a lower speed
    assert factorization_seconds(1000, "tridiagonal") > 4 * factorization_seconds(1000, "cholesky")
    assert factorization_seconds(1000, "tridiagonal", 5) == pytest.approx(
        5 * factorization_seconds(1000, "tridiagonal"))


def test_the_readout_solve_asks_for_the_threads_of_its_work(monkeypatch):
    asked = []

    def spy(seconds):
        asked.append(seconds)
        return single_thread()

    monkeypatch.setattr(readout_module, "factorization_threads", spy)
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 5)), np.arange(200) % 3
    clf = RNNELMClassifier(37, random_state=0).fit(X, y)
    clf.coef_
    clf.predict(X[:5])
    # GCV: one tridiagonalization, solved once and kept for predictions
    assert asked == [pytest.approx(factorization_seconds(37, "tridiagonal"))]
    clf.set_params(alpha=1e-3).coef_  # solved in the tridiagonal basis held: nothing to factorize
    assert asked[1:] == [0.0]
    fixed = RNNELMClassifier(37, alpha=1e-3, random_state=0).fit(X, y)
    fixed.coef_
    assert asked[2:] == [pytest.approx(factorization_seconds(37, "cholesky"))]
