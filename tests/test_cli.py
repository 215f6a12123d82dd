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


def test_version_flag_prints_the_package_version(capsys):
    import pytest

    import rnnkit

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnkit {rnnkit.__version__}"


def test_help_describes_the_package_and_its_commands(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for words in ("RNN-ELM", "SM-RNN", "ASNE", "scikit-learn", "demo", "--version"):
        assert words in text


def test_python_dash_m_rnnkit_version():
    import subprocess
    import sys

    import rnnkit

    out = subprocess.run([sys.executable, "-m", "rnnkit", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == f"rnnkit {rnnkit.__version__}"


def test_version_is_written_once():
    """pyproject reads the version from rnnkit.__version__ instead of repeating it."""
    import pathlib

    import pytest

    tomllib = pytest.importorskip("tomllib")
    pyproject = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"
    config = tomllib.loads(pyproject.read_text())
    assert "version" not in config["project"]
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rnnkit.__version__"}
