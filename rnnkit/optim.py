"""Stochastic optimizers, gradient rescaling, weight clipping, initialization.

The optimizers follow scikit-learn's ``_stochastic_optimizers.py``: they are
built on the list of parameter arrays and then updated in place with
``opt.update_params(params, grads)``, where ``grads[i]`` has the shape of
``params[i]``.  Their state (moments, velocities) lives in arrays of the
parameters' dtype, so float32 training stays float32.

>>> import numpy as np
>>> w = [np.array([1.0, -2.0])]
>>> opt = Adam(w, learning_rate=0.1)
>>> opt.update_params(w, [np.array([0.5, -0.5])])
>>> np.round(w[0], 3)
array([ 0.9, -1.9])
"""
import math

import numpy as np

from .kernels.updates import adam_steps, first_bad_gradient, sgd_steps

__all__ = [
    "Adam", "SGD", "make_optimizer", "OPTIMIZERS", "rescale_gradients",
    "global_norm", "clip_weights", "nesterov_step", "init_weight", "INIT_SCHEMES",
]


class BaseOptimizer:
    """Common interface: ``update_params(params, grads)`` in place.

    An update is all or nothing: the step of every array is checked first
    (one compiled call for all of them, :mod:`rnnkit.kernels.updates`), then
    applied; if a gradient or a new value is NaN or infinite (an overflow),
    :class:`FloatingPointError` is raised and neither the parameters nor the
    optimizer's state change, so training can go on from where it was.

    Parameters
    ----------
    params : list of ndarray
        C-contiguous float arrays, updated in place.
    learning_rate : float
    """

    def __init__(self, params, learning_rate=1e-3):
        self.learning_rate = float(learning_rate)
        self.t = 0

    def update_params(self, params, grads):
        """Update every ``params[i]`` in place from ``grads[i]``.

        Raises
        ------
        FloatingPointError
            If a gradient or an updated value is not finite; nothing is
            changed then.
        """
        views = self._flat_views(params)
        gs = tuple(_flat(np.ascontiguousarray(g, dtype=p.dtype)) for p, g in zip(params, grads))
        i = first_bad_gradient(gs)
        if i >= 0:
            raise FloatingPointError(
                f"gradient {i} (shape {np.shape(grads[i])}) contains NaN or "
                "infinity; the update was not applied"
            )
        i = self._steps(views, gs, self.t + 1, False)
        if i >= 0:
            raise FloatingPointError(
                f"{type(self).__name__}'s update overflowed (an array of "
                f"shape {params[i].shape} would hold NaN or infinity); the "
                "update was not applied"
            )
        self._steps(views, gs, self.t + 1, True)
        self.t += 1

    def _flat_views(self, params):
        """Flat views of ``params`` and of each group of state arrays."""
        return tuple(tuple(_flat(x) for x in group)
                     for group in [params, *self._state_arrays()])

    def _state_arrays(self):  # pragma: no cover - abstract
        """The optimizer's state: lists of arrays shaped like the parameters."""
        raise NotImplementedError

    def _steps(self, views, gs, t, apply):  # pragma: no cover - abstract
        """Check (or, ``apply``, make) step ``t``: ``views`` are the flat
        parameters and state (:meth:`_flat_views`), ``gs`` the flat (finite)
        gradients; returns the first array that would overflow, or -1."""
        raise NotImplementedError


