"""Nonnegative encoder layers of the deep RNN-ELM, fitted in streamed passes.

Every function here takes ``chunks``, a zero-argument callable that returns a
fresh iterable of row blocks (2-D arrays, nonnegative) of the layer's input,
so a layer is fitted with memory bounded by one block plus its Gram sums.
The input of every weight multiplication gets the bias column ``zeta(0)``:
``X~ = [X, zeta(0)]``.

Two families:

:func:`fit_elm_encoder` (the ELM-autoencoder route of the RNN-ELM paper)
    Random ``R ~ U[0, 1]``, ``A = zeta(X~ R)``, per-column min-max, per-row
    z-score, global shift to ``A >= 0``, then a decoder ``B`` with
    ``A B ~ X~``: nonnegative sparse FISTA (``"fista"``, ``"fista_reference"``)
    or ridge regression (``"ridge"``, the paper's Classifier-2).  The encoder
    is ``W = B'`` scaled by adjustminmax, and the layer outputs ``zeta(X~ W)``.
    The ridge solution has both signs: it is split into nonnegative
    excitatory-side ``W+ = max(B', 0)`` and inhibitory-side ``W- = max(-B', 0)``
    weights, each driving its own group of ``h`` dense clusters with its own
    adjustminmax scale, so the layer outputs ``[zeta(X~ W+), zeta(X~ W-)]``
    (``2 h`` features) and the negative part of the solution is kept
    (interpretation of the paper).  Every output is a cluster's ``zeta``, as
    in the paper.  (An earlier reading, units ``max(e - i, 0)`` and
    ``max(i - e, 0)`` of excitation ``e = X~ W+`` and inhibition
    ``i = X~ W-``, scored lower on MNIST at the small readout ridge these
    low-contrast features need.)
    Passes: column min/max of ``A``; ``A'A``, ``A'X~`` with the rank-one
    shift correction; ``max(X~ W)``.
:func:`fit_nmf_encoder` (the nonnegative autoencoder of arXiv:1609.08151)
    A nonnegative autoencoder ``X ~ (X~ W) V`` in the linear (unsaturated)
    regime of the simplified RNN's quasi-linear neuron ``min(x, 1)``
    (interpretation): ``"multiplicative"`` updates both ``W, V >= 0`` by
    Lee-Seung rules (Problem 1); ``"pinv"`` takes ``V = pinv(H) X`` and updates
    ``W >= 0`` by the multiplicative rule for a signed ``V`` (Problem 2).
    Everything follows from the single Gram ``X~'X~``: one pass.
"""
from contextlib import nullcontext

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh, lstsq

from ._passes import reduce_chunks
from ._threads import single_thread
from .cluster_layer import (cluster_activation, draw_input_weights, max_preactivations,
                            preactivation, scale_to_max)
from .fista import fista

ELM_SOLVERS = ("fista", "fista_reference", "ridge")
NMF_METHODS = ("multiplicative", "pinv")
_EPS = 1e-12
#: Below this many matrix entries an iteration's BLAS/LAPACK calls are too
#: small to gain from threads, and on a busy machine each call's thread
#: synchronisation costs more than the arithmetic: run them single-threaded.
SMALL_PROBLEM = 400_000


class EncoderLayer:
    """A fitted encoder layer: ``transform(X) = [f(X~ W_1), f(X~ W_2), ...]``.

    Parameters
    ----------
    weights : list of ndarray of shape (n_features + 1, n_units_i)
        Nonnegative weights; the last row multiplies the bias column.
    bias_value : float
        ``zeta(0)``.
    params : ClusterParams
    activation : {"zeta", "linear"}
        ``zeta``: dense-cluster output (in about [0.05, 0.98]); ``linear``:
        ``X~ W`` itself (the nonnegative autoencoder's code).
    """

    def __init__(self, weights, bias_value, params, activation="zeta"):
        self.weights = list(weights)
        self.bias_value = float(bias_value)
        self.params = params
        self.activation = activation

    @property
    def n_features_in(self):
        return self.weights[0].shape[0] - 1

    @property
    def n_features_out(self):
        return sum(w.shape[1] for w in self.weights)

    def transform(self, X):
        """Layer output, shape (n_samples, n_features_out), the weights' dtype."""
        if self.activation == "linear":
            parts = [preactivation(X, W, self.bias_value) for W in self.weights]
        else:
            parts = [cluster_activation(X, W, self.bias_value, self.params)
                     for W in self.weights]
        return parts[0] if len(parts) == 1 else np.hstack(parts)


