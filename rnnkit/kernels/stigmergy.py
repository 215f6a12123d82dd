"""Stigmergic memory (SM-RNN) forward and backward passes.

Plain Numba functions on arrays, batched over sequences, time-major. The
deposit and removal networks are evaluated together: their weights are
passed as block matrices so that one GEMM per layer and step serves both.

Notation (``B`` sequences, ``T`` steps, ``F`` inputs, ``M`` marks, ``H``
deposit/removal hidden units, ``K`` classifier hidden units, ``C`` classes)::

    pq_t = m_{t-1} Wpq^T + bpq                    (B, 2M)  [p_t | q_t]
    z_t  = x_t W1x^T + pq_t W1p^T + b1            (B, 2H)  W1p = diag(Wd1p, Wr1p)
    a_t  = PReLU(z_t; s1)                         (B, 2H)
    u_t  = a_t W2^T + b2                          (B, 2M)  W2 = diag(Wd2, Wr2)
    v_t  = m_{t-1} + ReLU(u_t[:M]) - ReLU(u_t[M:])
    m_t  = C(v_t) = lo + (hi - lo) sigma(4 (v_t - lo) / (hi - lo) - 2)
    logits = PReLU(PReLU(m_L Wk1^T + bk1; sk) Wk2^T + bk2; so)

where ``m_L`` is each sequence's mark at its last valid step. The
recurrence runs over the padded length of the batch; the loss gradient is
injected at each sequence's last valid step, so padded steps receive a zero
gradient and the result equals a recurrence truncated at each length.

All per-step matrix products use ``np.dot(a, b, out)`` (BLAS GEMM) into
preallocated buffers; the weight gradients are accumulated after the time
loop with one large GEMM each.
"""
import numpy as np
from numba import njit

__all__ = [
    "clamp",
    "sm_forward",
    "sm_backward",
]


@njit(cache=True)
def clamp(v, lo, hi):
    """Soft clamp ``C(v)`` and its derivative ``C'(v)`` for a scalar ``v``.

    ``C(v) = lo + (hi - lo) * sigma(4 (v - lo) / (hi - lo) - 2)`` and
    ``C'(v) = 4 sigma (1 - sigma)``, which does not depend on the range.
    """
    u = 4.0 * (v - lo) / (hi - lo) - 2.0
    s = 1.0 / (1.0 + np.exp(-u))
    return lo + (hi - lo) * s, 4.0 * s * (1.0 - s)


