"""Thread settings of the RNN-ELM passes over blocks of rows, and of factorizations.

Every block of rows costs a few BLAS calls (``X W``, ``H'H``) and a Numba
loop (``zeta``).  Large calls run faster on every core.  Small ones do not:
waking and joining the other threads costs more than it saves, and on a busy
machine each call waits for a thread that is not scheduled
(benchmarks/elm_threads.py).  Which side of that line a block falls on
depends on the machine (some two-CPU machines run two BLAS threads no
faster than one) and on its load, so a pass over many blocks measures it:
after a first block with the default threads (its time includes first-use
costs), it times two blocks with the default threads and two with a single
thread (BLAS and Numba), alternately, and the setting with the faster
block runs the rest.  Blocks too
small to gain from threads always run on one thread, as scikit-learn's
KMeans limits BLAS inside its loops, and a pass too short to measure
decides by the size of its blocks.

Factorizations synchronize their threads at every step: next to a busy
process OpenBLAS's threaded Cholesky and tridiagonalization ran 1.25-1.7x
slower than one thread, on a quiet two-CPU machine 1.7-2.2x faster (orders
3,000 and 6,000).  The readout's solve (:func:`factorization_threads`) runs
factorizations of less than a second on one thread and, for larger ones,
first times a probe both ways (about 0.1 s) and keeps the default threads
only if they run it clearly faster (matrix-vector products, the kind of
call whose thread joins a busy process delays); the encoders' solves, a
small part of their fits, run on one thread.
"""
import time
from contextlib import nullcontext

import numpy as np

from .._threads import available_threads, limit_threads

#: Floating-point operations per block below which a block runs on one thread
#: (a few milliseconds of work: less than waking a thread on a busy machine).
SMALL_BLOCK = 1e8
#: Above SMALL_BLOCK, a pass too short to time both settings runs on one
#: thread below this many operations per block, and on the default above.
SHARED_BLOCK = 2e9
#: Blocks timed per setting (alternately, after one warm-up block).
TIMED_BLOCKS = 2
#: Passes of at least this many blocks time both settings.
MEASURED_PASS = 2 * TIMED_BLOCKS + 3
#: One-thread speed of a Cholesky factorization and of a tridiagonalization
#: (about 35 and 9 GFLOP/s on the two-CPU machine of the benchmarks; the
#: tridiagonalization is half matrix-vector products, bound by memory).
CHOLESKY_FLOPS_PER_S = 3.5e10
TRIDIAGONAL_FLOPS_PER_S = 9e9
#: Factorizations expected to take less than this on one thread run on one
#: thread (the probe costs about 0.1 s).
PROBED_SECONDS = 1.0
#: Probe: matrix-vector products with a matrix of this order (8 MB, bound by
#: memory and joined after every call, as the tridiagonalization's are) ...
PROBE_ORDER = 1000
#: ... this many per timing.
PROBE_PRODUCTS = 60
#: The default threads factorize when they run the probe this much faster
#: (quiet two-CPU machine: 1.3-2.0, the lowest right after a long threaded
#: factorization; next to a busy process: 0.8-1.1).
THREADED_GAIN = 1.2