def fit_elm_encoder(chunks, n_features, n_units, rng, params, *, solver="fista", lam=1e-3,
                    n_iter=150, alpha=1e-7, max_preactivation=0.1, dtype=np.float64):
    """Fit one ELM-autoencoder layer in three streamed passes.

    Parameters
    ----------
    chunks : callable
        ``chunks()`` yields row blocks of shape (n_b, n_features).
    n_features : int
    n_units : int
        Hidden width h.  ``solver="ridge"`` outputs ``2 h`` features.
    rng : numpy.random.RandomState
    params : ClusterParams
    solver : {"fista", "fista_reference", "ridge"}
        ``"fista"``: standard nonnegative FISTA (:func:`rnnkit.elm.fista.fista`);
        ``"fista_reference"``: the reference loop; ``"ridge"``:
        ``B = (A'A + alpha I)^-1 A'X~``, split into two groups of clusters
        with weights ``max(B', 0)`` and ``max(-B', 0)``, each scaled by
        adjustminmax.
    lam, n_iter : float, int
        FISTA's L1 weight and iterations.
    alpha : float
        Ridge term of ``"ridge"``, relative to the mean diagonal of ``A'A``
        (so its meaning does not change with the number of rows): the
        system solved is ``A'A + alpha trace(A'A)/h I``.
    max_preactivation : float
        adjustminmax target.
    dtype : float32 or float64
        Storage dtype of the weights.

    Returns
    -------
    layer : EncoderLayer
    info : dict
        ``decoder`` (h, n_features + 1), float64, and ``shift`` (the global
        shift of A).
    """
    if solver not in ELM_SOLVERS:
        raise ValueError(f"solver must be one of {ELM_SOLVERS}, got {solver!r}")
    bias = params.zeta0
    R = draw_input_weights(rng, n_features, n_units, dtype)
    low, high = _column_range(chunks, R, bias, params)
    stats = _shifted_grams(chunks, R, bias, params, low, high)
    info = {"shift": stats["shift"]}
    if solver == "ridge":
        ridge = alpha * float(np.trace(stats["gram"])) / n_units  # relative to mean diag
        B = _ridge(stats["gram"], stats["cross"], ridge)
        parts = (np.maximum(B, 0.0), np.maximum(-B, 0.0))
    else:
        mode = "reference" if solver == "fista_reference" else "standard"
        with _few_threads(stats["cross"].size + stats["gram"].size):
            B = fista(stats["gram"], stats["cross"], lam, n_iter, nonnegative=True, mode=mode)
        parts = (B,)
    weights = [np.ascontiguousarray(part.T, dtype=dtype) for part in parts]
    largest = max_preactivations(chunks, weights, params, max_preactivation)  # pass 3
    for W, top in zip(weights, largest):
        scale_to_max(W, top, max_preactivation)
    return EncoderLayer(weights, bias, params), {**info, "decoder": B}


