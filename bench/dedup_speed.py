"""How fast are advisor's semantic duplicates at scale, against peers, in one run?

On the same 50,000 texts built from ../shared/data:

1. embedding throughput of advisor's pipeline (length-sorted batches, truncation,
   no cache) against a bare forward pass of the model over the same batches
   (tokenizer + transformer + mean pooling, nothing else). Target: within 1.2x.
2. neighbour search on the same embeddings: advisor's exact blocked search
   against cleanlab Datalab's ``near_duplicate`` issue type and
   sentence-transformers' ``paraphrase_mining_embeddings``, with each one's
   recall of the pairs at or above advisor's threshold. Target: at least 5x
   faster than cleanlab with recall at least equal.

3. against semhash (model2vec static embeddings; a static model distilled from
   the bundled MiniLM with model2vec, since nothing downloads here): its time
   and its pairs, next to advisor's full tier and its propose-then-verify fast
   tier, with the fraction of texts the fast tier sends to MiniLM, and the floor
   for any design that confirms pairs with MiniLM: the texts that are in a true
   pair must be embedded by it. Goal (issue 15): 1.5x semhash with MiniLM's
   judgement. Then the peak memory of each: semhash and the proposal steps in
   fresh processes, advisor's full tier as this process after embedding.

With ``--million`` it instead runs the scale check on 1,000,000 rows (the real
texts, then rows made of two real texts each, drawn at random, so every row is
distinct): semhash, and the fast tier's proposal step as advisor runs it (static
vectors, approximate neighbour index past 100,000 rows), each in a fresh process
with its wall time and peak memory. MiniLM's share is projected from its rate
measured on 2,000 of the rows (running it on a million rows takes hours on this
machine); projected figures say so.

Needs the bench extra (``pip install -e '.[bench]'``). Not part of the test suite.

    python bench/dedup_speed.py [--texts 50000]
    python bench/dedup_speed.py --million [--texts 1000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data"))

from advisor.linter.catalogue import load_catalogue  # noqa: E402
from advisor.similarity import dedup  # noqa: E402
from advisor.similarity.embeddings import BATCH_SIZE, EmbeddingCache, embed, load_embedder  # noqa: E402

csv.field_size_limit(1 << 30)


def build_rows(count: int, seed: int = 15) -> list[str]:
    """``count`` distinct rows: every real text, then two real texts joined (drawn at
    random), until there are enough."""
    texts = build_texts(0)
    rows = dict.fromkeys(texts[:count])
    rng = np.random.default_rng(seed)
    while len(rows) < count:
        first, second = rng.integers(0, len(texts), size=(2, count - len(rows)))
        joined = (f"{texts[a]} {texts[b]}" for a, b in zip(first, second, strict=True))
        rows.update(dict.fromkeys(joined))
    return list(rows)[:count]


def build_texts(count: int) -> list[str]:
    """Distinct short and medium texts from several real datasets (all of them when
    ``count`` is 0)."""
    texts: list[str] = []
    for name in ("train.csv", "test.csv"):
        with (DATA / "banking77" / name).open(encoding="utf-8") as handle:
            texts.extend(row[0] for row in csv.reader(handle))
    with (DATA / "sms-spam" / "SMSSpamCollection.tsv").open(encoding="utf-8") as handle:
        texts.extend(line.split("\t", 1)[-1].strip() for line in handle)
    for name in ("sts-train.csv", "sts-dev.csv", "sts-test.csv"):
        with (DATA / "stsb" / name).open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                texts.extend(parts[5:7])
    for name in ("msr_paraphrase_train.txt", "msr_paraphrase_test.txt"):
        with (DATA / "mrpc" / name).open(encoding="utf-8-sig") as handle:
            for line in handle:
                texts.extend(line.rstrip("\n").split("\t")[3:5])
    for name in ("alpaca_en_demo.json",):
        for row in json.loads((DATA / "llamafactory-demo" / name).read_text()):
            texts.append(row["instruction"])
            texts.append(row["output"][:400])
    for row in json.loads(
        (DATA / "alpaca-cleaned-extras" / "gsm_8k__gsm_8k_train.json").read_text()
    ):
        texts.append(row["instruction"])
    unique = [t for t in dict.fromkeys(t.strip() for t in texts) if t]
    if not count:
        return unique
    if len(unique) < count:
        sys.exit(f"only {len(unique):,} distinct texts available")
    return unique[:count]


def bare_forward(folder: Path, batches: list[list[str]], max_tokens: int) -> np.ndarray:
    """Tokenizer + transformer + mean pooling: the floor any pipeline pays."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    out = []
    with torch.inference_mode():
        for batch in batches:
            encoded = tokenizer(
                batch, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
            )
            hidden = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
    return np.concatenate(out)


