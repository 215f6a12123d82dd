"""Pieces shared by the RNN-ELM estimators: parameters, input checks, logging."""
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

    def _check_n_features(self, source):
        if source.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {source.n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )

    def _log(self, message):
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", flush=True)
