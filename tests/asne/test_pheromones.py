import numpy as np
import pytest

from rnnkit.asne.ants import build_genome, standard_march
from rnnkit.asne.colony import TAU0, Colony
from rnnkit.asne.config import make_config
from rnnkit.asne.pheromones import (evaporate, forward_bias, penalize, regularization, reward,
                                    touched)


def _setup(seed=0):
    colony = Colony(3, 2, 3, 1, 3, random_state=seed)
    rng = np.random.default_rng(seed)
    genome = build_genome(colony, standard_march(colony, 4, rng), rng)
    return colony, genome


def test_evaporation_moves_toward_baseline():
    c = Colony(2, 1, 2, random_state=0)
    c.line_tau[:] = 10.0
    c.start_tau[:] = 0.0
    c.type_tau[:] = 3.0
    evaporate(c, 0.1, include_outputs=False)
    np.testing.assert_allclose(c.line_tau, 0.9 * 10 + 0.1 * TAU0)
    np.testing.assert_allclose(c.start_tau, 0.1 * TAU0)
    out = c.output_nodes
    assert np.all(c.type_tau[out] == 3.0)  # faithful: outputs skipped
    evaporate(c, 0.1, include_outputs=True)
    assert np.all(c.type_tau[out] < 3.0)
    for _ in range(500):
        evaporate(c, 0.1)
    np.testing.assert_allclose(c.line_tau, TAU0)


def test_regularized_deposit_and_mmas_bounds():
    colony, genome = _setup()
    lines, inputs, nodes, cells = touched(colony, genome)
    others = np.setdiff1d(np.arange(colony.n_lines), lines)
    before = colony.line_tau.copy()
    cfg = make_config(deposit=0.5, forward_bias=False)
    f = 0.2
    reward(colony, genome, f, cfg)
    assert colony.tau_max == pytest.approx(1 / (0.5 * f))
    np.testing.assert_allclose(colony.line_tau[lines], before[lines] + 0.5 / f)
    np.testing.assert_array_equal(colony.line_tau[others], before[others])
    np.testing.assert_allclose(colony.type_tau[nodes, cells], TAU0 + 0.5 / f)
    np.testing.assert_allclose(colony.start_tau[inputs], TAU0 + 0.5 / f)
    # a tiny fitness makes the deposit exceed tau_max: clipped to the new bound
    reward(colony, genome, 1e-3, make_config(deposit=5.0, forward_bias=False))
    assert colony.tau_max == pytest.approx(200.0)
    assert colony.line_tau[lines].max() <= 200.0 + 1e-9
    # and the lower bound lifts a decayed line into [tau_max / 2E, tau_max]
    colony.line_tau[lines[0]] = 1e-9
    reward(colony, genome, 1e-3, make_config(deposit=5.0, forward_bias=False))
    assert colony.line_tau[lines[0]] >= 200 / (2 * colony.n_lines)


def test_regularized_l1_l2_deposit_uses_weights_but_types_do_not():
    w = np.array([0.5, -1.0, np.nan])
    assert regularization(w, 0.3, "l2") == pytest.approx(0.3 * 1.25 / 4)
    assert regularization(w, 0.3, "l1") == pytest.approx(0.3 * 1.5 / 2)
    assert regularization(w, 0.3, "l1", signed_l1=True) == pytest.approx(0.3 * -0.5 / 2)
    assert regularization(w, 0.0, "l1") == 0.0
    colony, genome = _setup()
    lines, _, nodes, cells = touched(colony, genome)
    reward(colony, genome, 0.1, make_config(deposit=0.5, forward_bias=False), reg_term=0.15)
    np.testing.assert_allclose(colony.line_tau[lines], TAU0 + 2.0)  # d / (f + R)
    np.testing.assert_allclose(colony.type_tau[nodes, cells], TAU0 + 5.0)  # d / f
    assert make_config("faithful", weight_reg=0.3).effective_weight_reg == 0.0
    assert make_config("intended", weight_reg=0.3).effective_weight_reg == 0.3