@njit(cache=True)
def sm_forward(X, lengths, W1x, b1, W1p, Wpq, bpq, W2, b2, s1,
               Wk1, bk1, sk, Wk2, bk2, so, lo, hi):
    """Run the stigmergic recurrence and the classifier on a batch.

    Parameters
    ----------
    X : ndarray of shape (T, B, F), C-contiguous
        Time-major padded stimuli.
    lengths : ndarray of shape (B,), int
        Valid steps per sequence, ``1 <= lengths[b] <= T``.
    W1x : ndarray of shape (2H, F)
        Stimulus weights of the deposit (rows ``:H``) and removal hidden layers.
    b1 : ndarray of shape (2H,)
    W1p : ndarray of shape (2H, 2M)
        Block-diagonal mark-projection weights of the two hidden layers.
    Wpq : ndarray of shape (2M, M)
        Deposit (rows ``:M``) and removal projections of the previous mark.
    bpq : ndarray of shape (2M,)
    W2 : ndarray of shape (2M, 2H)
        Block-diagonal output weights of the deposit and removal networks.
    b2 : ndarray of shape (2M,)
    s1 : ndarray of shape (2H,)
        PReLU slopes of the two hidden layers, one per unit.
    Wk1 : ndarray of shape (K, M)
    bk1, sk : ndarray of shape (K,)
    Wk2 : ndarray of shape (C, K)
    bk2, so : ndarray of shape (C,)
    lo, hi : float
        Finishing and saturation levels of the clamp.

    Returns
    -------
    logits : ndarray of shape (B, C)
    marks : ndarray of shape (T + 1, B, M)
        ``marks[0] = 0``; ``marks[t]`` is the mark after step ``t``.
    PQ, Z, U, G, H1, A1, H2 : ndarray
        Intermediate values kept for :func:`sm_backward`: ``PQ (T, B, 2M)``,
        ``Z (T, B, 2H)`` hidden pre-activations, ``U (T, B, 2M)`` deposit and
        removal pre-activations, ``G (T, B, M)`` clamp derivatives, and the
        classifier's ``H1 (B, K)``, ``A1 (B, K)``, ``H2 (B, C)``.
    """
    T, B, F = X.shape
    M = Wpq.shape[1]
    M2 = 2 * M
    H2n = W1x.shape[0]
    dt = X.dtype
    marks = np.zeros((T + 1, B, M), dt)
    PQ = np.empty((T, B, M2), dt)
    Z = np.empty((T, B, H2n), dt)
    A = np.empty((B, H2n), dt)
    U = np.empty((T, B, M2), dt)
    G = np.empty((T, B, M), dt)
    tmp = np.empty((B, H2n), dt)
    # stimulus part of every step at once
    np.dot(X.reshape(T * B, F), W1x.T, Z.reshape(T * B, H2n))
    # C-contiguous transposes: BLAS on an F-ordered view is ~1.5x slower
    # for these tiny products
    WpqT = np.ascontiguousarray(Wpq.T)
    W1pT = np.ascontiguousarray(W1p.T)
    W2T = np.ascontiguousarray(W2.T)
    for t in range(T):
        mp = marks[t]
        pq = PQ[t]
        np.dot(mp, WpqT, pq)
        for b in range(B):
            for i in range(M2):
                pq[b, i] += bpq[i]
        np.dot(pq, W1pT, tmp)
        z = Z[t]
        for b in range(B):
            for j in range(H2n):
                zz = z[b, j] + tmp[b, j] + b1[j]
                z[b, j] = zz
                A[b, j] = zz if zz > 0 else s1[j] * zz
        u = U[t]
        np.dot(A, W2T, u)
        g = G[t]
        mn = marks[t + 1]
        for b in range(B):
            for i in range(M):
                ud = u[b, i] + b2[i]
                ur = u[b, M + i] + b2[M + i]
                u[b, i] = ud
                u[b, M + i] = ur
                v = mp[b, i]
                if ud > 0:
                    v += ud
                if ur > 0:
                    v -= ur
                c, dc = clamp(v, lo, hi)
                mn[b, i] = c
                g[b, i] = dc
    # classifier on each sequence's last valid mark
    K = Wk1.shape[0]
    C = Wk2.shape[0]
    mf = np.empty((B, M), dt)
    for b in range(B):
        mf[b] = marks[lengths[b], b]
    H1 = mf @ Wk1.T
    A1 = np.empty((B, K), dt)
    for b in range(B):
        for k in range(K):
            h = H1[b, k] + bk1[k]
            H1[b, k] = h
            A1[b, k] = h if h > 0 else sk[k] * h
    H2 = A1 @ Wk2.T
    logits = np.empty((B, C), dt)
    for b in range(B):
        for c in range(C):
            h = H2[b, c] + bk2[c]
            H2[b, c] = h
            logits[b, c] = h if h > 0 else so[c] * h
    return logits, marks, PQ, Z, U, G, H1, A1, H2


