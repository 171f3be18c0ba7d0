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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.advice import conditions
from advisor.advice.cost import CostEstimate, estimate
from advisor.advice.fields import model_field_types
from advisor.advice.strategies import (
    AXES,
    STRATEGIES,
    display_name,
    option_name,
    options_of,
)
from advisor.advice.usecase import UseCase
from advisor.errors import RuleFileError
from advisor.providers.models import load_providers
from advisor.resources import read_rule_file, rules_dir

FACT_FIELDS = {
    "facts.available": conditions.FieldType(bool),
    # From the cost model (None when the volume is unknown).
    "facts.fine_tune_pays_back": conditions.FieldType(bool, nullable=True),
    "facts.unique_examples": conditions.FieldType((int, float), nullable=True),
    "facts.duplicate_rate": conditions.FieldType((int, float), nullable=True),
    "facts.error_rate": conditions.FieldType((int, float), nullable=True),
}


class StrategyRule(BaseModel):
    """One rule as written in a strategy file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    when: str | None = None
    # "context" (what the model must know) or "behaviour" (how it must act): the
    # rule scores that axis's options. Without an axis, a rule scores strategies
    # directly (interactions between the axes, and company policies written so).
    axis: Literal["context", "behaviour"] | None = None
    scores: dict[str, int] = Field(default_factory=dict)
    gate: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=10)
    source: str = Field(min_length=8)
    next_step: str | None = None
    contested: bool = False
    file: str = ""
    _condition: tuple[Any, ...] | None = PrivateAttr(default=None)

    def parsed(self) -> tuple[Any, ...] | None:
        return self._condition

    @model_validator(mode="after")
    def _options_fit_the_axis(self) -> StrategyRule:
        allowed = AXES[self.axis] if self.axis else STRATEGIES
        what = f"the {self.axis} axis" if self.axis else "strategies"
        for field, names in (("scores", list(self.scores)), ("gate", self.gate)):
            for name in names:
                if name not in allowed:
                    raise ValueError(
                        f"{field}: {name!r} is not one of {what} ({', '.join(allowed)})"
                    )
        return self


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
    axis: str | None = None


class Counterfactual(BaseModel):
    """The smallest change to the answers that makes ``strategy`` the advice."""

    strategy: str
    changes: dict[str, Any]
    sentence: str


class AxisDecision(BaseModel):
    """One axis decided on its own: its options' points, what rules an option out,
    the choice, its margin over the next open option, and what would change it."""

    choice: str
    scores: dict[str, int]
    blocked: dict[str, list[str]]
    margin: int | None
    rules: list[str]
    counterfactuals: list[Counterfactual] = Field(default_factory=list)


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
    # The two decisions the primary combines: "context" and "behaviour".
    axes: dict[str, AxisDecision] = Field(default_factory=dict)
    # Monthly and one-off cost per strategy at the answered volume (None: unknown).
    cost: CostEstimate | None = None


def _values(usecase: UseCase, facts: dict[str, Any] | None) -> dict[str, Any]:
    values = usecase.model_dump()
    values["facts.available"] = facts is not None
    for key in ("unique_examples", "duplicate_rate", "error_rate"):
        values[f"facts.{key}"] = None if facts is None else facts.get(key)
    cost = estimate(usecase, load_providers(), facts)
    values["facts.fine_tune_pays_back"] = None if cost is None else cost.pays_back
    return values


class Scored(BaseModel):
    """Everything the rules that fired add up to, per axis and per strategy."""

    scores: dict[str, int]
    blocked: dict[str, list[str]]
    axis_scores: dict[str, dict[str, int]]
    axis_blocked: dict[str, dict[str, list[str]]]
    fired: list[Any]


def _score(rules: list[StrategyRule], values: dict[str, Any]) -> Scored:
    """Add up each axis, then each strategy: the best open option of its context
    (no retrieval, or retrieval) plus its behaviour option, plus direct points."""
    axis_scores = {axis: dict.fromkeys(options, 0) for axis, options in AXES.items()}
    axis_blocked: dict[str, dict[str, list[str]]] = {axis: {} for axis in AXES}
    direct = dict.fromkeys(STRATEGIES, 0)
    direct_blocked: dict[str, list[str]] = {}
    fired = []
    for rule in rules:
        parsed = rule.parsed()
        if parsed is not None and not conditions.evaluate(parsed, values):
            continue
        fired.append(rule)
        points = axis_scores[rule.axis] if rule.axis else direct
        gates = axis_blocked[rule.axis] if rule.axis else direct_blocked
        for name, value in rule.scores.items():
            points[name] += value
        for name in rule.gate:
            gates.setdefault(name, []).append(rule.id)
    scores: dict[str, int] = {}
    blocked: dict[str, list[str]] = {}
    for strategy in STRATEGIES:
        contexts, behaviour = options_of(strategy)
        open_contexts = [c for c in contexts if c not in axis_blocked["context"]]
        context_score = max(axis_scores["context"][c] for c in open_contexts or contexts)
        scores[strategy] = context_score + axis_scores["behaviour"][behaviour] + direct[strategy]
        reasons = [] if open_contexts else [r for c in contexts for r in axis_blocked["context"][c]]
        reasons += axis_blocked["behaviour"].get(behaviour, [])
        reasons += direct_blocked.get(strategy, [])
        if reasons:
            blocked[strategy] = list(dict.fromkeys(reasons))
    return Scored(
        scores=scores,
        blocked=blocked,
        axis_scores=axis_scores,
        axis_blocked=axis_blocked,
        fired=fired,
    )


def _axis_choice(scored: Scored, axis: str) -> tuple[str, int | None]:
    """The best open option of an axis (simpler first on ties) and its margin."""
    options = AXES[axis]
    open_ = [o for o in options if o not in scored.axis_blocked[axis]] or list(options)
    ranked = sorted(open_, key=lambda o: (-scored.axis_scores[axis][o], options.index(o)))
    best = ranked[0]
    margin = (
        None
        if len(ranked) == 1
        else (scored.axis_scores[axis][best] - scored.axis_scores[axis][ranked[1]])
    )
    return best, margin


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
    """Decide each axis, combine them, explain. ``facts`` are measured by the linter and
    win over claims."""
    values = _values(usecase, facts)
    scored = _score(rules, values)
    ranking = _primary(scored.scores, scored.blocked)
    primary = ranking[0]
    runner_up = ranking[1] if len(ranking) > 1 else None
    margins = [_axis_choice(scored, axis)[1] for axis in AXES]
    margin = min((m for m in margins if m is not None), default=99)
    confidence = _confidence(margin, primary, rules, values)
    trace = [
        TraceEntry(
            rule=rule.id,
            reason=rule.reason,
            source=rule.source,
            scores=dict(rule.scores),
            gate=list(rule.gate),
            contested=rule.contested,
            file=_shown_file(rule.file),
            axis=rule.axis,
        )
        for rule in scored.fired
    ]
    axes = {}
    for axis in AXES:
        choice, axis_margin = _axis_choice(scored, axis)
        axes[axis] = AxisDecision(
            choice=choice,
            scores=scored.axis_scores[axis],
            blocked=scored.axis_blocked[axis],
            margin=axis_margin,
            rules=[rule.id for rule in scored.fired if rule.axis == axis],
        )
    steps = list(dict.fromkeys(rule.next_step for rule in scored.fired if rule.next_step))
    found: list[Counterfactual] = []
    if counterfactuals:
        found, per_axis = _counterfactuals(usecase, rules, facts, primary, axes)
        for axis, items in per_axis.items():
            axes[axis].counterfactuals = items
    return Recommendation(
        primary=primary,
        runner_up=runner_up,
        confidence=confidence,
        scores=scored.scores,
        blocked=scored.blocked,
        trace=trace,
        next_steps=steps,
        counterfactuals=found,
        defaulted=defaulted or [],
        axes=axes,
        cost=estimate(usecase, load_providers(), facts),
    )


def _shown_file(path: str) -> str:
    """A rule's file as shown: a bundled one by name (the same on every machine), a
    policy file by its path."""
    bundled = rules_dir().resolve()
    return f"rules/{Path(path).name}" if Path(path).resolve().parent == bundled else path


def _confidence(
    margin: int, primary: str, rules: list[StrategyRule], values: dict[str, Any]
) -> Literal["low", "medium", "high"]:
    """From the smaller of the two axes' margins (an axis with one open option is
    decided); never high when a contested rule decides the outcome (without the
    contested rules, another strategy would win)."""
    level: Literal["low", "medium", "high"] = (
        "high" if margin >= 4 else "medium" if margin >= 2 else "low"
    )
    if level == "high":
        settled = _score([r for r in rules if not r.contested], values)
        if _primary(settled.scores, settled.blocked)[0] != primary:
            level = "medium"
    return level


# --------------------------------------------------------------------------- counterfactuals

_EXAMPLE_COUNTS = (0, 20, 50, 100, 500, 2000)
_VOLUMES = (0, 10_000, 100_000, 1_000_000)


# Answers a dataset measures: no counterfactual asks to change them once measured.
MEASURED_FIELDS = ("labelled_examples", "example_quality")


def _alternatives(usecase: UseCase, measured: bool = False) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = []
    for name, kind in field_types().items():
        if name.startswith("facts.") or (measured and name in MEASURED_FIELDS):
            continue
        current = getattr(usecase, name)
        if kind.choices is not None:
            candidates: tuple[Any, ...] = kind.choices
        elif kind.kind is bool:
            candidates = (True, False)
        elif name == "labelled_examples":
            candidates = _EXAMPLE_COUNTS
        elif name == "requests_per_month":
            candidates = _VOLUMES
        else:
            continue  # tokens per request only refine the cost estimate
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
    usecase: UseCase,
    rules: list[StrategyRule],
    facts: dict[str, Any] | None,
    primary: str,
    axes: dict[str, AxisDecision],
) -> tuple[list[Counterfactual], dict[str, list[Counterfactual]]]:
    """For each other strategy, and for each other option of each axis, the fewest
    answer changes (one, else two) that make it the advice. Measured facts stay as
    measured; changing the example count therefore only matters without a dataset."""
    options = _alternatives(usecase, measured=facts is not None)
    base = usecase.model_dump()
    found: dict[str, Counterfactual] = {}
    per_axis: dict[str, dict[str, Counterfactual]] = {axis: {} for axis in AXES}
    wanted = len(STRATEGIES) - 1 + sum(len(o) - 1 for o in AXES.values())
    for size in (1, 2):
        for combination in itertools.combinations(options, size):
            names_ = [name for name, _ in combination]
            if len(set(names_)) < size:
                continue
            changes = dict(combination)
            candidate = UseCase.model_validate({**base, **changes})
            scored = _score(rules, _values(candidate, facts))
            winner = _primary(scored.scores, scored.blocked)[0]
            if winner != primary and winner not in found:
                found[winner] = Counterfactual(
                    strategy=winner, changes=changes, sentence=_describe(changes, winner)
                )
            for axis in AXES:
                choice, _ = _axis_choice(scored, axis)
                if choice != axes[axis].choice and choice not in per_axis[axis]:
                    sentence = _describe_axis(changes, axis, axes[axis].choice, choice)
                    per_axis[axis][choice] = Counterfactual(
                        strategy=choice, changes=changes, sentence=sentence
                    )
        if len(found) + sum(len(v) for v in per_axis.values()) == wanted:
            break
    ordered = [found[s] for s in STRATEGIES if s in found]
    return ordered, {
        axis: [items[o] for o in AXES[axis] if o in items] for axis, items in per_axis.items()
    }


def _describe_axis(changes: dict[str, Any], axis: str, current: str, other: str) -> str:
    """ "Retrieval would no longer be needed with …", "fine-tuning would be advised with …"."""
    what = _describe(changes, "prompting").split(" would lead with ", 1)[1]
    if axis == "context" and current == "retrieval":
        return f"retrieval would no longer be needed ({option_name(other)}) with {what}"
    if axis == "behaviour" and other == "fine_tune":
        return f"fine-tuning would be advised with {what}"
    if axis == "behaviour":
        return f"prompting alone would do with {what}"
    return f"{option_name(other)} would be advised with {what}"
