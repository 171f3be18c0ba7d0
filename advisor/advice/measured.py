"""Measured facts replace claims: the one place the advice learns what was measured.

A lint of the dataset (unique, error-free examples; duplicate and error rates),
a docs probe (volume, change rate, retrieval recall) and a prompting baseline
each replace answers the team gave; every replacement is noted, so the advice
says what it was made from. ``measure`` computes all of it once per run, and the
report shows the same figures the advice read.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.advice.usecase import UseCase


@dataclass
class Measured:
    """The use case with measurements in place of claims, and what changed."""

    usecase: UseCase
    # The dataset's facts as the rules read them (None without a dataset).
    facts: dict[str, Any] | None = None
    # Field -> measured value, for every answer a measurement replaced.
    replaced: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def measure(
    usecase: UseCase,
    *,
    docs: Any = None,
    baseline: Any = None,
    target: float | None = None,
    lint_report: Any = None,
) -> Measured:
    """Apply every measurement given, in a fixed order: documents, baseline, dataset.
    ``docs`` is a ``DocsProbe``, ``baseline`` a ``Baseline``, ``lint_report`` a
    ``LintReport`` (duck-typed: the advice package does not import the measuring ones)."""
    result = Measured(usecase)
    steps = []
    if docs is not None:
        steps.append(lambda current: apply_docs(current, docs))
    if baseline is not None:
        steps.append(lambda current: apply_baseline(current, baseline, target))
    if lint_report is not None:
        result.facts = dataset_facts(lint_report)
        facts = result.facts
        steps.append(lambda current: apply_facts(current, facts))
    for step in steps:
        result.usecase, replaced, notes = step(result.usecase)
        result.replaced.update(replaced)
        result.notes += notes
    return result


def dataset_facts(report: Any) -> dict[str, Any]:
    """The measured numbers the rules read, from a lint report's facts."""
    facts = report.facts
    if facts is None or not facts.examples:
        return {"unique_examples": 0, "duplicate_rate": 0.0, "error_rate": 0.0}
    duplicates = facts.duplicates
    errors = sum(1 for f in report.findings if f.severity == "error" and f.line is not None)
    if duplicates is None or facts.unique_examples is None:  # not checked: no figure
        unique, duplicate_rate = None, None
    else:
        similar = (duplicates.near or 0) + (duplicates.semantic or 0)
        unique = max(0, facts.unique_examples - similar)
        duplicate_rate = round((duplicates.exact + similar) / max(1, facts.valid_examples), 4)
    counted = facts.tokens_counted
    total = facts.tokens_per_example.median if counted and facts.tokens_per_example else None
    output = (
        facts.assistant_tokens_per_example.median
        if counted and facts.assistant_tokens_per_example
        else None
    )
    return {
        "unique_examples": unique,
        "duplicate_rate": duplicate_rate,
        "error_rate": round(min(1.0, errors / facts.examples), 4),
        "input_tokens_median": None if total is None or output is None else max(total - output, 1),
        "output_tokens_median": output or None,
    }


QUALITY_LEVELS = ("low", "medium", "high")


def measured_quality_ceiling(duplicate_rate: float, error_rate: float) -> str:
    """The best example quality the measured data allows, whatever was claimed: more
    than 5% of examples with errors or 30% duplicates is low; more than 10%
    duplicates is at most medium."""
    if error_rate > 0.05 or duplicate_rate > 0.3:
        return "low"
    if duplicate_rate > 0.1:
        return "medium"
    return "high"


