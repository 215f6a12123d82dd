"""Inheritance beyond the papers: every parameter, from the colony or from the
best population member; the trainer's start values; refinement; pruning;
history."""
from dataclasses import replace

import numpy as np
import pytest

from rnnkit.asne.ants import build_genome, explorer_march
from rnnkit.asne.colony import Colony
from rnnkit.asne.config import make_config
from rnnkit.asne.genome import (CELL_N_PARAMS, CELL_TYPES, MAX_CELL_PARAMS, drop_edges,
                                merge_genomes)
from rnnkit.asne.graph import compile_genome, layered_genome
from rnnkit.asne.lamarck import inherit_from_population, update_colony_weights
from rnnkit.asne.population import Member, Population, structure_key
from rnnkit.asne.pruning import prune_edges
from rnnkit.asne.search import HISTORY_FIELDS, ASNESearch
from rnnkit.asne.training import evaluate_genome, initial_params, predict_genome, train_genome



@pytest.fixture(scope="module")
def data():
    """Smooth random walks; the target is the next value of the last input."""
    rng = np.random.default_rng(3)
    walks = [0.5 + 0.4 * np.tanh(np.cumsum(rng.normal(scale=0.05, size=(81, 3)), axis=0))
             for _ in range(5)]
    X, y = [w[:-1] for w in walks], [w[1:, -1] for w in walks]
    return X[:3], y[:3], X[3:], y[3:]


def _genome(colony, seed, n_ants=4):
    rng = np.random.default_rng(seed)
    walk, _ = explorer_march(colony, n_ants, rng, jumps=True)
    return build_genome(colony, walk, rng)


def test_trained_values_restart_training_exactly(data):
    """A genome given a result's edge weights and cell parameters starts from its params."""
    genome = layered_genome(3, (4,), "lstm", recurrent_skips=(1,))
    res = train_genome(genome, *data, epochs=3, learning_rate=0.05, random_state=0)
    graph = compile_genome(genome)
    assert res.node_params.shape == (genome.n_nodes, MAX_CELL_PARAMS)
    lstm = genome.node_cell == CELL_TYPES.index("lstm")
    assert np.isfinite(res.node_params[lstm]).all()
    assert np.isnan(res.node_params[~lstm, 1:]).all()  # simple cells have one parameter
    genome.edge_weight, genome.node_params = res.edge_weights, res.node_params
    start = initial_params(genome, graph, np.random.default_rng(99))
    np.testing.assert_array_equal(start, res.params)
    # with evaluate_initial the restarted network cannot come back worse
    again = train_genome(genome, *data, epochs=1, learning_rate=0.05, random_state=1,
                         evaluate_initial=True)
    assert again.fitness <= res.fitness


