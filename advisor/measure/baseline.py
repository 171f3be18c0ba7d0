"""`advisor baseline`: does the team's best prompt already meet the bar?

Runs a system prompt (and, optionally, a few solved examples drawn from the
training file, never from the evaluation file) over the evaluation examples
against any OpenAI-compatible chat endpoint (OpenAI, Azure, Together, Mistral,
vLLM, Ollama, llama.cpp's server) and scores every answer against its reference
with the metric that fits the task. The API key comes from the environment and
is never written anywhere. Answers are cached as they arrive (keyed by model,
endpoint and the exact messages), so an interrupted or failed run resumes where
it stopped and a rerun costs nothing.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from advisor.datasets import open_dataset
from advisor.datasets.model import CLASSIFICATION, Example
from advisor.errors import InputError, UsageError
from advisor.measure import textmetrics
from advisor.measure.stored import load_measurement

METRICS = ("auto", "exact", "chrf", "json-valid")


class BaselineAnswer(BaseModel):
    line: int
    reference: str
    answer: str | None
    score: float
    error: str | None = None


class Baseline(BaseModel):
    """What `advisor baseline` writes (baseline.json)."""

    model: str
    base_url: str | None
    metric: str
    score: float
    interval: list[float]
    n: int
    failed: int
    target: float | None
    verdict: str  # "meets", "falls short", "cannot tell", or "no target"
    prompt_sha256: str
    few_shot: int
    estimated_cost_usd: float | None
    answers: list[BaselineAnswer]

    def meets_bar(self, target: float | None = None) -> bool | None:
        """True/False when the interval is clear of ``target``; None when it straddles."""
        target = self.target if target is None else target
        if target is None:
            return None
        low, high = self.interval
        if low >= target:
            return True
        if high < target:
            return False
        return None


@dataclass
class Case:
    line: int
    messages: list[dict[str, str]]
    reference: str
    is_label: bool = False  # a classification label: scored by exact match


def _turns(example: Example) -> tuple[list[dict[str, str]], str] | None:
    """The example's turns before its last reply, and that reply (or the label)."""
    if example.problems or not example.messages:
        return None
    if example.kind == CLASSIFICATION:
        return [{"role": "user", "content": example.messages[0].content}], example.label or ""
    last = example.last_assistant_index()
    if last is None:
        return None
    prompt = [
        {"role": m.role, "content": m.content}
        for m in example.messages[:last]
        if m.role in ("system", "developer", "user", "assistant")
    ]
    return prompt, example.messages[last].content


def build_cases(
    eval_path: Path,
    *,
    system_prompt: str | None,
    train_path: Path | None = None,
    few_shot: int = 0,
    seed: int = 13,
) -> list[Case]:
    """One request per evaluation example: the system prompt, the few-shot pairs
    (from the training file), then the example's own turns."""
    shots: list[dict[str, str]] = []
    if few_shot:
        if train_path is None:
            raise UsageError("--few-shot needs --train: examples come from training data only.")
        pool = [t for t in map(_turns, open_dataset(train_path).examples()) if t is not None]
        random.Random(seed).shuffle(pool)
        for prompt, reply in pool[:few_shot]:
            shots += [m for m in prompt if m["role"] != "system"]
            shots.append({"role": "assistant", "content": reply})
    cases = []
    for example in open_dataset(eval_path).examples():
        turns = _turns(example)
        if turns is None:
            continue
        prompt, reference = turns
        own_system = [m for m in prompt if m["role"] in ("system", "developer")]
        rest = [m for m in prompt if m["role"] not in ("system", "developer")]
        system = [{"role": "system", "content": system_prompt}] if system_prompt else own_system
        cases.append(
            Case(
                example.line,
                [*system, *shots, *rest],
                reference,
                is_label=example.kind == CLASSIFICATION,
            )
        )
    if not cases:
        raise InputError(f"{eval_path}: no evaluation example with a reference answer.")
    return cases


def choose_metric(metric: str, references: list[str], labels: bool = False) -> str:
    """``auto``: labels → exact; JSON references → json-valid; short repeated answers →
    exact; else chrF."""
    if metric != "auto":
        return metric
    if labels:
        return "exact"
    if references and all(_json(r) is not None for r in references):
        return "json-valid"
    return "exact" if textmetrics.choose_task_metric(references) == "exact_match" else "chrf"


def _json(text: str) -> Any:
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, (dict, list)) else None


def score(metric: str, answer: str | None, reference: str) -> float:
    """One answer's score in [0, 1] (chrF scaled from 0-100)."""
    if answer is None:
        return 0.0
    if metric == "exact":
        return textmetrics.exact_match(answer, reference)
    if metric == "json-valid":
        got, wanted = _json(answer), _json(reference)
        if got is None:
            return 0.0
        if isinstance(got, dict) and isinstance(wanted, dict):
            return 1.0 if set(got) == set(wanted) else 0.0
        return 1.0
    return textmetrics.chrf(answer, reference) / 100


