"""Thread policy of rnnkit's compute loops.

Training a recurrent network makes thousands of small BLAS and Numba calls
per second.  With the default thread pools every call wakes and joins all
threads; on a quiet machine that costs more than the arithmetic, and while
another process keeps a core busy a join can wait a whole scheduler time
slice, so a fit runs tens of times slower than on one thread.

The policy: inside a compute loop every BLAS call and every Numba kernel
runs on one thread, and a problem large enough to pay is split into
independent chunks (say, groups of sequences) that can run side by side,
one thread per chunk, with one join per chunk instead of one per call.
Whether they do is measured while the loop runs (a join can still wait for
a descheduled thread next to a busy process).  How a problem is split
depends on its size and on the machine, never on how many threads happen
to be free or are used, so results do not change with the thread budget.

* :func:`compute_threads` - the context of a training or prediction loop:
  BLAS and Numba single-threaded inside, chunks spread over up to
  :func:`available_threads` threads by :func:`run_chunks`.
* :func:`limit_threads` - just the BLAS / Numba limits, for loops that do
  their own threading (process pools, for instance).
* :func:`chunk_bounds` - the split of a problem into chunks.

The BLAS pools are found once, with ``threadpoolctl``, at the first use
(the same approach as scikit-learn's ``KMeans``); the active loop's thread
pool lives in a context variable, so that worker threads and nested loops
run their chunks in order on their own thread.
"""
import os
import threading
import time
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import accumulate

import numba as numba_module
import numpy as np

__all__ = ["available_threads", "chunk_bounds", "compute_threads",
           "limit_threads", "run_chunks"]

#: Least work (floating-point operations) worth a chunk of its own: a
#: thread hand-off costs some tens of microseconds, this much arithmetic a
#: few milliseconds.
MIN_CHUNK_WORK = 3e7

_controller = None
#: Python threads inside a one-thread BLAS limit, and the limiter that set it.
_ONE_THREAD_LOCK = threading.Lock()
_one_thread_users = 0
_one_thread_limiter = None
#: CPUs of the machine (os.cpu_count() reads a file each call).
_CPUS = os.cpu_count() or 1
#: The enclosing compute loop (a :class:`_Loop`), or None.
_LOOP = ContextVar("rnnkit_compute_loop", default=None)


def available_threads():
    """Number of threads this process may use for its computations.

    The CPUs in the process's affinity mask, lowered by any limit the caller
    has set on the BLAS pools (``threadpoolctl.threadpool_limits``, or
    ``OPENBLAS_NUM_THREADS`` and the like) or on Numba
    (``numba.set_num_threads``).

    Returns
    -------
    n : int, at least 1
    """
    n = _cpu_count()
    blas = [lib.num_threads for lib in _blas_pools()]
    if blas:
        n = min(n, min(blas))
    return max(1, min(n, _numba_threads()))


@contextmanager
def limit_threads(blas=1, numba=1):
    """Limit the BLAS pools and Numba's parallel regions inside the block.

    Parameters
    ----------
    blas : int or None, default=1
        Threads of every loaded BLAS library; ``None`` leaves them alone.
    numba : int or None, default=1
        Threads of Numba's parallel regions started from this thread
        (``numba.set_num_threads``); ``None`` leaves them alone.

    Both are restored on exit.
    """
    previous = numba_threads = None
    if numba is not None:
        previous = _numba_threads()
        numba_threads = max(1, min(numba, numba_module.config.NUMBA_NUM_THREADS))
    try:
        if numba_threads is not None:
            numba_module.set_num_threads(numba_threads)
        if blas is not None:
            with _controller_limit(blas):
                yield
        else:
            yield
    finally:
        if previous is not None:
            numba_module.set_num_threads(previous)


@contextmanager
def compute_threads():
    """Context of a training or prediction loop.

    Inside, BLAS and Numba run single-threaded and :func:`run_chunks`
    spreads independent chunks over up to :func:`available_threads`
    threads (read on entry, so an outer ``threadpool_limits(1)`` keeps
    everything on one thread).  Entered again inside an active loop (for
    instance a validation score computed during ``fit``), it changes
    nothing.

    Yields
    ------
    n_threads : int
        Threads the chunks of this loop may use.
    """
    active = _LOOP.get()
    if active is not None:
        yield active.n_threads
        return
    n = available_threads()
    with limit_threads(1, 1):
        loop = _Loop(n)
        token = _LOOP.set(loop)
        try:
            yield n
        finally:
            _LOOP.reset(token)
            loop.close()


def run_chunks(func, n_chunks, kind=None):
    """``[func(0), ..., func(n_chunks - 1)]``, side by side where it pays.

    Inside :func:`compute_threads` the chunks may run on up to its number of
    threads (the caller's thread takes chunk 0).  Whether they do is
    measured, per ``kind`` of call: a few calls alternate between side by
    side and in order, the next ones take the faster, and the comparison is
    repeated every so many calls, so that a loop sharing the machine with a
    busy process drops back to one thread when the joins cost more than they
    save.  The results are the same either way.  Elsewhere, and in worker
    threads, the chunks run in order on the caller's thread.

    ``func`` must release the GIL for its heavy parts (BLAS, ``nogil``
    Numba kernels), and chunks must not write to shared memory.

    Parameters
    ----------
    func : callable
        ``func(c)`` computes chunk ``c``.
    n_chunks : int
    kind : hashable, default=None
        Calls of the same kind cost about the same (e.g. the forward pass
        of one training loop); their times decide between the two modes.

    Returns
    -------
    results : list
        ``func(c)`` for every chunk, in order.  The first exception raised by
        a chunk is raised after every chunk has finished.
    """
    loop = _LOOP.get()
    if loop is None or loop.pool is None or n_chunks < 2:
        return [func(c) for c in range(n_chunks)]
    chooser = loop.choosers.setdefault((kind, n_chunks), _ModeChooser())
    side_by_side = chooser.choose()
    start = time.perf_counter()
    if side_by_side:
        futures = [loop.pool.submit(func, c) for c in range(1, n_chunks)]
        try:
            first = func(0)
        finally:
            wait(futures)
        results = [first] + [f.result() for f in futures]
    else:
        results = [func(c) for c in range(n_chunks)]
    chooser.record(side_by_side, time.perf_counter() - start)
    return results


