"""Sequence input forms, padding, lengths and targets."""
import numpy as np
import scipy.sparse as sp
import pytest

from rnnkit._sequences import check_sequence_targets, check_sequences, lagged_copy


def test_three_forms_agree():
    rng = np.random.RandomState(0)
    X3 = rng.randn(4, 5, 3)
    X2 = X3.reshape(4, 15)
    Xl = list(X3)
    out = [check_sequences(X, step_features=3) for X in (X3, X2, Xl)]
    for Xp, lengths in out:
        np.testing.assert_array_equal(Xp, X3)
        np.testing.assert_array_equal(lengths, [5, 5, 5, 5])


def test_list_is_padded_with_lengths():
    seqs = [np.ones((3, 2)), 2 * np.ones((1, 2)), 3 * np.ones((5, 2))]
    Xp, lengths = check_sequences(seqs)
    assert Xp.shape == (3, 5, 2)
    np.testing.assert_array_equal(lengths, [3, 1, 5])
    assert (Xp[0, 3:] == 0).all() and (Xp[1, 1:] == 0).all()
    assert (Xp[2] == 3).all()


def test_univariate_list_and_2d_without_step_features():
    Xp, lengths = check_sequences([np.arange(3.0), np.arange(2.0)])
    assert Xp.shape == (2, 3, 1)
    np.testing.assert_array_equal(lengths, [3, 2])
    Xp, lengths = check_sequences(np.ones((4, 6)))
    assert Xp.shape == (4, 1, 6) and (lengths == 1).all()


def test_dtype_follows_input():
    assert check_sequences(np.ones((2, 3, 1), np.float32))[0].dtype == np.float32
    assert check_sequences(np.ones((2, 3, 1), int))[0].dtype == np.float64
    assert check_sequences([np.ones((2, 1), np.float32)])[0].dtype == np.float32
    assert check_sequences(np.ones((2, 3)), dtype=np.float32)[0].dtype == np.float32


@pytest.mark.parametrize("X, match", [
    ([np.ones((2, 2)), np.ones((0, 2))], "Sequence 1 is empty"),
    ([], r"Found 0 sample\(s\) \(an empty list of sequences\) while a "
         "minimum of 1 is required"),
    ([np.ones((3, 0)), np.ones((2, 0))], r"0 feature\(s\)"),
    (np.ones((2, 3, 4, 5)), r"dim 4 \(shape=\(2, 3, 4, 5\)\) while this "
     r"estimator expects sequences: a 3-D array .*, a list of 2-D arrays .*, "
     r"or a 2-D array .* with step_features set"),
    (np.ones((2, 0, 3)), "0 time steps"),
    ([np.ones((2, 2)), np.ones((2, 3))], "Sequence 1 has 3 features"),
    ([np.ones((2, 2, 2))], "2-D array"),
])
def test_bad_sequences(X, match):
    with pytest.raises(ValueError, match=match):
        check_sequences(X)


def test_step_features_must_divide():
    with pytest.raises(ValueError, match="not a multiple of step_features=4"):
        check_sequences(np.ones((2, 10)), step_features=4)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_rejected(bad):
    X = np.ones((2, 3, 2))
    X[1, 2, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        check_sequences(X)
    with pytest.raises(ValueError, match=r"X\[1\] contains (NaN|infinity)"):
        check_sequences(list(X))


@pytest.mark.parametrize("form", ["3d", "list", "2d"])
def test_non_finite_message_is_about_sequences(form):
    X = np.ones((3, 4, 2))
    X[1, 2, 1] = np.nan
    Xf = {"3d": X, "list": list(X), "2d": X.reshape(3, 8)}[form]
    with pytest.raises(ValueError) as err:
        check_sequences(Xf, step_features=2, estimator_name="Foo")
    msg = str(err.value)
    assert msg.startswith("Input X[1] contains NaN at step 2, feature 1")
    assert "Foo needs finite values" in msg
    assert "HistGradientBoosting" not in msg


def test_object_array_of_sequences_is_a_list():
    seqs = [np.arange(6.0).reshape(3, 2), np.ones((1, 2)), np.ones((2, 2))]
    Xp, lengths = check_sequences(np.array(seqs, dtype=object))
    Xl, lengths_l = check_sequences(seqs)
    np.testing.assert_array_equal(Xp, Xl)
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    Xp, lengths = check_sequences(
        np.array([np.arange(3.0), np.arange(2.0)], dtype=object))
    assert Xp.shape == (2, 3, 1) and lengths.tolist() == [3, 2]
    ys = [np.arange(3.0), np.ones(1), np.ones(2)]
    Y, per_step = check_sequence_targets(np.array(ys, dtype=object), lengths_l)
    assert per_step and Y.shape == (3, 3, 1)


def test_list_of_odd_sequences():
    # object, bool and integer sequences convert; sparse and complex ones
    # are refused with a message naming the problem
    out, lengths = check_sequences(
        [[1, 2], np.array([[True], [False], [True]]),
         np.array([[0.5]], dtype=object)])
    assert out.dtype == np.float64 and lengths.tolist() == [2, 3, 1]
    assert out[:, :, 0].tolist() == [[1, 2, 0], [1, 0, 1], [0.5, 0, 0]]
    with pytest.raises(TypeError, match="Sequence 1 is a sparse matrix"):
        check_sequences([np.ones((2, 2)), sp.csr_matrix(np.ones((2, 2)))])
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_sequences([np.ones((2, 2), dtype=complex)])


def test_targets_per_sequence_and_per_step():
    lengths = np.array([3, 1])
    Y, per_step = check_sequence_targets([1.0, 2.0], lengths)
    assert not per_step and Y.shape == (2, 1)
    Y, per_step = check_sequence_targets(np.ones((2, 4)), lengths)
    assert not per_step and Y.shape == (2, 4)
    Y, per_step = check_sequence_targets([np.arange(3.0), np.array([7.0])],
                                         lengths)
    assert per_step and Y.shape == (2, 3, 1)
    np.testing.assert_array_equal(Y[:, :, 0], [[0, 1, 2], [7, 0, 0]])
    Y, per_step = check_sequence_targets(np.ones((2, 3, 2)), lengths)
    assert per_step and (Y[1, 1:] == 0).all() and (Y[0] == 1).all()
    with pytest.raises(ValueError, match="expected \\(1, 1\\)"):
        check_sequence_targets([np.arange(3.0), np.arange(2.0)], lengths)


def test_lagged_copy_finds_the_targets_own_feature():
    rng = np.random.default_rng(0)
    series = [rng.normal(size=(n + 1, 3)) for n in (5, 9, 2)]
    X = [s[:-1] for s in series]
    y = [s[1:, 2] for s in series]
    assert lagged_copy(X, y) == 2
    assert lagged_copy([np.column_stack([x[:, 2], x]) for x in X], y) == 0  # the first
    assert lagged_copy(X, [t + 1e-12 for t in y]) == -1  # exact equality only
    assert lagged_copy([x[:1] for x in X], [t[:1] for t in y]) == -1  # no step to compare
    assert lagged_copy(X + [X[0][::-1]], y + [y[0]]) == -1  # every series must match
