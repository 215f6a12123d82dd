import numpy as np
import pytest

from rnnkit.asne.ants import (build_genome, explorer_march, march, pick, prune,
                              standard_march)
from rnnkit.asne.colony import Colony
from rnnkit.asne.config import make_config


@pytest.fixture
def colony():
    return Colony(4, 2, 3, 1, 3, random_state=0)


def test_pick_follows_pheromone():
    rng = np.random.default_rng(0)
    counts = np.bincount([pick(np.array([1.0, 3.0, 0.0]), rng) for _ in range(4000)], minlength=3)
    assert counts[2] == 0
    assert abs(counts[1] / counts.sum() - 0.75) < 0.03


def test_standard_walk_ends_at_output_and_uses_real_lines(colony):
    walk = standard_march(colony, 5, np.random.default_rng(1))
    out = colony.output_nodes[0]
    assert out in walk.visited
    for line, (s, d, k) in walk.edges.items():
        assert (colony.line_src[line], colony.line_dst[line], colony.line_skip[line]) == (s, d, k)
    genome = build_genome(colony, walk, np.random.default_rng(2))
    assert genome.reaches_output()
    assert genome.n_inputs == 4 and np.array_equal(genome.node_id[:4], np.arange(4))


def test_step_guard_restarts_ants(colony):
    # make output unreachable in one step and the walk long: the guard must fire
    walk = standard_march(colony, 3, np.random.default_rng(0), max_steps=1)
    assert walk.guard_restarts > 0


def test_explorers_follow_layers(colony):
    walk, chosen = explorer_march(colony, 6, np.random.default_rng(0), jumps=False)
    layer = colony.node_layer
    for s, d, k in walk.edges.values():
        assert k == 0 and layer[d] == layer[s] + 1
    walk, _ = explorer_march(colony, 30, np.random.default_rng(0), jumps=True)
    assert any(layer[d] > layer[s] + 1 for s, d, k in walk.edges.values())
    assert all(k == 0 for s, d, k in walk.edges.values())


def test_social_ants_add_recurrent_edges_among_chosen_nodes(colony):
    for mode in ("intended", "faithful"):
        cfg = make_config(mode, ants="explorer", social="both", jumps=True, n_ants=8)
        walk = march(colony, cfg, np.random.default_rng(3))
        explorers, chosen = explorer_march(colony, 8, np.random.default_rng(3), jumps=True)
        rec = {line: e for line, e in walk.edges.items() if e[2] > 0}
        assert rec, mode
        layer = colony.node_layer
        deep_to_shallow = [e for e in rec.values() if layer[e[0]] > layer[e[1]]]
        assert deep_to_shallow, mode  # backward social ants
        for line, (s, d, k) in rec.items():
            assert chosen[s] and chosen[d]
            ls, ld = colony.line_src[line], colony.line_dst[line]
            if (ls, ld) != (s, d):  # faithful reversed edge: opposite line's id
                assert mode == "faithful" and (ls, ld) == (d, s)


def test_intended_backward_social_uses_genuine_lines(colony):
    cfg = make_config("intended", ants="explorer", social="backward", n_ants=10)
    walk = march(colony, cfg, np.random.default_rng(0))
    for line, (s, d, k) in walk.edges.items():
        assert (colony.line_src[line], colony.line_dst[line], colony.line_skip[line]) == (s, d, k)


def test_genome_placeholders_types_and_pruning(colony):
    rng = np.random.default_rng(0)
    colony.start_tau[:] = [1.0, 0.0, 0.0, 0.0]  # only input 0 is ever visited
    colony.type_tau[:, :] = 0.0
    colony.type_tau[:, 5] = 1.0  # always LSTM
    walk = standard_march(colony, 4, rng)
    g = build_genome(colony, walk, rng)
    assert list(g.node_enabled[:4]) == [True, False, False, False]
    assert np.all(g.node_cell[1:4] == 0)  # placeholders are simple
    node_active, edge_active = g.active_elements()
    assert node_active.sum() >= 2 and edge_active.all()  # pruned: only active edges left
    assert np.all(node_active[(g.node_layer > 0) & (g.node_layer < 3)])  # no dead hidden nodes
    assert np.all(g.node_cell[node_active] == 5)
    gs = build_genome(colony, walk, rng, io_cells="simple", colony_weights=True)
    assert gs.node_cell[0] == 0 and gs.node_cell[gs.output_nodes[0]] == 0
    np.testing.assert_array_equal(gs.edge_weight, colony.line_weight[gs.edge_innovation])


def test_prune_removes_dead_ends():
    from rnnkit.asne.genome import Genome
    g = Genome(n_inputs=1, node_layer=np.array([0, 1, 1, 2]), node_cell=np.zeros(4, int),
               node_enabled=np.ones(4, bool), node_id=np.arange(4),
               edge_src=np.array([0, 1, 0]), edge_dst=np.array([1, 3, 2]),
               edge_skip=np.zeros(3, int), edge_innovation=np.array([7, 8, 9]))
    p = prune(g)  # node 2 is a dead end
    assert p.n_nodes == 3 and list(p.edge_innovation) == [7, 8]
    assert list(p.node_id) == [0, 1, 3]


def test_social_ants_without_hidden_layers():
    c = Colony(3, 0, 0, 1, 3, random_state=0)
    for mode in ("intended", "faithful"):
        cfg = make_config(mode, ants="explorer", social="both", n_ants=4, hidden_layers=0)
        walk = march(c, cfg, np.random.default_rng(0))
        assert all(d >= c.n_inputs for s, d, k in walk.edges.values())  # nothing into an input
        assert build_genome(c, walk, np.random.default_rng(0)).reaches_output()


@pytest.mark.parametrize("ants", ["standard", "explorer"])
def test_direct_inputs_reach_every_output(ants):
    c = Colony(6, 2, 4, 2, 3, random_state=0)
    social = "both" if ants == "explorer" else None
    cfg = make_config("intended", ants=ants, social=social, n_ants=1, direct_inputs=True)
    walk = march(c, cfg, np.random.default_rng(0))
    direct = {(s, d) for s, d, k in walk.edges.values() if k == 0 and s < c.n_inputs
              and d in c.output_nodes}
    assert direct == {(v, int(o)) for v in range(6) for o in c.output_nodes}
    genome = build_genome(c, walk, np.random.default_rng(1))
    assert genome.node_enabled[:6].all()  # one ant alone visits at most one input
    # without the option the single ant leaves inputs out
    plain = march(c, make_config("intended", ants=ants, social=social, n_ants=1),
                  np.random.default_rng(0))
    assert not build_genome(c, plain, np.random.default_rng(1)).node_enabled[:6].all()
