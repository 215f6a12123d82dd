import numpy as np
import pytest

from rnnkit._classes import encode_classes


def test_fit_takes_the_labels_of_y_sorted():
    classes_, codes = encode_classes(np.array([3, 1, 3, 2]))
    np.testing.assert_array_equal(classes_, [1, 2, 3])
    np.testing.assert_array_equal(codes, [2, 0, 2, 1])
    assert codes.dtype == np.int64
    classes_, codes = encode_classes(["b", "a", "b"], n_samples=3)
    assert classes_.tolist() == ["a", "b"] and codes.tolist() == [1, 0, 1]


def test_first_partial_fit_call_with_classes():
    classes_, codes = encode_classes([2, 2], classes=[5, 2, 0])
    assert classes_.tolist() == [0, 2, 5] and codes.tolist() == [1, 1]
    with pytest.raises(ValueError, match=r"label\(s\) \[7\] in y do not exist in the "
                                         r"initial classes \[0, 2\]; classes= must list"):
        encode_classes([0, 7, 2], classes=[0, 2])


def test_later_calls():
    known = np.array([0, 1, 2])
    classes_, codes = encode_classes([2, 0], known=known)
    assert classes_ is known and codes.tolist() == [2, 0]
    assert encode_classes([1], classes=[2, 1, 0], known=known)[1].tolist() == [1]
    with pytest.raises(ValueError, match=r"previously unseen labels \[3, 4\]: the target "
                                         r"label\(s\) \[3, 4\] in y do not exist in the "
                                         r"initial classes \[0, 1, 2\]; pass every label "
                                         r"with classes= on the first call to partial_fit"):
        encode_classes([0, 4, 3, 4], known=known)
    with pytest.raises(ValueError, match=r"`classes=\[0, 1\]` is not the same as on last "
                                         r"call to partial_fit, was: \[0, 1, 2\]"):
        encode_classes([0], classes=[0, 1], known=known)


def test_a_single_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes in the data, but the data "
                                         "contains only one class: 'a'.*classes="):
        encode_classes(["a", "a"])
    with pytest.raises(ValueError, match=r"classes= must list at least 2 classes, got \[1\]"):
        encode_classes([1, 1], classes=[1])
    # a later batch of one class is fine
    assert encode_classes([1, 1], known=np.array([0, 1]))[1].tolist() == [1, 1]


def test_targets_that_are_not_labels():
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        encode_classes([0.5, 1.5])
    with pytest.raises(ValueError, match="Unknown label type: unknown"):
        encode_classes(np.array([0, "a"], dtype=object))
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[3, 2\]"):
        encode_classes([0, 1], n_samples=3)
    with pytest.raises(ValueError, match="y should be a 1d array"):
        encode_classes(np.zeros((3, 2)))
