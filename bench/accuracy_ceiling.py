"""Cross-check for the scoring issue's accuracy targets, outside our own trainer.

Fits standard scikit-learn text classifiers on the same published splits and reports, for each,
the test figure with the decision rule chosen on held-out data (dev for COLD, 5-fold out-of-fold
predictions on train for Davidson) and the *test-tuned ceiling*: the best any threshold or class
offset could reach if it were fitted to the test split itself. A target above the ceiling cannot
be met by that family of model, whatever the decision rule.

Not part of the product or of CI. Needs Debian's python3-sklearn and python3-jieba:
    apt-get install -y python3-sklearn python3-jieba
    /usr/bin/python3 bench/accuracy_ceiling.py [--data ../shared/data] [--mlp]
--mlp adds a one-hidden-layer network (64 ReLU units) after each of its first epochs: about
15 minutes more here.
"""
import argparse
import csv
import logging
import os
import re

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neural_network import MLPClassifier

THRESHOLDS = np.arange(0.01, 1.0, 0.01)


def cold(data, mlp):
    def load(name):
        with open(os.path.join(data, "cold", name), encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        return [r["TEXT"] for r in rows], np.array([int(r["label"]) for r in rows])

    (xtr, ytr), (xdv, ydv), (xte, yte) = load("train.csv"), load("dev.csv"), load("test.csv")
    print(f"COLD: train {len(xtr)} ({ytr.mean():.3f} offensive), dev {len(xdv)} ({ydv.mean():.3f}), "
          f"test {len(xte)} ({yte.mean():.3f}); target accuracy 0.81", flush=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    a_tr, a_dv, a_te = chars.fit_transform(xtr), chars.transform(xdv), chars.transform(xte)
    feats = {"char 1-3 tf-idf": (a_tr, a_dv, a_te)}
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True)
    seg = lambda xs: [" ".join(jieba.lcut(x)) for x in xs]  # noqa: E731
    w_tr = words.fit_transform(seg(xtr))
    feats["char 1-3 + jieba word 1-2 tf-idf"] = (
        hstack([a_tr, w_tr]).tocsr(),
        hstack([a_dv, words.transform(seg(xdv))]).tocsr(),
        hstack([a_te, words.transform(seg(xte))]).tocsr(),
    )

    def report(name, m, dv, te):
        """Dev accuracy at the dev-chosen threshold, test at that threshold, test-tuned ceiling."""
        pdv, pte = m.predict_proba(dv)[:, 1], m.predict_proba(te)[:, 1]
        t = max(THRESHOLDS, key=lambda t: accuracy_score(ydv, pdv >= t))
        ceiling = max(accuracy_score(yte, pte >= t) for t in THRESHOLDS)
        print(f"  {name:62s} dev {accuracy_score(ydv, pdv >= t):.4f}  "
              f"test at dev threshold {accuracy_score(yte, pte >= t):.4f}  test-tuned ceiling {ceiling:.4f}",
              flush=True)

    for fname, (tr, dv, te) in feats.items():
        report(f"{fname}, logistic regression C=10", LogisticRegression(C=10, max_iter=3000).fit(tr, ytr), dv, te)
    if mlp:
        # The 100,000 most frequent n-grams keep the hidden layer's weights (and the run) small.
        small = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=100_000)
        tr, dv, te = small.fit_transform(xtr), small.transform(xdv), small.transform(xte)
        for epoch, m in mlp_epochs(tr, ytr, 6):
            report(f"char 1-3 tf-idf (100k), MLP 64 relu, epoch {epoch}", m, dv, te)


def mlp_epochs(x, y, epochs):
    """One hidden layer of 64 ReLU units, Adam, batches of 64: the model after each epoch."""
    m = MLPClassifier((64,), alpha=1e-4, batch_size=64, max_iter=1, warm_start=True, random_state=42)
    for epoch in range(1, epochs + 1):
        yield epoch, m.fit(x, y)


def davidson_ceiling(probs, gold):
    """Best weighted F1 over log-probability offsets, and the best with hate F1 above 0.51."""
    logp = np.log(probs + 1e-12)
    best, best_hate = 0.0, 0.0
    for h in np.arange(-3, 5.01, 0.125):
        for nb in np.arange(-3, 3.01, 0.125):
            pred = np.argmax(logp + np.array([h, 0, nb]), 1)
            w = f1_score(gold, pred, average="weighted")
            best = max(best, w)
            if f1_score(gold, pred, labels=[0], average=None)[0] > 0.51:
                best_hate = max(best_hate, w)
    return best, best_hate


