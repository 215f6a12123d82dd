"""Recurrent cells over a batch of sequences: forward and hand-written BPTT.

Every cell is a layer with hidden width ``H`` and four parameter arrays::

    W : (n_in, G)   input weights      (applied outside the kernel, one GEMM)
    b : (G,)        input bias         (empty for cells without one)
    U : (H, Gu)     recurrent weights
    E : (k, H)      per-unit extra parameters (k may be 0)

The input projection ``Xp = X @ W + b`` for all time steps is one BLAS GEMM
done by the caller (:func:`layer_forward`); the kernels here run the
recurrence.  Arrays are **time-major** inside: ``Xp`` has shape
``(T, n, G)``, hidden states ``Hs`` shape ``(T + 1, n, H)`` with ``Hs[0] = 0``.

Variable lengths: ``lengths`` (int64, shape ``(n,)``) must be sorted in
non-increasing order.  At step ``t`` only the first ``n_t = #{i: lengths[i] >
t}`` rows are computed (contiguous slices, so the per-step GEMM shrinks);
the states of finished rows are carried over unchanged, so ``Hs[T]`` holds
every sequence's state at its last valid step, and gradients flow through
carried states unchanged.

Kernel signatures (all cells alike, registered in :data:`CELLS`)::

    forward(Xp, U, E, lengths, Hs, C)
    backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE)

``C`` is the cell's cache of shape ``(T, n, cache_width * H)`` written by
``forward``.  ``dHs`` (shape ``(T, n, H)``) is the loss gradient with
respect to the outputs ``Hs[1:]``; ``backward`` writes ``dXp`` (gradient
with respect to the pre-activations ``Xp``, zero at padded steps), ``dU``
and ``dE`` (overwritten, not accumulated).

Cell equations (``s`` = logistic, ``x~`` = input projection slices,
``h`` = previous state):

* ``elman``: ``h' = tanh(x~ + h U)``.
* ``lstm`` (gates i, f, g, o): ``c' = f c + i g``, ``h' = o tanh(c')``, with
  ``f = s(x~_f + h U_f + 1)`` (forget-gate bias +1 added at run time).
* ``gru`` (z, r, n; PyTorch/cuDNN form, reset after the recurrent product):
  ``n = tanh(x~_n + r (h U_n + e))``, ``h' = (1 - z) n + z h``; ``E = [e]``.
* ``mgu`` (f, h~): ``f = s(x~_f + h U_f)``,
  ``h~ = tanh(x~_h + (f h) U_h)``, ``h' = (1 - f) h + f h~``.
* ``ugrnn`` (c, g): ``c = tanh(x~_c + h U_c)``, ``g = s(x~_g + h U_g)``,
  ``h' = g h + (1 - g) c``.
* ``delta`` (Delta-RNN, no input bias): ``d1 = h V``, ``d2 = x W``,
  ``z = tanh((a + 2) d1 d2 + (b1 + 1) d1 + (b2 + 1) d2 + bz)``,
  ``r = s(d2 + br)``, ``h' = tanh((1 - r) z + r h)``;
  ``E = [a, b1, b2, bz, br]`` stored centred at 0 (offsets at run time).

Layout.  The time loop is written once, for all cells whose gates come
from one product ``h U``: :func:`_forward_steps` and :func:`_backward_steps`
hold the active-row bookkeeping (:func:`_n_active`, :func:`_carry`, the
gradients of finished rows), the per-step product (:func:`_matmul`) and
its gradient, and the recurrent weight gradient (:func:`_rec_grad`, or
step by step).  A
cell is its gate equations for one row of one step, ``_<cell>_step``, and
their derivatives, ``_<cell>_step_grad`` (arguments in the drivers'
docstrings), bound to the drivers, with the cell's constants, by two
kernels of a few lines; a new cell is these four functions and an entry in
:data:`CELLS`.  The drivers and the step functions are ``inline="always"``:
Numba inlines them into each kernel, where the step is then a compile-time
constant, so the kernel is cached like any other and its loops are
optimized as a whole (a jitted function passed to a compiled driver would
be a run-time object, and the kernel could not be cached).  Inlined code
is compiled with the flags of the kernel it is inlined into.  ``mgu``
keeps loops of its own: its second product ``(f h) U_h`` needs the ``f``
gate of every row first, and its ``dU`` has two parts, ``h^T dA_f`` and
``(f h)^T dA_h``; it shares the helpers.

Kernels are ``@njit(cache=True, nogil=True)``, typed by their arrays
(float32 or float64, and all arithmetic stays in that precision; the gate
nonlinearities too, see :func:`~rnnkit.kernels.activations.sigmoid_fast`),
compiled with fused multiply-add contraction as the only fast-math flag.
Every gate of a step comes from one product ``h U`` (two for ``mgu``;
:func:`_matmul`: NumPy's BLAS through :func:`rnnkit.kernels.blas.gemm`, or
for a few rows a register-tiled Numba loop that avoids BLAS's fixed cost
per call); the input projection and its gradients are each one GEMM over
all steps, and so is the recurrent weight gradient for fewer than
:data:`STEP_GRAD_ROWS` rows (with more, each step adds its share while
its rows are in cache: 6-13 % faster backward passes at 128 rows, LSTM
and GRU, H = 20-128).  The kernels are
single-threaded: large batches are split into chunks of sequences that run
on threads of their own (:mod:`rnnkit.recurrent._network`).
"""
from collections import namedtuple

