"""Ant walks over the colony and candidate extraction.

An ant marks lines; the candidate RNN is the union of every ant's path, cut
down to the nodes and edges that are both forward- and backward-reachable.
Ants only read the colony; pheromones change in :mod:`.pheromones`.
"""
from dataclasses import dataclass, field

import numpy as np

from .genome import CELL_TYPES, SAMPLED_CELL_TYPES, Genome


@dataclass
class Walk:
    """The union of the ants' paths of one march.

    Attributes
    ----------
    visited : list of int
        Colony nodes in order of first visit.
    edges : dict of int -> (int, int, int)
        ``line id -> (src, dst, skip)`` of every RNN edge; the first edge with
        a given line id (innovation number) wins.  Reversed backward-social
        edges carry the id of the opposite line.
    guard_restarts : int
        How many standard ants hit the step guard and were restarted.
    """

    visited: list = field(default_factory=list)
    edges: dict = field(default_factory=dict)
    guard_restarts: int = 0

    def visit(self, v, seen):
        if not seen[v]:
            seen[v] = True
            self.visited.append(int(v))

    def add(self, line, src, dst, skip):
        self.edges.setdefault(int(line), (int(src), int(dst), int(skip)))

    def visited_mask(self, n_nodes):
        """Boolean mask of shape (n_nodes,), True at the visited nodes (for :meth:`visit`)."""
        seen = np.zeros(n_nodes, bool)
        seen[self.visited] = True
        return seen


