"""Forecasting framings of time series, and the persistence baseline.

Defaults name the coal-burner columns (:mod:`rnnkit.datasets.coal`); any list
of series with ``columns=`` (or an integer ``target_column``) works.
"""
import numpy as np

from ._series import _as_series_list, _check_offset, _column_index
from .coal import COAL_COLUMNS, COAL_TARGET

__all__ = ["one_step_ahead", "persistence_errors"]


def one_step_ahead(series, target_column=COAL_TARGET, offset=1, *,
                   columns=COAL_COLUMNS):
    """Turn time series into (inputs, targets) for forecasting.

    Parameters
    ----------
    series : list of ndarray of shape (T_i, n_columns), or one 2-D array
    target_column : str or int, default="Main_Flm_Int"
        Column to predict, by name (looked up in ``columns``) or index.
    offset : int, default=1
        Forecast horizon in rows (EXAMM's ``time_offset``).
    columns : sequence of str, default=COAL_COLUMNS
        Names of the columns, used when ``target_column`` is a name.

    Returns
    -------
    inputs : list of ndarray of shape (T_i - offset, n_columns)
        Rows ``0 .. T_i - offset - 1``, all columns (the target included).
    targets : list of ndarray of shape (T_i - offset,)
        Column ``target_column`` at rows ``offset .. T_i - 1``.
    """
    series = _as_series_list(series)
    col = _column_index(target_column, columns, series[0].shape[1])
    offset = _check_offset(offset, series)
    inputs = [s[:-offset] for s in series]
    targets = [s[offset:, col] for s in series]
    return inputs, targets


def persistence_errors(series, target_column=COAL_TARGET, offset=1, *,
                       columns=COAL_COLUMNS):
    """Errors of the persistence forecast ``y[t + offset] = y[t]``.

    Parameters
    ----------
    series, target_column, offset, columns
        As in :func:`one_step_ahead`.

    Returns
    -------
    errors : dict
        ``"mae"``, ``"mse"``: per-series mean absolute and mean squared
        error, averaged over the series (EXAMM's convention);
        ``"mae_per_series"``, ``"mse_per_series"``: ndarrays of shape
        (n_series,).
    """
    series = _as_series_list(series)
    col = _column_index(target_column, columns, series[0].shape[1])
    offset = _check_offset(offset, series)
    diffs = [s[offset:, col] - s[:-offset, col] for s in series]
    mae = np.array([np.mean(np.abs(d)) for d in diffs])
    mse = np.array([np.mean(d ** 2) for d in diffs])
    return {"mae": float(mae.mean()), "mse": float(mse.mean()),
            "mae_per_series": mae, "mse_per_series": mse}
