"""RNN-ELM estimators on Dask arrays, on the tests' shared LocalCluster (``dask_client``).

Tolerances: the Dask fit forms every chunk's ``H'H`` exactly as the in-memory
fit (same chunk offsets: the Dask blocks are multiples of ``batch_size``)
and only adds the chunks' sums in another order (a tree instead of a running
sum), so the float64 sums agree to a few units of rounding (``rtol=1e-12``
on Phi's entries, far above the ~1e-15 observed).  The scale pass takes a
maximum, and the reservoir sample picks rows by their stream position: both
are exact.  The solved readout amplifies the sums' rounding by the condition
number of ``Phi + alpha I`` (up to ~1e10 with the small alphas chosen), so
outputs are compared at ``atol=1e-5`` on probabilities and exactly on the
predicted classes.
"""
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

pytest.importorskip("distributed")  # the dask_client fixture
da = pytest.importorskip("dask.array")

from rnnkit import RNNELMClassifier, RNNELMRegressor  # noqa: E402
from rnnkit.elm.deep import DeepRNNELMClassifier  # noqa: E402
from rnnkit.elm.multisource import MultiSourceRNNELMClassifier  # noqa: E402

BATCH = 250


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.random((3000, 8))
    y = (X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0.7)
    return X, y


def _upper(acc):
    acc._sync_folds()
    return np.triu(acc.phi)


def _assert_same_sums(a, b):
    assert a.n_samples == b.n_samples
    np.testing.assert_allclose(_upper(b), _upper(a), rtol=1e-12, atol=0)
    np.testing.assert_allclose(b.psi, a.psi, rtol=1e-12)
    assert b.sum_sq == pytest.approx(a.sum_sq, rel=1e-12)


