"""Pen-stroke MNIST (de Jong 2016): read the real files, derive them from images.

Format (one file per image, ``trainimg-<i>-inputdata.txt`` or
``testimg-<i>-inputdata.txt``, ``i`` the MNIST index in the same split): one row
per step, four integers ``dx dy eos eod``::

    x0 y0 0 0     absolute start point of the first stroke
    dx dy 0 0     unit move, dx, dy in {-1, 0, 1}, not both 0
    0  0  1 0     end of a non-final stroke
    Dx Dy 0 0     jump from the last point to the next stroke's first point
    0  0  1 1     final row (end of the last stroke and of the digit)

``x`` is the column and ``y`` the row, growing downward. A sequence has one row
per point plus one per stroke. The absolute points are the running sums of
``(dx, dy)`` over the rows with ``eos == 0``.

Coordinate frame: in the real files the points are the MNIST pixel indices
plus one (``x = col + 1``, ``y = row + 1``; probably because de Jong traced
the skeletons in R, which counts from 1): after subtracting 1 every point of
a real file lands on a nonzero pixel of its MNIST image, without it only most
do.  :func:`mnist_to_strokes` therefore uses ``coord_base=1`` by default;
``coord_base=0`` gives 0-based pixel indices.
"""
import os
import re

import numpy as np
from numba import njit

__all__ = [
    "load_strokes",
    "load_stroke_dir",
    "strokes_to_points",
    "mnist_to_strokes",
    "thin_images",
    "pack_sequences",
    "unpack_sequences",
]

STROKE_FILE = re.compile(r"^(trainimg|testimg)-(\d+)-inputdata\.txt$")
SPLIT_PREFIX = {"train": "trainimg", "test": "testimg"}

# The 8 unit moves in circular order, as (dx, dy) = (dcol, drow); even
# indices are the 4-neighbours, odd ones the diagonals.
DIR_DX = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
DIR_DY = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)


# --------------------------------------------------------------------------
# Reading the real files
# --------------------------------------------------------------------------

