"""Closed-form ELM readout from streamed Gram sums, with the ridge chosen from them.

Over row chunks ``H_b`` (n_b, L) with targets ``Y_b`` (n_b, k) the readout
needs only ``Phi = sum_b H_b' H_b`` (L, L) and ``Psi = sum_b H_b' Y_b`` (L, k),
accumulated in float64, so the full hidden matrix never exists.  With the
sum of squared targets and the row count also kept, the ridge term can be
chosen from the same sums (:mod:`rnnkit.elm.ridge_path`): by generalized
cross-validation from one tridiagonalization of Phi, or by K-fold
cross-validation from per-fold sums.

Thread safety: solving is lazy and cached, and several threads may ask for
the readout at once (``predict`` right after ``partial_fit``).  Every solve
and every update holds the accumulator's lock, and a solve writes only to
the strict lower triangle of ``phi`` and, temporarily, its diagonal (restored
on every exit, normal or not): the accumulated sums (upper triangle,
diagonal, ``psi``) are never modified by a solve.
"""
import threading
import time
import warnings
from typing import NamedTuple, Optional

import numpy as np
from numba import njit
from scipy.linalg import blas, eigh, lapack

from ._threads import factorization_seconds, factorization_threads
from .ridge_path import RidgePath, gcv_scores

SOLVERS = ("cholesky", "pinv")

#: Default grid of ridge terms for ``alpha="auto"``, relative to the mean
#: diagonal entry ``trace(Phi) / L`` of the accumulated sums (so it follows
#: the number of rows and the scale of the hidden layer): 10^-15 ... 10^-1,
#: four points per decade.
RELATIVE_ALPHAS = np.logspace(-15, -1, 57)
#: K-fold cross-validation scores every KFOLD_STEP-th default candidate (one
#: per decade): each costs two applications of a fold's reflectors and a
#: product with its sums, O(L^2 k), per fold.
KFOLD_STEP = 4


class Readout(NamedTuple):
    """A solved readout.

    Attributes
    ----------
    coef : ndarray of shape (L, k)
    alpha : float
        Ridge term used (0 for the pseudo-inverse).
    cv_results : dict of ndarray or None
        The criterion over the candidate alphas when the ridge was chosen.
    """

    coef: np.ndarray
    alpha: float
    cv_results: Optional[dict]


