"""ASNERegressor: scikit-learn conventions, input forms, errors, pickling.

Every test here runs the real graph-RNN trainer (BPTT).

scikit-learn's estimator checks
-------------------------------
As for the other sequence estimators, a 2-D ``X`` (n_samples, n_features) is
read as series of one step each, and a Python list as a list of series.
Every check of ``parametrize_with_checks`` runs except the one in
``EXPECTED_FAILED``; its reason is asserted by the tests below.
"""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_regressors_train, parametrize_with_checks

from rnnkit.asne import ASNENetwork, ASNERegressor

SMALL = dict(n_candidates=4, n_ants=3, hidden_layers=1, hidden_nodes=3, population_size=3,
             epochs=5, refine_epochs=0, random_state=0)

EXPECTED_FAILED = {
    "check_regressors_train": (
        "a Python list is read as a list of series, so the check's refit on X.tolist() of "
        "its 2-D array (n_samples, n_features) with y.tolist() gets univariate series of "
        "n_features steps with one target per series, which ASNERegressor refuses (it "
        "needs one target per step); with lists read as 2-D arrays the same search passes "
        "the rest of the check (test_train_check_passes_with_lists_read_as_tables)"),
}


@parametrize_with_checks([ASNERegressor(**SMALL)],
                         expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


class _ListsReadAsTables(ASNERegressor):
    """ASNERegressor, except that ``fit`` reads a list as a 2-D array."""

    def fit(self, X, y, **kwargs):
        return super().fit(np.asarray(X) if isinstance(X, list) else X, y, **kwargs)


def test_train_check_passes_with_lists_read_as_tables():
    # the expected failure above is the list convention, nothing else
    with pytest.raises(ValueError, match="needs one target per step"):
        check_regressors_train("ASNERegressor", ASNERegressor(**SMALL))
    check_regressors_train("ASNERegressor", _ListsReadAsTables(**SMALL))


def test_tolist_is_read_as_univariate_series():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [0.5, -1.0, 0.25]
    with pytest.raises(ValueError, match="one target per series.*one target per step"):
        ASNERegressor(**SMALL).fit(X.tolist(), y.tolist())
    from_list = ASNERegressor(**SMALL).fit(X.tolist(), list(X))
    from_3d = ASNERegressor(**SMALL).fit(X[:, :, None], X)
    assert from_list.n_features_in_ == from_3d.n_features_in_ == 1
    np.testing.assert_array_equal(from_list.predict(X[:, :, None]),
                                  from_3d.predict(X[:, :, None]))
    with pytest.raises(ValueError, match="X has 3 features"):
        from_list.predict(X)


def test_2d_rows_are_one_step_series():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [0.5, -1.0, 0.25]
    est = ASNERegressor(**SMALL).fit(X, y)
    pred = est.predict(X)
    assert pred.shape == (40,)
    np.testing.assert_array_equal(pred, est.predict(X[:, None, :])[:, 0])
    np.testing.assert_array_equal(pred[10:20], est.predict(X[10:20]))  # rows are independent
    same = ASNERegressor(**SMALL).fit(X[:, None, :], y[:, None])
    np.testing.assert_array_equal(same.predict(X), pred)


def test_list_of_series_roundtrip(series):
    X, y = series
    est = ASNERegressor(**SMALL)
    assert est.fit(X, y) is est
    pred = est.predict(X)
    assert isinstance(pred, list) and [p.shape for p in pred] == [(len(x),) for x in X]
    assert est.n_features_in_ == 4
    h = est.history_
    assert list(h["stage"]) == ["search"] * 4 + ["prune"]
    assert set(h) >= {"fitness", "n_params", "n_edges", "n_nodes"}
    assert isinstance(est.best_network_, ASNENetwork)
    assert est.best_network_.fitness == min(h["fitness"])
    assert [n.fitness for n in est.population_] == sorted(n.fitness for n in est.population_)
    assert est.score(X, y) > 0.5


def test_three_d_and_validation_data(series):
    rng = np.random.default_rng(1)
    X3 = rng.normal(size=(5, 20, 4))
    y2 = 0.8 * X3[:, :, 2]
    est = ASNERegressor(**SMALL).fit(X3[:3], y2[:3], validation_data=(X3[3:], y2[3:]))
    pred = est.predict(X3)
    assert pred.shape == (5, 20)
    same = est.predict(list(X3))
    np.testing.assert_allclose(pred, np.stack(same))
    assert est.best_network_.mae < 0.2


def test_reproducible_and_params_untouched(series):
    X, y = series
    a = ASNERegressor(**SMALL)
    params = a.get_params()
    a.fit(X, y)
    assert a.get_params() == params
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.history_["fitness"], b.history_["fitness"])


