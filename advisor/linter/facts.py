"""The JSON contract of `advisor lint`: findings plus measured dataset facts.

These pydantic models are the boundary other tools read (the rules engine, the
HTML report, CI scripts), so field names here are a stable contract documented
in the README. Inside the linter, plain dataclasses and counters do the work.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Distribution(BaseModel):
    """min / max / mean / median and the 5th and 95th percentiles."""

    min: float = 0
    max: float = 0
    mean: float = 0
    median: float = 0
    p5: float = 0
    p95: float = 0

    @classmethod
    def of(cls, values: list[int] | Any) -> Distribution:
        data = sorted(values)
        if not data:
            return cls()
        n = len(data)

        def quantile(q: float) -> float:
            position = (n - 1) * q
            low = int(position)
            high = min(low + 1, n - 1)
            return round(data[low] + (data[high] - data[low]) * (position - low), 2)

        return cls(
            min=data[0],
            max=data[-1],
            mean=round(sum(data) / n, 2),
            median=quantile(0.5),
            p5=quantile(0.05),
            p95=quantile(0.95),
        )


class DuplicateFacts(BaseModel):
    exact: int = Field(
        0,
        description="examples identical to an earlier one after normalising whitespace, "
        "case and Unicode form (D001)",
    )
    identical: int = Field(0, description="the part of `exact` that is byte-for-byte identical")
    conflicting: int = Field(
        0, description="same input as an earlier example, different output (D002)"
    )
    duplicate_inputs: int = Field(
        0, description="examples whose input appeared earlier, any output"
    )
    leaked_into_eval: int = Field(
        0, description="eval examples whose input is in the training file (D003)"
    )
    near: int | None = Field(None, description="near duplicates (MinHash); None when not checked")
    semantic: int | None = Field(None, description="semantic duplicates; None when not checked")


class CostFacts(BaseModel):
    model: str
    encoding: str
    exact_tokenizer: bool
    token_limit: int
    epochs: int
    epochs_source: str
    billable_tokens_per_epoch: int
    charged_tokens: int
    price_per_million_usd: float | None
    estimated_cost_usd: float | None
    price_source: str
    price_read: str


class DatasetFacts(BaseModel):
    """Measured numbers about one file; the rules engine trusts these over claims."""

    file: str
    format: str | None
    kind: str | None
    container: str | None
    encoding: str = "utf-8"
    line_endings: str = "lf"
    examples: int = 0
    valid_examples: int = 0
    invalid_examples: int = 0
    unique_examples: int | None = Field(
        0, description="valid examples less exact duplicates; null when duplicates were not checked"
    )
    duplicate_rate: float | None = Field(
        0.0, description="exact duplicates / valid examples; null when not checked"
    )
    messages_per_example: Distribution = Field(default_factory=Distribution)
    tokens_per_example: Distribution = Field(default_factory=Distribution)
    token_histogram: list[dict[str, int]] = Field(
        default_factory=list,
        description="tokens per example in bins: [{'low', 'high', 'count'}], for charts",
    )
    assistant_tokens_per_example: Distribution = Field(default_factory=Distribution)
    total_tokens: int = 0
    tokens_counted: bool = Field(
        True,
        description="False when T001 was not selected: the token figures are then empty "
        "and `cost` is null, not zero",
    )
    missing_system: int = 0
    missing_user: int = 0
    over_token_limit: int = 0
    duplicates: DuplicateFacts | None = Field(
        default_factory=DuplicateFacts,
        description="null when no rule that reads duplicates was selected (D001-D005, Q012, "
        "S001, S002, T001): not zero, unchecked",
    )
    labels: dict[str, int] | None = None
    text_column: str | None = None
    label_column: str | None = None
    cost: CostFacts | None = None
    notes: list[str] = Field(default_factory=list)


class FindingModel(BaseModel):
    code: str
    severity: str
    file: str
    line: int | None
    message: str
    fixable: bool = False
    field: str | None = None
    duplicate_of: dict[str, Any] | None = None
    similarity: float | None = None
    kind: str | None = None


class LintReport(BaseModel):
    """What `advisor lint --format json` prints and `advisor.lint()` returns."""

    advisor_version: str
    findings: list[FindingModel]
    facts: DatasetFacts | None = Field(description="facts of the (first) training file")
    eval_facts: DatasetFacts | None = None
    files: list[DatasetFacts] = Field(default_factory=list, description="facts of every file")
    summary: dict[str, int] = Field(default_factory=dict)


def histogram(values: Any, bins: int = 24) -> list[dict[str, int]]:
    """Counts of ``values`` in equal-width bins from 0 to the largest value."""
    if not len(values):
        return []
    top = max(max(values), 1)
    width = max(1, -(-top // bins))
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, value // width)] += 1
    return [
        {"low": index * width, "high": (index + 1) * width, "count": count}
        for index, count in enumerate(counts)
    ]