def _assert_same_classifier(a, b, X, chunks=700):
    Xd = da.from_array(X, chunks=chunks)
    _assert_same_sums(a._accumulator, b._accumulator)
    np.testing.assert_array_equal(b._sample.X, a._sample.X)
    assert b._sample.n_seen == a._sample.n_seen
    assert b.alpha_ == a.alpha_
    proba = b.predict_proba(Xd)
    assert isinstance(proba, da.Array) and proba.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(proba.compute(), a.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(b.predict(Xd).compute(), a.predict(X))


@pytest.mark.parametrize("cv", [None, 3])
def test_classifier_fit_equals_in_memory(dask_client, data, cv):
    X, y = data
    kw = dict(n_hidden=80, batch_size=BATCH, cv=cv, random_state=0)
    a = RNNELMClassifier(**kw).fit(X, y)
    b = RNNELMClassifier(**kw).fit(da.from_array(X, chunks=500), da.from_array(y, chunks=500))
    assert b.preactivation_scale_ == a.preactivation_scale_
    _assert_same_classifier(a, b, X)
    Xd = da.from_array(X, chunks=1000)
    np.testing.assert_allclose(b.decision_function(Xd).compute(), a.decision_function(X),
                               atol=1e-6)
    np.testing.assert_allclose(b.transform_hidden(Xd).compute(), a.transform_hidden(X),
                               rtol=1e-12)


def test_partial_fit_and_regressor(dask_client, data):
    X, y = data
    kw = dict(n_hidden=60, batch_size=BATCH, random_state=1, scale_rows=1000)
    a = RNNELMClassifier(**kw).partial_fit(X[:1000], y[:1000], classes=[0, 1, 2])
    a.partial_fit(X[1000:], y[1000:])
    b = RNNELMClassifier(**kw).partial_fit(da.from_array(X[:1000], chunks=500), y[:1000],
                                           classes=[0, 1, 2])
    b.partial_fit(da.from_array(X[1000:], chunks=1000), da.from_array(y[1000:], chunks=750))
    _assert_same_classifier(a, b, X)

    target = np.column_stack([np.sin(3 * X[:, 0]), X[:, 1] ** 2])
    ra = RNNELMRegressor(60, batch_size=BATCH, random_state=0).fit(X, target[:, 0])
    rb = RNNELMRegressor(60, batch_size=BATCH, random_state=0).fit(
        da.from_array(X, chunks=500), da.from_array(target[:, 0], chunks=500))
    _assert_same_sums(ra._accumulator, rb._accumulator)
    out = rb.predict(da.from_array(X, chunks=500))
    assert out.shape == (3000,)
    np.testing.assert_allclose(out.compute(), ra.predict(X), atol=1e-6)
    rb2 = RNNELMRegressor(60, batch_size=BATCH, random_state=0).fit(
        da.from_array(X, chunks=500), target)
    assert rb2.predict(da.from_array(X, chunks=500)).compute().shape == (3000, 2)


def test_dataframe_fit_equals_in_memory(dask_client, data):
    """A Dask DataFrame and Series are read through their arrays: the in-memory fit and outputs."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = data
    columns = [f"x{j}" for j in range(X.shape[1])]
    frame = dd.from_pandas(pd.DataFrame(X, columns=columns), npartitions=3)
    kw = dict(n_hidden=80, batch_size=BATCH, random_state=0)
    a = RNNELMClassifier(**kw).fit(X, y)
    b = RNNELMClassifier(**kw).fit(frame, dd.from_pandas(pd.Series(y), npartitions=3))
    assert b.preactivation_scale_ == a.preactivation_scale_
    assert list(b.feature_names_in_) == columns
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        _assert_same_classifier(a, b, X)  # on a Dask array, which has no column names
    labels = b.predict(frame)
    assert isinstance(labels, da.Array) and labels.chunks == ((1000, 1000, 1000),)
    np.testing.assert_array_equal(labels.compute(), a.predict(X))

    target = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    ra = RNNELMRegressor(60, batch_size=BATCH, random_state=0).fit(X, target)
    rb = RNNELMRegressor(60, batch_size=BATCH, random_state=0).fit(
        frame, dd.from_pandas(pd.Series(target), npartitions=3))
    _assert_same_sums(ra._accumulator, rb._accumulator)
    out = rb.predict(frame)
    assert isinstance(out, da.Array) and out.shape == (3000,)
    np.testing.assert_allclose(out.compute(), ra.predict(X), atol=1e-6)

    text = dd.from_pandas(pd.DataFrame({"x0": X[:, 0], "name": "a"}), npartitions=3)
    with pytest.raises(ValueError, match="must be numeric"):
        RNNELMClassifier(**kw).fit(text, y)


@pytest.mark.parametrize("make", [
    lambda: DeepRNNELMClassifier((12,), n_hidden=60, encoder="ridge", batch_size=BATCH,
                                 random_state=0),
    lambda: MultiSourceRNNELMClassifier(2, hidden_layers=(8,), n_hidden=60,
                                        encoder=("ridge", "pinv"), nmf_iter=10,
                                        batch_size=BATCH, random_state=0),
])
def test_deep_fit_equals_in_memory(dask_client, data, make):
    X, y = data
    a = make().fit(X, y)
    b = make().fit(da.from_array(X, chunks=500), y)
    for la, lb in zip(a.model_.layers, b.model_.layers):
        for wa, wb in zip(getattr(la, "weights", []), getattr(lb, "weights", [])):
            np.testing.assert_allclose(wb, wa, rtol=1e-6)
    np.testing.assert_allclose(_upper(b._accumulator), _upper(a._accumulator), rtol=1e-9)
    assert b.n_samples_seen_ == a.n_samples_seen_
    np.testing.assert_array_equal(b._sample.X, a._sample.X)
    Xd = da.from_array(X, chunks=700)
    np.testing.assert_allclose(b.predict_proba(Xd).compute(), a.predict_proba(X), atol=1e-4)
    assert (b.predict(Xd).compute() == a.predict(X)).mean() > 0.995
    assert b.transform_hidden(Xd).shape == (3000, 60)


def test_bad_block_fails_and_changes_nothing(dask_client, data):
    X, y = data
    model = RNNELMClassifier(40, batch_size=BATCH, random_state=0).fit(X, y)
    coef = model.coef_.copy()
    bad = X.copy()
    bad[2345, 3] = -1.0
    with pytest.raises(ValueError, match="negative"):
        model.partial_fit(da.from_array(bad, chunks=500), y)
    assert model.n_samples_seen_ == 3000
    np.testing.assert_array_equal(model.coef_, coef)


def test_worker_killed_mid_fit(dask_client, data):
    """A worker dies during the fit: Dask recomputes its blocks and the result is unchanged."""
    X, y = data
    kw = dict(n_hidden=80, batch_size=BATCH, random_state=0)
    reference = RNNELMClassifier(**kw).fit(X, y)

    def slow(block):  # nested, so it is pickled by value for the workers
        import time
        time.sleep(0.15)
        return block

    Xd = da.from_array(X, chunks=BATCH).map_blocks(slow, dtype=X.dtype)
    model = RNNELMClassifier(**kw)
    errors = []
    thread = threading.Thread(target=lambda: _run(errors, model.fit, Xd, y))
    pids = dask_client.run(os.getpid)
    thread.start()
    deadline = time.monotonic() + 30
    while not any(dask_client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert thread.is_alive(), "the fit ended before a worker could be killed"
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    thread.join(60)
    assert not errors, errors
    assert set(dask_client.run(os.getpid).values()) != set(pids.values())  # a worker was replaced
    _assert_same_classifier(reference, model, X)


def _run(errors, function, *args):
    try:
        function(*args)
    except BaseException as err:  # reported by the test
        errors.append(err)


def test_missing_dask_names_the_extra(monkeypatch, data):
    class FakeCollection:
        shape = (3, 2)

        def __dask_graph__(self):
            return {}

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.array", None)
    X, y = data
    with pytest.raises(ImportError, match=r'pip install "rnnkit\[distributed\]"'):
        RNNELMClassifier(10).fit(FakeCollection(), y[:3])
    model = RNNELMClassifier(10, random_state=0).fit(X[:100], y[:100])
    with pytest.raises(ImportError, match="rnnkit"):
        model.predict(FakeCollection())


def test_merged_parts_equal_one_stream():
    """The pieces the cluster combines: Gram sums with folds, and the probability sample."""
    from rnnkit.elm._proba import RowSample, join_offers
    from rnnkit.elm.readout import GramAccumulator
    rng = np.random.default_rng(3)
    H, Y = rng.random((900, 7)), rng.random((900, 2))
    whole = GramAccumulator(7, 2, n_folds=3)
    whole.add(H, Y)
    parts = []
    for start in (600, 0, 300):  # any order, each with its stream position
        part = GramAccumulator(7, 2, n_folds=3)
        part.add(H[start:start + 300], Y[start:start + 300], first_row=start)
        parts.append(part)
    merged = GramAccumulator(7, 2, n_folds=3)
    for part in parts:
        merged.merge(part)
    for a, b in zip(whole.folds, merged.folds):
        np.testing.assert_allclose(np.triu(b.phi), np.triu(a.phi), rtol=1e-13)
    _assert_same_sums(whole, merged)

    sample = RowSample(50, seed=7)
    sample.add(H[:100], Y[:100])
    streamed = sample.copy()
    streamed.add(H[100:], Y[100:])
    offers = [sample.offers(H[s:s + 200], Y[s:s + 200], s) for s in (700, 100, 500, 300)]
    joined = offers[0]
    for other in offers[1:]:
        joined = join_offers(joined, other)
    sample.take(joined, 800)
    np.testing.assert_array_equal(sample.X, streamed.X)
    sample.add(H[:10], Y[:10])  # the generator continues where the stream left it
    streamed.add(H[:10], Y[:10])
    np.testing.assert_array_equal(sample.X, streamed.X)