def test_modes_and_species_run(series):
    X, y = series
    for kw in ({"mode": "faithful", "lamarckian": "fitness"},
               {"ants": "explorer", "social": "both", "jumps": True, "reward": "constant"},
               {"lamarckian": "copy", "reward": "fixed", "io_cells": "simple",
                "switches": {"inverted_fitness_alpha": True}},
               {"weight_reg": 0.3, "weight_norm": "l1", "lamarckian": "constant"}):
        est = ASNERegressor(**{**SMALL, **kw}).fit(X, y)
        assert np.isfinite(est.best_network_.fitness)


@pytest.mark.parametrize("X, y, match", [
    ([], [], "empty list"),
    ([np.zeros((0, 4))], [np.zeros(0)], "needs at least one time step"),
    ([np.full((5, 4), np.nan)], [np.zeros(5)], "NaN"),
    ([np.zeros((5, 4))], [np.zeros(4)], r"shape \(4, 1\), expected \(5, 1\)"),
    ([np.zeros((5, 4)), np.zeros((5, 3))], [np.zeros(5)] * 2, "Sequence 1 has 3 features per step but sequence 0 has 4"),
    ([np.zeros((5, 4))], [np.zeros(5)] * 2, "Found 2 target sequences for 1 input sequences"),
    ([np.zeros((5, 4))], [np.zeros((5, 2))], "must be 1-D"),
    ([np.zeros((5, 4))], [np.array([0, 0, np.inf, 0, 0])], "infinity"),
])
def test_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        ASNERegressor(**SMALL).fit(X, y)


def test_bad_params_and_predict_errors(series):
    X, y = series
    with pytest.raises(InvalidParameterError, match="'n_candidates' parameter of ASNERegressor "
                       r"must be an int in the range \[1, inf\)"):
        ASNERegressor(**{**SMALL, "n_candidates": 0}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'ants' parameter of ASNERegressor must be"):
        ASNERegressor(**{**SMALL, "ants": "red"}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="validation_fraction"):
        ASNERegressor(**{**SMALL, "validation_fraction": 1.5}).fit(X, y)
    est = ASNERegressor(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but ASNERegressor is expecting 4"):
        est.predict([x[:, :3] for x in X])
    with pytest.raises(ValueError, match="pair"):
        ASNERegressor(**SMALL).fit(X, y, validation_data=(X,))


def test_pickle_and_export(series, tmp_path):
    X, y = series
    est = ASNERegressor(**SMALL).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X)[0], est.predict(X)[0])
    net = est.best_network_
    net.to_json(tmp_path / "net.json")
    back = ASNENetwork.from_json(tmp_path / "net.json")
    np.testing.assert_allclose(back.predict(X)[1], net.predict(X)[1])
    np.testing.assert_array_equal(back.genome.edge_innovation, net.genome.edge_innovation)
    dot = net.to_dot(feature_names=["a", "b", "c", "d"])
    assert dot.startswith("digraph asne {") and dot.rstrip().endswith("}")
    assert dot.count("->") == int(net.genome.active_elements()[1].sum())
    s = net.summary()
    assert s["n_edges"] == dot.count("->") and sum(s["cells"].values()) == s["n_nodes"]
    with pytest.raises(ValueError, match="format"):
        ASNENetwork.from_json('{"format": "other"}')


def test_plot(series):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    X, y = series
    est = ASNERegressor(**{**SMALL, "ants": "explorer", "social": "both"}).fit(X, y)
    ax = est.best_network_.plot()
    assert len(ax.patches) >= int(est.best_network_.genome.active_elements()[1].sum())


def test_checkpoint_resume_via_estimator(series, tmp_path):
    X, y = series
    path = str(tmp_path / "ck.pkl")
    # a search extended after it ended goes on from its pruned population,
    # so the pruning is off here, as the refinement is
    small = {**SMALL, "prune": False}
    full = ASNERegressor(**{**small, "n_candidates": 10}).fit(X, y)
    ASNERegressor(**{**small, "n_candidates": 4, "checkpoint": path}).fit(X, y)
    resumed = ASNERegressor(**{**small, "n_candidates": 10, "checkpoint": path}).fit(X, y)
    np.testing.assert_array_equal(full.history_["fitness"], resumed.history_["fitness"])
    with pytest.raises(ValueError, match="other settings"):
        ASNERegressor(**{**SMALL, "n_candidates": 12, "n_ants": 5, "checkpoint": path}).fit(X, y)


def test_real_trainer_small(series):
    """The default trainer (graph-RNN BPTT) end to end on a tiny problem."""
    pytest.importorskip("rnnkit.asne.training")
    X, y = series
    est = ASNERegressor(n_candidates=3, epochs=2, n_ants=3, hidden_layers=1, hidden_nodes=3,
                        population_size=2, random_state=0).fit(X, y)
    pred = est.predict(X[:2])
    assert [p.shape for p in pred] == [(len(X[0]),), (len(X[1]),)]
    assert np.isfinite(est.best_network_.fitness)
    assert est.best_network_.n_params == est.history_["n_params"][
        np.argmin(est.history_["fitness"])]