import numpy as np
from numba import njit

from .._scratch import Scratch
from .activations import sigmoid_fast as _sig
from .activations import tanh_fast as _tanh
from .blas import gemm
from .fpenv import flush_subnormals

__all__ = ["CELLS", "CellSpec", "layer_forward", "layer_backward",
           "cell_shapes"]

#: Flags of the kernels: fused multiply-add contraction is the only
#: fast-math flag.
_KERNEL = dict(cache=True, nogil=True, error_model="numpy",
               fastmath={"contract"})
#: Flags of the drivers and the step functions: Numba inlines them into
#: the kernels, whose flags then apply to them.
_INLINE = dict(_KERNEL, inline="always")


@njit(cache=True, nogil=True, error_model="numpy")
def _n_active(lengths, T):
    """n_active[t] = number of rows with lengths > t (lengths sorted desc)."""
    n = lengths.shape[0]
    out = np.empty(T, dtype=np.int64)
    k = n
    for t in range(T):
        while k > 0 and lengths[k - 1] <= t:
            k -= 1
        out[t] = k
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _carry(Hs, t, nt):
    """Copy states of finished rows from step t to t + 1."""
    n, H = Hs.shape[1], Hs.shape[2]
    for i in range(nt, n):
        for j in range(H):
            Hs[t + 1, i, j] = Hs[t, i, j]


#: Below this many rows a per-step product runs in :func:`_matmul_nt`;
#: BLAS has a fixed cost per call (argument checks, packing) that exceeds
#: the arithmetic of such small products.
SMALL_ROWS = 8
#: ... provided the inner dimension fills a few SIMD registers.
SMALL_MIN_INNER = 48


@njit(cache=True, nogil=True, error_model="numpy")
def _matmul(X, W, WT, out, nt):
    """``out[:nt] = X[:nt] @ W``; ``W`` and ``WT`` (``W.T``) C-contiguous,
    ``WT`` read only by the small-product path."""
    if nt < SMALL_ROWS and X.shape[1] >= SMALL_MIN_INNER:
        _matmul_nt(X, WT, out, nt)
    elif nt > 0:
        gemm(X[:nt], W, out[:nt])


@njit(cache=True, nogil=True, error_model="numpy")
def _small_operand(W, act):
    """``W.T`` as C-contiguous rows if some step of a forward pass with
    ``act`` rows will use :func:`_matmul_nt`; else an empty placeholder."""
    if W.shape[0] >= SMALL_MIN_INNER and act[-1] < SMALL_ROWS:
        return np.ascontiguousarray(W.T)
    return np.empty((0, W.shape[0]), dtype=W.dtype)


@njit(cache=True, nogil=True, error_model="numpy",
      fastmath={"contract", "reassoc"})