class GramAccumulator:
    """Running sums ``Phi = sum H'H`` (upper triangle), ``Psi = sum H'Y``, ``sum Y**2``.

    Parameters
    ----------
    n_hidden : int
        Width L of the hidden layer.
    n_targets : int
        Number k of output columns.
    precision : {"float64", "mixed"}, default="float64"
        ``"float64"`` forms every chunk's ``H'H`` in float64.  ``"mixed"``
        forms it in float32 (``ssyrk``, about twice as fast) and adds it to
        the float64 sums, so rounding never accumulates across chunks; it
        costs accuracy when ``alpha`` is tiny.
    n_folds : int or None, default=None
        Keep per-fold sums ``Phi_f``, ``Psi_f``, ``sum Y_f**2`` for K-fold
        cross-validation of the ridge term (``n_folds`` more L x L arrays;
        ``phi`` and ``psi`` are then formed from them when solving).  Row
        ``i`` (counted over all calls to :meth:`add`) belongs to fold
        :func:`fold_of` ``(i, n_folds)``, so the folds do not depend on how
        the rows are chunked.

    Attributes
    ----------
    phi : ndarray of float64, shape (L, L), Fortran order
        Upper triangle and diagonal hold ``sum H'H``; the strict lower
        triangle is the solvers' workspace.
    psi : ndarray of float64, shape (L, k)
    sum_sq : float
        ``sum Y**2`` over every row and target.
    n_samples : int
        Rows accumulated so far.
    """

    def __init__(self, n_hidden, n_targets, precision="float64", n_folds=None):
        if precision not in ("float64", "mixed"):
            raise ValueError(f"precision must be 'float64' or 'mixed', got {precision!r}")
        if n_folds is not None and (int(n_folds) != n_folds or n_folds < 2):
            raise ValueError(f"n_folds must be an integer >= 2 or None, got {n_folds!r}")
        self.phi = np.zeros((n_hidden, n_hidden), dtype=np.float64, order="F")
        self.psi = np.zeros((n_hidden, n_targets), dtype=np.float64)
        self.sum_sq = 0.0
        self.n_samples = 0
        self.precision = precision
        self.n_folds = None if n_folds is None else int(n_folds)
        self.folds = None if n_folds is None else [
            GramAccumulator(n_hidden, n_targets, precision) for _ in range(self.n_folds)]
        self._stale = False  # phi, psi lag behind the folds' sums
        self._scratch = None
        self._lock = threading.RLock()
        self._readout = None  # (request, Readout) for the current sums
        self._path = None  # RidgePath held in phi's lower triangle, or None

    # -- accumulation --------------------------------------------------------

    def add(self, H, Y, first_row=None):
        """Add a chunk: ``H`` (n_b, L) float32/float64, ``Y`` (n_b, k).

        ``first_row``: index of the chunk's first row in the whole training
        stream, which sets its rows' folds; None: ``n_samples`` (the rows
        follow those added so far).  Chunks added out of order (separate
        accumulators of parts of a stream, joined by :meth:`merge`) pass it.
        """
        with self._lock:
            self._readout = None
            self._path = None
            Y64 = np.asarray(Y, dtype=np.float64)
            if self.folds is not None:  # phi is formed from the folds' sums when solving
                first = self.n_samples if first_row is None else first_row
                fold = fold_of(np.arange(first, first + H.shape[0]), self.n_folds)
                for f, part in enumerate(self.folds):
                    rows = np.flatnonzero(fold == f)
                    if rows.size:
                        part.add(H[rows], Y64[rows])
                self._stale = True
            elif self.precision == "mixed":
                self._add_mixed(H, Y64)
            else:
                H64 = np.ascontiguousarray(H, dtype=np.float64)
                # H64.T is Fortran-contiguous, so dsyrk reads it without a copy and
                # updates the upper triangle of phi in place: phi += H'H.
                self.phi = blas.dsyrk(1.0, H64.T, beta=1.0, c=self.phi, trans=0, lower=0,
                                      overwrite_c=1)
                self.psi += H64.T @ Y64
            self.sum_sq += float(np.sum(np.square(Y64)))
            self.n_samples += H.shape[0]

    def merge(self, other):
        """Add the sums of ``other``, an accumulator of other rows with the same shapes.

        The result equals adding ``other``'s chunks here, up to the rounding
        of the order of the float64 additions.  Returns self.
        """
        if other.phi.shape != self.phi.shape or other.psi.shape != self.psi.shape \
                or other.n_folds != self.n_folds:
            raise ValueError("merge needs accumulators of the same widths and folds.")
        with self._lock:
            self._readout = None
            self._path = None
            if self.folds is not None:
                for mine, theirs in zip(self.folds, other.folds):
                    mine.merge(theirs)
                self._stale = True
            else:
                _add_upper(self.phi, other.phi, False)
                self.psi += other.psi
            self.sum_sq += other.sum_sq
            self.n_samples += other.n_samples
        return self

    def _sync_folds(self):
        """With per-fold sums: ``phi``, ``psi`` := the sums over the folds."""
        if self.folds is None or not self._stale:
            return
        for f, part in enumerate(self.folds):
            _add_upper(self.phi, part.phi, f == 0)
        self.psi[...] = sum(part.psi for part in self.folds)
        self._stale = False

    def _add_mixed(self, H, Y):
        H32 = np.ascontiguousarray(H, dtype=np.float32)
        if self._scratch is None:
            self._scratch = np.zeros(self.phi.shape, dtype=np.float32, order="F")
        self._scratch = blas.ssyrk(1.0, H32.T, beta=0.0, c=self._scratch, trans=0, lower=0,
                                   overwrite_c=1)
        self.phi += np.triu(self._scratch)
        self.psi += H32.T @ Y.astype(np.float32)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_scratch"] = None  # workspace, not state
        state["_path"] = None  # refers to the workspace; rebuilt when needed
        del state["_lock"]
        # only the upper triangle holds data: pickle it packed, column by column
        state["phi"] = np.concatenate([self.phi[:j + 1, j] for j in range(self.phi.shape[0])])
        return state

    def __setstate__(self, state):
        packed = state["phi"]
        if packed.ndim == 1:  # packed by __getstate__
            n = int(round((np.sqrt(8 * packed.size + 1) - 1) / 2))
            phi = np.zeros((n, n), dtype=np.float64, order="F")
            for j in range(n):
                phi[:j + 1, j] = packed[j * (j + 1) // 2:(j + 1) * (j + 2) // 2]
            state["phi"] = phi
        state.setdefault("sum_sq", 0.0)
        state.setdefault("n_folds", None)
        state.setdefault("folds", None)
        state.setdefault("_readout", None)
        state.setdefault("_path", None)
        state.setdefault("_stale", False)
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- solving -------------------------------------------------------------

    def readout(self, alpha, solver="cholesky", alphas=None, cv=None, log=None):
        """The readout for these settings, solved once and cached until the next :meth:`add`.

        Parameters
        ----------
        alpha : float or "auto"
            Ridge term added to the diagonal of Phi, or ``"auto"`` to choose
            it among ``alphas`` by the criterion ``cv``.
        solver : {"cholesky", "pinv"}
            ``"cholesky"``: ridge solve (for a float alpha by Cholesky
            factorization, or in the basis of an existing tridiagonalization;
            see :meth:`solve`).  ``"pinv"``: the unregularized minimum-norm
            solution ``pinv(Phi) Psi`` (``alpha``, ``alphas`` and ``cv`` are
            ignored).
        alphas : array-like of shape (n_alphas,) or None
            Positive candidate ridge terms; None for :data:`RELATIVE_ALPHAS`
            times ``trace(Phi) / L`` (every :data:`KFOLD_STEP`-th of them
            with K folds).
        cv : int or None
            None: generalized cross-validation from one tridiagonalization
            of Phi.  An int K: K-fold cross-validation from the per-fold sums
            (the accumulator must have been created with ``n_folds=K``).
        log : callable, optional
            Called with a progress message when a solve actually runs.

        Returns
        -------
        Readout
        """
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        if solver == "pinv":
            request = ("pinv",)
        elif isinstance(alpha, str):
            if alpha != "auto":
                raise ValueError(f"alpha must be a float >= 0 or 'auto', got {alpha!r}")
            alphas = None if alphas is None else check_alphas(alphas)
            request = ("auto", None if alphas is None else tuple(alphas), cv)
        else:
            request = ("fixed", float(alpha))
        with self._lock:
            if self._readout is None or self._readout[0] != request:
                if request[0] == "auto":
                    self._check_cv(cv)
                t0 = time.perf_counter()
                self._readout = (request, self._solve(request))
                if log is not None:
                    log(f"solved readout in {time.perf_counter() - t0:.1f} s (alpha "
                        f"{self._readout[1].alpha:.3g})")
            return self._readout[1]

    def solve(self, alpha, solver="cholesky"):
        """Output weights ``beta`` (L, k) for a fixed ``alpha`` (not cached).

        Parameters
        ----------
        alpha : float
            Ridge term: ``beta = (Phi + alpha I)^-1 Psi`` for
            ``solver="cholesky"``.
        solver : {"cholesky", "pinv"}
            ``"cholesky"`` solves in the basis of the tridiagonalization if
            one is held (from choosing alpha or an earlier fallback), and
            otherwise factorizes ``Phi + alpha I`` by Cholesky in the
            workspace; if that matrix is not numerically positive definite
            it tridiagonalizes Phi (about four times the work of a Cholesky
            factorization) and solves there, with a warning, at the
            smallest larger alpha the sums resolve.  ``"pinv"`` returns the
            minimum-norm least-squares solution ``pinv(H) Y = pinv(Phi)
            Psi`` of the reference code (``alpha`` is ignored).
        """
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        with self._lock:
            request = ("pinv",) if solver == "pinv" else ("fixed", float(alpha))
            return self._solve(request).coef

    def _solve(self, request):
        # threaded factorizations only where they pay (rnnkit.elm._threads)
        with factorization_threads(self._factorization_seconds(request)):
            return self._solve_unguarded(request)

    def _factorization_seconds(self, request):
        """Rough one-thread time of the factorizations ``request`` needs."""
        order = self.phi.shape[0]
        if request[0] == "fixed":  # a Cholesky, unless the tridiagonalization is held
            return 0.0 if self._path is not None else factorization_seconds(order, "cholesky")
        if request[0] == "pinv":  # an eigendecomposition: at least a tridiagonalization
            return factorization_seconds(order, "tridiagonal")
        cv = request[2]  # GCV: one tridiagonalization (unless held); k-fold: one per fold
        if cv is None:
            return 0.0 if self._path is not None else factorization_seconds(order, "tridiagonal")
        return factorization_seconds(order, "tridiagonal", cv)

    def _solve_unguarded(self, request):
        self._sync_folds()
        kind = request[0]
        if kind == "pinv":
            return Readout(_pinv_solve(self.phi, self.psi), 0.0, None)
        if kind == "fixed":
            return self._solve_fixed(request[1])
        _, alphas, cv = request
        if cv is None:
            return self._gcv_readout(alphas)
        return self._kfold_readout(alphas)

    def _solve_fixed(self, alpha):
        if self._path is None:
            beta, info = self._cholesky(alpha)
            if info == 0:
                return Readout(beta, alpha, None)
            warnings.warn(
                f"Phi + alpha*I (alpha={alpha:g}) is not positive definite (leading minor "
                f"{info} of {self.phi.shape[0]}); solving through a tridiagonalization of "
                "Phi instead.", RuntimeWarning, stacklevel=4)
        beta, used = self._ridge_path().solve(alpha)
        if used != alpha:
            warnings.warn(
                f"alpha={alpha:g} is below the rounding noise of the accumulated Phi (its "
                f"smallest computed eigenvalue is {self._path.eigenvalues[0]:.3g}); solved "
                f"with alpha={used:.3g}, the smallest larger value it resolves.",
                RuntimeWarning, stacklevel=4)
        return Readout(beta, used, None)

    def _cholesky(self, alpha):
        """Cholesky solve in the strict lower triangle; ``(beta, 0)`` or ``(None, info)``."""
        self._path = None  # its reflectors are about to be overwritten
        diagonal = np.diag(self.phi).copy()
        try:
            _mirror_upper_to_lower(self.phi)
            self.phi[np.diag_indices_from(self.phi)] += alpha
            factor, info = lapack.dpotrf(self.phi, lower=1, clean=0, overwrite_a=1)
            if info != 0:
                return None, info
            beta, info = lapack.dpotrs(factor, self.psi, lower=1)
            if info != 0:  # pragma: no cover - only for invalid arguments
                raise np.linalg.LinAlgError(f"dpotrs failed with info={info}")
            return beta, 0
        finally:
            self.phi[np.diag_indices_from(self.phi)] = diagonal

    def _ridge_path(self):
        """The tridiagonalization of Phi, built in the workspace on first use."""
        if self._path is None:
            diagonal = np.diag(self.phi).copy()
            try:
                _mirror_upper_to_lower(self.phi)
                self._path = RidgePath(self.phi, self.psi)
            finally:
                self.phi[np.diag_indices_from(self.phi)] = diagonal
        return self._path

    def _grid(self, alphas, step=1):
        """The candidates: ``alphas``, or every ``step``-th default value."""
        if alphas is not None:
            return np.asarray(alphas, dtype=np.float64)
        scale = np.trace(self.phi) / max(self.phi.shape[0], 1)
        return RELATIVE_ALPHAS[::step] * (scale if scale > 0 else 1.0)

    def _gcv_readout(self, alphas):
        grid = self._grid(alphas)
        path = self._ridge_path()
        rss, df = path.residuals(grid, self.sum_sq)
        n_targets = self.psi.shape[1]
        score = -gcv_scores(rss, df, self.n_samples, n_targets)
        results = {
            "param_alpha": grid,
            "mean_test_score": score,
            "rank_test_score": _rank(score),
            "effective_dof": df,
            "mean_train_score": -rss / max(self.n_samples * n_targets, 1),
        }
        alpha = self._best(grid, score)
        beta, used = path.solve(alpha)
        return Readout(beta, used, results)

    def _kfold_readout(self, alphas):
        grid = self._grid(alphas, step=KFOLD_STEP)
        scores = np.full((self.n_folds, grid.size), np.nan)
        for f, part in enumerate(self.folds):
            scores[f] = part._validation_scores(self, grid)
        mean, std = scores.mean(axis=0), scores.std(axis=0)  # NaN unless every fold scored
        results = {"param_alpha": grid,
                   **{f"split{f}_test_score": scores[f] for f in range(self.n_folds)},
                   "mean_test_score": mean, "std_test_score": std,
                   "rank_test_score": _rank(mean)}
        alpha = self._best(grid, mean)
        readout = self._solve_fixed(alpha)
        return Readout(readout.coef, readout.alpha, results)

    def _validation_scores(self, total, grid):
        """Minus the mean squared error on this fold of the ridge fitted on the others.

        Builds ``Phi_total - Phi_fold`` in this fold's workspace (its lower
        triangle), tridiagonalizes it, and evaluates ``sum ||Y_f - H_f
        beta||^2 = sum Y_f**2 - 2 tr(beta' Psi_f) + tr(beta' Phi_f beta)``
        for each alpha from the fold's own sums.
        """
        scores = np.full(grid.size, np.nan)
        if self.n_samples == 0:
            return scores
        diagonal = np.diag(self.phi).copy()
        full_diagonal = np.diag(total.phi)
        try:
            _mirror_difference_to_lower(total.phi, self.phi)
            self.phi[np.diag_indices_from(self.phi)] = full_diagonal - diagonal
            path = RidgePath(self.phi, total.psi - self.psi)
            self.phi[np.diag_indices_from(self.phi)] = diagonal
            n_entries = self.n_samples * self.psi.shape[1]
            floor = path.min_alpha()
            for i, alpha in enumerate(grid):
                if not alpha >= max(floor, np.finfo(np.float64).tiny):
                    continue
                beta, used = path.solve(alpha)
                if used != alpha:  # not positive definite
                    continue
                # phi's upper triangle and (restored) diagonal are Phi_fold
                quadratic = np.sum(beta * blas.dsymm(1.0, self.phi, beta, side=0, lower=0))
                error = self.sum_sq - 2.0 * np.sum(beta * self.psi) + quadratic
                scores[i] = -error / n_entries
        finally:
            self.phi[np.diag_indices_from(self.phi)] = diagonal
        return scores

    def _check_cv(self, cv):
        if cv is None:
            return
        if self.n_folds != cv:
            have = ("no per-fold sums" if self.n_folds is None
                    else f"sums for {self.n_folds} folds")
            raise ValueError(
                f"cv={cv!r} needs per-fold sums for {cv} folds, but the model was fitted "
                f"with {have}. Fit again with this cv.")

    @staticmethod
    def _best(grid, score):
        if np.isnan(score).all():
            warnings.warn("No candidate alpha has a finite cross-validation score (too few "
                          "rows for the hidden width?); using the largest.",
                          RuntimeWarning, stacklevel=5)
            return float(grid.max())
        return float(grid[np.nanargmax(score)])


def check_alphas(alphas):
    """``alphas`` as a 1-D float64 array of positive finite values, or ValueError."""
    try:
        grid = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be an array of positive floats, got {alphas!r}")
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"alphas must be a non-empty 1-D array of positive finite floats, "
                         f"got {alphas!r}")
    return grid


