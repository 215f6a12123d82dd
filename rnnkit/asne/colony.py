"""The colony: the superstructure every candidate RNN is cut from.

All lines of the superstructure live in flat arrays indexed by line id; the
line id is the innovation number of the RNN edge made from it.  Nodes are numbered ``0..n_nodes-1``: inputs first (layer 0), then
the hidden layers ``1..L`` layer by layer, then the outputs (layer ``L+1``).
The reference code stores outputs under negative keys; here the sign is not
needed because ``node_layer`` says which nodes are outputs.
"""
import numpy as np

from .genome import CELL_TYPES, MAX_CELL_PARAMS, SAMPLED_CELL_TYPES

TAU0 = 0.7
"""Initial (and evaporation baseline) pheromone of every line and type."""

TAU_MAX0 = 20.0
"""Initial upper MMAS bound and the cap of the ``fixed``/``constant`` rules."""


class Colony:
    """Superstructure with a pheromone and a colony weight on every line.

    Parameters
    ----------
    n_inputs : int
        Number of input nodes ``I`` (layer 0).
    hidden_layers : int
        Number of hidden layers ``L``.
    hidden_nodes : int
        Nodes per hidden layer ``H``.
    n_outputs : int, default=1
        Number of output nodes ``O`` (layer ``L+1``).
    max_recurrent_depth : int, default=3
        ``K``; recurrent lines have time skips ``1..K-1``.
    random_state : int, Generator or None
        Seeds the colony weights ``U(-0.5, 0.5)``.

    Attributes
    ----------
    node_layer : ndarray of int, shape (n_nodes,)
    line_src, line_dst : ndarray of int, shape (n_lines,)
    line_skip : ndarray of int, shape (n_lines,)
        0 for forward lines, ``1..K-1`` for recurrent lines.
    line_tau : ndarray of float64, shape (n_lines,)
        Line pheromones, initialised to :data:`TAU0`.
    line_weight : ndarray of float64, shape (n_lines,)
        Colony (Lamarckian) weights.
    node_params : ndarray of float64, shape (n_nodes, len(CELL_TYPES), MAX_CELL_PARAMS)
        Colony cell parameters of each node and cell type (inheritance of
        every parameter), NaN until a trained RNN has written them.
    start_tau : ndarray of float64, shape (n_inputs,)
        Pheromones of the start lines (virtual start node -> input).
    type_tau : ndarray of float64, shape (n_nodes, 6)
        Cell-type pheromones, columns in
        :data:`~rnnkit.asne.genome.SAMPLED_CELL_TYPES` order.
    tau_max : float
        Current upper MMAS bound (starts at 20).
    out_ptr : ndarray of int, shape (n_nodes + 1,)
        Lines are sorted by source: the lines of node ``v`` are
        ``out_ptr[v]:out_ptr[v+1]``.
    line_id : ndarray of int, shape (n_nodes, n_nodes, K)
        Line id of ``(src, dst, skip)``, -1 where no line exists.

    Examples
    --------
    >>> c = Colony(12, 3, 12, 1, 3, random_state=0)
    >>> c.n_nodes, c.n_forward_lines, c.n_recurrent_lines, c.n_lines
    (49, 912, 3626, 4538)
    """

    def __init__(self, n_inputs, hidden_layers, hidden_nodes, n_outputs=1,
                 max_recurrent_depth=3, random_state=None):
        for name, value, low in (("n_inputs", n_inputs, 1), ("hidden_layers", hidden_layers, 0),
                                 ("hidden_nodes", hidden_nodes, 0), ("n_outputs", n_outputs, 1),
                                 ("max_recurrent_depth", max_recurrent_depth, 1)):
            if int(value) != value or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if hidden_layers > 0 and hidden_nodes == 0:
            raise ValueError(f"hidden_nodes must be >= 1 when hidden_layers={hidden_layers}")
        self.n_inputs = int(n_inputs)
        self.hidden_layers = int(hidden_layers)
        self.hidden_nodes = int(hidden_nodes)
        self.n_outputs = int(n_outputs)
        self.max_recurrent_depth = int(max_recurrent_depth)
        rng = np.random.default_rng(random_state)

        L, H = self.hidden_layers, self.hidden_nodes
        self.node_layer = np.concatenate([
            np.zeros(self.n_inputs, np.int64),
            np.repeat(np.arange(1, L + 1), H),
            np.full(self.n_outputs, L + 1),
        ]).astype(np.int64)
        n = self.n_nodes
        nodes = np.arange(n)
        rec_targets = nodes[self.node_layer >= 1]
        skips = np.arange(1, self.max_recurrent_depth)
        src, dst, skip = [], [], []
        for v in nodes:  # one block per source: forward lines, then recurrent by skip
            fwd = nodes[self.node_layer > self.node_layer[v]]
            src.append(np.full(len(fwd), v)); dst.append(fwd); skip.append(np.zeros(len(fwd), np.int64))
            for d in skips:
                src.append(np.full(len(rec_targets), v)); dst.append(rec_targets)
                skip.append(np.full(len(rec_targets), d))
        self.line_src = np.concatenate(src).astype(np.int64)
        self.line_dst = np.concatenate(dst).astype(np.int64)
        self.line_skip = np.concatenate(skip).astype(np.int64)
        self.out_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.line_src, minlength=n))])
        self.line_id = np.full((n, n, self.max_recurrent_depth), -1, np.int64)
        self.line_id[self.line_src, self.line_dst, self.line_skip] = np.arange(self.n_lines)

        self.line_tau = np.full(self.n_lines, TAU0)
        self.line_weight = rng.uniform(-0.5, 0.5, self.n_lines)
        self.start_tau = np.full(self.n_inputs, TAU0)
        self.type_tau = np.full((n, len(SAMPLED_CELL_TYPES)), TAU0)
        self.node_params = np.full((n, len(CELL_TYPES), MAX_CELL_PARAMS), np.nan)
        self.tau0 = TAU0
        self.tau_max = TAU_MAX0

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self):
        return len(self.node_layer)

    @property
    def n_lines(self):
        return len(self.line_src)

    @property
    def n_forward_lines(self):
        return int(np.count_nonzero(self.line_skip == 0))

    @property
    def n_recurrent_lines(self):
        return int(np.count_nonzero(self.line_skip > 0))

    @property
    def output_layer(self):
        return self.hidden_layers + 1

    @property
    def output_nodes(self):
        return np.flatnonzero(self.node_layer == self.output_layer)

    def lines_of(self, v):
        """Line ids leaving node ``v`` (forward and recurrent), shape (k,)."""
        return np.arange(self.out_ptr[v], self.out_ptr[v + 1])

    def state(self):
        """The mutable state (pheromones, weights, bounds) as a dict of copies."""
        return {"line_tau": self.line_tau.copy(), "line_weight": self.line_weight.copy(),
                "start_tau": self.start_tau.copy(), "type_tau": self.type_tau.copy(),
                "node_params": self.node_params.copy(), "tau_max": float(self.tau_max)}

    def set_state(self, state):
        """Restore what :meth:`state` returned (shapes are checked)."""
        for key in ("line_tau", "line_weight", "start_tau", "type_tau", "node_params"):
            value = np.asarray(state[key], dtype=np.float64)
            if value.shape != getattr(self, key).shape:
                raise ValueError(f"colony state {key!r} has shape {value.shape}, "
                                 f"expected {getattr(self, key).shape}")
            setattr(self, key, value.copy())
        self.tau_max = float(state["tau_max"])

    def __repr__(self):
        return (f"Colony(n_inputs={self.n_inputs}, hidden_layers={self.hidden_layers}, "
                f"hidden_nodes={self.hidden_nodes}, n_outputs={self.n_outputs}, "
                f"max_recurrent_depth={self.max_recurrent_depth}; {self.n_nodes} nodes, "
                f"{self.n_lines} lines)")
