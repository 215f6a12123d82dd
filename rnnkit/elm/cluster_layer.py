"""A random layer of dense clusters: ``H = zeta([X, zeta(0)] W)``."""
import numpy as np

from ..kernels.gnetwork import zeta, zeta_and_derivative
from ._passes import reduce_chunks

_MIN_EXPONENT = -1100  # below float64's smallest subnormal, 2**-1074
_EXPONENT_BINS = 2200  # up to float64's largest exponent, 1024


def draw_input_weights(rng, n_features, n_hidden, dtype):
    """Random nonnegative weights U[0, 1], shape (n_features + 1, n_hidden).

    The last row multiplies the bias column.
    """
    return rng.random((n_features + 1, n_hidden)).astype(dtype, copy=False)


def preactivation(X, W, bias_value):
    """``[X, bias_value] @ W`` without building the augmented matrix.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    W : ndarray of shape (n_features + 1, n_hidden)
    bias_value : float
        The constant of the bias column, zeta(0) in the dense RNN.

    Returns
    -------
    ndarray of shape (n_samples, n_hidden), W's dtype
    """
    P = X.astype(W.dtype, copy=False) @ W[:-1]
    P += W.dtype.type(bias_value) * W[-1]
    return P


def cluster_activation(X, W, bias_value, params):
    """Hidden layer output ``zeta([X, bias_value] @ W)``, shape (n_samples, n_hidden).

    Pre-activations are nonnegative by construction (nonnegative X and W);
    rounding can at most produce -0.0, so the activation clamps at 0.
    """
    P = preactivation(X, W, bias_value)
    return zeta(P, params, clamp=True, out=P)


def max_preactivations(chunks, weights, params, target):
    """Largest training pre-activation ``[X, zeta(0)] @ W`` of each weight matrix, one pass.

    Parameters
    ----------
    chunks : callable or DaskBlocks
        The training rows in order, in blocks (see :mod:`rnnkit.elm._passes`).
    weights : sequence of ndarray of shape (n_features + 1, n_hidden_i)
        Unscaled nonnegative weights; the last row multiplies the bias column.
    params : ClusterParams
    target : float
        The pre-activation the largest one will be scaled to.

    Returns
    -------
    list of float

    Raises
    ------
    ValueError
        If scaling the largest pre-activation to ``target`` would make more
        than half of the nonzero rows indistinguishable from an all-zero row
        (see :class:`PreactivationRange`).
    """
    bias = params.zeta0

    def summarize(X):
        ranges = [PreactivationRange(W, bias) for W in weights]
        for summary in ranges:
            summary.add(X)
        return ranges

    def combine(first, second):
        return [PreactivationRange(W, bias).merge(a).merge(b)
                for W, a, b in zip(weights, first, second)]

    ranges = reduce_chunks(chunks, summarize, combine)
    for summary, W in zip(ranges, weights):
        summary.W = W  # summaries from other processes travel without their weights
    return [summary.checked_largest(params, target) for summary in ranges]


