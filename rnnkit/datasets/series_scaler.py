"""Min-max scaling of lists of time series, fitted over all their rows."""
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._series import _as_series_list, _is_single

__all__ = ["MinMaxSeriesScaler"]


class MinMaxSeriesScaler(BaseEstimator):
    """Per-column min-max scaling fitted over a list of time series.

    The reference (EXAMM ``--normalize``) takes min and max over all files,
    training and test (transductive). Here the scaler is fitted on the
    training series only; pass the test series too (``fit(train + test)``) or
    use :meth:`fit_transductive` for the reference behaviour.

    Parameters
    ----------
    feature_range : tuple (low, high), default=(0.0, 1.0)
    clip : bool, default=False
        Clip transformed values to ``feature_range`` (test values may fall
        outside the training range).

    Attributes
    ----------
    data_min_, data_max_ : ndarray of shape (n_columns,)
    scale_ : ndarray of shape (n_columns,)
        ``(high - low) / (data_max_ - data_min_)``; a constant column gets
        scale ``high - low`` (it maps to ``low``).

    Examples
    --------
    >>> train = [np.array([[0., 10.], [2., 30.]]), np.array([[1., 20.]])]
    >>> scaler = MinMaxSeriesScaler().fit(train)
    >>> scaler.transform([np.array([[1., 40.]])])[0]
    array([[0.5, 1.5]])
    """

    def __init__(self, feature_range=(0.0, 1.0), clip=False):
        self.feature_range = feature_range
        self.clip = clip

    def fit(self, series, y=None):
        """Compute per-column min and max over all rows of all series.

        Parameters
        ----------
        series : list of array-like of shape (T_i, n_columns), or one 2-D
            array
        """
        series = _as_series_list(series)
        low, high = self.feature_range
        if not low < high:
            raise ValueError(
                f"feature_range must be (low, high) with low < high, got "
                f"{self.feature_range}")
        self.data_min_ = np.min([s.min(axis=0) for s in series], axis=0)
        self.data_max_ = np.max([s.max(axis=0) for s in series], axis=0)
        span = self.data_max_ - self.data_min_
        span = np.where(span > 0, span, 1.0)
        self.scale_ = (high - low) / span
        self.n_features_in_ = series[0].shape[1]
        return self

    def fit_transductive(self, train, test):
        """Fit on training and test series together (the reference)."""
        return self.fit(_as_series_list(train) + _as_series_list(test))

    def transform(self, series):
        """Scale each series; returns the same structure as given."""
        single, series = _is_single(series), _as_series_list(series)
        self._check(series)
        low, high = self.feature_range
        out = [(s - self.data_min_) * self.scale_ + low for s in series]
        if self.clip:
            out = [np.clip(s, low, high) for s in out]
        return out[0] if single else out

    def fit_transform(self, series, y=None):
        return self.fit(series).transform(series)

    def inverse_transform(self, series):
        """Undo :meth:`transform` (clipped values stay clipped)."""
        single, series = _is_single(series), _as_series_list(series)
        self._check(series)
        low = self.feature_range[0]
        out = [(s - low) / self.scale_ + self.data_min_ for s in series]
        return out[0] if single else out

    def _check(self, series):
        check_is_fitted(self, "scale_")
        for i, s in enumerate(series):
            if s.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"series {i} has {s.shape[1]} columns, the scaler was "
                    f"fitted on {self.n_features_in_}")