def march(colony, config, rng):
    """Send ``config.n_ants`` ants through the colony.

    Parameters
    ----------
    colony : Colony
    config : SearchConfig
        Uses ``ants``, ``social``, ``jumps``, ``n_ants``,
        ``reversed_backward_social`` and ``direct_inputs``.
    rng : numpy.random.Generator

    Returns
    -------
    Walk
    """
    if config.ants == "standard":
        walk = standard_march(colony, config.n_ants, rng)
    else:
        walk, chosen = explorer_march(colony, config.n_ants, rng, jumps=config.jumps)
        if config.social in ("forward", "both"):
            forward_social_march(colony, walk, chosen, max(1, config.n_ants // 2), rng,
                                 config.jumps)
        if config.social in ("backward", "both"):
            backward_social_march(colony, walk, chosen, max(1, config.n_ants // 2), rng,
                                  config.jumps, reversed_lines=config.reversed_backward_social)
    if config.direct_inputs:
        add_direct_lines(colony, walk)
    return walk


def add_direct_lines(colony, walk):
    """Add the forward line from every input to every output to ``walk``.

    Every candidate then sees every input column and has a linear path
    from it to the prediction (with linear input and output cells, ``y =
    sum_i w_i x_i + b`` plus the hidden paths), so "repeat the last value"
    is in reach whichever inputs the ants chose.
    """
    seen = walk.visited_mask(colony.n_nodes)
    for v in range(colony.n_inputs):
        walk.visit(v, seen)
        for o in colony.output_nodes:
            walk.visit(o, seen)
            walk.add(colony.line_id[v, o, 0], v, o, 0)


def pick(tau, rng):
    """Roulette wheel: index ``i`` with probability ``tau[i] / tau.sum()``."""
    cum = np.cumsum(tau)
    if not cum[-1] > 0:  # all zero (e.g. collapsed pheromones): uniform
        return int(rng.integers(len(tau)))
    return int(min(np.searchsorted(cum, rng.random() * cum[-1], side="right"), len(tau) - 1))


def standard_march(colony, n_ants, rng, max_steps=None):
    """Standard ants: from a start line, follow any line until an output.

    A guard restarts an ant after ``max_steps`` steps (default ``10 *
    n_nodes``; the reference has none) and counts it in
    ``Walk.guard_restarts``.
    """
    max_steps = 10 * colony.n_nodes if max_steps is None else max_steps
    walk, seen = Walk(), np.zeros(colony.n_nodes, bool)
    is_output = colony.node_layer == colony.output_layer
    for _ in range(n_ants):
        while True:
            v = pick(colony.start_tau, rng)
            path_nodes, path_lines = [v], []
            for _ in range(max_steps):
                lines = colony.lines_of(v)
                line = lines[pick(colony.line_tau[lines], rng)]
                v = int(colony.line_dst[line])
                path_nodes.append(v); path_lines.append(line)
                if is_output[v]:
                    break
            if is_output[v]:
                break
            walk.guard_restarts += 1
        for u in path_nodes:
            walk.visit(u, seen)
        for line in path_lines:
            walk.add(line, colony.line_src[line], colony.line_dst[line], colony.line_skip[line])
    return walk


def explorer_march(colony, n_ants, rng, jumps=False):
    """Explorer ants: skip-0 lines only, one layer per step unless ``jumps``.

    Returns
    -------
    walk : Walk
    chosen : ndarray of bool, shape (n_nodes,)
        Nodes some explorer visited (the ends of the social colony).
    """
    walk, seen = Walk(), np.zeros(colony.n_nodes, bool)
    out_layer = colony.output_layer
    for _ in range(n_ants):
        v = pick(colony.start_tau, rng)
        walk.visit(v, seen)
        while colony.node_layer[v] != out_layer:
            lines = colony.lines_of(v)
            lines = lines[colony.line_skip[lines] == 0]
            if not jumps:
                lines = lines[colony.node_layer[colony.line_dst[lines]] == colony.node_layer[v] + 1]
            line = lines[pick(colony.line_tau[lines], rng)]
            v = int(colony.line_dst[line])
            walk.visit(v, seen)
            walk.add(line, colony.line_src[line], v, 0)
    return walk, seen.copy()


def _social_lines(colony, chosen):
    rec = colony.line_skip > 0
    return np.flatnonzero(rec & chosen[colony.line_src] & chosen[colony.line_dst])


def forward_social_march(colony, walk, chosen, n_ants, rng, jumps=False):
    """Forward social ants: recurrent lines among explorer-chosen nodes, toward deeper layers."""
    social = _social_lines(colony, chosen)
    starts = np.flatnonzero(chosen[: colony.n_inputs])
    if len(social) == 0 or len(starts) == 0:
        return walk
    seen = walk.visited_mask(colony.n_nodes)
    src, dst = colony.line_src[social], colony.line_dst[social]
    dst_layer = colony.node_layer[dst]
    n_out = colony.output_layer
    for _ in range(n_ants):
        for s in range(1, (n_out if jumps else 1) + 1):
            v = int(starts[pick(colony.start_tau[starts], rng)])
            for layer in range(s, n_out + 1, s):
                cand = social[(src == v) & (dst_layer == layer)]
                if len(cand) == 0:
                    continue
                line = cand[pick(colony.line_tau[cand], rng)]
                u = int(colony.line_dst[line])
                walk.add(line, v, u, colony.line_skip[line]); walk.visit(u, seen)
                v = u
    return walk


def backward_social_march(colony, walk, chosen, n_ants, rng, jumps=False, reversed_lines=True):
    """Backward social ants: deep -> shallow recurrent edges among chosen nodes.

    With ``reversed_lines`` (faithful) an RNN edge ``v -> u`` is read from,
    and carries the id of, the opposite line ``u -> v``; otherwise the genuine
    line ``v -> u`` of the superstructure is used.
    """
    social = _social_lines(colony, chosen)
    if len(social) == 0 or colony.hidden_layers == 0:  # no hidden layer to go back to
        return walk
    seen = walk.visited_mask(colony.n_nodes)
    src, dst = colony.line_src[social], colony.line_dst[social]
    layer = colony.node_layer
    L = colony.hidden_layers
    out = int(colony.output_nodes[-1])  # the reference uses only its most negative output
    # lines between a deep node a and a shallow node b: a->b genuine, b->a reversed
    deep, shallow = (dst, src) if reversed_lines else (src, dst)
    for _ in range(n_ants):
        first = social[(deep == out) & (layer[shallow] == L)]
        if len(first) == 0:  # the reference crashes here
            return walk
        line = first[pick(colony.line_tau[first], rng)]
        h = int(colony.line_src[line] if reversed_lines else colony.line_dst[line])
        walk.add(line, out, h, colony.line_skip[line]); walk.visit(h, seen)
        for s in range(1, (L + 1 if jumps else 1) + 1):
            v = h
            for lay in range(L - s, 0, -s):
                cand = social[(deep == v) & (layer[shallow] == lay)]
                if len(cand) == 0:
                    continue
                line = cand[pick(colony.line_tau[cand], rng)]
                u = int(colony.line_src[line] if reversed_lines else colony.line_dst[line])
                walk.add(line, v, u, colony.line_skip[line]); walk.visit(u, seen)
                v = u
    return walk


def build_genome(colony, walk, rng, *, io_cells="sampled", colony_weights=False,
                 colony_node_params=False):
    """Turn a walk into a pruned :class:`Genome`.

    Every input is present (unvisited ones as disabled simple placeholders)
    and so is every output; hidden nodes and edges are kept only when active
    (forward- and backward-reachable).  Cell types of visited nodes are drawn
    from the type pheromones.

    Parameters
    ----------
    colony : Colony
    walk : Walk
    rng : numpy.random.Generator
    io_cells : {"sampled", "simple", "linear"}
        Whether inputs and outputs draw their type, or are always simple, or
        always linear (``h = x + b``, beyond the papers).
    colony_weights : bool
        Start edges from the colony weights (Lamarckian) instead of random.
    colony_node_params : bool
        Start cells from the colony's parameters of their node and cell type
        (NaN, i.e. drawn by the trainer, where none were written yet).

    Returns
    -------
    genome : Genome
        ``node_id`` are colony node ids, ``edge_innovation`` colony line ids.
    """
    n_in = colony.n_inputs
    visited = np.zeros(colony.n_nodes, bool)
    visited[walk.visited] = True
    cell = np.zeros(colony.n_nodes, np.int64)
    order = np.asarray(walk.visited, np.int64)  # types drawn in first-visit order
    if len(order):
        tau = colony.type_tau[order]
        cum = np.cumsum(tau, axis=1)
        r = rng.random(len(order)) * cum[:, -1]
        cell[order] = np.minimum((cum <= r[:, None]).sum(axis=1), len(SAMPLED_CELL_TYPES) - 1)
    if io_cells != "sampled":
        code = CELL_TYPES.index(io_cells)
        cell[colony.node_layer == 0] = code
        cell[colony.output_nodes] = code
    cell[:n_in][~visited[:n_in]] = 0

    is_io = (colony.node_layer == 0) | (colony.node_layer == colony.output_layer)
    keep = np.flatnonzero(visited | is_io)
    index = np.full(colony.n_nodes, -1, np.int64)
    index[keep] = np.arange(len(keep))
    lines = np.fromiter(walk.edges.keys(), np.int64, len(walk.edges))
    ends = np.array(list(walk.edges.values()), np.int64).reshape(-1, 3)
    order = np.argsort(lines, kind="stable")
    lines, ends = lines[order], ends[order]
    genome = Genome(
        n_inputs=n_in,
        node_layer=colony.node_layer[keep].copy(),
        node_cell=cell[keep],
        node_enabled=visited[keep] | (colony.node_layer[keep] > 0),
        node_id=keep.copy(),
        edge_src=index[ends[:, 0]], edge_dst=index[ends[:, 1]], edge_skip=ends[:, 2].copy(),
        edge_innovation=lines,
    )
    genome = prune(genome)
    if colony_weights:
        genome.edge_weight = colony.line_weight[genome.edge_innovation].copy()
    if colony_node_params:
        genome.node_params = colony.node_params[genome.node_id, genome.node_cell]
    return genome


def prune(genome):
    """Drop inactive hidden nodes and inactive edges (inputs and outputs stay).

    Returns
    -------
    Genome
        A new genome; the same one when nothing is inactive.
    """
    node_active, edge_active = genome.active_elements()
    layer = genome.node_layer
    keep = node_active | (layer == 0) | (layer == layer.max())
    if keep.all() and edge_active.all():
        return genome
    index = np.full(genome.n_nodes, -1, np.int64)
    index[keep] = np.arange(np.count_nonzero(keep))
    e = edge_active
    return Genome(
        n_inputs=genome.n_inputs, node_layer=layer[keep], node_cell=genome.node_cell[keep],
        node_enabled=genome.node_enabled[keep], node_id=genome.node_id[keep],
        edge_src=index[genome.edge_src[e]], edge_dst=index[genome.edge_dst[e]],
        edge_skip=genome.edge_skip[e], edge_innovation=genome.edge_innovation[e],
        edge_weight=None if genome.edge_weight is None else genome.edge_weight[e],
        node_params=None if genome.node_params is None else genome.node_params[keep],
    )
