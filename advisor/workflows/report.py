"""The report and check workflows: advise, gather the page's data, write the page.

``write_report`` is all of ``advisor report`` but the printing: the overwrite
guard over every input, the measurements, the advice, the data, the HTML page
and its JSON twin. ``check`` asks what the answers leave open (through the
caller's ``ask``), optionally saves the answers, and writes the same report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.workflows.advise import Advice, advise_with
from advisor.workflows.project import load_project, settings_for, strategy_rule_paths
from advisor.workflows.settings import CheckSettings, ReportSettings

if TYPE_CHECKING:
    from advisor.advice.usecase import LoadedUseCase
    from advisor.config import ProjectConfig


@dataclass
class ReportOutcome:
    """The advice the page shows and the files written."""

    advice: Advice
    html: Path
    json: Path | None
    data: dict[str, Any]
    # check: the answers file written (--save-answers), and the fields defaulted
    # because there was no terminal to ask in.
    saved_answers: Path | None = None
    defaulted_unasked: list[str] | None = None

    def headline(self) -> str:
        from advisor.advice.strategies import display_name

        result = self.advice.recommendation
        written = f"{self.html}" + (f" and {self.json}" if self.json else "")
        verdict = f"{display_name(result.primary)} ({result.confidence} confidence)"
        return f"Recommendation: {verdict}. Wrote {written}."


def build_report(advice: Advice, *, run_dir: str | Path | None = None) -> dict[str, Any]:
    """Everything the HTML report shows, as plain data (also its JSON twin)."""
    from advisor.report.data import (
        build_report_data,
        check_run_dataset,
        dataset_snippets,
        load_training,
        snippet_lines,
    )
    from advisor.resources import rules_dir

    snippets: dict[str, dict[int, str]] = {}
    lint = None
    if advice.lint_report is not None:
        lint = advice.lint_report.model_dump()
        for file, lines in snippet_lines(advice.lint_report).items():
            snippets[file] = dataset_snippets(Path(file), lines)
    training = None
    if run_dir is not None:
        training = load_training(Path(run_dir))
        check_run_dataset(training, advice.dataset)
    source = advice.answers.source
    inputs = [("answers", Path(source))] if source else []
    inputs += [("training data", advice.dataset)] if advice.dataset else []
    inputs += [("evaluation data", advice.eval_path)] if advice.eval_path else []
    rule_files = sorted(
        {Path(rule.file) for rule in advice.rules}, key=lambda p: (p.parent != rules_dir(), str(p))
    )
    return build_report_data(
        usecase=advice.usecase.model_dump(),
        answers=advice.answers.usecase.model_dump(),
        measured_facts=advice.facts,
        defaulted=advice.answers.defaulted,
        recommendation=advice.recommendation.model_dump(),
        lint=lint,
        inputs=inputs,
        rule_files=rule_files,
        snippets=snippets,
        training=training,
        docs=advice.docs.model_dump() if advice.docs else None,
        baseline=advice.baseline.model_dump(exclude={"answers"}) if advice.baseline else None,
    )


def _guard(settings: ReportSettings, answers_source: str | None, policy: list[Path]) -> None:
    """No output may replace an input (or another output)."""
    from advisor.advice.engine import strategy_rule_files
    from advisor.fsutil import refuse_to_overwrite

    run_metrics = Path(settings.run) / "metrics.json" if settings.run is not None else None
    refuse_to_overwrite(
        [("-o", settings.output), ("--json", settings.json_output)],
        [
            ("--answers", Path(answers_source) if answers_source else None),
            ("--dataset", settings.dataset),
            ("--eval", settings.eval),
            *[("a rule file", path) for path in strategy_rule_files(policy)],
            ("--run", run_metrics),
            ("--docs", settings.docs),
            ("--baseline", settings.baseline),
        ],
    )


def write_report(
    settings: ReportSettings,
    answers: LoadedUseCase | None = None,
    project: ProjectConfig | None = None,
) -> ReportOutcome:
    """Advise, build the report's data, write the page (and its JSON twin);
    ``project``: the ``[tool.advisor]`` the settings were resolved with."""
    from advisor.advice.usecase import load_answers
    from advisor.fsutil import write_atomic
    from advisor.report.html import render_html

    loaded = answers if answers is not None else load_answers(settings.answers)
    policy = strategy_rule_paths(settings.rules, project or load_project())
    _guard(settings, loaded.source, policy)
    advice = advise_with(settings, loaded, eval_path=settings.eval, rule_paths=policy)
    data = build_report(advice, run_dir=settings.run)
    write_atomic(settings.output, render_html(data))
    if settings.json_output is not None:
        write_atomic(settings.json_output, json.dumps(data, indent=2, default=str) + "\n")
    return ReportOutcome(advice, settings.output, settings.json_output, data)


def report(answers: Any, **given: Any) -> ReportOutcome:
    """The library's ``advisor report``: ``output`` (default report.html), ``json_output``,
    ``dataset``, ``eval``, ``run`` and the rest of ``ReportSettings`` as keywords."""
    given["answers"] = Path(answers)
    project = load_project()
    return write_report(settings_for(ReportSettings, given, project), project=project)


# Ask a question and return the raw answer; None: no terminal, take the defaults.
Asker = Callable[[str], str]


def check(
    settings: CheckSettings,
    ask: Asker | None = None,
    say: Callable[[str], None] = lambda _line: None,
    project: ProjectConfig | None = None,
) -> ReportOutcome:
    """Ask what the answers leave open (``ask``; without one, the defaults), save the
    answers when asked to, lint, advise and write the report."""
    from advisor.advice.questionnaire import run_questionnaire
    from advisor.advice.usecase import LoadedUseCase, dump_answers, load_answers, parse_answers
    from advisor.fsutil import refuse_to_overwrite, write_atomic

    source = str(settings.answers) if settings.answers else None
    known = load_answers(settings.answers).known() if settings.answers is not None else {}
    unasked = None
    if ask is not None:
        usecase = run_questionnaire(ask, say, known)
        loaded = LoadedUseCase(
            usecase=usecase, defaulted=[], source=source, answered=list(usecase.model_dump())
        )
    else:
        loaded = parse_answers(known, source or "answers")
        loaded.source = source
        unasked = list(loaded.defaulted)
    saved = None
    if settings.save_answers is not None:
        refuse_to_overwrite(
            [
                ("--save-answers", settings.save_answers),
                ("-o", settings.output),
                ("--json", settings.json_output),
            ],
            [
                ("--answers", settings.answers),
                ("DATASET", settings.dataset),
                ("--eval", settings.eval),
            ],
        )
        write_atomic(settings.save_answers, dump_answers(loaded.usecase, settings.save_answers))
        saved = settings.save_answers
    outcome = write_report(settings, loaded, project)
    outcome.saved_answers, outcome.defaulted_unasked = saved, unasked
    return outcome


def check_dataset(dataset: Any, **given: Any) -> ReportOutcome:
    """The library's ``advisor check`` without a terminal: unanswered questions take
    their defaults (``outcome.defaulted_unasked`` lists them)."""
    given["dataset"] = Path(dataset)
    project = load_project()
    return check(settings_for(CheckSettings, given, project), project=project)
