"""Per-sequence BPTT trainer (spec asne.md section 4)."""
import numpy as np
import pytest

from rnnkit.asne.graph import compile_genome, layered_genome
from rnnkit.asne.training import (NORM_BOOST, NORM_CLIP, TrainResult, _nesterov_step,
                                  initial_params, predict_genome, train_genome)
from rnnkit.kernels import graph_rnn
from rnnkit.optim import rescale_gradients


def make_series(rng, n_series=4, T=120, n_inputs=3):
    """Inputs: smooth random walks; target: next value of the last input (one-step-ahead)."""
    X, y = [], []
    for _ in range(n_series):
        walk = np.cumsum(rng.normal(scale=0.05, size=(T + 1, n_inputs)), axis=0)
        walk = 0.5 + 0.4 * np.tanh(walk)
        X.append(walk[:-1])
        y.append(walk[1:, -1])
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = make_series(np.random.default_rng(0))
    return X[:3], y[:3], X[3:], y[3:]


def test_result_fields_and_best_epoch(data):
    genome = layered_genome(3, (4,), "gru", recurrent_skips=(1,))
    res = train_genome(genome, *data, epochs=6, learning_rate=0.01, random_state=1)
    assert isinstance(res, TrainResult)
    g = compile_genome(genome)
    assert res.n_params == g.n_params == res.params.shape[0]
    assert res.history.shape == (6, 3)
    best = int(np.argmin(res.history[:, 1]))
    assert res.fitness == res.history[best, 1] and res.mae == res.history[best, 2]
    assert res.edge_weights.shape == (genome.n_edges,)
    np.testing.assert_array_equal(res.edge_weights, res.params[g.edge_param])
    # predict_genome with the best parameters reproduces the fitness and the MAE
    X_val, y_val = data[2], data[3]
    pred = predict_genome(genome, res.params, X_val)
    assert [p.shape for p in pred] == [y.shape for y in y_val]
    mse = np.mean([np.mean((p - y) ** 2) for p, y in zip(pred, y_val)])
    mae = np.mean([np.mean(np.abs(p - y)) for p, y in zip(pred, y_val)])
    assert mse == pytest.approx(res.fitness, rel=1e-12) and mae == pytest.approx(res.mae, rel=1e-12)


def test_training_reduces_validation_error(data):
    genome = layered_genome(3, (3,), "lstm")
    res = train_genome(genome, *data, epochs=40, learning_rate=0.01, random_state=0)
    assert res.fitness < 0.5 * res.history[0, 1]
    assert np.all(np.abs(res.params) <= 10.0)


def test_seeded_runs_are_reproducible_and_seed_matters(data):
    genome = layered_genome(3, (2,), "mgu", recurrent_skips=(2,))
    a = train_genome(genome, *data, epochs=3, random_state=5)
    b = train_genome(genome, *data, epochs=3, random_state=5)
    c = train_genome(genome, *data, epochs=3, random_state=6)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.history, b.history)
    assert not np.array_equal(a.params, c.params)


def test_inactive_edges_are_nan_and_given_weights_are_used(data):
    genome = layered_genome(3, (2,), "ugrnn")
    genome.node_enabled[1] = False  # placeholder input: its two edges become inactive
    w = np.full(genome.n_edges, np.nan)
    w[genome.edge_src == 0] = [0.3, -0.2]
    genome.edge_weight = w
    res = train_genome(genome, *data, epochs=1, learning_rate=0.0, random_state=0)
    inactive = genome.edge_src == 1
    assert np.all(np.isnan(res.edge_weights[inactive]))
    assert not np.isnan(res.edge_weights[~inactive]).any()
    np.testing.assert_allclose(res.edge_weights[genome.edge_src == 0], [0.3, -0.2])
    free = ~inactive & (genome.edge_src != 0)
    assert np.all(np.abs(res.edge_weights[free]) <= 0.5)


def test_one_standard_update_by_hand(data):
    """Epoch 1 with one series = forward, 2(y_hat - y)/T seed, BPTT, rescale, Nesterov, clip."""
    genome = layered_genome(3, (2,), "delta", recurrent_skips=(1,))
    X, y = data[0][:1], data[1][:1]
    res = train_genome(genome, X, y, X, y, epochs=1, learning_rate=0.05, momentum=0.9, random_state=3)
    g = compile_genome(genome)
    p = initial_params(genome, g, np.random.default_rng(3))
    H, S, DH = graph_rnn.workspace(g, len(y[0]))
    err = graph_rnn.forward(g, p, X[0], H, S)[:, 0] - y[0]
    grad = np.empty(g.n_params)
    graph_rnn.backward(g, p, X[0], (2 * err / len(err))[:, None], H, S, DH, grad)
    norm = np.linalg.norm(grad)
    grad *= 1.0 / norm if norm > 1 else (0.05 / norm if norm < 0.05 else 1.0)
    np.testing.assert_allclose(res.params, np.clip(p - 1.9 * 0.05 * grad, -10, 10), rtol=1e-12)


def test_faithful_variants_run_and_differ(data):
    genome = layered_genome(3, (2,), "lstm")
    std = train_genome(genome, *data, epochs=3, random_state=2)
    fai = train_genome(genome, *data, epochs=3, nesterov="faithful", error_seed="faithful", random_state=2)
    assert np.isfinite(fai.fitness) and not np.array_equal(std.history, fai.history)


