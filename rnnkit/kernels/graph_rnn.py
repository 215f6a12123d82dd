"""Forward pass and full BPTT of a sparse graph RNN of scalar cells (Numba).

The network is described by the flat arrays of
:class:`rnnkit.asne.graph.CompiledGraph`.  Node ``j`` (a "position" in
topological order) receives the net input

    x_j(t) = sum_{edges i->j, skip d} w_ij h_i(t - d)      (h_i(t) = 0 for t < 0)

or, for an input node, the raw feature ``X[t, in_col[j]]``, and applies its
cell (the ASNE paper's cell equations; codes are indices into
``rnnkit.asne.genome.CELL_TYPES``):

====  ======  ==========================================  =====================
code  cell    parameters (in flat-vector order)           internals stored
====  ======  ==========================================  =====================
0     simple  b                                           (none; h suffices)
1     ugrnn   w_c u_c b_c w_g u_g b_g                     x c g
2     mgu     w_f u_f b_f w_h u_h b_h                     x f h~
3     gru     w_z u_z b_z w_r u_r b_r w_h u_h b_h         x z r h~
4     delta   alpha beta1 beta2 v b_r b_z                 x z^ r
5     lstm    w_o u_o b_o w_i u_i b_i w_f u_f b_f w_c b_c x c o i f g
6     linear  b                                           (none; h = x + b)
====  ======  ==========================================  =====================

Run-time offsets: LSTM forget gate +1; Delta-RNN alpha +2, beta1 +1, beta2 +1.

Memory layout: states live in flat C-order arrays of shape
``(pad + T, n_nodes)`` (``H``, ``DH``) and ``(pad + T, n_slots)`` (``S``),
where the first ``pad`` rows are zeros standing for ``t < 0``; an edge of skip
``d`` from position ``i`` reads ``H[(pad + t) * n_nodes + i - d * n_nodes]``,
so the inner loops need no bounds test.  Gradients that would flow to
``t < 0`` land in the padding rows and are ignored.  The kernels allocate
nothing per time step.
"""
import math

import numpy as np
from numba import njit


def workspace(graph, n_steps):
    """Allocate the state buffers for sequences of up to ``n_steps`` steps.

    Parameters
    ----------
    graph : CompiledGraph
    n_steps : int

    Returns
    -------
    H : ndarray of float64, shape ((pad + n_steps) * n_nodes,)
    S : ndarray of float64, shape ((pad + n_steps) * n_slots,)
    DH : ndarray of float64, shape ((pad + n_steps) * n_nodes,)
    """
    rows = graph.pad + int(n_steps)
    return (np.zeros(rows * graph.n_nodes), np.zeros(rows * max(graph.n_slots, 1)),
            np.zeros(rows * graph.n_nodes))


def forward(graph, params, X, H, S):
    """Run the network over ``X``; return the outputs, shape (T, n_outputs)."""
    graph_forward(params, X, graph.cell, graph.poff, graph.soff, graph.n_slots, graph.in_col,
                  graph.ptr, graph.eoff, graph.ewpos, graph.pad, H, S)
    n = graph.n_nodes
    T = X.shape[0]
    return H[graph.pad * n:(graph.pad + T) * n].reshape(T, n)[:, graph.out_pos]


def backward(graph, params, X, seed, H, S, DH, grad):
    """BPTT after :func:`forward`; ``seed`` (T, n_outputs) is dLoss/dy_hat. Fills ``grad``."""
    graph_backward(params, X, seed, graph.out_pos, graph.cell, graph.poff, graph.soff,
                   graph.n_slots, graph.in_col, graph.ptr, graph.eoff, graph.ewpos, graph.pad,
                   H, S, DH, grad)


@njit(cache=True, inline="always", error_model="numpy")
def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


@njit(cache=True, inline="always", error_model="numpy")
def _tanh(a):
    """tanh from one expm1: within 1 ulp of libm tanh, about 3x faster than it.

    Not :func:`rnnkit.kernels.activations.tanh_fast`: this scalar loop does
    not vectorize, so that is no faster here, and its slope departs from
    ``1 - tanh**2`` (which BPTT uses) by up to 3e-11, fifty times more than
    this one's, enough to fail the finite-difference gradient check.
    """
    e = math.expm1(-2.0 * abs(a))
    return math.copysign(-e / (2.0 + e), a)


