"""Compiled optimizer steps: NumPy's arithmetic bit for bit, checks before writes."""
import math

import numpy as np
import pytest

from rnnkit.kernels.updates import adam_steps, first_bad_gradient, sgd_steps


def _arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n).astype(dtype) * 10.0 ** rng.uniform(-4, 2, n).astype(dtype)
            for n in (37, 5, 0, 64)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_steps_are_numpys_bits(dtype):
    ps, gs, ms, vs = (_arrays(dtype, s) for s in range(4))
    vs = [np.abs(v) for v in vs]
    b1, b2, lr, eps, t = 0.9, 0.999, 1e-3, 1e-8, 3
    step, sqrt_c2 = lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)  # Python floats, as in optim
    ref = []
    for p, g, m, v in zip(ps, gs, ms, vs):  # the NumPy expressions, dtype kept
        m2 = b1 * m + (1 - b1) * g
        v2 = b2 * v + (1 - b2) * (g * g)
        ref.append((p - step * m2 / (np.sqrt(v2) / sqrt_c2 + eps), m2, v2))
    coef = np.array([b1, 1 - b1, b2, 1 - b2, step, sqrt_c2, eps], dtype=dtype)
    before = [a.copy() for a in ps + ms + vs]
    assert adam_steps(tuple(ps), tuple(gs), tuple(ms), tuple(vs), coef, False) == -1
    for a, b in zip(ps + ms + vs, before):  # a check writes nothing
        np.testing.assert_array_equal(a, b)
    adam_steps(tuple(ps), tuple(gs), tuple(ms), tuple(vs), coef, True)
    for (p2, m2, v2), p, m, v in zip(ref, ps, ms, vs):
        assert p.dtype == dtype
        np.testing.assert_array_equal(p, p2)
        np.testing.assert_array_equal(m, m2)
        np.testing.assert_array_equal(v, v2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mu, nesterov", [(0.9, True), (0.9, False), (0.0, True)])
def test_sgd_steps_are_numpys_bits(dtype, mu, nesterov):
    ps, gs, vels = (_arrays(dtype, s) for s in range(3))
    lr = 0.05
    ref = []
    for p, g, v in zip(ps, gs, vels):
        if mu == 0:
            ref.append((p - lr * g, v.copy()))
            continue
        v2 = mu * v + g
        ref.append((p - (lr * (g + mu * v2) if nesterov else lr * v2), v2))
    coef = np.array([lr, mu], dtype=dtype)
    sgd_steps(tuple(ps), tuple(gs), tuple(vels), coef, nesterov, True)
    for (p2, v2), p, v in zip(ref, ps, vels):
        np.testing.assert_array_equal(p, p2)
        np.testing.assert_array_equal(v, v2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_checks_name_the_array(dtype):
    ps, gs, vels = (_arrays(dtype, s) for s in range(3))
    coef = np.array([1.0, 0.9], dtype=dtype)
    big = np.finfo(dtype).max
    assert first_bad_gradient(tuple(gs)) == -1
    gs[0][3] = big  # finite, but p - lr (g + mu v') overflows in array 0
    ps[0][3] = -big
    for bad in (np.nan, -np.inf):
        gs[3][10] = bad
        assert first_bad_gradient(tuple(gs)) == 3
    gs[3][10] = 0.0
    assert first_bad_gradient(tuple(gs)) == -1
    assert sgd_steps(tuple(ps), tuple(gs), tuple(vels), coef, True, False) == 0
    ms = tuple(np.zeros_like(p) for p in ps)
    adam = np.array([0.9, 0.1, 0.999, 0.001, 0.1, 0.03, 1e-8], dtype=dtype)
    assert adam_steps(tuple(ps), tuple(gs), ms, ms, adam, False) == 0  # g * g overflows
    gs[0][3] = ps[0][3] = 1.0
    assert sgd_steps(tuple(ps), tuple(gs), tuple(vels), coef, True, False) == -1
