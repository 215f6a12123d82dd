"""Training losses and their gradients with respect to the network output.

Each loss takes the network's output and the encoded targets and returns
``(loss, d loss / d output)``, the pair the recurrent training loop (and
the SM-RNN's) back-propagates.  Plain NumPy on small ``(n, k)`` arrays:
the per-step work lives in the kernels.
"""
import numpy as np

__all__ = ["softmax_cross_entropy", "squared_error"]


def softmax_cross_entropy(logits, y, sample_weight=None):
    """Mean softmax cross-entropy and its gradient.

    Parameters
    ----------
    logits : ndarray of shape (n, n_classes)
    y : ndarray of shape (n,), int
        Class indices.
    sample_weight : ndarray of shape (n,), default=None
        Per-sample weights; the loss is then ``sum(w * nll) / sum(w)``.
        None weighs every sample equally.

    Returns
    -------
    loss : float
    dlogits : ndarray of shape (n, n_classes)
        Gradient of the loss.
    """
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    nll = np.log(s[:, 0]) - z[rows, y]
    d = e / s
    d[rows, y] -= 1.0
    if sample_weight is None:
        d /= n
        return float(np.mean(nll)), d
    w = np.asarray(sample_weight, dtype=d.dtype)
    w = w / w.sum()
    d *= w[:, None]
    return float(np.dot(w, nll)), d


def squared_error(out, Y, lengths=None):
    """Half mean squared error and its gradient.

    Parameters
    ----------
    out, Y : ndarray of shape (n, k), or (n, T, k) with ``lengths``
    lengths : ndarray of shape (n,) or None
        For per-step outputs: only steps ``t < lengths[i]`` count.

    Returns
    -------
    loss : float
    dout : ndarray, shape of ``out``
    """
    diff = out - Y
    if lengths is None:
        count = diff.size
    else:
        mask = np.arange(out.shape[1])[None, :] < lengths[:, None]
        diff *= mask[:, :, None]
        count = int(lengths.sum()) * out.shape[2]
    loss = 0.5 * float(np.vdot(diff, diff)) / count
    return loss, diff / count
