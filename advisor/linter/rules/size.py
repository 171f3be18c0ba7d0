"""Size and balance (S): too few unique examples for the provider or for the
guidance, too few examples of a class, and a class far rarer than the rest."""

from __future__ import annotations

from collections import Counter

from advisor.linter.rules.base import Sink
from advisor.rulebook import rule

S001 = rule("S001", "below-provider-minimum", scope="file", needs=("keys",))
S002 = rule("S002", "below-recommended-size", scope="file", needs=("keys",))
S003 = rule("S003", "few-examples-per-class", scope="file")
S004 = rule("S004", "class-imbalance", scope="file")


def check_size(sink: Sink, unique: int, minimum: int, recommended: int, model: str) -> None:
    """S001 below the provider's minimum, else S002 below the recommended size."""
    if unique < minimum:
        sink.add(S001, None, f"{unique} unique valid example(s); {model} needs at least {minimum}.")
    elif unique < recommended:
        sink.add(
            S002,
            None,
            f"{unique} unique valid examples; guidance is at least {recommended} "
            "(improvements usually show from 50 to 100).",
        )


def check_balance(sink: Sink, labels: Counter[str], floor: int, imbalance_fraction: float) -> None:
    """S003 for each class under ``floor`` examples; S004 when the rarest class holds
    less than ``imbalance_fraction`` × 1/K of the examples (cleanlab's rule)."""
    total = sum(labels.values())
    classes = len(labels)
    for label, count in sorted(labels.items(), key=lambda item: item[1]):
        if count < floor:
            sink.add(
                S003,
                None,
                f"Class {label!r} has {count} example(s); at least {floor} are needed to "
                "learn and test it.",
            )
    if classes > 1:
        label, count = min(labels.items(), key=lambda item: item[1])
        share = count / total
        if share < imbalance_fraction / classes:
            biggest, most = max(labels.items(), key=lambda item: item[1])
            sink.add(
                S004,
                None,
                f"Class {label!r} holds {share:.1%} of {total} examples ({count} vs "
                f"{most} for {biggest!r}); rebalance or collect more.",
            )