@njit(cache=True)
def sm_backward(X, lengths, W1p, Wpq, W2, s1, Wk1, sk, Wk2, so,
                marks, PQ, Z, U, G, H1, A1, H2, dlogits):
    """Backpropagate ``dlogits`` through the classifier and the recurrence.

    Parameters
    ----------
    X, lengths, W1p, Wpq, W2, s1, Wk1, sk, Wk2, so :
        As given to :func:`sm_forward`.
    marks, PQ, Z, U, G, H1, A1, H2 :
        As returned by :func:`sm_forward`.
    dlogits : ndarray of shape (B, C)
        Gradient of the loss with respect to the logits.

    Returns
    -------
    gW1x, gb1, gW1p, gWpq, gbpq, gW2, gb2, gs1, gWk1, gbk1, gsk, gWk2, gbk2, gso
        Gradients with the shapes of the corresponding parameters. The slope
        gradients are per unit; the off-diagonal blocks of ``gW1p`` and
        ``gW2`` are computed but are not gradients of any parameter.
    """
    T, B, F = X.shape
    M = Wpq.shape[1]
    M2 = 2 * M
    H2n = W1p.shape[0]
    K = Wk1.shape[0]
    C = Wk2.shape[0]
    dt = X.dtype
    # classifier
    dH2 = np.empty((B, C), dt)
    gso = np.zeros(C, dt)
    for b in range(B):
        for c in range(C):
            h = H2[b, c]
            if h > 0:
                dH2[b, c] = dlogits[b, c]
            else:
                dH2[b, c] = dlogits[b, c] * so[c]
                gso[c] += dlogits[b, c] * h
    mf = np.empty((B, M), dt)
    for b in range(B):
        mf[b] = marks[lengths[b], b]
    gWk2 = dH2.T @ A1
    gbk2 = np.zeros(C, dt)
    for b in range(B):
        for c in range(C):
            gbk2[c] += dH2[b, c]
    dH1 = dH2 @ Wk2
    gsk = np.zeros(K, dt)
    gbk1 = np.zeros(K, dt)
    for b in range(B):
        for k in range(K):
            h = H1[b, k]
            if h <= 0:
                gsk[k] += dH1[b, k] * h
                dH1[b, k] *= sk[k]
            gbk1[k] += dH1[b, k]
    gWk1 = dH1.T @ mf
    dmf = dH1 @ Wk1
    # recurrence, backwards in time
    dm = np.zeros((B, M), dt)
    tmp = np.empty((B, M), dt)
    dA = np.empty((B, H2n), dt)
    dU = np.empty((T, B, M2), dt)
    dZ = np.empty((T, B, H2n), dt)
    A = np.empty((T, B, H2n), dt)
    dPQ = np.empty((T, B, M2), dt)
    gs1 = np.zeros(H2n, dt)
    for t in range(T - 1, -1, -1):
        for b in range(B):
            if lengths[b] - 1 == t:
                for i in range(M):
                    dm[b, i] += dmf[b, i]
        du = dU[t]
        u = U[t]
        g = G[t]
        for b in range(B):
            for i in range(M):
                dv = dm[b, i] * g[b, i]
                du[b, i] = dv if u[b, i] > 0 else 0.0
                du[b, M + i] = -dv if u[b, M + i] > 0 else 0.0
                dm[b, i] = dv  # direct path m_{t-1} -> v_t
        np.dot(du, W2, dA)
        z = Z[t]
        dz = dZ[t]
        a = A[t]
        for b in range(B):
            for j in range(H2n):
                zz = z[b, j]
                if zz > 0:
                    dz[b, j] = dA[b, j]
                    a[b, j] = zz
                else:
                    dz[b, j] = dA[b, j] * s1[j]
                    gs1[j] += dA[b, j] * zz
                    a[b, j] = s1[j] * zz
        dpq = dPQ[t]
        np.dot(dz, W1p, dpq)
        np.dot(dpq, Wpq, tmp)
        for b in range(B):
            for i in range(M):
                dm[b, i] += tmp[b, i]
    TB = T * B
    dU2 = dU.reshape(TB, M2)
    dZ2 = dZ.reshape(TB, H2n)
    dPQ2 = dPQ.reshape(TB, M2)
    gW2 = dU2.T @ A.reshape(TB, H2n)
    gW1p = dZ2.T @ PQ.reshape(TB, M2)
    gW1x = dZ2.T @ X.reshape(TB, F)
    gWpq = dPQ2.T @ marks[:T].reshape(TB, M)
    gb2 = np.zeros(M2, dt)
    gbpq = np.zeros(M2, dt)
    for r in range(TB):
        for i in range(M2):
            gb2[i] += dU2[r, i]
            gbpq[i] += dPQ2[r, i]
    gb1 = np.zeros(H2n, dt)
    for r in range(TB):
        for j in range(H2n):
            gb1[j] += dZ2[r, j]
    return (gW1x, gb1, gW1p, gWpq, gbpq, gW2, gb2, gs1,
            gWk1, gbk1, gsk, gWk2, gbk2, gso)
