"""RNN-ELM estimators on Dask arrays: per-block work on the workers, sums reduced in a tree.

A Dask array ``X`` (and its targets ``y``) is a sequence of row blocks that
live on the workers.  Every pass of a fit is a map over those blocks and a
reduction of small results: the task of a block reads the block where it is,
validates it, cuts it into ``batch_size`` rows and returns a summary (the
largest pre-activation, or a block's Gram sums ``H'H``, ``H'Y``,
``sum Y**2`` with their per-fold parts, and the few rows it offers to the
probability sample); summaries are combined :data:`SPLIT_EVERY` at a time
in a tree of tasks, and only the root reaches the client, which solves the
readout.  A block's hidden matrix never leaves its worker.  Prediction maps
the fitted layer and readout over the blocks (``map_blocks``), so its result
is a Dask array of the same row blocks.

The sums are the same as those of an in-memory fit up to the order of the
float64 additions: a block's rows are cut into chunks at the same offsets
when every block's length is a multiple of ``batch_size``, each chunk's
``H'H`` is the same computation, and only the order in which the chunks'
sums are added differs (a tree instead of a running sum).

Dask runs the blocks in parallel, so each block's work runs on one BLAS and
Numba thread (a worker's threads are its parallelism).  Dask is imported
only here, and only when a Dask collection is passed.
"""
from functools import partial, reduce

import numpy as np
from sklearn.utils.validation import check_array

from ._common import is_dask_collection
from ._proba import join_offers, softmax_proba
from ._rows import check_rows, square_sums_bound
from ._threads import single_thread
from .readout import GramAccumulator

#: Fan-in of the tree reduction: summaries combined per task.
SPLIT_EVERY = 4
INSTALL_HINT = 'pip install "rnnkit[distributed]"'


def import_dask():
    """``(dask, dask.array)``, or ImportError naming the extra to install."""
    try:
        import dask
        import dask.array as da
    except ImportError as err:
        raise ImportError(f"Dask input needs dask.array, which is not installed: "
                          f"{INSTALL_HINT}") from err
    return dask, da


class DaskRows:
    """Row blocks of a Dask array ``X`` with the matching blocks of ``y``.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
    y : dask or in-memory array-like of shape (n_samples,) or (n_samples, n_targets), or None
    whom : str
        Estimator name for error messages.
    square_sums : bool, default=False
        See :class:`rnnkit.elm._rows.RowSource`.

    Attributes
    ----------
    n_samples, n_features : int
    dtype : float32 or float64
        The input's float type (float64 for anything but float32).
    y : DaskTargets or None
    """

    on_disk = False  # every block is checked by the pass that reads it

    def __init__(self, X, y, whom, *, square_sums=False):
        self._dask, da = import_dask()
        X = _as_array(X, da)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D Dask array for {whom}, got shape {X.shape}.")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"Dask input of {whom} must be numeric, got dtype {X.dtype}.")
        if X.numblocks[1] > 1:
            X = X.rechunk({1: -1})
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} feature(s) "
                f"(shape={X.shape}) while a minimum of 1 is required by {whom}.")
        self.X = X
        self.whom = whom
        self.n_samples, self.n_features = X.shape
        self.dtype = np.float32 if X.dtype == np.float32 else np.float64
        self.max_value = (square_sums_bound(self.n_samples, self.n_features)
                          if square_sums else None)
        self.sizes = [int(n) for n in X.chunks[0]]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(int)
        self._x_blocks = X.to_delayed().ravel()
        self.y = None if y is None else DaskTargets(y, X.chunks[0], da)

    def reduce(self, block_fn, combine, *args, stop=None):
        """``block_fn(X_block, y_block, first_row, *args)`` over the blocks, combined in a tree.

        Blocks beyond row ``stop`` are skipped (and the last one cut there);
        ``combine(*summaries)`` joins up to :data:`SPLIT_EVERY` summaries.
        Computed with Dask's current scheduler (a ``distributed.Client`` when
        one is active); returns the root summary.
        """
        delayed = self._dask.delayed
        shared = [delayed(arg) for arg in args]  # one key each, sent once per worker
        y_blocks = None if self.y is None else self.y.blocks
        parts = []
        for i, (start, size) in enumerate(zip(self.starts, self.sizes)):
            if stop is not None and start >= stop:
                break
            x_block = self._x_blocks[i]
            if stop is not None and start + size > stop:
                x_block = x_block[:stop - start]
            y_block = None if y_blocks is None else y_blocks[i]
            parts.append(delayed(block_fn)(x_block, y_block, int(start), *shared))
        while len(parts) > 1:
            parts = [delayed(combine)(*parts[i:i + SPLIT_EVERY])
                     for i in range(0, len(parts), SPLIT_EVERY)]
        return parts[0].compute()

    def block_spec(self, batch_size):
        """What a block task needs to cut and check its rows."""
        return {"batch_size": int(batch_size), "dtype": self.dtype, "whom": self.whom,
                "max_value": self.max_value, "n_samples": self.n_samples}


