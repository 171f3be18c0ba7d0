"""The recommendation and the strategy rules as terminal text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from advisor.advice.strategies import AXIS_QUESTIONS, display_name, option_name


def render_recommendation(result: Any) -> str:
    """The recommendation as text: verdict, scores, reasons with sources, next steps."""
    name = display_name
    out = [f"Recommendation: {name(result.primary)} (confidence {result.confidence})"]
    if result.runner_up:
        out.append(f"Runner-up: {name(result.runner_up)}")
    if result.axes:
        out += ["", "Decided on two axes"]
        for axis, decision in result.axes.items():
            margin = f" (ahead by {decision.margin})" if decision.margin is not None else ""
            choice = option_name(decision.choice)
            out.append(f"  {AXIS_QUESTIONS[axis] + ':':<26} {choice}{margin}")
            out.extend(f"      {c.sentence}" for c in decision.counterfactuals)
    out += ["", "Scores"]
    for strategy, score in sorted(result.scores.items(), key=lambda item: -item[1]):
        blocked = result.blocked.get(strategy)
        note = f"  ruled out by {', '.join(blocked)}" if blocked else ""
        out.append(f"  {name(strategy):<18} {score:+d}{note}")
    out += ["", "Why"]
    for entry in result.trace:
        points = ", ".join(f"{option_name(k)} {v:+d}" for k, v in entry.scores.items() if v)
        gate = f"; rules out {', '.join(option_name(g) for g in entry.gate)}" if entry.gate else ""
        contested = " (sources disagree)" if entry.contested else ""
        out.append(f"  [{entry.rule}] {entry.reason}{contested}")
        if points or gate:
            out.append(f"      {points}{gate}")
        out.append(f"      source: {entry.source}")
    if result.notes:
        out += ["", "Measured, not claimed"]
        out.extend(f"  {note}" for note in result.notes)
    if result.next_steps:
        out += ["", "Next steps"]
        out.extend(f"  [ ] {step}" for step in result.next_steps)
    if result.counterfactuals:
        out += ["", "What would change the advice"]
        out.extend(f"  {c.sentence}" for c in result.counterfactuals)
    if result.defaulted:
        out += ["", "Not answered (defaults used): " + ", ".join(result.defaulted)]
    return "\n".join(out)


def render_strategy_rules(rules: Iterable[Any]) -> str:
    """Every strategy rule: its id, condition, reason and source."""
    out = []
    for rule in rules:
        out.append(f"{rule.id}\n  when: {rule.when or 'always'}\n  {rule.reason}")
        out.append(f"  source: {rule.source}")
    return "\n".join(out) + "\n" if out else ""
