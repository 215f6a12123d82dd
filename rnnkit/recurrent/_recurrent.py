"""RecurrentClassifier and RecurrentRegressor: stacked cells + linear head."""
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..kernels.cells import CELLS
from ._base import (
    BaseRecurrentClassifier, BaseRecurrentEstimator, BaseRecurrentRegressor,
)
from ._network import init_network, network_backward, network_forward

__all__ = ["RecurrentClassifier", "RecurrentRegressor"]


class _CellNetworkMixin:
    """Implements the base-estimator hooks with :mod:`._network`."""

    _network_constraints = {
        "cell": [StrOptions(set(CELLS))],
        "linear_skip": ["boolean"],
        "hidden_sizes": [Interval(Integral, 1, None, closed="left"),
                         "array-like"],
    }

    def _hidden(self):
        hs = self.hidden_sizes
        hs = (hs,) if isinstance(hs, Integral) else tuple(int(h) for h in hs)
        if not hs or min(hs) < 1:
            raise ValueError(
                f"hidden_sizes={self.hidden_sizes!r} must be a positive int or "
                "a non-empty sequence of positive ints."
            )
        return hs

    def _init_params(self, n_features, n_outputs, rng, dtype):
        params = init_network(self.cell, n_features, self._hidden(),
                              n_outputs, rng, dtype, self.init)
        self._skip = bool(self.linear_skip)
        if self._skip:
            params.append(np.zeros((n_features, n_outputs), dtype=dtype))
        return params

    def _forward(self, params, X, lengths):
        net = params[:-1] if self._skip else params
        out = network_forward(self.cell, net, X, lengths, self._per_step)[0]
        if self._skip:
            out += skip_forward(params[-1], X, lengths, self._per_step)
        return out

    def _forward_backward(self, params, X, lengths, Y, scratch):
        net = params[:-1] if self._skip else params
        out, cache = network_forward(self.cell, net, X, lengths,
                                     self._per_step, scratch)
        if self._skip:
            out += skip_forward(params[-1], X, lengths, self._per_step)
        loss, dout = self._loss_and_grad(out, Y, lengths)
        grads = network_backward(self.cell, net, dout, cache)
        if self._skip:
            grads.append(skip_backward(X, lengths, dout, self._per_step))
        return loss, grads

    def _fit(self, X, y, incremental, classes=None):
        self._hidden()
        return super()._fit(X, y, incremental, classes=classes)


def skip_forward(W_skip, X, lengths, per_step):
    """Linear path from the input at each output step to the output.

    Parameters
    ----------
    W_skip : ndarray of shape (n_features, n_outputs)
    X : ndarray of shape (n, T, n_features)
        Padded batch (zeros after each end).
    lengths : ndarray of shape (n,)
    per_step : bool
        Output at every step (``X @ W_skip``) or at each sequence's last
        valid step (``X[i, lengths[i] - 1] @ W_skip``).

    Returns
    -------
    out : ndarray of shape (n, T, n_outputs) or (n, n_outputs)
    """
    if per_step:
        return X @ W_skip
    return X[np.arange(X.shape[0]), lengths - 1] @ W_skip


def skip_backward(X, lengths, dout, per_step):
    """Gradient of the loss for ``W_skip`` given ``dout`` (output's shape).

    Padded steps contribute nothing: their inputs are zero.
    """
    F = X.shape[2]
    if per_step:
        return X.reshape(-1, F).T @ dout.reshape(-1, dout.shape[2])
    return X[np.arange(X.shape[0]), lengths - 1].T @ dout


