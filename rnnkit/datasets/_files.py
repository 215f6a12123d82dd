"""Reading data files, gzip-compressed or not, with errors that name the file."""
import gzip
import io
import os
import zlib

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"


def read_table(file, delimiter=None, *, max_rows=None, columns=None):
    """Read a numeric table; a first line that is not numeric is a header.

    Parameters
    ----------
    file : str
        Path of a text file, gzip-compressed or not (detected by its first
        bytes).
    delimiter : str or None, default=None
        Field separator; None takes a tab if the first line has one, a comma
        otherwise.
    max_rows : int, optional
        Read only the first data rows.
    columns : sequence of str, optional
        Column names for messages when the file has no header.

    Returns
    -------
    data : ndarray of shape (n_rows, n_columns), float64
        Every value finite.
    header : list of str or None
        The header's fields, or None if the file has none.

    Raises
    ------
    ValueError
        Naming the file, if it is empty, truncated or corrupt (gzip), not
        numeric, has no data rows, or holds a NaN or infinite value (with its
        line and column).
    """
    first = _first_line(file)
    if delimiter is None:
        delimiter = "\t" if "\t" in first else ","
    fields = [v.strip() for v in first.strip().split(delimiter)]
    header = None if _is_numeric(fields) else fields
    skip = 0 if header is None else 1
    with _open_text(file) as f:
        try:
            data = np.loadtxt(f, delimiter=delimiter, skiprows=skip, max_rows=max_rows,
                              dtype=np.float64, ndmin=2)
        except ValueError as exc:
            raise ValueError(f"{file!r}: not a numeric table: {exc}") from exc
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise _damaged(file, exc) from exc
    if data.shape[0] == 0:
        raise ValueError(f"{file!r}: no data rows")
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        row, column = (int(i) for i in bad[0])
        names = header or columns
        name = (f"column {column + 1} ({names[column]})"
                if names is not None and column < len(names) else f"column {column + 1}")
        kind = "NaN" if np.isnan(data[row, column]) else f"{data[row, column]:g}"
        raise ValueError(
            f"{file!r}: {kind} at data row {row + 1} (line {row + 1 + skip}), {name}; "
            "every value must be a finite number")
    return data, header


def find_file(directory, candidates, what):
    """Path of the first of ``candidates`` (file names) present in ``directory``.

    Raises
    ------
    FileNotFoundError
        Naming ``what``, the directory and every candidate tried.
    """
    for name in candidates:
        full = os.path.join(directory, name)
        if os.path.isfile(full):
            return full
    raise FileNotFoundError(
        f"{what} not found in {os.fspath(directory)!r} (tried {', '.join(candidates)})")


def read_bytes(file):
    """All bytes of ``file``, decompressed if it starts with the gzip magic.

    Raises
    ------
    ValueError
        Naming the file, if its gzip data is truncated or corrupt.
    """
    with open(file, "rb") as f:
        raw = f.read()
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _damaged(file, exc) from exc


def _open_text(file):
    """Text handle of ``file``, decompressing gzip (detected by its magic bytes)."""
    with open(file, "rb") as f:
        gz = f.read(2) == GZIP_MAGIC
    if gz:
        return io.TextIOWrapper(gzip.open(file, "rb"))
    return open(file)


def _first_line(file):
    with _open_text(file) as f:
        try:
            first = f.readline()
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise _damaged(file, exc) from exc
    if not first.strip():
        raise ValueError(f"{file!r}: empty file")
    return first


def _is_numeric(fields):
    try:
        [float(v) for v in fields]
    except ValueError:
        return False
    return True


def _damaged(file, exc):
    return ValueError(
        f"{file!r}: truncated or corrupted gzip stream ({exc}); download the file "
        "again")
