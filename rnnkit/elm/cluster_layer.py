"""A random layer of dense clusters: ``H = zeta([X, zeta(0)] W)``."""
import numpy as np

from ..kernels.gnetwork import zeta


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


def max_preactivation(chunks, W, bias_value):
    """Largest entry of ``[X, bias_value] @ W`` over an iterable of ``(start, X_chunk)``."""
    largest = 0.0
    for _, X in chunks:
        largest = max(largest, float(preactivation(X, W, bias_value).max()))
    return largest


def scale_to_max(W, largest, target=0.1):
    """Scale ``W`` in place so that the largest training pre-activation is ``target``.

    This is the reference's ``adjustminmax``: one global scalar.  Returns the
    scale factor.
    """
    scale = target / max(largest, np.finfo(np.float64).tiny)
    W *= W.dtype.type(scale)
    return scale