class DaskBlocks:
    """The blocks of a :class:`DaskRows` as the ``chunks`` of :mod:`rnnkit.elm._passes`.

    ``map(function)`` adds a step applied to every block on its worker (the
    layers fitted so far, a source's columns); ``reduce(summarize, combine)``
    runs a pass on the workers, ``batch_size`` rows at a time, and returns
    the combined summary to the client.
    """

    def __init__(self, rows, batch_size, stop=None, steps=()):
        self.rows = rows
        self.batch_size = batch_size
        self.stop = stop
        self.steps = tuple(steps)

    def map(self, function):
        return DaskBlocks(self.rows, self.batch_size, self.stop, self.steps + (function,))

    def reduce(self, summarize, combine):
        return self.rows.reduce(_summary_block, partial(_combine_in_order, combine),
                                summarize, combine, self.steps,
                                self.rows.block_spec(self.batch_size), stop=self.stop)


class DaskTargets:
    """The ``y`` of a :class:`DaskRows`, in the same row blocks."""

    def __init__(self, y, row_chunks, da):
        y = _as_array(y, da) if is_dask_collection(y) else np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
        n_samples = int(sum(row_chunks))
        if y.shape[0] != n_samples:
            raise ValueError("Found input variables with inconsistent numbers of samples: "
                             f"[{n_samples}, {y.shape[0]}]")
        chunks = (row_chunks,) + ((-1,) if y.ndim == 2 else ())
        self.array = (y.rechunk(chunks) if is_dask_collection(y)
                      else da.from_array(y, chunks=chunks))
        self.shape, self.ndim = self.array.shape, self.array.ndim
        self.blocks = self.array.to_delayed().ravel()

    def unique_labels(self):
        """The distinct values of ``y`` (found on the cluster), a 1-D ndarray."""
        if self.ndim == 2 and self.shape[1] != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {self.shape} "
                             "instead.")
        return np.asarray(import_dask()[1].unique(self.array.ravel()).compute())


# -- passes ---------------------------------------------------------------------


def gram_sums(rows, transform, encode, n_hidden, n_targets, *, first_row, batch_size,
              precision="float64", n_folds=None, sample=None):
    """Readout sums over every block and the rows offered to ``sample``.

    Parameters
    ----------
    rows : DaskRows
    transform : callable
        ``transform(X_chunk)``: the readout's input, shape (n_b, n_hidden).
    encode : callable
        ``encode(y_chunk)``: float64 targets, shape (n_b, n_targets).
    first_row : int
        Position of the blocks' first row in the training stream (rows
        seen by earlier ``partial_fit`` calls).
    sample : RowSample or None
        The probability sample the rows are offered to (not modified).

    Returns
    -------
    accumulator : GramAccumulator
    offers : tuple or None
        For ``sample.take``.
    """
    spec = {**rows.block_spec(batch_size), "first_row": int(first_row),
            "n_hidden": n_hidden, "n_targets": n_targets, "precision": precision,
            "n_folds": n_folds}
    return rows.reduce(_gram_block, _join_sums, transform, encode, sample, spec)


def map_output(rows, output, width, dtype, batch_size):
    """``output`` (a :class:`BlockOutput`) of every block of ``rows.X``, as a Dask array.

    ``width``: columns of the output, None for a 1-D output.  The blocks
    are computed where they are, ``batch_size`` rows at a time; the result
    has ``rows.X``'s row blocks.
    """
    one_d = width is None
    chunks = (rows.X.chunks[0],) if one_d else (rows.X.chunks[0], (width,))
    meta = np.empty((0,) if one_d else (0, width), dtype=dtype)
    return rows.X.map_blocks(_output_block, rows._dask.delayed(output),
                             rows.block_spec(batch_size), chunks=chunks, dtype=dtype,
                             drop_axis=1 if one_d else None, meta=meta)


