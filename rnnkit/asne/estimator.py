"""``ASNERegressor``: ant colony search over RNN topologies, scikit-learn style."""
import os
from dataclasses import fields
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._sequences import (as_sequence_input, check_sequence_targets, check_sequences,
                          sequence_form)
from .config import (ANT_SPECIES, INHERIT, IO_CELLS, LAMARCKIAN, MODES, NEW_WEIGHTS,
                     REWARD_RULES, SOCIAL_ANTS, WEIGHT_NORMS, make_config)
from .network import ASNENetwork
from .preprocessing import (find_baseline_feature, fit_scalers, minus_feature, scale_inputs,
                            scale_targets, segments)
from .search import ASNESearch, data_fingerprint


AUTO_DEFAULTS = {
    "extended": dict(hidden_layers=2, ants="explorer", social="both", jumps=True,
                     lamarckian="elite", inherit="all", new_weights="uniform",
                     evaluate_initial=True, io_cells="linear", direct_inputs="no_baseline",
                     learning_rate=0.1, scale="minmax", segment_length=240,
                     refine_epochs="search", refine_members="population", prune=True,
                     baseline_feature="find"),
    "spec": dict(hidden_layers=3, ants="standard", social=None, jumps=False, lamarckian=None,
                 inherit="edges", new_weights="uniform", evaluate_initial=False,
                 io_cells="sampled", direct_inputs=False, learning_rate=0.001, scale=None,
                 segment_length=None, refine_epochs=0, refine_members=1, prune=False,
                 baseline_feature=None),
}
"""What each ``"auto"`` parameter means: ``"extended"`` mode, and the papers'
modes (``"intended"``, ``"faithful"``)."""
#: Extended mode's refinement, in multiples of the candidates' epochs: three
#: quarters of the search's epochs, the best mean over 120, 400 and 1,200
#: epochs on the coal burners' tuning split (benchmarks/README.md).
REFINE_SHARE = 3


