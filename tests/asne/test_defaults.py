"""ASNERegressor at its defaults, on data as a user passes it; the modes' settings."""
import numpy as np
import pytest

from rnnkit.asne import ASNENetwork, ASNERegressor
from rnnkit.asne.estimator import AUTO_DEFAULTS, REFINE_SHARE
from rnnkit.asne.genome import CELL_TYPES
from rnnkit.asne.search import HISTORY_FIELDS


def forecasting_task(n_series=10, T=1000, seed=0):
    """A level ``z`` relaxing halfway towards a drive ``u`` at every step, on a [0, 1] scale.

    X = (u_t, z_t), y = z_{t+1}: repeating the last value (persistence) is a
    fair first guess that a model of the relaxation beats.
    """
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n_series):
        u = 0.5 + 0.3 * np.sin(np.cumsum(rng.uniform(0.02, 0.1, T + 1)) + rng.uniform(0, 6))
        z = np.empty(T + 1)
        z[0] = 0.5
        for t in range(T):
            z[t + 1] = z[t] + 0.5 * (u[t] - z[t]) + rng.normal(scale=0.002)
        X.append(np.column_stack([u[:-1], z[:-1]]))
        y.append(z[1:])
    return X[:8], y[:8], X[8:], y[8:]


def _mae(pred, y):
    return float(np.mean([np.mean(np.abs(p - t)) for p, t in zip(pred, y)]))


@pytest.fixture(scope="module")
def task():
    return forecasting_task()


@pytest.fixture(scope="module")
def fitted(task):
    X, y, _, _ = task
    return ASNERegressor(n_candidates=6, epochs=3, random_state=0).fit(X, y)


def test_a_small_search_at_the_defaults_beats_persistence(task, fitted):
    _, _, X_test, y_test = task
    persistence = _mae([x[:, -1] for x in X_test], y_test)
    assert _mae(fitted.predict(X_test), y_test) < 0.8 * persistence


def test_history_is_a_table_of_the_search(fitted):
    h = fitted.history_
    assert list(h) == list(HISTORY_FIELDS)
    assert len({len(v) for v in h.values()}) == 1
    assert all(isinstance(v, np.ndarray) and v.ndim == 1 for v in h.values())
    for name in ("candidate", "n_nodes", "n_edges", "n_params", "n_lstm", "mae", "best_mae",
                 "epochs_spent"):
        assert name in h
    # what pandas.DataFrame(h) builds: one row per RNN, one scalar per column
    rows = [dict(zip(h, row)) for row in zip(*h.values())]
    assert len(rows) == len(h["candidate"]) and all(np.ndim(v) == 0 for v in rows[0].values())
    try:
        import pandas
    except ImportError:
        pass
    else:
        assert pandas.DataFrame(h).shape == (len(rows), len(HISTORY_FIELDS))
    np.testing.assert_array_equal(h["epochs_spent"], np.cumsum(h["epochs"]))
    best_so_far = [h["mae"][np.nanargmin(h["fitness"][:i + 1])] for i in range(len(rows))]
    np.testing.assert_allclose(h["best_mae"], best_so_far)
    assert list(h["stage"]) == ["search"] * 6 + ["refine", "prune"]
    assert h["epochs_spent"][-1] == 6 * 3 + REFINE_SHARE * 6 * 3 and h["epochs"][-1] == 0
    np.testing.assert_array_equal(sum(h[f"n_{c}"] for c in CELL_TYPES), h["n_nodes"])
    # errors in the target's units: the best network's MAE is the history's
    best = int(np.argmin(h["fitness"]))
    assert fitted.best_network_.mae == pytest.approx(h["mae"][best])
    assert h["best_mae"][-1] == pytest.approx(fitted.best_network_.mae)


def test_the_refinement_takes_three_quarters_of_the_epochs(fitted):
    h = fitted.history_
    assert list(h["stage"]) == ["search"] * 6 + ["refine", "prune"]
    assert h["epochs"][6] == REFINE_SHARE * 6 * 3 == 3 * 6 * 3
    assert h["epochs_spent"][-1] == 4 * 6 * 3


