"""Sparse RNN genome: the candidate network an ant colony builds.

A genome is a set of flat arrays, not objects per node or edge.  Nodes are
numbered ``0..n_nodes-1``; inputs are nodes ``0..n_inputs-1`` in feature
order (placeholder inputs are present but disabled), outputs are the nodes in
the last layer.  Edges carry a time skip: 0 is a forward edge, ``d >= 1`` a
recurrent edge reading the source's output ``d`` steps back.
"""
from dataclasses import dataclass, field, replace

import numpy as np

CELL_TYPES = ("simple", "ugrnn", "mgu", "gru", "delta", "lstm", "linear")
"""Cell type names; ``Genome.node_cell`` holds indices into this tuple."""

SAMPLED_CELL_TYPES = CELL_TYPES[:6]
"""The types ants choose from, one type pheromone each.
``"linear"`` (``h = x + b``, beyond the papers) is only ever given to inputs
and outputs (``io_cells="linear"``)."""

CELL_N_PARAMS = {"simple": 1, "ugrnn": 6, "mgu": 6, "gru": 9, "delta": 6, "lstm": 11,
                 "linear": 1}
"""Number of parameters of each scalar cell."""

MAX_CELL_PARAMS = max(CELL_N_PARAMS.values())
"""Width of the per-node parameter rows (``Genome.node_params``)."""


@dataclass
class Genome:
    """A candidate RNN topology.

    Attributes
    ----------
    n_inputs : int
        Number of input nodes (nodes ``0..n_inputs-1``).
    node_layer : ndarray of int, shape (n_nodes,)
        Layer of each node: 0 for inputs, ``1..L`` hidden, ``L+1`` outputs.
    node_cell : ndarray of int, shape (n_nodes,)
        Index into :data:`CELL_TYPES`.
    node_enabled : ndarray of bool, shape (n_nodes,)
        False for placeholder inputs that no ant visited.
    node_id : ndarray of int, shape (n_nodes,)
        Colony node id (superstructure identity) of each node.
    edge_src, edge_dst : ndarray of int, shape (n_edges,)
        Source and target node index of each edge.
    edge_skip : ndarray of int, shape (n_edges,)
        0 for forward edges, ``d >= 1`` for recurrent edges over ``d`` steps.
    edge_innovation : ndarray of int, shape (n_edges,)
        Colony line id of each edge (its identity across genomes).
    edge_weight : ndarray of float64, shape (n_edges,) or None
        Initial edge weights (e.g. Lamarckian colony weights); None or NaN
        entries are drawn by the trainer.
    node_params : ndarray of float64, shape (n_nodes, MAX_CELL_PARAMS) or None
        Initial cell parameters of each node, in the order of its cell's
        parameters (row ``i`` uses its first ``CELL_N_PARAMS[cell]``
        entries); None or NaN entries are drawn by the trainer.
    """

    n_inputs: int
    node_layer: np.ndarray
    node_cell: np.ndarray
    node_enabled: np.ndarray
    node_id: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_skip: np.ndarray
    edge_innovation: np.ndarray
    edge_weight: np.ndarray = field(default=None)
    node_params: np.ndarray = field(default=None)

    @property
    def n_nodes(self):
        return len(self.node_layer)

    @property
    def n_edges(self):
        return len(self.edge_src)

    @property
    def output_nodes(self):
        """Indices of the output nodes (the last layer), in node order."""
        return np.flatnonzero(self.node_layer == self.node_layer.max())

    def active_elements(self):
        """Nodes and edges that are both forward- and backward-reachable.

        Forward reachability starts at the enabled inputs and follows enabled
        forward and recurrent edges; backward reachability starts at the
        outputs and follows edges in reverse.

        Returns
        -------
        node_active : ndarray of bool, shape (n_nodes,)
        edge_active : ndarray of bool, shape (n_edges,)
        """
        src, dst = self.edge_src, self.edge_dst
        usable = self.node_enabled[src] & self.node_enabled[dst]
        fwd = np.zeros(self.n_nodes, bool)
        fwd[: self.n_inputs] = self.node_enabled[: self.n_inputs]
        fwd = _propagate(fwd, src[usable], dst[usable])
        bwd = np.zeros(self.n_nodes, bool)
        bwd[self.output_nodes] = True
        bwd = _propagate(bwd, dst[usable], src[usable])
        node_active = fwd & bwd & self.node_enabled
        edge_active = usable & node_active[src] & node_active[dst]
        return node_active, edge_active

    def reaches_output(self):
        """True when at least one output node is active."""
        node_active, _ = self.active_elements()
        return bool(node_active[self.output_nodes].any())