def cache_key(model: str, base_url: str | None, messages: list[dict[str, str]]) -> str:
    payload = json.dumps([model, base_url or "", messages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class AnswerCache:
    """Answers already received, appended line by line (so Ctrl-C loses nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    item = json.loads(line)
                    self.answers[item["key"]] = item["answer"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash

    def add(self, key: str, answer: str) -> None:
        self.answers[key] = answer
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "answer": answer}, ensure_ascii=False) + "\n")


Ask = Callable[[list[dict[str, str]]], str]


def openai_asker(
    model: str, base_url: str | None, key_env: str, retries: int, timeout: float
) -> Ask:
    """Ask an OpenAI-compatible endpoint (the SDK retries 429s and 5xx with backoff)."""
    try:
        from openai import OpenAI
    except ImportError:
        raise UsageError(
            "advisor baseline needs the openai SDK: pip install 'advisor[export]'"
        ) from None
    key = os.environ.get(key_env)
    if not key:
        raise UsageError(
            f"advisor baseline reads the API key from ${key_env}; it is not set. "
            "(Local servers accept any value: export it as 'local'.)"
        )
    client = OpenAI(api_key=key, base_url=base_url, max_retries=retries, timeout=timeout)

    def ask(messages: list[dict[str, str]]) -> str:
        response = client.chat.completions.create(
            model=model,
            messages=messages,
            temperature=0,  # type: ignore[arg-type]
        )
        content = response.choices[0].message.content
        if content is None:
            raise ValueError("the response has no message content")
        return content

    return ask


def run_baseline(
    cases: list[Case],
    ask: Ask,
    *,
    model: str,
    base_url: str | None,
    metric: str,
    target: float | None,
    prompt_text: str,
    few_shot: int,
    cache: AnswerCache,
    concurrency: int = 4,
    estimated_cost: float | None = None,
    progress: Callable[[int], None] | None = None,
    scrub: Callable[[str], str] = lambda text: text,
) -> Baseline:
    """Ask every case (at most ``concurrency`` at a time), score, and summarise."""
    metric = choose_metric(
        metric, [c.reference for c in cases], labels=all(c.is_label for c in cases)
    )
    keys = [cache_key(model, base_url, c.messages) for c in cases]
    results: dict[int, tuple[str | None, str | None]] = {}
    todo = []
    for index, key in enumerate(keys):
        if key in cache.answers:
            results[index] = (cache.answers[key], None)
        else:
            todo.append(index)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(ask, cases[i].messages): i for i in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                index = futures[future]
                try:
                    answer = future.result()
                except Exception as exc:  # the endpoint's failure, after its retries
                    results[index] = (None, scrub(f"{type(exc).__name__}: {exc}")[:300])
                else:
                    cache.add(keys[index], answer)
                    results[index] = (answer, None)
                if progress is not None:
                    progress(1)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
    answers = [
        BaselineAnswer(
            line=case.line,
            reference=case.reference,
            answer=results[i][0],
            score=round(score(metric, results[i][0], case.reference), 4),
            error=results[i][1],
        )
        for i, case in enumerate(cases)
    ]
    values = [a.score for a in answers]
    mean, interval = textmetrics.score_interval(values, metric in ("exact", "json-valid"))
    baseline = Baseline(
        model=model,
        base_url=base_url,
        metric=metric,
        score=mean,
        interval=interval,
        n=len(answers),
        failed=sum(1 for a in answers if a.error),
        target=target,
        verdict="no target",
        prompt_sha256=hashlib.sha256(prompt_text.encode()).hexdigest(),
        few_shot=few_shot,
        estimated_cost_usd=estimated_cost,
        answers=answers,
    )
    if target is not None:
        meets = baseline.meets_bar()
        baseline.verdict = {True: "meets", False: "falls short", None: "cannot tell"}[meets]
    return baseline


def estimate_cost(cases: list[Case], model_name: str) -> float | None:
    """Input tokens of every request and output tokens like the references, at the
    model's price in rules/providers.toml (None when it has no price there)."""
    from advisor.providers.models import load_providers
    from advisor.providers.tokens import load_encoder

    providers = load_providers()
    try:
        model = providers.model(model_name)
    except UsageError:
        return None
    if model.input_price_per_million is None or model.output_price_per_million is None:
        return None
    encode = load_encoder(model).encoding.encode_ordinary
    tokens_in = sum(len(encode(m["content"])) + 4 for c in cases for m in c.messages)
    tokens_out = sum(len(encode(c.reference)) for c in cases)
    return round(
        (tokens_in * model.input_price_per_million + tokens_out * model.output_price_per_million)
        / 1e6,
        4,
    )


def load_baseline(path: Path | str) -> Baseline:
    """A baseline written by `advisor baseline`."""
    return load_measurement(path, Baseline, "baseline", "baseline")
