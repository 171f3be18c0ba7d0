"""Does contrastive fine-tuning of MiniLM beat the frozen encoder on Banking77?

Train/test as given in ../shared/data/banking77: k examples per class from
train.csv (first k in file order), the whole test.csv held out. Prints held-out
accuracy and macro-F1 of zero-shot label similarity, the frozen encoder + the
same logistic head, and the fine-tuned encoder, with the training time.

    python bench/train_classifier.py [--per-class 8 16 64] [--classes 77]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("ADVISOR_SHARED_DATA", REPO.parent / "shared" / "data")) / "banking77"

from advisor.similarity.embeddings import load_embedder  # noqa: E402
from advisor.train.classifier import run_classifier  # noqa: E402


def read(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [(t, label) for t, label in list(csv.reader(handle))[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-class", type=int, nargs="+", default=[8, 16, 64])
    parser.add_argument("--classes", type=int, default=77)
    args = parser.parse_args()
    train_rows, test_rows = read("train.csv"), read("test.csv")
    classes = sorted({label for _, label in train_rows})[: args.classes]
    wanted = set(classes)
    test = [(t, label) for t, label in test_rows if label in wanted]
    embedder = load_embedder()
    print(f"Banking77, {len(classes)} classes, {len(test):,} held-out test examples")
    header = "per class | zero-shot acc | frozen acc | fine-tuned acc | fine-tuned macro-F1"
    print(f"| {header} | gain CI95 | training |")
    print("|---|---|---|---|---|---|---|")
    for k in args.per_class:
        counts: Counter[str] = Counter()
        train = []
        for text, label in train_rows:
            if label in wanted and counts[label] < k:
                train.append((text, label))
                counts[label] += 1
        started = time.perf_counter()
        metrics, *_ = run_classifier(
            embedder,
            [t for t, _ in train],
            [label for _, label in train],
            [t for t, _ in test],
            [label for _, label in test],
            progress=False,
        )
        elapsed = time.perf_counter() - started
        m = metrics["models"]
        accuracies = " | ".join(
            f"{m[name]['accuracy']:.3f}"
            for name in ("baseline_zero_shot", "baseline_frozen", "fine_tuned")
        )
        seconds = metrics["training"]["seconds"]
        gain = metrics["accuracy_gain_over_frozen_ci95"]
        print(
            f"| {k} | {accuracies} | {m['fine_tuned']['macro_f1']:.3f} | {gain} "
            f"| {seconds:.0f} s ({elapsed:.0f} s in all) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
