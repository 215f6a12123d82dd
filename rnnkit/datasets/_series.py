"""Lists of multivariate time series: checked as a list of 2-D float arrays."""
import numpy as np

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
