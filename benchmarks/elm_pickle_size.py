"""Pickle size of a fitted RNNELMClassifier, before and after compact().

Usage::

    python benchmarks/elm_pickle_size.py [--data ../shared/data] [--n-hidden 2000]

Fits ``make_pipeline(NonNegativeScaler(split_sign=False), RNNELMClassifier(n_hidden))``
on covtype (54 features) and on 10,000 MNIST rows (784 features) and prints
the size of the pickled classifier, of its parts, and after ``compact()``
(when the installed rnnkit has it), with the test accuracy before and after.
"""
import argparse
import os
import pickle

from sklearn.model_selection import train_test_split

from rnnkit import NonNegativeScaler, RNNELMClassifier
from rnnkit.datasets.mnist import load_mnist
from rnnkit.datasets.uci import load_covtype


def megabytes(obj):
    return len(pickle.dumps(obj)) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join("..", "shared", "data"))
    parser.add_argument("--n-hidden", type=int, default=2000)
    args = parser.parse_args()
    X, y = load_covtype(os.path.join(args.data, "covtype"))
    sets = {"covtype": train_test_split(X, y, test_size=0.25, random_state=0)}
    X, y = load_mnist(os.path.join(args.data, "mnist"), "train")
    sets["mnist"] = train_test_split(X[:12000] / 255.0, y[:12000], test_size=2000,
                                     random_state=0)
    print("| data | pickle (MB) | Phi sums (MB) | input_weights_ (MB) | coef_ (MB) "
          "| after compact() (MB) | accuracy before / after |")
    print("|---|---|---|---|---|---|---|")
    for name, (X, Xt, y, yt) in sets.items():
        # the setting of the recorded figures (covtype is signed: the default would split it)
        scaler = NonNegativeScaler(split_sign=False).fit(X)
        X, Xt = scaler.transform(X), scaler.transform(Xt)
        clf = RNNELMClassifier(args.n_hidden, random_state=0).fit(X, y)
        before = clf.score(Xt, yt)
        sizes = [megabytes(clf), megabytes(clf._accumulator), megabytes(clf.input_weights_),
                 megabytes(clf.coef_)]
        if hasattr(clf, "compact"):
            clf.compact()
            after = f"{megabytes(clf):.2f}"
            restored = pickle.loads(pickle.dumps(clf))
            accuracy = f"{before:.4f} / {restored.score(Xt, yt):.4f}"
        else:
            after, accuracy = "-", f"{before:.4f}"
        print(f"| {name} | " + " | ".join(f"{s:.2f}" for s in sizes)
              + f" | {after} | {accuracy} |", flush=True)


if __name__ == "__main__":
    main()
