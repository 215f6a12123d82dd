"""Maps data to the nonnegative range the random neural network needs."""
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

_FLOATS = [np.float64, np.float32]


class NonNegativeScaler(TransformerMixin, BaseEstimator):
    """Nonnegative input maps for the RNN, fitted on training data only.

    Applied in this order:

    1. ``per_sample_zscore``: standardize each row over its own features
       (the H-ELM / paper convention for MNIST); no fitted statistics.
    2. ``split_sign``: standardize each feature with the training mean and
       standard deviation, then concatenate ``[max(X, 0), max(-X, 0)]``
       (doubles the features; keeps the sign information, as the RNN-ELM
       paper's ``2 x 28`` inputs of HIGGS).  ``"auto"`` (the default) does
       this when the training input has a negative value, where the sign
       means something that a shift to [0, 1] would blur, and not for
       nonnegative data (pixel intensities, counts), which only step 3
       scales.
    3. Shift and scale with training statistics, per feature
       (``scale="feature"``, as scikit-learn's ``MinMaxScaler``) or with one
       minimum and maximum for all features (``scale="global"``, the paper's
       convention for images): if the minimum ``m < 0`` subtract it; then
       divide by the maximum ``M`` if ``M > 0``.  Training data lands in
       [0, 1]; nonnegative data is only divided by its maximum.
    4. ``clip``: values below 0 (test data under the training minimum) are set
       to 0, and values above ``clip`` are set to ``clip``.

    Every step is computed so that it cannot overflow: any finite input gives
    finite output (ranges wider than the largest float, such as
    ``[-1.5e308, 1.5e308]``, included).

    Parameters
    ----------
    per_sample_zscore : bool, default=False
    split_sign : "auto" or bool, default="auto"
        ``"auto"``: split when the rows of ``fit`` (or of the first
        ``partial_fit`` call) have a negative value, before step 1.
    scale : {"feature", "global"}, default="feature"
    clip : float, default=inf
        Upper clip of transformed values; the lower clip at 0 always applies.
        ``clip=1.0`` keeps test data inside the training range, like
        ``MinMaxScaler(clip=True)``.

    Attributes
    ----------
    split_sign_ : bool
        Whether step 2 applies (``split_sign``, with ``"auto"`` decided).
    data_min_, data_max_ : ndarray of shape (n_features,)
        Per-feature minimum and maximum of the training data after step 1.
    mean_, var_, std_ : ndarray of shape (n_features,) or None
        Feature statistics of step 2 (None without ``split_sign_``);
        ``std_`` is ``sqrt(var_)`` with zeros replaced by 1.
    scale_, min_ : ndarray of shape (n_features_out,)
        Step 3: ``X_out = X * scale_ + min_``, with the same value in every
        entry for ``scale="global"``.
    n_samples_seen_ : int
        Rows seen by ``fit`` or the calls to ``partial_fit``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined when X has feature names that are all strings.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit import NonNegativeScaler
    >>> X = np.array([[1.0, 0.0], [3.0, 2.0]])
    >>> NonNegativeScaler().fit_transform(X)  # nonnegative: divided by each maximum
    array([[0.33333333, 0.        ],
           [1.        , 1.        ]])
    >>> X = np.array([[-1.0, 0.0], [1.0, 3.0]])
    >>> NonNegativeScaler().fit_transform(X)  # signed: [max(Z, 0), max(-Z, 0)]
    array([[0., 0., 1., 1.],
           [1., 1., 0., 0.]])
    >>> NonNegativeScaler(split_sign=False, scale="global").fit_transform(X)
    array([[0.  , 0.25],
           [0.5 , 1.  ]])
    """

    _parameter_constraints = {
        "per_sample_zscore": ["boolean"],
        "split_sign": ["boolean", StrOptions({"auto"})],
        "scale": [StrOptions({"global", "feature"})],
        "clip": [Interval(Real, 0, np.inf, closed="right")],
    }

    def __init__(self, per_sample_zscore=False, split_sign="auto", scale="feature",
                 clip=np.inf):
        self.per_sample_zscore = per_sample_zscore
        self.split_sign = split_sign
        self.scale = scale
        self.clip = clip

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the statistics on training data (earlier statistics are discarded).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        return self._update(X, first=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Add a batch of training rows to the statistics.

        A sequence of calls gives the statistics of ``fit`` on the
        concatenated batches (up to rounding in the mean and variance of
        ``split_sign``), when the first batch settles ``split_sign="auto"``
        as the whole data would: the first call decides ``split_sign_``
        (the number of output features), and later batches keep it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        return self._update(X, first=not hasattr(self, "n_samples_seen_"))

    def transform(self, X):
        """Map X to nonnegative values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out), values in [0, clip]
            ``n_features_out`` is ``2 * n_features`` with ``split_sign_``; the
            dtype is X's (float32 or float64).
        """
        check_is_fitted(self, "scale_")
        X = _validate(self, X, reset=False)
        Z = self._standardized(self._row_step(X))
        out = Z * self.scale_
        out += self.min_
        return np.clip(out, 0.0, self.clip, out=out).astype(X.dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: the input names, or ``x0+, ..., x0-, ...`` with ``split_sign_``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        ndarray of str objects, shape (n_features_out,)
        """
        check_is_fitted(self, "scale_")
        names = _check_feature_names_in(self, input_features)
        if self.split_sign_:
            names = np.concatenate([[f"{n}+" for n in names], [f"{n}-" for n in names]])
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- helpers -------------------------------------------------------------

    def _update(self, X, first):
        """Validate X, merge its statistics and refresh scale_ / min_; a failure changes nothing."""
        previous = dict(vars(self))
        try:
            X = _validate(self, X, reset=first)
            if first:
                self.split_sign_ = (bool((X < 0).any()) if self.split_sign == "auto"
                                    else bool(self.split_sign))
            X = self._row_step(X)
            low, high = X.min(axis=0), X.max(axis=0)
            n = X.shape[0]
            moments = _column_moments(X) if self.split_sign_ else None
            if not first:
                low = np.minimum(low, self.data_min_)
                high = np.maximum(high, self.data_max_)
                if self.split_sign_:
                    moments = _merge_moments((self.n_samples_seen_, self.mean_, self.var_),
                                             (n,) + moments)[1:]
                n += self.n_samples_seen_
            self.n_samples_seen_ = n
            self.data_min_, self.data_max_ = low.astype(np.float64), high.astype(np.float64)
            if self.split_sign_:
                self.mean_, self.var_ = moments
                std = np.sqrt(self.var_)
                self.std_ = np.where(std > 0, std, 1.0)
            else:
                self.mean_ = self.var_ = self.std_ = None
            self._set_scale()
        except BaseException:
            vars(self).clear()
            vars(self).update(previous)
            raise
        return self

    def _row_step(self, X):
        return _row_zscore(X) if self.per_sample_zscore else X

    def _standardized(self, X):
        """Step 2 on step 1's output (a no-op without ``split_sign_``)."""
        if not self.split_sign_:
            return X
        return _split_sign((X - self.mean_) / self.std_)

    def _set_scale(self):
        """``scale_`` and ``min_`` of step 3 from the range of step 2's output."""
        low, high = self.data_min_, self.data_max_
        if self.split_sign_:  # the range of [max(z, 0), max(-z, 0)], z standardized
            z_low = (self.data_min_ - self.mean_) / self.std_
            z_high = (self.data_max_ - self.mean_) / self.std_
            low = np.concatenate([np.maximum(z_low, 0.0), np.maximum(-z_high, 0.0)])
            high = np.concatenate([np.maximum(z_high, 0.0), np.maximum(-z_low, 0.0)])
        if self.scale == "global":
            low, high = np.full_like(low, low.min()), np.full_like(high, high.max())
        shift = np.minimum(low, 0.0)
        half_range = high / 2 - shift / 2  # (high - shift) / 2 without overflow
        self.scale_ = np.where(half_range > 0, 0.5 / np.where(half_range > 0, half_range, 1.0),
                               1.0)
        self.min_ = -shift * self.scale_


def _validate(scaler, X, reset):
    """``validate_data`` to float32/float64, silencing the RuntimeWarning that its
    finiteness check (a sum that may overflow) gives for values near the float limits.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(scaler, X, reset=reset, dtype=_FLOATS)


def _row_zscore(X):
    """Standardize each row; dividing it by its largest magnitude first keeps the sums finite."""
    peak = np.abs(X).max(axis=1, keepdims=True)
    X = X / np.where(peak > 0, peak, 1.0).astype(X.dtype)
    std = X.std(axis=1, keepdims=True)
    return (X - X.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)


def _split_sign(X):
    return np.hstack([np.maximum(X, 0.0), np.maximum(-X, 0.0)])


def _column_moments(X):
    """Column means and variances (float64), the means computed without overflow.

    Raises ValueError when a variance exceeds the float64 range, so that
    standardizing by it would flatten the column.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=0, dtype=np.float64)
        if not np.isfinite(mean).all():  # the sum overflowed; the mean of X / peak cannot
            peak = np.abs(X).max(axis=0).astype(np.float64)
            peak = np.where(peak > 0, peak, 1.0)
            mean = (X / peak).mean(axis=0, dtype=np.float64) * peak
        var = np.square(X - mean, dtype=np.float64).mean(axis=0)
    _check_variance(var)
    return mean, var


def _merge_moments(a, b):
    """``(n, mean, var)`` of two row sets from theirs (Chan, Golub & LeVeque)."""
    n_a, mean_a, var_a = a
    n_b, mean_b, var_b = b
    n = n_a + n_b
    with np.errstate(over="ignore", invalid="ignore"):
        delta = mean_b - mean_a
        mean = mean_a * (n_a / n) + mean_b * (n_b / n)
        var = var_a * (n_a / n) + var_b * (n_b / n) + np.square(delta) * (n_a / n) * (n_b / n)
    _check_variance(var)
    return n, mean, var


def _check_variance(var):
    bad = np.flatnonzero(~np.isfinite(var))
    if bad.size:
        raise ValueError(
            f"NonNegativeScaler's split_sign standardizes each feature, but the "
            f"variance of feature {bad[0]} overflows float64: its values are too spread "
            "out (beyond about 1e154). Divide X by a constant first."
        )