_DOC_PARAMS = """
    cell : {'elman', 'lstm', 'gru', 'mgu', 'ugrnn', 'delta'}, default='lstm'
        Recurrent cell of every layer (equations in
        :mod:`rnnkit.kernels.cells`).
    hidden_sizes : int or sequence of int, default=(32,)
        Width of each recurrent layer, bottom to top.%(baseline)s
    linear_skip : bool, default=%(skip)s
        Add a linear path from the (standardized) input at each output step
        straight to the output, ``out = head(h_t) + x_t W_skip`` with
        ``W_skip`` starting at zero: the network then represents linear
        maps of the current input, such as repeating its last value in
        one-step-ahead forecasting, without squeezing them through its
        saturating cells.
    step_features : int or None, default=None
        For 2-D ``X``: number of features per step (each row holds
        ``n_steps * step_features`` values).  ``None`` reads a 2-D array as
        one step per sample.
    optimizer : {'adam', 'sgd'}, default='adam'
        ``'sgd'`` uses Nesterov momentum 0.9.
    learning_rate : float, default=1e-3
    batch_size : int, default=20
    max_epochs : int, default=10
        Epochs of ``fit`` (``partial_fit`` makes one pass per call).
    shuffle : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        classifiers), stop when the validation ``scoring`` has not improved
        by more than ``tol`` for ``n_iter_no_change`` consecutive epochs,
        and keep the parameters of the best validation epoch (a
        ``ConvergenceWarning`` says so when that is the first epoch).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float or None, default=1e-4
        Least improvement that counts, in units of the validation loss or
        score with early stopping, else of the training loss (``fit`` then
        stops when the training loss has not improved by more than ``tol``
        for ``n_iter_no_change`` consecutive epochs).  ``None`` counts every
        improvement; without early stopping it always runs ``max_epochs``.
    scoring : 'loss' or None, default='loss'
        What early stopping watches: ``'loss'`` the loss on the validation
        data (stored negated in ``validation_scores_``, so that higher is
        better), ``None`` the default score (accuracy for classifiers,
        R^2 for regressors).  Accuracy on a small validation set moves in
        coarse steps and plateaus early; the loss does not.
    gradient_clip : float or None, default=None
        Rescale gradients whose global norm exceeds this value down to it.
    gradient_boost : float or None, default=None
        Rescale gradients whose global norm is below this value up to it.
    weight_clip : float or None, default=None
        Clip every parameter to ``[-weight_clip, weight_clip]`` after each
        update.
    init : {'uniform', 'glorot_uniform', 'orthogonal'}, default='uniform'
        Initialization scheme; ``'uniform'`` is PyTorch's ``U(+-1/sqrt(H))``.
    standardize : bool, default=True
        Standardize each input feature (subtract its mean, divide by its
        standard deviation, both over the valid steps of the training
        sequences) before the network%(targets)s.  The statistics are fitted on the
        data of the first ``fit`` / ``partial_fit`` call and kept, like the
        parameters, until a fresh ``fit``; predictions take raw input.
    dtype : {'float32', 'float64'} or None, default=None
        Computation dtype; ``None`` follows the input (float32 stays
        float32, anything else becomes float64).
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, shuffling and the validation split.
    verbose : int, default=0
        ``1``: one line per epoch (loss, validation loss or score, epoch
        time) and why training stopped.  ``2``: also progress within each
        epoch (about ten lines: batches done, running loss, elapsed time)
        and the training and validation time of each epoch.
    warm_start : bool, default=False
        Let ``fit`` continue from the current parameters."""

_BASELINE = """
    baseline_feature : 'auto', int, array-like or None, default='auto'
        Input feature whose value at the output's step is each target's
        baseline: the network predicts the target minus it.  In
        one-step-ahead forecasting with the target among the inputs, that
        is the change from the last observed value, so the model starts
        from persistence (repeat the last value) instead of having to learn
        it, and a shift of level between series does not throw it off.
        ``'auto'``: for targets per step, the first input feature equal to
        the previous step's target at every step of every training
        sequence (the one-step-ahead framing), if there is one; none for
        targets per sequence.  An int (or one per output, ``-1`` for none)
        names the feature; ``None``: no baseline.  The head starts at zero
        when there is a baseline, so an untrained model predicts the
        baseline plus the mean change.
    input_changes : 'auto' or bool, default='auto'
        Let the network read the change of every input feature from the
        previous step (zero at each sequence's first step) instead of its
        value.  Levels that differ from one series to the next (one
        machine runs hotter than another) then cannot be learned as if
        they told the series apart, and a model trained on some series
        carries over to others; the baseline supplies the level.
        ``'auto'``: when there is a baseline.
    bptt_steps : int or None, default=100
        For targets per step: training cuts every sequence longer than this
        into consecutive windows of ``bptt_steps`` steps, each a training
        sequence of its own that starts from a zero state (truncated
        backpropagation through time).  A few long series then give many
        short sequences and many updates per epoch instead of one.
        Predictions always run over whole sequences.  ``None``: train on
        whole sequences.  No effect on targets per sequence."""

_STANDARDIZE_TARGETS = (
    ", and each target the same way (predictions are mapped back; the "
    "loss, ``loss_curve_`` and ``tol`` are in standardized target units)"
)

_DOC_ATTRS = """
    input_mean_, input_scale_ : ndarray of shape (n_step_features,) or None
        Statistics of the input standardization, of what the network
        reads (``None`` without it).
    params_ : list of ndarray
        ``[W, b, U, E]`` per layer, then ``[W_out, b_out]``.
    n_params_ : int
        Number of trainable values.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float
        Validation score of each epoch with early stopping: the negated
        validation loss for ``scoring='loss'``, else the default score.
    best_validation_score_ : float or None
    best_epoch_ : int or None
        Epoch whose parameters early stopping kept (counted like
        ``n_iter_``); ``None`` without early stopping.
    best_loss_ : float
        Lowest training loss of an epoch so far.
    n_iter_ : int
        Epochs run so far.
    t_ : int
        Optimizer steps so far.
    n_features_in_ : int
        Columns of a 2-D ``X``, else features per step.
    n_step_features_ : int
        Features per time step.
    dtype_ : type
        ``np.float32`` or ``np.float64``."""


