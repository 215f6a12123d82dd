"""Thread settings of the RNN-ELM fits: one thread for calls too small to share.

Every block of rows costs a few BLAS calls (``X W``, ``H'H``) and a Numba
loop (``zeta``).  Large calls run faster on every core.  Small ones do not:
waking and joining the other threads costs more than it saves, and on a busy
machine each call waits for a thread that is not scheduled
(benchmarks/elm_threads.py).  So the blocks of a fit or a prediction whose
blocks are small run with one BLAS, OpenMP and Numba thread, as
scikit-learn's KMeans limits BLAS inside its loops; larger ones keep the
default.  Factorizations (the readout's Cholesky, the encoders' solves) run
on one thread whatever their size: OpenBLAS's threaded Cholesky
synchronizes its threads at every step, which on a busy machine made it
slower than one thread at every width tried, and the solve is a small part
of a fit.
"""
import functools
from contextlib import contextmanager, nullcontext

import numba
from threadpoolctl import ThreadpoolController

#: Floating-point operations per block of rows below which a fit runs on one
#: thread (benchmarks/elm_threads.py measures both sides of it).
SHARED_WORK = 1e9


def fit_threads(n_rows, widths, n_outputs):
    """Thread setting of a fit's blocks: they pass through layers and add to ``H'H``.

    Parameters
    ----------
    n_rows : int
        Rows of a block.
    widths : sequence of int
        Input width, then the output width of each layer (the last feeds the
        readout).
    n_outputs : int
        Readout columns.
    """
    return _threads_for(_block_flops(n_rows, widths, n_outputs) + n_rows * widths[-1] ** 2)


def predict_threads(n_rows, widths, n_outputs):
    """Thread setting of a prediction's blocks (see :func:`fit_threads`)."""
    return _threads_for(_block_flops(n_rows, widths, n_outputs))


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


def _threads_for(flops_per_block):
    return single_thread() if flops_per_block < SHARED_WORK else nullcontext()


def _block_flops(n_rows, widths, n_outputs):
    layers = sum(2.0 * n_rows * (a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    return layers + 2.0 * n_rows * widths[-1] * n_outputs