@njit(cache=True, error_model="numpy")
def graph_forward(params, X, cell, poff, soff, n_slots, in_col, ptr, eoff, ewpos, pad, H, S):
    """Forward pass over a whole sequence, storing states and cell internals.

    Parameters
    ----------
    params : ndarray of float64, shape (n_params,)
    X : ndarray of float64, shape (T, n_features)
    cell, poff, soff, in_col : ndarray of int64, shape (n_nodes,)
    n_slots : int
    ptr : ndarray of int64, shape (n_nodes + 1,)
    eoff, ewpos : ndarray of int64, shape (n_graph_edges,)
    pad : int
    H : ndarray of float64, shape (>= (pad + T) * n_nodes,)
        Output: node outputs, row ``pad + t`` holds ``h(t)``.
    S : ndarray of float64, shape (>= (pad + T) * n_slots,)
        Output: cell internals, same row convention.
    """
    T = X.shape[0]
    n = cell.shape[0]
    ws = np.empty(ewpos.shape[0])
    for k in range(ewpos.shape[0]):
        ws[k] = params[ewpos[k]]
    for k in range(pad * n):
        H[k] = 0.0
    for k in range(pad * n_slots):
        S[k] = 0.0
    for t in range(T):
        hb = (pad + t) * n
        sb = (pad + t) * n_slots
        for j in range(n):
            c = in_col[j]
            if c >= 0:
                x = X[t, c]
            else:
                x = 0.0
                for k in range(ptr[j], ptr[j + 1]):
                    x += ws[k] * H[hb + eoff[k]]
            p = poff[j]
            ct = cell[j]
            hp = H[hb - n + j]
            s = sb + soff[j]
            if ct == 0:  # simple
                h = _tanh(x + params[p])
            elif ct == 6:  # linear
                h = x + params[p]
            elif ct == 5:  # lstm
                cp = S[s - n_slots + 1]
                o = _sigmoid(params[p] * x + params[p + 1] * cp + params[p + 2])
                i = _sigmoid(params[p + 3] * x + params[p + 4] * cp + params[p + 5])
                f = _sigmoid(params[p + 6] * x + params[p + 7] * cp + params[p + 8] + 1.0)
                g = _tanh(params[p + 9] * x + params[p + 10])
                cc = f * cp + i * g
                h = o * cc
                S[s] = x
                S[s + 1] = cc
                S[s + 2] = o
                S[s + 3] = i
                S[s + 4] = f
                S[s + 5] = g
            elif ct == 3:  # gru
                z = _sigmoid(params[p] * x + params[p + 1] * hp + params[p + 2])
                r = _sigmoid(params[p + 3] * x + params[p + 4] * hp + params[p + 5])
                ht = _tanh(params[p + 6] * x + params[p + 7] * (r * hp) + params[p + 8])
                h = z * hp + (1.0 - z) * ht
                S[s] = x
                S[s + 1] = z
                S[s + 2] = r
                S[s + 3] = ht
            elif ct == 1:  # ugrnn
                cc = _tanh(params[p] * x + params[p + 1] * hp + params[p + 2])
                g = _sigmoid(params[p + 3] * x + params[p + 4] * hp + params[p + 5])
                h = g * hp + (1.0 - g) * cc
                S[s] = x
                S[s + 1] = cc
                S[s + 2] = g
            elif ct == 2:  # mgu
                f = _sigmoid(params[p] * x + params[p + 1] * hp + params[p + 2])
                ht = _tanh(params[p + 3] * x + params[p + 4] * (f * hp) + params[p + 5])
                h = (1.0 - f) * hp + f * ht
                S[s] = x
                S[s + 1] = f
                S[s + 2] = ht
            else:  # delta
                d1 = params[p + 3] * hp
                zh = _tanh((params[p] + 2.0) * d1 * x + (params[p + 1] + 1.0) * d1
                               + (params[p + 2] + 1.0) * x + params[p + 5])
                r = _sigmoid(x + params[p + 4])
                h = _tanh((1.0 - r) * zh + r * hp)
                S[s] = x
                S[s + 1] = zh
                S[s + 2] = r
            H[hb + j] = h


