"""`advisor ask`, `recommend`, `report` and `check`: parse, call one workflow, print."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from advisor.cli.errors import handle_errors
from advisor.cli.options import given_values, lint_flags_but, options_from
from advisor.workflows.settings import AdviseSettings, AskSettings, CheckSettings, ReportSettings


def _confirm(question: str, default: bool = False) -> bool:
    """Ask yes/no in a terminal; without one, the answer is ``default``."""
    if not sys.stdin.isatty():
        return default
    return click.confirm(question, default=default)


@click.command()
@options_from(AskSettings)
@handle_errors
def ask(**values: Any) -> None:
    """Answer the questionnaire in the terminal and write a use-case file.

    Type ? for help on a question, Enter for its default. Questions that earlier
    answers make irrelevant are skipped. Each answer is saved as you go (in
    OUTPUT.partial), so Ctrl-C loses nothing: the next `advisor ask -o OUTPUT`
    offers to resume.

    \b
    Examples:
      advisor ask -o usecase.toml
      advisor ask --answers partial.toml -o usecase.toml
    """
    from advisor.settings import resolve
    from advisor.workflows.ask import Interrupted, run_session

    settings = resolve(AskSettings, given_values(values))

    def read(prompt: str) -> str | None:
        click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        return line.rstrip("\n") if line else None

    try:
        outcome = run_session(settings, read, click.echo, _confirm)
    except Interrupted as stop:
        where = f"; `advisor ask -o {stop.output}` resumes" if stop.resumable else ""
        click.echo(f"\nadvisor: interrupted{where}.", err=True)
        sys.exit(130)
    click.echo(f"Wrote {outcome.output}. Next: advisor recommend --answers {outcome.output}")


@click.command()
@options_from(AdviseSettings, exclude=lint_flags_but("quiet"))
@handle_errors
def recommend(**values: Any) -> None:
    """Recommend prompting, RAG, fine-tuning or RAG + fine-tuning, and say why.

    Every point of every score is traced to a rule with its reason and source;
    counterfactuals show the smallest changes that would change the advice.

    \b
    Examples:
      advisor recommend --answers usecase.toml
      advisor recommend --answers usecase.toml --dataset train.jsonl --format json
      advisor recommend --answers usecase.toml --rules company-policy/
    """
    from advisor.advice.render import render_recommendation
    from advisor.workflows.advise import advise

    given = given_values(values)
    advice = advise(given.pop("answers"), **given)
    if values["output_format"] == "json":
        click.echo(json.dumps(advice.to_json(), indent=2))
        return
    click.echo(render_recommendation(advice.recommendation))


@click.command()
@options_from(ReportSettings, exclude=lint_flags_but("semantic", "quiet"))
@handle_errors
def report(**values: Any) -> None:
    """Write the HTML recommendation report: one self-contained page to forward.

    \b
    Examples:
      advisor report --answers usecase.toml --dataset train.jsonl -o report.html
      advisor report --answers usecase.toml --dataset train.jsonl --eval valid.jsonl \\
        --semantic --json report.json
    """
    from advisor.workflows.report import report as write

    given = given_values(values)
    click.echo(write(given.pop("answers"), **given).headline())


@click.command()
@options_from(CheckSettings, exclude=lint_flags_but("semantic", "quiet"))
@handle_errors
def check(**values: Any) -> None:
    """Ask what is missing, lint, recommend and report, in one go.

    \b
    Examples:
      advisor check train.jsonl --answers usecase.toml -o report.html
      advisor check train.jsonl --eval valid.jsonl --semantic --save-answers usecase.toml
    """
    from advisor.workflows.project import load_project, settings_for
    from advisor.workflows.report import check as run_check

    project = load_project()
    settings = settings_for(CheckSettings, given_values(values), project)
    asker = None
    if sys.stdin.isatty():

        def asker(prompt: str) -> str:
            return click.prompt(prompt.rstrip(": "), default="", show_default=False)

    outcome = run_check(settings, asker, click.echo, project)
    if outcome.defaulted_unasked:
        click.echo(
            "No terminal to ask in: using defaults for "
            + ", ".join(outcome.defaulted_unasked)
            + ".",
            err=True,
        )
    if outcome.saved_answers is not None:
        click.echo(f"Wrote the answers to {outcome.saved_answers}.", err=True)
    click.echo(outcome.headline())
