"""advisor as a library: every command is a call here, with the command's options as
keywords and the project's ``[tool.advisor]`` applied, so the same call gives the
same result from either side.

=====================  =======================================================
command                call
=====================  =======================================================
``advisor lint``       ``lint(path, **options)`` → ``LintReport``
                       (``lint_files(LintSettings)`` → ``LintOutcome``)
``advisor dups``       ``dups(path, **options)`` → ``ClusterReport``
``advisor rule``       ``explain(code)`` → ``RuleDoc``
``advisor rules``      ``lint_rules()`` / ``strategy_rules()``
``advisor ask``        ``run_session(AskSettings, read, say, confirm)``
``advisor recommend``  ``advise(answers, **options)`` → ``Advice``
``advisor report``     ``report(answers, **options)`` → ``ReportOutcome``
``advisor check``      ``check_dataset(dataset, **options)`` → ``ReportOutcome``
``advisor baseline``   ``baseline(eval=…, **options)`` → ``Baseline``
``advisor probe-docs`` ``probe(folder, **options)`` → ``DocsProbe``
``advisor train``      ``train(answers=…, dataset=…, out=…, **options)`` → metrics
=====================  =======================================================

Nothing here prints or exits; library errors are ``advisor.errors.AdvisorError``.

>>> report = advisor.lint("train.jsonl", model="gpt-4o-mini")            # doctest: +SKIP
>>> advice = advise("usecase.toml", dataset="train.jsonl")              # doctest: +SKIP
>>> advice.recommendation.primary, advice.recommendation.confidence     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from advisor.workflows.advise import Advice, advise, advise_on
from advisor.workflows.ask import run_session
from advisor.workflows.baseline import baseline, measure_baseline
from advisor.workflows.lint import dups, find_duplicates, lint, lint_files
from advisor.workflows.probe import measure_docs, probe
from advisor.workflows.report import build_report, check, check_dataset, report, write_report
from advisor.workflows.train import train, train_model

__all__ = [
    "Advice",
    "advise",
    "advise_on",
    "baseline",
    "build_report",
    "check",
    "check_dataset",
    "dups",
    "explain",
    "find_duplicates",
    "lint",
    "lint_files",
    "lint_rules",
    "measure_baseline",
    "measure_docs",
    "probe",
    "report",
    "run_session",
    "strategy_rules",
    "train",
    "train_model",
    "write_report",
]


def explain(code: str) -> Any:
    """``advisor rule CODE``: one lint rule's documentation, by code or name."""
    from advisor.linter.catalogue import load_catalogue

    return load_catalogue().by_name_or_code(code)


def lint_rules() -> list[Any]:
    """``advisor rules``: every lint rule's documentation, in catalogue order."""
    from advisor.linter.catalogue import load_catalogue

    return list(load_catalogue().rules.values())


def strategy_rules() -> list[Any]:
    """``advisor rules --strategy``: every strategy rule, with its source."""
    from advisor.advice.engine import load_rules

    return load_rules()