def recall(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> float:
    return len(found & truth) / len(truth) if truth else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--million", action="store_true", help="the 1,000,000-row scale check")
    args = parser.parse_args()
    if args.million:
        million(args.texts or 1_000_000)
        return
    args.texts = args.texts or 50_000
    threshold = load_catalogue().thresholds.semantic_cosine
    texts = build_texts(args.texts)
    print(f"{len(texts):,} distinct texts, median {int(np.median([len(t) for t in texts]))} chars")
    embedder = load_embedder()
    from advisor.similarity.embeddings import default_model_path

    with tempfile.TemporaryDirectory() as folder:
        cache = EmbeddingCache(Path(folder) / "cache.sqlite")
        started = time.perf_counter()
        vectors = embed(embedder, texts, progress=False, cache=cache)
        ours = time.perf_counter() - started
        cache.close()
    full_peak = _peak_bytes()  # advisor's embedding step, before the other sections
    ordered = sorted(texts, key=len)
    batches = [ordered[i : i + BATCH_SIZE] for i in range(0, len(ordered), BATCH_SIZE)]
    started = time.perf_counter()
    bare_forward(default_model_path(), batches, embedder.model.max_seq_length)  # type: ignore[attr-defined]
    bare = time.perf_counter() - started
    print(
        f"\n1. embedding: advisor {ours:.1f}s ({len(texts) / ours:.0f} texts/s), bare forward pass "
        f"{bare:.1f}s ({len(texts) / bare:.0f} texts/s): ratio {ours / bare:.2f}x (target <= 1.2x)"
    )

    started = time.perf_counter()
    truth = {(i, j) for i, j, _ in dedup.similar_pairs(vectors, threshold)}
    ours_search = time.perf_counter() - started
    print(f"\n2. neighbour search, cosine >= {threshold} ({len(truth):,} pairs, exact):")
    print(f"   advisor blocked exact search: {ours_search:.1f}s, recall 1.000")

    import torch
    from sentence_transformers.util import paraphrase_mining_embeddings

    started = time.perf_counter()
    mined = paraphrase_mining_embeddings(torch.from_numpy(vectors))
    mining = time.perf_counter() - started
    mined_pairs = {(min(i, j), max(i, j)) for score, i, j in mined if score >= threshold}
    print(
        f"   sentence-transformers paraphrase_mining: {mining:.1f}s "
        f"({mining / ours_search:.1f}x advisor), recall {recall(mined_pairs, truth):.3f}"
    )
    compare_semhash(texts, vectors, truth, threshold, embedder, ours)
    step_peaks(texts, full_peak)
    try:
        from cleanlab import Datalab

        Datalab(data={"text": ["probe"]}, verbosity=0)
    except ImportError:
        print("   cleanlab not installed (pip install 'cleanlab[datalab]'): skipped")
        return
    started = time.perf_counter()
    lab = Datalab(data={"text": texts}, verbosity=0)
    lab.find_issues(features=vectors, issue_types={"near_duplicate": {}})
    cleanlab_time = time.perf_counter() - started
    issues = lab.get_issues("near_duplicate")
    cleanlab_pairs = set()
    for i, members in enumerate(issues["near_duplicate_sets"]):
        for j in members:
            cleanlab_pairs.add((min(i, int(j)), max(i, int(j))))
    print(
        f"   cleanlab Datalab near_duplicate: {cleanlab_time:.1f}s "
        f"({cleanlab_time / ours_search:.1f}x advisor), recall {recall(cleanlab_pairs, truth):.3f} "
        f"(it flags {len(cleanlab_pairs):,} pairs by its own rule)"
    )


def model2vec_from_minilm() -> object:
    """model2vec's distillation of the bundled MiniLM (PCA 256, Zipf weighting), made
    once and kept in ~/.cache/advisor/model2vec."""
    from model2vec import StaticModel
    from model2vec.distill import distill

    from advisor.similarity.embeddings import cache_path, default_model_path

    folder = cache_path().parent / "model2vec" / "all-MiniLM-L6-v2"
    if (folder / "config.json").is_file():
        return StaticModel.from_pretrained(str(folder))
    started = time.perf_counter()
    model = distill(model_name=str(default_model_path()), pca_dims=256)
    print(f"   (model2vec distilled from MiniLM once: {time.perf_counter() - started:.0f}s)")
    model.save_pretrained(str(folder))
    return model


def unit(vectors: object) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-9)


