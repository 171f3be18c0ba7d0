"""The baseline workflow: the prompt over the evaluation set, on an endpoint or offline.

It chooses the model (an endpoint's, or the local one), estimates the cost and
refuses above ``max_cost`` before anything is sent, reads the key from the
environment only (and scrubs it from everything written), runs with the
answer cache beside the output, and writes the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.errors import InputError, UsageError
from advisor.workflows.settings import BaselineSettings

if TYPE_CHECKING:
    from advisor.measure.baseline import Baseline


@dataclass
class BaselinePlan:
    """What will be sent, before anything is: the caller shows it."""

    requests: int
    model: str
    where: str
    cost: float | None

    def sentence(self) -> str:
        return f"{self.requests} requests to {self.model} on {self.where}; cost {self.shown_cost}."

    @property
    def shown_cost(self) -> str:
        if self.cost is None:
            return "unknown (no price for this model)"
        return f"about ${self.cost:.2f}"


def _prompt_text(settings: BaselineSettings) -> str:
    if settings.prompt is None:
        return ""
    try:
        return settings.prompt.read_text(encoding="utf-8-sig").strip()
    except OSError as exc:
        raise InputError(f"{settings.prompt}: cannot read the prompt ({exc.strerror}).") from exc


def measure_baseline(
    settings: BaselineSettings,
    *,
    on_plan: Callable[[BaselinePlan], None] = lambda _plan: None,
    progress: Callable[[int], None] = lambda _n: None,
) -> Baseline:
    """Run the baseline and write ``settings.output``; ``on_plan`` hears the plan
    (requests, model, cost) before any request is sent."""
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.measure.baseline import (
        AnswerCache,
        build_cases,
        estimate_cost,
        openai_asker,
        run_baseline,
    )

    output = settings.output
    cache_path = output.with_name(output.name + ".cache.jsonl")
    refuse_to_overwrite(
        [("-o", output), ("the answer cache", cache_path)],
        [("--eval", settings.eval), ("--train", settings.train), ("--prompt", settings.prompt)],
    )
    prompt_text = _prompt_text(settings)
    cases = build_cases(
        settings.eval,
        system_prompt=prompt_text or None,
        train_path=settings.train,
        few_shot=settings.few_shot,
    )
    local, model = settings.local, settings.model
    if local == (model is not None):
        raise UsageError("give --model (an endpoint's model) or --local (offline), not both.")
    if not local and (settings.local_model or settings.adapter):
        raise UsageError("--local-model and --adapter go with --local.")
    base_url, concurrency = settings.base_url, settings.concurrency
    if local:
        model = f"local:{settings.local_model or 'SmolLM2-135M-Instruct'}" + (
            f"+{settings.adapter}" if settings.adapter else ""
        )
        base_url, concurrency = None, 1
    assert model is not None
    plan = BaselinePlan(
        len(cases),
        model,
        "this machine" if local else base_url or "OpenAI",
        0.0 if local else estimate_cost(cases, model),
    )
    on_plan(plan)
    if settings.max_cost is not None and (plan.cost is None or plan.cost > settings.max_cost):
        raise UsageError(
            f"the estimated cost ({plan.shown_cost}) is above --max-cost "
            f"${settings.max_cost:.2f}; nothing was sent."
        )
    ask: Any
    if local:
        from advisor.train.local_model import local_asker

        ask, key = local_asker(settings.local_model, settings.adapter), ""
    else:
        ask = openai_asker(
            model, base_url, settings.api_key_env, settings.retries, settings.timeout
        )
        key = os.environ.get(settings.api_key_env, "")
    result = run_baseline(
        cases,
        ask,
        model=model,
        base_url=base_url,
        metric=settings.metric,
        target=settings.target,
        prompt_text=prompt_text,
        few_shot=settings.few_shot,
        cache=AnswerCache(cache_path),
        concurrency=concurrency,
        estimated_cost=plan.cost,
        progress=progress,
        scrub=lambda text: text.replace(key, "***") if key else text,
    )
    write_atomic(output, result.model_dump_json(indent=2) + "\n")
    return result


def baseline(**given: Any) -> Baseline:
    """The library's ``advisor baseline``: ``eval`` and the rest of ``BaselineSettings``
    as keywords; writes ``output`` (default baseline.json) like the command."""
    from advisor.settings import resolve

    return measure_baseline(resolve(BaselineSettings, given))
