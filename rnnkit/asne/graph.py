"""Compile a :class:`~rnnkit.asne.genome.Genome` to flat arrays for the Numba kernels.

The compiled graph keeps only the active elements of the genome and lays them out for :mod:`rnnkit.kernels.graph_rnn`:

* active nodes in topological order of the forward edges (sorted by layer,
  ties by node index), numbered ``0..n_nodes-1`` ("positions");
* per position: cell type, offset of its parameters in the flat vector,
  offset of its stored internals in a time-step row, feature column for inputs;
* incoming edges sorted by target position (CSR ``ptr``), each with its source
  position, time skip and the index of its weight in the flat vector.

Flat parameter vector: node parameters in node order, then
the forward-edge weights, then the recurrent-edge weights (each in genome edge
order).  Its length is ``sum(cell counts) + #active forward + #active
recurrent edges``.
"""
from dataclasses import dataclass

import numpy as np

from .genome import CELL_N_PARAMS, CELL_TYPES, Genome

CELL_CODES = {name: k for k, name in enumerate(CELL_TYPES)}
"""Cell name -> integer code used by the kernels (index into ``CELL_TYPES``)."""

N_PARAMS = np.array([CELL_N_PARAMS[name] for name in CELL_TYPES], dtype=np.int64)
"""Number of parameters per cell code."""

N_SLOTS = np.array(
    [{"simple": 0, "ugrnn": 3, "mgu": 3, "gru": 4, "delta": 3, "lstm": 6, "linear": 0}[name]
     for name in CELL_TYPES],
    dtype=np.int64,
)
"""Number of internals stored per time step for each cell code (see graph_rnn)."""


@dataclass
class CompiledGraph:
    """Flat, kernel-ready description of the active part of a genome.

    Attributes
    ----------
    order : ndarray of int64, shape (n_nodes,)
        Genome node index of each position (topological order).
    cell : ndarray of int64, shape (n_nodes,)
        Cell code of each position.
    poff : ndarray of int64, shape (n_nodes,)
        Offset of each position's cell parameters in the flat vector.
    soff : ndarray of int64, shape (n_nodes,)
        Offset of each position's stored internals in a time-step row.
    n_slots : int
        Width of the internals row.
    in_col : ndarray of int64, shape (n_nodes,)
        Input feature column of each position, -1 for non-inputs.
    ptr : ndarray of int64, shape (n_nodes + 1,)
        Incoming edges of position j are ``ptr[j]:ptr[j+1]`` of the arrays below.
    esrc, eskip, ewpos : ndarray of int64, shape (n_graph_edges,)
        Source position, time skip and weight index (in the flat vector) of
        each incoming edge.
    eoff : ndarray of int64, shape (n_graph_edges,)
        ``esrc - eskip * n_nodes``: offset of the source's state relative to
        the target's time-step row in the flat ``(T + pad, n_nodes)`` arrays.
    out_pos : ndarray of int64, shape (n_outputs,)
        Positions of the output nodes.
    pad : int
        Zero rows stored before ``t = 0`` (``max(1, max skip)``).
    n_params : int
        Length of the flat parameter vector.
    n_node_params : int
        Number of cell parameters (the first entries of the vector).
    edge_param : ndarray of int64, shape (genome.n_edges,)
        Index of each genome edge's weight in the flat vector, -1 if inactive.
    n_inputs : int
        Number of input features the genome expects.
    """

    order: np.ndarray
    cell: np.ndarray
    poff: np.ndarray
    soff: np.ndarray
    n_slots: int
    in_col: np.ndarray
    ptr: np.ndarray
    esrc: np.ndarray
    eskip: np.ndarray
    ewpos: np.ndarray
    eoff: np.ndarray
    out_pos: np.ndarray
    pad: int
    n_params: int
    n_node_params: int
    edge_param: np.ndarray
    n_inputs: int

    @property
    def n_nodes(self):
        return len(self.order)

    @property
    def n_forward_edges(self):
        return int(np.count_nonzero(self.eskip == 0))

    @property
    def n_recurrent_edges(self):
        return int(np.count_nonzero(self.eskip > 0))


