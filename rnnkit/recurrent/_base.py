"""Base estimators owning the training loop of every recurrent model.

Contract for subclasses (``RecurrentClassifier``/``RecurrentRegressor`` here,
``StigmergicClassifier`` elsewhere)
------------------------------------------------------------------------
Derive from :class:`BaseRecurrentClassifier` or
:class:`BaseRecurrentRegressor` and implement three methods; everything
else (input validation, label encoding, dtype, batching over padded
sequences, shuffling, the optimizer, gradient rescaling, weight clipping,
early stopping, ``loss_curve_``, ``validation_scores_``, ``partial_fit``,
``warm_start``, ``verbose``, ``random_state``, prediction in chunks) is done
here.

``_init_params(self, n_features, n_outputs, rng, dtype) -> list of ndarray``
    Fresh parameters (C-contiguous arrays of ``dtype``).  ``rng`` is a
    ``numpy.random.RandomState``.  The list is stored as ``self.params_`` and
    its order is the order of the gradients below.
``_forward(self, params, X, lengths) -> output``
    ``X`` has shape ``(n, T, n_features)``, ``lengths`` shape ``(n,)``
    (int64, all >= 1).  Return ``(n, n_outputs)`` (the output at each
    sequence's last valid step), or ``(n, T, n_outputs)`` when
    ``self._per_step`` is true (regression with targets per step; values
    at padded steps are ignored).  For classifiers the output is the
    logits.
``_forward_backward(self, params, X, lengths, Y, scratch) -> (loss, grads)``
    Run the forward pass, get the loss and the gradient with respect to
    the output from ``self._loss_and_grad(output, Y, lengths)``, back-
    propagate, and return ``(loss, [dparam for each param])`` (fresh
    arrays).  ``scratch`` (:class:`rnnkit._scratch.Scratch`) is the same
    for every batch of an epoch: large intermediates may live there.

Guarantees on the arrays passed to the hooks: ``lengths`` is sorted in
non-increasing order and ``T == lengths[0]`` (the batch is trimmed to its
longest sequence), ``X`` is C-contiguous of the estimator's dtype, padded
steps are zero.  ``Y`` is the encoded target: int64 class indices of shape
``(n,)`` for classifiers; float ``(n, n_outputs)`` or ``(n, T, n_outputs)``
for regressors.  Losses are means over the batch (over valid steps for
per-step targets), so gradients do not scale with the batch size.

Subclasses define ``__init__`` with their own parameters plus the common
ones listed in :data:`COMMON_PARAMS` (pass them on to ``super().__init__``),
and extend ``_parameter_constraints``.
"""
import copy
import time
import warnings
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._classes import encode_classes
from .._scratch import Scratch
from .._sequences import (
    as_sequence_input, check_sequence_targets, check_sequences, cut_sequences,
    lagged_copy, step_changes, step_moments,
)
from .._threads import compute_threads
from ..losses import softmax_cross_entropy, squared_error
from ..optim import INIT_SCHEMES, clip_weights, make_optimizer, rescale_gradients

__all__ = [
    "BaseRecurrentEstimator", "BaseRecurrentClassifier",
    "BaseRecurrentRegressor", "COMMON_PARAMS",
]

#: Parameters every recurrent estimator accepts, with their defaults.
COMMON_PARAMS = dict(
    step_features=None, optimizer="adam", learning_rate=1e-3, batch_size=20,
    max_epochs=10, shuffle=True, early_stopping=False,
    validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, scoring="loss",
    gradient_clip=None, gradient_boost=None, weight_clip=None,
    init="uniform", standardize=True, dtype=None, random_state=None,
    verbose=0, warm_start=False,
)

_PREDICT_CHUNK = 1024


