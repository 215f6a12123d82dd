"""UCI Covertype and HIGGS, in the text formats they are distributed in.

- Covertype: comma-separated, 54 features (10 quantitative, 4
  ``Wilderness_Area*`` and 40 ``Soil_Type*`` one-hot) then ``Cover_Type``
  (1-7). With a header (the project's ``covtype_head10000.csv``) or without
  (UCI's ``covtype.data[.gz]``).
- HIGGS: label (0/1) first, then 28 features; tab-separated (LightGBM's
  ``binary.train`` / ``binary.test``) or comma-separated (UCI's
  ``HIGGS.csv[.gz]``), no header.

gzip-compressed files are read directly (detected by their first bytes).
"""
import gzip
import io
import os

import numpy as np

__all__ = ["load_covtype", "load_higgs", "COVTYPE_FEATURES"]

COVTYPE_FEATURES = (
    ["Elevation", "Aspect", "Slope", "Horizontal_Distance_To_Hydrology",
     "Vertical_Distance_To_Hydrology", "Horizontal_Distance_To_Roadways",
     "Hillshade_9am", "Hillshade_Noon", "Hillshade_3pm",
     "Horizontal_Distance_To_Fire_Points"]
    + [f"Wilderness_Area{i}" for i in range(1, 5)]
    + [f"Soil_Type{i}" for i in range(1, 41)]
)
COVTYPE_FILES = ("covtype_head10000.csv", "covtype.csv", "covtype.data",
                 "covtype.data.gz")
HIGGS_FILES = {"train": ("lightgbm_binary.train", "binary.train"),
               "test": ("lightgbm_binary.test", "binary.test")}


def load_covtype(path, *, max_rows=None):
    """Load UCI Covertype.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file, or a directory holding one of
        ``covtype_head10000.csv``, ``covtype.csv``, ``covtype.data[.gz]``.
    max_rows : int, optional
        Read only the first rows.

    Returns
    -------
    X : ndarray of shape (n, 54), dtype float64
        Features in the UCI order (see ``COVTYPE_FEATURES``).
    y : ndarray of shape (n,), dtype int64
        ``Cover_Type - 1``, in 0..6.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; wrong number of columns, non-numeric values or labels
        outside 1..7.
    """
    file = _find(path, COVTYPE_FILES)
    data = _read_table(file, ",", max_rows)
    if data.shape[1] != 55:
        raise ValueError(f"{file!r}: expected 55 columns (54 features and "
                         f"Cover_Type), got {data.shape[1]}")
    labels = data[:, -1]
    bad = (labels < 1) | (labels > 7) | (labels != np.round(labels))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{file!r}: Cover_Type must be 1..7, data row "
                         f"{row + 1} has {labels[row]:g}")
    return data[:, :-1], labels.astype(np.int64) - 1


def load_higgs(path, subset="train", *, max_rows=None):
    """Load HIGGS (label first, then 28 features).

    Parameters
    ----------
    path : str or os.PathLike
        The file (tab- or comma-separated, optionally gzip), or a directory
        holding LightGBM's ``[lightgbm_]binary.train`` / ``.test``.
    subset : {"train", "test"}, default="train"
        Which file to take when ``path`` is a directory.
    max_rows : int, optional
        Read only the first rows.

    Returns
    -------
    X : ndarray of shape (n, 28), dtype float64
        21 low-level then 7 high-level features.
    y : ndarray of shape (n,), dtype int64
        0 (background) or 1 (signal).
    """
    if os.path.isdir(path):
        if subset not in HIGGS_FILES:
            raise ValueError(
                f"subset must be 'train' or 'test', got {subset!r}")
        file = _find(path, HIGGS_FILES[subset])
    else:
        file = _find(path, ())
    first = _open_text(file).readline()
    delimiter = "\t" if "\t" in first else ","
    data = _read_table(file, delimiter, max_rows)
    if data.shape[1] != 29:
        raise ValueError(f"{file!r}: expected 29 columns (label and 28 "
                         f"features), got {data.shape[1]}")
    labels = data[:, 0]
    bad = (labels != 0) & (labels != 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{file!r}: labels must be 0 or 1, row {row + 1} "
                         f"has {labels[row]:g}")
    return data[:, 1:], labels.astype(np.int64)


def _find(path, names):
    path = os.fspath(path)
    if os.path.isfile(path):
        return path
    if os.path.isdir(path):
        for name in names:
            if os.path.isfile(os.path.join(path, name)):
                return os.path.join(path, name)
        raise FileNotFoundError(
            f"none of {', '.join(names)} found in {path!r}")
    raise FileNotFoundError(f"data file not found: {path!r}")


def _open_text(file):
    with open(file, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    if gz:
        return io.TextIOWrapper(gzip.open(file, "rb"))
    return open(file)


def _read_table(file, delimiter, max_rows):
    """Numeric table; a first line that is not numeric is a header."""
    with _open_text(file) as f:
        first = f.readline()
        if not first.strip():
            raise ValueError(f"{file!r}: empty file")
        try:
            [float(v) for v in first.strip().split(delimiter)]
            skip = 0
        except ValueError:
            skip = 1
    with _open_text(file) as f:
        try:
            data = np.loadtxt(f, delimiter=delimiter, skiprows=skip,
                              max_rows=max_rows, dtype=np.float64, ndmin=2)
        except ValueError as exc:
            raise ValueError(f"{file!r}: not a numeric table: {exc}") from exc
    if data.shape[0] == 0:
        raise ValueError(f"{file!r}: no data rows")
    return data
