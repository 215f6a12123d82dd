"""scikit-learn's feature-name conventions on the tabular estimators.

``feature_names_in_`` is set from a DataFrame with string column names and
absent for arrays; later calls check names as ``validate_data(reset=False)``
does: a warning when only one of fit and the call had names, ValueError
when they differ.  The same holds for input read block by block (h5py,
memmap, Dask), whose names are read without reading its rows.
"""
import warnings

import h5py
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.utils.estimator_checks import (check_dataframe_column_names_consistency,
                                            check_transformer_get_feature_names_out,
                                            check_transformer_get_feature_names_out_pandas)

from rnnkit import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                    RNNAutoencoder, RNNELMClassifier, RNNELMRegressor)

pd = pytest.importorskip("pandas")

ESTIMATORS = [
    RNNELMClassifier(n_hidden=20, alpha=1e-4, random_state=0),
    RNNELMRegressor(n_hidden=20, alpha=1e-4, random_state=0),
    DeepRNNELMClassifier((4,), 20, alpha=1e-4, random_state=0),
    MultiSourceRNNELMClassifier([slice(0, 2), [2, 3]], (3,), 20, alpha=1e-4, random_state=0),
    RNNAutoencoder(3, method="fista", n_iter=10, random_state=0),
    NonNegativeScaler(),
]
TRANSFORMERS = [e for e in ESTIMATORS if hasattr(e, "transform")] + [
    NonNegativeScaler(split_sign=True)]
NAMES = np.array(["a", "b", "c", "d"], dtype=object)
OTHER_NAMES = ["a", "b", "c", "e"]
FITTED_WITHOUT = "X has feature names, but .* was fitted without feature names"
NO_VALID_NAMES = "X does not have valid feature names, but .* was fitted with feature names"
NAMES_DIFFER = "The feature names should match those that were passed during fit"


def _name(estimator):
    return type(estimator).__name__


def _data():
    rng = np.random.default_rng(0)
    X = rng.random((60, 4))
    return X, (X[:, 0] > 0.5).astype(int)


def _output(estimator):
    return estimator.predict if hasattr(estimator, "predict") else estimator.transform


def _partial_fit(estimator, X, y):
    kwargs = {"classes": [0, 1]} if is_classifier(estimator) else {}
    return estimator.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_sklearn_column_names_check(estimator):
    check_dataframe_column_names_consistency(_name(estimator), estimator)


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=_name)
def test_sklearn_feature_names_out_checks(estimator):
    check_transformer_get_feature_names_out(_name(estimator), estimator)
    check_transformer_get_feature_names_out_pandas(_name(estimator), estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_names_from_dataframe_and_none_from_array(estimator):
    X, y = _data()
    est = clone(estimator).fit(pd.DataFrame(X, columns=NAMES), y)
    assert est.feature_names_in_.dtype == object
    np.testing.assert_array_equal(est.feature_names_in_, NAMES)
    assert est.n_features_in_ == 4
    est.fit(X, y)  # a refit on an array forgets the names
    assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 4
    est = clone(estimator).fit(pd.DataFrame(X), y)  # integer column names are no names
    assert not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_mismatched_names_warn_or_raise(estimator):
    X, y = _data()
    df = pd.DataFrame(X, columns=NAMES)
    array_fit = clone(estimator).fit(X, y)
    with pytest.warns(UserWarning, match=FITTED_WITHOUT):
        _output(array_fit)(df)
    frame_fit = clone(estimator).fit(df, y)
    with pytest.warns(UserWarning, match=NO_VALID_NAMES):
        expected = _output(frame_fit)(X)
    with pytest.raises(ValueError, match=NAMES_DIFFER):
        _output(frame_fit)(pd.DataFrame(X, columns=OTHER_NAMES))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_output(frame_fit)(df), expected)


@pytest.mark.parametrize("estimator", [e for e in ESTIMATORS if hasattr(e, "partial_fit")],
                         ids=_name)
