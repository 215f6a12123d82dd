"""Thread settings of the RNN-ELM passes over blocks of rows, and of factorizations.

Every block of rows costs a few BLAS calls (``X W``, ``H'H``) and a Numba
loop (``zeta``).  Large calls run faster on every core.  Small ones do not:
waking and joining the other threads costs more than it saves, and on a busy
machine each call waits for a thread that is not scheduled
(benchmarks/elm_threads.py).  Which side of that line a block falls on
depends on the machine's load, so a pass over many blocks measures it: it
times one block with the default threads and one with a single thread
(BLAS, OpenMP and Numba), and the faster setting runs the rest.  Blocks too
small to gain from threads always run on one thread, as scikit-learn's
KMeans limits BLAS inside its loops, and a pass too short to measure
decides by the size of its blocks.

Factorizations (the readout's Cholesky, the encoders' solves) run on one
thread whatever their size: OpenBLAS's threaded Cholesky synchronizes its
threads at every step, which on a busy machine made it slower than one
thread at every width tried, and the solve is a small part of a fit.
"""
import functools
import time
from contextlib import contextmanager, nullcontext

import numba
from threadpoolctl import ThreadpoolController

#: Floating-point operations per block below which a block runs on one thread
#: (a few milliseconds of work: less than waking a thread on a busy machine).
SMALL_BLOCK = 1e8
#: Above SMALL_BLOCK, a pass too short to time both settings runs on one
#: thread below this many operations per block, and on the default above.
SHARED_BLOCK = 2e9
#: Passes of at least this many blocks time both settings.
MEASURED_PASS = 4


def threaded_blocks(blocks, flops_per_block, n_blocks):
    """Yield ``blocks``; the caller's work on each runs under the faster thread setting.

    Parameters
    ----------
    blocks : iterable
        Blocks of rows (or anything the caller processes one at a time,
        with about the same work each).
    flops_per_block : float
        Floating-point operations of the caller's work on one block
        (:func:`block_flops`).
    n_blocks : int
        Number of blocks.

    Yields
    ------
    The items of ``blocks``.  Below :data:`SMALL_BLOCK` operations every
    block is processed on one thread.  In a pass of at least
    :data:`MEASURED_PASS` blocks, block 0 runs with the default threads,
    block 1 on one thread, and the faster of the two sets the rest.  A
    shorter pass runs on one thread below :data:`SHARED_BLOCK` operations per
    block and on the default above.
    """
    if flops_per_block < SMALL_BLOCK or (n_blocks < MEASURED_PASS
                                         and flops_per_block < SHARED_BLOCK):
        with single_thread():
            yield from blocks
        return
    if n_blocks < MEASURED_PASS:
        yield from blocks
        return
    seconds = {}
    for i, block in enumerate(blocks):
        single = i == 1 if i < 2 else seconds[True] < seconds[False]
        with single_thread() if single else nullcontext():
            t0 = time.perf_counter()
            yield block
            if i < 2:
                seconds[single] = time.perf_counter() - t0


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


@contextmanager
def single_thread():
    """One thread for BLAS, OpenMP and Numba's parallel loops inside the block."""
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with _controller().limit(limits=1):
            yield
    finally:
        numba.set_num_threads(previous)


@functools.cache
def _controller():
    """The thread pools of the loaded BLAS and OpenMP libraries, found once.

    Finding them takes milliseconds (``threadpool_limits`` does it on every
    call), as long as a small fit; scikit-learn caches its controller too.
    """
    return ThreadpoolController()