def threaded_map(work, blocks, flops_per_block, n_blocks):
    """Yield ``work(block)`` for each block, each call under the faster thread setting.

    The thread setting is entered and left around each call, never held
    while the caller has control, so a caller that stops early (an error in
    a later block) leaves the process's thread pools as they were.

    Parameters
    ----------
    work : callable
        ``work(block)``: the computation on one block.
    blocks : iterable
        Blocks of rows (or anything processed one at a time, with about the
        same work each).
    flops_per_block : float
        Floating-point operations of ``work`` on one block (:func:`block_flops`).
    n_blocks : int
        Number of blocks.

    Yields
    ------
    ``work(block)`` for each block, in order.  Below :data:`SMALL_BLOCK`
    operations every call runs on one thread.  In a pass of at least
    :data:`MEASURED_PASS` blocks, block 0 runs with the default threads (a
    warm-up), blocks 1, 3 with the default threads and 2, 4 on one thread,
    and the setting of the fastest of those four blocks runs the rest.  A
    shorter pass runs on one thread below :data:`SHARED_BLOCK` operations per
    block and on the default above.
    """
    if flops_per_block < SMALL_BLOCK or (n_blocks < MEASURED_PASS
                                         and flops_per_block < SHARED_BLOCK):
        for block in blocks:
            with single_thread():
                result = work(block)
            yield result
        return
    if n_blocks < MEASURED_PASS:
        for block in blocks:
            yield work(block)
        return
    seconds = {True: float("inf"), False: float("inf")}
    timed = 2 * TIMED_BLOCKS
    for i, block in enumerate(blocks):
        if i <= timed:
            single = i % 2 == 0 and i > 0
        else:
            single = seconds[True] < seconds[False]
        with single_thread() if single else nullcontext():
            t0 = time.perf_counter()
            result = work(block)
            if 0 < i <= timed:
                seconds[single] = min(seconds[single], time.perf_counter() - t0)
        yield result


def block_flops(n_rows, widths, n_outputs, gram=False):
    """Floating-point operations of one block through layers and the readout.

    Parameters
    ----------
    n_rows : int
        Rows of a block.
    widths : sequence of int
        Input width, then the output width of each layer (the last feeds the
        readout).
    n_outputs : int
        Readout columns.
    gram : bool, default=False
        Whether the block also adds to the readout's Gram sums ``H'H``.
    """
    layers = sum(2.0 * n_rows * (a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    top = widths[-1]
    return layers + 2.0 * n_rows * top * n_outputs + (n_rows * top * top if gram else 0.0)


def single_thread():
    """One thread for BLAS and Numba's parallel loops inside the block (a context manager).

    Safe to enter from several Python threads at once: the process-wide BLAS
    limit is restored when the last of them leaves.
    """
    return limit_threads(1, 1)


def factorization_seconds(order, kind, count=1):
    """Rough one-thread seconds of ``count`` factorizations of a symmetric matrix.

    Parameters
    ----------
    order : int
    kind : {"cholesky", "tridiagonal"}
    count : int, default=1
    """
    if kind == "cholesky":
        return count * order ** 3 / 3 / CHOLESKY_FLOPS_PER_S
    return count * 4 * order ** 3 / 3 / TRIDIAGONAL_FLOPS_PER_S


def factorization_threads(seconds):
    """Thread setting for factorizations of about ``seconds`` on one thread (a context manager).

    One thread (:func:`single_thread`) below :data:`PROBED_SECONDS`, when the
    caller allows one thread only, or when the default threads do not run a
    probe (:data:`PROBE_PRODUCTS` matrix-vector products, timed four times
    each way, alternately) at least :data:`THREADED_GAIN` times faster than
    one thread (a busy machine); else the default threads.

    Parameters
    ----------
    seconds : float
        Expected one-thread time (:func:`factorization_seconds`).
    """
    if seconds < PROBED_SECONDS or available_threads() < 2:
        return single_thread()
    timed = _probe_seconds()
    return nullcontext() if timed[True] >= THREADED_GAIN * timed[False] else single_thread()


def _probe_seconds():
    """Best time of the probe with one thread (key True) and the default threads (False)."""
    rng = np.random.default_rng(0)
    a = rng.random((PROBE_ORDER, PROBE_ORDER))
    x = rng.random(PROBE_ORDER)
    out = np.empty(PROBE_ORDER)
    np.dot(a, x, out=out)  # wakes the default thread pool
    seconds = {True: float("inf"), False: float("inf")}
    for single in (False, True) * 4:
        with single_thread() if single else nullcontext():
            t0 = time.perf_counter()
            for _ in range(PROBE_PRODUCTS):
                np.dot(a, x, out=out)
            seconds[single] = min(seconds[single], time.perf_counter() - t0)
    return seconds