def compare_semhash(
    texts: list[str],
    vectors: np.ndarray,
    truth: set[tuple[int, int]],
    threshold: float,
    embedder: object,
    full_embed_seconds: float,
) -> None:
    """Section 3: semhash against advisor's tiers on the same texts."""
    try:
        from semhash import SemHash
    except ImportError:
        print("\n3. semhash not installed (pip install -e '.[bench]'): skipped")
        return
    from advisor.similarity.static_embeddings import load_static

    print(f"\n3. against semhash, {len(texts):,} texts; truth = MiniLM pairs at {threshold}:")
    in_truth = {k for pair in truth for k in pair}
    floor = len(in_truth) / len(texts)
    model = model2vec_from_minilm()
    started = time.perf_counter()
    result = SemHash.from_records(records=texts, model=model).self_deduplicate(threshold=0.9)
    semhash_seconds = time.perf_counter() - started
    m2v = unit(model.encode(texts))  # type: ignore[attr-defined]
    semhash_pairs = {(i, j) for i, j, _ in dedup.similar_pairs(m2v, 0.9)}
    unrelated = sum(1 for i, j in semhash_pairs if float(vectors[i] @ vectors[j]) < 0.8)
    dropped = len(texts) - len(result.selected)
    held = recall(semhash_pairs, truth)
    print(
        f"   semhash (model2vec from MiniLM, threshold 0.9): {semhash_seconds:.1f}s, drops "
        f"{dropped:,} texts; its pairs hold {held:.3f} of the truth, and {unrelated:,} of its "
        f"{len(semhash_pairs):,} pairs are under 0.8 for MiniLM"
    )
    search = time.perf_counter()
    dedup_pairs = list(dedup.similar_pairs(vectors, threshold))
    search = time.perf_counter() - search
    full = full_embed_seconds + search
    print(
        f"   advisor full tier (MiniLM on every text + exact search): {full:.1f}s = "
        f"{full / semhash_seconds:.1f}x semhash ({len(dedup_pairs):,} pairs)"
    )
    rate = full_embed_seconds / len(texts)
    for name, proposer in (
        ("advisor's static table", lambda: load_static(embedder).encode(texts)),  # type: ignore[arg-type]
        ("model2vec's distillation", lambda: unit(model.encode(texts))),  # type: ignore[attr-defined]
    ):
        started = time.perf_counter()
        static = proposer()
        proposals = {(i, j) for i, j, _ in dedup.similar_pairs(static, 0.85)}
        propose = time.perf_counter() - started
        touched = {k for pair in proposals for k in pair}
        confirmed = {p for p in proposals if float(vectors[p[0]] @ vectors[p[1]]) >= threshold}
        estimate = propose + rate * len(touched)
        print(
            f"   fast tier proposing with {name} at 0.85: {len(proposals):,} pairs touch "
            f"{len(touched) / len(texts):.1%} of the texts; recall {recall(confirmed, truth):.3f}; "
            f"~{estimate:.1f}s with MiniLM at the measured rate = "
            f"{estimate / semhash_seconds:.1f}x semhash"
        )
    best = rate * len(in_truth)
    print(
        f"   floor of any MiniLM-confirmed tier: the {floor:.1%} of texts in a true pair must be "
        f"embedded by MiniLM: >= {best:.1f}s = {best / semhash_seconds:.1f}x semhash"
    )


