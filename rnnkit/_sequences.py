"""Sequence input handling shared by the recurrent estimators.

Three input forms are accepted and give the same padded batch:

* a 3-D array of shape ``(n_samples, n_steps, n_features)`` (all sequences
  have ``n_steps`` steps);
* a list (or tuple) of 2-D arrays of shape ``(n_steps_i, n_features)`` with
  possibly different ``n_steps_i`` (1-D arrays are read as univariate
  sequences ``(n_steps_i, 1)``); a 1-D object array of such arrays, as
  ``np.array(seqs, dtype=object)`` makes of sequences of different
  lengths, is read as the list;
* a 2-D array of shape ``(n_samples, n_steps * step_features)`` when
  ``step_features`` is given (row-by-row MNIST: ``step_features=28`` on the
  784 pixel columns).  Without ``step_features`` a 2-D array is read as one
  step of ``n_columns`` features per sample, i.e. ordinary tabular data.

Padded steps (``t >= lengths[i]``) are zero.  Every sequence must have at
least one step; NaN and infinity are rejected.
"""
import numbers

import numpy as np
import scipy.sparse as sp
from numba import njit
from sklearn.utils.validation import check_array

__all__ = ["as_sequence_input", "check_sequences", "check_sequence_targets",
           "cut_sequences", "sequence_form", "step_changes", "step_moments"]

#: What the estimators accept, for error messages.
ACCEPTED_FORMS = (
    "a 3-D array of shape (n_samples, n_steps, n_features), a list of 2-D "
    "arrays of shape (n_steps_i, n_features), or a 2-D array of shape "
    "(n_samples, n_steps * step_features) with step_features set"
)


def as_sequence_input(X):
    """``X`` in a form :func:`check_sequences` reads, without copying data.

    Lists and tuples stay as they are; a 1-D object array whose elements are
    arrays (``np.array(seqs, dtype=object)`` of sequences of different
    lengths) becomes a list of them; arrays, sparse matrices and objects
    with an ``ndim`` (h5py datasets, memmaps) stay as they are; other
    array-likes (pandas frames, nested lists inside tuples) become arrays.

    Parameters
    ----------
    X : object

    Returns
    -------
    X : list, tuple, ndarray, sparse matrix or array-like with ``ndim``
    """
    if isinstance(X, (list, tuple)):
        return X
    if (isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1
            and X.size and all(np.ndim(x) >= 1 for x in X)):
        return list(X)
    if hasattr(X, "ndim") or sp.issparse(X):
        return X
    return np.asarray(X)


def check_sequences(X, step_features=None, dtype=None, estimator_name=None):
    """Validate sequences and return them padded, with their lengths.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_steps, n_features), list of ndarray \
            of shape (n_steps_i, n_features), or ndarray of shape \
            (n_samples, n_steps * step_features)
        The sequences (see the module docstring).
    step_features : int or None, default=None
        Number of features per step when ``X`` is 2-D.  ``None`` reads a 2-D
        array as one step per sample.
    dtype : {np.float32, np.float64} or None, default=None
        Output dtype; ``None`` keeps float32 input as float32 and converts
        anything else to float64.
    estimator_name : str or None, default=None
        Used in error messages.

    Returns
    -------
    X_padded : ndarray of shape (n_samples, max_steps, n_features)
        C-contiguous, zeros after each sequence's end.
    lengths : ndarray of shape (n_samples,), dtype int64
        Number of valid steps of each sequence (all >= 1).

    Raises
    ------
    ValueError
        On empty input, empty sequences, sequences without features,
        inconsistent feature counts, non-finite values, arrays of more than
        three dimensions, or a column count not divisible by
        ``step_features``.
    """
    name = estimator_name or "this estimator"
    X = as_sequence_input(X)
    if isinstance(X, (list, tuple)):
        return _check_sequence_list(X, dtype, name)
    ndim = X.ndim if hasattr(X, "ndim") else np.ndim(X)
    if ndim > 3:
        raise ValueError(
            f"Found array with dim {ndim} (shape={np.shape(X)}) while {name} "
            f"expects sequences: {ACCEPTED_FORMS}."
        )
    if ndim == 3:
        X = check_array(
            X, allow_nd=True, dtype=_dtype_choices(X, dtype),
            ensure_all_finite=False, input_name="X", estimator=estimator_name,
        )
        n, T, F = X.shape
        if T == 0:
            raise ValueError(
                f"Found array with 0 time steps (shape={X.shape}) while "
                f"{name} needs sequences of at least one step."
            )
        if F == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a "
                f"minimum of 1 is required by {name}."
            )
        X = np.ascontiguousarray(X)
        _check_finite(X, name)
        return X, np.full(n, T, dtype=np.int64)
    X = check_array(
        X, dtype=_dtype_choices(X, dtype), ensure_all_finite=False,
        input_name="X", estimator=estimator_name,
    )
    n, n_columns = X.shape
    if step_features is None:
        T, step_features = 1, n_columns
    else:
        step_features = int(step_features)
        if step_features < 1 or n_columns % step_features:
            raise ValueError(
                f"X has {n_columns} columns, which is not a multiple of "
                f"step_features={step_features}; {name} reads each row as "
                "n_steps * step_features values."
            )
        T = n_columns // step_features
    X = np.ascontiguousarray(X.reshape(n, T, step_features))
    _check_finite(X, name)
    return X, np.full(n, T, dtype=np.int64)


