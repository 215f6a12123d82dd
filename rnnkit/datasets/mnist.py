"""MNIST in its original IDX format (LeCun, Cortes, Burges).

The four files are ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally
gzip-compressed (``.gz``). Compression is detected from the file's first two
bytes, so a renamed file still loads.

IDX layout (big-endian): two zero bytes, a type code, the number of
dimensions ``d``, then ``d`` 32-bit sizes, then the data in C order.
"""
import os

import numpy as np

from ._files import find_file, read_bytes

__all__ = ["load_mnist", "load_mnist_files", "read_idx", "mnist_file_names",
           "find_mnist_file"]

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: subset -> (images file stem, labels file stem)
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

IMAGES_MAGIC = 2051  # 0x00000803: ubyte, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: ubyte, 1 dimension


def load_mnist(path, subset="train", *, flatten=True):
    """Load MNIST images and labels from the original IDX files.

    Parameters
    ----------
    path : str or os.PathLike
        Directory holding the IDX files, gzip-compressed or not. Both the
        official names (``train-images-idx3-ubyte.gz``) and the dotted
        variant (``train-images.idx3-ubyte``) are found.
    subset : {"train", "test", "all"}, default="train"
        ``"train"``: the 60,000 training images; ``"test"``: the 10,000
        ``t10k`` images; ``"all"``: both, train first (70,000).
    flatten : bool, default=True
        Return images as rows of 784 pixels; otherwise as 28x28 arrays.

    Returns
    -------
    X : ndarray of shape (n, 784) or (n, 28, 28), dtype uint8
        Pixel intensities, 0 (background) to 255 (ink), row-major.
    y : ndarray of shape (n,), dtype int64
        Digit labels 0-9.

    Raises
    ------
    FileNotFoundError
        If the directory or one of the files is missing.
    ValueError
        If a file is not the expected IDX file (magic number, sizes, length)
        or the image and label counts differ.

    Examples
    --------
    >>> X, y = load_mnist("../shared/data/mnist", "test")  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:3]  # doctest: +SKIP
    ((10000, 784), dtype('uint8'), array([7, 2, 1]))
    """
    if subset == "all":
        X_tr, y_tr = load_mnist(path, "train", flatten=flatten)
        X_te, y_te = load_mnist(path, "test", flatten=flatten)
        return np.concatenate([X_tr, X_te]), np.concatenate([y_tr, y_te])
    if subset not in MNIST_FILES:
        raise ValueError(
            f"subset must be 'train', 'test' or 'all', got {subset!r}")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"MNIST directory not found: {os.fspath(path)!r}")
    images_stem, labels_stem = MNIST_FILES[subset]
    images_file = find_mnist_file(path, images_stem)
    labels_file = find_mnist_file(path, labels_stem)

    return load_mnist_files(images_file, labels_file, flatten=flatten)


def load_mnist_files(images_path, labels_path, *, flatten=True):
    """Load one MNIST images/labels file pair given by path.

    Parameters
    ----------
    images_path, labels_path : str or os.PathLike
        IDX files (magic 2051 and 2049), gzip-compressed or not.
    flatten : bool, default=True
        Return images as rows of ``rows * cols`` pixels.

    Returns
    -------
    X : ndarray of shape (n, rows * cols) or (n, rows, cols), dtype uint8
    y : ndarray of shape (n,), dtype int64

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_mnist`.
    """
    images_path = os.fspath(images_path)
    labels_path = os.fspath(labels_path)
    images = read_idx(images_path, expected_magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, expected_magic=LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"MNIST files disagree: {images_path!r} holds "
            f"{images.shape[0]} images but {labels_path!r} holds "
            f"{labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"{labels_path!r}: labels must be digits 0-9, found {labels.max()}")
    X = np.ascontiguousarray(images, dtype=np.uint8)
    if flatten:
        X = X.reshape(X.shape[0], -1)
    return X, labels.astype(np.int64)


def mnist_file_names(subset):
    """Official (uncompressed) file names of an MNIST subset.

    Parameters
    ----------
    subset : {"train", "test"}

    Returns
    -------
    (images_name, labels_name) : tuple of str
    """
    if subset not in MNIST_FILES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
    return MNIST_FILES[subset]


def find_mnist_file(directory, stem):
    """Path of ``stem`` in ``directory``, compressed or not.

    Tries ``stem``, ``stem.gz`` and the dotted variants
    (``train-images.idx3-ubyte``) in that order.

    Raises
    ------
    FileNotFoundError
        Naming every candidate tried.
    """
    dotted = stem.replace("-idx", ".idx")
    return find_file(directory, [stem, stem + ".gz", dotted, dotted + ".gz"],
                     f"MNIST file {stem!r}")


def read_idx(path, *, expected_magic=None):
    """Read one IDX file, gzip-compressed or not, into an array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. gzip compression is detected from its first two bytes
        (``1f 8b``), whatever its name.
    expected_magic : int, optional
        If given, the 32-bit magic number the file must start with (e.g.
        2051 for MNIST images, 2049 for labels).

    Returns
    -------
    data : ndarray of shape given by the header
        In native byte order, dtype from the type code (uint8, int8, int16,
        int32, float32, float64).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the header is invalid, the magic number is not ``expected_magic``,
        or the data is shorter or longer than the header says.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path!r}")
    raw = read_bytes(path)
    if len(raw) < 4:
        raise ValueError(
            f"{path!r}: not an IDX file (only {len(raw)} bytes, "
            "the header alone needs at least 4)")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"{path!r}: bad magic number {magic} (0x{magic:08x}), expected "
            f"{expected_magic} (0x{expected_magic:08x})")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES or raw[3] == 0:
        raise ValueError(
            f"{path!r}: bad IDX magic number 0x{magic:08x} (expected two zero "
            "bytes, a type code among "
            f"{', '.join(hex(c) for c in IDX_DTYPES)} and a nonzero number "
            "of dimensions)")
    dtype = IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(
            f"{path!r}: truncated header ({len(raw)} bytes, {ndim} dimensions "
            f"need {header_len})")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", ndim, 4))
    expected = header_len + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) < expected:
        raise ValueError(
            f"{path!r}: truncated file: header says shape {shape} of "
            f"{dtype.name} ({expected} bytes in all), file has {len(raw)} bytes")
    if len(raw) > expected:
        raise ValueError(
            f"{path!r}: file too long: header says shape {shape} of "
            f"{dtype.name} ({expected} bytes in all), file has {len(raw)} "
            f"bytes ({len(raw) - expected} extra)")
    data = np.frombuffer(raw, dtype, offset=header_len).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