def test_nesterov_step_formulas():
    mu, eta = 0.9, 0.1
    v = np.array([0.2, 0.4])
    g = np.array([1.0, -2.0])
    gp = np.array([-3.0, -0.5])
    p = np.array([1.0, 9.99])
    p1, v1 = p.copy(), v.copy()
    _nesterov_step(p1, v1, g, np.zeros(2), mu, eta, "standard")
    v_new = mu * v - eta * g
    np.testing.assert_allclose(v1, v_new)
    np.testing.assert_allclose(p1, np.clip(p - mu * v + (1 + mu) * v_new, -10, 10))
    p2, v2, gp2 = p.copy(), v.copy(), gp.copy()
    _nesterov_step(p2, v2, g, gp2, mu, eta, "faithful")
    v_new = mu * v - eta * gp
    np.testing.assert_allclose(v2, v_new)
    np.testing.assert_allclose(p2, np.clip(p + mu * v + (1 + mu) * v_new, -10, 10))
    np.testing.assert_array_equal(gp2, g)
    assert p1[1] == 10.0 and p2[1] == 10.0  # clipped


def test_norm_rescaling():
    g = np.array([3.0, 4.0])
    rescale_gradients([g], NORM_CLIP, NORM_BOOST)
    np.testing.assert_allclose(g, [0.6, 0.8])
    g = np.array([0.003, 0.004])
    rescale_gradients([g], NORM_CLIP, NORM_BOOST)
    np.testing.assert_allclose(g, [0.03, 0.04])
    g = np.array([0.3, 0.4])
    rescale_gradients([g], NORM_CLIP, NORM_BOOST)
    np.testing.assert_allclose(g, [0.3, 0.4])
    g = np.zeros(2)
    rescale_gradients([g], NORM_CLIP, NORM_BOOST)
    assert not np.isnan(g).any()


def test_input_errors(data):
    genome = layered_genome(3, (2,), "gru")
    X, y, Xv, yv = data
    with pytest.raises(ValueError, match="empty list of sequences.*the training series"):
        train_genome(genome, [], [], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="is empty"):
        train_genome(genome, [np.empty((0, 3))], [np.empty(0)], Xv, yv, epochs=1)
    bad = [X[0].copy()]
    bad[0][5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train_genome(genome, bad, y[:1], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match=r"expected \(T, 3\)"):
        train_genome(genome, [X[0][:, :2]], y[:1], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="to match its input sequence"):
        train_genome(genome, X[:1], [y[0][:-1]], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="Found 1 target sequences for 2 input sequences"):
        train_genome(genome, X[:2], y[:1], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="wrap it in a list"):
        train_genome(genome, X[0], y[0], Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        train_genome(genome, X, y, Xv, yv, epochs=0)
    with pytest.raises(ValueError, match="nesterov"):
        train_genome(genome, X, y, Xv, yv, epochs=1, nesterov="classic")
    with pytest.raises(ValueError, match="one output"):
        train_genome(layered_genome(3, (2,), "gru", n_outputs=2), X, y, Xv, yv, epochs=1)
    with pytest.raises(ValueError, match="params has shape"):
        predict_genome(genome, np.zeros(3), Xv)


def test_one_faithful_update_by_hand(data):
    """Faithful form, first update: m = 0, v' = -eta g_prev with g_prev the raw
    (MSE-scaled seed, not rescaled) gradient of the last series at theta_0."""
    genome = layered_genome(3, (2,), "mgu", recurrent_skips=(2,))
    X, y = data[0][:2], data[1][:2]
    res = train_genome(genome, X[:1], y[:1], X, y, epochs=1, learning_rate=0.05, nesterov="faithful",
                       error_seed="faithful", random_state=4)
    g = compile_genome(genome)
    p = initial_params(genome, g, np.random.default_rng(4))
    H, S, DH = graph_rnn.workspace(g, len(y[0]))
    err = graph_rnn.forward(g, p, X[0], H, S)[:, 0] - y[0]
    T = len(err)
    grad = np.empty(g.n_params)
    graph_rnn.backward(g, p, X[0], (err * 2 * np.mean(err ** 2) / T)[:, None], H, S, DH, grad)
    np.testing.assert_allclose(res.params, np.clip(p - 1.9 * 0.05 * grad, -10, 10), rtol=1e-12)


def test_evaluate_initial_lets_the_initial_parameters_compete(data):
    genome = layered_genome(3, (2,), "gru")
    # gradient ascent (negative learning rate) makes every epoch worse than the start
    bad = train_genome(genome, *data, epochs=2, learning_rate=-0.5, random_state=0)
    kept = train_genome(genome, *data, epochs=2, learning_rate=-0.5, random_state=0, evaluate_initial=True)
    g = compile_genome(genome)
    p0 = initial_params(genome, g, np.random.default_rng(0))
    pred = predict_genome(genome, p0, data[2])
    mse0 = np.mean([np.mean((p - y) ** 2) for p, y in zip(pred, data[3])])
    assert mse0 < bad.fitness
    np.testing.assert_array_equal(kept.params, p0)
    assert kept.fitness == pytest.approx(mse0, rel=1e-12)
    np.testing.assert_array_equal(kept.history, bad.history)
