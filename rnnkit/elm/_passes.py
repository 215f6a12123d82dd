"""Passes over the row blocks of a layer's input: a map of blocks and a reduction of summaries.

The layers of the deep RNN-ELM classifiers are fitted from ``chunks``, the
blocks of their input.  In memory (or on disk) ``chunks`` is a zero-argument
callable that returns a fresh iterable of blocks, and a pass runs here, one
block after another.  On a Dask cluster it is a
:class:`rnnkit.elm._dask.DaskBlocks`, which has methods ``map`` and
``reduce`` of the same meaning, and a pass runs on the workers.  Either way a
pass summarizes every block and combines the summaries; ``combine`` must
return a new summary (Dask may keep its inputs) and be associative over
consecutive summaries, which it receives in row order.
"""


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
    chunks : callable or DaskBlocks
    summarize : callable
        ``summarize(block)``: the summary of one block.
    combine : callable
        ``combine(first, second)``: the summary of two consecutive parts of
        the rows, ``first`` before ``second``.
    """
    if hasattr(chunks, "reduce"):
        return chunks.reduce(summarize, combine)
    total = None
    for block in chunks():
        part = summarize(block)
        total = part if total is None else combine(total, part)
    return total
