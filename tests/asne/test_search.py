import concurrent.futures as cf

import numpy as np
import pytest
from _standin import surrogate_train

from rnnkit.asne.config import make_config
from rnnkit.asne.search import ASNESearch, ColonyCollapsedError

CFG = dict(hidden_layers=2, hidden_nodes=4, n_ants=4, population_size=4)


def _data(series):
    X, y = series
    return X[:4], y[:4], X[4:], y[4:]


def _search(seed=0, **kw):
    cfg = make_config(**{**CFG, **kw})
    return ASNESearch(4, cfg, trainer=surrogate_train, trainer_kwargs={"epochs": 1},
                      random_state=seed)


@pytest.mark.parametrize("kw", [{}, {"lamarckian": "fitness", "reward": "constant"},
                                {"ants": "explorer", "social": "both", "jumps": True},
                                {"mode": "faithful", "lamarckian": "copy"}])
def test_sequential_search_is_reproducible(series, kw):
    mode = kw.pop("mode", "intended")
    runs = []
    for _ in range(2):
        s = ASNESearch(4, make_config(mode, **{**CFG, **kw}), trainer=surrogate_train,
                       trainer_kwargs={"epochs": 1}, random_state=3)
        s.run(*_data(series), 25)
        runs.append(s)
    a, b = (r.history_arrays() for r in runs)
    np.testing.assert_array_equal(a["fitness"], b["fitness"])
    np.testing.assert_array_equal(runs[0].colony.line_tau, runs[1].colony.line_tau)
    assert len(a["fitness"]) == 25 and list(a["candidate"]) == list(range(25))
    assert len(runs[0].population) == 4
    fits = [m.fitness for m in runs[0].population]
    assert fits == sorted(fits) and fits[0] == a["fitness"].min()


def test_search_learns_the_informative_input(series):
    s = _search(seed=1, n_ants=3, population_size=5, deposit=0.01)
    s.run(*_data(series), 60)
    h = s.history_arrays()
    best = s.best.genome
    node_active, _ = best.active_elements()
    assert node_active[2]  # feature 2 drives the target
    assert h["fitness"][-20:].mean() < h["fitness"][:20].mean()
    # the start line of input 2 gained pheromone relative to the others
    assert s.colony.start_tau[2] == s.colony.start_tau.max()


def test_checkpoint_resume_equals_uninterrupted_run(series, tmp_path):
    path = tmp_path / "search.pkl"
    full = _search(seed=5, lamarckian="fitness")
    full.run(*_data(series), 20)
    part = _search(seed=5, lamarckian="fitness")
    part.run(*_data(series), 8, checkpoint=path, checkpoint_every=3)
    resumed = ASNESearch.load(path, trainer=surrogate_train)
    assert len(resumed.history) == 8
    resumed.run(*_data(series), 20, checkpoint=path)
    np.testing.assert_array_equal(full.history_arrays()["fitness"],
                                  resumed.history_arrays()["fitness"])
    np.testing.assert_array_equal(full.colony.line_weight, resumed.colony.line_weight)
    with pytest.raises(ValueError, match="checkpoint"):
        (tmp_path / "bad.pkl").write_bytes(b"\x80\x04N.")
        ASNESearch.load(tmp_path / "bad.pkl")


def test_process_pool_search(series):
    s = _search(seed=0)
    s.run(*_data(series), 8, n_jobs=2)
    h = s.history_arrays()
    assert len(h["fitness"]) == 8
    assert sorted(h["candidate"]) == list(range(8))  # completion order may differ
    assert np.all(np.isfinite(h["fitness"])) and len(s.population) == 4


def test_pool_workers_run_one_thread_each():
    """Workers of the local pool must not each start the default thread pools."""
    import multiprocessing

    import numba
    from threadpoolctl import threadpool_info

    from rnnkit.asne.search import _init_worker
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker,
                                initargs=(None,)) as pool:
        assert pool.submit(numba.get_num_threads).result() == 1
        pools = pool.submit(threadpool_info).result()
    assert pools and all(p["num_threads"] == 1 for p in pools)


def test_any_executor(series):
    s = _search(seed=0)
    with cf.ThreadPoolExecutor(3) as ex:
        s.run(*_data(series), 9, n_jobs=3, executor=ex)
    assert len(s.history) == 9 and s.n_generated == 9
    with pytest.raises(ValueError, match="n_jobs"):
        s.run(*_data(series), 10, n_jobs=0)


def test_collapsed_colony_raises(series, monkeypatch):
    import rnnkit.asne.search as search_mod
    orig = search_mod.build_genome

    def no_edges(*args, **kwargs):  # as if no march ever reached the output
        g = orig(*args, **kwargs)
        for name in ("edge_src", "edge_dst", "edge_skip", "edge_innovation"):
            setattr(g, name, getattr(g, name)[:0])
        return g

    monkeypatch.setattr(search_mod, "build_genome", no_edges)
    s = _search(seed=0, max_retries=3)
    with pytest.raises(ColonyCollapsedError, match="3 attempts"):
        s.propose()
    assert s.n_retries == 3


def test_config_validation():
    with pytest.raises(ValueError, match="mode"):
        make_config("paper")
    with pytest.raises(ValueError, match="social"):
        make_config(social="forward")  # needs explorers
    with pytest.raises(ValueError, match="reward"):
        make_config(reward="big")
    with pytest.raises(TypeError, match="unknown"):
        make_config(colour="red")
    f, i = make_config("faithful"), make_config("intended")
    assert f.use_bias and not make_config("faithful", forward_bias=False).honour_bias_flag
    assert make_config("faithful", forward_bias=False).use_bias
    assert not make_config("intended", forward_bias=False).use_bias
    assert (f.nesterov, f.error_seed, i.nesterov, i.error_seed) == (
        "faithful", "faithful", "standard", "corrected")
    assert make_config("faithful", signed_l1=False).signed_l1 is False