def compile_genome(genome):
    """Compile the active part of ``genome`` for the graph-RNN kernels.

    Parameters
    ----------
    genome : Genome

    Returns
    -------
    CompiledGraph

    Raises
    ------
    ValueError
        If no output node is reachable, an active edge targets an input node,
        a forward edge does not go to a higher layer, a skip is negative or a
        cell code is unknown.
    """
    node_active, edge_active = genome.active_elements()
    layer = np.asarray(genome.node_layer, dtype=np.int64)
    cells = np.asarray(genome.node_cell, dtype=np.int64)
    src = np.asarray(genome.edge_src, dtype=np.int64)
    dst = np.asarray(genome.edge_dst, dtype=np.int64)
    skip = np.asarray(genome.edge_skip, dtype=np.int64)
    n_in = int(genome.n_inputs)

    outputs = genome.output_nodes
    if not node_active[outputs].any():
        raise ValueError(
            f"No output node of the genome is reachable from an enabled input "
            f"(outputs {outputs.tolist()}, {int(node_active.sum())} active nodes): "
            "the network has no path to train."
        )
    bad = (cells < 0) | (cells >= len(CELL_TYPES))
    if bad[node_active].any():
        raise ValueError(f"Unknown cell codes {np.unique(cells[node_active & bad]).tolist()}; "
                         f"expected 0..{len(CELL_TYPES) - 1} for {CELL_TYPES}.")
    if (skip[edge_active] < 0).any():
        raise ValueError(f"Negative edge skips: {np.unique(skip[edge_active & (skip < 0)]).tolist()}.")
    into_input = edge_active & (dst < n_in)
    if into_input.any():
        e = int(np.flatnonzero(into_input)[0])
        raise ValueError(f"Edge {e} ({src[e]}->{dst[e]}, skip {skip[e]}) targets input node {dst[e]}; "
                         "no edge may target an input.")
    backward_fwd = edge_active & (skip == 0) & (layer[src] >= layer[dst])
    if backward_fwd.any():
        e = int(np.flatnonzero(backward_fwd)[0])
        raise ValueError(f"Forward edge {e} ({src[e]}->{dst[e]}) goes from layer {layer[src[e]]} to "
                         f"layer {layer[dst[e]]}; forward edges must go to a higher layer.")

    active_nodes = np.flatnonzero(node_active)
    order = active_nodes[np.argsort(layer[active_nodes], kind="stable")]
    n = len(order)
    pos = np.full(genome.n_nodes, -1, dtype=np.int64)
    pos[order] = np.arange(n)

    cell = cells[order]
    counts = N_PARAMS[cell]
    poff = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    n_node_params = int(counts.sum())
    slots = N_SLOTS[cell]
    soff = np.concatenate(([0], np.cumsum(slots)[:-1])).astype(np.int64)
    n_slots = int(slots.sum())
    in_col = np.where(order < n_in, order, -1).astype(np.int64)

    # Flat weight indices: forward edges then recurrent edges, genome order.
    fwd_edges = np.flatnonzero(edge_active & (skip == 0))
    rec_edges = np.flatnonzero(edge_active & (skip > 0))
    edge_param = np.full(genome.n_edges, -1, dtype=np.int64)
    edge_param[fwd_edges] = n_node_params + np.arange(len(fwd_edges))
    edge_param[rec_edges] = n_node_params + len(fwd_edges) + np.arange(len(rec_edges))
    n_params = n_node_params + len(fwd_edges) + len(rec_edges)

    # Incoming edges sorted by target position (then by source, for locality).
    act = np.flatnonzero(edge_active)
    tgt = pos[dst[act]]
    s = pos[src[act]]
    by = np.lexsort((skip[act], s, tgt))
    act, tgt, s = act[by], tgt[by], s[by]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, tgt + 1, 1)
    ptr = np.cumsum(ptr)
    esrc = s.astype(np.int64)
    eskip = skip[act].astype(np.int64)
    pad = int(max(1, eskip.max() if len(eskip) else 1))
    eoff = esrc - eskip * n

    out_pos = pos[outputs]
    out_pos = out_pos[out_pos >= 0].astype(np.int64)

    return CompiledGraph(order=order.astype(np.int64), cell=cell, poff=poff, soff=soff,
                         n_slots=n_slots, in_col=in_col, ptr=ptr, esrc=esrc, eskip=eskip,
                         ewpos=edge_param[act], eoff=eoff, out_pos=out_pos, pad=pad,
                         n_params=n_params, n_node_params=n_node_params,
                         edge_param=edge_param, n_inputs=n_in)


def node_param_index(graph):
    """Where each cell parameter of the flat vector belongs.

    Parameters
    ----------
    graph : CompiledGraph

    Returns
    -------
    position : ndarray of int64, shape (graph.n_node_params,)
        Position (topological index) of the node owning ``params[i]``;
        ``graph.order[position]`` is its genome node index.
    slot : ndarray of int64, shape (graph.n_node_params,)
        Index of ``params[i]`` among that node's cell parameters.
    """
    position = np.repeat(np.arange(graph.n_nodes, dtype=np.int64), N_PARAMS[graph.cell])
    return position, np.arange(graph.n_node_params, dtype=np.int64) - graph.poff[position]


