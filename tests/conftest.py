"""Fixtures shared by the test folders."""
import pytest


@pytest.fixture(scope="session")
def dask_client():
    """Client of one LocalCluster of two single-threaded worker processes, for every Dask test.

    Shared because starting a cluster, and importing rnnkit on its workers,
    costs seconds.  A test may kill a worker: its nanny starts another.  The
    scheduler's HTTP server takes a free port (``":0"``), so a test may start
    a second cluster without a warning that port 8787 is taken.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        yield client
