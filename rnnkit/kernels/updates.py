"""Element-wise optimizer steps over all parameter arrays in one compiled call.

An optimizer step written with NumPy makes a dozen passes, temporaries and
calls per parameter array (moments, square root, division, finiteness
checks).  For the small arrays of a recurrent network trained on small
batches that costs as much as a good part of the batch's forward and
backward passes.  Each kernel here takes every array at once (tuples of
flat views of one dtype) and runs in two modes: ``apply=False`` only checks
that the step is finite (nothing is written), ``apply=True`` writes it.
:mod:`rnnkit.optim` checks before it writes, so a step is applied to all
parameters or to none.

The arithmetic is NumPy's, operation for operation, in the arrays' dtype:
the coefficients come in that dtype and no multiply-add is fused, so the
results are the same bits as the NumPy expressions in the docstrings.

:func:`first_bad_gradient` finds a gradient holding NaN or infinity; a
step kernel in check mode returns the index of the first array whose new
values would (an overflow), or -1.
"""
import numpy as np
from numba import njit

__all__ = ["adam_steps", "sgd_steps", "first_bad_gradient"]

_FLAGS = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_FLAGS)
def adam_steps(ps, gs, ms, vs, coef, apply):
    """Adam step (PyTorch's order) of every array, checked or applied.

    ``m' = b1 m + c1 g``; ``v' = b2 v + c2 (g g)``;
    ``p' = p - step m' / (sqrt(v') / sqrt_c2 + eps)``.

    Parameters
    ----------
    ps, gs, ms, vs : tuple of ndarray of shape (n_i,), one float dtype
        Parameters, gradients, first and second moments (flat views).
    coef : ndarray of shape (7,), same dtype
        ``b1, c1, b2, c2, step, sqrt_c2, eps``: ``c1 = 1 - b1``,
        ``c2 = 1 - b2``, ``step`` the bias-corrected learning rate,
        ``sqrt_c2 = sqrt(1 - b2 ** t)``.
    apply : bool
        Write ``p'``, ``m'``, ``v'`` over ``p``, ``m``, ``v`` (else only check).

    Returns
    -------
    i : int
        The first array whose new values are not all finite (check mode),
        else -1.
    """
    b1, c1, b2, c2, step, sqrt_c2, eps = coef[0], coef[1], coef[2], coef[3], coef[4], \
        coef[5], coef[6]
    for i in range(len(ps)):
        p, g, m, v = ps[i], gs[i], ms[i], vs[i]
        if apply:
            for j in range(g.shape[0]):
                m[j], v[j], p[j] = _adam(p[j], g[j], m[j], v[j], b1, c1, b2, c2, step,
                                         sqrt_c2, eps)
            continue
        bad = False
        for j in range(g.shape[0]):
            mj, vj, pj = _adam(p[j], g[j], m[j], v[j], b1, c1, b2, c2, step, sqrt_c2, eps)
            bad |= _not_finite(mj) | _not_finite(vj) | _not_finite(pj)
        if bad:
            return i
    return -1


@njit(**_FLAGS)
def sgd_steps(ps, gs, vels, coef, nesterov, apply):
    """SGD step with (Nesterov) momentum (PyTorch's form) of every array,
    checked or applied.

    ``v' = mu v + g``; ``p' = p - lr (g + mu v')`` (Nesterov) or
    ``p - lr v'``; with ``mu = 0``, ``p' = p - lr g`` and ``v`` unused.

    Parameters
    ----------
    ps, gs, vels : tuple of ndarray of shape (n_i,), one float dtype
        Parameters, gradients, velocities (flat views).
    coef : ndarray of shape (2,), same dtype
        ``lr, mu``.
    nesterov, apply : bool

    Returns
    -------
    i : int
        The first array whose new values are not all finite (check mode),
        else -1.
    """
    lr, mu = coef[0], coef[1]
    for i in range(len(ps)):
        p, g, vel = ps[i], gs[i], vels[i]
        if apply:
            for j in range(g.shape[0]):
                vj, p[j] = _sgd(p[j], g[j], vel[j], lr, mu, nesterov)
                if mu != 0:
                    vel[j] = vj
            continue
        bad = False
        for j in range(g.shape[0]):
            vj, pj = _sgd(p[j], g[j], vel[j], lr, mu, nesterov)
            bad |= _not_finite(vj) | _not_finite(pj)
        if bad:
            return i
    return -1


@njit(**_FLAGS, inline="always")
def _adam(p, g, m, v, b1, c1, b2, c2, step, sqrt_c2, eps):
    """New ``m, v, p`` of one element."""
    m = b1 * m + c1 * g
    v = b2 * v + c2 * (g * g)
    return m, v, p - step * m / (np.sqrt(v) / sqrt_c2 + eps)


@njit(**_FLAGS, inline="always")
def _sgd(p, g, v, lr, mu, nesterov):
    """New velocity and ``p`` of one element (the velocity is ``g`` if ``mu = 0``)."""
    if mu == 0:
        return g, p - lr * g
    v = mu * v + g
    return v, p - (lr * (g + mu * v) if nesterov else lr * v)


@njit(**_FLAGS)
def first_bad_gradient(gs):
    """Index of the first array of the tuple ``gs`` (1-D arrays, one dtype)
    holding NaN or infinity, or -1."""
    for i in range(len(gs)):
        g = gs[i]
        bad = False
        for j in range(g.shape[0]):
            bad |= _not_finite(g[j])
        if bad:
            return i
    return -1


@njit(**_FLAGS)
def _not_finite(x):
    # x - x is 0 for every finite x and NaN for +-inf and NaN; branch-free,
    # so that the loops vectorize
    return not (x - x == 0)
