"""The `advisor` command group: each command lives in the module of its group."""

from __future__ import annotations

import click

from advisor.cli import advice, lint, measure, train
from advisor.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def cli() -> None:
    """Decide between prompting, RAG and fine-tuning, and check fine-tuning data.

    \b
    Examples:
      advisor lint train.jsonl
      advisor lint train.jsonl --eval valid.jsonl --format json
      advisor rule F006
    """


# In the order `advisor --help` has always listed them (click sorts them by name).
COMMANDS = (
    lint.lint,
    lint.dups,
    lint.rule,
    advice.ask,
    advice.recommend,
    advice.report,
    advice.check,
    train.train,
    measure.baseline,
    measure.probe_docs_command,
    lint.rules_command,
)
for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="advisor")