def load_strokes(path):
    """Read one de Jong ``*-inputdata.txt`` file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    seq : ndarray of shape (T, 4), dtype int16
        Rows ``dx dy eos eod``; row 0 is the absolute start point.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a row does not hold four integers, ``eos``/``eod`` is not 0/1,
        or the last row is not the only one with ``eod = 1``.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"stroke file not found: {path!r}")
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 4:
                raise ValueError(
                    f"{path!r} line {lineno}: expected 4 integers "
                    f"'dx dy eos eod', got {line.strip()!r}")
            try:
                rows.append([int(v) for v in fields])
            except ValueError:
                raise ValueError(
                    f"{path!r} line {lineno}: expected 4 integers "
                    f"'dx dy eos eod', got {line.strip()!r}") from None
    if not rows:
        raise ValueError(f"{path!r}: empty stroke file")
    seq = np.array(rows, dtype=np.int64)
    _check_sequence(seq, path)
    return seq.astype(np.int16)


def load_stroke_dir(directory, subset="train", indices=None):
    """Read every ``<subset>img-<i>-inputdata.txt`` file of a directory.

    Parameters
    ----------
    directory : str or os.PathLike
    subset : {"train", "test"}, default="train"
        ``trainimg-*`` or ``testimg-*`` files.
    indices : sequence of int, optional
        Read only these MNIST indices (a missing one raises). By default all
        files of the subset found in ``directory``.

    Returns
    -------
    sequences : list of ndarray of shape (T_i, 4), dtype int16
    indices : ndarray of shape (n,), dtype int64
        The MNIST index of each sequence, in increasing order (or the order
        given).
    """
    directory = os.fspath(directory)
    if subset not in SPLIT_PREFIX:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"stroke directory not found: {directory!r}")
    prefix = SPLIT_PREFIX[subset]
    if indices is None:
        found = []
        for name in os.listdir(directory):
            m = STROKE_FILE.match(name)
            if m and m.group(1) == prefix:
                found.append(int(m.group(2)))
        indices = sorted(found)
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    sequences = [
        load_strokes(os.path.join(directory, f"{prefix}-{i}-inputdata.txt"))
        for i in indices]
    return sequences, indices


def strokes_to_points(seq):
    """Absolute points of a stroke sequence.

    Parameters
    ----------
    seq : array-like of shape (T, 4)
        Rows ``dx dy eos eod``.

    Returns
    -------
    points : ndarray of shape (n_points, 2), dtype int64
        ``(x, y)`` of each point, in drawing order (running sums of
        ``(dx, dy)`` over the rows with ``eos == 0``).
    stroke : ndarray of shape (n_points,), dtype int64
        Stroke number (0-based) of each point.
    """
    seq = np.asarray(seq)
    if seq.ndim != 2 or seq.shape[1] != 4:
        raise ValueError(f"expected rows 'dx dy eos eod' of shape (T, 4), "
                         f"got shape {seq.shape}")
    pen = seq[:, 2] == 0
    xy = np.cumsum(seq[:, :2].astype(np.int64), axis=0)
    stroke = np.cumsum(seq[:, 2].astype(np.int64)) - seq[:, 2]
    return xy[pen], stroke[pen]


def _check_sequence(seq, where):
    flags = seq[:, 2:]
    if np.any((flags != 0) & (flags != 1)):
        bad = int(np.flatnonzero(np.any((flags != 0) & (flags != 1), 1))[0])
        raise ValueError(f"{where}: eos/eod must be 0 or 1, row {bad + 1} is "
                         f"{seq[bad].tolist()}")
    eod = np.flatnonzero(seq[:, 3])
    if eod.size != 1 or eod[0] != len(seq) - 1 or seq[-1, 2] != 1:
        raise ValueError(
            f"{where}: the last row must be the only end-of-digit row "
            f"'0 0 1 1'; found eod = 1 at rows {(eod + 1).tolist()} of "
            f"{len(seq)}, last row {seq[-1].tolist()}")


# --------------------------------------------------------------------------
# Deriving strokes from images
# --------------------------------------------------------------------------

def mnist_to_strokes(images, threshold=128, *, min_component_size=3,
                     min_spur_length=0,
                     start="top-left", next_start="nearest", coord_base=1,
                     image_shape=(28, 28), packed=False):
    """Derive de Jong-style pen-stroke sequences from digit images.

    Each image is binarised (``pixel >= threshold``), thinned to a one-pixel
    8-connected skeleton (Zhang-Suen), small specks are dropped, and the
    skeleton is traced into strokes of unit moves:

    - a stroke starts at an unvisited end point (a pixel whose unvisited
      neighbours form one run of at most 2, or none): the first stroke at
      the top-left one (smallest ``x + y``), later strokes at the one nearest
      to the pen (see ``start`` and ``next_start``); if there is none (closed
      loops), at the unvisited pixel that rule prefers;
    - it walks to unvisited 8-neighbours, preferring, in this order: a
      4-neighbour that is a corner on the way to a diagonal candidate (so
      staircase pixels are not skipped), the smallest change of direction,
      4-neighbours over diagonals; it ends where no unvisited neighbour is
      left.

    Every skeleton pixel is visited exactly once. All work runs in Numba.

    Parameters
    ----------
    images : array-like of shape (n, h, w) or (n, h * w)
        Grey levels, 0 = background (e.g. MNIST uint8). Flat rows are
        reshaped with ``image_shape``.
    threshold : float, default=128
        Ink where ``pixel >= threshold``.
    min_component_size : int, default=3
        Skeleton components (8-connected) with fewer pixels are dropped,
        except the largest one of each image.
    min_spur_length : int, default=0
        Remove skeleton spurs (branches from an end point to a junction)
        with fewer pixels before tracing; 0 keeps them.
    start : {"top-left", "topmost"}, default="top-left"
        Start of the first stroke: the end point with the smallest ``x + y``
        (de Jong's "top left end point"; it matches the start of all 7 real
        fixtures within one pixel), or the one with the smallest
        ``(row, col)``. Ties go to the smallest ``(row, col)``.
    next_start : {"nearest", "top-left", "topmost"}, default="nearest"
        Start of each later stroke: the end point nearest to where the pen
        stopped (de Jong minimised pen travel with a TSP solver), or the rule
        of ``start``.
    coord_base : int, default=1
        Pixel ``(row, col)`` is the point ``(x, y) = (col + coord_base,
        row + coord_base)``; 1 matches the real de Jong files.
    image_shape : tuple of int, default=(28, 28)
        Shape of one image when ``images`` is 2-D.
    packed : bool, default=False
        Return ``(rows, offsets)`` instead of a list.

    Returns
    -------
    sequences : list of ndarray of shape (T_i, 4), dtype int16
        Rows ``dx dy eos eod``. An image without ink gives the single row
        ``0 0 1 1``. If ``packed``: ``rows`` of shape (sum T_i, 4) and
        ``offsets`` of shape (n + 1,), sequence ``i`` being
        ``rows[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> img = np.zeros((1, 5, 5), np.uint8); img[0, 2, 1:4] = 255
    >>> mnist_to_strokes(img, coord_base=0)[0].tolist()
    [[1, 2, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]]
    """
    skeletons = thin_images(images, threshold, image_shape=image_shape,
                            min_component_size=min_component_size,
                            min_spur_length=min_spur_length)
    lengths = np.empty(len(skeletons), dtype=np.int64)
    rules = (_rule(start, "start", ("top-left", "topmost")),
             _rule(next_start, "next_start", ("top-left", "topmost",
                                               "nearest")))
    _trace_batch(skeletons, 0, *rules, np.empty((0, 4), np.int16),
                 np.zeros(len(skeletons) + 1, np.int64), lengths)
    offsets = np.zeros(len(skeletons) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    rows = np.zeros((offsets[-1], 4), dtype=np.int16)
    _trace_batch(skeletons, int(coord_base), *rules, rows, offsets, lengths)
    if packed:
        return rows, offsets
    return unpack_sequences(rows, offsets)


def thin_images(images, threshold=128, *, min_component_size=0,
                min_spur_length=0, image_shape=(28, 28)):
    """Binarise and thin images to one-pixel skeletons (Zhang-Suen).

    Parameters
    ----------
    images : array-like of shape (n, h, w) or (n, h * w)
    threshold : float, default=128
        Ink where ``pixel >= threshold``.
    min_component_size : int, default=0
        Drop skeleton components (8-connected) with fewer pixels, keeping the
        largest one of each image.
    min_spur_length : int, default=0
        Remove spurs (branches from an end point to a junction) with fewer
        pixels; 0 or 1 keeps them.
    image_shape : tuple of int, default=(28, 28)
        Shape of one image when ``images`` is 2-D.

    Returns
    -------
    skeletons : ndarray of shape (n, h, w), dtype uint8
        1 on the skeleton, 0 elsewhere.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        h, w = image_shape
        if images.shape[1] != h * w:
            raise ValueError(
                f"flat images have {images.shape[1]} columns, image_shape "
                f"{tuple(image_shape)} needs {h * w}")
        images = images.reshape(len(images), h, w)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, h, w) or (n, h*w), got "
                         f"{images.shape}")
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=np.uint8)
    padded[:, 1:-1, 1:-1] = images >= threshold
    _zhang_suen_batch(padded, int(min_component_size), int(min_spur_length))
    return np.ascontiguousarray(padded[:, 1:-1, 1:-1])


