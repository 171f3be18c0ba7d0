"""`advisor baseline` and `probe-docs`: parse, call one workflow, print."""

from __future__ import annotations

from typing import Any

import click

from advisor.cli.errors import handle_errors
from advisor.cli.options import given_values, options_from
from advisor.workflows.settings import BaselineSettings, ProbeSettings


@click.command()
@options_from(BaselineSettings)
@handle_errors
def baseline(**values: Any) -> None:
    """Measure whether prompting meets the bar: run the prompt over the evaluation
    examples on an OpenAI-compatible endpoint and score the answers.

    Answers are cached beside the output (OUTPUT.cache.jsonl): an interrupted run
    resumes, a rerun costs nothing. The key is read from the environment only.

    \b
    Examples:
      advisor baseline --eval valid.jsonl --prompt prompt.md --model gpt-4.1-mini --target 0.9
      advisor baseline --eval valid.jsonl --few-shot 3 --train train.jsonl --model llama3 \\
        --base-url http://localhost:11434/v1
      advisor baseline --eval valid.jsonl --local --adapter runs/chat-v1/model/adapter
      advisor recommend --answers usecase.toml --baseline baseline.json
    """
    from advisor.progress import ProgressBar
    from advisor.settings import resolve
    from advisor.workflows.baseline import measure_baseline

    settings = resolve(BaselineSettings, given_values(values))
    bar: ProgressBar | None = None

    def show_plan(plan: Any) -> None:
        nonlocal bar
        click.echo(plan.sentence(), err=True)
        bar = ProgressBar("baseline", plan.requests, "answers", enabled=not settings.quiet)

    try:
        result = measure_baseline(
            settings,
            on_plan=show_plan,
            progress=lambda n: bar.update(advance=n) if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.close()
    low, high = result.interval
    target = settings.target
    verdict = f"; target {target}: {result.verdict}" if target is not None else ""
    failed = f" ({result.failed} failed)" if result.failed else ""
    click.echo(
        f"{result.metric} {result.score:.3f} [{low:.3f}, {high:.3f}] over {result.n} "
        f"examples{failed}{verdict}. Wrote {settings.output}."
    )


@click.command("probe-docs")
@options_from(ProbeSettings)
@handle_errors
def probe_docs_command(**values: Any) -> None:
    """Measure a folder of documents: how much there is, how often it changes, and
    (with --questions) how well retrieval finds the answers. Nothing leaves this machine.

    \b
    Examples:
      advisor probe-docs docs/ -o docs.json
      advisor probe-docs docs/ --questions qa.jsonl -o docs.json
      advisor recommend --answers usecase.toml --docs docs.json
    """
    from advisor.measure.render import render_probe
    from advisor.settings import resolve
    from advisor.workflows.probe import measure_docs

    settings = resolve(ProbeSettings, given_values(values))
    probe = measure_docs(settings)
    output = settings.output
    click.echo(render_probe(probe) + f"\nWrote {output}. Next: advisor recommend --docs {output}")