# -- block tasks (run on the workers) ---------------------------------------------


def _chunks(X, first_row, spec):
    """``(first_row_of_chunk, chunk)`` of one block, validated, ``batch_size`` rows each."""
    X = check_array(np.asarray(X), dtype=spec["dtype"], estimator=spec["whom"])
    step = spec["batch_size"]
    for start in range(0, X.shape[0], step):
        chunk = X[start:start + step]
        check_rows(chunk, spec["whom"], first_row + start, spec["max_value"],
                   spec["n_samples"])
        yield first_row + start, chunk


def _summary_block(X, y, first_row, summarize, combine, steps, spec):
    total = None
    with single_thread():
        for _, chunk in _chunks(X, first_row, spec):
            for step in steps:
                chunk = step(chunk)
            part = summarize(chunk)
            total = part if total is None else combine(total, part)
    return total


def _combine_in_order(combine, *parts):
    return reduce(combine, parts)


def _gram_block(X, y, first_row, transform, encode, sample, spec):
    accumulator = GramAccumulator(spec["n_hidden"], spec["n_targets"], spec["precision"],
                                  n_folds=spec["n_folds"])
    offers = None
    y = np.asarray(y)
    with single_thread():
        for start, chunk in _chunks(X, first_row, spec):
            local = start - first_row
            Y = encode(y[local:local + chunk.shape[0]])
            row = spec["first_row"] + start
            accumulator.add(transform(chunk), Y, first_row=row)
            if sample is not None:
                offered = sample.offers(chunk, Y, row)
                offers = offered if offers is None else join_offers(offers, offered)
    return accumulator, offers


def _join_sums(*parts):
    # a new accumulator: a task's inputs may be kept by the scheduler, never modify them
    first = parts[0][0]
    total = GramAccumulator(first.phi.shape[0], first.psi.shape[1], first.precision,
                            n_folds=first.n_folds)
    offers = None
    for accumulator, offered in parts:
        total.merge(accumulator)
        if offered is not None:
            offers = offered if offers is None else join_offers(offers, offered)
    return total, offers


class BlockOutput:
    """The fitted layers and readout applied to a chunk of rows (picklable).

    ``kind``: ``"hidden"`` (the readout's input ``transform(X)``), ``"raw"``
    (readout scores ``H coef``), ``"decision"`` (scores, or for two columns
    their difference), ``"predict"`` (``classes[argmax]``), ``"proba"`` /
    ``"log_proba"`` (softmax at ``temperature``), ``"regress1d"`` (the one
    column of the scores).
    """

    def __init__(self, transform, coef, kind, classes, temperature):
        self.transform = transform
        self.coef = coef
        self.kind = kind
        self.classes = classes
        self.temperature = temperature

    def __call__(self, X):
        H = self.transform(X)
        if self.kind == "hidden":
            return H
        scores = H @ self.coef.astype(H.dtype, copy=False)
        if self.kind == "predict":
            return np.asarray(self.classes)[np.argmax(scores, axis=1)]
        if self.kind in ("proba", "log_proba"):
            return softmax_proba(scores, self.temperature, log=self.kind == "log_proba")
        if self.kind == "decision" and scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        if self.kind == "regress1d":
            return scores[:, 0]
        return scores


def _output_block(X, output, spec, block_info=None):
    first_row = block_info[0]["array-location"][0][0] if block_info else 0
    with single_thread():
        parts = [output(chunk) for _, chunk in _chunks(X, first_row, spec)]
    return np.concatenate(parts) if parts else output(np.empty((0, X.shape[1]),
                                                              dtype=spec["dtype"]))


# -- helpers --------------------------------------------------------------------


def _as_array(obj, da):
    """A Dask array with known row-block lengths (Dask DataFrames and Series through theirs)."""
    if not isinstance(obj, da.Array):
        if not hasattr(obj, "to_dask_array"):
            raise TypeError(f"Expected a Dask array or DataFrame, got {type(obj).__name__}.")
        obj = obj.to_dask_array(lengths=True)
    if any(np.isnan(n) for n in obj.chunks[0]):
        obj = obj.compute_chunk_sizes()
    return obj
