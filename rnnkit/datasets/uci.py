"""UCI Covertype and HIGGS, in the text formats they are distributed in.

- Covertype: comma-separated, 54 features (10 quantitative, 4
  ``Wilderness_Area*`` and 40 ``Soil_Type*`` one-hot) then ``Cover_Type``
  (1-7). With a header (the project's ``covtype_head10000.csv``) or without
  (UCI's ``covtype.data[.gz]``).
- HIGGS: label (0/1) first, then 28 features; tab-separated (LightGBM's
  ``binary.train`` / ``binary.test``) or comma-separated (UCI's
  ``HIGGS.csv[.gz]``), no header.

gzip-compressed files are read directly (detected by their first bytes).
Truncated or corrupt files, and NaN or infinite values, raise ValueError
naming the file (and the line and column).
"""
import os

import numpy as np

from ._files import read_table

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
_HIGGS_LAYOUT = ("UCI's layout: no header, 29 columns (the label, 0 or 1, then 28 "
                 "features), comma- or tab-separated, optionally gzip-compressed")


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
        Missing file; truncated or corrupt gzip data, wrong number of
        columns, non-numeric, NaN or infinite values, or labels outside 1..7.
    """
    file = _find(path, COVTYPE_FILES)
    data, _ = read_table(file, ",", max_rows=max_rows,
                         columns=COVTYPE_FEATURES + ["Cover_Type"])
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
    """Load HIGGS in UCI's layout: no header, the label first, then 28 features.

    Parameters
    ----------
    path : str or os.PathLike
        The file (UCI's ``HIGGS.csv[.gz]``, or LightGBM's tab-separated
        example files), or a directory holding LightGBM's
        ``[lightgbm_]binary.train`` / ``.test``.
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

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; a file in another layout (a header line, another
        number of columns, labels other than 0 and 1, such as a label in the
        last column), truncated or corrupt gzip data, non-numeric, NaN or
        infinite values.
    """
    if os.path.isdir(path):
        if subset not in HIGGS_FILES:
            raise ValueError(
                f"subset must be 'train' or 'test', got {subset!r}")
        file = _find(path, HIGGS_FILES[subset])
    else:
        file = _find(path, ())
    data, header = read_table(file, max_rows=max_rows,
                              columns=["label"] + [f"feature {i}" for i in range(1, 29)])
    if header is not None:
        raise ValueError(
            f"{file!r}: starts with a header line ({', '.join(header)[:120]}), but "
            f"load_higgs reads {_HIGGS_LAYOUT}. Drop the header and put the label "
            "column first.")
    if data.shape[1] != 29:
        raise ValueError(f"{file!r}: expected 29 columns (the label and 28 features), "
                         f"got {data.shape[1]}; load_higgs reads {_HIGGS_LAYOUT}.")
    labels = data[:, 0]
    bad = (labels != 0) & (labels != 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        last = data[:, -1]
        hint = (" The last column holds only 0 and 1: is the label last? Put it first."
                if np.isin(last, (0.0, 1.0)).all() else "")
        raise ValueError(f"{file!r}: labels (first column) must be 0 or 1, row "
                         f"{row + 1} has {labels[row]:g}; load_higgs reads "
                         f"{_HIGGS_LAYOUT}.{hint}")
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