def test_partial_fit_checks_names_of_first_call(estimator):
    X, y = _data()
    est = _partial_fit(clone(estimator), pd.DataFrame(X[:30], columns=NAMES), y[:30])
    np.testing.assert_array_equal(est.feature_names_in_, NAMES)
    with pytest.raises(ValueError, match=NAMES_DIFFER):
        _partial_fit(est, pd.DataFrame(X[30:], columns=OTHER_NAMES), y[30:])
    with pytest.warns(UserWarning, match=NO_VALID_NAMES):
        _partial_fit(est, X[30:], y[30:])
    np.testing.assert_array_equal(est.feature_names_in_, NAMES)
    est = _partial_fit(clone(estimator), X[:30], y[:30])
    with pytest.warns(UserWarning, match=FITTED_WITHOUT):
        _partial_fit(est, pd.DataFrame(X[30:], columns=NAMES), y[30:])
    assert not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize("estimator", [e for e in ESTIMATORS if not isinstance(
    e, NonNegativeScaler)], ids=_name)
def test_on_disk_input_has_no_names(estimator, tmp_path):
    X, y = _data()
    memmap = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=X.shape)
    memmap[:] = X
    with h5py.File(tmp_path / "X.h5", "w") as f:
        dataset = f.create_dataset("X", data=X)
        for source in (memmap, dataset):
            est = clone(estimator).fit(pd.DataFrame(X, columns=NAMES), y)
            with pytest.warns(UserWarning, match=NO_VALID_NAMES):
                np.testing.assert_array_equal(_output(est)(source), _output(est)(X))
            est.fit(source, y)
            assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 4
            with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
                _output(est)(dataset[:, :3] if source is dataset else memmap[:, :3])


@pytest.mark.parametrize("estimator", ESTIMATORS[:4], ids=_name)
def test_dask_dataframe_names(estimator):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data()
    ddf = dd.from_pandas(pd.DataFrame(X, columns=NAMES), npartitions=3)
    with dask.config.set(scheduler="synchronous"):
        est = clone(estimator).fit(ddf, dd.from_pandas(pd.Series(y), npartitions=3))
        np.testing.assert_array_equal(est.feature_names_in_, NAMES)
        expected = est.predict(pd.DataFrame(X, columns=NAMES))
        with pytest.raises(ValueError, match=NAMES_DIFFER):
            est.predict(dd.from_pandas(pd.DataFrame(X, columns=OTHER_NAMES), npartitions=3))
        np.testing.assert_array_equal(est.predict(ddf).compute(), expected)
        est.fit(ddf.to_dask_array(lengths=True), y)
        assert not hasattr(est, "feature_names_in_")


def test_multisource_sources_select_columns_of_dataframe():
    X, y = _data()
    df = pd.DataFrame(X, columns=NAMES)
    est = clone(ESTIMATORS[3]).fit(df, y)
    assert [list(c) for c in est.source_columns_] == [[0, 1], [2, 3]]
    np.testing.assert_array_equal(est.predict(df), clone(ESTIMATORS[3]).fit(X, y).predict(X))


def test_feature_names_out():
    X, y = _data()
    df = pd.DataFrame(X, columns=NAMES)
    scaler = NonNegativeScaler(split_sign=True).fit(df)
    assert list(scaler.get_feature_names_out()) == ["a+", "b+", "c+", "d+",
                                                     "a-", "b-", "c-", "d-"]
    assert list(NonNegativeScaler().fit(df).get_feature_names_out()) == list(NAMES)
    ae = clone(ESTIMATORS[4]).fit(df)
    assert list(ae.get_feature_names_out()) == [f"rnnautoencoder{i}" for i in range(3)]
    out = clone(ESTIMATORS[4]).set_output(transform="pandas").fit(df).transform(df)
    assert list(out.columns) == list(ae.get_feature_names_out())