def _rule(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return {"top-left": 0, "topmost": 1, "nearest": 2}[value]


def pack_sequences(sequences):
    """Concatenate sequences into ``(rows, offsets)`` (for ``.npz`` caches).

    Parameters
    ----------
    sequences : list of ndarray of shape (T_i, 4)

    Returns
    -------
    rows : ndarray of shape (sum T_i, 4), dtype int16
    offsets : ndarray of shape (n + 1,), dtype int64
    """
    lengths = [len(s) for s in sequences]
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if sequences:
        rows = np.concatenate(sequences).astype(np.int16)
    else:
        rows = np.empty((0, 4), np.int16)
    return rows, offsets


def unpack_sequences(rows, offsets):
    """Inverse of :func:`pack_sequences`: a list of views into ``rows``."""
    return [rows[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


# --------------------------------------------------------------------------
# Numba kernels
# --------------------------------------------------------------------------

@njit(cache=True)
def _zhang_suen_batch(padded, min_component_size, min_spur_length):
    """Thin each binary image of ``padded`` (n, h+2, w+2) in place, then
    prune spurs and drop small components.

    The border rows and columns must be 0 and stay 0.
    """
    n, H, W = padded.shape
    marks = np.zeros((H, W), dtype=np.uint8)
    stack = np.empty(H * W, dtype=np.int64)
    label = np.zeros((H, W), dtype=np.int64)
    sizes = np.zeros(H * W + 1, dtype=np.int64)
    for i in range(n):
        img = padded[i]
        _zhang_suen(img, marks)
        if min_spur_length > 1:
            _prune_spurs(img, min_spur_length, stack)
        if min_component_size > 1:
            _drop_small_components(img, min_component_size, label, sizes,
                                   stack)


@njit(cache=True)
def _zhang_suen(img, marks):
    """Zhang & Suen (1984) thinning of one padded binary image, in place."""
    H, W = img.shape
    changed = True
    while changed:
        changed = False
        for step in range(2):
            n_marked = 0
            for r in range(1, H - 1):
                for c in range(1, W - 1):
                    marks[r, c] = 0
                    if img[r, c] == 0:
                        continue
                    p2 = img[r - 1, c]
                    p3 = img[r - 1, c + 1]
                    p4 = img[r, c + 1]
                    p5 = img[r + 1, c + 1]
                    p6 = img[r + 1, c]
                    p7 = img[r + 1, c - 1]
                    p8 = img[r, c - 1]
                    p9 = img[r - 1, c - 1]
                    b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9
                    if b < 2 or b > 6:
                        continue
                    a = ((p2 == 0 and p3 == 1) + (p3 == 0 and p4 == 1)
                         + (p4 == 0 and p5 == 1) + (p5 == 0 and p6 == 1)
                         + (p6 == 0 and p7 == 1) + (p7 == 0 and p8 == 1)
                         + (p8 == 0 and p9 == 1) + (p9 == 0 and p2 == 1))
                    if a != 1:
                        continue
                    if step == 0:
                        if p2 * p4 * p6 != 0 or p4 * p6 * p8 != 0:
                            continue
                    else:
                        if p2 * p4 * p8 != 0 or p2 * p6 * p8 != 0:
                            continue
                    marks[r, c] = 1
                    n_marked += 1
            if n_marked:
                changed = True
                for r in range(1, H - 1):
                    for c in range(1, W - 1):
                        if marks[r, c]:
                            img[r, c] = 0


@njit(cache=True)
def _runs(img, r, c):
    """Number of runs of set pixels around (r, c), and their count."""
    count = 0
    runs = 0
    before = img[r + DIR_DY[7], c + DIR_DX[7]]
    for k in range(8):
        on = img[r + DIR_DY[k], c + DIR_DX[k]]
        count += on
        if on and not before:
            runs += 1
        before = on
    return runs, count


@njit(cache=True)
def _prune_spurs(img, min_length, chain):
    """Remove branches of fewer than ``min_length`` pixels that run from an
    end point to a junction (a pixel with 3 or more runs of neighbours)."""
    H, W = img.shape
    for r0 in range(1, H - 1):
        for c0 in range(1, W - 1):
            if img[r0, c0] == 0:
                continue
            runs, count = _runs(img, r0, c0)
            if count == 0 or runs != 1 or count > 2:
                continue  # not an end point
            n = 1
            chain[0] = r0 * W + c0
            r = r0
            c = c0
            while n < min_length:
                nxt = -1
                for j in range(8):  # 4-neighbours first
                    k = (2 * j) % 8 + j // 4
                    rr = r + DIR_DY[k]
                    cc = c + DIR_DX[k]
                    if img[rr, cc] == 0:
                        continue
                    seen = False
                    for m in range(n):
                        if chain[m] == rr * W + cc:
                            seen = True
                    if not seen:
                        nxt = rr * W + cc
                        break
                if nxt < 0:
                    break  # an isolated piece, not a spur
                r = nxt // W
                c = nxt % W
                if _runs(img, r, c)[0] >= 3:
                    for m in range(n):  # a short branch: drop it
                        img[chain[m] // W, chain[m] % W] = 0
                    break
                chain[n] = nxt
                n += 1


@njit(cache=True)
def _drop_small_components(img, min_size, label, sizes, stack):
    """Zero 8-connected components smaller than ``min_size`` (keep largest)."""
    H, W = img.shape
    for r in range(H):
        for c in range(W):
            label[r, c] = 0
    n_labels = 0
    for r0 in range(1, H - 1):
        for c0 in range(1, W - 1):
            if img[r0, c0] == 0 or label[r0, c0] != 0:
                continue
            n_labels += 1
            size = 0
            top = 0
            stack[top] = r0 * W + c0
            top += 1
            label[r0, c0] = n_labels
            while top > 0:
                top -= 1
                r = stack[top] // W
                c = stack[top] % W
                size += 1
                for dr in range(-1, 2):
                    for dc in range(-1, 2):
                        rr = r + dr
                        cc = c + dc
                        if img[rr, cc] != 0 and label[rr, cc] == 0:
                            label[rr, cc] = n_labels
                            stack[top] = rr * W + cc
                            top += 1
            sizes[n_labels] = size
    if n_labels <= 1:
        return
    largest = 1
    for k in range(2, n_labels + 1):
        if sizes[k] > sizes[largest]:
            largest = k
    for r in range(1, H - 1):
        for c in range(1, W - 1):
            k = label[r, c]
            if k != 0 and k != largest and sizes[k] < min_size:
                img[r, c] = 0


@njit(cache=True)
def _trace_batch(skeletons, coord_base, first_rule, next_rule, rows, offsets,
                 lengths):
    """Trace every skeleton; count rows only if ``rows`` is empty.

    skeletons : (n, h, w) uint8; rows : (sum T, 4) int16 or (0, 4);
    offsets : (n + 1,) int64; lengths : (n,) int64, filled with T_i.
    """
    n, h, w = skeletons.shape
    free = np.zeros((h + 2, w + 2), dtype=np.uint8)
    write = rows.shape[0] > 0
    for i in range(n):
        for r in range(h):
            for c in range(w):
                free[r + 1, c + 1] = skeletons[i, r, c]
        start = offsets[i] if write else -1
        lengths[i] = _trace_one(free, coord_base, first_rule, next_rule, rows,
                                start)


@njit(cache=True)
def _trace_one(free, coord_base, first_rule, next_rule, rows, start):
    """Trace one padded skeleton, clearing ``free`` (1 = unvisited pixel).

    Writes rows ``dx dy eos eod`` from index ``start`` unless it is -1;
    returns the number of rows.
    """
    H, W = free.shape
    remaining = 0
    for r in range(1, H - 1):
        for c in range(1, W - 1):
            remaining += free[r, c]
    # one row per point and per stroke; a stroke's first row is the
    # absolute start (first stroke) or the jump, its last the eos row
    n_rows = 0
    last_r = -1
    last_c = -1
    while remaining > 0:
        if last_r < 0:
            r, c = _pick_start(free, first_rule, 0, 0)
            dx = c - 1 + coord_base
            dy = r - 1 + coord_base
        else:
            r, c = _pick_start(free, next_rule, last_r, last_c)
            if start >= 0:  # end of the previous stroke
                rows[start + n_rows, 2] = 1
            n_rows += 1
            dx = c - last_c
            dy = r - last_r
        k = -1
        while True:
            if start >= 0:
                rows[start + n_rows, 0] = dx
                rows[start + n_rows, 1] = dy
            n_rows += 1
            free[r, c] = 0
            remaining -= 1
            k = _next_direction(free, r, c, k)
            if k < 0:
                break
            dx = DIR_DX[k]
            dy = DIR_DY[k]
            r += dy
            c += dx
        last_r = r
        last_c = c
    if start >= 0:  # the final row, also for an image without ink
        rows[start + n_rows, 2] = 1
        rows[start + n_rows, 3] = 1
    return n_rows + 1


@njit(cache=True)
def _pick_start(free, rule, last_r, last_c):
    """Best free end point by ``rule``, else the best free pixel.

    rule 0: smallest x + y; 1: smallest (row, col); 2: nearest to
    (last_r, last_c). Ties go to the smallest (row, col). An end point has
    no free neighbour, or one or two that are next to each other.
    """
    H, W = free.shape
    best_end = -1
    best_end_score = 1 << 60
    best_any = -1
    best_any_score = 1 << 60
    for r in range(1, H - 1):
        for c in range(1, W - 1):
            if free[r, c] == 0:
                continue
            if rule == 0:
                primary = r + c
            elif rule == 1:
                primary = 0
            else:
                primary = (r - last_r) ** 2 + (c - last_c) ** 2
            score = primary * H * W + r * W + c
            if score < best_any_score:
                best_any_score = score
                best_any = r * W + c
            if score >= best_end_score:
                continue
            runs, count = _runs(free, r, c)
            if count == 0 or (runs == 1 and count <= 2):
                best_end_score = score
                best_end = r * W + c
    if best_end >= 0:
        return best_end // W, best_end % W
    return best_any // W, best_any % W


@njit(cache=True)
def _next_direction(free, r, c, prev):
    """Direction index of the next move from (r, c), or -1 at a stroke end.

    Preference: skip no free corner on the way to a diagonal, then the
    smallest turn from ``prev`` (-1 at a stroke start), then 4-neighbours
    over diagonals, then the lowest index.
    """
    best = -1
    best_key = 1 << 30
    for k in range(8):
        if free[r + DIR_DY[k], c + DIR_DX[k]] == 0:
            continue
        diagonal = k % 2
        if diagonal:
            k1 = (k + 7) % 8
            k2 = (k + 1) % 8
            if (free[r + DIR_DY[k1], c + DIR_DX[k1]]
                    or free[r + DIR_DY[k2], c + DIR_DX[k2]]):
                continue
        turn = 0
        if prev >= 0:
            turn = abs(k - prev)
            if turn > 4:
                turn = 8 - turn
        key = turn * 16 + diagonal * 8 + k
        if key < best_key:
            best_key = key
            best = k
    return best
