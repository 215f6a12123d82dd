"""Genome compilation, graph-RNN forward against the spec equations, and BPTT
against finite differences (spec asne.md sections 3-4)."""
import math

import numpy as np
import pytest

from rnnkit.asne.genome import CELL_N_PARAMS, CELL_TYPES, Genome
from rnnkit.asne.graph import compile_genome, count_parameters, layered_genome
from rnnkit.kernels import graph_rnn


def _sig(a):
    return 1.0 / (1.0 + math.exp(-a))


def reference_forward(genome, params, X):
    """Slow, literal transcription of spec section 3 over the compiled layout."""
    g = compile_genome(genome)
    n_edges_params = {e: int(g.edge_param[e]) for e in range(genome.n_edges) if g.edge_param[e] >= 0}
    node_active, _ = genome.active_elements()
    order = [int(v) for v in g.order]
    T = X.shape[0]
    h = {v: np.zeros(T) for v in order}
    c_lstm = {v: np.zeros(T) for v in order}
    offset = {}
    k = 0
    for v in order:  # node parameters in node (topological) order
        offset[v] = k
        k += CELL_N_PARAMS[CELL_TYPES[genome.node_cell[v]]]
    for t in range(T):
        for v in order:
            if v < genome.n_inputs:
                x = X[t, v]
            else:
                x = 0.0
                for e, pi in n_edges_params.items():
                    if genome.edge_dst[e] == v:
                        d = int(genome.edge_skip[e])
                        if t - d >= 0:
                            x += params[pi] * h[int(genome.edge_src[e])][t - d]
            q = params[offset[v]:]
            hp = h[v][t - 1] if t > 0 else 0.0
            cell = CELL_TYPES[genome.node_cell[v]]
            if cell == "simple":
                out = math.tanh(x + q[0])
            elif cell == "linear":
                out = x + q[0]
            elif cell == "lstm":
                cp = c_lstm[v][t - 1] if t > 0 else 0.0
                o = _sig(q[0] * x + q[1] * cp + q[2])
                i = _sig(q[3] * x + q[4] * cp + q[5])
                f = _sig(q[6] * x + q[7] * cp + q[8] + 1)
                gg = math.tanh(q[9] * x + q[10])
                c_lstm[v][t] = f * cp + i * gg
                out = o * c_lstm[v][t]
            elif cell == "gru":
                z = _sig(q[0] * x + q[1] * hp + q[2])
                r = _sig(q[3] * x + q[4] * hp + q[5])
                ht = math.tanh(q[6] * x + q[7] * (r * hp) + q[8])
                out = z * hp + (1 - z) * ht
            elif cell == "mgu":
                f = _sig(q[0] * x + q[1] * hp + q[2])
                ht = math.tanh(q[3] * x + q[4] * (f * hp) + q[5])
                out = (1 - f) * hp + f * ht
            elif cell == "ugrnn":
                cc = math.tanh(q[0] * x + q[1] * hp + q[2])
                gg = _sig(q[3] * x + q[4] * hp + q[5])
                out = gg * hp + (1 - gg) * cc
            else:  # delta
                d1, d2 = q[3] * hp, x
                zh = math.tanh((q[0] + 2) * d1 * d2 + (q[1] + 1) * d1 + (q[2] + 1) * d2 + q[5])
                r = _sig(d2 + q[4])
                out = math.tanh((1 - r) * zh + r * hp)
            h[v][t] = out
    return np.stack([h[int(v)] for v in g.order[g.out_pos]], axis=1)


def random_genome(rng, n_inputs=3, layers=(3, 2), cells=None, skips=(1, 2, 3), n_rec=6, io_cells=True):
    """A random sparse genome: layer-skipping forward edges, recurrent edges
    (self-loops and backward ones included) of the given skips, mixed cells."""
    sizes = [n_inputs, *layers, 1]
    layer = np.concatenate([np.full(s, i) for i, s in enumerate(sizes)])
    n = len(layer)
    cell = rng.integers(0, len(CELL_TYPES), n) if cells is None else np.resize(np.asarray(cells), n)
    if not io_cells:
        cell[layer == 0] = 0
        cell[-1] = 0
    src, dst, skip = [], [], []
    for v in range(n):
        later = np.flatnonzero(layer > layer[v])
        if len(later):  # 1-2 forward edges from every non-output node
            for u in rng.choice(later, size=min(2, len(later)), replace=False):
                src.append(v), dst.append(int(u)), skip.append(0)
    hidden_or_out = np.flatnonzero(layer >= 1)
    for k in range(n_rec):
        v = int(rng.integers(n))
        u = v if (k % 3 == 0 and layer[v] >= 1) else int(rng.choice(hidden_or_out))
        src.append(v), dst.append(u), skip.append(int(skips[k % len(skips)]))
    return Genome(n_inputs=n_inputs, node_layer=layer, node_cell=cell.astype(np.int64),
                  node_enabled=np.ones(n, bool), node_id=np.arange(n), edge_src=np.array(src),
                  edge_dst=np.array(dst), edge_skip=np.array(skip), edge_innovation=np.arange(len(src)))


