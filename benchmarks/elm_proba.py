"""Log loss of the RNN-ELM classifiers' predict_proba against simple alternatives.

The readout is a least-squares fit to one-hot targets; its scores become
probabilities by ``softmax(scores / T)`` with T fitted on exact leave-one-out
scores of a sample of training rows (what ``predict_proba`` does).  This
script compares, on the same test scores:

- ``predict_proba``: the leave-one-out temperature;
- ``T=1``: the softmax of the raw scores;
- ``residual T``: ``T = RSS / (n (k - 1))`` from the stored sums, the posterior
  if one-hot targets were the scores plus isotropic Gaussian noise;
- ``clip``: ``max(s, 0.01)`` normalized by rows;
- ``simplex``: the Euclidean projection of the scores onto the probability
  simplex, mixed with 1 % of the uniform distribution;
- ``best T (test)``: the temperature that minimizes the *test* log loss, the
  floor of the softmax family (not attainable without the test labels).

Usage::

    python benchmarks/elm_proba.py [--data ../shared/data]

Prints one row per data set and model: test accuracy, log loss of each
mapping, the fitted temperature against the best one, and the seconds of the
first ``predict_log_proba`` call beyond ``decision_function`` (the temperature fit)
relative to the seconds of ``fit``.
"""
import argparse
import os
import time

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rnnkit import DeepRNNELMClassifier, NonNegativeScaler, RNNELMClassifier
from rnnkit.datasets.mnist import load_mnist
from rnnkit.datasets.uci import load_covtype, load_higgs


def load(name, root):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return train_test_split(X, y, test_size=0.3, random_state=0)
    if name == "covtype":
        X, y = load_covtype(os.path.join(root, "covtype"))
        return train_test_split(X, y, test_size=0.25, random_state=0)
    if name == "higgs":
        X, y = load_higgs(os.path.join(root, "higgs"), "train")
        Xt, yt = load_higgs(os.path.join(root, "higgs"), "test")
        return X, Xt, y, yt
    X, y = load_mnist(os.path.join(root, "mnist"), "train")
    Xt, yt = load_mnist(os.path.join(root, "mnist"), "test")
    return X[:20000] / 255.0, Xt / 255.0, y[:20000], yt


def mean_log_loss(P, y):
    return -np.mean(np.log(P[np.arange(len(y)), y]))


def softmax_loss(S, y, T):
    return -np.mean(log_softmax(S / T, axis=1)[np.arange(len(y)), y])


def simplex_projection(S):
    U = -np.sort(-S, axis=1)
    cumulative = np.cumsum(U, axis=1) - 1
    index = np.arange(1, S.shape[1] + 1)
    rho = ((U - cumulative / index) > 0).sum(axis=1)
    theta = cumulative[np.arange(len(S)), rho - 1] / rho
    return np.maximum(S - theta[:, None], 0)


def residual_temperature(clf):
    acc, beta = clf._accumulator, clf.coef_
    phi = np.triu(acc.phi) + np.triu(acc.phi, 1).T
    rss = acc.n_samples - 2 * np.sum(beta * acc.psi) + np.sum(beta * (phi @ beta))
    return rss / (acc.n_samples * (beta.shape[1] - 1))


def run(name, make, X, Xt, y, yt):
    t0 = time.perf_counter()
    clf = make().fit(X, y)
    t_fit = time.perf_counter() - t0
    S = clf._raw_output(Xt).astype(np.float64)
    t0 = time.perf_counter()
    clf.decision_function(Xt)
    t_scores = time.perf_counter() - t0
    t0 = time.perf_counter()
    log_P = clf.predict_log_proba(Xt)
    t_proba = time.perf_counter() - t0 - t_scores
    T = clf._temperature()
    best = np.exp(minimize_scalar(lambda lt: softmax_loss(S, yt, np.exp(lt)),
                                  bounds=(np.log(1e-6), np.log(1e3)), method="bounded").x)
    k = S.shape[1]
    clipped = np.maximum(S, 0.01)
    losses = {
        "predict_proba": -np.mean(log_P[np.arange(len(yt)), yt]),
        "T=1": softmax_loss(S, yt, 1.0),
        "residual T": softmax_loss(S, yt, residual_temperature(clf)),
        "clip": mean_log_loss(clipped / clipped.sum(axis=1, keepdims=True), yt),
        "simplex": mean_log_loss(0.99 * simplex_projection(S) + 0.01 / k, yt),
        "best T (test)": softmax_loss(S, yt, best),
    }
    accuracy = np.mean(S.argmax(axis=1) == yt)
    print(f"| {name} | {make.label} | {accuracy:.4f} | "
          + " | ".join(f"{v:.4f}" for v in losses.values())
          + f" | {T:.3g} / {best:.3g} | {t_proba / t_fit:.2f} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join("..", "shared", "data"),
                        help="folder with covtype/, higgs/ and mnist/ (default ../shared/data)")
    parser.add_argument("--sets", default="digits,covtype,higgs,mnist")
    args = parser.parse_args()

    def model(label, factory):
        factory.label = label
        return factory

    models = [
        model("RNNELMClassifier(500)", lambda: RNNELMClassifier(500, random_state=0)),
        model("RNNELMClassifier(2000)", lambda: RNNELMClassifier(2000, random_state=0)),
        model("DeepRNNELMClassifier((100,), 2000)",
              lambda: DeepRNNELMClassifier((100,), 2000, random_state=0)),
    ]
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| data | model | accuracy | predict_proba | T=1 | residual T | clip | simplex "
          "| best T (test) | T fitted / best | T fit / fit time |")
    print("|---" * 11 + "|")
    for name in args.sets.split(","):
        X, Xt, y, yt = load(name, args.data)
        # the setting of the recorded figures (covtype is signed: the default would split it)
        scaler = NonNegativeScaler(split_sign=False).fit(X)
        X, Xt = scaler.transform(X), scaler.transform(Xt)
        for make in models:
            run(name, make, X, Xt, y, yt)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
