"""Pheromone rules: evaporation, reward/penalty, MMAS bounds, forward bias.

The ASNE paper's rules and the reference code's forward bias.  Every function updates the
colony arrays in place, vectorised over lines.  An RNN touches only its
active nodes (the pheromone of the chosen cell type), its active edges (the
lines with its innovation numbers) and the start lines of its active inputs.
"""
import numpy as np

from .colony import TAU_MAX0

FIXED_REWARD, FIXED_PENALTY = 1.15, 0.85
CONSTANT_STEP, CONSTANT_FLOOR = 1.0, 0.2


def evaporate(colony, rho, include_outputs=True):
    """``tau <- (1 - rho) tau + rho tau0`` on lines, start lines and type pheromones.

    Parameters
    ----------
    colony : Colony
    rho : float
        Evaporation rate in [0, 1].
    include_outputs : bool
        Also evaporate the outputs' type pheromones (the reference skips them).
    """
    t0 = colony.tau0
    colony.line_tau *= 1.0 - rho
    colony.line_tau += rho * t0
    colony.start_tau *= 1.0 - rho
    colony.start_tau += rho * t0
    rows = slice(None) if include_outputs else colony.node_layer != colony.output_layer
    colony.type_tau[rows] = (1.0 - rho) * colony.type_tau[rows] + rho * t0


def touched(colony, genome):
    """The pheromones an RNN updates.

    Returns
    -------
    lines : ndarray of int
        Colony line ids of the active edges (unique).
    inputs : ndarray of int
        Colony ids of the active inputs (their start lines).
    nodes, cells : ndarray of int
        Colony ids of the active nodes and their cell types, in genome order
        (nodes of a type the ants do not choose, i.e. linear inputs and
        outputs, left out: they have no type pheromone).
    """
    node_active, edge_active = genome.active_elements()
    lines = np.unique(genome.edge_innovation[edge_active])
    nodes = genome.node_id[node_active]
    cells = genome.node_cell[node_active]
    inputs = nodes[colony.node_layer[nodes] == 0]
    typed = cells < colony.type_tau.shape[1]
    return lines, inputs, nodes[typed], cells[typed]


def reward(colony, genome, fitness, config, reg_term=0.0):
    """Reward an RNN inserted into the population.

    Parameters
    ----------
    colony : Colony
    genome : Genome
    fitness : float
        Best validation MSE ``f``.
    config : SearchConfig
        ``reward`` picks the rule; ``deposit`` is ``d``.
    reg_term : float
        ``R(w)`` of the regularized rule (0 for lambda = 0).
    """
    lines, inputs, nodes, cells = touched(colony, genome)
    if config.reward == "fixed":
        _scale(colony, lines, inputs, nodes, cells, FIXED_REWARD, cap=TAU_MAX0)
    elif config.reward == "constant":
        _constant(colony, lines, inputs, nodes, cells, +1, edges=True)
    else:
        _regularized(colony, lines, inputs, nodes, cells, fitness, config, reg_term)
    if config.use_bias:
        forward_bias(colony, cap=colony.tau_max if config.reward == "regularized" else TAU_MAX0)


def penalize(colony, genome, config):
    """Penalise an RNN worse than the population's worst (no-op for ``regularized``)."""
    lines, inputs, nodes, cells = touched(colony, genome)
    if config.reward == "fixed":
        _scale(colony, lines, inputs, nodes, cells, FIXED_PENALTY, cap=TAU_MAX0)
    elif config.reward == "constant":
        _constant(colony, lines, inputs, nodes, cells, -1, edges=config.constant_edge_penalty)


def regularization(edge_weights, weight_reg, norm="l2", signed_l1=False):
    """``R(w)`` over the RNN's trained edge weights (NaN entries ignored).

    ``l1``: ``lambda * sum|w| / N`` (``signed_l1``: ``lambda * sum w / N``);
    ``l2``: ``lambda * sum w^2 / (2N)``.
    """
    w = np.asarray(edge_weights, dtype=np.float64)
    w = w[np.isfinite(w)]
    if weight_reg == 0 or len(w) == 0:
        return 0.0
    if norm == "l1":
        return float(weight_reg * (w.sum() if signed_l1 else np.abs(w).sum()) / len(w))
    return float(weight_reg * (w ** 2).sum() / (2 * len(w)))