@njit(cache=True, error_model="numpy")
def graph_backward(params, X, seed, out_pos, cell, poff, soff, n_slots, in_col, ptr, eoff, ewpos,
                   pad, H, S, DH, grad):
    """Full backpropagation through time after :func:`graph_forward`.

    Parameters
    ----------
    params, X, cell, poff, soff, n_slots, in_col, ptr, eoff, ewpos, pad, H, S
        As in :func:`graph_forward` (``H`` and ``S`` filled by it).
    seed : ndarray of float64, shape (T, n_outputs)
        Derivative of the loss with respect to each output ``h_out(t)``.
    out_pos : ndarray of int64, shape (n_outputs,)
    DH : ndarray of float64, shape (>= (pad + T) * n_nodes,)
        Scratch: dLoss/dh, overwritten.
    grad : ndarray of float64, shape (n_params,)
        Output: dLoss/dparams.
    """
    T = X.shape[0]
    n = cell.shape[0]
    ne = ewpos.shape[0]
    ws = np.empty(ne)
    gw = np.zeros(ne)
    for k in range(ne):
        ws[k] = params[ewpos[k]]
    dcc = np.zeros(n)  # dLoss/dc(t) carried to t-1 for LSTM nodes
    for k in range(grad.shape[0]):
        grad[k] = 0.0
    for k in range((pad + T) * n):
        DH[k] = 0.0
    n_out = out_pos.shape[0]
    for t in range(T - 1, -1, -1):
        hb = (pad + t) * n
        sb = (pad + t) * n_slots
        for o in range(n_out):
            DH[hb + out_pos[o]] += seed[t, o]
        for j in range(n - 1, -1, -1):
            dh = DH[hb + j]
            p = poff[j]
            ct = cell[j]
            s = sb + soff[j]
            if ct == 0:  # simple
                h = H[hb + j]
                dx = dh * (1.0 - h * h)
                grad[p] += dx
            elif ct == 6:  # linear
                dx = dh
                grad[p] += dx
            elif ct == 5:  # lstm
                x = S[s]
                cc = S[s + 1]
                o = S[s + 2]
                i = S[s + 3]
                f = S[s + 4]
                g = S[s + 5]
                cp = S[s - n_slots + 1]
                dc = dh * o + dcc[j]
                dao = dh * cc * o * (1.0 - o)
                dai = dc * g * i * (1.0 - i)
                daf = dc * cp * f * (1.0 - f)
                dag = dc * i * (1.0 - g * g)
                grad[p] += dao * x
                grad[p + 1] += dao * cp
                grad[p + 2] += dao
                grad[p + 3] += dai * x
                grad[p + 4] += dai * cp
                grad[p + 5] += dai
                grad[p + 6] += daf * x
                grad[p + 7] += daf * cp
                grad[p + 8] += daf
                grad[p + 9] += dag * x
                grad[p + 10] += dag
                dcc[j] = dc * f + dao * params[p + 1] + dai * params[p + 4] + daf * params[p + 7]
                dx = dao * params[p] + dai * params[p + 3] + daf * params[p + 6] + dag * params[p + 9]
            elif ct == 3:  # gru
                x = S[s]
                z = S[s + 1]
                r = S[s + 2]
                ht = S[s + 3]
                hp = H[hb - n + j]
                daz = dh * (hp - ht) * z * (1.0 - z)
                dah = dh * (1.0 - z) * (1.0 - ht * ht)
                uh = params[p + 7]
                dar = dah * uh * hp * r * (1.0 - r)
                grad[p] += daz * x
                grad[p + 1] += daz * hp
                grad[p + 2] += daz
                grad[p + 3] += dar * x
                grad[p + 4] += dar * hp
                grad[p + 5] += dar
                grad[p + 6] += dah * x
                grad[p + 7] += dah * r * hp
                grad[p + 8] += dah
                DH[hb - n + j] += dh * z + dah * uh * r + daz * params[p + 1] + dar * params[p + 4]
                dx = daz * params[p] + dar * params[p + 3] + dah * params[p + 6]
            elif ct == 1:  # ugrnn
                x = S[s]
                cc = S[s + 1]
                g = S[s + 2]
                hp = H[hb - n + j]
                dac = dh * (1.0 - g) * (1.0 - cc * cc)
                dag = dh * (hp - cc) * g * (1.0 - g)
                grad[p] += dac * x
                grad[p + 1] += dac * hp
                grad[p + 2] += dac
                grad[p + 3] += dag * x
                grad[p + 4] += dag * hp
                grad[p + 5] += dag
                DH[hb - n + j] += dh * g + dac * params[p + 1] + dag * params[p + 4]
                dx = dac * params[p] + dag * params[p + 3]
            elif ct == 2:  # mgu
                x = S[s]
                f = S[s + 1]
                ht = S[s + 2]
                hp = H[hb - n + j]
                dah = dh * f * (1.0 - ht * ht)
                uh = params[p + 4]
                daf = (dh * (ht - hp) + dah * uh * hp) * f * (1.0 - f)
                grad[p] += daf * x
                grad[p + 1] += daf * hp
                grad[p + 2] += daf
                grad[p + 3] += dah * x
                grad[p + 4] += dah * f * hp
                grad[p + 5] += dah
                DH[hb - n + j] += dh * (1.0 - f) + dah * uh * f + daf * params[p + 1]
                dx = daf * params[p] + dah * params[p + 3]
            else:  # delta
                x = S[s]
                zh = S[s + 1]
                r = S[s + 2]
                hp = H[hb - n + j]
                h = H[hb + j]
                da = dh * (1.0 - h * h)
                dar = da * (hp - zh) * r * (1.0 - r)
                daz = da * (1.0 - r) * (1.0 - zh * zh)
                al = params[p] + 2.0
                v = params[p + 3]
                d1 = v * hp
                dd1 = daz * (al * x + params[p + 1] + 1.0)
                grad[p] += daz * d1 * x
                grad[p + 1] += daz * d1
                grad[p + 2] += daz * x
                grad[p + 3] += dd1 * hp
                grad[p + 4] += dar
                grad[p + 5] += daz
                DH[hb - n + j] += da * r + dd1 * v
                dx = daz * (al * d1 + params[p + 2] + 1.0) + dar
            if in_col[j] < 0:
                for k in range(ptr[j], ptr[j + 1]):
                    idx = hb + eoff[k]
                    gw[k] += dx * H[idx]
                    DH[idx] += ws[k] * dx
    for k in range(ne):
        grad[ewpos[k]] += gw[k]
