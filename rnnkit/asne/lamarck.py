"""Lamarckian ("communal") colony weights (spec asne.md section 8).

The colony keeps a weight on every line.  New RNN edges may start from it
(:attr:`SearchConfig.lamarck_init`) and trained RNNs write their best-epoch
edge weights back into it.
"""
import numpy as np


def fitness_alpha(f, f_best, f_worst, inverted=False):
    """Blend factor of the fitness-based rule, clipped to [0, 0.9].

    Intended: ``(f_worst - f) / (f_worst - f_best)`` (1 for an RNN as good as
    the best).  ``inverted`` (faithful): ``(f - f_best) / (f_worst - f_best)``
    (0 for the best).  Returns None when the rule does not apply
    (``f_best == f_worst``).
    """
    if not f_worst > f_best:
        return None
    a = (f - f_best) if inverted else (f_worst - f)
    return float(np.clip(a / (f_worst - f_best), 0.0, 0.9))


def update_colony_weights(colony, genome, edge_weights, fitness, config, population,
                          inserted):
    """Apply the enabled colony-weight updates for one returned RNN.

    Parameters
    ----------
    colony : Colony
    genome : Genome
    edge_weights : ndarray of float64, shape (genome.n_edges,)
        Trained weights, NaN for inactive edges.
    fitness : float
    config : SearchConfig
    population : Population
        Its state *before* this RNN is inserted.
    inserted : bool
        Whether the RNN enters the population (the ``copy`` rule needs it).

    Returns
    -------
    alpha : float or None
        The blend factor used by ``constant``/``fitness``, if any.
    """
    updates = config.lamarck_update
    w_r = np.asarray(edge_weights, dtype=np.float64)
    if w_r.shape != (genome.n_edges,):
        raise ValueError(f"edge_weights has shape {w_r.shape}, expected ({genome.n_edges},)")
    ok = np.isfinite(w_r)
    lines, w_r = genome.edge_innovation[ok], w_r[ok]
    alpha = None
    if "copy" in updates and inserted:
        colony.line_weight[lines] = w_r
    if "constant" in updates:
        alpha = config.lamarckian_alpha
    if "fitness" in updates and len(population) >= 2:
        alpha = fitness_alpha(fitness, population.best_fitness, population.worst_fitness,
                              inverted=config.inverted_fitness_alpha)
    if alpha is not None:
        colony.line_weight[lines] = alpha * w_r + (1 - alpha) * colony.line_weight[lines]
    if "pheromone" in updates and len(lines):
        tau = colony.line_tau[lines]
        colony.line_weight[lines] *= tau / tau.max()
    return alpha