def test_constant_rule_faithful_never_penalises_edges():
    for mode, edge_change in (("faithful", 0.0), ("intended", -1.0)):
        colony, genome = _setup()
        lines, inputs, nodes, cells = touched(colony, genome)
        colony.line_tau[:] = 5.0
        colony.start_tau[:] = 5.0
        cfg = make_config(mode, reward="constant", forward_bias=False)
        penalize(colony, genome, cfg)
        np.testing.assert_allclose(colony.line_tau[lines], 5.0 + edge_change)
        np.testing.assert_allclose(colony.start_tau[inputs], 4.0)
        np.testing.assert_allclose(colony.type_tau[nodes, cells], 0.2)  # 0.7 - 1 < 0: floor 0.2
        colony.line_tau[lines] = 19.5
        reward(colony, genome, 0.1, make_config(mode, reward="constant", forward_bias=False,
                                                honour_bias_flag=True))
        assert colony.line_tau[lines].max() <= 20.0


def test_fixed_rule_scales_and_caps():
    colony, genome = _setup()
    lines, *_ = touched(colony, genome)
    cfg = make_config(reward="fixed", forward_bias=False)
    reward(colony, genome, 0.1, cfg)
    np.testing.assert_allclose(colony.line_tau[lines], TAU0 * 1.15)
    penalize(colony, genome, cfg)
    np.testing.assert_allclose(colony.line_tau[lines], TAU0 * 1.15 * 0.85)
    colony.line_tau[lines] = 19.0
    reward(colony, genome, 0.1, cfg)
    assert np.all(colony.line_tau[lines] == 20.0)


def test_regularized_has_no_penalty():
    colony, genome = _setup()
    before = colony.state()
    penalize(colony, genome, make_config())
    np.testing.assert_array_equal(colony.line_tau, before["line_tau"])


def test_faithful_tau_min_is_order_dependent():
    colony, genome = _setup()
    _, _, nodes, cells = touched(colony, genome)
    colony.type_tau[:] = 1e-12
    reward(colony, genome, 1.0, make_config("faithful", deposit=1e-6))  # deposit negligible
    hi = colony.tau_max
    got = colony.type_tau[nodes, cells]
    assert got[0] == pytest.approx(hi / 12)
    np.testing.assert_allclose(got[1:], hi / (2 * colony.n_lines))
    colony.type_tau[:] = 1e-12
    reward(colony, genome, 1.0, make_config("intended", deposit=1e-6))
    np.testing.assert_allclose(colony.type_tau[nodes, cells], hi / 12)


def test_forward_bias_rules():
    c = Colony(2, 2, 2, 1, 3, random_state=0)
    fwd = c.node_layer[c.line_dst] > c.node_layer[c.line_src]
    forward_bias(c, cap=20.0)
    for v in range(c.n_nodes):
        lines = c.lines_of(v)
        zero = lines[c.line_skip[lines] == 0]
        rec = lines[c.line_skip[lines] > 0]
        if len(zero) and len(zero) < len(rec):
            # skip-0 lines now carry as much pheromone as the recurrent ones
            assert c.line_tau[zero].sum() >= c.line_tau[rec].sum() - 1e-9
    # hidden layer 1 node: 3 forward targets x (1 + 2 skips) vs 2 x 2 backward lines
    v = 2
    lines = c.lines_of(v)
    assert np.all(c.line_tau[lines] > 0)
    # cap: after rescaling no skip-0 line of a rescaled node exceeds the cap
    c2 = Colony(2, 2, 2, 1, 3, random_state=0)
    c2.line_tau[c2.line_skip > 0] = 50.0
    forward_bias(c2, cap=20.0)
    assert c2.line_tau[c2.line_skip == 0].max() <= 20.0 + 1e-9
    # zero pheromone never divides by zero
    c3 = Colony(2, 1, 2, random_state=0)
    c3.line_tau[c3.line_skip == 0] = 0.0
    forward_bias(c3, cap=20.0)
    assert np.all(np.isfinite(c3.line_tau))
    assert fwd.any()


def test_forward_paths_rule_fires_for_deep_nodes():
    c = Colony(2, 3, 2, 1, 2, random_state=0)
    # a layer-3 node: forward = 1 line to the output; backward = 7 lines to layers 1..3
    v = int(np.flatnonzero(c.node_layer == 3)[0])
    lines = c.lines_of(v)
    fwd = c.node_layer[c.line_dst[lines]] > 3
    forward_bias(c, cap=1e9)
    assert c.line_tau[lines][fwd].sum() >= c.line_tau[lines][~fwd].sum() - 1e-9
