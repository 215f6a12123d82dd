"""Input checks shared by the estimators."""
import numpy as np


def check_nonnegative_input(X, whom):
    """Raise ValueError naming ``NonNegativeScaler`` if ``X`` has negative values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    whom : str
        Name of the estimator, used in the message.
    """
    min_value = X.min() if X.size else 0.0
    if min_value < 0:
        raise ValueError(
            f"Negative values in data passed to {whom} (min = {min_value:.6g}). "
            "The random neural network needs nonnegative input: put a "
            "rnnkit.NonNegativeScaler in front of it, e.g. "
            "make_pipeline(NonNegativeScaler(), estimator)."
        )


def check_row_sums(X, whom, first_row=0):
    """Raise ValueError if a row of nonnegative ``X`` sums beyond X's float range.

    A random neural network's pre-activations are sums of a row's features
    weighted by numbers in [0, 1], computed in X's dtype: they stay finite
    exactly when every row sum does.

    Parameters
    ----------
    X : ndarray of float32 or float64, shape (n_samples, n_features)
        Finite and nonnegative.
    whom : str
        Name of the estimator, used in the message.
    first_row : int, default=0
        Index of X's first row in the whole data set, for the message.
    """
    limit = np.finfo(X.dtype).max
    with np.errstate(over="ignore"):
        sums = X.sum(axis=1, dtype=np.float64)
    too_large = np.flatnonzero(~(sums <= limit))
    if too_large.size:
        row = int(too_large[0])
        raise ValueError(
            f"Row {first_row + row} of the data passed to {whom} sums to more than "
            f"the largest {X.dtype} ({limit:.3g}): the pre-activations of the "
            "random neural network (weighted sums of a row's features) overflow. Scale "
            "X first, e.g. with rnnkit.NonNegativeScaler."
        )


def check_max_value(X, limit, whom, reason, first_row=0):
    """Raise ValueError if an entry of ``X`` exceeds ``limit``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    limit : float
        Largest value the estimator's arithmetic supports.
    whom : str
        Name of the estimator, used in the message.
    reason : str
        Why values above ``limit`` fail, completing "{whom} ...".
    first_row : int, default=0
        Index of X's first row in the whole data set, for the message.
    """
    if not X.size:
        return
    flat = int(np.argmax(X))
    largest = X.flat[flat]
    if largest > limit:
        row, column = np.unravel_index(flat, X.shape)
        raise ValueError(
            f"X[{first_row + row}, {column}] = {largest:.3g} is too large for {whom}, which "
            f"{reason}: values above {limit:.3g} overflow float64. Scale X first, e.g. "
            "with rnnkit.NonNegativeScaler."
        )

