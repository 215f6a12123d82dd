"""Class labels of a classifier's ``fit`` and ``partial_fit`` calls, checked and encoded."""
import numpy as np
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import column_or_1d


def encode_classes(y, *, classes=None, known=None, n_samples=None):
    """Check the labels of one ``fit`` / ``partial_fit`` call and encode them.

    One convention for every classifier that learns from batches:

    - ``fit`` (``classes=None``, ``known=None``) and the first call to
      ``partial_fit`` (``known=None``): the classes are ``classes`` when
      given (every label ``y`` holds must be among them), else the labels of
      ``y``; fewer than 2 classes is an error.
    - Later calls to ``partial_fit`` (``known`` is the fitted ``classes_``):
      ``classes``, when given, must equal ``known``, and ``y`` may not hold
      labels outside ``known``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (numbers or strings, not a mix).
    classes : array-like of shape (n_classes,), default=None
        The ``classes`` argument of ``partial_fit``: every label the model
        will ever see.
    known : ndarray of shape (n_classes,), default=None
        ``classes_`` of a model fitted by earlier ``partial_fit`` calls;
        None for ``fit`` and for the first ``partial_fit`` call.
    n_samples : int, default=None
        Number of rows of X; when given, ``y`` must have as many.

    Returns
    -------
    classes_ : ndarray of shape (n_classes,)
        Sorted classes (``known`` itself on later calls).
    codes : ndarray of int64, shape (n_samples,)
        Index of each label of ``y`` in ``classes_``.

    Raises
    ------
    ValueError
        For targets that are not class labels, ``y`` of the wrong length,
        fewer than 2 classes, labels outside ``classes`` / ``known``, or a
        later ``classes`` that differs from the first.
    """
    y = column_or_1d(y, warn=True)
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{n_samples}, {y.shape[0]}]")
    check_classification_targets(y)
    if known is None:
        classes_ = _first_classes(y, classes)
    else:
        classes_ = known
        if classes is not None and not np.array_equal(unique_labels(classes), known):
            raise ValueError(f"`classes={_listed(classes)}` is not the same as on last call "
                             f"to partial_fit, was: {_listed(known)}.")
    _check_labels_in(y, classes_, later=known is not None)
    return classes_, np.searchsorted(classes_, y).astype(np.int64)


def _first_classes(y, classes):
    if classes is not None:
        classes_ = unique_labels(classes)
        if len(classes_) < 2:
            raise ValueError(f"classes= must list at least 2 classes, got {_listed(classes_)}.")
        return classes_
    classes_ = unique_labels(y)
    if len(classes_) < 2:
        raise ValueError("The classifier needs samples of at least 2 classes in the data, "
                         "but the data contains only one class: "
                         f"{_listed(classes_)[0]!r}. On a first call to partial_fit, pass "
                         "every label with classes=.")
    return classes_


def _check_labels_in(y, classes_, later):
    unknown = np.setdiff1d(unique_labels(y), classes_) if len(y) else []
    if not len(unknown):
        return
    unknown = _listed(unknown)
    if later:
        raise ValueError(f"y contains previously unseen labels {unknown}: the target label(s) "
                         f"{unknown} in y do not exist in the initial classes "
                         f"{_listed(classes_)}; pass every label with classes= on the first "
                         "call to partial_fit.")
    raise ValueError(f"The target label(s) {unknown} in y do not exist in the initial classes "
                     f"{_listed(classes_)}; classes= must list every label.")


def _listed(labels):
    return np.asarray(labels).tolist()
