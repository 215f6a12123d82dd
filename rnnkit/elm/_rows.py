"""Row-chunked access to in-memory arrays and on-disk (h5py, memmap) matrices."""
import h5py
import numpy as np
from sklearn.utils.validation import check_array

from .._validation import check_nonnegative_input


class RowSource:
    """Validated, chunked view of a 2-D input matrix.

    In-memory arrays are validated once, up front.  h5py datasets and
    ``np.memmap`` arrays stay on disk: each chunk is read and validated when
    it is used, so memory holds at most one chunk of them.

    Parameters
    ----------
    X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
        Nonnegative, finite input.
    whom : str
        Estimator name for error messages.
    estimator : estimator
        Passed to scikit-learn's validation helpers for their messages.
    """

    def __init__(self, X, whom, estimator):
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
            check_nonnegative_input(self.X, whom)
            self.dtype = self.X.dtype.type
        self.n_samples, self.n_features = self.X.shape

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
            block = np.asarray(self.X[start:stop])
        except (OSError, ValueError, KeyError) as err:
            name = getattr(self.X, "name", "array")
            raise ValueError(
                f"Could not read rows {start}:{stop} of {name!s} for {self.whom}: {err}. "
                "The file may be corrupted or truncated."
            ) from err
        block = check_array(block, dtype=self.dtype, estimator=self.estimator)
        check_nonnegative_input(block, self.whom)
        return block
