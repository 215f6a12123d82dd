"""Row-chunked access to in-memory arrays and on-disk (h5py, memmap) matrices."""
import mmap

import h5py
import numpy as np
from sklearn.utils.validation import check_array

from .._validation import check_max_value, check_nonnegative_input, check_row_sums


class RowSource:
    """Validated, chunked view of a 2-D input matrix.

    In-memory arrays are validated once, up front.  h5py datasets and
    ``np.memmap`` arrays stay on disk: each chunk is copied out, validated
    when it is used, and a memmap's pages are released after the copy, so
    memory holds at most one chunk of them.

    Every row must sum to a finite number in the input's float dtype (the
    random neural network's pre-activations are weighted row sums).

    Parameters
    ----------
    X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
        Nonnegative, finite input.
    whom : str
        Estimator name for error messages.
    estimator : estimator
        Passed to scikit-learn's validation helpers for their messages.
    square_sums : bool, default=False
        Whether the estimator sums squares and products of X's values over
        all rows in float64 (an autoencoder's Gram matrix ``X'X`` and its
        reconstruction error): then values must stay below
        ``sqrt(max_float64 / (16 n_samples (n_features + 1)))``, so that
        those sums, and the few terms added to them, cannot overflow.
    """

    def __init__(self, X, whom, estimator, *, square_sums=False):
        self.whom = whom
        self.estimator = estimator
        self.on_disk = isinstance(X, (h5py.Dataset, np.memmap))
        if self.on_disk:
            if X.ndim != 2:
                raise ValueError(
                    f"Expected a 2-D dataset for {whom}, got shape {X.shape}."
                )
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise ValueError(
                    f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} feature(s) "
                    f"(shape={X.shape}) while a minimum of 1 is required by {whom}."
                )
            self.dtype = np.float32 if X.dtype == np.float32 else np.float64
            self.X = X
        else:
            self.X = check_array(X, dtype=[np.float64, np.float32], estimator=estimator)
            self.dtype = self.X.dtype.type
        self.n_samples, self.n_features = self.X.shape
        self.max_value = None
        if square_sums:
            self.max_value = np.sqrt(np.finfo(np.float64).max
                                     / (16.0 * self.n_samples * (self.n_features + 1)))
        if not self.on_disk:
            self._check(self.X, 0)

    def chunks(self, batch_size, stop=None):
        """Yield ``(start, X_chunk)`` over rows ``0..stop`` in blocks of ``batch_size``."""
        stop = self.n_samples if stop is None else min(stop, self.n_samples)
        for start in range(0, stop, batch_size):
            yield start, self.read(start, min(start + batch_size, stop))

    def read(self, start, stop):
        """Rows ``start:stop`` as a validated float array."""
        if not self.on_disk:
            return self.X[start:stop]
        try:
            if isinstance(self.X, np.memmap):
                block = _read_memmap(self.X, start, stop, self.dtype)
            else:
                block = np.asarray(self.X[start:stop])
        except (OSError, ValueError, KeyError) as err:
            name = getattr(self.X, "name", None) or getattr(self.X, "filename", None)
            raise ValueError(
                f"Could not read rows {start}:{stop} of {name or 'the array'!s} for "
                f"{self.whom}: {err}. The file may be corrupted or truncated."
            ) from err
        block = check_array(block, dtype=self.dtype, estimator=self.estimator)
        self._check(block, start)
        return block

    def _check(self, block, first_row):
        check_nonnegative_input(block, self.whom)
        check_row_sums(block, self.whom, first_row)
        if self.max_value is not None:
            check_max_value(block, self.max_value, self.whom,
                            f"sums squares of X's values over all {self.n_samples} rows",
                            first_row)


def _read_memmap(X, start, stop, dtype):
    """Copy rows ``start:stop`` of a memmap, then drop the mapped pages they touched.

    Pages of a file mapping stay in the process's resident set once read;
    ``madvise(MADV_DONTNEED)`` unmaps them again (the page cache keeps them,
    and a shared mapping reads back the file's current contents).  Private
    (``mode="c"``) mappings may hold unsaved changes and are left alone.
    """
    view = X[start:stop]
    block = np.array(view, dtype=dtype, order="C")
    handle = getattr(X, "_mmap", None)
    if (handle is not None and X.mode != "c" and view.size
            and hasattr(mmap, "MADV_DONTNEED") and not handle.closed):
        base = np.frombuffer(handle, dtype=np.uint8).ctypes.data
        low, high = np.lib.array_utils.byte_bounds(view)
        first = (low - base) // mmap.PAGESIZE * mmap.PAGESIZE
        last = min(-(-(high - base) // mmap.PAGESIZE) * mmap.PAGESIZE, len(handle))
        if 0 <= first < last:
            try:
                handle.madvise(mmap.MADV_DONTNEED, first, last - first)
            except OSError:  # e.g. locked pages: they stay resident, the rows are read
                pass
    return block
