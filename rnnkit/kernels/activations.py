"""Vectorizable logistic and tanh for the recurrent cell kernels.

:func:`sigmoid_fast` and :func:`tanh_fast` are scalar functions that Numba
kernels call per element (they dispatch on the argument's float type at
compile time, so a float32 kernel stays in float32); they are callable
from Python too.  They replace libm ``exp``/``tanh``, which LLVM does not
vectorize.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

__all__ = ["sigmoid_fast", "tanh_fast"]


@njit(cache=True, error_model="numpy")
def _sigmoid_f64(x):
    # exp(-x) = p(-x / 256) ** 256, p the degree-10 Taylor polynomial of exp
    r = -x
    r = r if r > -40.0 else -40.0
    r = r if r < 40.0 else 40.0
    r = r * 0.00390625
    p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (
        1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (
            1.0 / 40320.0 + r * (1.0 / 362880.0 + r * (1.0 / 3628800.0))))))))))
    for _ in range(8):
        p = p * p
    return 1.0 / (1.0 + p)


_F32_TAYLOR = [np.float32(1.0 / math.factorial(k)) for k in range(9)]
_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7, _T8 = _F32_TAYLOR
_F32_CLAMP = np.float32(24.0)
_F32_SCALE = np.float32(1.0 / 32.0)
_F32_ONE = np.float32(1.0)


@njit(cache=True, error_model="numpy")
def _sigmoid_f32(x):
    # exp(-x) = p(-x / 32) ** 32, p the degree-8 Taylor polynomial, all in
    # float32 (twice the SIMD width of float64)
    r = -x
    r = r if r > -_F32_CLAMP else -_F32_CLAMP
    r = r if r < _F32_CLAMP else _F32_CLAMP
    r = r * _F32_SCALE
    p = _T0 + r * (_T1 + r * (_T2 + r * (_T3 + r * (_T4 + r * (_T5 + r * (
        _T6 + r * (_T7 + r * _T8)))))))
    for _ in range(5):
        p = p * p
    return _F32_ONE / (_F32_ONE + p)


@njit(cache=True, error_model="numpy")
def _tanh_f64(x):
    return 2.0 * _sigmoid_f64(2.0 * x) - 1.0


@njit(cache=True, error_model="numpy")
def _tanh_f32(x):
    s = _sigmoid_f32(x + x)
    return s + s - _F32_ONE


def sigmoid_fast(x):
    """Branch-free logistic function that LLVM can vectorize (SIMD).

    ``exp(-x)`` is a Taylor polynomial of ``exp(-x / 2**k)`` squared ``k``
    times, computed in the precision of ``x``:

    * float64: degree 10, ``k = 8``, ``x`` clamped to [-40, 40]; relative
      error below 1e-13 (tested), so float64 gradient checks are unaffected;
    * float32: degree 8, ``k = 5``, ``x`` clamped to [-24, 24]; relative
      error below 5e-6 (tested), at twice the SIMD width.

    Used inside the recurrent cell kernels (dispatched on the argument's
    type at compile time), where libm ``exp``/``tanh`` calls, which LLVM
    does not vectorize, dominated the run time.  Callable from Python too.
    """
    if isinstance(x, np.float32):
        return _sigmoid_f32(x)
    return _sigmoid_f64(x)


def tanh_fast(x):
    """``2 sigmoid_fast(2x) - 1``, vectorizable; absolute error below 1e-13
    in float64 and 1e-5 in float32 (tested)."""
    if isinstance(x, np.float32):
        return _tanh_f32(x)
    return _tanh_f64(x)


def _is_float32(x):
    return isinstance(x, types.Float) and x.bitwidth == 32


@overload(sigmoid_fast)
def _sigmoid_fast_impl(x):
    if _is_float32(x):
        return lambda x: _sigmoid_f32(x)
    return lambda x: _sigmoid_f64(x)


@overload(tanh_fast)
def _tanh_fast_impl(x):
    if _is_float32(x):
        return lambda x: _tanh_f32(x)
    return lambda x: _tanh_f64(x)
