"""`advisor lint`, `dups`, `rule` and `rules`: parse, call one workflow, print."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from advisor.cli.errors import EXIT_CLEAN, EXIT_FINDINGS, handle_errors
from advisor.cli.options import given_values, lint_flags_but, options_from
from advisor.workflows.settings import DupsSettings, LintSettings, RuleSettings, RulesSettings


@click.command()
@options_from(LintSettings)
@handle_errors
def lint(**values: Any) -> None:
    """Check fine-tuning data files (JSONL, JSON, CSV/TSV, or a directory of them).

    Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when the
    input cannot be read or the options are wrong.

    \b
    Examples:
      advisor lint train.jsonl
      advisor lint train.jsonl --eval valid.jsonl
      advisor lint data.csv --model gpt-4o-mini --format json
      advisor lint data.jsonl --select F,T --ignore Q004 --fail-on warning
      advisor lint data.jsonl --fix cleaned.jsonl
      advisor lint train.jsonl --eval valid.jsonl --fix-eval valid.noleaks.jsonl
      advisor lint train.jsonl --eval valid.jsonl --semantic
      advisor lint data/ --include '*.jsonl' -v
    """
    from advisor.workflows.lint import lint_files, lint_settings

    given = given_values(values)
    settings = lint_settings(given.pop("paths"), **given)
    outcome = lint_files(settings)
    skipped = outcome.run.skipped
    if settings.verbose:
        for path, reason in skipped:
            click.echo(f"advisor: not linted: {path}: {reason}", err=True)
    elif skipped and not settings.lint.quiet:
        click.echo(
            f"advisor: {len(skipped)} file(s) in the folder(s) are not datasets and were "
            "not linted (-v lists them).",
            err=True,
        )
    if settings.output is None:
        click.echo(outcome.text, nl=False)
    for copy in outcome.fixed:
        click.echo(copy.sentence(), err=True)
    sys.exit(EXIT_FINDINGS if outcome.failed else EXIT_CLEAN)


@click.command()
# dups always checks every duplicate rule: no --select, --ignore, --model or --no-near.
@options_from(
    DupsSettings,
    exclude=lint_flags_but(
        "semantic",
        "embedding_model",
        "semantic_tier",
        "input_format",
        "text_column",
        "label_column",
        "quiet",
    ),
)
@handle_errors
def dups(**values: Any) -> None:
    """Show duplicate clusters (exact, near, semantic), conflicts and leaks.

    Each cluster has a keeper (the first occurrence, which `advisor lint --fix`
    keeps) and its members with their similarity to the keeper.

    \b
    Examples:
      advisor dups train.jsonl
      advisor dups train.jsonl --eval valid.jsonl --semantic --format json
    """
    from advisor.linter.clusters import render_clusters
    from advisor.workflows.lint import dups_settings, find_duplicates

    given = given_values(values)
    settings = dups_settings(given.pop("path"), **given)
    report = find_duplicates(settings)
    if settings.output_format == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_clusters(report), nl=False)


@click.command()
@options_from(RuleSettings)
@handle_errors
def rule(code: str, output_format: str) -> None:
    """Explain a lint rule: what it checks, why (with the source), an example, whether it fixes.

    \b
    Examples:
      advisor rule F006
      advisor rule exact-duplicate
    """
    from advisor.api import explain
    from advisor.linter.docs import explain_rule

    doc = explain(code)
    if output_format == "json":
        click.echo(json.dumps(doc.model_dump() | {"family": doc.family}, indent=2))
        return
    click.echo(explain_rule(doc), nl=False)


@click.command("rules")
@options_from(RulesSettings)
@handle_errors
def rules_command(output_format: str, strategy: bool) -> None:
    """List every lint rule (or, with --strategy, every strategy rule) with its source."""
    from advisor.api import lint_rules, strategy_rules

    if strategy:
        from advisor.advice.render import render_strategy_rules

        rules = strategy_rules()
        if output_format == "json":
            click.echo(json.dumps([rule.model_dump() for rule in rules], indent=2))
            return
        click.echo(render_strategy_rules(rules), nl=False)
        return
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.docs import list_rules

    if output_format == "json":
        click.echo(
            json.dumps([r.model_dump() | {"family": r.family} for r in lint_rules()], indent=2)
        )
        return
    click.echo(list_rules(load_catalogue()), nl=False)