def sequence_form(X):
    """Name of the input form: ``'list'``, ``'3d'`` or ``'2d'``."""
    if isinstance(as_sequence_input(X), (list, tuple)):
        return "list"
    return "3d" if np.ndim(X) == 3 else "2d"


def check_sequence_targets(y, lengths, dtype=np.float64, estimator_name=None):
    """Validate regression targets given per sequence or per step.

    Parameters
    ----------
    y : array-like
        Per sequence: shape (n_samples,) or (n_samples, n_outputs).
        Per step: a list of arrays of shape (n_steps_i,) or
        (n_steps_i, n_outputs), or an array of shape (n_samples, max_steps,
        n_outputs) (values after each sequence's end are ignored).
        A 2-D array is always read per sequence (multi-output).
    lengths : ndarray of shape (n_samples,)
        Sequence lengths from :func:`check_sequences`.
    dtype : dtype, default=np.float64
    estimator_name : str or None

    Returns
    -------
    Y : ndarray of shape (n_samples, n_outputs) or \
            (n_samples, max_steps, n_outputs)
        Per-step targets are zero-padded after each sequence's end.
    per_step : bool
    """
    n = len(lengths)
    T = int(lengths.max()) if n else 0
    y = as_sequence_input(y)
    if isinstance(y, (list, tuple)) and len(y) and np.ndim(y[0]) >= 1:
        if len(y) != n:
            raise ValueError(
                f"Found {len(y)} target sequences for {n} input sequences."
            )
        arrs = []
        for i, v in enumerate(y):
            try:
                arrs.append(check_array(np.asarray(v).reshape(len(v), -1), dtype=dtype,
                                        input_name="y", estimator=estimator_name))
            except ValueError as exc:  # name the sequence
                raise ValueError(f"Target sequence {i}: {exc}") from None
        k = arrs[0].shape[1]
        Y = np.zeros((n, T, k), dtype=dtype)
        for i, (a, L) in enumerate(zip(arrs, lengths)):
            if a.shape != (L, k):
                raise ValueError(
                    f"Target sequence {i} has shape {a.shape}, expected "
                    f"({L}, {k}) to match its input sequence."
                )
            Y[i, :L] = a
        return Y, True
    y = np.asarray(y) if not hasattr(y, "shape") else y
    if y.ndim == 3:
        Y = check_array(y, allow_nd=True, dtype=dtype, input_name="y",
                        estimator=estimator_name)
        if Y.shape[:2] != (n, T):
            raise ValueError(
                f"y has shape {Y.shape}, expected (n_samples={n}, "
                f"max_steps={T}, n_outputs)."
            )
        Y = np.array(Y, dtype=dtype, order="C")
        _zero_padding(Y, lengths)
        return Y, True
    Y = check_array(y, ensure_2d=False, dtype=dtype, input_name="y",
                    estimator=estimator_name)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.shape[0] != n:
        raise ValueError(
            f"y has {Y.shape[0]} samples but X has {n} sequences."
        )
    return np.ascontiguousarray(Y, dtype=dtype), False


