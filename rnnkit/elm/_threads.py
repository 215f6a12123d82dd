"""Thread settings of the RNN-ELM passes over blocks of rows, and of factorizations.

Every block of rows costs a few BLAS calls (``X W``, ``H'H``) and a Numba
loop (``zeta``).  Large calls run faster on every core.  Small ones do not:
waking and joining the other threads costs more than it saves, and on a busy
machine each call waits for a thread that is not scheduled
(benchmarks/elm_threads.py).  Which side of that line a block falls on
depends on the machine and on its load (on a quiet two-CPU machine two
BLAS threads ran a 2,000 x 785 x 1,000 product twice as fast as one; next
to a busy process a whole fit ran faster on one thread), so it is
measured: a pass times one block of each setting, each the second of a
run of two blocks with that setting (right after a switch from the
default threads, their idle workers still spin for a while and slow a
one-thread block down by a third or more), and the faster setting is
kept for blocks of the same size (floating-point operations, to two
significant digits), across passes and fits, for :data:`KEPT_BLOCKS`
blocks or :data:`KEPT_SECONDS` seconds, then measured again.  The first
block of a pass (first-use costs) and a shorter last block are never
timed.  Blocks too small to gain from threads always run on one thread,
as scikit-learn's KMeans limits BLAS inside its loops, and so do the
blocks of a pass too short to be worth measuring unless a decision is
kept.

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
#: Above SMALL_BLOCK, a pass of fewer than MEASURED_PASS blocks below this
#: many operations per block runs on one thread unless a decision is kept
#: (its blocks are too short to time both settings for its own sake).
SHARED_BLOCK = 2e9
#: Passes of at least this many blocks measure whatever their block size.
MEASURED_PASS = 7
#: A decision is kept for this many blocks or seconds, whichever ends first.
KEPT_BLOCKS = 60
KEPT_SECONDS = 30.0
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


def threaded_map(work, blocks, flops_per_block, n_blocks, last_block_full=True):
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
    last_block_full : bool, default=True
        Whether the last block is as large as the others (else it is not
        timed).

    Yields
    ------
    ``work(block)`` for each block, in order.  Below :data:`SMALL_BLOCK`
    operations every call runs on one thread.  Above, each block runs under
    the setting kept for blocks of its size; without one, the blocks after
    the first go on with the previous block's setting (timed), then switch
    to the other for two blocks (the second timed), and the faster is kept
    (the first block and an untimed last one: one thread below
    :data:`SHARED_BLOCK` operations, else the default).  A pass of fewer
    than :data:`MEASURED_PASS` blocks below :data:`SHARED_BLOCK`
    operations runs on one thread unless a decision is kept.
    """
    chooser = None
    if flops_per_block >= SMALL_BLOCK and available_threads() > 1:
        chooser = _CHOOSERS.setdefault(_size_class(flops_per_block), _SettingChooser())
    measure = flops_per_block >= SHARED_BLOCK or n_blocks >= MEASURED_PASS
    schedule = []  # (single, timed) of the next blocks of a comparison under way
    seconds = {}  # timed block of each setting in this comparison
    single = True
    for i, block in enumerate(blocks):
        kept = None if chooser is None else chooser.kept()
        timed = False
        if chooser is None:
            single = True
        elif kept is not None:
            single, schedule, seconds = kept, [], {}
        elif measure and i > 0 and (i < n_blocks - 1 or last_block_full):
            if not schedule:
                # time the second block of a run of each setting: right after
                # a switch, the other setting's idle threads still spin
                schedule = [(single, True), (not single, False), (not single, True)]
            single, timed = schedule.pop(0)
        else:
            single, schedule, seconds = flops_per_block < SHARED_BLOCK, [], {}
        with single_thread() if single else nullcontext():
            t0 = time.perf_counter()
            result = work(block)
            elapsed = time.perf_counter() - t0
        if kept is not None:
            chooser.count()
        if timed:
            seconds[single] = elapsed
            if len(seconds) == 2:
                chooser.record(seconds[False], seconds[True])
                seconds = {}
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
    each way, in runs of two) at least :data:`THREADED_GAIN` times faster than
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
    # runs of two per setting: the best one-thread time is then one taken
    # after another one-thread run, not next to the default's spinning workers
    for single in (False, False, True, True) * 2:
        with single_thread() if single else nullcontext():
            t0 = time.perf_counter()
            for _ in range(PROBE_PRODUCTS):
                np.dot(a, x, out=out)
            seconds[single] = min(seconds[single], time.perf_counter() - t0)
    return seconds


class _SettingChooser:
    """One thread or the default threads for blocks of one size, from a timed comparison."""

    def __init__(self):
        self.single = None
        self.blocks = 0
        self.decided_at = 0.0

    def kept(self):
        """The kept setting (True: one thread), or None when it must be measured."""
        if self.single is None:
            return None
        if (self.blocks >= KEPT_BLOCKS
                or time.perf_counter() - self.decided_at > KEPT_SECONDS):
            self.single = None
        return self.single

    def count(self):
        self.blocks += 1

    def record(self, default_seconds, single_seconds):
        """Keep the faster setting of a comparison."""
        self.single = single_seconds < default_seconds
        self.blocks = 0
        self.decided_at = time.perf_counter()


def _size_class(flops):
    """Blocks of this class share a kept decision: equal to two significant digits."""
    return float(f"{flops:.2g}")


#: Kept decisions, per size class of block (:func:`_size_class`).
_CHOOSERS = {}
