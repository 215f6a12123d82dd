"""ASNE failure paths: diverged searches, bad checkpoints, resumes with other
settings, dead parents and workers, and bad series get clear errors."""
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from _standin import predict_surrogate, surrogate_train

from rnnkit.asne import ASNERegressor

SMALL = dict(n_candidates=4, n_ants=3, hidden_layers=1, hidden_nodes=3, population_size=3,
             epochs=1, refine_epochs=0, trainer=surrogate_train, predictor=predict_surrogate,
             random_state=0)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def diverging_train(genome, *data, **kwargs):
    """The surrogate trainer, as if every training run had blown up."""
    result = surrogate_train(genome, *data, **kwargs)
    result.fitness, result.mae = np.inf, np.nan
    return result


def test_every_candidate_diverging_is_a_clear_error_and_changes_nothing(series):
    X, y = series
    est = ASNERegressor(**SMALL).fit(X, y)
    fitted = est.best_network_, est.history_
    est.set_params(trainer=diverging_train)
    with pytest.raises(ValueError, match="none of the 4 candidates reached a finite "
                                         "validation error.*learning_rate"):
        est.fit(X, y)
    assert (est.best_network_, est.history_) == fitted
    with pytest.raises(ValueError, match="finite validation error"):
        ASNERegressor(**{**SMALL, "trainer": diverging_train}).fit(X, y)


def _checkpoint_bytes(series, tmp_path):
    path = tmp_path / "good.pkl"
    ASNERegressor(**{**SMALL, "checkpoint": str(path)}).fit(*series)
    return path.read_bytes()


@pytest.mark.parametrize("kind, match", [
    ("empty", "is empty"),
    ("truncated", "truncated or corrupt"),
    ("garbage", "truncated or corrupt"),
    ("foreign", "not an ASNE checkpoint: it holds a list"),
    ("incomplete", "lacks"),
    ("old version", "format version 1"),
])
def test_bad_checkpoint_file_names_the_file_and_the_fault(series, tmp_path, kind, match):
    good = _checkpoint_bytes(series, tmp_path)
    content = {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "garbage": os.urandom(200),
        "foreign": pickle.dumps([1, 2, 3]),
        "incomplete": pickle.dumps({"version": 2, "config": None}),
        "old version": pickle.dumps({"version": 1}),
    }[kind]
    path = tmp_path / "ck.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        ASNERegressor(**{**SMALL, "checkpoint": str(path)}).fit(*series)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("change, match", [
    ({"epochs": 2}, "epochs 1 vs 2"),
    ({"learning_rate": 0.01}, "learning_rate 0.1 vs 0.01"),
    ({"random_state": 1}, "random_state 0 vs 1"),
    ({"n_ants": 5}, "n_ants 3 vs 5"),
    ("data", "data differ"),
])
def test_resume_with_other_settings_or_data_is_refused(series, tmp_path, change, match):
    X, y = series
    path = str(tmp_path / "ck.pkl")
    ASNERegressor(**{**SMALL, "checkpoint": path}).fit(X, y)
    kw = {**SMALL, "n_candidates": 8, "checkpoint": path}
    if change == "data":
        y = [t + 1.0 for t in y]
    else:
        kw.update(change)
    with pytest.raises(ValueError, match=match):
        ASNERegressor(**kw).fit(X, y)
    with open(path, "rb") as fh:  # the refused call did not touch the checkpoint
        assert len(pickle.load(fh)["history"]) == 4


def _write_script(tmp_path, body):
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(body))
    path = os.pathsep.join([ROOT, os.path.dirname(os.path.abspath(__file__)),
                            os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    return script, env


def test_script_without_main_guard_fails_fast_with_an_explanation(tmp_path):
    """Spawned workers re-run an unguarded script and die; the parent must not hang."""
    script, env = _write_script(tmp_path, """
        import numpy as np
        from rnnkit.asne import ASNERegressor
        from _standin import predict_surrogate, surrogate_train

        rng = np.random.default_rng(0)
        X = [rng.normal(size=(4000, 4)) for _ in range(6)]  # far more than a pipe buffer
        y = [x[:, 0] for x in X]
        ASNERegressor(n_candidates=4, n_jobs=2, hidden_layers=1, hidden_nodes=2, n_ants=2,
                      trainer=surrogate_train, predictor=predict_surrogate).fit(X, y)
        """)
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail("fit(n_jobs=2) in a script without a __main__ guard hung")
    assert proc.returncode != 0
    assert 'if __name__ == "__main__":' in proc.stderr
    assert "n_jobs=1" in proc.stderr


def _alive(pid):
    import psutil
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_pool_workers_exit_when_the_parent_is_killed(tmp_path):
    pytest.importorskip("psutil")
    pids = tmp_path / "pids"
    pids.mkdir()
    script, env = _write_script(tmp_path, f"""
        import os, time
        import numpy as np
        from rnnkit.asne.config import make_config
        from rnnkit.asne.search import ASNESearch

        def slow_trainer(genome, *data, **kwargs):
            open(os.path.join({str(pids)!r}, str(os.getpid())), "w").close()
            time.sleep(300)

        if __name__ == "__main__":
            X = [np.random.default_rng(0).normal(size=(20, 3)) for _ in range(4)]
            y = [x[:, 0] for x in X]
            cfg = make_config(hidden_layers=1, hidden_nodes=2, n_ants=2, population_size=2)
            ASNESearch(3, cfg, trainer=slow_trainer, trainer_kwargs={{"epochs": 1}},
                       random_state=0).run(X[:2], y[:2], X[2:], y[2:], 4, n_jobs=2)
        """)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env)
    try:
        deadline = time.monotonic() + 120
        while len(os.listdir(pids)) < 2:
            assert parent.poll() is None, "the search script ended early"
            assert time.monotonic() < deadline, "the pool workers did not start"
            time.sleep(0.2)
        workers = [int(p) for p in os.listdir(pids)]
        assert all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [p for p in workers if _alive(p)]
    finally:
        parent.kill()
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert not alive, f"pool workers {alive} outlived their killed parent by 10 s"


def test_one_dimensional_series_are_univariate(series):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=n) for n in (30, 35, 40, 33)]
    y = [0.5 * x for x in X]
    est = ASNERegressor(**SMALL).fit(X, y)
    assert est.n_features_in_ == 1
    assert [p.shape for p in est.predict(X)] == [(30,), (35,), (40,), (33,)]
    np.testing.assert_allclose(est.predict([x.reshape(-1, 1) for x in X])[2], est.predict(X)[2])


def test_nan_in_y_names_y_and_the_series(series):
    X, y = series
    y = [t.copy() for t in y]
    y[2][5] = np.nan
    with pytest.raises(ValueError, match=r"Target sequence 2: Input y contains NaN"):
        ASNERegressor(**SMALL).fit(X, y)
    X = [x.copy() for x in X]
    X[3][1, 1] = np.inf
    with pytest.raises(ValueError, match=r"Input X\[3\] contains infinity at step 1, feature 1"):
        ASNERegressor(**SMALL).fit(X, series[1])


def test_ragged_nested_list_says_how_to_pass_series():
    # a list of lists of numbers is a list of univariate series: y needs one target per step
    with pytest.raises(ValueError, match="one target per series.*list of 1-D arrays, one per "
                                         "series of X"):
        ASNERegressor(**SMALL).fit([[1.0, 2.0], [3.0]], [0.0, 1.0])
