"""Pieces shared by the RNN-ELM estimators: parameters, input checks, atomic calls, logging."""
import functools
from numbers import Integral, Real

import h5py
import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from ..kernels.gnetwork import ClusterParams
from ._rows import RowSource

CLUSTER_CONSTRAINTS = {
    "cluster_size": [Interval(Integral, 2, None, closed="left")],
    "interaction_prob": [Interval(Real, 0, 1, closed="right")],
    "lambda_plus": [Interval(Real, 0, None, closed="neither")],
    "lambda_minus": [Interval(Real, 0, None, closed="neither")],
    "firing_rate": [Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection (array, DataFrame, ...), told without importing Dask."""
    return callable(getattr(obj, "__dask_graph__", None))


def atomic(method):
    """Decorate ``fit`` / ``partial_fit`` so that a call that raises changes nothing.

    The estimator's attributes are restored to their values before the call
    when it raises (any exception, including KeyboardInterrupt).  Objects
    changed in place are not restored, so the method must finish every
    check of its input before it adds to stored sums (see
    :meth:`ClusterMixin._check_every_row`); new state is built aside and
    assigned.
    """
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        saved = self.__dict__.copy()
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
    return wrapper


class ClusterMixin:
    """Cluster parameters, input sources and progress messages."""

    def _cluster_params(self):
        return ClusterParams(n=self.cluster_size, p=self.interaction_prob,
                             lambda_plus=self.lambda_plus, lambda_minus=self.lambda_minus,
                             r=self.firing_rate)

    def _training_rows(self, X, y, *, reset, square_sums=False):
        """Training input of a call: ``(RowSource, y)``, or ``(DaskRows, DaskTargets)``.

        Sets (``reset``) or checks ``n_features_in_`` and ``feature_names_in_``
        (from a pandas or Dask DataFrame's string column names).  A Dask ``X`` gives a
        :class:`rnnkit.elm._dask.DaskRows` whose blocks stay on the cluster,
        with ``y`` in the same blocks; a Dask ``y`` beside an in-memory ``X``
        is gathered, as the rows are.
        """
        if is_dask_collection(X):
            from ._dask import DaskRows
            rows = DaskRows(X, y, type(self).__name__, square_sums=square_sums)
            self._check_features(X, reset)
            return rows, rows.y
        if is_dask_collection(y):
            y = y.compute()
        return self._source(X, reset=reset, square_sums=square_sums), y

    def _source(self, X, *, reset, square_sums=False):
        """Validated :class:`RowSource`; sets or checks the input's width and feature names.

        In-memory input goes through scikit-learn's ``validate_data`` (finite,
        float32/float64, feature names and counts); h5py datasets and memmaps
        are checked chunk by chunk when read, and only their width here.
        ``square_sums``: see :class:`RowSource`.
        """
        if isinstance(X, (h5py.Dataset, np.memmap)):
            source = RowSource(X, type(self).__name__, self, square_sums=square_sums)
            self._check_features(X, reset)
            return source
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        return RowSource(X, type(self).__name__, self, square_sums=square_sums)

    def _check_features(self, X, reset):
        """``validate_data``'s feature-name and width checks alone, without reading the rows.

        For input read block by block (h5py, memmap, Dask), already checked
        to be 2-D: a Dask DataFrame's column names are those of its empty
        pandas ``_meta``; the other sources have no names.
        """
        columns = X._meta if is_dask_collection(X) and hasattr(X, "columns") else X
        validate_data(self, columns, reset=reset, skip_check_array=True)

    def _dask_output(self, X, kind):
        """Outputs of the rows of a Dask array ``X``, a Dask array of its row blocks.

        ``kind``: see :class:`rnnkit.elm._dask.BlockOutput`.
        """
        from ._dask import BlockOutput, DaskRows, map_output
        rows = DaskRows(X, None, type(self).__name__)
        self._check_features(X, reset=False)
        output = BlockOutput(
            self._layers(), None if kind == "hidden" else self.coef_, kind,
            getattr(self, "classes_", None),
            self._temperature() if kind in ("proba", "log_proba") else None)
        meta = output(np.zeros((1, rows.n_features), dtype=rows.dtype))
        return map_output(rows, output, meta.shape[1] if meta.ndim == 2 else None,
                          meta.dtype, self.batch_size)

    def _check_every_row(self, source):
        """Read and check every block of an on-disk source before its rows are used.

        In-memory input is checked whole when the source is made; h5py
        datasets and memmaps are checked block by block as they are read, so
        a bad row near the end would otherwise be found after earlier blocks
        were added to the stored sums.
        """
        if source.on_disk:
            for _ in source.chunks(self.batch_size):
                pass

    def _log(self, message):
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", flush=True)
