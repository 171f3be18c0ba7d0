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
    if result.cost is not None:
        out += ["", *render_cost(result.cost)]
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


def render_cost(cost: Any) -> list[str]:
    """The cost table: monthly and one-off cost per strategy, and the break-even volume."""
    out = [
        f"Cost at {cost.requests_per_month:,} requests a month ({cost.input_tokens:,} input / "
        f"{cost.output_tokens:,} output tokens per request, {cost.tokens_from})"
    ]
    for strategy, item in cost.strategies.items():
        once = f" + ${item.one_off_usd:,.0f} once" if item.one_off_usd else ""
        monthly = f"${item.monthly_usd:,.2f}"
        out.append(f"  {display_name(strategy):<18} {monthly:>14} a month{once}  ({item.model})")
    if cost.break_even_requests_per_month is None:
        out.append("  A fine-tuned small model costs no less per request here: it never pays back.")
    else:
        at = (
            f"; at this volume in {cost.payback_months:.1f} months"
            if cost.pays_back
            else "; this volume is below it"
        )
        out.append(
            f"  A fine-tuned small model pays for itself above "
            f"{cost.break_even_requests_per_month:,} requests a month (within "
            f"{cost.payback_horizon_months} months){at}."
        )
    out.extend(f"  {note}" for note in cost.notes)
    out.append(f"  Prices: {cost.source} (read {cost.read}).")
    return out
