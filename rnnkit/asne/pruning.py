"""Validated magnitude pruning of a trained network (beyond the papers).

The refinement grows the best network into the union of the population,
with the added edges starting at zero; many of them stay small.  Pruning
drops the smallest edges for as long as the validation MSE does not rise.
"""
from dataclasses import replace

import numpy as np

from .genome import drop_edges
from .training import evaluate_genome

PRUNE_STEP = 0.025
"""Share of the active edges added to the dropped set at each step."""


def prune_edges(genome, edge_weights, node_params, X_val, y_val, step=PRUNE_STEP):
    """The trained network without its smallest edges, as many as keep the validation MSE.

    The active edges are ranked by increasing ``|weight|``; the networks
    without the first ``k`` of them are scored on the validation series for
    ``k`` = ``step``, ``2 step``, ... of the active edges (without
    retraining); the largest ``k`` whose validation MSE is at most the
    unpruned network's wins.  Cells left without a path from an input to the
    output drop out with their parameters.

    Parameters
    ----------
    genome : Genome
    edge_weights : ndarray of float64, shape (genome.n_edges,)
        Trained weight of each edge (NaN for inactive edges).
    node_params : ndarray of float64, shape (genome.n_nodes, MAX_CELL_PARAMS)
        Trained cell parameters.
    X_val : list of ndarray, each of shape (T_k, n_inputs)
    y_val : list of ndarray, each of shape (T_k,)
    step : float, default=PRUNE_STEP
        In (0, 1].

    Returns
    -------
    pruned : Genome
        Carries the trained values as start values; ``genome`` itself (with
        them) when no edge can go.
    result : TrainResult
        Its validation scores (:func:`~rnnkit.asne.training.evaluate_genome`).
    """
    if not 0 < step <= 1:
        raise ValueError(f"step must be in (0, 1], got {step}.")
    trained = replace(genome, edge_weight=np.asarray(edge_weights, dtype=np.float64),
                      node_params=np.asarray(node_params, dtype=np.float64))
    best = (trained, evaluate_genome(trained, X_val, y_val))
    limit = best[1].fitness
    _, edge_active = genome.active_elements()
    active = np.flatnonzero(edge_active)
    ranked = active[np.argsort(np.abs(trained.edge_weight[active]), kind="stable")]
    sizes = np.unique(np.round(np.arange(step, 1, step) * len(active)).astype(np.int64))
    for k in sizes[sizes > 0]:
        pruned = drop_edges(trained, ranked[:k])
        if not pruned.reaches_output():
            break
        result = evaluate_genome(pruned, X_val, y_val)
        if result.fitness <= limit:
            best = (pruned, result)
    return best
