"""ASNE searches on dask.distributed: the tests' shared LocalCluster of two worker processes.

The search keeps ``n_jobs`` candidates in flight on ``client.get_executor()``.
When a worker dies, the scheduler runs its tasks again on a live worker, so
the lost candidate is re-submitted (the same genome and seed) and every
generated candidate returns exactly one result.
"""
import os
import signal
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from _standin import surrogate_train  # noqa: E402
from rnnkit.asne.config import make_config  # noqa: E402
from rnnkit.asne.search import ASNESearch  # noqa: E402

CFG = dict(hidden_layers=2, hidden_nodes=4, n_ants=4, population_size=4)


def _data(series):
    X, y = series
    return X[:4], y[:4], X[4:], y[4:]


def _search(trainer=surrogate_train):
    return ASNESearch(4, make_config(**CFG), trainer=trainer, trainer_kwargs={"epochs": 1},
                      random_state=0)


def _slow_trainer():
    def slow_train(genome, *data, **kwargs):  # nested: pickled by value for the workers
        import time

        from _standin import surrogate_train
        time.sleep(0.25)
        return surrogate_train(genome, *data, **kwargs)
    return slow_train


def _assert_complete(search, n):
    h = search.history_arrays()
    assert sorted(h["candidate"]) == list(range(n))  # none lost, none twice
    assert search.n_generated == n and np.all(np.isfinite(h["fitness"]))


def test_search_survives_a_killed_worker_and_resumes_on_a_new_cluster(dask_client, series,
                                                                       tmp_path):
    path = tmp_path / "search.pkl"
    search = _search(_slow_trainer())
    pids = dask_client.run(os.getpid)
    errors = []

    def run():
        try:
            search.run(*_data(series), 10, n_jobs=2, executor=dask_client.get_executor(),
                       checkpoint=path, checkpoint_every=2)
        except BaseException as err:  # reported below
            errors.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while len(search.history) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    while not any(dask_client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert thread.is_alive(), "the search ended before a worker could be killed"
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    thread.join(120)
    assert not errors, errors
    assert set(dask_client.run(os.getpid).values()) != set(pids.values())
    _assert_complete(search, 10)

    # the checkpoint (written at the end) resumes on another cluster
    resumed = ASNESearch.load(path, trainer=surrogate_train)
    assert len(resumed.history) == 10
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        resumed.run(*_data(series), 14, n_jobs=2, executor=client.get_executor(),
                    checkpoint=path)
    _assert_complete(resumed, 14)
    assert [h["candidate"] for h in resumed.history[:10]] == \
        [h["candidate"] for h in search.history]
