"""SM-RNN: the stigmergic memory recurrent classifier.

Galatolo, Cimino & Vaglini, "Using stigmergy as a computational memory in
the design of recurrent neural networks", ICPRAM 2019 (arXiv:1903.01341);
forward pass as in the authors' ``torchsm`` 0.1.0. The numerics live in
:mod:`rnnkit.kernels.stigmergy`; the training loop, input validation,
early stopping and ``partial_fit`` in :mod:`rnnkit.recurrent._base`. This
module holds the parameters and the hooks.
"""
import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._sequences import as_sequence_input, sequence_form
from .._threads import compute_threads
from ..kernels.stigmergy import sm_backward, sm_forward
from ..losses import softmax_cross_entropy
from ..optim import init_weight
from ._base import BaseRecurrentClassifier, BaseRecurrentEstimator

__all__ = ["StigmergicClassifier", "init_stigmergic_params",
           "stigmergic_loss_grad"]

#: Initial PReLU slope (PyTorch's default).
PRELU_INIT = 0.25

#: Sequences per forward call in :meth:`StigmergicClassifier.marks`.
_PREDICT_CHUNK = 1024


class StigmergicClassifier(BaseRecurrentClassifier):
    """Stigmergic memory recurrent neural network (SM-RNN) classifier.

    At every step ``t`` a deposit and a removal network, each fed with the
    stimulus ``x_t`` and its own affine projection of the previous mark,
    add to and take from the mark (the stigmergic memory)::

        d_t = ReLU(W_d2 PReLU(W_d1 [x_t; W_p m_{t-1} + b_p] + b_d1) + b_d2)
        r_t = ReLU(W_r2 PReLU(W_r1 [x_t; W_q m_{t-1} + b_q] + b_r1) + b_r2)
        m_t = C(m_{t-1} + d_t - r_t),   m_0 = 0

    with the soft clamp ``C(v) = lo + (hi - lo) sigma(4 (v - lo)/(hi - lo) - 2)``
    between the finishing level ``lo = clamp_min`` and the saturation level
    ``hi = clamp_max``. A classifier ``PReLU(W_k2 PReLU(W_k1 m + b_k1) +
    b_k2)`` reads the mark at each sequence's last valid step (with the
    default ``prelu="paper"`` and ``classifier_hidden == n_classes`` its
    hidden layer is linear, see ``prelu``); the loss is the softmax
    cross-entropy of these logits. Training is full BPTT with
    minibatches (Adam, learning rate 1e-3, batch 20 by default), with
    hand-written Numba kernels.

    The defaults are the paper's spatial-MNIST configuration, so
    ``StigmergicClassifier(step_features=28)`` on 784-pixel rows is the
    3,190-parameter model. The temporal configuration is
    ``n_marks=30, classifier_hidden=20`` (5,420 parameters with 4 inputs).

    Parameters
    ----------
    n_marks : int, default=15
        Size ``M`` of the mark (``stig_dim``).
    stigmergic_hidden : int, default=20
        Hidden width ``H`` of the deposit and of the removal network.
    classifier_hidden : int, default=10
        Hidden width ``K`` of the classification network.
    prelu : {"paper", "channel", "scalar"}, default="paper"
        PReLU slopes. ``"scalar"``: one slope per PReLU layer (the authors'
        code, ``torch.nn.PReLU()``). ``"channel"``: one slope per unit.
        ``"paper"``: one slope per unit, except that the classifier's hidden
        PReLU is dropped (its hidden layer is linear) when its width equals
        the number of classes (``classifier_hidden == n_classes``). Only
        ``"paper"`` reproduces the paper's parameter counts (3,190 spatial,
        5,420 temporal); ``"channel"`` gives 3,200 and 5,420, ``"scalar"``
        3,144 and 5,354.
    clamp_min, clamp_max : float, default=0.0, 10.0
        Finishing and saturation levels of the soft clamp.
    step_features : int or None, default=None
        When ``X`` is a 2-D array, the number of features per step: each
        row holds ``n_steps * step_features`` values (row-by-row MNIST:
        ``step_features=28``). ``None`` reads a 2-D array as one step.
    optimizer : {"adam", "sgd"}, default="adam"
    learning_rate : float, default=1e-3
    batch_size : int, default=20
    max_epochs : int, default=10
        Epochs of :meth:`fit` (:meth:`partial_fit` makes one pass per call).
    shuffle : bool, default=True
        Shuffle the training data every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified), stop
        when the validation ``scoring`` has not improved by more than
        ``tol`` for ``n_iter_no_change`` consecutive epochs, and keep the
        parameters of the best validation epoch (a ``ConvergenceWarning``
        says so when that is the first epoch).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float or None, default=1e-4
        Least improvement that counts, in units of the validation loss or
        accuracy with early stopping, else of the training loss (``fit``
        then stops when the training loss has not improved by more than
        ``tol`` for ``n_iter_no_change`` consecutive epochs).  ``None``
        counts every improvement; without early stopping it always runs
        ``max_epochs``.
    scoring : "loss" or None, default="loss"
        What early stopping watches: ``"loss"`` the cross-entropy on the
        validation data (stored negated in ``validation_scores_``),
        ``None`` the validation accuracy.
    gradient_clip, gradient_boost : float or None, default=None
        Rescale gradients whose global norm is above / below this value to
        it.
    weight_clip : float or None, default=None
        Clip every parameter to ``[-weight_clip, weight_clip]`` after each
        update.
    init : {"uniform", "glorot_uniform", "orthogonal"}, default="uniform"
        Weight initialization; ``"uniform"`` is PyTorch's
        ``U(+-1/sqrt(fan_in))``. Biases are always ``U(+-1/sqrt(fan_in))``
        and PReLU slopes start at 0.25.
    standardize : bool, default=False
        Standardize each input feature (subtract its mean, divide by its
        standard deviation, both over the valid steps of the first training
        call's sequences) before the network; predictions take raw input.
        Off by default: the paper's model reads the stimuli as they are.
    dtype : {"float32", "float64"} or None, default=None
        Computation dtype; ``None`` follows the input.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization, shuffling and validation split.
    verbose : int, default=0
        ``1``: one line per epoch and why training stopped; ``2``: also
        progress within each epoch (about ten lines) and the training and
        validation time of each epoch.
    warm_start : bool, default=False
        Let :meth:`fit` continue from the current parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    params_ : list of one ndarray
        All trainable values in one vector (the optimizer updates it in a
        few array operations); :attr:`coefs_` and :meth:`get_weights` give
        them by name.
    coefs_ : dict of str to ndarray
        Named views into ``params_[0]`` in the kernels' layout.
    n_params_ : int
        Trainable parameters (counted as described under ``prelu``).
    loss_curve_ : list of float
        Mean training loss of each epoch (or :meth:`partial_fit` call).
    validation_scores_ : list of float
        Validation score of each epoch with early stopping: the negated
        validation cross-entropy for ``scoring="loss"``, else the accuracy.
    best_validation_score_ : float or None
    best_epoch_ : int or None
        Epoch whose parameters early stopping kept (counted like
        ``n_iter_``); ``None`` without early stopping.
    best_loss_ : float
        Lowest training loss of an epoch so far.
    input_mean_, input_scale_ : ndarray of shape (n_step_features,) or None
        Statistics of the input standardization (``None`` without it).
    n_iter_ : int
        Epochs run so far.
    t_ : int
        Optimizer steps so far.
    n_features_in_ : int
        Columns of a 2-D ``X``, else features per step.
    n_step_features_ : int
        Features per time step.
    dtype_ : type
        ``np.float32`` or ``np.float64``.

    See Also
    --------
    rnnkit.recurrent.RecurrentClassifier : LSTM / Elman / GRU baselines.

    Notes
    -----
    The batches are sorted by length and trimmed to their longest sequence;
    the recurrence runs over the padded steps of shorter sequences but the
    loss gradient enters at each sequence's last valid step, so results
    equal a recurrence stopped at each length. The per-step matrix products
    are tiny, so training runs BLAS on one thread.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.recurrent.stigmergic import StigmergicClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5, 3))          # 60 sequences of 5 steps
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = StigmergicClassifier(n_marks=4, stigmergic_hidden=8,
    ...                            classifier_hidden=4, max_epochs=3,
    ...                            random_state=0).fit(X, y)
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> clf.marks(X[:2]).shape                   # the mark after every step
    (2, 5, 4)
    >>> digits = StigmergicClassifier(step_features=28, max_epochs=1)
    >>> digits.fit(np.zeros((10, 784)), np.arange(10)).n_params_
    3190
    """

    _parameter_constraints = {
        **BaseRecurrentEstimator._parameter_constraints,
        "n_marks": [Interval(Integral, 1, None, closed="left")],
        "stigmergic_hidden": [Interval(Integral, 1, None, closed="left")],
        "classifier_hidden": [Interval(Integral, 1, None, closed="left")],
        "prelu": [StrOptions({"paper", "channel", "scalar"})],
        "clamp_min": [Real],
        "clamp_max": [Real],
    }

    def __init__(self, n_marks=15, stigmergic_hidden=20, classifier_hidden=10,
                 *, prelu="paper", clamp_min=0.0, clamp_max=10.0,
                 step_features=None, optimizer="adam", learning_rate=1e-3,
                 batch_size=20, max_epochs=10, shuffle=True,
                 early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, scoring="loss",
                 gradient_clip=None, gradient_boost=None, weight_clip=None,
                 init="uniform", standardize=False, dtype=None,
                 random_state=None, verbose=0, warm_start=False):
        self.n_marks = n_marks
        self.stigmergic_hidden = stigmergic_hidden
        self.classifier_hidden = classifier_hidden
        self.prelu = prelu
        self.clamp_min = clamp_min
        self.clamp_max = clamp_max
        BaseRecurrentEstimator.__init__(
            self, step_features=step_features, optimizer=optimizer,
            learning_rate=learning_rate, batch_size=batch_size,
            max_epochs=max_epochs, shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol, scoring=scoring,
            gradient_clip=gradient_clip, gradient_boost=gradient_boost,
            weight_clip=weight_clip, init=init, standardize=standardize,
            dtype=dtype, random_state=random_state, verbose=verbose, warm_start=warm_start,
        )

    # ------------------------------------------------------- public API
    # decision_function, predict_proba, predict_log_proba and predict come
    # from BaseRecurrentClassifier (softmax over the classifier logits).

    @compute_threads()
    def marks(self, X):
        """Mark trajectories: the stigmergic memory after every step.

        Parameters
        ----------
        X : sequences, see :meth:`fit`

        Returns
        -------
        marks : ndarray of shape (n_samples, n_steps, n_marks) or list of \
                ndarray of shape (n_steps_i, n_marks)
            ``marks[i][t]`` is the mark after reading step ``t`` (``m_{t+1}``
            in the equations). A list when ``X`` is a list of sequences;
            otherwise an array, NaN after each sequence's end.
        """
        check_is_fitted(self, "params_")
        X = as_sequence_input(X)
        Xp, lengths = self._check_X_stateless(X, False, self.dtype_)
        n, T = Xp.shape[:2]
        traj = np.full((n, T, self.n_marks), np.nan, dtype=self.dtype_)
        coefs = self.coefs_
        for s in range(0, n, _PREDICT_CHUNK):
            sl = slice(s, min(n, s + _PREDICT_CHUNK))
            L = lengths[sl]
            Tb = int(L.max())
            Xb = self._standardize_inputs(np.array(Xp[sl, :Tb]), L)
            Xt = np.ascontiguousarray(Xb.transpose(1, 0, 2))
            m = _forward(coefs, Xt, L, self.clamp_min, self.clamp_max)[1]
            traj[sl, :Tb] = m[1:].transpose(1, 0, 2)
        for i, L in enumerate(lengths):
            traj[i, L:] = np.nan
        if sequence_form(X) == "list":
            return [traj[i, :L].copy() for i, L in enumerate(lengths)]
        return traj

    @property
    def coefs_(self):
        """Named views into the parameter vector (kernels' layout)."""
        check_is_fitted(self, "params_")
        return _unflatten(self.params_[0], self._layout)

    def get_weights(self):
        """The trained parameters in the layout of the equations.

        Returns
        -------
        weights : dict of str to ndarray
            ``W_d1 (H, F+M)``, ``b_d1``, ``W_d2 (M, H)``, ``b_d2``, ``W_r1``,
            ``b_r1``, ``W_r2``, ``b_r2``, ``W_p (M, M)``, ``b_p``, ``W_q``,
            ``b_q``, ``W_k1 (K, M)``, ``b_k1``, ``W_k2 (C, K)``, ``b_k2`` and
            the slopes ``a_d``, ``a_r``, ``a_k``, ``a_o`` (per unit or one
            value; ``a_k`` is all ones, the identity, when the hidden PReLU
            is dropped). Copies.
        """
        return named_weights(self.coefs_)

    # ------------------------------------------------------------ hooks
    def _fit(self, X, y, incremental, classes=None):
        if not self.clamp_max > self.clamp_min:
            raise ValueError(
                f"clamp_max={self.clamp_max} must be greater than "
                f"clamp_min={self.clamp_min}."
            )
        return super()._fit(X, y, incremental, classes)

    def _init_params(self, n_features, n_outputs, rng, dtype):
        coefs = init_stigmergic_params(
            n_features, self.n_marks, self.stigmergic_hidden,
            self.classifier_hidden, n_outputs, self.prelu, rng, dtype,
            self.init,
        )
        self._layout = [(k, tuple(int(d) for d in v.shape))
                        for k, v in coefs.items()]
        return [np.concatenate([v.ravel() for v in coefs.values()])]

    def _forward(self, params, X, lengths):
        coefs = _unflatten(params[0], self._layout)
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))
        return _forward(coefs, Xt, lengths, self.clamp_min, self.clamp_max)[0]

    def _forward_backward(self, params, X, lengths, Y, scratch):
        coefs = _unflatten(params[0], self._layout)
        flat_grad = np.empty_like(params[0])
        grads = _unflatten(flat_grad, self._layout)
        loss = _loss_grad(coefs, X, lengths, Y, self.clamp_min,
                          self.clamp_max, grads, self._loss_and_grad)
        return loss, [flat_grad]


