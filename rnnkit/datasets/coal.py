"""Coal-fired power plant burners (EXAMM / ANTS data set, 2018_coal).

One CSV per burner (``burner_<i>.csv``), with a header and one row a minute;
12 numeric columns, already min-max normalised over all 12 burners. The usual
task predicts ``Main_Flm_Int`` (main flame intensity, the last column) one
step ahead from all 12 columns, the target included
(:func:`rnnkit.datasets.one_step_ahead`).
"""
import os

from ._files import read_table

__all__ = ["COAL_COLUMNS", "COAL_TARGET", "load_coal", "parse_burners"]

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
