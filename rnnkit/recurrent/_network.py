"""Stacked recurrent layers of one cell type plus a linear head.

Parameters are a flat list: for each layer ``[W, b, U, E]`` (see
:mod:`rnnkit.kernels.cells`), then the head ``[W_out, b_out]``.  The head
reads the top layer's state at each sequence's last valid step (``Hs[T]``,
since finished sequences carry their state), or at every step.
"""
import numpy as np

from .._scratch import Scratch
from .._threads import chunk_bounds, run_chunks
from ..kernels.cells import cell_shapes, layer_backward, layer_forward
from ..optim import init_weight

__all__ = ["init_network", "network_forward", "network_backward"]


def init_network(cell, n_in, hidden_sizes, n_out, rng, dtype, init="uniform"):
    """Fresh parameters for a stack of ``cell`` layers and a linear head.

    Parameters
    ----------
    cell : str
    n_in : int
    hidden_sizes : sequence of int
    n_out : int
    rng : numpy.random.RandomState
    dtype : dtype
    init : {'uniform', 'glorot_uniform', 'orthogonal'}
        ``'uniform'``: every cell weight and bias ``U(+-1/sqrt(H))`` and the
        head ``U(+-1/sqrt(H_top))`` (PyTorch's family).  ``'glorot_uniform'``:
        Glorot weights, zero biases.  ``'orthogonal'``: Glorot input weights,
        orthogonal recurrent blocks, zero biases.  Delta-RNN extras start at 0
        (their offsets are added at run time).

    Returns
    -------
    params : list of ndarray
    """
    params = []
    fan = n_in
    for H in hidden_sizes:
        sW, sb, sU, sE = cell_shapes(cell, fan, H)
        if init == "uniform":
            W = init_weight("uniform", sW, H, H, rng, dtype)
            b = init_weight("uniform", sb, H, H, rng, dtype)
            U = init_weight("uniform", sU, H, H, rng, dtype)
        else:
            W = init_weight("glorot_uniform", sW, fan, H, rng, dtype)
            b = np.zeros(sb, dtype=dtype)
            U = init_weight("orthogonal" if init == "orthogonal"
                            else "glorot_uniform", sU, H, H, rng, dtype)
        if cell == "gru" and init == "uniform":
            E = init_weight("uniform", sE, H, H, rng, dtype)
        else:
            E = np.zeros(sE, dtype=dtype)
        params += [W, b, U, E]
        fan = H
    if init == "uniform":
        Wo = init_weight("uniform", (fan, n_out), fan, n_out, rng, dtype)
        bo = init_weight("uniform", (n_out,), fan, n_out, rng, dtype)
    else:
        Wo = init_weight("glorot_uniform", (fan, n_out), fan, n_out, rng, dtype)
        bo = np.zeros(n_out, dtype=dtype)
    return params + [Wo, bo]


def network_forward(cell, params, X, lengths, per_step=False, scratch=None):
    """Forward pass.

    A batch with enough work is split into chunks of sequences (by
    :func:`rnnkit._threads.chunk_bounds`, from the shapes alone) that run
    side by side inside :func:`rnnkit._threads.compute_threads`, each
    trimmed to its longest sequence; results do not depend on the number of
    threads.

    Parameters
    ----------
    cell : str
    params : list of ndarray
    X : ndarray of shape (n, T, n_in)
    lengths : ndarray of shape (n,), int64, sorted non-increasing,
        ``lengths[0] == T``
    per_step : bool
        Output at every step instead of the last valid step.
    scratch : rnnkit._scratch.Scratch or None
        Reused memory for the intermediate arrays (a training loop passes
        the same one for every batch); ``None`` allocates fresh arrays.

    Returns
    -------
    out : ndarray of shape (n, n_out) or (n, T, n_out)
    cache : object for :func:`network_backward`
    """
    scratch = Scratch() if scratch is None else scratch
    bounds = _chunks(params, X.shape[2], lengths)

    def chunk(c):
        a, b = bounds[c]
        return _forward_rows(cell, params, X[a:b], lengths[a:b], per_step,
                             scratch, c)

    parts = run_chunks(chunk, len(bounds), "forward")
    if len(parts) == 1:
        out = parts[0][0]
    elif per_step:
        n, T = X.shape[:2]
        out = np.zeros((n, T, parts[0][0].shape[2]), dtype=parts[0][0].dtype)
        for (a, b), (o, _) in zip(bounds, parts):
            out[a:b, :o.shape[1]] = o
    else:
        out = np.concatenate([o for o, _ in parts])
    return out, (bounds, [c for _, c in parts], per_step)


