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

    def _source(self, X, *, reset, square_sums=False):
        """Validated :class:`RowSource`; sets or checks ``n_features_in_``.

        In-memory input goes through scikit-learn's ``validate_data`` (finite,
        float32/float64, feature names and counts); h5py datasets and memmaps
        are checked chunk by chunk when read.  ``square_sums``: see
        :class:`RowSource`.
        """
        if isinstance(X, (h5py.Dataset, np.memmap)):
            source = RowSource(X, type(self).__name__, self, square_sums=square_sums)
            if reset:
                self.n_features_in_ = source.n_features
            else:
                self._check_n_features(source)
            return source
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        return RowSource(X, type(self).__name__, self, square_sums=square_sums)

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

    def _check_n_features(self, source):
        if source.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {source.n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )

    def _log(self, message):
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", flush=True)
