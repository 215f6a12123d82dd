"""Sparse RNN genome: the candidate network an ant colony builds.

A genome is a set of flat arrays, not objects per node or edge.  Nodes are
numbered ``0..n_nodes-1``; inputs are nodes ``0..n_inputs-1`` in feature
order (placeholder inputs are present but disabled), outputs are the nodes in
the last layer.  Edges carry a time skip: 0 is a forward edge, ``d >= 1`` a
recurrent edge reading the source's output ``d`` steps back.
"""
from dataclasses import dataclass, field

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
