"""Compute the word profiles shipped as ``analyzers/data/word_profiles.tsv.gz``.

    pip install gensim scikit-learn        # only for this script
    python -m analyzers.train_clusters ../shared/corpora/*.jsonl.gz

Why: the entity CRF learns from ~4,000 annotated sentences, so most names it meets
in an archive are names it never saw (recall on unseen names is a third of recall
on seen ones).  Words used in the same contexts across a large unannotated corpus
— footballers, companies, foreign ministers — fall into the same cluster, and the
cluster number generalizes from the names the CRF saw to the ones it did not
(it added about two points of held-out F1 on ANERcorp when it came in; a second,
coarser clustering beside it added under a point of cross-validated F1).

How: every title and body is split into sentences of clitic-free normalized words
(the CRF's ``b=`` feature), word2vec (CBOW, 100 dimensions, window 3, words seen
at least 5 times) embeds them, and k-means groups the vectors twice — into 1,000
clusters and into 200 — one column each, in the order of
:data:`akhbar.analyzers.entity_features.PROFILE`.  The output holds words and
cluster numbers only, no text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from akhbar.analyzers.entity_features import PROFILE, PROFILES
from akhbar.analyzers.names import strip_clitics
from akhbar.analyzers.sentences import sentences_of


def corpus_sentences(paths: list[Path]) -> Iterator[str]:
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                for text in (d.get("title") or "", d.get("body") or ""):
                    for sentence in sentences_of(text):
                        yield " ".join(strip_clitics(w) for _, _, w in sentence)


def main(argv: list[str] | None = None) -> None:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    from sklearn.cluster import MiniBatchKMeans

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", type=Path, nargs="+", help="JSON Lines files (.jsonl or .jsonl.gz) with title and body")
    ap.add_argument("--out", type=Path, default=Path(str(resources.files("akhbar.analyzers").joinpath(PROFILES))))
    ap.add_argument("--clusters", type=int, nargs="+", default=[1000, 200], help="clusters in each column")
    args = ap.parse_args(argv)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as tmp:
        for sentence in corpus_sentences(args.corpora):
            tmp.write(sentence + "\n")
        tmp.flush()
        model = Word2Vec(LineSentence(tmp.name), vector_size=100, window=3, min_count=5, workers=2, epochs=4, seed=1)
    if len(args.clusters) != len(PROFILE):
        ap.error(f"--clusters: one number for each of the {len(PROFILE)} columns of entity_features.PROFILE")
    words = model.wv.index_to_key
    columns = [
        MiniBatchKMeans(n_clusters=k, random_state=0, batch_size=4096, n_init=3).fit(model.wv.vectors).labels_
        for k in args.clusters
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as f:
        for word, *labels in sorted(zip(words, *columns, strict=True)):
            f.write("\t".join([word, *map(str, labels)]) + "\n")
    print(f"{len(words)} words in {' and '.join(map(str, args.clusters))} clusters → {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