def test_new_weights_normal_draws_from_the_given_values():
    genome = layered_genome(3, (20,), "gru")
    graph = compile_genome(genome)
    w = np.full(genome.n_edges, np.nan)
    w[: genome.n_edges // 2] = np.random.default_rng(0).normal(3.0, 0.1, genome.n_edges // 2)
    genome.edge_weight = w
    given = np.isfinite(w)
    uniform = initial_params(genome, graph, np.random.default_rng(1))
    normal = initial_params(genome, graph, np.random.default_rng(1), "normal")
    drawn = np.ones(graph.n_params, bool)
    drawn[graph.edge_param[given]] = False
    assert np.abs(uniform[drawn]).max() <= 0.5
    assert abs(normal[drawn].mean() - 3.0) < 0.05 and abs(normal[drawn].std() - 0.1) < 0.03
    np.testing.assert_array_equal(normal[~drawn], uniform[~drawn])
    with pytest.raises(ValueError, match="new_weights"):
        initial_params(genome, graph, np.random.default_rng(1), "ones")


def test_new_weights_zero_keeps_an_inherited_network_s_function():
    """New edges start at zero once anything was inherited (nothing inherited: uniform)."""
    genome = layered_genome(3, (4,), "gru", recurrent_skips=(1,))
    graph = compile_genome(genome)
    fresh = initial_params(genome, graph, np.random.default_rng(1), "zero")
    np.testing.assert_array_equal(fresh, initial_params(genome, graph,
                                                        np.random.default_rng(1)))
    w = np.full(genome.n_edges, np.nan)
    w[:5] = 0.3
    genome.edge_weight = w
    p = initial_params(genome, graph, np.random.default_rng(1), "zero")
    edges = p[graph.edge_param]
    np.testing.assert_array_equal(edges, np.where(np.isnan(w), 0.0, w))
    np.testing.assert_array_equal(p[:graph.n_node_params], fresh[:graph.n_node_params])


def _member(genome, f, index, rng):
    node_active, edge_active = genome.active_elements()
    w = np.where(edge_active, rng.normal(size=genome.n_edges), np.nan)
    p = np.full((genome.n_nodes, MAX_CELL_PARAMS), np.nan)
    for i in np.flatnonzero(node_active):
        p[i, :CELL_N_PARAMS[CELL_TYPES[genome.node_cell[i]]]] = rng.normal(size=1)
    return Member(f, f, genome, np.zeros(1), w, 1, index, structure_key(genome), p)


def test_elite_inheritance_takes_each_element_from_the_best_member_that_has_it():
    colony = Colony(3, 2, 4, random_state=0)
    rng = np.random.default_rng(0)
    pop = Population(5)
    members = [_member(_genome(colony, s), f, s, rng) for s, f in ((1, 0.2), (2, 0.1), (3, 0.3))]
    for m in members:
        pop.apply(m, pop.decide(m.fitness, m.key))
    child = _genome(colony, 4, n_ants=8)
    n = inherit_from_population(child, pop)
    key = child.node_id * len(CELL_TYPES) + child.node_cell
    expected_w = np.full(child.n_edges, np.nan)
    expected_p = np.full((child.n_nodes, MAX_CELL_PARAMS), np.nan)
    for m in sorted(members, key=lambda m: m.fitness):  # best first
        for e in range(child.n_edges):
            hit = np.flatnonzero(m.genome.edge_innovation == child.edge_innovation[e])
            if np.isnan(expected_w[e]) and len(hit) and np.isfinite(m.edge_weights[hit[0]]):
                expected_w[e] = m.edge_weights[hit[0]]
        mkey = m.genome.node_id * len(CELL_TYPES) + m.genome.node_cell
        for i in range(child.n_nodes):
            hit = np.flatnonzero(mkey == key[i])
            if (np.isnan(expected_p[i]).all() and len(hit)
                    and not np.isnan(m.node_params[hit[0]]).all()):
                expected_p[i] = m.node_params[hit[0]]
    np.testing.assert_array_equal(child.edge_weight, expected_w)
    np.testing.assert_array_equal(child.node_params, expected_p)
    assert 0 < n == np.isfinite(expected_w).sum() + (~np.isnan(expected_p).all(axis=1)).sum()
    assert np.isnan(expected_w).any()  # some edges are new to the population
    edges_only = _genome(colony, 4, n_ants=8)
    inherit_from_population(edges_only, pop, node_params=False)
    assert edges_only.node_params is None
    np.testing.assert_array_equal(edges_only.edge_weight, expected_w)
    from_best = _genome(colony, 4, n_ants=8)
    inherit_from_population(from_best, pop, n_members=1)
    best = members[1]
    _, mine, theirs = np.intersect1d(from_best.edge_innovation, best.genome.edge_innovation,
                                     return_indices=True)
    np.testing.assert_array_equal(from_best.edge_weight[mine], best.edge_weights[theirs])
    others = np.setdiff1d(np.arange(from_best.n_edges), mine)
    assert np.isnan(from_best.edge_weight[others]).all()


@pytest.mark.parametrize("rule", ["copy", "constant"])
def test_colony_keeps_cell_parameters_per_node_and_type(rule):
    colony = Colony(3, 2, 4, random_state=0)
    g = _genome(colony, 0)
    rng = np.random.default_rng(1)
    m = _member(g, 0.1, 0, rng)
    cfg = make_config(lamarckian=rule, inherit="all", lamarckian_alpha=0.25)
    active = ~np.isnan(m.node_params).all(axis=1)
    before = colony.node_params.copy()
    assert np.isnan(before).all()
    update_colony_weights(colony, g, m.edge_weights, 0.1, cfg, Population(3), True, m.node_params)
    written = colony.node_params[g.node_id[active], g.node_cell[active]]
    np.testing.assert_array_equal(written, m.node_params[active])  # first write: the values
    update_colony_weights(colony, g, m.edge_weights, 0.1, cfg, Population(3), True,
                          m.node_params + 1.0)
    again = colony.node_params[g.node_id[active], g.node_cell[active]]
    step = 1.0 if rule == "copy" else 0.25
    np.testing.assert_allclose(again, m.node_params[active] + step)
    rng = np.random.default_rng(0)  # the same march as g's: the colony's pheromones are unchanged
    rebuilt = build_genome(colony, explorer_march(colony, 4, rng, jumps=True)[0], rng,
                           colony_node_params=True)
    assert structure_key(rebuilt) == structure_key(g)
    np.testing.assert_allclose(rebuilt.node_params[active], m.node_params[active] + step)
    edges_only = make_config(lamarckian=rule, inherit="edges")
    colony2 = Colony(3, 2, 4, random_state=0)
    update_colony_weights(colony2, g, m.edge_weights, 0.1, edges_only, Population(3), True,
                          m.node_params)
    assert np.isnan(colony2.node_params).all()


def _search(data, seed=0, **kw):
    cfg = make_config(hidden_layers=1, hidden_nodes=3, n_ants=3, population_size=4,
                      ants="explorer", social="both", jumps=True, **kw)
    return ASNESearch(3, cfg, trainer_kwargs={"epochs": 2, "learning_rate": 0.05,
                                              "evaluate_initial": True}, random_state=seed)


def test_elite_search_carries_training_over_and_refines(data):
    s = _search(data, lamarckian="elite", inherit="all")
    s.run(*data, 8, refine_epochs=3)
    h = s.history_arrays()
    assert set(h) == set(HISTORY_FIELDS) and len({len(v) for v in h.values()}) == 1
    assert list(h["stage"]) == ["search"] * 8 + ["refine"]
    np.testing.assert_array_equal(h["epochs_spent"], np.cumsum(h["epochs"]))
    assert h["epochs_spent"][-1] == 8 * 2 + 3
    assert h["n_inherited"][0] == 0 and h["n_inherited"][1:8].max() > 0
    cells = np.stack([h[f"n_{c}"] for c in CELL_TYPES]).sum(axis=0)
    np.testing.assert_array_equal(cells, h["n_nodes"])
    assert h["fitness"][-1] <= h["fitness"][:8].min() or h["decision"][-1] == "replace"
    assert s.best.fitness == min(h["fitness"])
    # a second run call does not refine again without new candidates
    s.run(*data, 8, refine_epochs=3)
    assert len(s.history) == 9


def test_refinement_continues_from_the_best_members_values(data):
    s = _search(data, lamarckian="elite", inherit="all")
    s.run(*data, 4)
    cand = s.propose_refinement(2)
    best = s.best
    np.testing.assert_array_equal(cand.genome.edge_weight, best.edge_weights)
    np.testing.assert_array_equal(cand.genome.node_params, best.node_params)
    start = initial_params(cand.genome, compile_genome(cand.genome), np.random.default_rng(5))
    np.testing.assert_array_equal(start, best.params)
    assert structure_key(cand.genome) == best.key and cand.stage == "refine"


def test_merged_genome_is_the_union_of_active_structures():
    colony = Colony(3, 2, 4, random_state=0)
    genomes = [_genome(colony, seed) for seed in range(3)]
    merged = merge_genomes(genomes)
    keys = [structure_key(g) for g in genomes]
    m_nodes, m_edges = structure_key(merged)
    assert set(m_edges) == set().union(*(k[1] for k in keys))
    assert {n for n, _ in m_nodes} == set().union(*({n for n, _ in k[0]} for k in keys))
    # a node's cell type comes from the first genome that has it
    first = dict(keys[0][0])
    assert all(first.get(n, c) == c for n, c in m_nodes)
    assert merge_genomes(genomes[:1]).n_edges == len(keys[0][1])
    with pytest.raises(ValueError, match="inputs"):
        merge_genomes([genomes[0], _genome(Colony(2, 2, 4, random_state=0), 0)])


def test_grown_refinement_starts_as_the_best_network_and_has_more_units(data):
    s = _search(data, lamarckian="elite", inherit="all", refine_members=3)
    s.run(*data, 6)
    best = s.best
    cand = s.propose_refinement(2)
    assert structure_key(cand.genome) != best.key  # the union of three structures
    assert set(structure_key(cand.genome)[1]) > set(best.key[1])
    grown = initial_params(cand.genome, compile_genome(cand.genome), np.random.default_rng(5))
    assert len(grown) > len(best.params)
    X_val = data[2]
    for a, b in zip(predict_genome(cand.genome, grown, X_val),
                    predict_genome(best.genome, best.params, X_val)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    res = train_genome(cand.genome, *data, epochs=2, learning_rate=0.05, random_state=0,
                       evaluate_initial=True)
    assert res.fitness <= best.fitness * (1 + 1e-12)
    s.receive(cand, res)
    assert s.history[-1]["stage"] == "refine" and s.history[-1]["n_params"] == len(grown)
    assert s.best.fitness == min(h["fitness"] for h in s.history)


def test_dropping_edges_keeps_the_other_edges_start_values(data):
    s = _search(data, lamarckian="elite", inherit="all")
    s.run(*data, 4)
    best = s.best
    genome = replace(best.genome, edge_weight=best.edge_weights, node_params=best.node_params)
    _, active = genome.active_elements()
    drop = np.flatnonzero(active)[:2]
    smaller = drop_edges(genome, drop)
    keep = np.setdiff1d(np.arange(genome.n_edges), drop)
    assert smaller.n_edges == genome.n_edges - 2 and smaller.n_nodes == genome.n_nodes
    np.testing.assert_array_equal(smaller.edge_innovation, genome.edge_innovation[keep])
    np.testing.assert_array_equal(smaller.edge_weight, genome.edge_weight[keep])
    # scoring a trained network at its values gives the trainer's scores
    scored = evaluate_genome(genome, data[2], data[3])
    assert scored.fitness == pytest.approx(best.fitness, rel=1e-12)
    np.testing.assert_array_equal(scored.params, best.params)
    with pytest.raises(ValueError, match="start value"):
        evaluate_genome(replace(genome, node_params=None), data[2], data[3])


def test_pruning_drops_the_grown_network_s_idle_edges_and_keeps_its_error(data):
    s = _search(data, lamarckian="elite", inherit="all", refine_members=3)
    s.run(*data, 6)
    best = s.best
    cand = s.propose_refinement(2)
    grown = cand.genome  # computes the best network's output; its new edges start at zero
    start = evaluate_genome(grown, data[2], data[3])
    pruned, result = prune_edges(grown, grown.edge_weight, grown.node_params, data[2], data[3])
    assert result.fitness <= start.fitness
    assert result.n_params < start.n_params
    assert structure_key(pruned)[1] != structure_key(grown)[1]
    again = evaluate_genome(pruned, data[2], data[3])
    assert again.fitness == result.fitness and again.n_params == result.n_params
    # every edge that starts at zero goes, none with a trained weight does
    _, kept = pruned.active_elements()
    assert np.all(pruned.edge_weight[kept] != 0)
    assert set(best.key[1]) <= set(pruned.edge_innovation[kept].tolist())
    with pytest.raises(ValueError, match="step"):
        prune_edges(grown, grown.edge_weight, grown.node_params, data[2], data[3], step=0)


def test_a_pruned_search_ends_with_a_smaller_best_network(data):
    # seed 3: the grown refinement becomes the best network, and pruning shrinks it
    s = _search(data, seed=3, lamarckian="elite", inherit="all", refine_members=3)
    s.run(*data, 6, refine_epochs=2, prune=True)
    h = s.history_arrays()
    assert list(h["stage"]) == ["search"] * 6 + ["refine", "prune"]
    assert h["epochs"][-1] == 0 and h["epochs_spent"][-1] == h["epochs_spent"][-2]
    assert h["fitness"][-1] <= h["fitness"][-2] * (1 + 1e-12)
    assert h["decision"][-1] == "replace"
    assert s.best.n_params == h["n_params"][-1] < h["n_params"][-2]
    assert s.best.index == h["candidate"][-1]
    assert len({m.key for m in s.population}) == len(s.population)
    # a second run call neither refines nor prunes again
    s.run(*data, 6, refine_epochs=2, prune=True)
    assert len(s.history) == 8
    with pytest.raises(ValueError, match="built-in trainer"):
        ASNESearch(3, s.config, trainer=train_genome).run(*data, 2, prune=True)