def _matmul_nt(A, B, out, n):
    """``out[i, j] = A[i] . B[j]`` for ``i < n``: dot products of rows.

    Tiles of 2 rows of ``A`` by 4 rows of ``B`` keep eight running sums in
    SIMD registers (``reassoc`` lets LLVM vectorize the sums over the inner
    index); ``B`` is walked in blocks of about 16 KB that stay in L1 cache
    while every row of ``A`` passes.
    """
    K, G = A.shape[1], B.shape[0]
    z = np.zeros(1, dtype=out.dtype)[0]
    JB = max(4, (16384 // (K * A.itemsize)) // 4 * 4)
    for jb in range(0, G, JB):
        je = min(jb + JB, G)
        j4 = jb + (je - jb) // 4 * 4
        for i in range(0, n - 1, 2):
            a0, a1, o0, o1 = A[i], A[i + 1], out[i], out[i + 1]
            for j in range(jb, j4, 4):
                b0, b1, b2, b3 = B[j], B[j + 1], B[j + 2], B[j + 3]
                s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = z
                for k in range(K):
                    x0, x1 = a0[k], a1[k]
                    y0, y1, y2, y3 = b0[k], b1[k], b2[k], b3[k]
                    s00 += x0 * y0
                    s01 += x0 * y1
                    s02 += x0 * y2
                    s03 += x0 * y3
                    s10 += x1 * y0
                    s11 += x1 * y1
                    s12 += x1 * y2
                    s13 += x1 * y3
                o0[j], o0[j + 1], o0[j + 2], o0[j + 3] = s00, s01, s02, s03
                o1[j], o1[j + 1], o1[j + 2], o1[j + 3] = s10, s11, s12, s13
            for j in range(j4, je):
                b0 = B[j]
                s00 = s10 = z
                for k in range(K):
                    s00 += a0[k] * b0[k]
                    s10 += a1[k] * b0[k]
                o0[j], o1[j] = s00, s10
        if n % 2:
            a0, o0 = A[n - 1], out[n - 1]
            for j in range(jb, je):
                b0 = B[j]
                s00 = z
                for k in range(K):
                    s00 += a0[k] * b0[k]
                o0[j] = s00


#: From this many rows, the backward pass adds each step's share of the
#: recurrent weight gradient right after the step (a GEMM on rows still in
#: cache); with fewer, one GEMM over all steps at the end is faster.
STEP_GRAD_ROWS = 64


@njit(cache=True, nogil=True, error_model="numpy")
def _rec_grad(Hs, dA, dU):
    """dU = sum_t Hs[t]^T dA[t] as one GEMM over all steps."""
    T, n, H = dA.shape[0], dA.shape[1], Hs.shape[2]
    Hf = Hs[:T].reshape(T * n, H)
    gemm(Hf, dA.reshape(T * n, dA.shape[2]), dU, True)


@njit(**_INLINE)
def _finished_row(dh, dy, dx, da):
    """Backward step of a row whose sequence has ended: its state is
    carried, so ``dh += dy`` passes through; ``dx`` and ``da`` (one length)
    are zeroed."""
    for j in range(dh.shape[0]):
        dh[j] += dy[j]
    for j in range(dx.shape[0]):
        dx[j] = 0.0
        da[j] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _add_rows(A, B, nt):
    """``A[:nt] += B[:nt]`` for 2-D arrays."""
    for i in range(nt):
        a, b = A[i], B[i]
        for j in range(A.shape[1]):
            a[j] += b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _one(X):
    """1 typed like ``X``'s elements (keeps float32 arithmetic float32)."""
    return np.ones(1, dtype=X.dtype)[0]


@njit(cache=True, nogil=True, error_model="numpy")
def _rows(Xp, k):
    """Zeros of shape ``(n, k)`` typed like ``Xp`` (``n = Xp.shape[1]``):
    a cell's extra state per row, or its gradient."""
    return np.zeros((Xp.shape[1], k), dtype=Xp.dtype)


# ------------------------------------------------------------- drivers
@njit(**_INLINE)
def _forward_steps(step, P, Xp, U, lengths, Hs, C, S):
    """Forward pass of a cell whose gates all come from one product ``h U``.

    Parameters
    ----------
    step : ``inline="always"`` jitted function ``step(P, x, a, c, s, hp, h)``
        One row of one step: reads ``x = Xp[t, i]``, ``a = (Hs[t] U)[i]``
        and ``hp = Hs[t, i]`` (all 1-D), writes the cache ``c = C[t, i]``
        and the new state ``h = Hs[t + 1, i]``, updates the extra state
        ``s = S[i]``.
    P : any
        The cell's constants (a scalar or a tuple), passed to ``step``.
    Xp, U, lengths, Hs, C : as in the kernel signature
    S : ndarray of shape (n, k)
        Extra state per row (the LSTM's memory cell; ``k = 0`` if none).
    """
    T, n = Xp.shape[0], Xp.shape[1]
    act = _n_active(lengths, T)
    UT = _small_operand(U, act)
    A = np.empty((n, U.shape[1]), dtype=Xp.dtype)
    Hs[0] = 0.0
    for t in range(T):
        nt = act[t]
        _matmul(Hs[t], U, UT, A, nt)
        for i in range(nt):
            step(P, Xp[t, i], A[i], C[t, i], S[i], Hs[t, i], Hs[t + 1, i])
        _carry(Hs, t, nt)


@njit(**_INLINE)
def _backward_steps(step, P, direct, dHs, Xp, U, lengths, Hs, C, dS, dXp,
                    dA, dU, dE):
    """Backward pass matching :func:`_forward_steps`.

    Parameters
    ----------
    step : ``inline="always"`` jitted function
        ``step(P, dy, dh, ds, c, x, hp, h, dx, da, dE)``
        One row of one step, all arrays but ``dE`` 1-D: with ``dy =
        dHs[t, i]`` and ``dh`` (gradient from step ``t + 1``) the gradient
        with respect to ``h = Hs[t + 1, i]`` is ``dh + dy``; writes ``dx =
        dXp[t, i]`` and ``da = dA[t, i]`` (gradient with respect to ``h
        U``; the same array as ``dx`` if ``dA is dXp``), adds to ``dE``,
        turns ``ds = dS[i]`` into the gradient with respect to the previous
        extra state and, if ``direct``, ``dh`` into the gradient with
        respect to ``hp = Hs[t, i]`` other than through ``h U``.
    P : any
        The cell's constants, passed to ``step``.
    direct : bool
        Whether ``hp`` reaches ``h`` other than through ``h U`` (else
        ``step`` need not write ``dh``).
    dHs, Xp, U, lengths, Hs, C, dXp, dU, dE : as in the kernel signature
    dS : ndarray of shape (n, k)
        Gradient with respect to the extra state (zeros).
    dA : ndarray of shape (T, n, Gu)
        Gradient with respect to ``h U`` (may be ``dXp``).
    """
    T, n, H = Xp.shape[0], Xp.shape[1], U.shape[0]
    act = _n_active(lengths, T)
    UT = np.ascontiguousarray(U.T)
    dh = np.zeros((n, H), dtype=Xp.dtype)
    R = np.empty((n, H), dtype=Xp.dtype)
    dE[:] = 0.0
    step_dU = n >= STEP_GRAD_ROWS
    if step_dU:
        dU[:] = 0.0
    for t in range(T - 1, -1, -1):
        nt = act[t]
        for i in range(nt, n):
            _finished_row(dh[i], dHs[t, i], dXp[t, i], dA[t, i])
        for i in range(nt):
            step(P, dHs[t, i], dh[i], dS[i], C[t, i], Xp[t, i], Hs[t, i],
                 Hs[t + 1, i], dXp[t, i], dA[t, i], dE)
        if step_dU and nt > 0:
            gemm(Hs[t][:nt], dA[t][:nt], dU, True, False, True)
        if direct:
            _matmul(dA[t], UT, U, R, nt)
            _add_rows(dh, R, nt)
        else:
            _matmul(dA[t], UT, U, dh, nt)
    if not step_dU:
        _rec_grad(Hs, dA, dU)


# --------------------------------------------------------------- elman
@njit(**_INLINE)
def _elman_step(P, x, a, c, s, hp, h):
    for j in range(h.shape[0]):
        h[j] = _tanh(x[j] + a[j])


@njit(**_INLINE)
def _elman_step_grad(one, dy, dh, ds, c, x, hp, h, dx, da, dE):
    for j in range(h.shape[0]):
        y = h[j]
        dx[j] = (dh[j] + dy[j]) * (one - y * y)


@njit(**_KERNEL)
def elman_forward(Xp, U, E, lengths, Hs, C):
    _forward_steps(_elman_step, 0, Xp, U, lengths, Hs, C, _rows(Xp, 0))


@njit(**_KERNEL)
def elman_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    _backward_steps(_elman_step_grad, _one(Xp), False, dHs, Xp, U, lengths,
                    Hs, C, _rows(Xp, 0), dXp, dXp, dU, dE)


# ---------------------------------------------------------------- lstm
# C[t, i] = [i, f, g, o, c_{t-1}, tanh(c_t)]: all the backward pass needs.
# Loops index 1-D views of one row's blocks by the loop variable only:
# offsets like H + j, of unknown sign to LLVM, and 2-D views keep it from
# vectorizing.
@njit(**_INLINE)
def _lstm_step(P, x, a, g, c, hp, h):
    # per column: the g gate is tanh(v) = 2 s(2v) - 1 (scale K = 2, shift
    # Q = 1), the forget gate gets its +1 (offset O)
    K, O, Q = P
    H = h.shape[0]
    for j in range(4 * H):
        g[j] = _sig(K[j] * (x[j] + a[j] + O[j])) * K[j] - Q[j]
    ig, fg, gg, og = g[:H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:4 * H]
    cprev, tcell = g[4 * H:5 * H], g[5 * H:]
    for j in range(H):
        c0 = c[j]
        cprev[j] = c0
        c1 = fg[j] * c0 + ig[j] * gg[j]
        c[j] = c1
        tc = _tanh(c1)
        tcell[j] = tc
        h[j] = og[j] * tc


@njit(**_INLINE)
def _lstm_step_grad(one, dy, dh, dc, g, x, hp, h, dx, da, dE):
    H = h.shape[0]
    ig, fg, gg, og = g[:H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:4 * H]
    cprev, tcell = g[4 * H:5 * H], g[5 * H:]
    di, df, dg, do = dx[:H], dx[H:2 * H], dx[2 * H:3 * H], dx[3 * H:]
    for j in range(H):
        i_, f_, g_, o_, tc = ig[j], fg[j], gg[j], og[j], tcell[j]
        gh = dh[j] + dy[j]
        d_c = dc[j] + gh * o_ * (one - tc * tc)
        di[j] = d_c * g_ * i_ * (one - i_)
        df[j] = d_c * cprev[j] * f_ * (one - f_)
        dg[j] = d_c * i_ * (one - g_ * g_)
        do[j] = gh * tc * o_ * (one - o_)
        dc[j] = d_c * f_


@njit(**_KERNEL)
def lstm_forward(Xp, U, E, lengths, Hs, C):
    H = U.shape[0]
    # K, O, Q of _lstm_step, typed like Xp (gates in its precision)
    K = np.ones(4 * H, dtype=Xp.dtype)
    O = np.zeros(4 * H, dtype=Xp.dtype)
    Q = np.zeros(4 * H, dtype=Xp.dtype)
    K[2 * H:3 * H] = 2.0
    O[H:2 * H] = 1.0
    Q[2 * H:3 * H] = 1.0
    _forward_steps(_lstm_step, (K, O, Q), Xp, U, lengths, Hs, C,
                   _rows(Xp, H))


@njit(**_KERNEL)
def lstm_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    _backward_steps(_lstm_step_grad, _one(Xp), False, dHs, Xp, U, lengths,
                    Hs, C, _rows(Xp, U.shape[0]), dXp, dXp, dU, dE)


# ----------------------------------------------------------------- gru
# C[t, i] = [z, r, n, hU_n + e]; loops over 1-D block views (see lstm)
@njit(**_INLINE)
def _gru_step(P, x, a, g, s, hp, h):
    e, one = P
    H = h.shape[0]
    zr, xzr, azr = g[:2 * H], x[:2 * H], a[:2 * H]
    for j in range(2 * H):
        zr[j] = _sig(xzr[j] + azr[j])
    z, r, nn, hn = g[:H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:]
    xn, an = x[2 * H:], a[2 * H:]
    for j in range(H):
        v = an[j] + e[j]
        hn[j] = v
        nv = _tanh(xn[j] + r[j] * v)
        nn[j] = nv
        h[j] = (one - z[j]) * nv + z[j] * hp[j]


@njit(**_INLINE)
def _gru_step_grad(one, dy, dh, ds, g, x, hp, h, dx, da, dE):
    H = h.shape[0]
    de = dE[0]
    z, r, nn, hn = g[:H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:]
    dxz, dxr, dxn = dx[:H], dx[H:2 * H], dx[2 * H:]
    daz, dar, dan = da[:H], da[H:2 * H], da[2 * H:]
    for j in range(H):
        z_, r_, n_ = z[j], r[j], nn[j]
        gh = dh[j] + dy[j]
        d_n = gh * (one - z_) * (one - n_ * n_)
        d_z = gh * (hp[j] - n_) * z_ * (one - z_)
        d_r = d_n * hn[j] * r_ * (one - r_)
        dxz[j] = d_z
        dxr[j] = d_r
        dxn[j] = d_n
        daz[j] = d_z
        dar[j] = d_r
        dan[j] = d_n * r_
        de[j] += d_n * r_
        dh[j] = gh * z_


@njit(**_KERNEL)
def gru_forward(Xp, U, E, lengths, Hs, C):
    _forward_steps(_gru_step, (E[0], _one(Xp)), Xp, U, lengths, Hs, C,
                   _rows(Xp, 0))


@njit(**_KERNEL)
def gru_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    dA = np.empty(dXp.shape, dtype=Xp.dtype)  # grads of h U (+ e)
    _backward_steps(_gru_step_grad, _one(Xp), True, dHs, Xp, U, lengths,
                    Hs, C, _rows(Xp, 0), dXp, dA, dU, dE)


# ----------------------------------------------------------------- mgu
# Not on the drivers: the second product (f h) U_h needs the f gate of
# every row of the step first, and dU has two parts, (f h)^T dA_h beside
# h^T dA_f.
@njit(**_KERNEL)
def mgu_forward(Xp, U, E, lengths, Hs, C):
    # C[t] = [f, h~, f * h]
    T, n, H = Xp.shape[0], Xp.shape[1], U.shape[0]
    act = _n_active(lengths, T)
    one = _one(Xp)
    Uf = np.ascontiguousarray(U[:, :H])
    Uh = np.ascontiguousarray(U[:, H:])
    UfT = _small_operand(Uf, act)
    UhT = _small_operand(Uh, act)
    A = np.empty((n, H), dtype=Xp.dtype)
    FH = np.empty((n, H), dtype=Xp.dtype)
    Hs[0] = 0.0
    for t in range(T):
        nt = act[t]
        _matmul(Hs[t], Uf, UfT, A, nt)
        for i in range(nt):
            for j in range(H):
                f = _sig(Xp[t, i, j] + A[i, j])
                C[t, i, j] = f
                FH[i, j] = f * Hs[t, i, j]
                C[t, i, 2 * H + j] = FH[i, j]
        _matmul(FH, Uh, UhT, A, nt)
        for i in range(nt):
            for j in range(H):
                f = C[t, i, j]
                ht = _tanh(Xp[t, i, H + j] + A[i, j])
                C[t, i, H + j] = ht
                Hs[t + 1, i, j] = (one - f) * Hs[t, i, j] + f * ht
        _carry(Hs, t, nt)


@njit(**_KERNEL)
def mgu_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    T, n, H = Xp.shape[0], Xp.shape[1], U.shape[0]
    act = _n_active(lengths, T)
    one = _one(Xp)
    Uf = np.ascontiguousarray(U[:, :H])
    Uh = np.ascontiguousarray(U[:, H:])
    UfT = np.ascontiguousarray(Uf.T)
    UhT = np.ascontiguousarray(Uh.T)
    dh = np.zeros((n, H), dtype=Xp.dtype)
    dAf = np.empty((T, n, H), dtype=Xp.dtype)
    dAh = np.empty((T, n, H), dtype=Xp.dtype)
    R = np.empty((n, H), dtype=Xp.dtype)
    for t in range(T - 1, -1, -1):
        nt = act[t]
        for i in range(nt, n):
            _finished_row(dh[i], dHs[t, i], dAf[t, i], dAh[t, i])
        for i in range(nt):
            for j in range(H):
                dh[i, j] += dHs[t, i, j]
        for i in range(nt):
            for j in range(H):
                f = C[t, i, j]
                ht = C[t, i, H + j]
                dAh[t, i, j] = dh[i, j] * f * (one - ht * ht)
        _matmul(dAh[t], UhT, Uh, R, nt)  # gradient of f * h
        for i in range(nt):
            for j in range(H):
                f = C[t, i, j]
                ht = C[t, i, H + j]
                hp = Hs[t, i, j]
                g = dh[i, j]
                df = g * (ht - hp) + R[i, j] * hp
                dAf[t, i, j] = df * f * (one - f)
                dh[i, j] = g * (one - f) + R[i, j] * f
        _matmul(dAf[t], UfT, Uf, R, nt)
        _add_rows(dh, R, nt)
    for t in range(T):
        for i in range(n):
            for j in range(H):
                dXp[t, i, j] = dAf[t, i, j]
                dXp[t, i, H + j] = dAh[t, i, j]
    dUf = np.empty((H, H), dtype=Xp.dtype)
    _rec_grad(Hs, dAf, dUf)
    FH = np.zeros((T + 1, n, H), dtype=Xp.dtype)
    for t in range(T):
        for i in range(act[t]):  # C is unwritten for finished rows
            for j in range(H):
                FH[t, i, j] = C[t, i, 2 * H + j]
    dUh = np.empty((H, H), dtype=Xp.dtype)
    _rec_grad(FH, dAh, dUh)
    dU[:, :H] = dUf
    dU[:, H:] = dUh


# --------------------------------------------------------------- ugrnn
# C[t, i] = [c, g]; loops over 1-D block views (see lstm)
@njit(**_INLINE)
def _ugrnn_step(one, x, a, cg, s, hp, h):
    H = h.shape[0]
    xc, xg, ac, ag, cc, cgate = x[:H], x[H:], a[:H], a[H:], cg[:H], cg[H:]
    for j in range(H):
        c = _tanh(xc[j] + ac[j])
        g = _sig(xg[j] + ag[j])
        cc[j] = c
        cgate[j] = g
        h[j] = g * hp[j] + (one - g) * c


@njit(**_INLINE)
def _ugrnn_step_grad(one, dy, dh, ds, cg, x, hp, h, dx, da, dE):
    H = h.shape[0]
    cc, cgate, dxc, dxg = cg[:H], cg[H:], dx[:H], dx[H:]
    for j in range(H):
        c = cc[j]
        g = cgate[j]
        d = dh[j] + dy[j]
        dxc[j] = d * (one - g) * (one - c * c)
        dxg[j] = d * (hp[j] - c) * g * (one - g)
        dh[j] = d * g


@njit(**_KERNEL)
def ugrnn_forward(Xp, U, E, lengths, Hs, C):
    _forward_steps(_ugrnn_step, _one(Xp), Xp, U, lengths, Hs, C,
                   _rows(Xp, 0))


@njit(**_KERNEL)
def ugrnn_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    _backward_steps(_ugrnn_step_grad, _one(Xp), True, dHs, Xp, U, lengths,
                    Hs, C, _rows(Xp, 0), dXp, dXp, dU, dE)


# --------------------------------------------------------------- delta
# C[t, i] = [d1, z, r]; E = [alpha, beta1, beta2, bz, br]; loops over 1-D
# block views (see lstm)
@njit(**_INLINE)
def _delta_step(P, x, a, c, s, hp, h):
    E, one, two = P
    H = h.shape[0]
    d1s, zs, rs = c[:H], c[H:2 * H], c[2 * H:]
    ea, eb1, eb2, ebz, ebr = E[0], E[1], E[2], E[3], E[4]
    for j in range(H):
        d1 = a[j]
        d2 = x[j]
        z = _tanh((ea[j] + two) * d1 * d2 + (eb1[j] + one) * d1
                  + (eb2[j] + one) * d2 + ebz[j])
        r = _sig(d2 + ebr[j])
        d1s[j] = d1
        zs[j] = z
        rs[j] = r
        h[j] = _tanh((one - r) * z + r * hp[j])


@njit(**_INLINE)
def _delta_step_grad(P, dy, dh, ds, c, x, hp, h, dx, da, dE):
    E, one, two = P
    H = h.shape[0]
    d1s, zs, rs = c[:H], c[H:2 * H], c[2 * H:]
    ea, eb1, eb2 = E[0], E[1], E[2]
    g0, g1, g2, g3, g4 = dE[0], dE[1], dE[2], dE[3], dE[4]
    for j in range(H):
        d1 = d1s[j]
        z = zs[j]
        r = rs[j]
        d2 = x[j]
        y = h[j]
        dpre = (dh[j] + dy[j]) * (one - y * y)
        dzp = dpre * (one - r) * (one - z * z)
        drp = dpre * (hp[j] - z) * r * (one - r)
        da[j] = dzp * ((ea[j] + two) * d2 + eb1[j] + one)
        dx[j] = dzp * ((ea[j] + two) * d1 + eb2[j] + one) + drp
        g0[j] += dzp * d1 * d2
        g1[j] += dzp * d1
        g2[j] += dzp * d2
        g3[j] += dzp
        g4[j] += drp
        dh[j] = dpre * r


@njit(**_KERNEL)
def delta_forward(Xp, U, E, lengths, Hs, C):
    one = _one(Xp)
    _forward_steps(_delta_step, (E, one, one + one), Xp, U, lengths, Hs, C,
                   _rows(Xp, 0))


@njit(**_KERNEL)
def delta_backward(dHs, Xp, U, E, lengths, Hs, C, dXp, dU, dE):
    one = _one(Xp)
    dA = np.empty((Xp.shape[0], Xp.shape[1], U.shape[0]), dtype=Xp.dtype)
    _backward_steps(_delta_step_grad, (E, one, one + one), True, dHs, Xp, U,
                    lengths, Hs, C, _rows(Xp, 0), dXp, dA, dU, dE)


CellSpec = namedtuple(
    "CellSpec",
    "n_gates n_extras has_bias cache_width forward backward",
)
CellSpec.__doc__ = """Description of a cell: ``G = Gu = n_gates * H``,
``E`` has ``n_extras`` rows, ``b`` exists iff ``has_bias``, the cache has
``cache_width * H`` columns."""

#: name -> CellSpec
CELLS = {
    "elman": CellSpec(1, 0, True, 1, elman_forward, elman_backward),
    "lstm": CellSpec(4, 0, True, 6, lstm_forward, lstm_backward),
    "gru": CellSpec(3, 1, True, 4, gru_forward, gru_backward),
    "mgu": CellSpec(2, 0, True, 3, mgu_forward, mgu_backward),
    "ugrnn": CellSpec(2, 0, True, 2, ugrnn_forward, ugrnn_backward),
    "delta": CellSpec(1, 5, False, 3, delta_forward, delta_backward),
}


def cell_shapes(cell, n_in, H):
    """Shapes of ``(W, b, U, E)`` for a layer of ``cell``."""
    s = CELLS[cell]
    G = s.n_gates * H
    return (n_in, G), ((G,) if s.has_bias else (0,)), (H, G), (s.n_extras, H)


@njit(cache=True, nogil=True, error_model="numpy")
def _column_sums(A, out):
    """out = A.sum(axis=0), one pass over the rows."""
    out[:] = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[j] += A[i, j]


def layer_forward(cell, X, W, b, U, E, lengths, scratch=None, key=0):
    """Run one recurrent layer over a time-major batch.

    Parameters
    ----------
    cell : str
        A key of :data:`CELLS`.
    X : ndarray of shape (T, n, n_in)
        Time-major input, C-contiguous.
    W, b, U, E : ndarray
        Layer parameters, see :func:`cell_shapes`.
    lengths : ndarray of shape (n,), int64, sorted non-increasing
    scratch : rnnkit._scratch.Scratch or None
        Where the outputs and the cache live (fresh arrays if ``None``);
        they stay valid until the next call with the same ``key``.
    key : hashable
        Tells apart the layers sharing one ``scratch``.

    Returns
    -------
    Hs : ndarray of shape (T + 1, n, H)
        ``Hs[0] = 0``; ``Hs[t + 1]`` the state after step ``t``.
    cache : tuple
        Pass to :func:`layer_backward`.
    """
    scratch = Scratch() if scratch is None else scratch
    s = CELLS[cell]
    T, n, F = X.shape
    H, G = U.shape[0], W.shape[1]
    Xp = scratch.empty(("Xp", key), (T * n, G), X.dtype)
    Hs = scratch.empty(("Hs", key), (T + 1, n, H), X.dtype)
    C = scratch.empty(("C", key), (T, n, s.cache_width * H), X.dtype)
    with flush_subnormals():
        if s.has_bias:
            # the bias first, the product added by the GEMM: a separate pass
            # adding the bias cost about a fifth of the projection
            Xp[:] = b
        gemm(X.reshape(T * n, F), W, Xp, accumulate=s.has_bias)
        Xp = Xp.reshape(T, n, G)
        s.forward(Xp, U, E, lengths, Hs, C)
    return Hs, (X, Xp, C)


def layer_backward(cell, dH, W, b, U, E, lengths, Hs, cache, need_dX=True,
                   scratch=None, key=0):
    """Back-propagate through one recurrent layer.

    Parameters
    ----------
    cell : str
    dH : ndarray of shape (T, n, H)
        Loss gradient with respect to ``Hs[1:]``.
    W, b, U, E, lengths : as in :func:`layer_forward`
    Hs, cache : outputs of :func:`layer_forward`
    need_dX : bool, default=True
        Whether to compute the gradient with respect to the input.
    scratch, key : as in :func:`layer_forward`
        ``dX`` lives in ``scratch`` too.

    Returns
    -------
    dX : ndarray of shape (T, n, n_in) or None
    grads : tuple of ndarray
        ``(dW, db, dU, dE)``, shapes of the parameters (fresh arrays).
    """
    scratch = Scratch() if scratch is None else scratch
    s = CELLS[cell]
    X, Xp, C = cache
    T, n, F = X.shape
    G = W.shape[1]
    dXp = scratch.empty(("dXp", key), Xp.shape, Xp.dtype)
    dU = np.empty_like(U)
    dE = np.zeros_like(E)
    db = np.zeros_like(b)
    dX = None
    with flush_subnormals():  # long sequences: see rnnkit.kernels.fpenv
        s.backward(dH, Xp, U, E, lengths, Hs, C, dXp, dU, dE)
        dXp2 = dXp.reshape(T * n, G)
        dW = np.dot(X.reshape(T * n, F).T, dXp2)
        if s.has_bias:
            _column_sums(dXp2, db)
        if need_dX:
            dX = scratch.empty(("dX", key), (T * n, F), X.dtype)
            np.dot(dXp2, W.T, out=dX)
            dX = dX.reshape(T, n, F)
    return dX, (dW, db, dU, dE)
