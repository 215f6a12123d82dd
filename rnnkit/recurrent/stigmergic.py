"""SM-RNN: the stigmergic memory recurrent classifier.

Galatolo, Cimino & Vaglini, "Using stigmergy as a computational memory in
the design of recurrent neural networks", ICPRAM 2019 (arXiv:1903.01341);
forward pass as in the authors' ``torchsm`` 0.1.0. The numerics live in
:mod:`rnnkit.kernels.stigmergy`; this module holds the parameters, the
training loop and the scikit-learn interface.
"""
import math
import time
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from threadpoolctl import threadpool_limits
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._sequences import check_sequences, sequence_form
from ..kernels.stigmergy import sm_backward, sm_forward, softmax_cross_entropy
from ..optim import make_optimizer

__all__ = ["StigmergicClassifier"]

#: Initial PReLU slope (PyTorch's default).
PRELU_INIT = 0.25

#: Sequences per forward call in predict / marks.
_PREDICT_CHUNK = 1024


class StigmergicClassifier(ClassifierMixin, BaseEstimator):
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
    b_k2)`` reads the mark at each sequence's last valid step; the loss is
    the softmax cross-entropy of these logits. Training is full BPTT with
    minibatches (Adam by default).

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
        and output PReLUs share one slope vector when they have the same
        width (``classifier_hidden == n_classes``). This reconstruction
        reproduces the paper's counts (3,190 spatial, 5,420 temporal);
        ``"channel"`` gives 3,200 and 5,420, ``"scalar"`` 3,144 and 5,354.
    clamp_min, clamp_max : float, default=0.0, 10.0
        Finishing and saturation levels of the soft clamp.
    step_features : int or None, default=None
        When ``X`` is a 2-D array, the number of features per step: each
        row holds ``n_steps * step_features`` values (row-by-row MNIST:
        ``step_features=28``). ``None`` reads a 2-D array as one step.
    solver : {"adam", "sgd"}, default="adam"
    learning_rate_init : float, default=1e-3
    batch_size : int, default=20
    max_iter : int, default=10
        Epochs (passes over the training data) in :meth:`fit`.
    shuffle : bool, default=True
        Shuffle the training data every epoch.
    tol : float, default=1e-4
        Improvement of the training loss (or of the validation score with
        ``early_stopping``) below which an epoch counts as no improvement.
    n_iter_no_change : int, default=10
        Stop after this many epochs without improvement.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when its accuracy stops improving and keep the best weights.
    validation_fraction : float, default=0.1
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Continue from the fitted weights on :meth:`fit`.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization, shuffling and validation split.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Features per step.
    n_params_ : int
        Trainable parameters (counted as described under ``prelu``).
    coefs_ : dict of str to ndarray
        The trained parameters by name (see :meth:`get_weights`).
    loss_ : float
        Training loss of the last epoch.
    loss_curve_ : list of float
        Mean training loss of every epoch (or :meth:`partial_fit` call).
    validation_scores_ : list of float or None
        Validation accuracy per epoch when ``early_stopping``.
    best_validation_score_ : float or None
    best_loss_ : float or None
    n_iter_ : int
        Epochs run.
    t_ : int
        Optimizer updates done.
    train_time_ : float
        Wall-clock seconds spent in the last :meth:`fit` / :meth:`partial_fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.recurrent.stigmergic import StigmergicClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5, 3))          # 60 sequences of 5 steps
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = StigmergicClassifier(n_marks=4, stigmergic_hidden=8,
    ...                            classifier_hidden=4, max_iter=3,
    ...                            random_state=0).fit(X, y)
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> digits = StigmergicClassifier(step_features=28, max_iter=1)
    >>> digits.fit(np.zeros((10, 784)), np.arange(10)).n_params_
    3190
    """

    _parameter_constraints = {
        "n_marks": [Interval(Integral, 1, None, closed="left")],
        "stigmergic_hidden": [Interval(Integral, 1, None, closed="left")],
        "classifier_hidden": [Interval(Integral, 1, None, closed="left")],
        "prelu": [StrOptions({"paper", "channel", "scalar"})],
        "clamp_min": [Real],
        "clamp_max": [Real],
        "step_features": [Interval(Integral, 1, None, closed="left"), None],
        "solver": [StrOptions({"adam", "sgd"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_marks=15,
        stigmergic_hidden=20,
        classifier_hidden=10,
        *,
        prelu="paper",
        clamp_min=0.0,
        clamp_max=10.0,
        step_features=None,
        solver="adam",
        learning_rate_init=1e-3,
        batch_size=20,
        max_iter=10,
        shuffle=True,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        verbose=False,
        warm_start=False,
        random_state=None,
    ):
        self.n_marks = n_marks
        self.stigmergic_hidden = stigmergic_hidden
        self.classifier_hidden = classifier_hidden
        self.prelu = prelu
        self.clamp_min = clamp_min
        self.clamp_max = clamp_max
        self.step_features = step_features
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.verbose = verbose
        self.warm_start = warm_start
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on sequences for ``max_iter`` epochs (or until stopped).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_steps, n_features), list of \
                ndarray of shape (n_steps_i, n_features), or ndarray of \
                shape (n_samples, n_steps * step_features)
            Training sequences.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : StigmergicClassifier
        """
        Xp, lengths, y = self._validate_fit_input(X, y)
        warm = self.warm_start and hasattr(self, "coefs_")
        if warm:
            self._check_n_features(Xp)
            y_enc = self._encode_known(y)
        else:
            classes = unique_labels(y)
            self._check_n_classes(classes)
            y_enc = np.searchsorted(classes, y)
        rng = check_random_state(self.random_state)
        if not warm:
            self.classes_ = classes
            self.n_features_in_ = Xp.shape[2]
            self._initialize(Xp.dtype, rng)
        self._fit_epochs(Xp, lengths, y_enc, rng, self.max_iter, use_val=True)
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing from the current weights.

        Parameters
        ----------
        X : sequences, see :meth:`fit`
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored afterwards
            (must then match ``classes_`` if given).

        Returns
        -------
        self : StigmergicClassifier
        """
        first = not hasattr(self, "coefs_")
        if first:
            self._validate_params()
        Xp, lengths, y = self._validate_fit_input(X, y)
        if first:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            classes = unique_labels(np.asarray(classes))
            self._check_n_classes(classes)
            unknown = np.setdiff1d(unique_labels(y), classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} that are not in "
                    f"classes={classes.tolist()}."
                )
            rng = check_random_state(self.random_state)
            self.classes_ = classes
            self.n_features_in_ = Xp.shape[2]
            self._initialize(Xp.dtype, rng)
        else:
            if classes is not None and not np.array_equal(
                unique_labels(np.asarray(classes)), self.classes_
            ):
                raise ValueError(
                    f"classes={np.asarray(classes).tolist()} differs from the "
                    f"classes of the first partial_fit call "
                    f"{self.classes_.tolist()}."
                )
            self._check_n_features(Xp)
            rng = self._partial_rng
        y_enc = self._encode_known(y)
        self._fit_epochs(Xp, lengths, y_enc, rng, 1, use_val=False)
        return self

    # -------------------------------------------------------------- predict
    def decision_function(self, X):
        """Logits (the PReLU-activated classifier outputs) at the last step.

        Parameters
        ----------
        X : sequences, see :meth:`fit`

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) \
                for two classes
            The logits; for two classes, as in scikit-learn, the difference
            ``logit[1] - logit[0]`` (positive means ``classes_[1]``).
        """
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        z = self._logits(X)
        z = z - z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        z = self._logits(X)
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X):
        """Predicted class of each sequence.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self._logits(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def marks(self, X):
        """Mark trajectories: the stigmergic memory after every step.

        Parameters
        ----------
        X : sequences, see :meth:`fit`

        Returns
        -------
        marks : ndarray of shape (n_samples, n_steps, n_marks) or list of \
                ndarray of shape (n_steps_i, n_marks)
            ``marks[i][t]`` is ``m_{t+1}`` (after reading step ``t``). A list
            when ``X`` is a list of sequences, an array otherwise.
        """
        check_is_fitted(self, "coefs_")
        Xp, lengths = self._validate_X(X)
        traj = self._forward_chunks(Xp, lengths, keep_marks=True)[1]
        if sequence_form(X) == "list":
            return [traj[i, :L].copy() for i, L in enumerate(lengths)]
        return traj

    def get_weights(self):
        """The trained parameters in the layout of the equations.

        Returns
        -------
        weights : dict of str to ndarray
            ``W_d1 (H, F+M)``, ``b_d1``, ``W_d2 (M, H)``, ``b_d2``, ``W_r1``,
            ``b_r1``, ``W_r2``, ``b_r2``, ``W_p (M, M)``, ``b_p``, ``W_q``,
            ``b_q``, ``W_k1 (K, M)``, ``b_k1``, ``W_k2 (C, K)``, ``b_k2`` and
            the slopes ``a_d``, ``a_r``, ``a_k``, ``a_o`` (per unit or
            scalar, ``a_o`` is ``a_k`` when shared).
        """
        check_is_fitted(self, "coefs_")
        c = self.coefs_
        H, M = self.stigmergic_hidden, self.n_marks
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
            "a_k": c["sk"].copy(),
            "a_o": c["so"].copy() if "so" in c else c["sk"].copy(),
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_flat" in state:  # views do not survive pickling
            self._bind_views()

    # ------------------------------------------------------------ internals
    def _bind_views(self):
        self.coefs_ = {}
        start = 0
        for k, shape in self._shapes:
            size = int(np.prod(shape))
            self.coefs_[k] = self._flat[start:start + size].reshape(shape)
            start += size

    def _logits(self, X):
        check_is_fitted(self, "coefs_")
        Xp, lengths = self._validate_X(X)
        return self._forward_chunks(Xp, lengths)[0]

    def _validate_X(self, X):
        X = _as_sequences(X)
        Xp, lengths = check_sequences(
            X, step_features=self.step_features, dtype=self._dtype,
            estimator_name=type(self).__name__,
        )
        self._check_n_features(Xp)
        return Xp, lengths

    def _validate_fit_input(self, X, y):
        if not self.clamp_max > self.clamp_min:
            raise ValueError(
                f"clamp_max={self.clamp_max} must be greater than "
                f"clamp_min={self.clamp_min}."
            )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the "
                "target y is None."
            )
        Xp, lengths = check_sequences(
            _as_sequences(X), step_features=self.step_features,
            estimator_name=type(self).__name__,
        )
        y = column_or_1d(y, warn=True)
        if len(y) != Xp.shape[0]:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{Xp.shape[0]}, {len(y)}]"
            )
        check_classification_targets(y)
        if hasattr(self, "_dtype") and hasattr(self, "coefs_"):
            Xp = Xp.astype(self._dtype, copy=False)
        return Xp, lengths, y

    def _check_n_features(self, Xp):
        F = Xp.shape[2]
        if F != self.n_features_in_:
            raise ValueError(
                f"X has {F} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )

    @staticmethod
    def _check_n_classes(classes):
        if len(classes) < 2:
            raise ValueError(
                "StigmergicClassifier needs samples of at least 2 classes in "
                f"the data, but the data contains only one class: {classes[0]!r}."
            )

    def _encode_known(self, y):
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains previously unseen labels {unknown.tolist()}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return np.searchsorted(self.classes_, y)

    def _initialize(self, dtype, rng):
        self._dtype = np.dtype(dtype)
        coefs = init_stigmergic_params(
            self.n_features_in_, self.n_marks, self.stigmergic_hidden,
            self.classifier_hidden, len(self.classes_), self.prelu, rng,
            self._dtype,
        )
        # one flat vector, the named parameters are views into it, so that
        # the optimizer updates everything with a few array operations
        self._shapes = [(k, v.shape) for k, v in coefs.items()]
        self._flat = np.concatenate([v.ravel() for v in coefs.values()])
        self._bind_views()
        self.n_params_ = int(self._flat.size)
        self._optimizer = make_optimizer(
            self.solver, [self._flat], self.learning_rate_init
        )
        self._partial_rng = rng
        self.loss_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = None
        self.best_loss_ = np.inf
        self._no_improvement_count = 0
        self.n_iter_ = 0
        self.t_ = 0

    def _fit_epochs(self, Xp, lengths, y_enc, rng, n_epochs, use_val):
        # the per-step GEMMs are tiny (batch x tens): BLAS threads only add
        # synchronization, which costs several times the work on a busy host
        with threadpool_limits(limits=1, user_api="blas"):
            self._run_epochs(Xp, lengths, y_enc, rng, n_epochs, use_val)

    def _run_epochs(self, Xp, lengths, y_enc, rng, n_epochs, use_val):
        start = time.perf_counter()
        n = Xp.shape[0]
        val = None
        if use_val and self.early_stopping:
            stratify = y_enc if np.bincount(y_enc).min() >= 2 else None
            idx_tr, idx_val = train_test_split(
                np.arange(n), test_size=self.validation_fraction,
                random_state=rng, stratify=stratify,
            )
            if len(idx_val) == 0 or len(idx_tr) == 0:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves "
                    f"an empty training or validation set of {n} samples."
                )
            val = (Xp[idx_val], lengths[idx_val], y_enc[idx_val])
            Xp, lengths, y_enc = Xp[idx_tr], lengths[idx_tr], y_enc[idx_tr]
            n = Xp.shape[0]
            best_coefs = None
        flat_grad = np.empty_like(self._flat)
        grad_views = {}
        start = 0
        for k, shape in self._shapes:
            size = int(np.prod(shape))
            grad_views[k] = flat_grad[start:start + size].reshape(shape)
            start += size
        bs = min(self.batch_size, n)
        weights = np.ones(bs, dtype=self._dtype)
        for epoch in range(n_epochs):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            total = 0.0
            for s in range(0, n, bs):
                idx = order[s:s + bs]
                loss, grads = stigmergic_loss_grad(
                    self.coefs_, Xp[idx], lengths[idx], y_enc[idx],
                    self.clamp_min, self.clamp_max,
                    weights[:len(idx)],
                )
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"Training loss became {loss} at update {self.t_ + 1}; "
                        "lower learning_rate_init."
                    )
                for k, g in grads.items():
                    grad_views[k][...] = g
                self._optimizer.update_params([self._flat], [flat_grad])
                self.t_ += 1
                total += loss * len(idx)
            self.n_iter_ += 1
            self.loss_ = total / n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if not use_val:
                continue
            if val is not None:
                score = float(np.mean(
                    np.argmax(self._forward_chunks(val[0], val[1])[0], 1)
                    == val[2]
                ))
                self.validation_scores_.append(score)
                if self.verbose:
                    print(f"Validation score: {score:.6f}")
                best = self.best_validation_score_
                if best is None or score > best + self.tol:
                    self._no_improvement_count = 0
                else:
                    self._no_improvement_count += 1
                if best is None or score > best:
                    self.best_validation_score_ = score
                    best_coefs = {k: v.copy() for k, v in self.coefs_.items()}
            else:
                if self.loss_ > self.best_loss_ - self.tol:
                    self._no_improvement_count += 1
                else:
                    self._no_improvement_count = 0
                self.best_loss_ = min(self.best_loss_, self.loss_)
            if self._no_improvement_count >= self.n_iter_no_change:
                if self.verbose:
                    print(
                        f"No improvement for {self.n_iter_no_change} "
                        "consecutive epochs. Stopping."
                    )
                break
        if val is not None and best_coefs is not None:
            for k, v in best_coefs.items():
                self.coefs_[k][...] = v
        self.train_time_ = time.perf_counter() - start

    def _forward_chunks(self, Xp, lengths, keep_marks=False):
        n = Xp.shape[0]
        C = len(self.classes_)
        out = np.empty((n, C), dtype=self._dtype)
        traj = (np.empty((n, Xp.shape[1], self.n_marks), dtype=self._dtype)
                if keep_marks else None)
        for s in range(0, n, _PREDICT_CHUNK):
            sl = slice(s, min(n, s + _PREDICT_CHUNK))
            L = lengths[sl]
            T = int(L.max())
            Xt = np.ascontiguousarray(Xp[sl, :T].transpose(1, 0, 2))
            res = _forward(self.coefs_, Xt, L, self.clamp_min, self.clamp_max)
            out[sl] = res[0]
            if keep_marks:
                traj[sl, :T] = res[1][1:].transpose(1, 0, 2)
                traj[sl, T:] = np.nan
        return out, traj


# ---------------------------------------------------------------- helpers
def _as_sequences(X):
    """Array-likes that are neither lists nor arrays (e.g. pandas) as arrays."""
    if isinstance(X, (list, tuple, np.ndarray)) or issparse(X):
        return X  # sparse input gets check_array's "not supported" error
    return np.asarray(X)


def init_stigmergic_params(n_features, n_marks, hidden, classifier_hidden,
                           n_classes, prelu, rng, dtype=np.float64):
    """Parameters of an SM-RNN with PyTorch's default initialization.

    Linear weights and biases are drawn from ``U(+-1/sqrt(fan_in))``, PReLU
    slopes start at 0.25.

    Parameters
    ----------
    n_features, n_marks, hidden, classifier_hidden, n_classes : int
        ``F``, ``M``, ``H``, ``K``, ``C``.
    prelu : {"paper", "channel", "scalar"}
    rng : numpy.random.RandomState or Generator
    dtype : dtype

    Returns
    -------
    params : dict of str to ndarray
        ``W1x (2H, F)`` and ``b1 (2H,)`` (deposit rows first, then removal),
        ``Wd1p, Wr1p (H, M)``, ``Wpq (2M, M)``, ``bpq (2M,)`` (``W_p`` then
        ``W_q``), ``Wd2, Wr2 (M, H)``, ``b2 (2M,)``, ``s1 (2H,)`` or
        ``(2,)``, ``Wk1 (K, M)``, ``bk1 (K,)``, ``sk (K,)`` or ``(1,)``,
        ``Wk2 (C, K)``, ``bk2 (C,)`` and ``so (C,)`` or ``(1,)`` (absent when
        shared with ``sk``).
    """
    F, M, H, K, C = n_features, n_marks, hidden, classifier_hidden, n_classes

    def U(shape, fan_in):
        b = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-b, b, size=shape)

    W_d1, b_d1 = U((H, F + M), F + M), U(H, F + M)
    W_r1, b_r1 = U((H, F + M), F + M), U(H, F + M)
    W_p, b_p = U((M, M), M), U(M, M)
    W_q, b_q = U((M, M), M), U(M, M)
    W_d2, b_d2 = U((M, H), H), U(M, H)
    W_r2, b_r2 = U((M, H), H), U(M, H)
    W_k1, b_k1 = U((K, M), M), U(K, M)
    W_k2, b_k2 = U((C, K), K), U(C, K)
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
    }
    if not (prelu == "paper" and K == C):
        p["so"] = np.full(C if per_unit else 1, PRELU_INIT)
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

    Returns
    -------
    loss : float
    grads : dict of str to ndarray
        Same keys and shapes as ``params``.
    """
    dt = params["W1x"].dtype
    T = int(lengths.max())
    Xt = np.ascontiguousarray(X[:, :T].transpose(1, 0, 2), dtype=dt)
    lengths = np.ascontiguousarray(lengths, dtype=np.int64)
    y = np.ascontiguousarray(y, dtype=np.int64)
    if sample_weight is None:
        sample_weight = np.ones(len(y), dtype=dt)
    W1p, W2, s1, sk, so = _kernel_weights(params)
    p = params
    res = sm_forward(
        Xt, lengths, p["W1x"], p["b1"], W1p, p["Wpq"], p["bpq"], W2, p["b2"],
        s1, p["Wk1"], p["bk1"], sk, p["Wk2"], p["bk2"], so,
        float(clamp_min), float(clamp_max),
    )
    loss, dlogits = softmax_cross_entropy(res[0], y, sample_weight)
    (gW1x, gb1, gW1p, gWpq, gbpq, gW2, gb2, gs1, gWk1, gbk1, gsk, gWk2,
     gbk2, gso) = sm_backward(
        Xt, lengths, W1p, p["Wpq"], W2, s1, p["Wk1"], sk, p["Wk2"], so,
        *res[1:], dlogits,
    )
    H = p["Wd1p"].shape[0]
    M = p["Wd2"].shape[0]
    g = {
        "W1x": gW1x, "b1": gb1,
        "Wd1p": gW1p[:H, :M], "Wr1p": gW1p[H:, M:],
        "Wpq": gWpq, "bpq": gbpq,
        "Wd2": gW2[:M, :H], "Wr2": gW2[M:, H:], "b2": gb2,
        "s1": gs1 if p["s1"].size == gs1.size else gs1.reshape(2, H).sum(1),
        "Wk1": gWk1, "bk1": gbk1, "Wk2": gWk2, "bk2": gbk2,
    }
    if "so" in p:
        g["sk"] = gsk if p["sk"].size == gsk.size else gsk.sum(keepdims=True)
        g["so"] = gso if p["so"].size == gso.size else gso.sum(keepdims=True)
    else:  # hidden and output PReLU share one slope vector
        g["sk"] = gsk + gso
    return float(loss), g


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
    sk = p["sk"] if p["sk"].size == K else np.full(K, p["sk"][0], dtype=dt)
    if "so" not in p:
        so = sk
    else:
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
