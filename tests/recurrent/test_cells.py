"""Hand-written BPTT against central finite differences (float64)."""
import numpy as np
import pytest

from rnnkit.kernels.activations import sigmoid_fast, tanh_fast
from rnnkit.kernels.cells import (CELLS, SMALL_MIN_INNER, SMALL_ROWS,
                                  STEP_GRAD_ROWS, cell_shapes, layer_backward,
                                  layer_forward)
from rnnkit.losses import softmax_cross_entropy, squared_error
from rnnkit.recurrent._network import (
    init_network, n_cell_params, network_backward, network_forward,
)

LENGTHS = np.array([6, 6, 4, 2, 1])


def _problem(cell, per_step, hidden=(4, 3), seed=0):
    rng = np.random.RandomState(seed)
    n, T, F = len(LENGTHS), LENGTHS[0], 3
    X = rng.randn(n, T, F)
    for i, L in enumerate(LENGTHS):
        X[i, L:] = 0
    params = init_network(cell, F, hidden, 2, np.random.RandomState(1),
                          np.float64)
    for p in params:  # move away from the initial (e.g. zero) values
        p += 0.3 * rng.randn(*p.shape)
    Y = rng.randn(n, T, 2) if per_step else rng.randint(0, 2, n)

    def loss(ps):
        out, cache = network_forward(cell, ps, X, LENGTHS, per_step)
        if per_step:
            return squared_error(out, Y, LENGTHS), cache
        return softmax_cross_entropy(out, Y), cache
    return params, loss