def forward_bias(colony, cap):
    """Favour forward lines (``bias_forward_paths`` then ``bias_edges``), per node.

    For each node ``v`` (vectorised, each line belongs to one source):

    1. lines into a deeper layer are "forward", the rest "backward"; if
       ``n_fwd < floor(0.75 n_bwd)`` and their pheromone sum is smaller,
       forward lines are scaled by ``sum_bwd / sum_fwd``;
    2. if there are fewer skip-0 than recurrent lines and their sum is
       smaller, skip-0 lines are scaled by ``sum_rec / sum_0``; when a scaled
       value then exceeds ``cap``, all of ``v``'s lines are scaled by
       ``cap / max``.

    Divisions by zero are guarded (the reference does not).
    """
    n = colony.n_nodes
    src, tau = colony.line_src, colony.line_tau
    fwd = colony.node_layer[colony.line_dst] > colony.node_layer[src]
    factor = _balance(src, tau, fwd, n, lambda a, b: a < np.floor(0.75 * b))
    tau *= np.where(fwd, factor[src], 1.0)
    zero = colony.line_skip == 0
    factor = _balance(src, tau, zero, n, lambda a, b: a < b)
    scaled = factor != 1.0
    tau *= np.where(zero, factor[src], 1.0)
    top = np.zeros(n)
    np.maximum.at(top, src[zero], tau[zero])
    shrink = scaled & (top > cap)
    down = np.ones(n)
    down[shrink] = cap / top[shrink]
    tau *= down[src]


def _balance(src, tau, mask, n, count_ok):
    """Per-node factor ``sum(~mask) / sum(mask)`` where the rule fires, else 1."""
    n_a = np.bincount(src[mask], minlength=n)
    n_b = np.bincount(src[~mask], minlength=n)
    s_a = np.bincount(src[mask], tau[mask], minlength=n)
    s_b = np.bincount(src[~mask], tau[~mask], minlength=n)
    fire = count_ok(n_a, n_b) & (s_a < s_b) & (s_a > 0)
    factor = np.ones(n)
    factor[fire] = s_b[fire] / s_a[fire]
    return factor


def _scale(colony, lines, inputs, nodes, cells, factor, cap):
    colony.line_tau[lines] = np.minimum(colony.line_tau[lines] * factor, cap)
    colony.start_tau[inputs] = np.minimum(colony.start_tau[inputs] * factor, cap)
    colony.type_tau[nodes, cells] = np.minimum(colony.type_tau[nodes, cells] * factor, cap)


def _constant(colony, lines, inputs, nodes, cells, sign, edges):
    def step(values):
        values = np.minimum(values + sign * CONSTANT_STEP, TAU_MAX0)
        return np.where(values < 0, CONSTANT_FLOOR, values)

    if edges:
        colony.line_tau[lines] = step(colony.line_tau[lines])
    elif sign > 0:  # faithful: an edge changes only when 0 < tau * sign < 20
        t = colony.line_tau[lines]
        colony.line_tau[lines] = np.where((t > 0) & (t < TAU_MAX0), step(t), t)
    colony.start_tau[inputs] = step(colony.start_tau[inputs])
    colony.type_tau[nodes, cells] = step(colony.type_tau[nodes, cells])


def _regularized(colony, lines, inputs, nodes, cells, fitness, config, reg_term):
    d, f = config.deposit, max(float(fitness), 1e-300)
    colony.tau_max = 1.0 / (d * f)
    hi = colony.tau_max
    lo_types, lo_lines = hi / (2 * colony.type_tau.shape[1]), hi / (2 * colony.n_lines)
    line_deposit = d / (f + reg_term)
    colony.line_tau[lines] = np.clip(colony.line_tau[lines] + line_deposit, lo_lines, hi)
    colony.start_tau[inputs] = np.clip(colony.start_tau[inputs] + line_deposit, lo_lines, hi)
    t = colony.type_tau[nodes, cells] + d / f
    if config.ordered_tau_min:  # faithful: only the first type update uses tau_max / 12
        lo = np.full(len(t), lo_lines)
        lo[:1] = lo_types
    else:
        lo = lo_types
    colony.type_tau[nodes, cells] = np.clip(t, lo, hi)