class ASNERegressor(RegressorMixin, BaseEstimator):
    """Ant Swarm NeuroEvolution (ASNE/ANTS) of RNNs for sequence regression.

    A colony of ants walks a superstructure of input, hidden and output nodes
    (forward lines, layer-skipping lines and recurrent lines over
    ``1..max_recurrent_depth-1`` steps); each march yields a sparse RNN of
    scalar memory cells (simple, UGRNN, MGU, GRU, Delta-RNN, LSTM), which is
    trained by per-sequence BPTT for ``epochs`` epochs; its best validation
    MSE updates the pheromones.  Candidates are made and trained
    asynchronously, ``n_jobs`` at a time.

    ``mode`` chooses the defaults of every parameter left at ``"auto"``:
    ``"extended"`` (the default) adds, beyond the papers, input and target
    scaling, training on segments, a larger learning rate, jumping explorer
    ants with social ants on two hidden layers, and inheritance of every
    trained parameter from the best population member that has it, so that
    training carries over from candidate to candidate, and it trains the
    best network further at the end (``refine_epochs``), grown into the
    union of the population's structures (``refine_members``), then drops
    its smallest edges while the validation error does not rise
    (``prune``); when the target is the next value of an input column, the
    networks learn its change from that last value (``baseline_feature``);
    ``"intended"`` is
    the papers' algorithm and ``"faithful"`` the reference code's rules
    (see ``switches``), both with the paper's settings.  Any parameter set explicitly
    overrides the mode.

    Parameters
    ----------
    n_ants : int, default=20
        Ants per march (explorers; social ants are ``n_ants // 2`` each).
    n_candidates : int, default=50
        Number of RNNs generated and trained (the reference's ``max_genomes``).
    epochs : int, default=10
        Training epochs per candidate RNN (``bp_iterations``).  The search
        trains ``n_candidates * epochs + refine_epochs`` epochs in all.
    population_size : int, default=10
    hidden_layers : int or "auto", default="auto"
        Hidden layers ``L`` of the superstructure ("auto": 2 in extended
        mode, 3 otherwise).
    hidden_nodes : int or None, default=None
        Nodes per hidden layer ``H``; None uses the number of features.
    max_recurrent_depth : int, default=3
        ``K``: recurrent lines skip ``1..K-1`` steps.
    ants : {"standard", "explorer", "auto"}, default="auto"
        Standard ants wander over all lines until an output; explorers follow
        forward lines only ("auto": explorers in extended mode, else standard).
    social : {None, "forward", "backward", "both", "auto"}, default="auto"
        Social ants adding recurrent edges among the explorers' nodes
        (needs ``ants="explorer"``; "auto": "both" in extended mode, else None).
    jumps : bool or "auto", default="auto"
        Explorers may skip layers (e.g. an input straight to the output);
        social ants make one pass per stride ("auto": True in extended mode).
    forward_bias : bool, default=True
        Rescale pheromones towards forward lines (always on in faithful mode).
    reward : {"regularized", "constant", "fixed"}, default="regularized"
        Pheromone rule: fitness-based deposit ``d / (f + R)`` with MMAS bounds,
        ``+-1``, or ``x1.15 / x0.85``.
    deposit : float, default=0.03
        Deposit scale ``d``.
    evaporation : float, default=0.05
        Evaporation rate ``rho``: ``tau <- (1 - rho) tau + rho tau0``.
    weight_reg : float, default=0.0
        ``lambda`` of the L1/L2 regularized deposit.
    weight_norm : {"l1", "l2"}, default="l2"
    lamarckian : {None, "copy", "constant", "fitness", "elite", "best", "auto"}, default="auto"
        Weight inheritance.  "copy", "constant" and "fitness" keep colony
        weights (copy the trained weights, or blend them in with a constant
        ``lamarckian_alpha`` or a fitness-based alpha) that new RNNs start
        from; "elite" (beyond the papers) starts every edge and cell from the
        best population member that has it, so a structure trained before
        goes on training; "best" takes them from the best member only (the
        others start new).  "auto": "elite" in extended mode, else None.
    lamarckian_alpha : float, default=0.5
    inherit : {"edges", "all", "auto"}, default="auto"
        What is inherited: edge weights only (the papers), or cell
        parameters too, kept per node and cell type ("auto": "all" in
        extended mode).
    new_weights : {"uniform", "normal", "zero", "auto"}, default="auto"
        Parameters not inherited start from U(-0.5, 0.5), or from a normal
        distribution with the mean and standard deviation of the inherited
        ones (EXAMM's rule for new components), or (new edges only, once
        something is inherited) from zero, so that a new edge does not
        change what the inherited network computes.  "auto": "uniform".
    evaluate_initial : bool or "auto", default="auto"
        Let a candidate's start values compete with its trained epochs for
        the best validation error, so an inherited network never comes back
        worse than it started ("auto": True in extended mode).
    io_cells : {"sampled", "simple", "linear", "auto"}, default="auto"
        Inputs and outputs draw a cell type like hidden nodes, or are simple
        cells, or (beyond the papers) linear cells ``h = x + b``, which give
        an input-to-output line a linear path: a network starts close to
        "repeat the last value" when it connects the target's own column
        to the output ("auto": "linear" in extended mode, else "sampled").
    direct_inputs : bool or "auto", default="auto"
        Beyond the papers: every candidate has a forward edge from every
        input to every output besides the ants' paths, so it sees every
        input column and (with linear input/output cells) has a linear
        path from each; a march whose ants all missed the target's own
        column can still "repeat the last value".  "auto": in extended
        mode, True when there is no ``baseline_feature_`` (with one, a
        network already starts from persistence and the lines cost
        accuracy on the coal burners), else False.
    learning_rate : float or "auto", default="auto"
        Step of the Nesterov SGD trainer ("auto": 0.1 in extended mode,
        the paper's 0.001 otherwise).
    momentum : float, default=0.9
    scale : {"minmax", None, "auto"}, default="auto"
        "minmax" maps every input column and the target to [-0.5, 0.5] with
        the training series' minimum and maximum (predictions, errors and
        ``best_network_`` are in the target's own units); None uses the data
        as given ("auto": "minmax" in extended mode, else None).
    segment_length : int, None or "auto", default="auto"
        Training series are cut into segments of this many steps, each one
        update of the trainer (the state restarts at each segment's start);
        validation always runs over whole series.  None trains on whole
        series ("auto": 240 in extended mode, else None).
    refine_epochs : int or "auto", default="auto"
        After the last candidate, train the best network this many more
        epochs from its trained values ("auto": ``3 * n_candidates *
        epochs`` in extended mode, so the search spends a quarter of its
        epochs on candidates and three quarters on its best network; 0
        otherwise).
    refine_members : int or "auto", default="auto"
        Beyond the papers: the refinement trains the union of the structures
        of the best ``refine_members`` population members, started so that
        it computes the best member's output (every element from the best
        member that has it; the new edges into the best member's cells at
        zero), which gives the refinement more units to train ("auto": the
        whole population, ``population_size``, in extended mode; 1, the best
        network alone, otherwise).
    prune : bool or "auto", default="auto"
        Beyond the papers: at the end, drop the best network's smallest
        edges (in steps of 2.5 % of them, by trained magnitude, without
        retraining) for as long as its validation MSE does not rise; cells
        left unconnected go with them.  Needs the built-in trainer ("auto":
        True in extended mode with ``trainer=None``, else False).
    baseline_feature : int, None or "auto", default="auto"
        Beyond the papers, for forecasting (as in ``RecurrentRegressor``):
        the input feature ``j`` holding the target's last value
        (``X[t + 1, j] == y[t]``).  The networks then learn the change
        ``y[t] - X[t, j]`` and predictions add ``X[t, j]`` back, so a network
        whose output is zero predicts persistence (repeat the last value);
        errors, ``history_`` and ``best_network_`` stay in the target's
        units.  None learns ``y`` itself.  "auto": in extended mode, the
        first feature with ``X[t + 1, j] == y[t]`` exactly at every step of
        every series of ``X`` (as when ``y`` is the next row of a column of
        ``X``; None when no feature is), else None.  The feature used is
        ``baseline_feature_``.
    mode : {"extended", "intended", "faithful"}, default="extended"
        Defaults of the "auto" parameters, and the rules: the papers' (also
        in extended mode) or the reference code's (see
        :data:`rnnkit.asne.config.MODE_SWITCHES`).
    switches : dict or None, default=None
        Individual mode switches overriding ``mode``, e.g.
        ``{"inverted_fitness_alpha": False}``.
    validation_fraction : float, default=0.2
        Fraction of the series held out for fitness when ``fit`` gets no
        ``validation_data`` (at least one series; with a single series the
        training series is also the validation series).
    n_jobs : int, default=1
        Candidates trained at once (a local process pool when > 1, or the
        in-flight count on the ``executor`` given to ``fit``).  1 is
        sequential and reproducible; with more, candidates return in an
        order that varies between runs, so ``random_state`` no longer fixes
        the result.
    checkpoint : str or None, default=None
        File for the search state, written every ``checkpoint_every`` results.
        When the file exists at ``fit``, the search resumes from it; ``fit``
        refuses (ValueError listing the differences) when the file was
        written with other settings, another ``random_state`` or other data.
        The file is a pickle: resume only from files you wrote.
    checkpoint_every : int, default=10
    trainer, predictor : callable or None, default=None
        Replace :func:`rnnkit.asne.training.train_genome` and
        :func:`~rnnkit.asne.training.predict_genome` (picklable functions).
    random_state : int or None, default=None
    verbose : int, default=0
        1: a progress line every 10 candidates (epochs spent, best validation
        MAE so far); 2: one per candidate.

    Attributes
    ----------
    best_network_ : ASNENetwork
        The best RNN (lowest validation MSE); ``predict``, ``to_json``,
        ``to_dot``, ``plot``.  It applies the estimator's scaling itself, and
        its ``fitness`` (MSE) and ``mae`` are in the target's units.
    population_ : list of ASNENetwork
        The final population, best first.
    history_ : dict of ndarray
        The search, one entry per trained RNN in completion order, ready for
        ``pandas.DataFrame(history_)``: ``candidate``, ``stage`` ("search",
        "refine" or "prune"), ``mae`` (validation MAE in the target's units),
        ``best_mae`` (best so far), ``epochs``, ``epochs_spent`` (running
        total), ``n_params``, ``n_nodes``, ``n_edges``, ``n_recurrent``, one
        count per cell type (``n_simple``, ``n_ugrnn``, ``n_mgu``,
        ``n_gru``, ``n_delta``, ``n_lstm``), ``n_inherited``, ``fitness``
        (validation MSE in the target's units), ``decision``, ``retries``,
        ``train_seconds``, ``wall_seconds``.
    search_ : ASNESearch
        Colony, population and counters (``n_retries``, ``n_guard_restarts``).
    input_scaler_, target_scaler_ : sklearn.preprocessing.MinMaxScaler or None
        The fitted scaling (None without scaling); with a
        ``baseline_feature_``, the target scaler maps the change.
    baseline_feature_ : int or None
        The input feature whose value the networks' output is added to
        (None: they predict the target itself).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.asne import ASNERegressor
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(40, 3)) for _ in range(4)]
    >>> y = [x[:, 1] for x in X]
    >>> est = ASNERegressor(n_candidates=4, epochs=2, hidden_nodes=3, random_state=0).fit(X, y)
    >>> [p.shape for p in est.predict(X[:2])]
    [(40,), (40,)]
    """

    _parameter_constraints = {
        "n_ants": [Interval(Integral, 1, None, closed="left")],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_layers": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "hidden_nodes": [Interval(Integral, 1, None, closed="left"), None],
        "max_recurrent_depth": [Interval(Integral, 1, None, closed="left")],
        "ants": [StrOptions({*ANT_SPECIES, "auto"})],
        "social": [StrOptions({*SOCIAL_ANTS[1:], "auto"}), None],
        "jumps": ["boolean", StrOptions({"auto"})],
        "forward_bias": ["boolean"],
        "reward": [StrOptions(set(REWARD_RULES))],
        "deposit": [Interval(Real, 0, None, closed="neither")],
        "evaporation": [Interval(Real, 0, 1, closed="both")],
        "weight_reg": [Interval(Real, 0, None, closed="left")],
        "weight_norm": [StrOptions(set(WEIGHT_NORMS))],
        "lamarckian": [StrOptions({*LAMARCKIAN[1:], "auto"}), None],
        "lamarckian_alpha": [Interval(Real, 0, 1, closed="both")],
        "inherit": [StrOptions({*INHERIT, "auto"})],
        "new_weights": [StrOptions({*NEW_WEIGHTS, "auto"})],
        "evaluate_initial": ["boolean", StrOptions({"auto"})],
        "io_cells": [StrOptions({*IO_CELLS, "auto"})],
        "direct_inputs": ["boolean", StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "scale": [StrOptions({"minmax", "auto"}), None],
        "segment_length": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}),
                           None],
        "refine_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "refine_members": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "prune": ["boolean", StrOptions({"auto"})],
        "baseline_feature": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"}),
                             None],
        "mode": [StrOptions(set(MODES))],
        "switches": [dict, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
        "checkpoint": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
        "trainer": [callable, None],
        "predictor": [callable, None],
        "random_state": [Interval(Integral, 0, None, closed="left"), np.random.Generator, None],
        "verbose": ["verbose"],
    }

    def __init__(self, n_ants=20, n_candidates=50, epochs=10, population_size=10,
                 hidden_layers="auto", hidden_nodes=None, max_recurrent_depth=3, ants="auto",
                 social="auto", jumps="auto", forward_bias=True, reward="regularized",
                 deposit=0.03, evaporation=0.05, weight_reg=0.0, weight_norm="l2",
                 lamarckian="auto", lamarckian_alpha=0.5, inherit="auto", new_weights="auto",
                 evaluate_initial="auto", io_cells="auto", direct_inputs="auto",
                 learning_rate="auto", momentum=0.9, scale="auto", segment_length="auto",
                 refine_epochs="auto", refine_members="auto", prune="auto",
                 baseline_feature="auto",
                 mode="extended",
                 switches=None, validation_fraction=0.2, n_jobs=1, checkpoint=None,
                 checkpoint_every=10, trainer=None, predictor=None, random_state=None, verbose=0):
        self.n_ants = n_ants
        self.n_candidates = n_candidates
        self.epochs = epochs
        self.population_size = population_size
        self.hidden_layers = hidden_layers
        self.hidden_nodes = hidden_nodes
        self.max_recurrent_depth = max_recurrent_depth
        self.ants = ants
        self.social = social
        self.jumps = jumps
        self.forward_bias = forward_bias
        self.reward = reward
        self.deposit = deposit
        self.evaporation = evaporation
        self.weight_reg = weight_reg
        self.weight_norm = weight_norm
        self.lamarckian = lamarckian
        self.lamarckian_alpha = lamarckian_alpha
        self.inherit = inherit
        self.new_weights = new_weights
        self.evaluate_initial = evaluate_initial
        self.io_cells = io_cells
        self.direct_inputs = direct_inputs
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.scale = scale
        self.segment_length = segment_length
        self.refine_epochs = refine_epochs
        self.refine_members = refine_members
        self.prune = prune
        self.baseline_feature = baseline_feature
        self.mode = mode
        self.switches = switches
        self.validation_fraction = validation_fraction
        self.n_jobs = n_jobs
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.trainer = trainer
        self.predictor = predictor
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, validation_data=None, executor=None, worker_setup=None):
        """Search RNN topologies for the series ``(X, y)``.

        Parameters
        ----------
        X : list of array-like of shape (n_steps_k, n_features), or ndarray of \
                shape (n_series, n_steps, n_features)
            The series.  In a list, a 1-D array (or list of numbers) of shape
            (n_steps_k,) is a univariate series.  A 2-D array of shape
            (n_series, n_features) is read, as by the other sequence
            estimators, as series of one step each.
        y : list of array-like of shape (n_steps_k,), or ndarray of shape \
                (n_series, n_steps), or of shape (n_series,) for a 2-D ``X``
            Per-step targets (e.g. the next value of a column for forecasting).
        validation_data : tuple (X_val, y_val), optional
            Series that define the fitness; default: hold out
            ``validation_fraction`` of the series.
        executor : concurrent.futures.Executor, optional
            Train candidates on it (e.g. a dask ``Client.get_executor()``),
            ``n_jobs`` at a time.
        worker_setup : callable, optional
            Run once in each worker of the local pool (``n_jobs > 1``), e.g.
            to JIT-load kernels before the first candidate.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On bad input, a checkpoint that cannot be resumed, or when no
            candidate reached a finite validation error.
        RuntimeError
            When a worker of the local process pool dies (e.g. a script that
            calls ``fit`` with ``n_jobs > 1`` without an
            ``if __name__ == "__main__":`` guard).
        """
        if y is None:
            raise ValueError("ASNERegressor requires y to be passed, but the target y is None")
        X_list, y_list, _ = self._check_Xy(X, y)
        n_features = X_list[0].shape[1]
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, y_val), got "
                                 f"{len(validation_data)} items")
            X_val, y_val, _ = self._check_Xy(*validation_data, n_features=n_features,
                                             what="validation ")
            X_tr, y_tr = X_list, y_list
        else:
            X_tr, y_tr, X_val, y_val = self._split(X_list, y_list)
        opts = self._resolved()
        baseline = opts["baseline_feature"]
        if isinstance(baseline, str):  # "find"
            baseline = find_baseline_feature(X_list, y_list)
        elif baseline is not None and baseline >= n_features:
            raise ValueError(f"baseline_feature={baseline} is not a feature of X, which has "
                             f"{n_features} features")
        y_tr, y_val = minus_feature(X_tr, y_tr, baseline), minus_feature(X_val, y_val, baseline)
        if isinstance(opts["direct_inputs"], str):  # "no_baseline"
            opts["direct_inputs"] = baseline is None
        config = self._config(n_features, opts)
        n_jobs = int(self.n_jobs)
        x_scaler = y_scaler = None
        if opts["scale"] == "minmax":
            x_scaler, y_scaler = fit_scalers(X_tr, y_tr)
        X_tr, y_tr = segments(scale_inputs(X_tr, x_scaler), scale_targets(y_tr, y_scaler),
                              opts["segment_length"])
        X_val, y_val = scale_inputs(X_val, x_scaler), scale_targets(y_val, y_scaler)
        unit = 1.0 if y_scaler is None else float(y_scaler.scale_[0])
        kwargs = {"epochs": int(self.epochs), "learning_rate": float(opts["learning_rate"]),
                  "momentum": float(self.momentum)}
        if self.trainer is None:
            kwargs.update(nesterov=config.nesterov, error_seed=config.error_seed,
                          evaluate_initial=bool(opts["evaluate_initial"]),
                          new_weights=opts["new_weights"])
        if self.checkpoint is not None and os.path.exists(self.checkpoint):
            search = ASNESearch.load(self.checkpoint, trainer=self.trainer, verbose=self.verbose,
                                     error_scale=1.0 / unit)
            wanted = ASNESearch(n_features, config, trainer_kwargs=kwargs,
                                random_state=self.random_state)
            wanted.data_fingerprint = data_fingerprint((X_tr, y_tr, X_val, y_val))
            differences = _resume_differences(search, wanted)
            if differences:
                raise ValueError(
                    f"checkpoint {self.checkpoint!r} was written by a search with other "
                    f"settings or data, which a resumed search would keep: "
                    f"{'; '.join(differences)} (checkpoint vs this estimator). Resume with "
                    "the checkpoint's settings and data, or delete the file (or pass another "
                    "checkpoint path) to start a new search.")
        else:
            search = ASNESearch(n_features, config, trainer=self.trainer,
                                trainer_kwargs=kwargs, random_state=self.random_state,
                                verbose=self.verbose, error_scale=1.0 / unit)
        search.run(X_tr, y_tr, X_val, y_val, int(self.n_candidates), n_jobs=n_jobs,
                   executor=executor, checkpoint=self.checkpoint,
                   checkpoint_every=int(self.checkpoint_every),
                   worker_setup=worker_setup, refine_epochs=int(opts["refine_epochs"]),
                   prune=bool(opts["prune"]))
        if search.best is None:
            raise ValueError(
                f"none of the {len(search.history)} candidates reached a finite validation "
                "error: every training run diverged to NaN or infinity. Try a smaller "
                "learning_rate, scale inputs and targets to a small range (scale='minmax'), "
                "or look for extreme values in the data.")
        maps = {"input_map": None, "target_map": None, "baseline_feature": baseline}
        if x_scaler is not None:
            maps.update(input_map=(x_scaler.scale_, x_scaler.min_),
                        target_map=(unit, float(y_scaler.min_[0])))
        self.n_features_in_ = n_features
        self.input_scaler_, self.target_scaler_ = x_scaler, y_scaler
        self.baseline_feature_ = baseline
        self.search_ = search
        self.population_ = [
            ASNENetwork(m.genome, m.params, m.edge_weights, m.fitness * search.error_scale ** 2,
                        m.mae * search.error_scale, predictor=self.predictor, **maps)
            for m in search.population]
        self.best_network_ = self.population_[0]
        self.history_ = search.history_arrays()
        return self

    # ------------------------------------------------------------------ predict
    def predict(self, X):
        """Per-step predictions of the best network, in the form of ``X``.

        Returns
        -------
        list of ndarray of shape (n_steps_k,) for a list; ndarray of shape
        (n_series, n_steps) for a 3-D array; ndarray of shape (n_series,) for
        a 2-D array (series of one step).
        """
        check_is_fitted(self, "best_network_")
        X_list, _, form = self._check_Xy(X, None, n_features=self.n_features_in_)
        pred = [np.asarray(p, dtype=np.float64) for p in self.best_network_.predict(X_list)]
        if form == "3d":
            return np.stack(pred)
        if form == "2d":
            return np.concatenate(pred)
        return pred

    def score(self, X, y, sample_weight=None):
        """R^2 over all steps of all series (see ``RegressorMixin.score``)."""
        from sklearn.metrics import r2_score

        pred = self.predict(X)
        _, y_list, _ = self._check_Xy(X, y, n_features=self.n_features_in_)
        flat = np.concatenate([np.ravel(p) for p in (pred if isinstance(pred, list) else [pred])])
        return r2_score(np.concatenate(y_list), flat, sample_weight=sample_weight)

    # ------------------------------------------------------------------ helpers
    def _resolved(self):
        """Every "auto" parameter replaced by its mode's default."""
        table = AUTO_DEFAULTS["extended" if self.mode == "extended" else "spec"]
        opts = {k: table[k] if isinstance(getattr(self, k), str) and getattr(self, k) == "auto"
                else getattr(self, k) for k in table}
        if opts["refine_epochs"] == "search":  # three times the candidates' epochs
            opts["refine_epochs"] = REFINE_SHARE * self.n_candidates * self.epochs
        if opts["refine_members"] == "population":
            opts["refine_members"] = self.population_size
        if self.prune == "auto" and self.trainer is not None:
            opts["prune"] = False
        return opts

    def _config(self, n_features, opts):
        overrides = dict(self.switches or {})
        return make_config(
            self.mode, hidden_layers=opts["hidden_layers"],
            hidden_nodes=n_features if self.hidden_nodes is None else self.hidden_nodes,
            max_recurrent_depth=self.max_recurrent_depth, n_ants=self.n_ants,
            ants=opts["ants"], social=opts["social"], jumps=bool(opts["jumps"]),
            forward_bias=bool(self.forward_bias), io_cells=opts["io_cells"],
            direct_inputs=bool(opts["direct_inputs"]), reward=self.reward,
            deposit=self.deposit, evaporation=self.evaporation, weight_reg=self.weight_reg,
            weight_norm=self.weight_norm, lamarckian=opts["lamarckian"],
            lamarckian_alpha=self.lamarckian_alpha, inherit=opts["inherit"],
            new_weights=opts["new_weights"], evaluate_initial=bool(opts["evaluate_initial"]),
            population_size=self.population_size, refine_members=int(opts["refine_members"]),
            **overrides)

    def _split(self, X_list, y_list):
        n = len(X_list)
        if n == 1:
            return X_list, y_list, X_list, y_list
        n_val = min(max(1, int(round(self.validation_fraction * n))), n - 1)
        order = np.random.default_rng(self.random_state).permutation(n)
        val, tr = np.sort(order[:n_val]), np.sort(order[n_val:])
        return ([X_list[i] for i in tr], [y_list[i] for i in tr],
                [X_list[i] for i in val], [y_list[i] for i in val])

    def _check_Xy(self, X, y, n_features=None, what=""):
        """Read the sequence forms into lists; returns ``(X_list, y_list, form)``.

        ``n_features``: the number of features X must have (None: any).
        ``form``: ``"list"``, ``"3d"`` or ``"2d"`` (see :func:`rnnkit._sequences.sequence_form`).
        """
        X = as_sequence_input(X)
        form = sequence_form(X)
        try:
            Xp, lengths = check_sequences(X, dtype=np.float64, estimator_name="ASNERegressor")
        except ValueError as exc:
            raise ValueError(f"{what}{exc}") from None
        if n_features is not None and Xp.shape[2] != n_features:
            raise ValueError(f"X has {Xp.shape[2]} features, but ASNERegressor is expecting "
                             f"{n_features} features as input.")
        X_list = [Xp[k, :n] for k, n in enumerate(lengths)]
        if y is None:
            return X_list, None, form
        y = as_sequence_input(y)
        if form == "3d" and np.ndim(y) == 2:
            y = np.asarray(y)[:, :, None]  # (n_series, n_steps): one target per step
        elif form == "2d" and np.ndim(y) == 2 and np.shape(y)[1] == 1:
            y = column_or_1d(y, warn=True)  # one output: a column vector warns
        try:
            Y, per_step = check_sequence_targets(y, lengths, estimator_name="ASNERegressor")
        except ValueError as exc:
            raise ValueError(f"{what}{exc}") from None
        if not per_step:
            if (lengths != 1).any():
                raise ValueError(
                    f"{what}y has one target per series (shape {Y.shape}), but ASNERegressor "
                    "needs one target per step: pass y as a list of 1-D arrays, one per "
                    "series of X, or a 2-D array (n_series, n_steps) with a 3-D X.")
            Y = Y[:, None, :]  # one-step series: the target of the series is the step's
        if Y.shape[2] != 1:
            raise ValueError(f"{what}y must be 1-D per series (one target per step), got "
                             f"{Y.shape[2]} targets per step")
        return X_list, [Y[k, :n, 0] for k, n in enumerate(lengths)], form


def _resume_differences(saved, wanted):
    """What differs between a loaded search and the one the estimator would start."""
    out = []
    if saved.n_inputs != wanted.n_inputs:
        out.append(f"n_features {saved.n_inputs} vs {wanted.n_inputs}")
    for f in fields(saved.config):
        a, b = getattr(saved.config, f.name), getattr(wanted.config, f.name)
        if a != b:
            out.append(f"{f.name} {a!r} vs {b!r}")
    for key in sorted(set(saved.trainer_kwargs) | set(wanted.trainer_kwargs)):
        a, b = saved.trainer_kwargs.get(key), wanted.trainer_kwargs.get(key)
        if a != b:
            out.append(f"{key} {a!r} vs {b!r}")
    if saved.random_state != wanted.random_state:
        out.append(f"random_state {saved.random_state!r} vs {wanted.random_state!r}")
    if saved.data_fingerprint not in (None, wanted.data_fingerprint):
        out.append("the training or validation data differ")
    return out