def _propagate(reached, src, dst):
    """Mark every node reachable from ``reached`` along edges src -> dst."""
    reached = reached.copy()
    while True:
        new = reached[src] & ~reached[dst]
        if not new.any():
            return reached
        reached[dst[new]] = True


def merge_genomes(genomes):
    """The union of several genomes' active structures (built on the same colony).

    A colony node appears once, with the cell type of the first genome that
    has it active; an edge appears once per colony line.  Start values are
    not set (``edge_weight`` and ``node_params`` are None).

    Parameters
    ----------
    genomes : sequence of Genome
        Same ``n_inputs``; earlier genomes take precedence for cell types.

    Returns
    -------
    Genome
        Nodes ordered by colony node id, edges by colony line id.
    """
    n_inputs = genomes[0].n_inputs
    nodes, lines = {}, {}
    for g in genomes:
        if g.n_inputs != n_inputs:
            raise ValueError(f"genomes have {g.n_inputs} and {n_inputs} inputs")
        node_active, edge_active = g.active_elements()
        io = (g.node_layer == 0) | (g.node_layer == g.node_layer.max())
        for i in np.flatnonzero(node_active | io):
            nid = int(g.node_id[i])
            enabled = bool(g.node_enabled[i] and (node_active[i] or g.node_layer[i] > 0))
            if nid not in nodes or (enabled and not nodes[nid][2]):
                nodes[nid] = (int(g.node_layer[i]), int(g.node_cell[i]), enabled)
        for e in np.flatnonzero(edge_active):
            lines.setdefault(int(g.edge_innovation[e]), (int(g.node_id[g.edge_src[e]]),
                                                         int(g.node_id[g.edge_dst[e]]),
                                                         int(g.edge_skip[e])))
    ids = np.array(sorted(nodes), np.int64)
    index = {nid: k for k, nid in enumerate(ids.tolist())}
    layer, cell, enabled = (np.array([nodes[n][j] for n in ids.tolist()]) for j in range(3))
    innovation = np.array(sorted(lines), np.int64)
    ends = np.array([lines[k] for k in innovation.tolist()], np.int64).reshape(-1, 3)
    return Genome(n_inputs=n_inputs, node_layer=layer.astype(np.int64),
                  node_cell=cell.astype(np.int64), node_enabled=enabled.astype(bool),
                  node_id=ids,
                  edge_src=np.array([index[s] for s in ends[:, 0]], np.int64),
                  edge_dst=np.array([index[d] for d in ends[:, 1]], np.int64),
                  edge_skip=ends[:, 2].copy(), edge_innovation=innovation)


def drop_edges(genome, drop):
    """A copy of ``genome`` without the edges ``drop``; start values are kept.

    Parameters
    ----------
    genome : Genome
    drop : array-like of int
        Indices of the edges to remove.

    Returns
    -------
    Genome
        Same nodes; nodes left without a path from an input to an output
        become inactive (:meth:`Genome.active_elements`).
    """
    keep = np.ones(genome.n_edges, bool)
    keep[np.asarray(drop, dtype=np.int64)] = False
    return replace(genome, edge_src=genome.edge_src[keep], edge_dst=genome.edge_dst[keep],
                   edge_skip=genome.edge_skip[keep], edge_innovation=genome.edge_innovation[keep],
                   edge_weight=None if genome.edge_weight is None
                   else np.asarray(genome.edge_weight)[keep])