class BaseRecurrentEstimator(BaseEstimator):
    """Training loop shared by the recurrent estimators (see module doc)."""

    _parameter_constraints = {
        "step_features": [Interval(Integral, 1, None, closed="left"), None],
        "optimizer": [StrOptions({"adam", "sgd"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "scoring": [StrOptions({"loss"}), None],
        "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
        "gradient_boost": [Interval(Real, 0, None, closed="neither"), None],
        "weight_clip": [Interval(Real, 0, None, closed="neither"), None],
        "init": [StrOptions(set(INIT_SCHEMES) - {"zeros"})],
        "standardize": ["boolean"],
        "dtype": [StrOptions({"float32", "float64"}), type, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(self, **common):
        for name, default in COMMON_PARAMS.items():
            setattr(self, name, common.pop(name, default))
        if common:
            raise TypeError(f"Unexpected parameters {sorted(common)}")

    # ------------------------------------------------------------ hooks
    @abstractmethod
    def _init_params(self, n_features, n_outputs, rng, dtype):
        """Fresh parameter list (see module docstring)."""

    @abstractmethod
    def _forward(self, params, X, lengths):
        """Output for a padded batch (see module docstring)."""

    @abstractmethod
    def _forward_backward(self, params, X, lengths, Y, scratch):
        """``(loss, grads)`` for a padded batch (see module docstring)."""

    # ------------------------------------------------------- public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train for up to ``max_epochs`` epochs.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_steps, n_features), list of \
                ndarray of shape (n_steps_i, n_features), or ndarray of \
                shape (n_samples, n_steps * step_features)
            Sequences (see :func:`rnnkit._sequences.check_sequences`).
        y : array-like
            Targets, see the estimator's docstring.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False)

    def _partial_fit_checked(self, X, y, classes=None):
        if not hasattr(self, "params_"):
            self._validate_params()
        return self._fit(X, y, incremental=True, classes=classes)

    # ------------------------------------------------------- internals
    def _resolve_dtype(self, X):
        if self.dtype is not None:
            return np.dtype(self.dtype).type
        if isinstance(X, (list, tuple)):
            ok = len(X) and all(getattr(x, "dtype", None) == np.float32 for x in X)
        else:
            ok = getattr(X, "dtype", None) == np.float32
        return np.float32 if ok else np.float64

    def _fit(self, X, y, incremental, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the "
                "target y is None"
            )
        # A call either completes or changes nothing: on any error
        # (bad input, a diverging update, an interrupt) every fitted and
        # private attribute -- parameters, optimizer moments, counters,
        # curves, the shuffling random state -- is put back as it was, so
        # later calls train as if this one had never been made.
        saved = self._snapshot()
        try:
            self._fit_unguarded(as_sequence_input(X), y, incremental, classes)
        except BaseException:
            self._restore(saved)
            raise
        return self

    def _snapshot(self):
        """Deep copy of every attribute ``fit`` may set or change."""
        return copy.deepcopy(
            {k: v for k, v in vars(self).items() if _is_state(k)}
        )

    def _restore(self, saved):
        for k in [k for k in vars(self) if _is_state(k) and k not in saved]:
            delattr(self, k)
        vars(self).update(saved)

    def _fit_unguarded(self, X, y, incremental, classes):
        fitted = hasattr(self, "params_")
        reset = not fitted or not (incremental or self.warm_start)
        dtype = self._resolve_dtype(X) if reset else self.dtype_
        Xp, lengths = self._check_X_stateless(X, reset, dtype)
        Y, target_state = self._encode_targets(y, lengths, reset, classes, dtype)
        if reset:
            self._set_x_state(X, Xp)
        self._apply_target_state(target_state)

        if reset:
            self._fit_transforms(Xp, lengths, Y)
        Y = self._model_targets(Y, Xp, lengths)
        if reset:
            self._random_state = check_random_state(self.random_state)
            self.dtype_ = dtype
            self.params_ = self._init_params(
                Xp.shape[2], self.n_outputs_, self._random_state, dtype
            )
            self.loss_curve_ = []
            self.validation_scores_ = []
            self.best_validation_score_ = None
            self.best_epoch_ = None
            self.best_loss_ = np.inf
            self.n_iter_ = 0
            self.t_ = 0
            self._no_improvement = 0
            self._optimizer = None
        if self._optimizer is None:
            self._optimizer = self._make_optimizer()
        self._optimizer.learning_rate = float(self.learning_rate)

        validation = None
        if self.early_stopping and not incremental:
            Xp, lengths, Y, *validation = self._split_validation(Xp, lengths, Y)
            self.best_validation_score_ = None
            self._no_improvement = 0
        Xp = self._network_inputs(Xp, lengths)
        window = getattr(self, "bptt_steps", None)
        if self._per_step and window is not None and lengths.max() > window:
            Xp, lengths, Y = cut_sequences(Xp, lengths, Y, window)
        first_epoch = self.n_iter_ + 1
        best_epoch = best_params = None
        for _ in range(1 if incremental else self.max_epochs):
            start = time.perf_counter()
            loss = self._run_epoch(Xp, lengths, Y)
            self.n_iter_ += 1
            self.loss_curve_.append(loss)
            msg = f"Epoch {self.n_iter_}, loss = {loss:.6f}"
            if validation is not None:
                train_time = time.perf_counter() - start
                score = self._validation_score(*validation)
                self.validation_scores_.append(score)
                msg += f", validation {self._scoring_name()} = " + (
                    f"{-score:.6f}" if self.scoring == "loss" else f"{score:.6f}")
                if self.verbose >= 2:
                    msg += (f", training {train_time:.2f}s, validation "
                            f"{time.perf_counter() - start - train_time:.2f}s")
                best = self.best_validation_score_
                if best is None or score > best + (self.tol or 0.0):
                    self._no_improvement = 0
                else:
                    self._no_improvement += 1
                if best is None or score > best:
                    self.best_validation_score_ = score
                    best_epoch = self.n_iter_
                    best_params = [p.copy() for p in self.params_]
                what = f"Validation {self._scoring_name()}"
            elif self.tol is not None:
                if loss > self.best_loss_ - self.tol:
                    self._no_improvement += 1
                else:
                    self._no_improvement = 0
                what = "Training loss"
            self.best_loss_ = min(self.best_loss_, loss)
            if self.verbose:
                print(msg + f", time = {time.perf_counter() - start:.2f}s",
                      flush=True)
            if (not incremental and (validation is not None
                                     or self.tol is not None)
                    and self._no_improvement >= self.n_iter_no_change):
                if self.verbose:
                    print(f"{what} did not improve more than "
                          f"tol={self.tol} for {self.n_iter_no_change} "
                          "consecutive epochs. Stopping.", flush=True)
                break
        if best_params is not None:
            self._keep_best(best_params, best_epoch, first_epoch)
        if not incremental:
            self._no_improvement = 0
        self.n_params_ = int(sum(p.size for p in self.params_))

    def _keep_best(self, best_params, best_epoch, first_epoch):
        """Restore the best validation epoch's parameters, and say so."""
        for p, b in zip(self.params_, best_params):
            p[...] = b
        self.best_epoch_ = best_epoch
        what = f"validation {self._scoring_name()}"
        if self.verbose:
            print(f"Keeping the parameters of epoch {best_epoch} (best "
                  f"{what}).", flush=True)
        if best_epoch == first_epoch and self.n_iter_ > first_epoch:
            warnings.warn(
                f"Early stopping kept the parameters of epoch {best_epoch}, "
                f"the first epoch of this fit: the {what} did not improve "
                f"after it in {self.n_iter_ - best_epoch} epochs, so the "
                "model may have learned little. Try a larger "
                "validation_fraction or n_iter_no_change, a smaller tol, or "
                "another learning_rate"
                + ("" if self.scoring == "loss" else ", or scoring='loss'")
                + ".",
                ConvergenceWarning,
            )

    def _scoring_name(self):
        return "loss" if self.scoring == "loss" else "score"

    def _check_X_stateless(self, X, reset, dtype):
        Xp, lengths = check_sequences(
            X, step_features=self.step_features, dtype=dtype,
            estimator_name=type(self).__name__,
        )
        if not reset and Xp.shape[2] != self.n_step_features_:
            raise ValueError(
                f"X has {Xp.shape[2]} features, but {type(self).__name__} is "
                f"expecting {self.n_step_features_} features as input "
                "(per time step)."
            )
        return Xp, lengths

    def _set_x_state(self, X, Xp):
        self.n_step_features_ = Xp.shape[2]
        self.n_features_in_ = (
            np.shape(X)[1]
            if not isinstance(X, (list, tuple)) and np.ndim(X) == 2
            else Xp.shape[2]
        )

    def _fit_transforms(self, Xp, lengths, Y):
        """Fit what maps data to the network's units (first call only).

        Here the per-feature input mean and scale over the valid steps
        (``None`` without ``standardize``).
        """
        self.input_mean_ = self.input_scale_ = None
        if self.standardize:
            self.input_mean_, self.input_scale_ = _mean_and_scale(
                self._network_inputs(Xp, lengths), lengths, Xp.dtype)

    def _network_inputs(self, Xp, lengths):
        """What the network reads of padded sequences, before standardizing.

        Here the inputs themselves; a new array when they are transformed.
        """
        return Xp

    def _model_targets(self, Y, Xp, lengths):
        """Encoded targets in the network's units (a new array if changed)."""
        return Y

    def _target_units(self, out, Xp, lengths):
        """Network output (or model targets) back in target units, in place."""
        return out

    def _standardize_inputs(self, Xb, Lb):
        """Standardize a padded batch in place (it must be a copy)."""
        if self.input_mean_ is not None:
            Xb -= self.input_mean_
            Xb /= self.input_scale_
            if Lb.min() < Xb.shape[1]:  # the padding stays zero
                Xb[np.arange(Xb.shape[1])[None, :] >= Lb[:, None]] = 0
        return Xb

    def _make_optimizer(self):
        return make_optimizer(self.optimizer, self.params_, self.learning_rate)

    def _split_validation(self, Xp, lengths, Y):
        stratify = Y if (is_classifier_task := isinstance(
            self, ClassifierMixin)) else None
        idx = np.arange(Xp.shape[0])
        try:
            tr, va = train_test_split(
                idx, test_size=self.validation_fraction,
                random_state=self._random_state, stratify=stratify,
            )
        except ValueError:
            if not is_classifier_task:
                raise
            tr, va = train_test_split(
                idx, test_size=self.validation_fraction,
                random_state=self._random_state,
            )
        if len(va) < 1 or len(tr) < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no "
                f"training or validation sequences out of {len(idx)}."
            )
        return Xp[tr], lengths[tr], Y[tr], Xp[va], lengths[va], Y[va]

    def _validation_score(self, X, lengths, Y):
        """Negative mean loss (``scoring='loss'``) or the default score.

        The loss is the training loss (network units); the score is taken
        in target units, as :meth:`score` would.
        """
        out = self._output_padded(X, lengths)
        if self._per_step:
            Y = Y[:, :out.shape[1]]
        if self.scoring == "loss":
            return -self._loss_and_grad(out, Y, lengths)[0]
        X = X[:, :out.shape[1]]
        return self._default_score(self._target_units(out, X, lengths),
                                   self._target_units(Y.copy(), X, lengths),
                                   lengths)

    @compute_threads()
    def _run_epoch(self, Xp, lengths, Y):
        n = Xp.shape[0]
        order = (self._random_state.permutation(n) if self.shuffle
                 else np.arange(n))
        bs = min(self.batch_size, n)
        n_batches = -(-n // bs)
        report_every = max(1, n_batches // 10) if self.verbose >= 2 else 0
        start_time = time.perf_counter()
        total = 0.0
        scratch = Scratch()
        for b, start in enumerate(range(0, n, bs), start=1):
            idx = order[start:start + bs]
            # sort the batch by decreasing length (stable) and trim
            idx = idx[np.argsort(-lengths[idx], kind="stable")]
            Lb = lengths[idx]
            T = int(Lb[0])
            Xb = self._standardize_inputs(np.ascontiguousarray(Xp[idx, :T]), Lb)
            Yb = Y[idx, :T] if self._per_step else Y[idx]
            loss, grads = self._forward_backward(self.params_, Xb, Lb, Yb,
                                                 scratch)
            loss = float(loss)
            try:
                if not np.isfinite(loss):
                    raise FloatingPointError(f"the batch loss is {loss}")
                if (self.gradient_clip is not None
                        or self.gradient_boost is not None):
                    rescale_gradients(grads, self.gradient_clip,
                                      self.gradient_boost)
                self._optimizer.update_params(self.params_, grads)
            except FloatingPointError as exc:
                raise FloatingPointError(
                    f"Training diverged at epoch {self.n_iter_ + 1}, batch "
                    f"{b} of {n_batches}: {exc}. {type(self).__name__} is "
                    "left as it was before this call. Lower learning_rate, "
                    "set gradient_clip, or scale X and y."
                ) from None
            if self.weight_clip is not None:
                clip_weights(self.params_, self.weight_clip)
            self.t_ += 1
            total += loss * len(idx)
            if report_every and (b % report_every == 0 or b == n_batches):
                done = min(start + bs, n)
                print(f"  batch {b}/{n_batches}, {done}/{n} sequences, "
                      f"loss = {total / done:.6f}, "
                      f"{time.perf_counter() - start_time:.2f}s", flush=True)
        return total / n

    def _raw_output(self, X):
        """Output in target units on validated sequences, in input order."""
        check_is_fitted(self, "params_")
        Xp, lengths = self._check_X_stateless(as_sequence_input(X), False,
                                              self.dtype_)
        out = self._output_padded(Xp, lengths)
        return self._target_units(out, Xp, lengths), lengths

    @compute_threads()
    def _output_padded(self, Xp, lengths):
        n = Xp.shape[0]
        order = np.argsort(-lengths, kind="stable")
        outs = []
        for start in range(0, n, _PREDICT_CHUNK):
            idx = order[start:start + _PREDICT_CHUNK]
            Lb = lengths[idx]
            T = int(Lb[0])
            Xb = self._standardize_inputs(  # Xp[idx] is a copy
                self._network_inputs(np.ascontiguousarray(Xp[idx, :T]), Lb),
                Lb)
            outs.append(self._forward(self.params_, Xb, Lb))
        if self._per_step:
            T = int(lengths.max())
            k = outs[0].shape[2]
            out = np.zeros((n, T, k), dtype=outs[0].dtype)
            pos = 0
            for o in outs:
                out[order[pos:pos + len(o)], :o.shape[1]] = o
                pos += len(o)
        else:
            out = np.empty((n,) + outs[0].shape[1:], dtype=outs[0].dtype)
            out[order] = np.concatenate(outs)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class BaseRecurrentClassifier(ClassifierMixin, BaseRecurrentEstimator):
    """Classification on top of :class:`BaseRecurrentEstimator`.

    The network's output is the logits ``(n, n_classes)``; the loss is the
    mean softmax cross-entropy.
    """

    _per_step = False

    def partial_fit(self, X, y, classes=None):
        """One pass over ``(X, y)``.

        Parameters
        ----------
        X : sequences, see ``fit``
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All classes that may appear.  On the first call it defaults to
            ``np.unique(y)``; later calls may not introduce new labels.

        Returns
        -------
        self : object
        """
        return self._partial_fit_checked(X, y, classes=classes)

    def _encode_targets(self, y, lengths, reset, classes, dtype):
        cls, codes = encode_classes(y, classes=classes, n_samples=len(lengths),
                                    known=None if reset else self.classes_)
        return codes, cls

    def _apply_target_state(self, cls):
        self.classes_ = cls
        self.n_outputs_ = len(cls)

    def _loss_and_grad(self, logits, Y, lengths):
        return softmax_cross_entropy(logits, Y)

    def _default_score(self, logits, Y, lengths):
        return accuracy_score(Y, logits.argmax(1))

    def decision_function(self, X):
        """Logits (their difference for two classes).

        Parameters
        ----------
        X : sequences, see ``fit``

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            for two classes: ``logit[1] - logit[0]``, positive for
            ``classes_[1]``.
        """
        z = self._raw_output(X)[0]
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : sequences, see ``fit``

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        z = self._raw_output(X)[0]
        z = z - z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        z = self._raw_output(X)[0]
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X):
        """Most likely class.

        Parameters
        ----------
        X : sequences, see ``fit``

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        scores = self._raw_output(X)[0]
        return self.classes_[scores.argmax(axis=1)]


class BaseRecurrentRegressor(RegressorMixin, BaseRecurrentEstimator):
    """Regression on top of :class:`BaseRecurrentEstimator`.

    Targets per sequence (``(n,)`` or ``(n, n_outputs)``) use the output at
    each sequence's last valid step; targets per step (3-D, or a list of
    arrays, one per sequence) use every valid step.  The loss is half the
    mean squared error over samples (and valid steps) and outputs.
    """

    def partial_fit(self, X, y):
        """One pass over ``(X, y)``.

        Parameters
        ----------
        X : sequences, see ``fit``
        y : array-like, see ``fit``

        Returns
        -------
        self : object
        """
        return self._partial_fit_checked(X, y)

    def _encode_targets(self, y, lengths, reset, classes, dtype):
        y = as_sequence_input(y)
        Y, per_step = check_sequence_targets(
            y, lengths, dtype=dtype, estimator_name=type(self).__name__
        )
        if isinstance(y, (list, tuple)) and per_step:
            y_shape = "list1d" if np.ndim(y[0]) == 1 else "list2d"
        else:
            y_shape = np.ndim(y)
        if not reset and (per_step != self._per_step
                          or Y.shape[-1] != self.n_outputs_):
            raise ValueError(
                f"y has {Y.shape[-1]} outputs "
                f"{'per step' if per_step else 'per sequence'}, but the model "
                f"was fitted with {self.n_outputs_} outputs "
                f"{'per step' if self._per_step else 'per sequence'}."
            )
        return Y, (per_step, Y.shape[-1], y_shape)

    def _fit_transforms(self, Xp, lengths, Y):
        self.baseline_features_ = self._find_baselines(Xp, lengths, Y)
        self.input_changes_ = bool(
            (self.baseline_features_ >= 0).any()
            if self.input_changes == "auto" else self.input_changes)
        super()._fit_transforms(Xp, lengths, Y)
        self.target_mean_ = self.target_scale_ = None
        if self.standardize:
            R = Y - self._baselines(Xp, lengths, Y.shape)
            R3, L = (R, lengths) if self._per_step else (
                R[:, None, :], np.ones(len(R), dtype=np.int64))
            self.target_mean_, self.target_scale_ = _mean_and_scale(
                R3, L, Y.dtype)

    def _network_inputs(self, Xp, lengths):
        return step_changes(Xp, lengths) if self.input_changes_ else Xp

    def _find_baselines(self, Xp, lengths, Y):
        """Input feature each output is predicted relative to (-1: none)."""
        k = Y.shape[-1]
        choice = self.baseline_feature
        if choice is None or (isinstance(choice, str) and not self._per_step):
            return np.full(k, -1, dtype=np.int64)
        F = Xp.shape[2]
        if isinstance(choice, str):  # "auto"
            X_list = [Xp[i, :n] for i, n in enumerate(lengths)]
            return np.array([lagged_copy(X_list, [Y[i, :n, j] for i, n in enumerate(lengths)])
                             for j in range(k)], dtype=np.int64)
        feats = np.asarray(choice).ravel()
        if feats.size == 1:
            feats = np.repeat(feats, k)
        if (feats.size != k or feats.dtype.kind not in "iu"
                or ((feats < -1) | (feats >= F)).any()):
            raise ValueError(
                f"baseline_feature={choice!r} must hold feature indices in "
                f"[0, {F}) (or -1 for none), one per output ({k})."
            )
        return feats.astype(np.int64)

    def _baselines(self, Xp, lengths, shape):
        """Baseline value for every target entry (0 where none)."""
        B = np.zeros(shape, dtype=Xp.dtype)
        for k, j in enumerate(self.baseline_features_):
            if j < 0:
                continue
            if self._per_step:
                B[:, :, k] = Xp[:, :shape[1], j]
            else:
                B[:, k] = Xp[np.arange(len(lengths)), lengths - 1, j]
        return B

    def _model_targets(self, Y, Xp, lengths):
        based = (self.baseline_features_ >= 0).any()
        if not based and self.target_mean_ is None:
            return Y
        if based:
            Y = Y - self._baselines(Xp, lengths, Y.shape)
        if self.target_mean_ is not None:
            Y = (Y - self.target_mean_) / self.target_scale_
        if self._per_step:  # the padding stays zero
            Y *= (np.arange(Y.shape[1])[None, :] < lengths[:, None])[:, :, None]
        return Y

    def _target_units(self, out, Xp, lengths):
        if self.target_mean_ is not None:
            out *= self.target_scale_
            out += self.target_mean_
        if (self.baseline_features_ >= 0).any():
            out += self._baselines(Xp, lengths, out.shape)
        return out

    def _apply_target_state(self, state):
        per_step, k, y_shape = state
        self._per_step = per_step
        self.n_outputs_ = k
        self._y_shape = y_shape

    def _loss_and_grad(self, out, Y, lengths):
        return squared_error(out, Y, lengths if self._per_step else None)

    def _default_score(self, out, Y, lengths):
        if self._per_step:
            mask = np.arange(out.shape[1])[None, :] < lengths[:, None]
            return r2_score(Y[mask], out[mask])
        return r2_score(Y, out)

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : sequences, see ``fit``

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs) for
            targets per sequence; for targets per step, a list of arrays of
            shape (n_steps_i,) / (n_steps_i, n_outputs) if the model was
            fitted with a list of targets, else an array of shape
            (n_samples, max_steps, n_outputs) with zeros after each end.
        """
        out, lengths = self._raw_output(X)
        if not self._per_step:
            return out.ravel() if self._y_shape == 1 else out
        if self._y_shape in ("list1d", "list2d"):
            squeeze = self._y_shape == "list1d"
            return [out[i, :L, 0] if squeeze else out[i, :L]
                    for i, L in enumerate(lengths)]
        for i, L in enumerate(lengths):
            out[i, L:] = 0
        return out

    def score(self, X, y, sample_weight=None):
        """R^2 over all (valid) targets; see ``RegressorMixin.score``."""
        if not getattr(self, "_per_step", False):
            return super().score(X, y, sample_weight=sample_weight)
        out, lengths = self._raw_output(X)
        Y, _ = check_sequence_targets(y, lengths, dtype=out.dtype)
        mask = np.arange(out.shape[1])[None, :] < lengths[:, None]
        return r2_score(Y[mask], out[mask], sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _mean_and_scale(X, lengths, dtype):
    """:func:`step_moments` with zero deviations replaced by 1, in ``dtype``."""
    mean, std = step_moments(X, lengths)
    std[std <= 10 * np.finfo(np.float64).eps * np.maximum(1.0, abs(mean))] = 1.0
    return mean.astype(dtype), std.astype(dtype)


def _is_state(name):
    """Attributes that fitting sets: fitted (``name_``) and private ones."""
    return name.endswith("_") or name.startswith("_")