def fold_of(rows, n_folds, seed=0):
    """Fold of each global row index: a splitmix64 hash of ``rows + seed``, modulo ``n_folds``.

    Parameters
    ----------
    rows : ndarray of int, shape (n,)
    n_folds : int
    seed : int

    Returns
    -------
    ndarray of intp, shape (n,), values in ``[0, n_folds)``
    """
    golden = np.uint64(0x9E3779B97F4A7C15)
    z = np.asarray(rows).astype(np.uint64) + np.uint64(seed) * golden + golden
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z % np.uint64(n_folds)).astype(np.intp)


def _rank(score):
    """Rank 1 for the highest score; NaN scores rank last."""
    order = np.argsort(np.where(np.isnan(score), -np.inf, score), kind="stable")[::-1]
    rank = np.empty(score.size, dtype=np.int32)
    rank[order] = np.arange(1, score.size + 1)
    return rank


def _full_symmetric(phi):
    full = np.array(phi, order="F")
    _mirror_upper_to_lower(full)
    return full


def _eigh_solve(phi, psi, alpha):
    """Ridge solve through eigh, dropping directions with eigenvalue <= 0."""
    values, vectors = eigh(_full_symmetric(phi), overwrite_a=True, check_finite=False)
    values = values + alpha
    cutoff = max(values[-1], 0.0) * phi.shape[0] * np.finfo(np.float64).eps
    inverse = np.where(values > cutoff, 1.0 / np.where(values > cutoff, values, 1.0), 0.0)
    return vectors @ (inverse[:, None] * (vectors.T @ psi))