class PreactivationRange:
    """Largest pre-activation ``[X, bias] @ W`` over streamed rows, and how rows compare.

    Scaling the largest pre-activation to a small target (adjustminmax) only
    works if the other rows keep pre-activations the arithmetic resolves: a
    row whose data term ``X @ W[:-1]`` ends up below ``resolution(dtype,
    params, target) * target`` gets the hidden output of an all-zero row, up
    to rounding.  A histogram of the rows' largest data terms (by binary
    exponent) tells, after the pass, how many rows that scaling would lose.

    Parameters
    ----------
    W : ndarray of shape (n_features + 1, n_hidden)
    bias_value : float
    """

    def __init__(self, W, bias_value):
        self.W = W
        self.bias = W.dtype.type(bias_value)
        self.largest = 0.0
        self.largest_row = 0
        self.n_rows = 0
        self._exponents = np.zeros(_EXPONENT_BINS, dtype=np.int64)

    def add(self, X):
        """Take the next rows ``X``, shape (n_b, n_features)."""
        P = X.astype(self.W.dtype, copy=False) @ self.W[:-1]
        data_term = P.max(axis=1)
        P += self.bias * self.W[-1]
        row_max = P.max(axis=1)
        i = int(np.argmax(row_max))
        if row_max[i] > self.largest:
            self.largest, self.largest_row = float(row_max[i]), self.n_rows + i
        nonzero = data_term[data_term > 0]
        self._exponents += np.bincount(np.frexp(nonzero)[1] - _MIN_EXPONENT,
                                       minlength=_EXPONENT_BINS)
        self.n_rows += X.shape[0]

    def merge(self, other):
        """Take the summary of ``other``, the range of the rows that follow; returns self."""
        if other.largest > self.largest:
            self.largest, self.largest_row = other.largest, self.n_rows + other.largest_row
        self.n_rows += other.n_rows
        self._exponents += other._exponents
        return self

    def __getstate__(self):
        # the summary travels between processes without the weights (their dtype stays)
        return {**self.__dict__, "W": self.W[:0]}

    def checked_largest(self, params, target):
        """The largest pre-activation, after checking that scaling it to ``target`` is safe.

        Raises
        ------
        ValueError
            If that scaling would make more than half of the nonzero rows
            indistinguishable from an all-zero row: a few rows with far larger
            values than the others (or values so small that the bias term
            drowns them) would leave a model that is constant on most of the
            data.
        """
        if not np.isfinite(self.largest):
            return self.largest  # overflow: scale_to_max says so
        n_nonzero = int(self._exponents.sum())
        threshold = resolution(self.W.dtype, params, target) * self.largest
        # bin e holds data terms in [2**(e-1), 2**e): count the bins wholly below
        below = int(self._exponents[:max(np.frexp(threshold)[1] - _MIN_EXPONENT, 0)].sum())
        if 2 * below > n_nonzero:
            raise ValueError(
                f"The input values span too wide a range for the model's {self.W.dtype} "
                "arithmetic: scaling the weights so that the largest pre-activation "
                f"(row {self.largest_row}, {self.largest:.3g}) becomes "
                f"max_preactivation={target:g} leaves {below} of the {n_nonzero} nonzero "
                f"rows (of {self.n_rows}) with pre-activations below its resolution, so "
                "they all get the output of an all-zero row and the model is constant on "
                "them. Scale X first (e.g. rnnkit.NonNegativeScaler) and clip or "
                "log-transform extreme values: a few rows far larger than the rest set the "
                "scale."
            )
        return self.largest


def resolution(dtype, params, target):
    """Largest data term, over ``target``, that changes no hidden output of a row.

    After scaling, a row adds ``dx`` to the pre-activations ``x`` in
    ``[0, target]`` of an all-zero row.  An output ``zeta(x)`` moves by
    ``|zeta'(x)| dx``, which is lost below ``c zeta(x)``: ``c`` is ``dtype``'s
    eps (outputs are stored in ``dtype``) or, if larger, ``sqrt(eps)`` of
    float64 (the readout works from the float64 sums ``H'H``, where the
    deviation enters squared).  ``zeta / |zeta'|`` is smallest at 0, so a row
    changes no output of any unit when ``dx < c zeta(0) / |zeta'(0)|``;
    returns that bound over ``target``.
    """
    c = max(float(np.finfo(dtype).eps), float(np.sqrt(np.finfo(np.float64).eps)))
    value, slope = zeta_and_derivative(np.zeros(1), params)
    return c * float(value[0] / abs(slope[0])) / target


def scale_to_max(W, largest, target=0.1):
    """Scale ``W`` in place so that the largest training pre-activation is ``target``.

    This is the reference's ``adjustminmax``: one global scalar.  Returns the
    scale factor.

    Raises
    ------
    ValueError
        If the factor is below the smallest normal number of W's dtype: the
        scaled weights would lose their precision (inputs of about
        ``target / tiny`` and above, 4.5e306 in float64 and 8.5e36 in
        float32 for ``target=0.1``).
    """
    if not np.isfinite(largest):
        raise ValueError(
            f"The pre-activations overflow {W.dtype}: the input values are too large for "
            "the model's arithmetic. Scale X first, e.g. with rnnkit.NonNegativeScaler."
        )
    scale = target / max(largest, np.finfo(np.float64).tiny)
    tiny = np.finfo(W.dtype).tiny
    if scale < tiny:
        raise ValueError(
            f"The largest pre-activation over the training rows is {largest:.3g}: scaling "
            f"it to max_preactivation={target:g} needs a weight scale of {scale:.3g}, below "
            f"the smallest normal {W.dtype} ({tiny:.3g}), so the input values are too "
            "large for the model's arithmetic. Scale X first, e.g. with "
            "rnnkit.NonNegativeScaler."
        )
    W *= W.dtype.type(scale)
    return scale