def fit_nmf_encoder(chunks, n_features, n_units, rng, params, *, method="multiplicative",
                    n_iter=200, dtype=np.float64, callback=None):
    """Fit the nonnegative autoencoder ``X ~ (X~ W) V`` from ``X~'X~`` (one pass).

    Parameters
    ----------
    chunks : callable
        ``chunks()`` yields row blocks of shape (n_b, n_features).
    n_features, n_units : int
    rng : numpy.random.RandomState
    params : ClusterParams
        Only ``zeta(0)``, the bias column, is used.
    method : {"multiplicative", "pinv"}
        Problem 1 (``W, V >= 0``, Lee-Seung updates of both) or Problem 2
        (``V = pinv(X~ W) X``, multiplicative update of ``W >= 0`` with
        ``V``'s positive and negative parts, in the square-root form that
        keeps the error from increasing; Ding, Li & Jordan 2010).
    n_iter : int
    dtype : float32 or float64
    callback : callable, optional
        ``callback(k, W, V)`` after iteration k.

    Returns
    -------
    layer : EncoderLayer
        Linear activation: ``transform(X) = X~ W``, shape (n, n_units).
    decoder : ndarray of shape (n_units, n_features), float64
    errors : ndarray of shape (n_iter + 1,)
        Mean (over samples) squared reconstruction error ``||x - x^||^2``
        before the first and after every iteration.
    """
    if method not in NMF_METHODS:
        raise ValueError(f"method must be one of {NMF_METHODS}, got {method!r}")
    bias = params.zeta0
    G, n_samples = _augmented_gram(chunks, n_features, bias)
    # The fit is the same for X~ / c as for X~; with c**2 a power of two near
    # G's largest entry the rescaling is exact and the products of G with the
    # weights cannot overflow, however large X is.
    unit = 2.0 ** np.round(np.log2(max(G.max(), np.finfo(np.float64).tiny)))
    G = G / unit
    Gx = G[:, :n_features]
    total = float(np.trace(G[:n_features, :n_features]))
    W = rng.random((n_features + 1, n_units))
    if method == "multiplicative":
        V = rng.random((n_units, n_features))
        W, V = _rescale(G, Gx, total, W, V)
    else:
        V = _pinv_decoder(G, Gx, W)
    errors = [_error(G, Gx, total, W, V) / n_samples]
    with _few_threads(W.size + G.size):
        W, V = _nmf_iterations(method, G, Gx, total, W, V, n_samples, n_iter, errors,
                               callback)
    layer = EncoderLayer([np.ascontiguousarray(W, dtype=dtype)], bias, params, "linear")
    return layer, V, np.asarray(errors) * unit


def _nmf_iterations(method, G, Gx, total, W, V, n_samples, n_iter, errors, callback):
    for k in range(1, n_iter + 1):
        if method == "multiplicative":
            HtH = W.T @ G @ W
            V *= (W.T @ Gx) / (HtH @ V + _EPS)
            W *= (Gx @ V.T) / (G @ W @ (V @ V.T) + _EPS)
        else:
            Q = V @ V.T
            R = Gx @ V.T
            GW = G @ W
            numerator = np.maximum(R, 0.0) + GW @ np.maximum(-Q, 0.0)
            denominator = np.maximum(-R, 0.0) + GW @ np.maximum(Q, 0.0) + _EPS
            W *= np.sqrt(numerator / denominator)
            V = _pinv_decoder(G, Gx, W)
        errors.append(_error(G, Gx, total, W, V) / n_samples)
        if callback is not None:
            callback(k, W, V)
    return W, V


def pinv_decoder_from_gram(G, Gx, W):
    """``V = pinv(H) X`` with ``H = X~ W``, from ``G = X~'X~`` and ``Gx = X~'X``."""
    return _pinv_decoder(G, Gx, W)


# -- helpers ------------------------------------------------------------------


def _few_threads(size):
    """One thread for problems of fewer than SMALL_PROBLEM entries."""
    return single_thread() if size < SMALL_PROBLEM else nullcontext()


def _column_range(chunks, R, bias, params):
    """Pass 1: per-column min and max of ``A = zeta(X~ R)``."""
    def summarize(X):
        A = cluster_activation(X, R, bias, params)
        return A.min(axis=0), A.max(axis=0)

    def combine(first, second):
        return np.minimum(first[0], second[0]), np.maximum(first[1], second[1])

    return reduce_chunks(chunks, summarize, combine)


