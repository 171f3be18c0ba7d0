"""Task metrics for generated text: exact match and chrF, with bootstrap intervals.

chrF follows sacreBLEU's default (character 6-grams, whitespace removed, beta 2,
F-score of the precision and recall averaged over the orders present); the
tests check it against sacreBLEU itself. Scores are per example and averaged,
so the same per-example numbers feed a paired bootstrap of the gain.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

CHAR_ORDER = 6
BETA = 2.0


def normalise_answer(text: str) -> str:
    """Whitespace-insensitive form used by exact match (case is kept: labels are exact)."""
    return " ".join(text.split())


def exact_match(hypothesis: str, reference: str) -> float:
    return 1.0 if normalise_answer(hypothesis) == normalise_answer(reference) else 0.0


def _char_ngrams(text: str, n: int) -> Counter[str]:
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence-level chrF (0-100), as sacreBLEU computes it by default."""
    hyp, ref = "".join(hypothesis.split()), "".join(reference.split())
    eps = 1e-16
    precision_sum = recall_sum = 0.0
    effective = 0
    for n in range(1, CHAR_ORDER + 1):
        hyp_grams, ref_grams = _char_ngrams(hyp, n), _char_ngrams(ref, n)
        hyp_count, ref_count = sum(hyp_grams.values()), sum(ref_grams.values())
        matches = sum((hyp_grams & ref_grams).values())
        precision = matches / hyp_count if hyp_count else eps
        recall = matches / ref_count if ref_count else eps
        if hyp_count and ref_count:
            precision_sum += precision
            recall_sum += recall
            effective += 1
    if not effective:
        return 0.0
    precision, recall = precision_sum / effective, recall_sum / effective
    if precision + recall == 0:
        return 0.0
    factor = BETA**2
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def choose_task_metric(references: list[str]) -> str:
    """``exact_match`` when the answers are short labels, else ``chrf``.

    Short labels: every answer is one line of at most 40 characters and they
    repeat (fewer distinct answers than half the examples) — classification or
    extraction written as generation, where anything but the exact string is wrong.
    """
    if not references:
        return "chrf"
    short = all("\n" not in r.strip() and len(r.strip()) <= 40 for r in references)
    repeated = len({normalise_answer(r) for r in references}) <= max(1, len(references) // 2)
    return "exact_match" if short and repeated else "chrf"


def score_all(hypotheses: list[str], references: list[str]) -> dict[str, list[float]]:
    """Per-example exact match (0/1) and chrF (0-100)."""
    return {
        "exact_match": [exact_match(h, r) for h, r in zip(hypotheses, references, strict=True)],
        "chrf": [chrf(h, r) for h, r in zip(hypotheses, references, strict=True)],
    }


def wilson_interval(successes: int, n: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval of a proportion: honest at 0 and 1, where a bootstrap
    of 18 correct answers out of 18 would claim [1.0, 1.0]."""
    if n == 0:
        return [0.0, 0.0]
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return [round(float(max(0.0, centre - half)), 4), round(float(min(1.0, centre + half)), 4)]


def smallest_visible_difference(n: int) -> float:
    """Roughly the smallest accuracy difference a held-out set of ``n`` can show: the
    half-width of a 95% interval at 50% accuracy, doubled for comparing two models."""
    return float(2 * 1.96 * np.sqrt(0.25 / n)) if n else 1.0


def too_small_note(n: int) -> str:
    """A sentence for a verdict of no difference on a small held-out set ('' if big)."""
    visible = smallest_visible_difference(n)
    if visible <= 0.1:
        return ""
    return (
        f"; with {n} held-out examples only a difference above about {visible:.0%} could "
        "show: too few to tell the models apart, so add held-out data (--eval) to decide"
    )


def mean_interval(
    values: list[float], rounds: int = 1000, seed: int = 7
) -> tuple[float, list[float]]:
    """Mean and its 95% bootstrap interval."""
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return 0.0, [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = array[rng.integers(0, array.size, (rounds, array.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(array.mean()), 4), [round(float(low), 4), round(float(high), 4)]


def score_interval(values: list[float], proportion: bool) -> tuple[float, list[float]]:
    """Mean score and its 95% interval: Wilson for a proportion (0/1 scores such as
    exact match), honest at 0 and 1; a bootstrap for graded scores."""
    if not proportion:
        return mean_interval(values)
    if not values:
        return 0.0, [0.0, 0.0]
    return round(sum(values) / len(values), 4), wilson_interval(int(sum(values)), len(values))


def paired_gain_interval(
    tuned: list[float], baseline: list[float], rounds: int = 1000, seed: int = 7
) -> list[float]:
    """95% bootstrap interval of mean(tuned - baseline) over the same examples."""
    difference = np.asarray(tuned, dtype=float) - np.asarray(baseline, dtype=float)
    if difference.size == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = difference[rng.integers(0, difference.size, (rounds, difference.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]
