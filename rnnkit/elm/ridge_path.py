"""Ridge solutions for every alpha from one tridiagonalization of the Gram sums.

With ``Phi = sum H'H`` (L, L) and ``Psi = sum H'Y`` (L, k), one Householder
reduction ``Phi = Q T Q'`` (LAPACK ``dsytrd``, T tridiagonal) serves every
ridge term alpha:

- ``beta(alpha) = Q (T + alpha I)^-1 Q' Psi``: a tridiagonal solve, O(L k),
  and two applications of the reflectors, O(L^2 k);
- the training residual ``RSS(alpha) = Y'Y - 2 tr(beta' Psi) + tr(beta' Phi
  beta) = tr(Y'Y) - tr(B' P) - alpha ||B||^2`` with ``P = Q' Psi`` and
  ``B = (T + alpha I)^-1 P``, since ``T B = P - alpha B``;
- the effective degrees of freedom ``df(alpha) = sum_j s_j / (s_j + alpha)``
  over the eigenvalues ``s_j`` of T (those of Phi), O(L^2) once;
- hence generalized cross-validation (Golub, Heath & Wahba 1979)
  ``GCV(alpha) = (RSS / n) / (1 - df / n)^2``, an estimate of the mean
  squared prediction error, for a whole grid of alphas from the sums alone.

The reduction costs ``4/3 L^3`` flops against ``1/3 L^3`` for a Cholesky
factorization, once for every alpha.  It overwrites only the strict lower
triangle and the diagonal of its workspace (the reflectors are kept there),
so the accumulator's upper triangle is untouched.
"""
import ctypes
import functools

import numpy as np
from numba.extending import get_cython_function_address
from scipy.linalg import lapack

__all__ = ["RidgePath", "gcv_scores", "NOISE_MARGIN"]

#: An alpha counts as resolved by the sums when it is at least this many times
#: the size of the most negative computed eigenvalue of Phi (rounding noise).
NOISE_MARGIN = 10.0


class RidgePath:
    """``Phi = Q T Q'`` held in a workspace; ridge solutions for any alpha.

    Parameters
    ----------
    work : ndarray of float64, shape (L, L), Fortran order
        Its lower triangle and diagonal hold ``Phi``; they are overwritten
        by the Householder reflectors and T's diagonal (the strict upper
        triangle is neither read nor written).  The path reads the
        reflectors from ``work`` until it is discarded, so ``work``'s lower
        triangle must not change meanwhile.
    psi : ndarray of shape (L, k)
        ``Psi = sum H'Y``.

    Attributes
    ----------
    eigenvalues : ndarray of shape (L,)
        Eigenvalues of ``Phi``, ascending (computed from T).
    projected : ndarray of shape (L, k)
        ``Q' Psi``.
    """

    def __init__(self, work, psi):
        n = work.shape[0]
        if work.dtype != np.float64 or not work.flags.f_contiguous or work.shape != (n, n):
            raise ValueError("work must be a square Fortran-ordered float64 array")
        lwork = int(lapack.dsytrd_lwork(n, lower=1)[0])
        out, d, e, tau, info = lapack.dsytrd(work, lower=1, lwork=max(lwork, 1), overwrite_a=1)
        if info != 0 or out is not work:  # pragma: no cover - LAPACK argument errors only
            raise RuntimeError(f"dsytrd failed in place (info={info})")
        self._work = work
        self._tau = tau
        self.diagonal = d
        self.offdiagonal = e
        values, info = lapack.dsterf(d.copy(), e.copy())
        if info != 0:  # pragma: no cover - dsterf converges for finite T
            raise np.linalg.LinAlgError(f"dsterf did not converge (info={info})")
        self.eigenvalues = values
        self.projected = apply_reflectors(work, tau, np.asarray(psi, dtype=np.float64),
                                          transpose=True)

    @property
    def n_features(self):
        return self.diagonal.shape[0]

    def min_alpha(self):
        """Smallest alpha whose ridge the float64 sums resolve.

        The accumulated Phi is positive semidefinite, so a negative computed
        eigenvalue is rounding noise, and so are eigenvalues of its size:
        an alpha that does not dominate them (by :data:`NOISE_MARGIN`) gives
        a solution, training residual and degrees of freedom made of noise.
        0 when every computed eigenvalue is positive.
        """
        return NOISE_MARGIN * max(-float(self.eigenvalues[0]), 0.0)

    def tridiagonal_coefficients(self, alpha):
        """``B = (T + alpha I)^-1 Q' Psi``, shape (L, k), or None if not positive definite."""
        _, _, B, info = lapack.dptsv(self.diagonal + alpha, self.offdiagonal.copy(),
                                     self.projected.copy())
        return B if info == 0 else None

    def solve(self, alpha):
        """Ridge solution at ``alpha``, or at the nearest alpha the sums resolve.

        Returns
        -------
        beta : ndarray of shape (L, k)
            ``(Phi + a I)^-1 Psi``.
        a : float
            ``alpha`` if ``Phi + alpha I`` is numerically positive definite;
            otherwise the first of :meth:`min_alpha` (or a tiny multiple of
            the largest eigenvalue if that is 0), doubled again and again,
            that makes it so.
        """
        B = self.tridiagonal_coefficients(alpha)
        used = alpha
        if B is None:
            scale = max(abs(float(self.eigenvalues[-1])), np.finfo(np.float64).tiny)
            used = max(alpha, self.min_alpha(), np.finfo(np.float64).eps ** 2 * scale)
            while (B := self.tridiagonal_coefficients(used)) is None:
                used *= 2.0
        return apply_reflectors(self._work, self._tau, B, transpose=False), used

    def residuals(self, alphas, sum_sq):
        """Training residual sums ``RSS(alpha)`` and ``df(alpha)`` for each alpha.

        Parameters
        ----------
        alphas : ndarray of shape (n_alphas,)
        sum_sq : float
            ``tr(Y'Y)``, the sum of squared targets.

        Returns
        -------
        rss, df : ndarray of shape (n_alphas,)
            NaN below :meth:`min_alpha` and where ``Phi + alpha I`` is not
            numerically positive definite.
        """
        # eigenvalues within the rounding noise count as the zeros they stand for
        noise = self.min_alpha() / NOISE_MARGIN
        s = np.where(self.eigenvalues > noise, self.eigenvalues, 0.0)
        rss = np.full(len(alphas), np.nan)
        df = np.full(len(alphas), np.nan)
        floor = self.min_alpha()
        for i, alpha in enumerate(alphas):
            usable = alpha > 0 and alpha >= floor
            B = self.tridiagonal_coefficients(alpha) if usable else None
            if B is None:
                continue
            rss[i] = sum_sq - np.sum(B * self.projected) - alpha * np.sum(B * B)
            df[i] = np.sum(s / (s + alpha))
        return rss, df


