"""The rules engine: score the four strategies from a use case and measured facts.

Rules are data (rules/strategy.toml plus any ``--rules DIR``), validated against
the ``UseCase`` model when they load. Evaluation is plain: every rule whose
condition holds adds its points and its gates; the primary strategy is the best
score that no rule ruled out (the simpler strategy wins a tie). Every point is
traced to its rule, reason and source, and counterfactuals search the smallest
changes to the answers that would change the advice.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from advisor.advice import conditions
from advisor.advice.fields import model_field_types
from advisor.advice.strategies import STRATEGIES, Strategy, display_name
from advisor.advice.usecase import UseCase
from advisor.errors import RuleFileError
from advisor.resources import read_rule_file, rules_dir

FACT_FIELDS = {
    "facts.available": conditions.FieldType(bool),
    "facts.unique_examples": conditions.FieldType((int, float), nullable=True),
    "facts.duplicate_rate": conditions.FieldType((int, float), nullable=True),
    "facts.error_rate": conditions.FieldType((int, float), nullable=True),
}


class StrategyRule(BaseModel):
    """One rule as written in a strategy file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    when: str | None = None
    scores: dict[Strategy, int] = Field(default_factory=dict)
    gate: list[Strategy] = Field(default_factory=list)
    reason: str = Field(min_length=10)
    source: str = Field(min_length=8)
    next_step: str | None = None
    contested: bool = False
    file: str = ""
    _condition: tuple[Any, ...] | None = PrivateAttr(default=None)

    def parsed(self) -> tuple[Any, ...] | None:
        return self._condition


def field_types() -> dict[str, conditions.FieldType]:
    """Condition types of every use-case field (from the pydantic model) and fact."""
    return {**FACT_FIELDS, **model_field_types(UseCase)}


def strategy_rule_files(extra: list[Path] | None = None) -> list[Path]:
    """Company-policy rule files: each file given, and every *.toml in each folder."""
    files: list[Path] = []
    for folder in extra or []:
        folder = Path(folder)
        if folder.is_file():
            files.append(folder)
        elif folder.is_dir():
            files.extend(sorted(folder.glob("*.toml")))
        else:
            raise RuleFileError(f"{folder}: no such rules file or folder.")
    return files


def load_rules(extra_dirs: list[Path] | None = None) -> list[StrategyRule]:
    """The bundled strategy rules, then every *.toml in ``extra_dirs`` (company policy)."""
    files = [rules_dir() / "strategy.toml", *strategy_rule_files(extra_dirs)]
    rules: list[StrategyRule] = []
    seen: dict[str, str] = {}
    types = field_types()
    for path in files:
        data = read_rule_file(path, "strategy rules")
        entries = data.get("rule")
        if not isinstance(entries, list) or set(data) - {"rule"}:
            raise RuleFileError(f"{path}: expected only [[rule]] tables.")
        for index, entry in enumerate(entries, start=1):
            label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
            try:
                rule = StrategyRule.model_validate({**entry, "file": str(path)})
            except (ValidationError, TypeError) as exc:
                detail = (
                    "; ".join(
                        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3]
                    )
                    if isinstance(exc, ValidationError)
                    else str(exc)
                )
                raise RuleFileError(f"{path}: rule {label}: {detail}") from exc
            if rule.id in seen:
                raise RuleFileError(f"{path}: rule {rule.id}: id already used in {seen[rule.id]}.")
            seen[rule.id] = str(path)
            try:
                rule._condition = None if rule.when is None else conditions.parse(rule.when, types)
            except conditions.ConditionError as exc:
                raise RuleFileError(f"{path}: rule {rule.id}: condition: {exc}") from exc
            rules.append(rule)
    return rules


# --------------------------------------------------------------------------- results


class TraceEntry(BaseModel):
    rule: str
    reason: str
    source: str
    scores: dict[str, int]
    gate: list[str]
    contested: bool
    file: str


class Counterfactual(BaseModel):
    """The smallest change to the answers that makes ``strategy`` the advice."""

    strategy: str
    changes: dict[str, Any]
    sentence: str


class Recommendation(BaseModel):
    primary: str
    runner_up: str | None
    confidence: Literal["low", "medium", "high"]
    scores: dict[str, int]
    blocked: dict[str, list[str]]
    trace: list[TraceEntry]
    next_steps: list[str]
    counterfactuals: list[Counterfactual]
    defaulted: list[str] = Field(default_factory=list)
    measured: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


def _values(usecase: UseCase, facts: dict[str, Any] | None) -> dict[str, Any]:
    values = usecase.model_dump()
    values["facts.available"] = facts is not None
    for key in ("unique_examples", "duplicate_rate", "error_rate"):
        values[f"facts.{key}"] = None if facts is None else facts.get(key)
    return values


def _score(
    rules: list[StrategyRule], values: dict[str, Any]
) -> tuple[dict[str, int], dict[str, list[str]], list[StrategyRule]]:
    scores = dict.fromkeys(STRATEGIES, 0)
    blocked: dict[str, list[str]] = {}
    fired = []
    for rule in rules:
        parsed = rule.parsed()
        if parsed is not None and not conditions.evaluate(parsed, values):
            continue
        fired.append(rule)
        for strategy, points in rule.scores.items():
            scores[strategy] += points
        for strategy in rule.gate:
            blocked.setdefault(strategy, []).append(rule.id)
    return scores, blocked, fired