class RecurrentClassifier(_CellNetworkMixin, BaseRecurrentClassifier):
    __doc__ = f"""Sequence classifier: stacked recurrent layers + linear head.

    Trained by backpropagation through time (hand-written, Numba) on the
    softmax cross-entropy of the output at each sequence's last valid step.

    Parameters
    ----------{_DOC_PARAMS % dict(baseline="", skip="False", targets="")}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,){_DOC_ATTRS}

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.recurrent import RecurrentClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 5, 2)
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = RecurrentClassifier(cell="gru", hidden_sizes=8, max_epochs=30,
    ...                           learning_rate=0.01, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **BaseRecurrentEstimator._parameter_constraints,
        **_CellNetworkMixin._network_constraints,
    }

    def __init__(self, cell="lstm", hidden_sizes=(32,), *, linear_skip=False,
                 step_features=None,
                 optimizer="adam", learning_rate=1e-3, batch_size=20,
                 max_epochs=10, shuffle=True, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
                 scoring="loss", gradient_clip=None, gradient_boost=None,
                 weight_clip=None, init="uniform", standardize=True,
                 dtype=None, random_state=None, verbose=0, warm_start=False):
        self.cell = cell
        self.hidden_sizes = hidden_sizes
        self.linear_skip = linear_skip
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


class RecurrentRegressor(_CellNetworkMixin, BaseRecurrentRegressor):
    __doc__ = f"""Sequence regressor: stacked recurrent layers + linear head.

    Targets per sequence (``(n_samples,)`` or ``(n_samples, n_outputs)``)
    are read at each sequence's last valid step; targets per step (a 3-D
    array ``(n_samples, max_steps, n_outputs)`` or a list of arrays
    ``(n_steps_i,)``/``(n_steps_i, n_outputs)``) at every valid step.  The
    loss is half the mean squared error.

    Parameters
    ----------{_DOC_PARAMS % dict(
        baseline=_BASELINE, skip="False", targets=_STANDARDIZE_TARGETS)}

    Attributes
    ----------
    n_outputs_ : int
    baseline_features_ : ndarray of shape (n_outputs,), int
        Input feature each output is predicted relative to (``-1``: none).
    input_changes_ : bool
        Whether the network reads the inputs' step-to-step changes.
    target_mean_, target_scale_ : ndarray of shape (n_outputs,) or None
        Statistics of the target standardization, taken after subtracting
        the baseline (``None`` without standardization).{_DOC_ATTRS}

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.recurrent import RecurrentRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(L, 1) for L in rng.randint(2, 8, size=80)]
    >>> y = [np.cumsum(x[:, 0]) / 4 for x in X]       # running sum, per step
    >>> reg = RecurrentRegressor(cell="elman", hidden_sizes=8, max_epochs=40,
    ...                          learning_rate=0.02, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    def _init_params(self, n_features, n_outputs, rng, dtype):
        params = super()._init_params(n_features, n_outputs, rng, dtype)
        if (self.baseline_features_ >= 0).any():
            # the head starts at zero: a fresh model predicts the baseline
            # (plus the mean change), and training starts from persistence
            end = len(params) - self._skip
            for p in params[end - 2:end]:
                p[...] = 0
        return params

    _parameter_constraints = {
        **RecurrentClassifier._parameter_constraints,
        "baseline_feature": [StrOptions({"auto"}), Integral, "array-like",
                             None],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
        "input_changes": [StrOptions({"auto"}), "boolean"],
    }

    def __init__(self, cell="lstm", hidden_sizes=(32,), *,
                 baseline_feature="auto", input_changes="auto",
                 bptt_steps=100, linear_skip=False, step_features=None,
                 optimizer="adam", learning_rate=1e-3,
                 batch_size=20, max_epochs=10, shuffle=True,
                 early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, scoring="loss",
                 gradient_clip=None, gradient_boost=None, weight_clip=None,
                 init="uniform", standardize=True, dtype=None,
                 random_state=None, verbose=0, warm_start=False):
        self.baseline_feature = baseline_feature
        self.input_changes = input_changes
        self.bptt_steps = bptt_steps
        RecurrentClassifier.__init__(
            self, cell=cell, hidden_sizes=hidden_sizes,
            linear_skip=linear_skip, step_features=step_features,
            optimizer=optimizer, learning_rate=learning_rate,
            batch_size=batch_size, max_epochs=max_epochs, shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol, scoring=scoring,
            gradient_clip=gradient_clip, gradient_boost=gradient_boost,
            weight_clip=weight_clip, init=init, standardize=standardize,
            dtype=dtype, random_state=random_state, verbose=verbose,
            warm_start=warm_start,
        )
