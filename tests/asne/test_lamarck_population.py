import numpy as np
import pytest

from rnnkit.asne.ants import build_genome, standard_march
from rnnkit.asne.colony import Colony
from rnnkit.asne.config import make_config
from rnnkit.asne.lamarck import fitness_alpha, update_colony_weights
from rnnkit.asne.population import Member, Population, structure_key


def _genome(colony, seed):
    rng = np.random.default_rng(seed)
    return build_genome(colony, standard_march(colony, 3, rng), rng)


def _member(genome, f, index):
    return Member(f, f, genome, np.zeros(1), np.zeros(genome.n_edges), 1, index,
                  structure_key(genome))


def _population(colony, fs):
    pop = Population(5)
    for i, f in enumerate(fs):
        g = _genome(colony, 100 + i)
        pop.apply(_member(g, f, i), pop.decide(f, structure_key(g)))
    return pop


def test_fitness_alpha_intended_and_faithful():
    assert fitness_alpha(1.0, 1.0, 3.0) == pytest.approx(0.9)  # best -> clipped 0.9
    assert fitness_alpha(2.0, 1.0, 3.0) == pytest.approx(0.5)
    assert fitness_alpha(3.0, 1.0, 3.0) == 0.0
    assert fitness_alpha(1.0, 1.0, 3.0, inverted=True) == 0.0  # faithful: 0 for the best
    assert fitness_alpha(3.0, 1.0, 3.0, inverted=True) == pytest.approx(0.9)
    assert fitness_alpha(2.0, 2.0, 2.0) is None


@pytest.mark.parametrize("mode", ["intended", "faithful"])
def test_lamarckian_updates(mode):
    colony = Colony(3, 2, 3, random_state=0)
    g = _genome(colony, 0)
    w_r = np.linspace(-1, 1, g.n_edges)
    lines = g.edge_innovation
    pop = _population(colony, [0.1, 0.3])

    c = colony.line_weight.copy()
    update_colony_weights(colony, g, w_r, 0.1, make_config(mode, lamarckian="constant",
                                                           lamarckian_alpha=0.25), pop, False)
    np.testing.assert_allclose(colony.line_weight[lines], 0.25 * w_r + 0.75 * c[lines])

    c = colony.line_weight.copy()
    alpha = update_colony_weights(colony, g, w_r, 0.1, make_config(mode, lamarckian="fitness"),
                                  pop, False)
    assert alpha == (0.0 if mode == "faithful" else 0.9)
    np.testing.assert_allclose(colony.line_weight[lines], alpha * w_r + (1 - alpha) * c[lines])

    c = colony.line_weight.copy()
    w_nan = w_r.copy()
    w_nan[0] = np.nan
    update_colony_weights(colony, g, w_nan, 0.1, make_config(mode, lamarckian="copy"), pop, True)
    if mode == "intended":
        np.testing.assert_allclose(colony.line_weight[lines[1:]], w_r[1:])
        assert colony.line_weight[lines[0]] == c[lines[0]]  # NaN (inactive) untouched
    else:  # swapped flags: "copy" turns on the pheromone scaling instead
        tau = colony.line_tau[lines[1:]]
        np.testing.assert_allclose(colony.line_weight[lines[1:]], c[lines[1:]] * tau / tau.max())
    with pytest.raises(ValueError, match="edge_weights"):
        update_colony_weights(colony, g, w_r[:-1], 0.1, make_config(lamarckian="copy"), pop, True)


def test_lamarck_init_flags():
    assert not make_config().lamarck_init
    assert make_config(lamarckian="copy").lamarck_init
    assert make_config(lamarckian="constant").lamarck_init
    assert not make_config("faithful", lamarckian="constant").lamarck_init  # const_phi unused
    assert make_config("faithful", lamarckian="fitness").lamarck_init


def test_population_decisions():
    colony = Colony(3, 2, 3, random_state=0)
    pop = Population(2)
    g1, g2, g3 = (_genome(colony, s) for s in (1, 2, 3))
    k1, k2, k3 = (structure_key(g) for g in (g1, g2, g3))
    assert len({k1, k2, k3}) == 3
    assert pop.decide(0.5, k1) == "insert"
    pop.apply(_member(g1, 0.5, 0), "insert")
    assert pop.decide(0.6, k1) == "reject"  # same structure, not better
    assert pop.decide(0.4, k1) == "replace"
    pop.apply(_member(g1, 0.4, 1), "replace")
    assert len(pop) == 1 and pop.best.index == 1
    pop.apply(_member(g2, 0.7, 2), "insert")
    assert pop.full and pop.worst_fitness == 0.7
    assert pop.decide(0.8, k3) == "penalize"
    assert pop.decide(np.inf, k3) == "penalize"
    assert pop.decide(0.6, k3) == "insert"
    pop.apply(_member(g3, 0.6, 3), "insert")
    assert [m.index for m in pop] == [1, 3]
