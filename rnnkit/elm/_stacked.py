"""Layer stacks of the deep RNN-ELM classifiers and their streamed fitting.

A fitted model is a chain of layers with a ``transform(X)`` method
(:class:`~rnnkit.elm.encoder_layers.EncoderLayer`, :class:`LayerStack`,
:class:`SourceJoin`) followed by the ridge readout.  Layers are fitted one
after another; each pass streams the raw rows through the layers fitted so
far, so memory holds one block of rows and the Gram sums, never a whole
hidden matrix.
"""
import time

import numpy as np

from .cluster_layer import draw_input_weights, max_preactivations, scale_to_max
from .encoder_layers import ELM_SOLVERS, NMF_METHODS, EncoderLayer, fit_elm_encoder, \
    fit_nmf_encoder

ENCODERS = ELM_SOLVERS + NMF_METHODS


class LayerStack:
    """Layers applied in sequence; ``transform`` returns the last one's output."""

    def __init__(self, layers, n_features_in):
        self.layers = list(layers)
        self.n_features_in = n_features_in

    @property
    def n_features_out(self):
        return self.layers[-1].n_features_out if self.layers else self.n_features_in

    def transform(self, X):
        for layer in self.layers:
            X = layer.transform(X)
        return X


class SourceJoin:
    """One stack per column group (source); outputs concatenated in source order."""

    def __init__(self, columns, stacks):
        self.columns = list(columns)
        self.stacks = list(stacks)

    @property
    def n_features_out(self):
        return sum(stack.n_features_out for stack in self.stacks)

    def transform(self, X):
        return np.hstack([stack.transform(X[:, cols])
                          for cols, stack in zip(self.columns, self.stacks)])


def fit_stack(chunks, n_features, specs, rng, params, *, dtype, settings, log=None):
    """Fit a :class:`LayerStack` layer by layer.

    Parameters
    ----------
    chunks : callable
        ``chunks()`` yields blocks of the stack's input, shape (n_b, n_features).
    n_features : int
    specs : sequence of (kind, width)
        ``kind`` is an encoder name from :data:`ENCODERS` or ``"random"`` (a
        random dense-cluster layer ``zeta([X, zeta(0)] W)``, ``W ~ U[0, 1]``
        scaled by adjustminmax).
    rng : numpy.random.RandomState
    params : ClusterParams
    dtype : float32 or float64
    settings : dict
        ``lam``, ``n_iter`` (FISTA), ``encoder_alpha`` (ridge encoder),
        ``nmf_iter``, ``max_preactivation``.
    log : callable, optional

    Returns
    -------
    LayerStack
    """
    layers = []
    n_in = n_features
    for kind, width in specs:
        t0 = time.perf_counter()
        layer_chunks = _through(chunks, tuple(layers))
        if kind == "random":
            layer = fit_random_layer(layer_chunks, n_in, width, rng, params,
                                     settings["max_preactivation"], dtype)
        elif kind in NMF_METHODS:
            layer, _, _ = fit_nmf_encoder(layer_chunks, n_in, width, rng, params, method=kind,
                                          n_iter=settings["nmf_iter"], dtype=dtype)
        else:
            layer, _ = fit_elm_encoder(layer_chunks, n_in, width, rng, params, solver=kind,
                                       lam=settings["lam"], n_iter=settings["n_iter"],
                                       alpha=settings["encoder_alpha"],
                                       max_preactivation=settings["max_preactivation"],
                                       dtype=dtype)
        layers.append(layer)
        if log is not None:
            log(f"{kind} layer {n_in} -> {layer.n_features_out} fitted in "
                f"{time.perf_counter() - t0:.1f} s")
        n_in = layer.n_features_out
    return LayerStack(layers, n_features)


def fit_random_layer(chunks, n_features, n_units, rng, params, max_preactivation, dtype):
    """Random dense-cluster layer, scaled on one exact pass (adjustminmax)."""
    W = draw_input_weights(rng, n_features, n_units, dtype)
    largest = max_preactivations(chunks(), [W], params, max_preactivation)[0]
    scale_to_max(W, largest, max_preactivation)
    return EncoderLayer([W], params.zeta0, params)


def _through(chunks, layers):
    def layer_chunks():
        for X in chunks():
            for layer in layers:
                X = layer.transform(X)
            yield X
    return layer_chunks