def _pinv_solve(phi, psi):
    return _eigh_solve(phi, psi, 0.0)


def _mirror_upper_to_lower(a):
    """Copy the strict upper triangle of the square array ``a`` into its lower one."""
    _lower_from_upper(a, a, False)


def _mirror_difference_to_lower(total, part):
    """``part``'s strict lower triangle := strict upper of ``total - part``, transposed."""
    _lower_from_upper(part, total, True)


@njit(cache=True)
def _lower_from_upper(dst, src, subtract):
    """``dst[j, i] = src[i, j] - (dst[i, j] if subtract else 0)`` for ``i < j``, in blocks."""
    n = dst.shape[0]
    block = 64
    for i0 in range(0, n, block):
        for j0 in range(i0, n, block):
            for i in range(i0, min(i0 + block, n)):
                for j in range(max(j0, i + 1), min(j0 + block, n)):
                    dst[j, i] = src[i, j] - dst[i, j] if subtract else src[i, j]


@njit(cache=True)
def _add_upper(dst, src, overwrite):
    """Upper triangle and diagonal of ``dst`` := (0 if ``overwrite`` else itself) + ``src``'s."""
    n = dst.shape[0]
    for j in range(n):
        for i in range(j + 1):
            dst[i, j] = src[i, j] if overwrite else dst[i, j] + src[i, j]
