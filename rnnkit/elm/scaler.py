"""Maps data to the nonnegative range the random neural network needs."""
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data


class NonNegativeScaler(TransformerMixin, BaseEstimator):
    """Nonnegative input maps for the RNN, fitted on training data only.

    Applied in this order:

    1. ``per_sample_zscore``: standardize each row over its own features
       (the H-ELM / paper convention for MNIST); no fitted statistics.
    2. ``split_sign``: standardize each feature with the training mean and
       standard deviation, then concatenate ``[max(X, 0), max(-X, 0)]``
       (doubles the features; keeps the sign information).
    3. Shift and scale with training statistics (``scale="global"``: one
       minimum and maximum for all features; ``"feature"``: per feature): if
       the minimum ``m < 0`` subtract it; then divide by the maximum ``M`` if
       ``M > 0``.  Training data lands in [0, 1].
    4. ``clip``: values below 0 (test data under the training minimum) are set
       to 0, and values above ``clip`` are set to ``clip``.

    Parameters
    ----------
    per_sample_zscore : bool, default=False
    split_sign : bool, default=False
    scale : {"global", "feature"}, default="global"
    clip : float, default=inf
        Upper clip of transformed values; the lower clip at 0 always applies.

    Attributes
    ----------
    mean_, std_ : ndarray of shape (n_features,) or None
        Feature statistics of step 2 (None without ``split_sign``).
    shift_, scale_ : float or ndarray of shape (n_features_out,)
        Step 3: ``X_out = (X - shift_) / scale_``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit import NonNegativeScaler
    >>> NonNegativeScaler().fit_transform(np.array([[-1.0, 0.0], [1.0, 3.0]]))
    array([[0.  , 0.25],
           [0.5 , 1.  ]])
    """

    _parameter_constraints = {
        "per_sample_zscore": ["boolean"],
        "split_sign": ["boolean"],
        "scale": [StrOptions({"global", "feature"})],
        "clip": [Interval(Real, 0, np.inf, closed="right")],
    }

    def __init__(self, per_sample_zscore=False, split_sign=False, scale="global",
                 clip=np.inf):
        self.per_sample_zscore = per_sample_zscore
        self.split_sign = split_sign
        self.scale = scale
        self.clip = clip

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the statistics on training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        if self.per_sample_zscore:
            X = _row_zscore(X)
        if self.split_sign:
            self.mean_ = X.mean(axis=0)
            std = X.std(axis=0)
            self.std_ = np.where(std > 0, std, 1.0)
            X = _split_sign((X - self.mean_) / self.std_)
        else:
            self.mean_ = self.std_ = None
        axis = None if self.scale == "global" else 0
        low = X.min(axis=axis)
        self.shift_ = np.minimum(low, 0.0)
        high = (X - self.shift_).max(axis=axis)
        self.scale_ = np.where(high > 0, high, 1.0)
        if axis is None:
            self.shift_, self.scale_ = float(self.shift_), float(self.scale_)
        return self

    def transform(self, X):
        """Map X to nonnegative values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out), values in [0, clip]
            ``n_features_out`` is ``2 * n_features`` with ``split_sign``.
        """
        check_is_fitted(self, "scale_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if self.per_sample_zscore:
            X = _row_zscore(X)
        if self.split_sign:
            X = _split_sign((X - self.mean_) / self.std_)
        out = (X - self.shift_) / self.scale_
        return np.clip(out, 0.0, self.clip, out=out).astype(X.dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``x0+, x0-, ...`` with ``split_sign``."""
        from sklearn.utils.validation import _check_feature_names_in

        names = _check_feature_names_in(self, input_features)
        if self.split_sign:
            names = np.concatenate([[f"{n}+" for n in names], [f"{n}-" for n in names]])
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _row_zscore(X):
    std = X.std(axis=1, keepdims=True)
    return (X - X.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)


def _split_sign(X):
    return np.hstack([np.maximum(X, 0.0), np.maximum(-X, 0.0)])