def cut_sequences(X, lengths, Y, window):
    """Cut padded sequences and their per-step targets into windows.

    Sequence ``i`` becomes the windows ``[s, min(s + window, lengths[i]))``
    for ``s = 0, window, 2 window, ...``, each a sequence of its own.

    Parameters
    ----------
    X : ndarray of shape (n, T, n_features)
    lengths : ndarray of shape (n,)
    Y : ndarray of shape (n, T, n_outputs)
    window : int

    Returns
    -------
    X_windows : ndarray of shape (n_windows, min(window, T), n_features)
    lengths_windows : ndarray of shape (n_windows,)
    Y_windows : ndarray of shape (n_windows, min(window, T), n_outputs)
        Zero after each window's end.
    """
    per_seq = -(-lengths // window)
    seq = np.repeat(np.arange(len(lengths)), per_seq)
    first = np.cumsum(per_seq) - per_seq
    start = (np.arange(len(seq)) - np.repeat(first, per_seq)) * window
    win_len = np.minimum(lengths[seq] - start, window)
    W = int(win_len.max())
    t = start[:, None] + np.arange(W)[None, :]
    valid = np.arange(W)[None, :] < win_len[:, None]
    t = np.where(valid, t, 0)
    Xw = X[seq[:, None], t] * valid[:, :, None]
    Yw = Y[seq[:, None], t] * valid[:, :, None]
    return (np.ascontiguousarray(Xw, dtype=X.dtype), win_len.astype(np.int64),
            np.ascontiguousarray(Yw, dtype=Y.dtype))


def step_changes(X, lengths):
    """Change of every feature from the previous step, on padded sequences.

    Parameters
    ----------
    X : ndarray of shape (n, T, n_features)
    lengths : ndarray of shape (n,)

    Returns
    -------
    changes : ndarray of shape (n, T, n_features)
        ``X[i, t] - X[i, t - 1]`` for ``1 <= t < lengths[i]``; zero at each
        sequence's first step and after its end.
    """
    out = np.zeros_like(X)
    out[:, 1:] = X[:, 1:] - X[:, :-1]
    out[np.arange(X.shape[1])[None, :] >= lengths[:, None]] = 0
    return out


def lagged_copy(X_list, y_list):
    """First feature equal to the previous step's target, or -1.

    Feature ``j`` qualifies when ``X[t, j] == y[t - 1]`` exactly at every step
    ``1 <= t < n_steps`` of every series, with at least one such step: the
    one-step-ahead framing of a series whose target is among the inputs.

    Parameters
    ----------
    X_list : list of ndarray of shape (n_steps_k, n_features)
    y_list : list of ndarray of shape (n_steps_k,)

    Returns
    -------
    int
    """
    pairs = [(x[1:], t[:-1]) for x, t in zip(X_list, y_list) if len(x) > 1]
    if not pairs:
        return -1
    match = np.ones(X_list[0].shape[1], dtype=bool)
    for x, t in pairs:
        match &= (x == t[:, None]).all(axis=0)
    found = np.flatnonzero(match)
    return int(found[0]) if found.size else -1


def step_moments(X, lengths):
    """Mean and standard deviation of each feature over the valid steps.

    Parameters
    ----------
    X : ndarray of shape (n_samples, max_steps, n_features)
        Padded sequences (or per-step targets); steps ``t >= lengths[i]``
        are ignored.
    lengths : ndarray of shape (n_samples,)

    Returns
    -------
    mean, std : ndarray of shape (n_features,), float64
        Accumulated in float64 over the valid steps only, in two passes (so
        no cancellation) of a compiled loop.
    """
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    lengths = np.asarray(lengths, dtype=np.int64)
    return _valid_step_moments(X, np.minimum(lengths, X.shape[1]))


@njit(cache=True, nogil=True, error_model="numpy")
def _valid_step_moments(X, lengths):
    n, F = X.shape[0], X.shape[2]
    total = np.zeros(F)
    for i in range(n):
        for t in range(lengths[i]):
            row = X[i, t]
            for f in range(F):
                total[f] += row[f]
    count = max(1, lengths.sum())
    mean = total / count
    sq = np.zeros(F)
    for i in range(n):
        for t in range(lengths[i]):
            row = X[i, t]
            for f in range(F):
                d = row[f] - mean[f]
                sq[f] += d * d
    return mean, np.sqrt(sq / count)


def _zero_padding(Y, lengths):
    for i, L in enumerate(lengths):
        Y[i, L:] = 0


def _dtype_choices(X, dtype):
    if dtype is not None:
        return dtype
    return (np.float32, np.float64) if getattr(X, "dtype", None) == np.float32 \
        else np.float64


def _check_sequence_list(X, dtype, name):
    if len(X) == 0:
        raise ValueError(
            "Found 0 sample(s) (an empty list of sequences) while a minimum "
            f"of 1 is required by {name}."
        )
    if dtype is None:
        dtype = np.float32 if all(
            getattr(x, "dtype", None) == np.float32 for x in X
        ) else np.float64
    arrs = [_sequence_array(x, i, dtype, name) for i, x in enumerate(X)]
    F = arrs[0].shape[1]
    for i, a in enumerate(arrs):
        if a.shape[1] != F:
            raise ValueError(
                f"Sequence {i} has {a.shape[1]} features per step but "
                f"sequence 0 has {F}."
            )
    if F == 0:
        raise ValueError(
            f"Found sequences with 0 feature(s) (sequence 0 has shape "
            f"{arrs[0].shape}) while a minimum of 1 is required by {name}."
        )
    lengths = np.array([a.shape[0] for a in arrs], dtype=np.int64)
    out = np.zeros((len(arrs), int(lengths.max()), F), dtype=dtype)
    for i, a in enumerate(arrs):
        out[i, : a.shape[0]] = a
    _check_finite(out, name)
    return out, lengths


def _check_finite(Xp, name):
    """Raise naming the first NaN or infinity of padded sequences ``Xp``.

    One pass when every value is finite; the padding (zeros) never trips it.
    """
    if np.isfinite(Xp).all():
        return
    i, t, f = np.argwhere(~np.isfinite(Xp))[0]
    what = "NaN" if np.isnan(Xp[i, t, f]) else "infinity"
    raise ValueError(
        f"Input X[{i}] contains {what} at step {t}, feature {f} (sequence "
        f"{i}). {name} needs finite values: fill missing values (e.g. carry "
        "the last observation forward, or interpolate) or drop those steps "
        "or sequences before fitting."
    )


def _sequence_array(x, i, dtype, name):
    """Sequence ``i`` as a 2-D array (conversion and shape checks only).

    Numeric arrays take a fast path (``check_array`` per sequence costs tens
    of microseconds, which dominated training on long lists); anything else
    goes through ``check_array`` for its messages.  Finiteness is checked by
    the caller on the padded result.
    """
    if sp.issparse(x):
        raise TypeError(
            f"Sequence {i} is a sparse matrix; {name} needs dense sequences."
        )
    a = np.asarray(x)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(
            f"Sequence {i} has shape {a.shape}; each sequence must be a "
            "2-D array of shape (n_steps, n_features)."
        )
    if a.shape[0] == 0:
        raise ValueError(
            f"Sequence {i} is empty (shape {a.shape}); every sequence "
            f"needs at least one time step for {name}."
        )
    if a.dtype.kind in "biuf":
        return a.astype(dtype, copy=False)
    return check_array(a, dtype=dtype, ensure_all_finite=False,
                       input_name=f"X[{i}]")


def is_integral(value):
    """True for Python and NumPy integers (not bools)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