def gcv_scores(rss, df, n_samples, n_targets):
    """Generalized cross-validation estimate of the mean squared error per target entry.

    ``GCV = (RSS / n) / (1 - df / n)^2 / k``; NaN where it is undefined or
    made of rounding errors: less than one residual degree of freedom left
    (``df > n - 1``, a fit that interpolates the training rows, where both
    RSS and ``1 - df / n`` vanish), a negative residual, or a NaN input.
    """
    rss, df = np.asarray(rss, dtype=np.float64), np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        gcv = (rss / n_samples) / (1.0 - df / n_samples) ** 2 / n_targets
    gcv[~(df <= n_samples - 1) | ~(rss >= 0)] = np.nan
    return gcv


def apply_reflectors(work, tau, X, transpose):
    """``Q' X`` (``transpose=True``) or ``Q X``, Q from ``dsytrd(lower=1)`` (LAPACK ``dormtr``).

    Parameters
    ----------
    work : ndarray of shape (L, L), Fortran order
        ``dsytrd``'s output: reflector ``i`` is ``v = [0]*(i+1) + [1] +
        work[i+2:, i]`` and ``H_i = I - tau[i] v v'``; ``Q = H_0 H_1 ... H_{L-2}``.
    tau : ndarray of shape (L - 1,)
    X : ndarray of shape (L, k)

    Returns
    -------
    ndarray of shape (L, k), Fortran order, float64 (a new array)
    """
    out = np.array(X, dtype=np.float64, order="F", copy=True)
    m, n = out.shape
    if m == 0 or n == 0:
        return out
    trans = b"T" if transpose else b"N"
    tau = np.ascontiguousarray(tau, dtype=np.float64)
    info = ctypes.c_int(0)
    query = np.empty(1)
    for lwork, buffer in ((-1, query), (None, None)):
        if lwork is None:
            lwork = max(int(query[0]), 1)
            buffer = np.empty(lwork)
        _dormtr()(b"L", b"L", trans, _int(m), _int(n), _ptr(work), _int(work.shape[0]),
                  _ptr(tau), _ptr(out), _int(m), _ptr(buffer), _int(lwork), ctypes.byref(info))
        if info.value != 0:  # pragma: no cover - only for invalid arguments
            raise RuntimeError(f"dormtr failed with info={info.value}")
    return out


@functools.cache
def _dormtr():
    """LAPACK ``dormtr`` from SciPy's Cython LAPACK (SciPy's Python wrappers omit it)."""
    address = get_cython_function_address("scipy.linalg.cython_lapack", "dormtr")
    integer = ctypes.POINTER(ctypes.c_int)
    double = ctypes.POINTER(ctypes.c_double)
    text = ctypes.c_char_p
    prototype = ctypes.CFUNCTYPE(None, text, text, text, integer, integer, double, integer,
                                 double, double, integer, double, integer, integer)
    return prototype(address)


def _int(value):
    return ctypes.byref(ctypes.c_int(value))


def _ptr(array):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