def offsets_out_of_fold(oof, gold):
    """Offsets for hate and neither maximising weighted F1 + hate F1 on out-of-fold predictions
    over train, on the grid our trainer uses (src/train/tasks.ts bestOffsets)."""
    logp = np.log(oof + 1e-12)

    def score(o):
        pred = np.argmax(logp + np.array([o[0], 0, o[1]]), 1)
        return f1_score(gold, pred, average="weighted") + f1_score(gold, pred, labels=[0], average=None)[0]

    grid = [(h, nb) for h in np.arange(-1, 3.01, 0.25) for nb in np.arange(-1.5, 1.51, 0.25)]
    return max(grid, key=score)


def davidson(data, mlp):
    base = os.path.join(data, "davidson")
    with open(os.path.join(base, "split_davidson_nb_rs42.csv")) as f:
        split = {r["row_id"]: r["split"] for r in csv.DictReader(f)}
    with open(os.path.join(base, "labeled_data.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    def prep(t):
        t = re.sub(r"https?://\S+|www\.\S+", " urlhere ", t)
        t = re.sub(r"@\w+", " mentionhere ", t)
        return re.sub(r"\s+", " ", re.sub(r"&#?\w+;", " ", t)).lower()

    x = [prep(r["tweet"]) for r in rows]
    y = np.array([int(r["class"]) for r in rows])
    tr = [i for i, r in enumerate(rows) if split[r[""]] == "train"]
    te = [i for i, r in enumerate(rows) if split[r[""]] == "test"]
    print(f"Davidson: train {len(tr)}, test {len(te)}; target weighted F1 0.90 with hate F1 > 0.51", flush=True)
    words = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True, token_pattern=r"[a-z0-9']+|[!?#]")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True)
    w_tr, w_te = words.fit_transform([x[i] for i in tr]), words.transform([x[i] for i in te])
    c_tr, c_te = chars.fit_transform([x[i] for i in tr]), chars.transform([x[i] for i in te])
    feats = {
        "word 1-3 tf-idf": (w_tr, w_te),
        "word 1-3 + char 3-4 tf-idf": (hstack([w_tr, c_tr]).tocsr(), hstack([w_te, c_te]).tocsr()),
    }
    models = [
        ("LR C=3 balanced", lambda: LogisticRegression(C=3, class_weight="balanced", max_iter=3000)),
        ("LR C=10", lambda: LogisticRegression(C=10, max_iter=3000)),
    ]
    gold_tr, gold_te = y[tr], y[te]
    for fname, (a, b) in feats.items():
        for mname, make in models:
            oof = cross_val_predict(make(), a, gold_tr, cv=StratifiedKFold(5, shuffle=True, random_state=42),
                                    method="predict_proba")
            h, nb = offsets_out_of_fold(oof, gold_tr)
            p = make().fit(a, gold_tr).predict_proba(b)
            pred = np.argmax(np.log(p + 1e-12) + np.array([h, 0, nb]), 1)
            ceil, ceil_hate = davidson_ceiling(p, gold_te)
            print(f"  {fname:28s} {mname:22s} test wF1 {f1_score(gold_te, pred, average='weighted'):.4f} "
                  f"hate F1 {f1_score(gold_te, pred, labels=[0], average=None)[0]:.4f}  "
                  f"test-tuned ceiling wF1 {ceil:.4f}, with hate F1 > 0.51: "
                  f"{f'{ceil_hate:.4f}' if ceil_hate else 'none reaches it'}", flush=True)
    if mlp:
        a, b = feats["word 1-3 + char 3-4 tf-idf"]
        for epoch, m in mlp_epochs(a, gold_tr, 3):
            ceil, ceil_hate = davidson_ceiling(m.predict_proba(b), gold_te)
            print(f"  word 1-3 + char 3-4 tf-idf   MLP 64 relu, epoch {epoch}  test-tuned ceiling wF1 {ceil:.4f}, "
                  f"with hate F1 > 0.51: {f'{ceil_hate:.4f}' if ceil_hate else 'none reaches it'}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--mlp", action="store_true")
    args = ap.parse_args()
    cold(args.data, args.mlp)
    davidson(args.data, args.mlp)