# ---------------------------------------------------------------- helpers
def init_stigmergic_params(n_features, n_marks, hidden, classifier_hidden,
                           n_classes, prelu, rng, dtype=np.float64,
                           init="uniform"):
    """Parameters of an SM-RNN, by default PyTorch's initialization.

    Linear biases are drawn from ``U(+-1/sqrt(fan_in))``, weights with the
    scheme ``init`` (``"uniform"``: the same distribution), PReLU slopes
    start at 0.25.

    Parameters
    ----------
    n_features, n_marks, hidden, classifier_hidden, n_classes : int
        ``F``, ``M``, ``H``, ``K``, ``C``.
    prelu : {"paper", "channel", "scalar"}
    rng : numpy.random.RandomState or Generator
    dtype : dtype
    init : {"uniform", "glorot_uniform", "orthogonal"}, default="uniform"

    Returns
    -------
    params : dict of str to ndarray
        ``W1x (2H, F)`` and ``b1 (2H,)`` (deposit rows first, then removal),
        ``Wd1p, Wr1p (H, M)``, ``Wpq (2M, M)``, ``bpq (2M,)`` (``W_p`` then
        ``W_q``), ``Wd2, Wr2 (M, H)``, ``b2 (2M,)``, ``s1 (2H,)`` or
        ``(2,)``, ``Wk1 (K, M)``, ``bk1 (K,)``, ``sk (K,)`` or ``(1,)``
        (absent when the hidden PReLU is dropped), ``Wk2 (C, K)``, ``bk2
        (C,)`` and ``so (C,)`` or ``(1,)``.
    """
    F, M, H, K, C = n_features, n_marks, hidden, classifier_hidden, n_classes

    def linear(n_in, n_out):
        W = init_weight(init, (n_out, n_in), n_in, n_out, rng)
        b = 1.0 / math.sqrt(n_in)
        return W, rng.uniform(-b, b, size=n_out)

    W_d1, b_d1 = linear(F + M, H)
    W_r1, b_r1 = linear(F + M, H)
    W_p, b_p = linear(M, M)
    W_q, b_q = linear(M, M)
    W_d2, b_d2 = linear(H, M)
    W_r2, b_r2 = linear(H, M)
    W_k1, b_k1 = linear(M, K)
    W_k2, b_k2 = linear(K, C)
    per_unit = prelu != "scalar"
    p = {
        "W1x": np.vstack([W_d1[:, :F], W_r1[:, :F]]),
        "b1": np.concatenate([b_d1, b_r1]),
        "Wd1p": W_d1[:, F:],
        "Wr1p": W_r1[:, F:],
        "Wpq": np.vstack([W_p, W_q]),
        "bpq": np.concatenate([b_p, b_q]),
        "Wd2": W_d2,
        "Wr2": W_r2,
        "b2": np.concatenate([b_d2, b_r2]),
        "s1": np.full(2 * H if per_unit else 2, PRELU_INIT),
        "Wk1": W_k1,
        "bk1": b_k1,
        "sk": np.full(K if per_unit else 1, PRELU_INIT),
        "Wk2": W_k2,
        "bk2": b_k2,
        "so": np.full(C if per_unit else 1, PRELU_INIT),
    }
    if prelu == "paper" and K == C:
        del p["sk"]  # the classifier's hidden layer is linear
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in p.items()}


