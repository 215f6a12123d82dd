"""A cheap stand-in trainer for the tests of the search machinery.

``surrogate_train`` has the signature of :func:`rnnkit.asne.training.train_genome`
but does no BPTT: it fits a least-squares readout from the RNN's *active
inputs* (their current values) to the target, so the fitness rewards RNNs that
connect the informative inputs, and adds a small size penalty.  It runs in
milliseconds and is picklable, so the search loop, the pheromone rules and
the process pool can be tested without the graph-RNN kernels.  The tests'
``conftest.py`` puts this directory on ``sys.path``, so worker processes
import it by name (``_standin``).
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class SurrogateResult:
    """Same fields as ``rnnkit.asne.training.TrainResult``."""

    params: np.ndarray
    edge_weights: np.ndarray
    fitness: float
    mae: float
    n_params: int
    history: np.ndarray


def surrogate_train(genome, X_train, y_train, X_val, y_val, *, epochs, random_state=None,
                    size_penalty=1e-4, **ignored):
    """Fit ``y ~ X[:, active inputs] @ coef + b``; fitness = validation MSE + size penalty.

    Returns
    -------
    SurrogateResult
        ``params`` = ``[coef..., b]`` over the active inputs in genome order;
        ``edge_weights`` = start weights plus small noise (NaN when inactive).
    """
    rng = np.random.default_rng(random_state)
    node_active, edge_active = genome.active_elements()
    cols = _active_inputs(genome, node_active)
    A = _design(X_train, cols)
    y = np.concatenate([np.asarray(t, float) for t in y_train])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    pred = predict_surrogate(genome, coef, X_val)
    err = np.concatenate([p - np.asarray(t, float) for p, t in zip(pred, y_val)])
    n_edges = int(edge_active.sum())
    fitness = float(np.mean(err ** 2) + size_penalty * n_edges)
    mae = float(np.mean([np.mean(np.abs(p - t)) for p, t in zip(pred, y_val)]))
    start = genome.edge_weight if genome.edge_weight is not None else rng.uniform(-.5, .5, genome.n_edges)
    w = np.where(edge_active, start + rng.normal(0, 0.01, genome.n_edges), np.nan)
    hist = np.tile([fitness, mae, fitness], (max(int(epochs), 1), 1))
    return SurrogateResult(coef, w, fitness, mae, len(coef) + n_edges, hist)


def predict_surrogate(genome, params, X_list):
    """Per-series predictions of :func:`surrogate_train`'s readout."""
    node_active, _ = genome.active_elements()
    cols = _active_inputs(genome, node_active)
    return [_design([X], cols) @ params for X in X_list]


def _active_inputs(genome, node_active):
    return genome.node_id[: genome.n_inputs][node_active[: genome.n_inputs]]


def _design(X_list, cols):
    X = np.concatenate([np.asarray(x, float) for x in X_list])
    return np.column_stack([X[:, cols], np.ones(len(X))])