def loss_and_grad(graph, params, X, coef):
    """L = sum_t coef_t * y_hat_t and its BPTT gradient."""
    H, S, DH = graph_rnn.workspace(graph, len(X))
    y_hat = graph_rnn.forward(graph, params, X, H, S)
    grad = np.empty_like(params)
    graph_rnn.backward(graph, params, X, coef, H, S, DH, grad)
    return float((y_hat * coef).sum()), grad


def numerical_grad(graph, params, X, coef, h=1e-3):
    """Fourth-order central differences (truncation ~h^4, round-off ~1e-16/h)."""
    num = np.empty_like(params)
    for i in range(len(params)):
        def f(delta):
            p = params.copy()
            p[i] += delta
            return loss_and_grad(graph, p, X, coef)[0]
        num[i] = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
    return num


def max_relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)))


# ---------------------------------------------------------------- layout / counts

@pytest.mark.parametrize("cell, expected", [("lstm", 301), ("gru", 277), ("mgu", 241), ("ugrnn", 241),
                                            ("delta", 241), ("simple", 181)])
def test_one_layer_parameter_counts(cell, expected):
    genome = layered_genome(12, (12,), cell)
    assert count_parameters(genome) == expected
    assert compile_genome(genome).n_params == expected


def test_two_layer_and_recurrent_counts():
    genome = layered_genome(12, (12, 12), "lstm")
    # 13 simple + 24 LSTM x 11 + 144 + 144 + 12 forward edges
    assert compile_genome(genome).n_params == 13 + 24 * 11 + 300
    genome = layered_genome(4, (3,), "gru", n_outputs=2, recurrent_skips=(1, 2))
    assert genome.n_edges == 12 + 6 + 2 * 9
    assert compile_genome(genome).n_params == 6 + 27 + 18 + 18


def test_layered_genome_rejects_int_layers_and_unknown_cell():
    with pytest.raises(TypeError, match="sequence of layer sizes"):
        layered_genome(12, 2, "lstm")
    with pytest.raises(KeyError):
        layered_genome(12, (2,), "elman")


def test_layout_order_and_edge_params():
    rng = np.random.default_rng(3)
    genome = random_genome(rng)
    g = compile_genome(genome)
    node_active, edge_active = genome.active_elements()
    assert np.all(np.diff(genome.node_layer[g.order]) >= 0), "topological order = sorted by layer"
    assert set(g.order.tolist()) == set(np.flatnonzero(node_active).tolist())
    assert g.n_params == count_parameters(genome)
    fwd = np.flatnonzero(edge_active & (genome.edge_skip == 0))
    rec = np.flatnonzero(edge_active & (genome.edge_skip > 0))
    assert np.array_equal(g.edge_param[fwd], g.n_node_params + np.arange(len(fwd)))
    assert np.array_equal(g.edge_param[rec], g.n_node_params + len(fwd) + np.arange(len(rec)))
    assert np.all(g.edge_param[~edge_active] == -1)
    assert np.all(np.diff(g.poff) >= 0) and g.poff[0] == 0


def test_inactive_elements_get_no_parameters():
    # inputs 0,1; hidden 2 (dead end, no path to output), 3; output 4
    genome = Genome(n_inputs=2, node_layer=np.array([0, 0, 1, 1, 2]), node_cell=np.array([0, 0, 5, 3, 0]),
                    node_enabled=np.array([True, False, True, True, True]), node_id=np.arange(5),
                    edge_src=np.array([0, 0, 1, 3, 3]), edge_dst=np.array([2, 3, 3, 4, 3]),
                    edge_skip=np.array([0, 0, 0, 0, 1]), edge_innovation=np.arange(5))
    g = compile_genome(genome)
    assert g.order.tolist() == [0, 3, 4]
    assert g.n_params == 1 + 9 + 1 + 2 + 1  # cells; forward 0->3, 3->4; recurrent 3->3
    assert g.edge_param.tolist() == [-1, 11, -1, 12, 13]