def _peak_bytes() -> int:
    """This process's peak resident memory. Linux's VmHWM starts afresh when a process
    execs (a spawned step); ``ru_maxrss`` would carry over the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def step_peaks(texts: list[str], full_peak: int) -> None:
    """Peak memory of semhash and of the fast tier's proposal steps, each in a fresh
    process on the same texts, next to this process's peak after advisor's full-tier
    embedding (its exact search adds one block of at most 64 MB)."""
    import multiprocessing

    fast = load_catalogue().thresholds.semantic_fast_cosine
    print(f"   peak memory: advisor full tier {full_peak / 1e9:.2f} GB (after embedding)", end="")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "texts.jsonl"
        path.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        for step in ("semhash", "static", "model2vec"):
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                _, peak, _, _ = pool.apply(_timed_step, (step, str(path), fast))
            name = {"static": "static-table proposal", "model2vec": "model2vec proposal"}
            print(f"; {name.get(step, step)} {peak / 1e9:.2f} GB", end="")
    print(" (each in a fresh process)")


# --------------------------------------------------------------------------- --million


def million(count: int) -> None:
    """Section 4: the scale check, each step in a fresh process (its own peak memory)."""
    import multiprocessing

    thresholds = load_catalogue().thresholds
    threshold, fast = thresholds.semantic_cosine, thresholds.semantic_fast_cosine
    rows = build_rows(count)
    real = len(build_texts(0))
    print(
        f"{len(rows):,} distinct rows, median {int(np.median([len(t) for t in rows]))} chars: "
        f"{min(real, count):,} real texts, then pairs of them (each text in ~"
        f"{max(1.0, 1 + 2 * (count - real) / real):.0f} rows, so the file is templated)"
    )
    model2vec_from_minilm()  # distilled once, outside the timings
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.jsonl"
        path.write_text("".join(json.dumps(t) + "\n" for t in rows), encoding="utf-8")
        del rows
        spawn = multiprocessing.get_context("spawn")
        results = {}
        for step in ("semhash", "static", "minilm"):
            with spawn.Pool(1) as pool:
                results[step] = pool.apply(_timed_step, (step, str(path), fast))
            seconds, peak, detail = results[step][:3]
            print(f"   {step}: {seconds:.1f}s, peak {peak / 1e9:.2f} GB; {detail}")
    semhash_seconds = results["semhash"][0]
    rate = results["minilm"][3]
    full = rate * count
    print(
        f"\n4. {count:,} rows, semhash {semhash_seconds:.1f}s (measured); advisor full tier "
        f"~{full:.0f}s projected (MiniLM at the measured {1 / rate:.0f} texts/s on every row) "
        f"= {full / semhash_seconds:.0f}x semhash"
    )
    for step in ("static",):  # model2vec's proposer: sections 3 at 10k and 50k
        seconds, peak, _, touched = results[step]
        estimate = seconds + rate * touched
        print(
            f"   fast tier proposing with {step} at {fast}: proposal {seconds:.1f}s measured, "
            f"{touched / count:.1%} of rows go to MiniLM: ~{estimate:.0f}s projected = "
            f"{estimate / semhash_seconds:.0f}x semhash; peak {peak / 1e9:.2f} GB"
        )
    print(f"   (threshold for the confirmed pairs: {threshold})")


def _timed_step(step: str, path: str, fast: float) -> tuple[float, int, str, float]:
    """One timed step in a fresh process: (seconds, peak bytes, what it found, a number
    the summary needs: texts touched, or MiniLM's seconds per text)."""
    texts = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    started = time.perf_counter()
    if step == "semhash":
        from semhash import SemHash

        model = model2vec_from_minilm()
        result = SemHash.from_records(records=texts, model=model).self_deduplicate(threshold=0.9)
        detail, number = f"drops {len(texts) - len(result.selected):,} rows", 0.0
    elif step in ("static", "model2vec"):
        if step == "static":
            from advisor.similarity.static_embeddings import load_static

            vectors = load_static(load_embedder()).encode(texts)
        else:
            vectors = unit(model2vec_from_minilm().encode(texts))  # type: ignore[attr-defined]
        pairs = [(i, j) for i, j, _ in dedup.similar_pairs(vectors, fast)]
        touched = len({k for pair in pairs for k in pair})
        detail = f"{len(pairs):,} proposed pairs touch {touched:,} rows"
        number = float(touched)
    else:
        sample = [texts[k] for k in np.random.default_rng(0).choice(len(texts), 2000, False)]
        embedder = load_embedder()
        with tempfile.TemporaryDirectory() as folder:  # an empty cache: every text embedded
            cache = EmbeddingCache(Path(folder) / "cache.sqlite")
            embed(embedder, ["warm up", "the model"], progress=False, cache=cache)
            started = time.perf_counter()
            embed(embedder, sample, progress=False, cache=cache)
            number = (time.perf_counter() - started) / len(sample)
            cache.close()
        detail = f"MiniLM embeds {1 / number:.0f} texts/s (2,000 random rows)"
    seconds = time.perf_counter() - started
    return seconds, _peak_bytes(), detail, number


if __name__ == "__main__":
    main()