def _normalized(X, R, bias, params, low, high):
    """A for one block: column min-max to [0, 1], then row z-score (ddof=1, MATLAB's zscore)."""
    A = cluster_activation(X, R, bias, params).astype(np.float64)
    span = high - low
    A = (A - low) / np.where(span > 0, span, 1.0)
    A -= A.mean(axis=1, keepdims=True)
    if A.shape[1] > 1:
        std = A.std(axis=1, ddof=1, keepdims=True)
        A /= np.where(std > 0, std, 1.0)
    return A


def _shifted_grams(chunks, R, bias, params, low, high):
    """Pass 2: ``(A - c)'(A - c)`` and ``(A - c)'X~`` with ``c = min(min(A), 0)``.

    Accumulates ``A'A``, ``A'X~``, ``s = A'1``, ``1'X~``, N and min(A) in one
    pass and applies the rank-one correction for the shift by ``c``.
    """
    def summarize(X):
        A = _normalized(X, R, bias, params, low, high)
        Xt = _augment(X, bias)
        return {"gram": A.T @ A, "cross": A.T @ Xt, "s": A.sum(axis=0), "t": Xt.sum(axis=0),
                "n": X.shape[0], "smallest": float(A.min())}

    def combine(first, second):
        out = {key: first[key] + second[key] for key in ("gram", "cross", "s", "t", "n")}
        return {**out, "smallest": min(first["smallest"], second["smallest"])}

    sums = reduce_chunks(chunks, summarize, combine)
    gram, cross, s, t, n = (sums[key] for key in ("gram", "cross", "s", "t", "n"))
    c = min(sums["smallest"], 0.0)
    if c < 0:
        gram = gram - c * (s[:, None] + s[None, :]) + (c * c * n)
        cross = cross - c * t[None, :]
    return {"gram": gram, "cross": cross, "shift": c, "n_samples": n}


def _augment(X, bias):
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([X, np.full((X.shape[0], 1), bias)])


def _ridge(gram, cross, alpha):
    system = gram + alpha * np.eye(gram.shape[0])
    with single_thread():  # factorizations: see rnnkit.elm._threads
        try:
            return cho_solve(cho_factor(system, lower=True, check_finite=False), cross,
                             check_finite=False)
        except LinAlgError:
            return lstsq(system, cross, check_finite=False)[0]


def _augmented_gram(chunks, n_features, bias):
    def summarize(X):
        Xt = _augment(X, bias)
        return Xt.T @ Xt, X.shape[0]

    def combine(first, second):
        return first[0] + second[0], first[1] + second[1]

    G, n = reduce_chunks(chunks, summarize, combine)
    return G, max(n, 1)


def _error(G, Gx, total, W, V):
    """``||X - X~ W V||^2`` from the Gram."""
    HtX = W.T @ Gx
    HtH = W.T @ G @ W
    return max(total - 2.0 * np.sum(V * HtX) + np.sum(HtH * (V @ V.T)), 0.0)


def _rescale(G, Gx, total, W, V):
    """Scale W and V by the scalar that best fits X, split evenly between them."""
    HtX = W.T @ Gx
    HtH = W.T @ G @ W
    cross = np.sum(V * HtX)
    square = np.sum(HtH * (V @ V.T))
    if cross > 0 and square > 0:
        factor = np.sqrt(cross / square)
        W, V = W * factor, V * factor
    return W, V


def _pinv_decoder(G, Gx, W):
    HtH = W.T @ G @ W
    HtX = W.T @ Gx
    with single_thread():  # factorizations: see rnnkit.elm._threads
        values, vectors = eigh(HtH, check_finite=False)
    cutoff = max(values[-1], 0.0) * HtH.shape[0] * np.finfo(np.float64).eps
    keep = values > cutoff
    return vectors[:, keep] @ ((vectors[:, keep].T @ HtX) / values[keep, None])
