"""Lamarckian weight inheritance.

The colony keeps a weight on every line.  New RNN
edges may start from it (:attr:`SearchConfig.lamarck_init`) and trained RNNs
write their best-epoch edge weights back into it.  Beyond the papers, the
colony can also keep the cell parameters of every node and cell type
(``inherit="all"``), and a candidate can start each element from the best
population member that has it (``lamarckian="elite"``).
"""
import numpy as np

from .genome import CELL_TYPES, MAX_CELL_PARAMS, merge_genomes


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
                          inserted, node_params=None):
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
    node_params : ndarray of float64, shape (genome.n_nodes, MAX_CELL_PARAMS), optional
        Trained cell parameters (NaN for inactive nodes); written into the
        colony by the same rule when ``config.inherit == "all"``.

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
    if config.inherit == "all" and node_params is not None:
        p_r = np.asarray(node_params, dtype=np.float64)
        rows = np.flatnonzero(~np.isnan(p_r).all(axis=1))
        ids, cells, p_r = genome.node_id[rows], genome.node_cell[rows], p_r[rows]
        old = colony.node_params[ids, cells]
        new = None
        if "copy" in updates and inserted:
            new = p_r
        if alpha is not None:
            new = alpha * p_r + (1 - alpha) * old
        if new is not None:  # never trained before: take the trained values
            colony.node_params[ids, cells] = np.where(np.isnan(old), p_r, new)
    return alpha


def cell_keys(genome):
    """Identity of each node's cell across genomes: colony node id and cell type, as one int."""
    return genome.node_id * len(CELL_TYPES) + genome.node_cell


def inherit_from_population(genome, population, node_params=True, n_members=None):
    """Start every element of ``genome`` from the best member that has it.

    An edge is identified by its innovation number, a cell by its colony node
    and cell type.  Elements no member has stay NaN (drawn by the trainer).

    Parameters
    ----------
    genome : Genome
        Its ``edge_weight`` (and ``node_params``) are set in place.
    population : Population or sequence of Member
        Members with ``edge_weights`` and ``node_params``, best first.
    node_params : bool, default=True
        Inherit cell parameters too (else only edge weights).
    n_members : int or None, default=None
        Look only at the best ``n_members`` members (None: all).

    Returns
    -------
    n_inherited : int
        Number of edges plus cells that got a member's values.
    """
    weights = np.full(genome.n_edges, np.nan)
    cells = np.full((genome.n_nodes, MAX_CELL_PARAMS), np.nan) if node_params else None
    node_key = cell_keys(genome)
    for m in reversed(list(population)[:n_members]):  # worst first: better ones overwrite
        g = m.genome
        ok = np.isfinite(m.edge_weights)
        _, mine, theirs = np.intersect1d(genome.edge_innovation, g.edge_innovation[ok],
                                         return_indices=True)
        weights[mine] = m.edge_weights[ok][theirs]
        if node_params and m.node_params is not None:
            ok = ~np.isnan(m.node_params).all(axis=1)
            _, mine, theirs = np.intersect1d(node_key, cell_keys(g)[ok], return_indices=True)
            cells[mine] = m.node_params[ok][theirs]
    genome.edge_weight = weights
    n = int(np.isfinite(weights).sum())
    if node_params:
        genome.node_params = cells
        n += int((~np.isnan(cells).all(axis=1)).sum())
    return n


def grow_from_members(members):
    """The union of members' structures, started so that it computes the first's output.

    Parameters
    ----------
    members : sequence of Member
        Best first, each with ``edge_weights`` and ``node_params``.

    Returns
    -------
    Genome
        :func:`~rnnkit.asne.genome.merge_genomes` of the members' genomes.
        Each edge and cell starts from the first member that has it; the
        edges the first member lacks that end in one of its active cells
        start at zero.
    """
    genome = merge_genomes([m.genome for m in members])
    inherit_from_population(genome, members, node_params=True)
    first = members[0].genome
    node_active, edge_active = first.active_elements()
    own_cells = np.isin(cell_keys(genome), cell_keys(first)[node_active])
    new_edge = ~np.isin(genome.edge_innovation, first.edge_innovation[edge_active])
    genome.edge_weight[new_edge & own_cells[genome.edge_dst]] = 0.0
    return genome
