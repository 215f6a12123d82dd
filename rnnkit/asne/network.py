"""A trained ASNE network: genome plus parameters; export and drawing in ``export``."""
import numpy as np

from .export import (network_fields_from_json, network_to_dict, network_to_dot, network_to_json,
                     plot_network)
from .genome import CELL_TYPES


class ASNENetwork:
    """A genome with trained parameters.

    Parameters
    ----------
    genome : Genome
    params : ndarray of float64, shape (n_params,)
        Flat parameters in the trainer's layout.
    edge_weights : ndarray of float64, shape (genome.n_edges,), optional
        Trained weight of each edge (NaN for inactive edges).
    fitness, mae : float
        Best validation MSE and the MAE at that epoch, in the target's units.
    predictor : callable, optional
        ``predictor(genome, params, X_list) -> list of 1-D arrays``; defaults
        to :func:`rnnkit.asne.training.predict_genome`.
    input_map : tuple (scale, offset) of ndarray of shape (n_features,), optional
        The network reads ``X * scale + offset`` (the estimator's input
        scaling); None reads ``X`` as it is.
    target_map : tuple (scale, offset) of float, optional
        The network's output ``o`` is returned as ``(o - offset) / scale``;
        None returns ``o``.
    baseline_feature : int, optional
        Input feature added to the output (in the target's units): the
        network predicts the target's change from ``X[:, baseline_feature]``.
    """

    def __init__(self, genome, params, edge_weights=None, fitness=np.nan, mae=np.nan,
                 predictor=None, input_map=None, target_map=None, baseline_feature=None):
        self.genome = genome
        self.params = np.asarray(params, dtype=np.float64)
        self.edge_weights = (np.full(genome.n_edges, np.nan) if edge_weights is None
                             else np.asarray(edge_weights, dtype=np.float64))
        self.fitness = float(fitness)
        self.mae = float(mae)
        self.predictor = predictor
        self.input_map = None if input_map is None else tuple(
            np.asarray(v, dtype=np.float64) for v in input_map)
        self.target_map = None if target_map is None else tuple(float(v) for v in target_map)
        self.baseline_feature = None if baseline_feature is None else int(baseline_feature)

    # --------------------------------------------------------------- summary
    @property
    def n_params(self):
        return len(self.params)

    def summary(self):
        """Counts of active nodes per cell type and of active edges per skip (dict)."""
        node_active, edge_active = self.genome.active_elements()
        cells = self.genome.node_cell[node_active]
        skips = self.genome.edge_skip[edge_active]
        return {"n_nodes": int(node_active.sum()), "n_edges": int(edge_active.sum()),
                "n_params": self.n_params,
                "cells": {CELL_TYPES[k]: int((cells == k).sum()) for k in np.unique(cells)},
                "skips": {int(d): int((skips == d).sum()) for d in np.unique(skips)}}

    def __repr__(self):
        s = self.summary()
        return (f"ASNENetwork({s['n_nodes']} active nodes, {s['n_edges']} active edges, "
                f"{s['n_params']} params, fitness={self.fitness:.4g}, mae={self.mae:.4g})")

    # --------------------------------------------------------------- use
    def predict(self, X_list):
        """Per-step outputs, a list of arrays of shape (T_k,), in the target's units."""
        predictor = self.predictor
        if predictor is None:
            from .training import predict_genome as predictor
        X_list = [np.asarray(x, dtype=np.float64) for x in X_list]
        X_net = X_list
        if self.input_map is not None:
            scale, offset = self.input_map
            X_net = [x * scale + offset for x in X_list]
        out = predictor(self.genome, self.params, X_net)
        if self.target_map is not None:
            scale, offset = self.target_map
            out = [(np.asarray(o, dtype=np.float64) - offset) / scale for o in out]
        if self.baseline_feature is not None:
            out = [np.asarray(o, dtype=np.float64) + x[:, self.baseline_feature]
                   for o, x in zip(out, X_list)]
        return out

    # --------------------------------------------------------------- export
    def to_dict(self):
        """A JSON-ready dict: nodes, edges (with trained weights), params, scores."""
        return network_to_dict(self)

    def to_json(self, path=None, **dump_kwargs):
        """JSON text of :meth:`to_dict`; also written to ``path`` when given."""
        return network_to_json(self, path, **dump_kwargs)

    @classmethod
    def from_json(cls, text_or_path, predictor=None):
        """Rebuild a network from :meth:`to_json` output (text or file path)."""
        return cls(predictor=predictor, **network_fields_from_json(text_or_path))

    def to_dot(self, path=None, active_only=True, feature_names=None):
        """Graphviz DOT text (forward edges solid, recurrent dashed and labelled ``t-d``)."""
        return network_to_dot(self, path, active_only, feature_names)

    def plot(self, ax=None, feature_names=None, active_only=True):
        """Draw the network with matplotlib (layers left to right).

        Forward edges are grey straight arrows, recurrent edges red dashed
        arcs; nodes are coloured by cell type.  Returns the axes.
        """
        return plot_network(self, ax, feature_names, active_only)
