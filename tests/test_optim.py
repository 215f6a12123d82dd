"""Optimizers, gradient rescaling, weight clipping, initialization."""
import pickle

import numpy as np
import pytest

from rnnkit.optim import (
    SGD, Adam, clip_weights, global_norm, init_weight, make_optimizer,
    rescale_gradients,
)


def test_adam_matches_reference_two_steps():
    p = [np.array([1.0, -2.0]), np.array([[0.5]])]
    g1 = [np.array([0.1, -0.3]), np.array([[2.0]])]
    g2 = [np.array([-0.2, 0.1]), np.array([[1.0]])]
    opt = Adam(p, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    ref = [q.copy() for q in p]
    m = [np.zeros_like(q) for q in p]
    v = [np.zeros_like(q) for q in p]
    for t, g in enumerate((g1, g2), start=1):
        opt.update_params(p, [x.copy() for x in g])
        for k in range(2):
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            mh = m[k] / (1 - 0.9 ** t)
            vh = v[k] / (1 - 0.999 ** t)
            ref[k] = ref[k] - 0.01 * mh / (np.sqrt(vh) + 1e-8)
    for a, b in zip(p, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_momentum(nesterov):
    p = [np.array([1.0])]
    opt = SGD(p, learning_rate=0.1, momentum=0.9, nesterov=nesterov)
    opt.update_params(p, [np.array([1.0])])
    opt.update_params(p, [np.array([1.0])])
    # v1 = 1, v2 = 1.9
    expected = 1 - 0.1 * (1 + 0.9 * 1) - 0.1 * (1 + 0.9 * 1.9) if nesterov \
        else 1 - 0.1 * 1 - 0.1 * 1.9
    np.testing.assert_allclose(p[0], [expected])


def test_optimizer_keeps_dtype_and_updates_in_place():
    w = np.ones(3, dtype=np.float32)
    opt = make_optimizer("adam", [w], 0.1)
    opt.update_params([w], [np.ones(3, dtype=np.float32)])
    assert w.dtype == np.float32 and opt.ms[0].dtype == np.float32
    assert (w < 1).all()
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", [w], 0.1)


def test_rescale_clip_and_boost():
    g = [np.array([3.0]), np.array([4.0])]
    assert rescale_gradients(g, clip_threshold=1.0) == pytest.approx(5.0)
    assert global_norm(g) == pytest.approx(1.0)
    np.testing.assert_allclose(g[0], [0.6])
    g = [np.array([0.03]), np.array([0.04])]
    rescale_gradients(g, clip_threshold=10.0, boost_threshold=1.0)
    assert global_norm(g) == pytest.approx(1.0)
    g = [np.array([3.0]), np.array([4.0])]
    rescale_gradients(g, clip_threshold=10.0, boost_threshold=1.0)
    np.testing.assert_allclose(g[1], [4.0])  # in range: untouched
    g = [np.zeros(2)]
    rescale_gradients(g, boost_threshold=1.0)  # zero stays zero
    assert not g[0].any()


def test_clip_weights():
    p = [np.array([-3.0, 0.5, 2.0])]
    clip_weights(p, 1.0)
    np.testing.assert_array_equal(p[0], [-1.0, 0.5, 1.0])


def test_init_schemes_seeded_and_bounded():
    a = init_weight("uniform", (50, 40), 25, 40, np.random.RandomState(3))
    b = init_weight("uniform", (50, 40), 25, 40, np.random.RandomState(3))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a).max() <= 0.2 and np.abs(a).max() > 0.19
    g = init_weight("glorot_uniform", (30, 10), 30, 10, np.random.RandomState(0),
                    np.float32)
    assert g.dtype == np.float32 and np.abs(g).max() <= np.sqrt(6 / 40)
    q = init_weight("orthogonal", (6, 18), 6, 6, np.random.RandomState(0))
    for k in range(3):
        blk = q[:, 6 * k:6 * k + 6]
        np.testing.assert_allclose(blk.T @ blk, np.eye(6), atol=1e-12)
    with pytest.raises(ValueError, match="Unknown initialization"):
        init_weight("he", (2, 2), 2, 2, np.random.RandomState(0))


@pytest.mark.parametrize("name", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_update_changes_nothing(name, dtype):
    # a NaN/inf gradient, or a finite one whose update overflows (Adam's
    # g**2, SGD's step), raises before any array changes; the optimizer
    # then continues exactly like one that never saw the bad step
    big = np.finfo(dtype).max / 4
    w = [np.ones(3, dtype=dtype), np.ones((2, 2), dtype=dtype)]
    opt = make_optimizer(name, w, 0.1)
    ref_w = [p.copy() for p in w]
    ref = make_optimizer(name, ref_w, 0.1)
    g = [np.full(3, 0.5, dtype=dtype), np.full((2, 2), -0.5, dtype=dtype)]
    opt.update_params(w, [x.copy() for x in g])
    ref.update_params(ref_w, [x.copy() for x in g])
    state = [a.copy() for a in vars(opt).get("ms", []) + vars(opt).get(
        "vs", []) + vars(opt).get("velocities", [])]
    before = [p.copy() for p in w]
    bad_grads = [[g[0], np.full((2, 2), np.nan, dtype=dtype)],
                 [np.full(3, np.inf, dtype=dtype), g[1]],
                 [g[0], np.full((2, 2), big, dtype=dtype)]]
    if name == "sgd":  # finite gradient, overflowing velocity/step
        opt.learning_rate = 8.0
    for bad in bad_grads:
        with pytest.raises(FloatingPointError, match="not applied"):
            opt.update_params(w, [x.copy() for x in bad])
        assert opt.t == 1
        for a, b in zip(w, before):
            np.testing.assert_array_equal(a, b)
        after = vars(opt).get("ms", []) + vars(opt).get("vs", []) + vars(
            opt).get("velocities", [])
        for a, b in zip(after, state):
            np.testing.assert_array_equal(a, b)
    opt.learning_rate = 0.1
    opt.update_params(w, [x.copy() for x in g])
    ref.update_params(ref_w, [x.copy() for x in g])
    for a, b in zip(w, ref_w):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_pickled_optimizer_updates_its_own_arrays(name):
    # a copy (pickle) updates its own arrays, and new parameter arrays are
    # picked up
    w = [np.ones(3), np.ones((2, 2))]
    opt = make_optimizer(name, w, 0.1)
    g = [np.full(3, 0.5), np.full((2, 2), -0.5)]
    opt.update_params(w, g)
    w2, opt2 = pickle.loads(pickle.dumps((w, opt)))
    opt2.update_params(w2, g)
    opt.update_params(w, g)
    for a, b in zip(w, w2):
        np.testing.assert_array_equal(a, b)
    w3 = [p.copy() for p in w]
    opt.update_params(w3, g)
    assert not np.array_equal(w3[0], w[0])
    with pytest.raises(ValueError, match="C-contiguous"):
        opt.update_params([np.ones((3, 2))[:, 0], w3[1]], g)
