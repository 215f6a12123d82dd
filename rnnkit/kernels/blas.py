"""Matrix products inside Numba kernels on NumPy's own BLAS.

``np.dot`` in a Numba kernel calls SciPy's BLAS through its Fortran
interface; the small per-step products of a recurrent layer (a few dozen
rows) run up to twice as fast on the BLAS NumPy links (OpenBLAS 0.3.31 in
NumPy's wheels, against 0.3.30 in SciPy's), called through CBLAS without
argument copies.  :func:`gemm` calls that library's ``cblas_?gemm`` when
NumPy is built on a 64-bit-integer CBLAS (NumPy's wheels are), through a
symbol registered with LLVM at import, so kernels that call it stay
cacheable; otherwise the same symbol runs ``np.dot`` (SciPy's BLAS).
"""
import ctypes

import llvmlite.binding as llvm
import numpy as np
from numba import carray, cfunc, njit, types
from numba.extending import intrinsic

__all__ = ["gemm", "HAVE_NUMPY_CBLAS"]

#: CBLAS constants.
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
#: ILP64 CBLAS entry points, as NumPy's wheels (and older ones) name them.
_SYMBOLS = {"s": ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            "d": ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}


def _signature(real):
    i32, i64 = types.int32, types.int64
    return types.void(i32, i32, i32, i64, i64, i64, real, types.intp, i64,
                      types.intp, i64, real, types.intp, i64)


_SGEMM = types.ExternalFunction("rnnkit_cblas_sgemm", _signature(types.float32))
_DGEMM = types.ExternalFunction("rnnkit_cblas_dgemm", _signature(types.float64))


@njit(cache=True, nogil=True)
def gemm(a, b, out, trans_a=False, trans_b=False, accumulate=False):
    """``out = op(a) @ op(b)`` (``+=`` with ``accumulate``), ``op(x)`` being
    ``x.T`` where asked.

    Parameters
    ----------
    a, b : ndarray, 2-D, C-contiguous, float32 or float64 (one dtype)
    out : ndarray, 2-D, C-contiguous, same dtype
        Overwritten (or added to); must not overlap ``a`` or ``b``.
    trans_a, trans_b, accumulate : bool
    """
    if not (a.flags.c_contiguous and b.flags.c_contiguous
            and out.flags.c_contiguous):
        raise ValueError("gemm needs C-contiguous arrays")
    m, k = (a.shape[1], a.shape[0]) if trans_a else (a.shape[0], a.shape[1])
    n = b.shape[0] if trans_b else b.shape[1]
    if m == 0 or n == 0:
        return
    ta = _TRANS if trans_a else _NO_TRANS
    tb = _TRANS if trans_b else _NO_TRANS
    lda, ldb, ldc = max(1, a.shape[1]), max(1, b.shape[1]), out.shape[1]
    beta = 1.0 if accumulate else 0.0
    if out.itemsize == 4:  # float32
        _SGEMM(_ROW_MAJOR, ta, tb, m, n, k, np.float32(1.0), a.ctypes.data,
               lda, b.ctypes.data, ldb, np.float32(beta), out.ctypes.data, ldc)
    else:
        _DGEMM(_ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes.data, lda,
               b.ctypes.data, ldb, beta, out.ctypes.data, ldc)


# ------------------------------------------------------------- helpers
@intrinsic
def _pointer(typingctx, address, dtype):
    """The integer ``address`` as a pointer to ``dtype`` values."""
    target = types.CPointer(dtype.instance_type)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(target))
    return target(address, dtype), codegen


def _fallback(real, np_real):
    """A ``cblas_?gemm`` (row-major, alpha = 1, beta 0 or 1) written with ``np.dot``."""
    @cfunc(_signature(real), nopython=True)
    def fallback(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        rows_a = k if ta == _TRANS else m
        rows_b = n if tb == _TRANS else k
        A = carray(_pointer(a, np_real), (rows_a, lda))
        B = carray(_pointer(b, np_real), (rows_b, ldb))
        C = carray(_pointer(c, np_real), (m, ldc))
        A = A[:, :m].T if ta == _TRANS else A[:, :k]
        B = B[:, :k].T if tb == _TRANS else B[:, :n]
        product = np.dot(np.ascontiguousarray(A), np.ascontiguousarray(B))
        if beta == 0:
            C[:, :n] = product
        else:
            C[:, :n] += product
    return fallback


def _numpy_cblas(kind):
    """Address of the ILP64 ``cblas_?gemm`` NumPy links, or None."""
    try:
        from numpy._core import _multiarray_umath
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath
    lib = ctypes.CDLL(_multiarray_umath.__file__)  # searches its dependencies
    for name in _SYMBOLS[kind]:
        try:
            return ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
        except AttributeError:
            continue
    return None


#: Fallback functions in use (their machine code must stay alive).
_KEEP = []


def _register():
    found = True
    for kind, real, np_real in (("s", types.float32, np.float32),
                                ("d", types.float64, np.float64)):
        address = _numpy_cblas(kind)
        if address is None:
            found = False
            _KEEP.append(_fallback(real, np_real))
            address = _KEEP[-1].address
        llvm.add_symbol(f"rnnkit_cblas_{kind}gemm", address)
    return found


#: Whether :func:`gemm` runs on NumPy's CBLAS (else on ``np.dot``).
HAVE_NUMPY_CBLAS = _register()