def test_the_refinement_grows_from_the_whole_population(task, fitted):
    search, h = fitted.search_, fitted.history_
    assert search.config.refine_members == fitted.population_size == 10
    # six candidates, all in the population: the refined network is their union
    best_candidate = int(np.argmin(h["fitness"][:6]))
    assert h["stage"][6] == "refine"
    assert h["n_params"][6] > h["n_params"][best_candidate]
    assert h["n_edges"][6] >= h["n_edges"][:6].max()
    assert h["fitness"][6] <= h["fitness"][best_candidate]  # it starts as the best network
    X, y, _, _ = task
    grown = ASNERegressor(n_candidates=6, epochs=3, random_state=0, population_size=2).fit(X, y)
    assert grown.search_.config.refine_members == 2


def test_best_network_applies_the_scaling_itself(task, fitted):
    X, y, X_test, _ = task
    np.testing.assert_allclose(fitted.best_network_.predict(X_test), fitted.predict(X_test))
    from rnnkit.asne import ASNENetwork
    back = ASNENetwork.from_json(fitted.best_network_.to_json())
    np.testing.assert_allclose(back.predict(X_test[:1])[0], fitted.predict(X_test[:1])[0])
    # scaling makes the search blind to the data's units: the same structures,
    # the same errors in the target's units (rounding differences grow over a
    # search's later training, so the first candidates are compared; the
    # pruning, which keeps ties in validation MSE, is left out)
    shifted = ASNERegressor(n_candidates=6, epochs=3, random_state=0).fit(
        [x * 1000 - 7 for x in X], [t * 1000 - 7 for t in y])
    np.testing.assert_array_equal(shifted.history_["n_edges"][:-1],
                                  fitted.history_["n_edges"][:-1])
    np.testing.assert_allclose(shifted.history_["mae"][:3], 1000 * fitted.history_["mae"][:3],
                               rtol=1e-4)


def test_verbose_shows_epochs_spent_and_best_mae(task, capsys):
    X, y, _, _ = task
    ASNERegressor(n_candidates=3, epochs=2, random_state=0, verbose=2).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 3
    assert "6 epochs" in lines[2] and "best mae=" in lines[2]


@pytest.mark.parametrize("mode", ["intended", "faithful"])
def test_the_spec_modes_keep_the_papers_settings(task, mode):
    X, y, _, _ = task
    est = ASNERegressor(n_candidates=2, epochs=1, random_state=0, mode=mode).fit(X, y)
    spec = AUTO_DEFAULTS["spec"]
    c = est.search_.config
    assert est.input_scaler_ is None and est.target_scaler_ is None
    assert est.search_.trainer_kwargs["learning_rate"] == spec["learning_rate"] == 0.001
    assert (c.ants, c.social, c.jumps, c.hidden_layers, c.lamarckian, c.inherit) == (
        "standard", None, False, 3, None, "edges")
    assert not est.search_.trainer_kwargs["evaluate_initial"]
    assert not c.direct_inputs and c.refine_members == 1
    assert set(est.history_["stage"]) == {"search"}


def test_pruning_needs_the_built_in_trainer(task):
    from _standin import predict_surrogate, surrogate_train
    X, y, _, _ = task
    est = ASNERegressor(n_candidates=3, epochs=1, random_state=0, trainer=surrogate_train,
                        predictor=predict_surrogate).fit(X, y)
    assert list(est.history_["stage"]) == ["search"] * 3 + ["refine"]  # "auto": no pruning
    with pytest.raises(ValueError, match="built-in trainer"):
        est.set_params(prune=True).fit(X, y)


def test_without_a_baseline_every_candidate_sees_every_input(task, fitted):
    # with a baseline the network starts from persistence: no direct lines
    assert fitted.baseline_feature_ == 1 and not fitted.search_.config.direct_inputs
    X, y, _, _ = task
    level = ASNERegressor(n_candidates=6, epochs=3, random_state=0,
                          baseline_feature=None).fit(X, y)
    assert level.search_.config.direct_inputs
    for member in [level.best_network_, *level.population_]:
        g = member.genome
        assert g.node_enabled[:g.n_inputs].all()


def test_a_wide_input_keeps_the_targets_own_column(task):
    # 28 noise columns before the two of the task: a march of 20 ants often leaves
    # the target's own column out; the direct lines keep it in every candidate
    X, y, X_test, y_test = task
    rng = np.random.default_rng(1)
    X, X_test = ([np.column_stack([rng.uniform(size=(len(x), 28)), x]) for x in series]
                 for series in (X, X_test))
    persistence = _mae([x[:, -1] for x in X_test], y_test)
    errors = {d: _mae(ASNERegressor(n_candidates=6, epochs=3, random_state=0, direct_inputs=d,
                                    baseline_feature=None).fit(X, y).predict(X_test), y_test)
              for d in (True, False)}
    assert errors[True] < 0.35 * persistence < errors[False]


