"""Coal-fired power plant burners (EXAMM / ANTS data set, 2018_coal).

One CSV per burner (``burner_<i>.csv``), with a header and one row a minute;
12 numeric columns, already min-max normalised over all 12 burners. The usual
task predicts ``Main_Flm_Int`` (main flame intensity, the last column) one
step ahead from all 12 columns, the target included.
"""
import os

import numpy as np
from sklearn.base import BaseEstimator

from ._files import read_table

__all__ = [
    "COAL_COLUMNS",
    "load_coal",
    "MinMaxSeriesScaler",
    "one_step_ahead",
    "parse_burners",
    "persistence_errors",
]

COAL_COLUMNS = (
    "Conditioner_Inlet_Temp", "Conditioner_Outlet_Temp", "Coal_Feeder_Rate",
    "Primary_Air_Flow", "Primary_Air_Split", "System_Secondary_Air_Flow_Total",
    "Secondary_Air_Flow", "Secondary_Air_Split", "Tertiary_Air_Split",
    "Total_Comb_Air_Flow", "Supp_Fuel_Flow", "Main_Flm_Int",
)
COAL_TARGET = "Main_Flm_Int"


def parse_burners(text):
    """Burner numbers from a command-line list: ``"0-7"``, ``"0,3,5"``, ``"0-7,9"``."""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def load_coal(path, burners=range(10), *, file_pattern="burner_{}.csv"):
    """Read burner CSV files into a list of time series.

    Parameters
    ----------
    path : str or os.PathLike
        Directory holding ``burner_<i>.csv``, or one CSV file (then
        ``burners`` is ignored).
    burners : iterable of int, default=range(10)
        Burner numbers to read, in this order.
    file_pattern : str, default="burner_{}.csv"
        File name of burner ``i`` (``file_pattern.format(i)``).

    Returns
    -------
    series : list of ndarray of shape (T_i, n_columns), dtype float64
        One array per file, rows in time order (one a minute; T = 14,401 for
        the released files).
    columns : list of str
        Column names from the header (the same in every file).

    Raises
    ------
    FileNotFoundError
        If the directory or a file is missing.
    ValueError
        If a file is empty or has no header, its header differs from the
        first file's, or a value is not a finite number (NaN and infinite
        values are named with their line and column).
    """
    path = os.fspath(path)
    if os.path.isfile(path):
        files = [path]
    elif os.path.isdir(path):
        files = [os.path.join(path, file_pattern.format(i)) for i in burners]
        if not files:
            raise ValueError("burners is empty: no file to read")
    else:
        raise FileNotFoundError(f"coal data not found: {path!r}")
    series = []
    columns = None
    for file in files:
        data, header = _read_csv(file)
        if columns is None:
            columns = header
        elif header != columns:
            raise ValueError(
                f"{file!r}: header {header} differs from {files[0]!r}'s "
                f"{columns}")
        series.append(data)
    return series, columns


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
        if not hasattr(self, "scale_"):
            raise ValueError("this MinMaxSeriesScaler is not fitted yet; "
                             "call fit first")
        for i, s in enumerate(series):
            if s.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"series {i} has {s.shape[1]} columns, the scaler was "
                    f"fitted on {self.n_features_in_}")


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


# --------------------------------------------------------------------------

def _read_csv(file):
    if not os.path.isfile(file):
        raise FileNotFoundError(f"coal CSV not found: {file!r}")
    data, columns = read_table(file, ",")
    if columns is None:
        raise ValueError(f"{file!r}: no header (expected column names such as "
                         f"{', '.join(COAL_COLUMNS[:2])}, ...)")
    if data.shape[1] != len(columns):
        raise ValueError(
            f"{file!r}: {data.shape[1]} values per row but the header names "
            f"{len(columns)} columns")
    return data, columns


def _is_single(series):
    return isinstance(series, np.ndarray) and series.ndim == 2


def _as_series_list(series):
    if _is_single(series):
        series = [series]
    out = [np.asarray(s, dtype=np.float64) for s in series]
    if not out:
        raise ValueError("no series given")
    for i, s in enumerate(out):
        if s.ndim != 2:
            raise ValueError(f"series {i} must be 2-D (T, n_columns), got "
                             f"shape {s.shape}")
        if s.shape[1] != out[0].shape[1]:
            raise ValueError(f"series {i} has {s.shape[1]} columns, series 0 "
                             f"has {out[0].shape[1]}")
    return out


def _column_index(target_column, columns, n_columns):
    if isinstance(target_column, str):
        columns = list(columns)
        if target_column not in columns:
            raise ValueError(f"target column {target_column!r} not among "
                             f"{columns}")
        if len(columns) != n_columns:
            raise ValueError(f"{len(columns)} column names given for series "
                             f"of {n_columns} columns")
        return columns.index(target_column)
    col = int(target_column)
    if not -n_columns <= col < n_columns:
        raise ValueError(f"target column {col} out of range for "
                         f"{n_columns} columns")
    return col % n_columns


def _check_offset(offset, series):
    offset = int(offset)
    if offset < 1:
        raise ValueError(f"offset must be >= 1, got {offset}")
    shortest = min(len(s) for s in series)
    if shortest <= offset:
        raise ValueError(f"offset {offset} leaves no step in a series of "
                         f"{shortest} rows")
    return offset