def test_compile_errors():
    base = dict(n_inputs=1, node_layer=np.array([0, 1, 2]), node_cell=np.zeros(3, int),
                node_enabled=np.ones(3, bool), node_id=np.arange(3), edge_innovation=np.arange(2))
    with pytest.raises(ValueError, match="No output node"):
        compile_genome(Genome(**base, edge_src=np.array([0, 1]), edge_dst=np.array([1, 1]),
                              edge_skip=np.array([0, 1])))
    with pytest.raises(ValueError, match="targets input"):
        compile_genome(Genome(**base, edge_src=np.array([0, 2]), edge_dst=np.array([2, 0]),
                              edge_skip=np.array([0, 1])))
    genome = Genome(**{**base, "node_layer": np.array([0, 1, 1])}, edge_src=np.array([0, 1]),
                    edge_dst=np.array([1, 2]), edge_skip=np.array([0, 0]))
    with pytest.raises(ValueError, match="higher layer"):
        compile_genome(genome)


# ---------------------------------------------------------------- forward

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_matches_spec_equations(seed):
    rng = np.random.default_rng(seed)
    genome = random_genome(rng, cells=None)  # all six cells, inputs/output too
    g = compile_genome(genome)
    params = rng.uniform(-1, 1, g.n_params)
    X = rng.normal(size=(9, genome.n_inputs))
    H, S, _ = graph_rnn.workspace(g, 12)  # longer workspace than the series is fine
    np.testing.assert_allclose(graph_rnn.forward(g, params, X, H, S), reference_forward(genome, params, X),
                               rtol=1e-12, atol=1e-12)


def test_forward_each_cell_in_layered_net():
    rng = np.random.default_rng(7)
    for cell in CELL_TYPES:
        genome = layered_genome(2, (2,), cell, recurrent_skips=(2,))
        g = compile_genome(genome)
        params = rng.uniform(-1, 1, g.n_params)
        X = rng.normal(size=(6, 2))
        H, S, _ = graph_rnn.workspace(g, 6)
        np.testing.assert_allclose(graph_rnn.forward(g, params, X, H, S),
                                   reference_forward(genome, params, X), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- BPTT

@pytest.mark.parametrize("skip", [1, 2, 3])
@pytest.mark.parametrize("cell", CELL_TYPES)
def test_bptt_matches_finite_differences(cell, skip):
    rng = np.random.default_rng(100 * CELL_TYPES.index(cell) + skip)
    genome = layered_genome(2, (3,), cell, recurrent_skips=(skip,))
    g = compile_genome(genome)
    params = rng.uniform(-1, 1, g.n_params)
    X = rng.normal(size=(7, 2))
    coef = rng.normal(size=(7, 1))
    _, grad = loss_and_grad(g, params, X, coef)
    assert max_relative_error(grad, numerical_grad(g, params, X, coef)) < 1e-6


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_bptt_random_mixed_genomes(seed):
    """Mixed cells everywhere (inputs and output included), layer-skipping
    forward edges, self-loops and backward recurrent edges of skips 1-3."""
    rng = np.random.default_rng(seed)
    genome = random_genome(rng, layers=(2, 2), n_rec=6)
    g = compile_genome(genome)
    assert set(g.eskip.tolist()) >= {0, 1, 2, 3}
    params = rng.uniform(-1, 1, g.n_params)
    X = rng.normal(size=(8, genome.n_inputs))
    coef = rng.normal(size=(8, 1))
    _, grad = loss_and_grad(g, params, X, coef)
    assert max_relative_error(grad, numerical_grad(g, params, X, coef)) < 1e-6


def test_bptt_skip_longer_than_series_and_workspace_reuse():
    rng = np.random.default_rng(5)
    genome = layered_genome(2, (2,), "lstm", recurrent_skips=(3,))
    g = compile_genome(genome)
    params = rng.uniform(-1, 1, g.n_params)
    H, S, DH = graph_rnn.workspace(g, 10)
    grads = []
    for T in (10, 2, 2):  # a long series first leaves data in the buffers
        X = rng.normal(size=(T, 2)) if T == 10 else np.ones((T, 2))
        grad = np.empty(g.n_params)
        graph_rnn.forward(g, params, X, H, S)
        graph_rnn.backward(g, params, X, np.ones((T, 1)), H, S, DH, grad)
        grads.append(grad)
    np.testing.assert_array_equal(grads[1], grads[2])
    rec = g.edge_param[genome.edge_skip == 3]
    assert np.all(grads[1][rec] == 0.0), "skip 3 in a 2-step series contributes nothing"
    X = np.ones((2, 2))
    _, grad = loss_and_grad(g, params, X, np.ones((2, 1)))
    np.testing.assert_allclose(grad, grads[1], rtol=1e-14, atol=1e-15)
