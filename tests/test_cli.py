import io

from rnnkit.cli import demo_models, main, run_demo


def test_demo_prints_a_row_per_model_with_sane_scores():
    out = io.StringIO()
    rows = run_demo(random_state=0, out=out)
    assert [r[0] for r in rows] == [name for name, _, _ in demo_models()]
    text = out.getvalue()
    for name, score, fit_time in rows:
        assert name in text and fit_time > 0
    scores = dict((name, score) for name, score, _ in rows)
    assert scores["RNN-ELM (1000 clusters)"] > 0.95
    assert all(score > 0.5 for score in scores.values())


def test_main_rejects_unknown_command(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["nonsense"])
