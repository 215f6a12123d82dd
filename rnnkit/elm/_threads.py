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

Factorizations (the readout's Cholesky, the encoders' solves) run on one
thread whatever their size: OpenBLAS's threaded Cholesky synchronizes its
threads at every step, which on a busy machine made it slower than one
thread at every width tried, and the solve is a small part of a fit.
"""
import time
from contextlib import nullcontext

from .._threads import limit_threads

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