def _primary(scores: dict[str, int], blocked: dict[str, list[str]]) -> list[str]:
    """Strategies in order of preference: open ones by score, simpler first on ties."""
    open_ = [s for s in STRATEGIES if s not in blocked] or ["prompting"]
    return sorted(open_, key=lambda s: (-scores[s], STRATEGIES.index(s)))


def recommend(
    usecase: UseCase,
    rules: list[StrategyRule],
    *,
    facts: dict[str, Any] | None = None,
    defaulted: list[str] | None = None,
    counterfactuals: bool = True,
) -> Recommendation:
    """Score, pick, explain. ``facts`` are measured by the linter and win over claims."""
    values = _values(usecase, facts)
    scores, blocked, fired = _score(rules, values)
    ranking = _primary(scores, blocked)
    primary = ranking[0]
    runner_up = ranking[1] if len(ranking) > 1 else None
    margin = scores[primary] - (scores[runner_up] if runner_up else -99)
    confidence: Literal["low", "medium", "high"] = (
        "high" if margin >= 4 else "medium" if margin >= 2 else "low"
    )
    if confidence == "high" and any(rule.contested for rule in fired):
        confidence = "medium"
    trace = [
        TraceEntry(
            rule=rule.id,
            reason=rule.reason,
            source=rule.source,
            scores=dict(rule.scores),
            gate=list(rule.gate),
            contested=rule.contested,
            file=rule.file,
        )
        for rule in fired
    ]
    steps = list(dict.fromkeys(rule.next_step for rule in fired if rule.next_step))
    found = _counterfactuals(usecase, rules, facts, primary) if counterfactuals else []
    return Recommendation(
        primary=primary,
        runner_up=runner_up,
        confidence=confidence,
        scores=scores,
        blocked=blocked,
        trace=trace,
        next_steps=steps,
        counterfactuals=found,
        defaulted=defaulted or [],
    )


# --------------------------------------------------------------------------- counterfactuals

_EXAMPLE_COUNTS = (0, 20, 50, 100, 500, 2000)


def _alternatives(usecase: UseCase) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = []
    for name, kind in field_types().items():
        if name.startswith("facts."):
            continue
        current = getattr(usecase, name)
        if kind.choices is not None:
            candidates: tuple[Any, ...] = kind.choices
        elif kind.kind is bool:
            candidates = (True, False)
        else:
            candidates = _EXAMPLE_COUNTS
        for value in candidates:
            if value != current:
                options.append((name, value))
    return options


def _describe(changes: dict[str, Any], strategy: str) -> str:
    parts = []
    for name, value in changes.items():
        if isinstance(value, bool):
            parts.append(f"{name} = {'true' if value else 'false'}")
        else:
            parts.append(f"{name} = {value!r}" if isinstance(value, str) else f"{name} = {value}")
    return f"{display_name(strategy)} would lead with " + " and ".join(parts)


def _counterfactuals(
    usecase: UseCase, rules: list[StrategyRule], facts: dict[str, Any] | None, primary: str
) -> list[Counterfactual]:
    """For each other strategy, the fewest answer changes (one, else two) that make
    it the advice. Measured facts stay as measured; changing the example count
    therefore only matters without a dataset."""
    options = _alternatives(usecase)
    base = usecase.model_dump()
    found: dict[str, Counterfactual] = {}
    for size in (1, 2):
        for combination in itertools.combinations(options, size):
            names_ = [name for name, _ in combination]
            if len(set(names_)) < size:
                continue
            changes = dict(combination)
            candidate = UseCase.model_validate({**base, **changes})
            scores, blocked, _ = _score(rules, _values(candidate, facts))
            winner = _primary(scores, blocked)[0]
            if winner != primary and winner not in found:
                found[winner] = Counterfactual(
                    strategy=winner, changes=changes, sentence=_describe(changes, winner)
                )
        if len(found) == len(STRATEGIES) - 1:
            break
    return [found[s] for s in STRATEGIES if s in found]


def dataset_facts(report: Any) -> dict[str, Any]:
    """The measured numbers the rules read, from a lint report's facts."""
    facts = report.facts
    if facts is None or not facts.examples:
        return {"unique_examples": 0, "duplicate_rate": 0.0, "error_rate": 0.0}
    duplicates = facts.duplicates
    repeated = duplicates.exact + (duplicates.near or 0) + (duplicates.semantic or 0)
    errors = sum(1 for f in report.findings if f.severity == "error" and f.line is not None)
    unique = max(0, facts.unique_examples - (duplicates.near or 0) - (duplicates.semantic or 0))
    return {
        "unique_examples": unique,
        "duplicate_rate": round(repeated / max(1, facts.valid_examples), 4),
        "error_rate": round(min(1.0, errors / facts.examples), 4),
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
    duplicate_rate = facts.get("duplicate_rate") or 0.0
    error_rate = facts.get("error_rate") or 0.0
    ceiling = measured_quality_ceiling(duplicate_rate, error_rate)
    if QUALITY_LEVELS.index(ceiling) < QUALITY_LEVELS.index(quality):
        notes.append(
            f"example_quality: {ceiling}, not {quality} as answered: {duplicate_rate:.0%} "
            f"duplicates and {error_rate:.0%} examples with errors were measured."
        )
        updates["example_quality"] = ceiling
    return UseCase.model_validate({**usecase.model_dump(), **updates}), updates, notes
