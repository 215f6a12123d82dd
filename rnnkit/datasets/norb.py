"""small NORB (LeCun, Huang, Bottou 2004) in its binary matrix format.

Not available offline; this reader follows the format of the NYU release
(``norb-v1.0-small/readme``) so a user with the files can load them.

Files (optionally gzip-compressed, ``.gz``)::

    smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat   (24300, 2, 96, 96) uint8
    smallnorb-5x46789x9x18x6x2x96x96-training-cat.mat   (24300,) int32, 0..4
    smallnorb-5x01235x9x18x6x2x96x96-testing-dat.mat    (24300, 2, 96, 96)
    smallnorb-5x01235x9x18x6x2x96x96-testing-cat.mat    (24300,)

Binary matrix layout (little-endian): a 32-bit magic number giving the element
type, a 32-bit number of dimensions ``d``, then ``max(d, 3)`` 32-bit sizes
(the unused ones are 1), then the data in C order.
"""
import os

import numpy as np

from ._files import find_file, read_bytes

__all__ = ["read_norb_matrix", "load_small_norb"]

NORB_DTYPES = {
    0x1E3D4C51: np.dtype("<f4"),
    0x1E3D4C53: np.dtype("<f8"),
    0x1E3D4C54: np.dtype("<i4"),
    0x1E3D4C55: np.dtype("u1"),
    0x1E3D4C56: np.dtype("<i2"),
}
NORB_FILES = {
    "train": "smallnorb-5x46789x9x18x6x2x96x96-training-{}.mat",
    "test": "smallnorb-5x01235x9x18x6x2x96x96-testing-{}.mat",
}


def load_small_norb(path, subset="train", *, step=3, phase=0):
    """Load small NORB stereo images, decimated, and their categories.

    Parameters
    ----------
    path : str or os.PathLike
        Directory with the ``-dat.mat`` and ``-cat.mat`` files (or ``.gz``).
    subset : {"train", "test"}, default="train"
    step : int, default=3
        Keep every ``step``-th row and column (96 -> 32 for 3; 1 keeps all).
    phase : int, default=0
        Index of the first kept row/column (the RNN-ELM paper's two
        reference scripts subsample with different phases).

    Returns
    -------
    X : ndarray of shape (n, 2 * s * s), dtype uint8
        Left then right camera image, each ``s x s`` row-major,
        ``s = len(range(phase, 96, step))`` (32 by default); pixels 0..255.
    y : ndarray of shape (n,), dtype int64
        Category 0..4 (animal, human, airplane, truck, car).
    """
    if subset not in NORB_FILES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
    if not 0 <= phase < step:
        raise ValueError(f"phase must be in [0, step={step}), got {phase}")
    dat, cat = (find_file(path, [name, name + ".gz"], f"small NORB file {name!r}")
                for name in (NORB_FILES[subset].format(kind) for kind in ("dat", "cat")))
    images = read_norb_matrix(dat)
    labels = read_norb_matrix(cat)
    if images.ndim != 4 or images.shape[1] != 2:
        raise ValueError(f"{dat!r}: expected images of shape (n, 2, h, w), "
                         f"got {images.shape}")
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{dat!r} holds {images.shape[0]} image pairs but "
                         f"{cat!r} holds {labels.shape[0]} labels")
    small = images[:, :, phase::step, phase::step]
    X = np.ascontiguousarray(small.reshape(len(small), -1), dtype=np.uint8)
    return X, labels.reshape(-1).astype(np.int64)


def read_norb_matrix(path):
    """Read one NORB binary matrix file, gzip-compressed or not.

    Returns
    -------
    data : ndarray, shape from the header, native byte order

    Raises
    ------
    FileNotFoundError
    ValueError
        Unknown magic number (e.g. the unsupported packed type), truncated
        or over-long file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"NORB file not found: {path!r}")
    raw = read_bytes(path)
    if len(raw) < 8:
        raise ValueError(f"{path!r}: truncated header ({len(raw)} bytes)")
    magic, ndim = (int(v) for v in np.frombuffer(raw, "<i4", 2))
    if magic not in NORB_DTYPES:
        raise ValueError(
            f"{path!r}: bad magic number 0x{magic & 0xFFFFFFFF:08X}, expected "
            f"one of {', '.join(f'0x{m:08X}' for m in NORB_DTYPES)}")
    if not 0 <= ndim <= 16:
        raise ValueError(f"{path!r}: implausible number of dimensions {ndim}")
    n_sizes = max(ndim, 3)
    header = 8 + 4 * n_sizes
    if len(raw) < header:
        raise ValueError(f"{path!r}: truncated header ({len(raw)} bytes, "
                         f"need {header})")
    shape = tuple(int(s) for s in np.frombuffer(raw, "<i4", n_sizes, 8))[:ndim]
    dtype = NORB_DTYPES[magic]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path!r}: {'truncated' if len(raw) < expected else 'too long'}:"
            f" header says shape {shape} of {dtype.name} ({expected} bytes "
            f"in all), file has {len(raw)} bytes")
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
