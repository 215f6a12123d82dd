"""One data set in one HDF5 file: write it chunked, read it back lazily.

Layout written by :func:`write_hdf5`::

    /                 attrs: free metadata (source, checksums, ...)
    /train/X, /train/y
    /test/X,  /test/y
    /<name>           any other array at the root

Arrays are chunked by blocks of whole rows (about ``chunk_bytes`` each), so
that reading ``X[i:i + batch]`` touches few chunks: estimators that accept an
h5py dataset (``partial_fit`` over row blocks) stream the file instead of
loading it.
"""
import os

import h5py
import numpy as np

__all__ = ["write_hdf5", "load_hdf5", "iter_batches"]


def write_hdf5(path, data, *, attrs=None, chunk_bytes=1 << 20,
               compression="gzip", compression_opts=4, overwrite=False):
    """Write arrays, optionally in groups, to one chunked HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike
        File to create.
    data : mapping
        ``name -> value`` where ``value`` is an array (a root dataset), a
        ``(X, y)`` pair (a group with datasets ``X`` and ``y``) or a mapping
        ``name -> array`` (a group with those datasets). Example:
        ``{"train": (X_train, y_train), "test": (X_test, y_test)}``.
    attrs : mapping, optional
        Attributes of the root (strings, numbers, small arrays).
    chunk_bytes : int, default=1 MiB
        Target size of a chunk; chunks hold whole rows.
    compression : {"gzip", "lzf", None}, default="gzip"
    compression_opts : int, default=4
        gzip level (ignored otherwise).
    overwrite : bool, default=False
        Replace an existing file; otherwise raise ``FileExistsError``.

    Returns
    -------
    path : str
    """
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(
            f"{path!r} exists; pass overwrite=True to replace it")
    if not hasattr(data, "items") or not data:
        raise ValueError("data must be a non-empty mapping name -> array, "
                         "(X, y) pair or mapping of arrays")
    groups = {}
    for name, value in data.items():
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(
                    f"data[{name!r}]: a tuple must be (X, y), got "
                    f"{len(value)} items")
            value = {"X": value[0], "y": value[1]}
        if hasattr(value, "items") and {"X", "y"} <= set(value):
            if len(value["X"]) != len(value["y"]):
                raise ValueError(
                    f"data[{name!r}]: X has {len(value['X'])} rows but y has "
                    f"{len(value['y'])}")
        groups[name] = value
    tmp = path + ".partial"
    try:
        with h5py.File(tmp, "w") as f:
            for key, value in (attrs or {}).items():
                f.attrs[key] = value
            for name, value in groups.items():
                if hasattr(value, "items"):
                    group = f.create_group(name)
                    for sub, array in value.items():
                        _create(group, sub, array, chunk_bytes, compression,
                                compression_opts)
                else:
                    _create(f, name, value, chunk_bytes, compression,
                            compression_opts)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    os.replace(tmp, path)
    return path


def load_hdf5(path, group=None, names=("X", "y"), *, in_memory=False):
    """Open datasets of an HDF5 file written by :func:`write_hdf5`.

    Parameters
    ----------
    path : str or os.PathLike
    group : str, optional
        Group to read from (``"train"``, ``"test"``); the root by default.
    names : str or sequence of str, default=("X", "y")
        Datasets to return.
    in_memory : bool, default=False
        Return NumPy arrays (and close the file) instead of h5py datasets.

    Returns
    -------
    datasets : tuple of h5py.Dataset or ndarray, or a single one if
        ``names`` is a string
        The h5py datasets keep the file open (read-only) while referenced;
        slice them (``X[i:j]``) to read rows. ``X.file.close()`` closes it.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a readable HDF5 file (corrupted or truncated).
    KeyError
        If the group or a dataset is missing; the message lists what exists.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"HDF5 file not found: {path!r}")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(
            f"{path!r} is not a readable HDF5 file (corrupted or truncated?): "
            f"{exc}") from exc
    single = isinstance(names, str)
    names = [names] if single else list(names)
    try:
        where = f
        if group is not None:
            if group not in f or not isinstance(f[group], h5py.Group):
                raise KeyError(
                    f"{path!r} has no group {group!r}; it holds "
                    f"{_listing(f)}")
            where = f[group]
        out = []
        for name in names:
            if name not in where or not isinstance(where[name], h5py.Dataset):
                raise KeyError(
                    f"{path!r} has no dataset {name!r} in "
                    f"{where.name!r}; it holds {_listing(where)}")
            out.append(where[name])
        if in_memory:
            out = [ds[()] for ds in out]
            f.close()
    except Exception:
        f.close()
        raise
    return out[0] if single else tuple(out)


def iter_batches(*arrays, batch_size=10_000):
    """Yield aligned row blocks of arrays or h5py datasets as NumPy arrays.

    Parameters
    ----------
    *arrays : array-like or h5py.Dataset, same first dimension
    batch_size : int, default=10000

    Yields
    ------
    blocks : tuple of ndarray (or one ndarray if one array was given)
        Rows ``i:i + batch_size`` of each array.
    """
    if not arrays:
        raise ValueError("iter_batches needs at least one array")
    n = len(arrays[0])
    for a in arrays[1:]:
        if len(a) != n:
            raise ValueError(f"arrays differ in length: {n} and {len(a)} rows")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    for start in range(0, n, batch_size):
        block = tuple(np.asarray(a[start:start + batch_size]) for a in arrays)
        yield block if len(block) > 1 else block[0]


def _create(parent, name, array, chunk_bytes, compression, compression_opts):
    array = np.asarray(array)
    if array.dtype.kind in "OU":
        raise ValueError(
            f"{name!r}: dtype {array.dtype} cannot be stored; use numbers "
            "(or bytes)")
    kwargs = {}
    if array.ndim >= 1 and array.size:
        row_bytes = max(1, array[:1].nbytes)
        rows = int(min(len(array), max(1, chunk_bytes // row_bytes)))
        kwargs["chunks"] = (rows,) + array.shape[1:]
        if compression is not None:
            kwargs["compression"] = compression
            if compression == "gzip":
                kwargs["compression_opts"] = compression_opts
    return parent.create_dataset(name, data=array, **kwargs)


def _listing(group):
    items = []
    group.visititems(lambda name, obj: items.append(
        f"{name} {obj.shape}" if isinstance(obj, h5py.Dataset) else name + "/"))
    return ", ".join(items) if items else "nothing"
