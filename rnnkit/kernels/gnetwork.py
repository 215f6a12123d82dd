"""Cluster activation of Gelenbe's dense Random Neural Network.

A dense cluster of ``n`` identical neurons with soma-to-soma interaction
probability ``p``, external excitatory and inhibitory rates ``lambda_plus`` and
``lambda_minus`` and firing rate ``r`` answers an inhibitory input ``x >= 0``
with the excitation probability ``zeta(x)``, the smaller root of
``a(x) zeta^2 + b(x) zeta + d = 0`` with

    a(x) = p (n - 1) (lambda_minus + x)
    b(x) = e - n x,  e = lambda_plus p + r p - lambda_minus n - r
                         - lambda_plus p n - n p r
    d    = n lambda_plus

computed in the cancellation-free form ``zeta = 2 d / (-b + sqrt(b^2 - 4 a d))``
(``-b > 0`` for every valid parameter set and ``x >= 0``), with its derivative
``zeta'(x) = zeta (p (n - 1) zeta - n) / sqrt(b^2 - 4 a d)`` from the same
square root.  zeta is decreasing: x acts as inhibition.
"""
from dataclasses import dataclass
from math import sqrt

import numba
import numpy as np
from numba import njit, prange

#: Below this many elements zeta runs on one thread: waking Numba's parallel
#: threads costs more than the loop, and on a busy machine far more.
PARALLEL_SIZE = 1 << 16


@dataclass(frozen=True)
class ClusterParams:
    """Parameters of a dense cluster (defaults: DenseRandomNet's).

    Parameters
    ----------
    n : int, default=20
        Neurons per cluster, ``n >= 2``.
    p : float, default=0.05
        Soma-to-soma interaction probability, ``0 < p <= 1``.
    lambda_plus : float, default=0.005
        External excitatory rate, ``> 0``.
    lambda_minus : float, default=0.005
        External inhibitory rate, ``>= lambda_plus``.
    r : float, default=0.001
        Firing rate, ``> 0``.
    """

    n: int = 20
    p: float = 0.05
    lambda_plus: float = 0.005
    lambda_minus: float = 0.005
    r: float = 0.001

    def __post_init__(self):
        problems = []
        if not (self.n >= 2):
            problems.append(f"n >= 2 (got n={self.n!r})")
        if not (0 < self.p <= 1):
            problems.append(f"0 < p <= 1 (got p={self.p!r})")
        if not (self.lambda_plus > 0):
            problems.append(f"lambda_plus > 0 (got lambda_plus={self.lambda_plus!r})")
        if not (self.lambda_minus >= self.lambda_plus):
            problems.append(
                f"lambda_minus >= lambda_plus (got lambda_minus={self.lambda_minus!r}, "
                f"lambda_plus={self.lambda_plus!r})"
            )
        if not (self.r > 0):
            problems.append(f"r > 0 (got r={self.r!r})")
        if problems:
            raise ValueError("Invalid cluster parameters: need " + "; ".join(problems) + ".")

    @property
    def e(self):
        """Constant part of b(x)."""
        n, p, lp, lm, r = self.n, self.p, self.lambda_plus, self.lambda_minus, self.r
        return lp * p + r * p - lm * n - r - lp * p * n - n * p * r

    @property
    def d(self):
        """Constant term ``n lambda_plus`` of the quadratic."""
        return self.n * self.lambda_plus

    @property
    def zeta0(self):
        """zeta(0), the value of the bias column fed to every layer."""
        return float(zeta(np.zeros(1), self)[0])

    def _constants(self):
        return (float(self.p * (self.n - 1)), float(self.lambda_minus), float(self.e),
                float(self.n), float(self.d))


DEFAULT_CLUSTER = ClusterParams()


def zeta(x, params=DEFAULT_CLUSTER, *, clamp=False, out=None):
    """Cluster activation zeta(x), element-wise.

    Parameters
    ----------
    x : array_like of float32 or float64, any shape
        Inhibitory input (pre-activation), ``>= 0``.
    params : ClusterParams
    clamp : bool, default=False
        If True, negative inputs are treated as 0; if False they raise
        ValueError (the root has no meaning below ``-lambda_minus``).
    out : ndarray, optional
        Array of x's shape and float dtype to write into (may be ``x``
        itself for an in-place update).

    Returns
    -------
    ndarray of x's shape, float32 for float32 input and float64 otherwise.
    """
    x, out = _prepare(x, out)
    n_negative = _run(_zeta_kernel, x.reshape(-1), out.reshape(-1), np.empty(0, out.dtype),
                      *params._constants(), clamp)
    _check_negative(n_negative, clamp)
    return out


def zeta_and_derivative(x, params=DEFAULT_CLUSTER, *, clamp=False):
    """zeta(x) and zeta'(x) computed in one pass.

    Parameters
    ----------
    x : array_like of float32 or float64, any shape, ``>= 0``
    params : ClusterParams
    clamp : bool, default=False
        See :func:`zeta`.  With clamping the derivative is that at 0.

    Returns
    -------
    z, dz : ndarrays of x's shape and float dtype
    """
    x, out = _prepare(x, None)
    dz = np.empty_like(out)
    n_negative = _run(_zeta_kernel, x.reshape(-1), out.reshape(-1), dz.reshape(-1),
                      *params._constants(), clamp)
    _check_negative(n_negative, clamp)
    return out, dz


def _prepare(x, out):
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)
    x = np.ascontiguousarray(x)
    if out is None:
        out = np.empty_like(x)
    elif out.shape != x.shape or out.dtype != x.dtype or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-contiguous {x.dtype} array of shape {x.shape}, "
            f"got {out.dtype} {out.shape}"
        )
    return x, out


def _run(kernel, x, *args):
    """``kernel(x, *args)``, on one thread when ``x`` has fewer than PARALLEL_SIZE elements."""
    if x.size >= PARALLEL_SIZE:
        return kernel(x, *args)
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return kernel(x, *args)
    finally:
        numba.set_num_threads(previous)


def _check_negative(n_negative, clamp):
    if n_negative and not clamp:
        raise ValueError(
            f"zeta is defined for inputs >= 0, got {n_negative} negative value(s); "
            "scale the data with rnnkit.NonNegativeScaler or pass clamp=True."
        )


@njit(cache=True, parallel=True)
def _zeta_kernel(x, z, dz, p_n1, lambda_minus, e, n, d, clamp):
    """Write zeta(x) into z and, if dz is not empty, zeta'(x) into dz.

    x, z, dz are 1-D; z may alias x.  Arithmetic is float64 whatever the
    storage dtype.  Returns the number of negative inputs seen.
    """
    with_derivative = dz.size > 0
    n_negative = 0
    for i in prange(x.size):
        xi = np.float64(x[i])
        if xi < 0.0:
            n_negative += 1
            if clamp:
                xi = 0.0
        a = p_n1 * (lambda_minus + xi)
        b = e - n * xi
        root = sqrt(max(b * b - 4.0 * a * d, 0.0))
        zi = 2.0 * d / (root - b)
        z[i] = zi
        if with_derivative:
            dz[i] = zi * (p_n1 * zi - n) / root
    return n_negative