class Adam(BaseOptimizer):
    """Adam (Kingma & Ba) with bias correction, PyTorch's update order.

    ``m = b1 m + (1-b1) g``; ``v = b2 v + (1-b2) g^2``;
    ``p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)``.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float, default=1e-3
    beta_1, beta_2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    """

    def __init__(self, params, learning_rate=1e-3, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        super().__init__(params, learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def _state_arrays(self):
        return [self.ms, self.vs]

    def _steps(self, views, gs, t, apply):
        ps, ms, vs = views
        b1, b2 = self.beta_1, self.beta_2
        coef = np.array([b1, 1.0 - b1, b2, 1.0 - b2, self.learning_rate / (1.0 - b1 ** t),
                         math.sqrt(1.0 - b2 ** t), self.epsilon], dtype=ps[0].dtype)
        return adam_steps(ps, gs, ms, vs, coef, apply)


class SGD(BaseOptimizer):
    """SGD with (Nesterov) momentum, PyTorch's formulation.

    ``v = mu v + g``; Nesterov: ``p -= lr (g + mu v)``, else ``p -= lr v``.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float, default=0.01
    momentum : float, default=0.9
    nesterov : bool, default=True
    """

    def __init__(self, params, learning_rate=0.01, momentum=0.9, nesterov=True):
        super().__init__(params, learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities = [np.zeros_like(p) for p in params]

    def _state_arrays(self):
        return [self.velocities]

    def _steps(self, views, gs, t, apply):
        ps, vels = views
        coef = np.array([self.learning_rate, self.momentum], dtype=ps[0].dtype)
        return sgd_steps(ps, gs, vels, coef, self.nesterov, apply)


OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name, params, learning_rate, **kwargs):
    """Build optimizer ``name`` (``'adam'`` or ``'sgd'``) on ``params``."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}."
        ) from None
    return cls(params, learning_rate=learning_rate, **kwargs)


def global_norm(grads):
    """Euclidean norm of all gradient arrays taken together."""
    return math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))


def rescale_gradients(grads, clip_threshold=None, boost_threshold=None):
    """Rescale gradients in place by their global norm.

    If the norm exceeds ``clip_threshold`` the gradients are scaled down to
    that norm; if it is positive but below ``boost_threshold`` they are
    scaled up to that norm ("boost", as in EXAMM).  ``None`` disables a side.

    Parameters
    ----------
    grads : list of ndarray
    clip_threshold, boost_threshold : float or None

    Returns
    -------
    norm : float
        The global norm before rescaling.
    """
    norm = global_norm(grads)
    target = None
    if clip_threshold is not None and norm > clip_threshold:
        target = clip_threshold
    elif boost_threshold is not None and 0.0 < norm < boost_threshold:
        target = boost_threshold
    if target is not None:
        scale = target / norm
        for g in grads:
            g *= scale
    return norm


def clip_weights(params, limit):
    """Clip every parameter in place to ``[-limit, limit]``."""
    for p in params:
        np.clip(p, -limit, limit, out=p)


def nesterov_step(params, velocity, grad, learning_rate, momentum):
    """One Nesterov momentum step in the velocity form (Sutskever et al., 2013), in place.

    ``v' = mu v - lr g``; ``p += (1 + mu) v' - mu v``; ``v <- v'``.  The
    same method as :class:`SGD` with ``nesterov=True`` up to a change of
    variable, as written in EXAMM, with no finiteness check.

    Parameters
    ----------
    params, velocity, grad : ndarray of the same shape
        ``params`` and ``velocity`` are updated in place.
    learning_rate, momentum : float
    """
    v_new = momentum * velocity - learning_rate * grad
    params += (1.0 + momentum) * v_new - momentum * velocity
    velocity[:] = v_new


def init_weight(scheme, shape, fan_in, fan_out, rng, dtype=np.float64):
    """Draw a weight array from an initialization scheme.

    Parameters
    ----------
    scheme : {'uniform', 'glorot_uniform', 'orthogonal', 'zeros'}
        ``'uniform'``: ``U(+-1/sqrt(fan_in))`` (PyTorch's Linear/LSTM
        default); ``'glorot_uniform'``:
        ``U(+-sqrt(6/(fan_in+fan_out)))``; ``'orthogonal'``: an orthogonal
        matrix (per square block of the last axis for gate-stacked
        recurrent weights); ``'zeros'``.
    shape : tuple of int
    fan_in, fan_out : int
    rng : numpy.random.Generator
    dtype : dtype

    Returns
    -------
    W : ndarray of shape ``shape``
    """
    if scheme == "uniform":
        bound = 1.0 / math.sqrt(max(fan_in, 1))
        W = rng.uniform(-bound, bound, size=shape)
    elif scheme == "glorot_uniform":
        bound = math.sqrt(6.0 / max(fan_in + fan_out, 1))
        W = rng.uniform(-bound, bound, size=shape)
    elif scheme == "orthogonal":
        rows, cols = shape
        blocks = []
        for start in range(0, cols, rows):
            width = min(rows, cols - start)
            q, r = np.linalg.qr(rng.standard_normal((rows, rows)))
            q *= np.sign(np.diag(r))
            blocks.append(q[:, :width])
        W = np.concatenate(blocks, axis=1)
    elif scheme == "zeros":
        W = np.zeros(shape)
    else:
        raise ValueError(
            f"Unknown initialization {scheme!r}; choose one of {INIT_SCHEMES}."
        )
    return np.ascontiguousarray(W, dtype=dtype)


INIT_SCHEMES = ("uniform", "glorot_uniform", "orthogonal", "zeros")


def _flat(a):
    """A 1-D view of the C-contiguous array ``a``."""
    if not a.flags.c_contiguous:
        raise ValueError(f"optimizers need C-contiguous arrays, got one of shape {a.shape}")
    return a.reshape(-1)
