"""Passes over row blocks: maps and reductions for the layers, and the readout's pass.

The layers of the deep RNN-ELM classifiers are fitted from ``chunks``, the
blocks of their input.  In memory (or on disk) ``chunks`` is a zero-argument
callable that returns a fresh iterable of blocks, and a pass runs here, one
block after another.  On a Dask cluster it is a
:class:`rnnkit.elm._dask.DaskBlocks`, which has methods ``map`` and
``reduce`` of the same meaning, and a pass runs on the workers.  Either way a
pass summarizes every block and combines the summaries; ``combine`` must
return a new summary (Dask may keep its inputs) and be associative over
consecutive summaries, which it receives in row order.

The scale pass of the one-layer estimators reduces a :class:`RowBlocks` in
memory, block after block under the faster thread setting, as the readout's
sums are added by one pass over the training rows (:func:`readout_pass`,
:func:`map_rows`); for Dask input both run on the workers.
"""
import time
from functools import reduce

from ._dask import DaskRows, gram_sums
from ._threads import block_flops, threaded_map


def map_chunks(chunks, function):
    """The blocks ``function(block)`` of ``chunks``."""
    if hasattr(chunks, "map"):
        return chunks.map(function)

    def mapped():
        return (function(block) for block in chunks())
    return mapped


def reduce_chunks(chunks, summarize, combine):
    """``combine(... combine(summarize(b0), summarize(b1)) ..., summarize(bn))`` over the blocks.

    Parameters
    ----------
    chunks : callable, DaskBlocks or RowBlocks
    summarize : callable
        ``summarize(block)``: the summary of one block.
    combine : callable
        ``combine(first, second)``: the summary of two consecutive parts of
        the rows, ``first`` before ``second``.
    """
    if hasattr(chunks, "reduce"):
        return chunks.reduce(summarize, combine)
    return reduce(combine, (summarize(block) for block in chunks()))


class RowBlocks:
    """The blocks of rows ``0 .. stop`` of a :class:`~rnnkit.elm._rows.RowSource`.

    For :func:`reduce_chunks`, which then summarizes each block under the
    faster thread setting (:func:`map_rows`).

    Parameters
    ----------
    source : RowSource
    batch_size : int
    widths : sequence of int
        Input width and the summary's output width (see
        :func:`rnnkit.elm._threads.block_flops`).
    stop : int or None, default=None
        Rows after this one are left out.
    """

    def __init__(self, source, batch_size, widths, stop=None):
        self.source, self.batch_size, self.widths, self.stop = source, batch_size, widths, stop

    def reduce(self, summarize, combine):
        parts = map_rows(lambda chunk: summarize(chunk[1]), self.source, self.batch_size,
                         self.widths, stop=self.stop)
        return reduce(combine, parts)


def map_rows(work, source, batch_size, widths, n_outputs=0, gram=False, stop=None):
    """``work((start, X_block))`` over the blocks of ``source``, under the faster thread setting.

    Parameters
    ----------
    work : callable
    source : RowSource
    batch_size : int
    widths, n_outputs, gram : see :func:`rnnkit.elm._threads.block_flops`
    stop : int or None, default=None
        Rows after this one are left out.

    Returns
    -------
    iterator of the results of ``work``, in row order
    """
    n_rows = source.n_samples if stop is None else min(stop, source.n_samples)
    flops = block_flops(min(batch_size, n_rows), widths, n_outputs, gram)
    return threaded_map(work, source.chunks(batch_size, n_rows), flops,
                        -(-n_rows // batch_size), last_block_full=n_rows % batch_size == 0)


def readout_pass(source, transform, targets, accumulator, sample, *, batch_size, widths,
                 log):
    """Add the readout sums of every row of ``source`` to ``accumulator`` (Phi, Psi, folds).

    Parameters
    ----------
    source : RowSource or DaskRows
        Training rows; a Dask source is summed on its workers, in blocks
        of ``batch_size`` rows, and only the sums travel.
    transform : callable
        ``transform(X_block)``: the readout's input, shape (n_b, L).
    targets : Targets
        ``targets.block(start, stop)`` in memory, ``targets.encode(y_block)``
        on Dask: float64 targets, shape (n_b, k).
    accumulator : GramAccumulator
        Receives the sums; its rows so far come before these (they set the
        rows' folds).
    sample : RowSample or None
        Probability sample the rows are offered to (updated in place).
    batch_size : int
    widths : sequence of int
        Input width and each layer's output width (for the thread setting).
    log : callable
        ``log(message)``: progress.
    """
    t0 = time.perf_counter()
    if isinstance(source, DaskRows):
        sums, offers = gram_sums(
            source, transform, targets.encode, accumulator.phi.shape[0], targets.n_targets,
            first_row=accumulator.n_samples, batch_size=batch_size,
            precision=accumulator.precision, n_folds=accumulator.n_folds, sample=sample)
        accumulator.merge(sums)
        if sample is not None:
            sample.take(offers, source.n_samples)
        log(f"readout: {source.n_samples} rows accumulated on Dask, "
            f"{time.perf_counter() - t0:.1f} s")
        return

    def add(chunk):
        start, X = chunk
        Y = targets.block(start, start + X.shape[0])
        accumulator.add(transform(X), Y)
        if sample is not None:
            sample.add(X, Y)
        return start + X.shape[0]

    for done in map_rows(add, source, batch_size, widths, targets.n_targets, gram=True):
        log(f"readout: {done}/{source.n_samples} rows accumulated, "
            f"{time.perf_counter() - t0:.1f} s")