def apply_facts(
    usecase: UseCase, facts: dict[str, Any]
) -> tuple[UseCase, dict[str, Any], list[str]]:
    """Measured facts beat claims: the unique, error-free example count replaces
    ``labelled_examples``; duplicates and errors cap ``example_quality`` at what the
    data allows, the same cap whatever quality was claimed."""
    notes: list[str] = []
    updates: dict[str, Any] = {}
    measured = facts.get("unique_examples")
    if measured is not None and measured != usecase.labelled_examples:
        notes.append(
            f"labelled_examples: you said {usecase.labelled_examples}, the dataset holds "
            f"{measured} unique, error-free examples; advising on {measured}."
        )
        updates["labelled_examples"] = int(measured)
    quality = usecase.example_quality
    measured_duplicates = facts.get("duplicate_rate")  # None: duplicates were not checked
    duplicate_rate = measured_duplicates or 0.0
    error_rate = facts.get("error_rate") or 0.0
    ceiling = measured_quality_ceiling(duplicate_rate, error_rate)
    if QUALITY_LEVELS.index(ceiling) < QUALITY_LEVELS.index(quality):
        measured = (
            f"{duplicate_rate:.0%} duplicates and {error_rate:.0%} examples with errors were "
            "measured."
            if measured_duplicates is not None
            else f"{error_rate:.0%} examples with errors were measured (duplicates not checked)."
        )
        notes.append(f"example_quality: {ceiling}, not {quality} as answered: {measured}")
        updates["example_quality"] = ceiling
    return UseCase.model_validate({**usecase.model_dump(), **updates}), updates, notes


def apply_baseline(
    usecase: UseCase, baseline: Any, target: float | None = None
) -> tuple[UseCase, dict[str, Any], list[str]]:
    """A measured prompting baseline answers "does prompting meet the bar?": yes or no
    when its interval is clear of the target, unknown when it straddles it."""
    target = baseline.target if target is None else target
    low, high = baseline.interval
    measured_score = (
        f"{baseline.metric} {baseline.score:.3f} [{low:.3f}, {high:.3f}] over {baseline.n} "
        f"examples on {baseline.model}"
    )
    if target is None:
        return usecase, {}, [f"A prompting baseline was given ({measured_score}) but no target."]
    meets = baseline.meets_bar(target)
    verdict = {
        True: "meets",
        False: "falls short of",
        None: "cannot tell, with these examples, about",
    }[meets]
    updates = {"prompting_meets_quality_bar": meets, "prompt_engineering_tried": True}
    notes = [
        f"prompting_meets_quality_bar: measured, not answered: {measured_score} {verdict} "
        f"the target {target}."
    ]
    changed = {k: v for k, v in updates.items() if getattr(usecase, k) != v}
    return UseCase.model_validate({**usecase.model_dump(), **updates}), changed, notes


def apply_docs(usecase: UseCase, docs: Any) -> tuple[UseCase, dict[str, Any], list[str]]:
    """Answers the documents measure replace what was answered; each change is noted."""
    measured = docs.answers()
    how = {
        "proprietary_knowledge_volume": f"{docs.tokens:,} tokens in {docs.files} file(s)",
        "knowledge_changes": (
            f"{docs.change.per_month} changes a month, from {docs.change.measured_from}"
            if docs.change
            else ""
        ),
        "retrieval_quality": (
            f"recall@{docs.retrieval.k} {docs.retrieval.recall[docs.retrieval.best]:.0%} "
            f"({docs.retrieval.best})"
            if docs.retrieval
            else ""
        ),
    }
    notes = [
        f"{name}: you said {getattr(usecase, name)}, the documents measure {value} "
        f"({how[name]}); advising on {value}."
        for name, value in measured.items()
        if getattr(usecase, name) != value
    ]
    return UseCase.model_validate({**usecase.model_dump(), **measured}), measured, notes


def with_paths(step: str, dataset: Path) -> str:
    """A next step's command with the real dataset in it: ``DATA`` becomes the path
    (quoted for the shell) and ``cleaned.jsonl`` a new file beside it."""
    cleaned = dataset.with_name(f"{dataset.stem}.clean{dataset.suffix}")
    return step.replace("DATA", shlex.quote(str(dataset))).replace(
        "cleaned.jsonl", shlex.quote(str(cleaned))
    )