def stigmergic_loss_grad(params, X, lengths, y, clamp_min=0.0, clamp_max=10.0,
                         sample_weight=None):
    """Mean cross-entropy of a batch and its gradient for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        As returned by :func:`init_stigmergic_params`.
    X : ndarray of shape (B, T, F)
        Padded sequences (batch-major, as from ``check_sequences``).
    lengths : ndarray of shape (B,)
    y : ndarray of shape (B,), int
        Class indices.
    clamp_min, clamp_max : float
    sample_weight : ndarray of shape (B,) or None
        The loss is ``sum(w * nll) / sum(w)``.

    Returns
    -------
    loss : float
    grads : dict of str to ndarray
        Same keys and shapes as ``params``.
    """
    def loss_and_grad(logits, Y, lengths):
        return softmax_cross_entropy(logits, Y, sample_weight)

    grads = {k: np.empty_like(v) for k, v in params.items()}
    loss = _loss_grad(params, X, lengths, y, clamp_min, clamp_max, grads,
                      loss_and_grad)
    return loss, grads


def named_weights(c):
    """Parameters in the equations' layout from the kernels' layout ``c``."""
    H = c["Wd1p"].shape[0]
    M = c["Wd2"].shape[0]
    s1 = c["s1"]
    nd = len(s1) // 2
    return {
        "W_d1": np.hstack([c["W1x"][:H], c["Wd1p"]]),
        "b_d1": c["b1"][:H].copy(),
        "W_d2": c["Wd2"].copy(),
        "b_d2": c["b2"][:M].copy(),
        "W_r1": np.hstack([c["W1x"][H:], c["Wr1p"]]),
        "b_r1": c["b1"][H:].copy(),
        "W_r2": c["Wr2"].copy(),
        "b_r2": c["b2"][M:].copy(),
        "W_p": c["Wpq"][:M].copy(),
        "b_p": c["bpq"][:M].copy(),
        "W_q": c["Wpq"][M:].copy(),
        "b_q": c["bpq"][M:].copy(),
        "W_k1": c["Wk1"].copy(),
        "b_k1": c["bk1"].copy(),
        "W_k2": c["Wk2"].copy(),
        "b_k2": c["bk2"].copy(),
        "a_d": s1[:nd].copy(),
        "a_r": s1[nd:].copy(),
        "a_k": (c["sk"].copy() if "sk" in c
                else np.ones(c["Wk1"].shape[0], dtype=c["Wk1"].dtype)),
        "a_o": c["so"].copy(),
    }