def _grads(cell, params, loss, eps=1e-5):
    """Analytic and central-difference gradients of every parameter."""
    (_, dout), cache = loss(params)
    analytic = [g.copy() for g in network_backward(cell, params, dout, cache)]
    numeric = []
    for p in params:
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            lp = loss(params)[0][0]
            p[idx] = old - eps
            lm = loss(params)[0][0]
            p[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        numeric.append(num)
    return analytic, numeric


def _max_rel_error(analytic, numeric):
    worst = 0.0
    for g, num in zip(analytic, numeric):
        if g.size:
            scale = max(np.abs(num).max(), np.abs(g).max(), 1e-8)
            worst = max(worst, np.abs(num - g).max() / scale)
    return worst


@pytest.mark.parametrize("per_step", [False, True], ids=["last", "every"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_gradient_check_stacked_variable_lengths(cell, per_step):
    params, loss = _problem(cell, per_step)
    analytic, numeric = _grads(cell, params, loss)
    assert _max_rel_error(analytic, numeric) < 1e-6
    # the check can fail: a 0.1 % error in one array is caught
    analytic[0] = analytic[0] * 1.001
    assert _max_rel_error(analytic, numeric) > 1e-6


@pytest.mark.parametrize("per_step", [False, True], ids=["last", "every"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_wide_layer_directional_derivatives(cell, per_step):
    # a full finite-difference check at this width is slow: compare the
    # analytic and central-difference derivatives along random directions
    params, loss = _problem(cell, per_step, hidden=(SMALL_MIN_INNER + 3,))
    assert len(LENGTHS) < SMALL_ROWS
    (_, dout), cache = loss(params)
    grads = network_backward(cell, params, dout, cache)
    rng = np.random.RandomState(2)
    eps = 1e-6
    for _ in range(3):
        v = [rng.randn(*p.shape) for p in params]
        plus = loss([p + eps * d for p, d in zip(params, v)])[0][0]
        minus = loss([p - eps * d for p, d in zip(params, v)])[0][0]
        numeric = (plus - minus) / (2 * eps)
        analytic = sum(float(np.vdot(g, d)) for g, d in zip(grads, v))
        assert abs(numeric - analytic) < 1e-6 * max(1.0, abs(numeric))
    # the check can fail: a 0.1 % error in the recurrent weights is caught
    v = [np.zeros_like(p) for p in params]
    v[2] = rng.randn(*params[2].shape)
    plus = loss([p + eps * d for p, d in zip(params, v)])[0][0]
    minus = loss([p - eps * d for p, d in zip(params, v)])[0][0]
    wrong = 1.001 * float(np.vdot(grads[2], v[2]))
    assert abs((plus - minus) / (2 * eps) - wrong) > 1e-6 * abs(wrong)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_many_rows_gradients_are_sums_over_row_groups(cell):
    # from STEP_GRAD_ROWS rows the recurrent weight gradient is added step by
    # step; rows are independent, so the gradients of a batch that large are
    # the sums of those of its row groups, each small enough to take the
    # path the finite-difference checks above cover
    rng = np.random.RandomState(0)
    n, T, F, H = STEP_GRAD_ROWS + 6, 7, 3, 5
    lengths = np.sort(rng.randint(1, T + 1, n))[::-1].copy()
    lengths[0] = T
    X = rng.randn(T, n, F)
    dH = rng.randn(T, n, H)
    W, b, U, E = (0.5 * rng.randn(*s) for s in cell_shapes(cell, F, H))
    cut = n // 2
    assert cut < STEP_GRAD_ROWS <= n
    whole = _layer_grads(cell, X, dH, W, b, U, E, lengths)
    parts = [_layer_grads(cell, X[:, rows], dH[:, rows], W, b, U, E, lengths[rows])
             for rows in (slice(0, cut), slice(cut, n))]
    for g, g1, g2 in zip(whole, *parts):
        np.testing.assert_allclose(g, g1 + g2, rtol=1e-12, atol=1e-12)
    assert np.abs(whole[2]).max() > 0.1  # dU, the gradient at stake


def _layer_grads(cell, X, dH, W, b, U, E, lengths):
    Hs, cache = layer_forward(cell, np.ascontiguousarray(X), W, b, U, E, lengths)
    return layer_backward(cell, np.ascontiguousarray(dH), W, b, U, E, lengths, Hs,
                          cache)[1]


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_padding_does_not_change_outputs(cell):
    """A sequence alone gives the same output as inside a padded batch."""
    rng = np.random.RandomState(0)
    params = init_network(cell, 2, (5,), 3, rng, np.float64)
    long, short = rng.randn(7, 2), rng.randn(3, 2)
    X = np.zeros((2, 7, 2))
    X[0], X[1, :3] = long, short
    out, _ = network_forward(cell, params, X, np.array([7, 3]))
    alone, _ = network_forward(cell, params, short[None], np.array([3]))
    np.testing.assert_allclose(out[1], alone[0], rtol=1e-12, atol=1e-12)
    steps, _ = network_forward(cell, params, X, np.array([7, 3]), per_step=True)
    np.testing.assert_allclose(steps[1, 2], alone[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_float32_matches_float64(cell):
    rng = np.random.RandomState(0)
    p64 = init_network(cell, 3, (6, 4), 2, rng, np.float64)
    p32 = [p.astype(np.float32) for p in p64]
    X = rng.randn(4, 5, 3)
    L = np.array([5, 4, 4, 2])
    o64, c64 = network_forward(cell, p64, X, L)
    o32, c32 = network_forward(cell, p32, X.astype(np.float32), L)
    assert o32.dtype == np.float32
    np.testing.assert_allclose(o32, o64, rtol=1e-4, atol=1e-5)
    g32 = network_backward(cell, p32, np.ones_like(o32), c32)
    g64 = network_backward(cell, p64, np.ones_like(o64), c64)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_parameter_counts():
    # PyTorch LSTM(28, 20) has 4(20*28 + 20*20 + 2*20); ours has one bias
    # vector per gate: 4(20*28 + 20*20 + 20), plus Linear(20, 10).
    assert n_cell_params("lstm", 28, (20,), 10) == 4 * (560 + 400 + 20) + 210
    # GRU keeps a second bias for the candidate (reset-after form).
    assert n_cell_params("gru", 28, (24,), 10) == 3 * (672 + 576 + 24) + 24 + 250
    assert n_cell_params("delta", 3, (4,), 1) == 12 + 16 + 5 * 4 + 5
    params = init_network("mgu", 3, (4, 2), 5, np.random.RandomState(0),
                          np.float64)
    assert sum(p.size for p in params) == n_cell_params("mgu", 3, (4, 2), 5)


def test_fast_nonlinearities_are_accurate():
    x = np.linspace(-40, 40, 20001)
    s = np.array([sigmoid_fast(v) for v in x])
    ref = 1 / (1 + np.exp(-x))
    assert np.max(np.abs(s - ref) / ref) < 1e-12
    t = np.array([tanh_fast(v) for v in x])
    assert np.max(np.abs(t - np.tanh(x))) < 1e-12
    assert sigmoid_fast(-1000.0) < 1e-17 and sigmoid_fast(1000.0) == 1.0


def test_fast_nonlinearities_float32():
    x = np.linspace(-20, 20, 20001).astype(np.float32)
    s = np.array([sigmoid_fast(v) for v in x])
    ref = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert np.max(np.abs(s - ref) / ref) < 5e-6
    t = np.array([tanh_fast(v) for v in x])
    assert np.max(np.abs(t - np.tanh(x.astype(np.float64)))) < 1e-5
    assert sigmoid_fast(np.float32(-1000)) < 1e-10
    assert sigmoid_fast(np.float32(1000)) == 1


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_float32_kernels_match_float64(cell):
    # the float32 kernels use the float32 nonlinearities: close to float64
    rng = np.random.RandomState(0)
    T, n, F, H = 7, 5, 3, 4
    X = rng.randn(T, n, F)
    lengths = np.array([7, 7, 5, 3, 1])
    sW, sb, sU, sE = cell_shapes(cell, F, H)
    W, b, U, E = (rng.randn(*s) * 0.5 for s in (sW, sb, sU, sE))
    dH = rng.randn(T, n, H)
    out = {}
    for dt in (np.float64, np.float32):
        args = [a.astype(dt) for a in (X, W, b, U, E)]
        Hs, cache = layer_forward(cell, *args, lengths)
        dX, grads = layer_backward(cell, dH.astype(dt), *args[1:], lengths,
                                   Hs, cache)
        assert Hs.dtype == dt and all(g.dtype == dt for g in grads)
        out[dt] = [Hs, dX, *grads]
    for a, b_ in zip(out[np.float64], out[np.float32]):
        assert np.allclose(a, b_, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_backward_ignores_cache_of_finished_rows(cell):
    # the forward pass leaves the cache of finished rows unwritten (it may
    # hold anything, NaN included); the backward pass must never read it
    rng = np.random.RandomState(1)
    T, n, F, H = 6, 4, 3, 5
    X = rng.randn(T, n, F)
    lengths = np.array([6, 4, 2, 1])
    W, b, U, E = (rng.randn(*s) * 0.5 for s in cell_shapes(cell, F, H))
    dH = rng.randn(T, n, H)
    Hs, (Xc, Xp, C) = layer_forward(cell, X, W, b, U, E, lengths)
    Hs, Xp, C = Hs.copy(), Xp.copy(), C.copy()
    clean = layer_backward(cell, dH, W, b, U, E, lengths, Hs, (Xc, Xp, C))
    for t in range(T):
        C[t, lengths <= t] = np.nan
    poisoned = layer_backward(cell, dH, W, b, U, E, lengths, Hs, (Xc, Xp, C))
    for a, b_ in zip([clean[0], *clean[1]], [poisoned[0], *poisoned[1]]):
        assert np.all(np.isfinite(b_))
        assert np.array_equal(a, b_)