def count_parameters(genome):
    """Parameter count of the active network.

    Parameters
    ----------
    genome : Genome

    Returns
    -------
    int
        Sum of the cell parameter counts of the active nodes plus the number
        of active forward and recurrent edges.
    """
    node_active, edge_active = genome.active_elements()
    cells = np.asarray(genome.node_cell, dtype=np.int64)[node_active]
    return int(N_PARAMS[cells].sum() + edge_active.sum())


def layered_genome(n_inputs, hidden_layers, cell, n_outputs=1, recurrent_skips=()):
    """A fixed, fully connected layered genome (the fixed baselines of a search's comparison).

    Inputs and outputs are simple cells; every hidden node has type ``cell``.
    Forward edges connect every node of a layer to every node of the next
    layer (input -> hidden 1 -> ... -> hidden L -> output).

    Parameters
    ----------
    n_inputs : int
    hidden_layers : sequence of int
        Sizes of the hidden layers, e.g. ``(12,)`` or ``(12, 12)``; ``()``
        connects the inputs directly to the outputs.
    cell : str or int
        Hidden cell type, a name of :data:`~rnnkit.asne.genome.CELL_TYPES` or
        its index.
    n_outputs : int, default=1
    recurrent_skips : sequence of int, default=()
        For each skip ``d`` here, add recurrent edges from every hidden node
        to every node of its own layer over ``d`` steps (Elman-style).

    Returns
    -------
    Genome
        Node ids equal node indices; innovation numbers equal edge indices;
        ``edge_weight`` is None (weights drawn at training time).

    Examples
    --------
    >>> from rnnkit.asne.graph import layered_genome, count_parameters
    >>> count_parameters(layered_genome(12, (12,), "lstm"))
    301
    >>> count_parameters(layered_genome(12, (12,), "gru"))
    277
    """
    if isinstance(hidden_layers, (int, np.integer)):
        raise TypeError(f"hidden_layers must be a sequence of layer sizes such as (12,) or (12, 12), "
                        f"got the integer {hidden_layers}.")
    sizes = [int(n_inputs), *[int(h) for h in hidden_layers], int(n_outputs)]
    if min(sizes) < 1:
        raise ValueError(f"Every layer needs at least one node, got sizes {sizes}.")
    code = CELL_CODES[cell] if isinstance(cell, str) else int(cell)
    if not 0 <= code < len(CELL_TYPES):
        raise ValueError(f"Unknown cell {cell!r}; expected one of {CELL_TYPES}.")
    skips = [int(d) for d in recurrent_skips]
    if any(d < 1 for d in skips):
        raise ValueError(f"recurrent_skips must be >= 1, got {skips}.")

    starts = np.concatenate(([0], np.cumsum(sizes)))
    layers = [np.arange(starts[i], starts[i + 1]) for i in range(len(sizes))]
    node_layer = np.concatenate([np.full(len(nodes), i) for i, nodes in enumerate(layers)])
    node_cell = np.zeros(len(node_layer), dtype=np.int64)
    for nodes in layers[1:-1]:
        node_cell[nodes] = code
    src, dst, skip = [], [], []
    for a, b in zip(layers[:-1], layers[1:]):
        ss, dd = np.meshgrid(a, b, indexing="ij")
        src.append(ss.ravel()), dst.append(dd.ravel()), skip.append(np.zeros(ss.size, dtype=np.int64))
    for nodes in layers[1:-1]:
        for d in skips:
            ss, dd = np.meshgrid(nodes, nodes, indexing="ij")
            src.append(ss.ravel()), dst.append(dd.ravel()), skip.append(np.full(ss.size, d))
    src, dst, skip = (np.concatenate(a).astype(np.int64) for a in (src, dst, skip))
    n_nodes = len(node_layer)
    return Genome(
        n_inputs=int(n_inputs),
        node_layer=node_layer.astype(np.int64),
        node_cell=node_cell,
        node_enabled=np.ones(n_nodes, dtype=bool),
        node_id=np.arange(n_nodes, dtype=np.int64),
        edge_src=src,
        edge_dst=dst,
        edge_skip=skip,
        edge_innovation=np.arange(len(src), dtype=np.int64),
        edge_weight=None,
    )