def test_explicit_parameters_override_the_mode(task):
    X, y, _, _ = task
    est = ASNERegressor(n_candidates=2, epochs=1, random_state=0, mode="intended",
                        learning_rate=0.05, scale="minmax", ants="explorer", social="forward",
                        lamarckian="elite", inherit="all").fit(X, y)
    c = est.search_.config
    assert est.search_.trainer_kwargs["learning_rate"] == 0.05
    assert est.input_scaler_ is not None
    assert (c.ants, c.social, c.lamarckian, c.inherit, c.mode) == (
        "explorer", "forward", "elite", "all", "intended")
    ext = ASNERegressor(n_candidates=2, epochs=1, random_state=0, social=None,
                        lamarckian=None, scale=None).fit(X, y)
    assert (ext.search_.config.social, ext.search_.config.lamarckian) == (None, None)
    assert ext.input_scaler_ is None


def test_the_defaults_learn_the_change_from_the_last_value(task, fitted):
    X, y, X_test, y_test = task
    assert fitted.baseline_feature_ == 1
    assert fitted.best_network_.baseline_feature == 1
    # the networks' own outputs are the change: adding the column back gives the predictions
    raw = ASNENetwork(fitted.best_network_.genome, fitted.best_network_.params,
                      input_map=fitted.best_network_.input_map,
                      target_map=fitted.best_network_.target_map)
    for p, r, x in zip(fitted.predict(X_test), raw.predict(X_test), X_test):
        np.testing.assert_allclose(p, r + x[:, 1])
    # the target scaler maps the change, not the level
    change = np.concatenate([t - x[:, 1] for x, t in zip(X, y)])
    assert fitted.target_scaler_.data_max_[0] <= change.max()
    level = ASNERegressor(n_candidates=6, epochs=3, random_state=0,
                          baseline_feature=None).fit(X, y)
    assert level.baseline_feature_ is None and level.best_network_.baseline_feature is None
    for mode in ("intended", "faithful"):
        est = ASNERegressor(n_candidates=1, epochs=1, random_state=0, mode=mode).fit(X, y)
        assert est.baseline_feature_ is None


def test_a_network_that_predicts_no_change_is_persistence(task):
    X, y, X_test, y_test = task
    zero = lambda genome, params, X_list: [np.zeros(len(x)) for x in X_list]  # noqa: E731
    est = ASNERegressor(n_candidates=2, epochs=1, random_state=0, scale=None,
                        predictor=zero).fit(X, y)
    for p, x in zip(est.predict(X_test), X_test):
        np.testing.assert_array_equal(p, x[:, 1])


def test_an_explicit_baseline_feature(task):
    # y is not exactly the next row of a column (noise), so "auto" finds none;
    # naming the column still learns the change
    X, y, X_test, y_test = task
    noisy = [t + 1e-6 for t in y]
    found = ASNERegressor(n_candidates=2, epochs=1, random_state=0).fit(X, noisy)
    given = ASNERegressor(n_candidates=2, epochs=1, random_state=0,
                          baseline_feature=1).fit(X, noisy)
    assert (found.baseline_feature_, given.baseline_feature_) == (None, 1)
    assert _mae(given.predict(X_test), y_test) < _mae(found.predict(X_test), y_test)
    with pytest.raises(ValueError, match="baseline_feature=2 is not a feature of X"):
        ASNERegressor(n_candidates=1, epochs=1, baseline_feature=2).fit(X, y)


@pytest.mark.parametrize("name, value, match", [
    ("baseline_feature", -1, "baseline_feature"),
    ("baseline_feature", "last", "baseline_feature"),
    ("learning_rate", "fast", "learning_rate"),
    ("scale", "standard", "scale"),
    ("segment_length", 0, "segment_length"),
    ("refine_epochs", -1, "refine_epochs"),
    ("refine_members", 0, "refine_members"),
    ("mode", "paper", "mode"),
])
def test_bad_auto_parameters(task, name, value, match):
    X, y, _, _ = task
    with pytest.raises(ValueError, match=match):
        ASNERegressor(n_candidates=2, epochs=1, **{name: value}).fit(X, y)