def network_backward(cell, params, dout, cache):
    """Gradients of the loss for every parameter.

    Parameters
    ----------
    cell : str
    params : list of ndarray
    dout : ndarray, shape of the forward output
        Loss gradient with respect to the output.
    cache : from :func:`network_forward` (intermediate arrays go to the
        same scratch memory)

    Returns
    -------
    grads : list of ndarray, same shapes as ``params``
    """
    bounds, caches, per_step = cache

    def chunk(c):
        a, b = bounds[c]
        return _backward_rows(cell, params, dout[a:b], caches[c])

    parts = run_chunks(chunk, len(bounds), "backward")
    grads = parts[0]
    for more in parts[1:]:  # fixed order: the sums do not depend on threads
        for g, m in zip(grads, more):
            g += m
    return grads


def _chunks(params, n_in, lengths):
    """Chunks of sequences worth a thread each (by floating-point work)."""
    per_step = 0
    fan = n_in
    for k in range((len(params) - 2) // 4):
        G = params[4 * k].shape[1]
        H = params[4 * k + 2].shape[0]
        # input projection, recurrent product, their gradients
        per_step += 6 * (fan + H) * G
        fan = H
    return chunk_bounds(lengths, per_step * float(np.sum(lengths)))


def _forward_rows(cell, params, X, lengths, per_step, scratch, chunk):
    """:func:`network_forward` of one chunk, trimmed to its longest sequence."""
    n, T = X.shape[0], int(lengths[0])
    F = X.shape[2]
    h = scratch.empty(("X", chunk), (T, n, F), X.dtype)
    np.copyto(h, X[:, :T].transpose(1, 0, 2))
    n_layers = (len(params) - 2) // 4
    states = []
    for k in range(n_layers):
        W, b, U, E = params[4 * k: 4 * k + 4]
        Hs, cache = layer_forward(cell, h, W, b, U, E, lengths, scratch,
                                  (chunk, k))
        states.append((Hs, cache))
        h = Hs[1:]
    Wo, bo = params[-2:]
    if per_step:
        H = h.shape[2]
        out = (np.dot(h.reshape(T * n, H), Wo) + bo).reshape(T, n, -1)
        out = np.ascontiguousarray(out.transpose(1, 0, 2))
    else:
        out = np.dot(h[T - 1], Wo) + bo
    return out, (states, lengths, per_step, scratch, chunk)


def _backward_rows(cell, params, dout, cache):
    """:func:`network_backward` of one chunk (``dout`` may be longer than
    the chunk's steps)."""
    states, lengths, per_step, scratch, chunk = cache
    Wo = params[-2]
    top = states[-1][0]
    T, n, H = top.shape[0] - 1, top.shape[1], top.shape[2]
    if per_step:
        d_tm = np.ascontiguousarray(dout[:, :T].transpose(1, 0, 2))
        d_tm = d_tm.reshape(T * n, -1)
        dWo = np.dot(top[1:].reshape(T * n, H).T, d_tm)
        dbo = d_tm.sum(axis=0)
        dH = np.dot(d_tm, Wo.T).reshape(T, n, H)
    else:
        dWo = np.dot(top[T].T, dout)
        dbo = dout.sum(axis=0)
        dH = scratch.zeros(("dH", chunk), (T, n, H), top.dtype)
        dH[T - 1] = np.dot(dout, Wo.T)
    grads = [None] * (len(params) - 2) + [dWo, dbo]
    for k in range(len(states) - 1, -1, -1):
        W, b, U, E = params[4 * k: 4 * k + 4]
        Hs, lcache = states[k]
        dX, g = layer_backward(cell, dH, W, b, U, E, lengths, Hs, lcache,
                               k > 0, scratch, (chunk, k))
        grads[4 * k: 4 * k + 4] = g
        dH = dX
    return grads


def n_cell_params(cell, n_in, hidden_sizes, n_out):
    """Parameter count of the network."""
    total, fan = 0, n_in
    for H in hidden_sizes:
        total += sum(int(np.prod(s)) for s in cell_shapes(cell, fan, H))
        fan = H
    return total + fan * n_out + n_out


