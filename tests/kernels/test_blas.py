"""rnnkit.kernels.blas: products on NumPy's CBLAS and on the np.dot fallback."""
import ctypes

import numpy as np
import pytest
from numba import types

from rnnkit.kernels import blas

SHAPES = [(3, 5, 7), (1, 1, 1), (20, 64, 256), (9, 130, 3)]


def _operands(m, k, n, trans_a, trans_b, dtype, rng):
    a = rng.randn(*((k, m) if trans_a else (m, k))).astype(dtype)
    b = rng.randn(*((n, k) if trans_b else (k, n))).astype(dtype)
    ref = (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b)
    return a, b, ref


@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_matches_numpy(dtype, trans_a, trans_b):
    rng = np.random.RandomState(0)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for m, k, n in SHAPES:
        a, b, ref = _operands(m, k, n, trans_a, trans_b, dtype, rng)
        out = np.full((m, n), np.nan, dtype=dtype)
        blas.gemm(a, b, out, trans_a, trans_b)
        np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * k)
        start = rng.randn(m, n).astype(dtype)
        out = start.copy()
        blas.gemm(a, b, out, trans_a, trans_b, True)  # accumulate
        np.testing.assert_allclose(out, ref + start, rtol=tol, atol=tol * k)


def test_gemm_rejects_strided_views():
    a = np.ones((4, 6))
    with pytest.raises(ValueError, match="C-contiguous"):
        blas.gemm(a[:, ::2], np.ones((3, 2)), np.empty((4, 2)))


def test_numpy_cblas_found():
    # NumPy's wheels link a 64-bit-integer OpenBLAS with CBLAS symbols
    assert blas.HAVE_NUMPY_CBLAS


@pytest.mark.parametrize("beta", [0.0, 1.0])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("trans_a", [False, True])
def test_fallback_matches_numpy(trans_a, trans_b, beta):
    # the np.dot stand-in registered when NumPy's CBLAS is not found
    f = blas._fallback(types.float64, np.float64)
    i32, i64, real, ptr = (ctypes.c_int32, ctypes.c_int64, ctypes.c_double,
                           ctypes.c_void_p)
    call = ctypes.CFUNCTYPE(None, i32, i32, i32, i64, i64, i64, real, ptr, i64,
                            ptr, i64, real, ptr, i64)(f.address)
    m, k, n = 4, 6, 5
    a, b, ref = _operands(m, k, n, trans_a, trans_b, np.float64,
                          np.random.RandomState(1))
    out = np.full((m, n + 2), np.nan)  # leading dimension past n
    start = np.arange(m * n, dtype=float).reshape(m, n)
    out[:, :n] = start
    call(blas._ROW_MAJOR, blas._TRANS if trans_a else blas._NO_TRANS,
         blas._TRANS if trans_b else blas._NO_TRANS, m, n, k, 1.0,
         a.ctypes.data, a.shape[1], b.ctypes.data, b.shape[1], beta,
         out.ctypes.data, out.shape[1])
    np.testing.assert_allclose(out[:, :n], ref + beta * start, rtol=1e-12)
    assert np.isnan(out[:, n:]).all()