def _loss_grad(p, X, lengths, y, clamp_min, clamp_max, out, loss_and_grad):
    """Forward, ``loss_and_grad(logits, y, lengths)``, backward into ``out``."""
    dt = p["W1x"].dtype
    T = int(lengths.max())
    Xt = np.ascontiguousarray(X[:, :T].transpose(1, 0, 2), dtype=dt)
    lengths = np.ascontiguousarray(lengths, dtype=np.int64)
    y = np.ascontiguousarray(y, dtype=np.int64)
    W1p, W2, s1, sk, so = _kernel_weights(p)
    res = sm_forward(
        Xt, lengths, p["W1x"], p["b1"], W1p, p["Wpq"], p["bpq"], W2, p["b2"],
        s1, p["Wk1"], p["bk1"], sk, p["Wk2"], p["bk2"], so,
        float(clamp_min), float(clamp_max),
    )
    loss, dlogits = loss_and_grad(res[0], y, lengths)
    dlogits = np.ascontiguousarray(dlogits, dtype=dt)
    (gW1x, gb1, gW1p, gWpq, gbpq, gW2, gb2, gs1, gWk1, gbk1, gsk, gWk2,
     gbk2, gso) = sm_backward(
        Xt, lengths, W1p, p["Wpq"], W2, s1, p["Wk1"], sk, p["Wk2"], so,
        *res[1:], dlogits,
    )
    H = p["Wd1p"].shape[0]
    M = p["Wd2"].shape[0]
    out["W1x"][...] = gW1x
    out["b1"][...] = gb1
    out["Wd1p"][...] = gW1p[:H, :M]
    out["Wr1p"][...] = gW1p[H:, M:]
    out["Wpq"][...] = gWpq
    out["bpq"][...] = gbpq
    out["Wd2"][...] = gW2[:M, :H]
    out["Wr2"][...] = gW2[M:, H:]
    out["b2"][...] = gb2
    out["s1"][...] = (gs1 if p["s1"].size == gs1.size
                      else gs1.reshape(2, H).sum(1))
    out["Wk1"][...] = gWk1
    out["bk1"][...] = gbk1
    out["Wk2"][...] = gWk2
    out["bk2"][...] = gbk2
    if "sk" in p:
        out["sk"][...] = gsk if p["sk"].size == gsk.size else gsk.sum()
    out["so"][...] = gso if p["so"].size == gso.size else gso.sum()
    return float(loss)