def chunk_bounds(weights, work, min_work=None, min_items=1):
    """Split consecutive items into chunks of about equal work.

    Parameters
    ----------
    weights : ndarray of shape (n_items,)
        Relative work of each item (e.g. sequence lengths).
    work : float
        Total work of the problem, in floating-point operations.
    min_work : float or None, default=None
        Least work per chunk; ``None`` means :data:`MIN_CHUNK_WORK`.
    min_items : int, default=1
        Least items per chunk.

    Returns
    -------
    bounds : list of (start, stop)
        Consecutive, non-empty item ranges covering ``0 .. n_items``; at
        most one per CPU of the machine (``os.cpu_count()``), so the split
        depends on the problem and the machine, not on the threads free.
    """
    n_items = len(weights)
    min_work = MIN_CHUNK_WORK if min_work is None else min_work
    n = min(n_items // max(1, min_items), int(work // min_work))
    if n >= 2:
        n = min(n, _max_chunks())
    if n < 2:
        return [(0, n_items)]
    # plain Python (once per batch, on a few hundred numbers at most): the
    # cumulative weights and the first items past each 1/n of the total
    cum = list(accumulate(float(w) for w in np.asarray(weights).tolist()))
    cuts = (bisect_right(cum, cum[-1] * k / n) for k in range(1, n))
    edges = sorted({0, n_items, *cuts})
    return list(zip(edges[:-1], edges[1:]))


# ---------------------------------------------------------------- helpers
class _Loop:
    """Worker threads of one compute loop and what it measured."""

    def __init__(self, n_threads):
        self.n_threads = n_threads
        self.pool = (ThreadPoolExecutor(n_threads - 1,
                                        thread_name_prefix="rnnkit",
                                        initializer=_single_threaded_numba)
                     if n_threads > 1 else None)
        self.choosers = {}

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class _ModeChooser:
    """Side by side or in order, decided from timings taken together.

    Every ``PERIOD`` calls start with ``2 * EXPLORE`` calls that alternate
    between the modes; the mode with the lower median time over those calls
    runs for the rest of the period.  Both modes are timed afresh, side by
    side in time and so under the same load: a burst of load on the host
    while one mode runs cannot make the other look faster for long (with
    one mode's samples recent and the other's old, a short burst kept the
    slower mode for hundreds of calls).
    """

    EXPLORE = 3
    PERIOD = 60

    def __init__(self):
        self.times = {True: [], False: []}
        self.calls = 0
        self.best = True

    def choose(self):
        phase = self.calls % self.PERIOD
        self.calls += 1
        if phase == 0:
            self.times = {True: [], False: []}
        if phase < 2 * self.EXPLORE:
            return phase % 2 == 0
        if phase == 2 * self.EXPLORE:
            med = {m: float(np.median(t)) for m, t in self.times.items()}
            self.best = med[True] <= med[False]
        return self.best

    def record(self, mode, seconds):
        # only the alternating calls decide (``calls`` counts the call timed)
        if (self.calls - 1) % self.PERIOD < 2 * self.EXPLORE:
            self.times[mode].append(seconds)


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _max_chunks():
    return _CPUS


def _numba_threads():
    return numba_module.get_num_threads()


def _single_threaded_numba():
    numba_module.set_num_threads(1)


def _blas_pools():
    return _get_controller().select(user_api="blas").lib_controllers


def _get_controller():
    # Finding the loaded libraries takes milliseconds: do it once, when a
    # loop first runs (by then NumPy's and SciPy's BLAS are loaded).
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController
        _controller = ThreadpoolController()
    return _controller


@contextmanager
def _controller_limit(n):
    if n != 1:
        with _get_controller().limit(limits=n, user_api="blas"):
            yield
        return
    # One thread, from any number of Python threads at once (concurrent
    # predictions): the BLAS limit is process-wide, so the first to enter sets
    # it and the last to leave restores it.  Each saving and restoring the
    # limit it found would leave it at one thread when their blocks overlap.
    global _one_thread_users, _one_thread_limiter
    with _ONE_THREAD_LOCK:
        if _one_thread_users == 0 and any(lib.num_threads != 1 for lib in _blas_pools()):
            _one_thread_limiter = _get_controller().limit(limits=1, user_api="blas")
        _one_thread_users += 1
    try:
        yield
    finally:
        with _ONE_THREAD_LOCK:
            _one_thread_users -= 1
            if _one_thread_users == 0 and _one_thread_limiter is not None:
                _one_thread_limiter.restore_original_limits()
                _one_thread_limiter = None
