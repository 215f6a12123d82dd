"""Series preparation for the search: the baseline, per-column scaling, training segments."""
import numpy as np
from sklearn.preprocessing import MinMaxScaler

from .._sequences import lagged_copy

SCALE_RANGE = (-0.5, 0.5)
"""Range the input columns and the target are mapped to by :func:`fit_scalers`."""


def find_baseline_feature(X_list, y_list):
    """The input feature holding the target's last value (``X[t + 1, j] == y[t]``), or None.

    :func:`rnnkit._sequences.lagged_copy` with None for "no such feature".
    """
    feature = lagged_copy(X_list, y_list)
    return None if feature < 0 else feature


def minus_feature(X_list, y_list, feature):
    """Targets minus input ``feature`` at the same step (None: the targets as they are)."""
    if feature is None:
        return list(y_list)
    return [t - x[:, feature] for x, t in zip(X_list, y_list)]


def fit_scalers(X_list, y_list, feature_range=SCALE_RANGE):
    """Min-max maps of the input columns and of the target, over every step of the series.

    Parameters
    ----------
    X_list : list of ndarray of shape (n_steps_k, n_features)
    y_list : list of ndarray of shape (n_steps_k,)
    feature_range : tuple (low, high), default=(-0.5, 0.5)

    Returns
    -------
    x_scaler, y_scaler : sklearn.preprocessing.MinMaxScaler
        Fitted on the stacked rows of ``X_list`` and on the stacked targets.
    """
    x_scaler = MinMaxScaler(feature_range=feature_range).fit(np.concatenate(X_list))
    y_scaler = MinMaxScaler(feature_range=feature_range).fit(np.concatenate(y_list)[:, None])
    return x_scaler, y_scaler


def scale_inputs(X_list, x_scaler):
    """Apply ``x_scaler`` to every series (None: unchanged)."""
    if x_scaler is None:
        return list(X_list)
    return [x_scaler.transform(x) for x in X_list]


def scale_targets(y_list, y_scaler, inverse=False):
    """Apply ``y_scaler`` (or its inverse) to every target series (None: unchanged)."""
    if y_scaler is None:
        return list(y_list)
    f = y_scaler.inverse_transform if inverse else y_scaler.transform
    return [f(np.asarray(t, dtype=np.float64)[:, None])[:, 0] for t in y_list]


def segments(X_list, y_list, length):
    """Cut every series into consecutive pieces of at most ``length`` steps.

    Parameters
    ----------
    X_list : list of ndarray of shape (n_steps_k, n_features)
    y_list : list of ndarray of shape (n_steps_k,)
    length : int or None
        None returns the series whole.

    Returns
    -------
    X_segments, y_segments : list of ndarray
        In series order, then time order; every state restarts at zero at a
        segment's first step when the network is trained on it.
    """
    if length is None:
        return list(X_list), list(y_list)
    X_out, y_out = [], []
    for x, t in zip(X_list, y_list):
        for s in range(0, len(x), length):
            X_out.append(x[s:s + length])
            y_out.append(t[s:s + length])
    return X_out, y_out