def _unflatten(flat, layout):
    """Named views of ``flat`` with the ``(name, shape)`` pairs of ``layout``."""
    out = {}
    start = 0
    for k, shape in layout:
        size = math.prod(shape)
        out[k] = flat[start:start + size].reshape(shape)
        start += size
    return out


def _kernel_weights(p):
    """Block-diagonal matrices and per-unit slope vectors for the kernels."""
    H, M = p["Wd1p"].shape
    dt = p["Wd1p"].dtype
    W1p = np.zeros((2 * H, 2 * M), dtype=dt)
    W1p[:H, :M] = p["Wd1p"]
    W1p[H:, M:] = p["Wr1p"]
    W2 = np.zeros((2 * M, 2 * H), dtype=dt)
    W2[:M, :H] = p["Wd2"]
    W2[M:, H:] = p["Wr2"]
    s1 = p["s1"] if p["s1"].size == 2 * H else np.repeat(p["s1"], H)
    K = p["Wk1"].shape[0]
    C = p["Wk2"].shape[0]
    if "sk" not in p:  # dropped hidden PReLU: slope 1 is the identity
        sk = np.ones(K, dtype=dt)
    else:
        sk = p["sk"] if p["sk"].size == K else np.full(K, p["sk"][0], dtype=dt)
    so = p["so"] if p["so"].size == C else np.full(C, p["so"][0], dtype=dt)
    return W1p, W2, s1, sk, so


def _forward(params, Xt, lengths, clamp_min, clamp_max):
    """Forward pass on time-major ``Xt (T, B, F)``: (logits, marks)."""
    W1p, W2, s1, sk, so = _kernel_weights(params)
    p = params
    res = sm_forward(
        Xt, np.ascontiguousarray(lengths, dtype=np.int64), p["W1x"], p["b1"],
        W1p, p["Wpq"], p["bpq"], W2, p["b2"], s1, p["Wk1"], p["bk1"], sk,
        p["Wk2"], p["bk2"], so, float(clamp_min), float(clamp_max),
    )
    return res[0], res[1]
