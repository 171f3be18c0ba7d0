"""How good are advisor's near and semantic duplicate detectors? Measured, not guessed.

On real labelled data in ../shared/data:

* STS-B (train + dev + test): pairs scored >= 4.5 are duplicates, <= 2.0 distinct
  (the middle is left out);
* the MRPC test set: gold paraphrase labels (negatives are lexically close);
* the GPTeacher toolformer ladder: upstream deduplicated the same data at
  similarity 0.9 and 0.8, removing 1,714 and 2,964 of 7,673 rows; how many rows
  does advisor remove at each threshold?
* Banking77 train (no duplicates by construction): how many duplicate findings
  at the defaults?

Also, per semantic tier next to MiniLM alone and semhash (issue 15): on STS-B
test, recall of the "completely equivalent" pairs (gold >= 4.6) and the share of
unrelated (gold <= 1.0) and "related but different" (3.0-4.6) pairs merged; on
MRPC test, recall of paraphrases and the share of non-paraphrases merged.

Prints precision and recall at the defaults in rules/lint_rules.toml and a
threshold sweep, for near (MinHash on token 3-shingles, with the exact Jaccard
and datasketch's estimate of the same shingles for comparison) and semantic
(all-MiniLM-L6-v2 cosine). Not part of the test suite.

    python bench/dedup_quality.py
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))

from advisor.datasets import open_dataset  # noqa: E402
from advisor.linter.analyse import comparison_texts  # noqa: E402
from advisor.linter.catalogue import load_catalogue  # noqa: E402
from advisor.providers.models import load_providers  # noqa: E402
from advisor.providers.tokens import load_encoder  # noqa: E402
from advisor.similarity import dedup, minhash  # noqa: E402
from advisor.similarity.embeddings import embed, load_embedder  # noqa: E402
from advisor.similarity.static_embeddings import load_static  # noqa: E402

csv.field_size_limit(1 << 30)


def sts_pairs() -> list[tuple[str, str, bool]]:
    pairs = []
    for name in ("sts-train.csv", "sts-dev.csv", "sts-test.csv"):
        with (DATA / "stsb" / name).open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 7:
                    continue
                score = float(parts[4])
                if score >= 4.5:
                    pairs.append((parts[5], parts[6], True))
                elif score <= 2.0:
                    pairs.append((parts[5], parts[6], False))
    return pairs


def mrpc_pairs() -> list[tuple[str, str, bool]]:
    pairs = []
    with (DATA / "mrpc" / "msr_paraphrase_test.txt").open(encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) == 5:
                pairs.append((row[3], row[4], row[0] == "1"))
    return pairs


def shingles(ids: list[int]) -> set[tuple[int, ...]]:
    if len(ids) < minhash.SHINGLE:
        return {tuple(ids)} if ids else set()
    return {tuple(ids[i : i + minhash.SHINGLE]) for i in range(len(ids) - minhash.SHINGLE + 1)}


def near_scores(pairs, encoding) -> dict[str, np.ndarray]:
    """Per pair: advisor's MinHash estimate, the exact Jaccard, datasketch's estimate."""
    left = [encoding.encode_ordinary(a) for a, _, _ in pairs]
    right = [encoding.encode_ordinary(b) for _, b, _ in pairs]
    started = time.perf_counter()
    sig_left, sig_right = minhash.signatures(left), minhash.signatures(right)
    ours_time = time.perf_counter() - started
    ours = np.array([minhash.similarity(x, y) for x, y in zip(sig_left, sig_right, strict=True)])
    exact = np.array(
        [
            len(sa & sb) / len(sa | sb) if sa | sb else 0.0
            for sa, sb in ((shingles(a), shingles(b)) for a, b in zip(left, right, strict=True))
        ]
    )
    scores = {"advisor MinHash": ours, "exact Jaccard": exact}
    try:
        from datasketch import MinHash
    except ImportError:
        return scores
    started = time.perf_counter()
    theirs = []
    for a, b in zip(left, right, strict=True):
        ma, mb = MinHash(num_perm=minhash.BINS), MinHash(num_perm=minhash.BINS)
        ma.update_batch([repr(s).encode() for s in shingles(a)])
        mb.update_batch([repr(s).encode() for s in shingles(b)])
        theirs.append(ma.jaccard(mb))
    their_time = time.perf_counter() - started
    scores["datasketch MinHash"] = np.array(theirs)
    print(
        f"  signature time for {2 * len(pairs):,} texts: advisor {ours_time:.2f}s, "
        f"datasketch {their_time:.2f}s ({their_time / max(ours_time, 1e-9):.0f}x)"
    )
    return scores


def static_scores(pairs, static) -> np.ndarray:
    left = static.encode([a for a, _, _ in pairs])
    right = static.encode([b for _, b, _ in pairs])
    return np.einsum("ij,ij->i", left, right)


def semantic_scores(pairs, embedder) -> np.ndarray:
    left = embed(embedder, [a for a, _, _ in pairs], progress=False)
    right = embed(embedder, [b for _, b, _ in pairs], progress=False)
    return np.einsum("ij,ij->i", left, right)


def precision_recall(scores: np.ndarray, gold: np.ndarray, threshold: float) -> tuple[float, float]:
    predicted = scores >= threshold
    tp = int((predicted & gold).sum())
    precision = tp / predicted.sum() if predicted.sum() else 1.0
    recall = tp / gold.sum() if gold.sum() else 1.0
    return precision, recall


def report_pairs(title, pairs, scores: dict[str, np.ndarray], default: float, sweep) -> None:
    gold = np.array([g for _, _, g in pairs])
    print(f"\n{title}: {gold.sum():,} duplicate and {(~gold).sum():,} distinct pairs")
    header = "  threshold " + "".join(f"| {name:>26} " for name in scores)
    print(header)
    print("            " + "".join(f"| {'precision':>12} {'recall':>13} " for _ in scores))
    for threshold in sweep:
        mark = " *" if abs(threshold - default) < 1e-9 else "  "
        cells = "".join(
            "| {:>12.3f} {:>13.3f} ".format(*precision_recall(s, gold, threshold))
            for s in scores.values()
        )
        print(f"  {threshold:>7.2f}{mark} {cells}")


def removed_rows(path: Path, encoding, embedder, near_sweep, semantic_sweep, bands) -> None:
    dataset = open_dataset(path)
    examples = [e for e in dataset.examples() if e.valid]
    texts = [comparison_texts(e) for e in examples]
    inputs = minhash.signatures([encoding.encode_ordinary(a) for a, _ in texts])
    outputs = minhash.signatures([encoding.encode_ordinary(b) for _, b in texts])
    labels = [None] * len(examples)
    sides = dedup.minhash_sides(inputs, outputs, labels)
    candidates = dedup.near_candidates(inputs, bands)
    print(f"\n{path.name}: {len(examples):,} rows; upstream removed 1,714 at 0.9 and 2,964 at 0.8")
    for threshold in near_sweep:
        duplicates, _ = dedup.split_pairs(candidates, sides, threshold)
        print(
            f"  near     Jaccard >= {threshold:.2f}: removes {len(dedup.clusters(duplicates)):>5,}"
        )
    vectors_in = embed(embedder, [a for a, _ in texts], progress=True)
    vectors_out = embed(embedder, [b for _, b in texts], progress=True)
    sides = dedup.embedding_sides(vectors_in, vectors_out, labels)
    low = min(semantic_sweep)
    pairs = [(i, j) for i, j, _ in dedup.similar_pairs(vectors_in, low)]
    for threshold in semantic_sweep:
        duplicates, _ = dedup.split_pairs(pairs, sides, threshold)
        print(
            f"  semantic cosine  >= {threshold:.2f}: removes {len(dedup.clusters(duplicates)):>5,}"
        )


def banking(encoding, embedder, static, thresholds) -> None:
    dataset = open_dataset(DATA / "banking77" / "train.csv")
    examples = [e for e in dataset.examples() if e.valid]
    texts = [comparison_texts(e)[0] for e in examples]
    labels = [e.label for e in examples]
    inputs = minhash.signatures([encoding.encode_ordinary(t) for t in texts])
    sides = dedup.minhash_sides(inputs, inputs, labels)
    duplicates, conflicts = dedup.split_pairs(
        dedup.near_candidates(inputs, thresholds.near_bands), sides, thresholds.near_jaccard
    )
    print(f"\nbanking77 train ({len(examples):,} rows, no exact duplicates), at the defaults:")
    print(
        f"  near:     {len(dedup.clusters(duplicates))} duplicates, {len(conflicts)} conflict pairs"
    )
    vectors = embed(embedder, texts, progress=True)
    sides = dedup.embedding_sides(vectors, None, labels)
    started = time.perf_counter()
    static_vectors = static.encode(texts)
    static_time = time.perf_counter() - started
    proposed = [
        (i, j) for i, j, _ in dedup.similar_pairs(static_vectors, thresholds.semantic_fast_cosine)
    ]
    fast_duplicates, _ = dedup.split_pairs(proposed, sides, thresholds.semantic_cosine)
    involved = len({k for pair in proposed for k in pair})
    print(
        f"  fast tier: static embedding of {len(texts):,} texts in {static_time:.2f}s "
        f"({len(texts) / static_time:,.0f}/s); it proposes {len(proposed):,} pairs over "
        f"{involved:,} texts for the full model to confirm; "
        f"{len(dedup.clusters(fast_duplicates))} duplicates at the default"
    )
    sweep = sorted({0.9, 0.93, 0.95, 0.96, 0.97, 0.98, thresholds.semantic_cosine})
    pairs = [(i, j) for i, j, _ in dedup.similar_pairs(vectors, min(sweep))]
    for threshold in sweep:
        duplicates, conflicts = dedup.split_pairs(pairs, sides, threshold)
        mark = " *" if threshold == thresholds.semantic_cosine else ""
        print(
            f"  semantic cosine >= {threshold:.2f}{mark}: {len(dedup.clusters(duplicates))} "
            f"duplicates, {len(conflicts)} conflict pairs"
        )


def stsb_test_bands() -> list[tuple[str, str, float]]:
    pairs = []
    with (DATA / "stsb" / "sts-test.csv").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 7:
                pairs.append((parts[5], parts[6], float(parts[4])))
    return pairs


def tiers(embedder, static, thresholds) -> None:
    """Each semantic tier's judgement next to MiniLM alone and semhash's."""
    try:
        from dedup_speed import model2vec_from_minilm, unit
    except ImportError:  # the bench extra is not installed
        model2vec_from_minilm = None
    scored = stsb_test_bands()
    mrpc = mrpc_pairs()
    left = [a for a, _, _ in scored] + [a for a, _, _ in mrpc]
    right = [b for _, b, _ in scored] + [b for _, b, _ in mrpc]
    full = np.einsum(
        "ij,ij->i",
        embed(embedder, left, progress=False),
        embed(embedder, right, progress=False),
    )
    static_score = np.einsum("ij,ij->i", static.encode(left), static.encode(right))
    proposers = {"advisor static": static_score}
    if model2vec_from_minilm is not None:
        model = model2vec_from_minilm()
        proposers["model2vec"] = np.einsum(
            "ij,ij->i", unit(model.encode(left)), unit(model.encode(right))
        )
    n = len(scored)
    gold = np.array([g for _, _, g in scored])
    paraphrase = np.array([g for _, _, g in mrpc])
    bands = {
        "recall >= 4.6": gold >= 4.6,
        "merges <= 1.0": gold <= 1.0,
        "merges 3.0-4.6": (gold >= 3.0) & (gold < 4.6),
    }
    print(
        f"\n== semantic tiers on STS-B test ({bands['recall >= 4.6'].sum()} pairs >= 4.6, "
        f"{bands['merges <= 1.0'].sum()} <= 1.0, {bands['merges 3.0-4.6'].sum()} in 3.0-4.6) "
        f"and MRPC test ({paraphrase.sum()} paraphrases, {(~paraphrase).sum()} not)"
    )
    methods: dict[str, np.ndarray] = {"MiniLM alone": full}
    for name, proposal in proposers.items():
        proposed = proposal >= thresholds.semantic_fast_cosine
        methods[f"fast tier ({name} proposes at {thresholds.semantic_fast_cosine})"] = np.where(
            proposed, full, -1.0
        )
    if "model2vec" in proposers:
        methods["semhash (model2vec cosine alone)"] = proposers["model2vec"]
    print(
        "  method                                          thr  | STS-B: recall>=4.6  "
        "merges<=1.0  merges 3-4.6 | MRPC: recall  merges of non-paraphrases"
    )
    for threshold in (0.90, thresholds.semantic_cosine):
        for name, score in methods.items():
            sts, mr = score[:n] >= threshold, score[n:] >= threshold
            cells = "  ".join(
                f"{(sts & mask).sum() / mask.sum():>11.3f}" for mask in bands.values()
            )
            print(
                f"  {name:<46} {threshold:.2f} | {cells} | "
                f"{(mr & paraphrase).sum() / paraphrase.sum():>11.3f}  "
                f"{(mr & ~paraphrase).sum() / (~paraphrase).sum():>11.3f}"
            )


def main() -> None:
    thresholds = load_catalogue().thresholds
    encoding = load_encoder(load_providers().model(None)).encoding
    embedder = load_embedder()
    started = time.perf_counter()
    static = load_static(embedder)
    elapsed = time.perf_counter() - started
    print(f"static table {static.table.shape}: loaded or distilled in {elapsed:.1f}s")
    print(
        f"defaults: near Jaccard {thresholds.near_jaccard} ({thresholds.near_bands} LSH bands), "
        f"semantic cosine {thresholds.semantic_cosine}  (* marks the default row)"
    )
    near_sweep = sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, thresholds.near_jaccard})
    semantic_sweep = sorted(
        {0.75, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.98, thresholds.semantic_cosine}
    )
    for title, pairs in (("STS-B", sts_pairs()), ("MRPC test", mrpc_pairs())):
        print(f"\n== {title}")
        near = near_scores(pairs, encoding)
        report_pairs(f"{title} near", pairs, near, thresholds.near_jaccard, near_sweep)
        full = semantic_scores(pairs, embedder)
        fast = static_scores(pairs, static)
        # The fast tier reports a pair when the static model proposes it AND the
        # full model confirms it: its score is the full score where proposed.
        proposed = fast >= thresholds.semantic_fast_cosine
        semantic = {
            "MiniLM cosine": full,
            "fast tier (static + MiniLM)": np.where(proposed, full, -1.0),
        }
        report_pairs(
            f"{title} semantic", pairs, semantic, thresholds.semantic_cosine, semantic_sweep
        )
        agreement = np.corrcoef(near["advisor MinHash"], near["exact Jaccard"])[0, 1]
        print(f"  advisor MinHash vs exact Jaccard: Pearson r = {agreement:.3f}")
        if "datasketch MinHash" in near:
            theirs = np.corrcoef(near["datasketch MinHash"], near["exact Jaccard"])[0, 1]
            print(f"  datasketch MinHash vs exact Jaccard: Pearson r = {theirs:.3f}")
    removed_rows(
        DATA
        / "alpaca-cleaned-extras"
        / "GPTeacher__Toolformer__toolformer-dedupe-only-dataset.json",
        encoding,
        embedder,
        [0.5, 0.6, 0.7, 0.8, 0.9],
        [0.8, 0.85, 0.9, 0.95],
        thresholds.near_bands,
    )
    banking(encoding, embedder, static, thresholds)
    tiers(embedder, static, thresholds)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
