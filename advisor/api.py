"""advisor as a library: the calls the command line makes, for anyone to make.

``lint`` checks a dataset, ``advise`` turns a use case (and, when given, what
the linter measured in its dataset) into a recommendation, and
``build_report`` gathers everything the HTML report and its JSON twin show.
The CLI parses options, calls these, prints and sets exit codes; nothing here
prints.

>>> report = advisor.lint("train.jsonl", model="gpt-4o-mini")            # doctest: +SKIP
>>> advice = advise("usecase.toml", dataset="train.jsonl")              # doctest: +SKIP
>>> advice.recommendation.primary, advice.recommendation.confidence     # doctest: +SKIP
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.advice.engine import (
    Recommendation,
    StrategyRule,
    apply_facts,
    dataset_facts,
    load_rules,
    recommend,
)
from advisor.advice.usecase import LoadedUseCase, UseCase, load_answers
from advisor.config import AdvisorConfig
from advisor.linter.facts import LintReport
from advisor.linter.options import lint_options
from advisor.linter.runner import LintOptions, LintRun, run_lint
from advisor.measure.baseline import Baseline
from advisor.measure.docs_probe import DocsProbe
from advisor.report.data import (
    build_report_data,
    check_run_dataset,
    dataset_snippets,
    load_training,
    snippet_lines,
)
from advisor.resources import rules_dir

__all__ = ["Advice", "advise", "build_report", "lint", "lint_options", "run_lint"]


def lint(
    path: str | Path | list[str | Path],
    *,
    eval: str | Path | None = None,
    select: list[str] | tuple[str, ...] = ("ALL",),
    ignore: list[str] | tuple[str, ...] = (),
    model: str | None = None,
    epochs: int | None = None,
    input_format: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> LintReport:
    """Lint a dataset the way ``advisor lint --format json`` does; returns the same report.

    >>> report = advisor.lint("train.jsonl", model="gpt-4o-mini")   # doctest: +SKIP
    >>> report.facts.unique_examples, [f.code for f in report.findings]  # doctest: +SKIP
    """
    paths = path if isinstance(path, list) else [path]
    options = LintOptions(
        select=tuple(select),
        ignore=tuple(ignore),
        model=model,
        epochs=epochs,
        input_format=input_format,
        text_column=text_column,
        label_column=label_column,
    )
    return run_lint(paths, options, eval_path=eval).report()


@dataclass
class Advice:
    """A recommendation with everything it was made from."""

    answers: LoadedUseCase
    # The use case advised on: the answers, with measured facts in place of claims.
    usecase: UseCase
    recommendation: Recommendation
    rules: list[StrategyRule]
    dataset: Path | None = None
    eval_path: Path | None = None
    lint_run: LintRun | None = None
    lint_report: LintReport | None = None
    docs: DocsProbe | None = None
    baseline: Baseline | None = None

    def to_json(self) -> dict[str, Any]:
        """The `advisor recommend --format json` contract."""
        return {
            "recommendation": self.recommendation.model_dump(),
            "usecase": self.usecase.model_dump(),
        }


def strategy_rule_paths(
    extra: list[Path] | tuple[Path, ...] = (),
    config: AdvisorConfig | None = None,
    config_path: Path | None = None,
) -> list[Path]:
    """Company-policy rule files: those given, then ``rules`` from ``[tool.advisor]``
    (relative to the pyproject.toml that names them)."""
    paths = [Path(p) for p in extra]
    if config is not None and config.rules and config_path is not None:
        paths += [config_path.parent / p for p in config.rules]
    return paths


def advise(
    answers: LoadedUseCase | str | Path,
    *,
    dataset: str | Path | None = None,
    eval_path: str | Path | None = None,
    options: LintOptions | None = None,
    rule_paths: list[Path] | tuple[Path, ...] = (),
    docs: DocsProbe | None = None,
    baseline: Baseline | None = None,
    target: float | None = None,
) -> Advice:
    """Recommend a strategy; with ``dataset``, lint it first and advise on what it
    measures (unique, error-free examples; duplicate and error rates) instead of
    what was claimed."""
    loaded = answers if isinstance(answers, LoadedUseCase) else load_answers(answers)
    rules = load_rules(list(rule_paths))
    usecase, facts, measured, notes = loaded.usecase, None, {}, []
    if docs is not None:
        usecase, measured, notes = apply_docs(usecase, docs)
    if baseline is not None:
        usecase, from_baseline, baseline_notes = apply_baseline(usecase, baseline, target)
        measured, notes = {**measured, **from_baseline}, notes + baseline_notes
    lint_run = report = None
    if dataset is not None:
        lint_run = run_lint([dataset], options or LintOptions(), eval_path=eval_path)
        report = lint_run.report()
        facts = dataset_facts(report)
        usecase, from_data, data_notes = apply_facts(usecase, facts)
        measured, notes = {**measured, **from_data}, notes + data_notes
    result = recommend(usecase, rules, facts=facts, defaulted=loaded.defaulted)
    result.measured, result.notes = measured, notes
    if dataset is not None:
        result.next_steps = [with_paths(step, Path(dataset)) for step in result.next_steps]
    return Advice(
        answers=loaded,
        usecase=usecase,
        recommendation=result,
        rules=rules,
        dataset=Path(dataset) if dataset is not None else None,
        eval_path=Path(eval_path) if eval_path is not None else None,
        lint_run=lint_run,
        lint_report=report,
        docs=docs,
        baseline=baseline,
    )


def apply_baseline(
    usecase: UseCase, baseline: Baseline, target: float | None = None
) -> tuple[UseCase, dict[str, Any], list[str]]:
    """A measured prompting baseline answers "does prompting meet the bar?": yes or no
    when its interval is clear of the target, unknown when it straddles it."""
    target = baseline.target if target is None else target
    low, high = baseline.interval
    measured_score = (
        f"{baseline.metric} {baseline.score:.3f} [{low:.3f}, {high:.3f}] over {baseline.n} "
        f"examples on {baseline.model}"
    )
    if target is None:
        return usecase, {}, [f"A prompting baseline was given ({measured_score}) but no target."]
    meets = baseline.meets_bar(target)
    verdict = {
        True: "meets",
        False: "falls short of",
        None: "cannot tell, with these examples, about",
    }[meets]
    updates = {"prompting_meets_quality_bar": meets, "prompt_engineering_tried": True}
    notes = [
        f"prompting_meets_quality_bar: measured, not answered: {measured_score} {verdict} "
        f"the target {target}."
    ]
    changed = {k: v for k, v in updates.items() if getattr(usecase, k) != v}
    return UseCase.model_validate({**usecase.model_dump(), **updates}), changed, notes


def apply_docs(usecase: UseCase, docs: DocsProbe) -> tuple[UseCase, dict[str, Any], list[str]]:
    """Answers the documents measure replace what was answered; each change is noted."""
    measured = docs.answers()
    how = {
        "proprietary_knowledge_volume": f"{docs.tokens:,} tokens in {docs.files} file(s)",
        "knowledge_changes": (
            f"{docs.change.per_month} changes a month, from {docs.change.measured_from}"
            if docs.change
            else ""
        ),
        "retrieval_quality": (
            f"recall@{docs.retrieval.k} {docs.retrieval.recall[docs.retrieval.best]:.0%} "
            f"({docs.retrieval.best})"
            if docs.retrieval
            else ""
        ),
    }
    notes = [
        f"{name}: you said {getattr(usecase, name)}, the documents measure {value} "
        f"({how[name]}); advising on {value}."
        for name, value in measured.items()
        if getattr(usecase, name) != value
    ]
    return UseCase.model_validate({**usecase.model_dump(), **measured}), measured, notes


def with_paths(step: str, dataset: Path) -> str:
    """A next step's command with the real dataset in it: ``DATA`` becomes the path
    (quoted for the shell) and ``cleaned.jsonl`` a new file beside it."""
    cleaned = dataset.with_name(f"{dataset.stem}.clean{dataset.suffix}")
    return step.replace("DATA", shlex.quote(str(dataset))).replace(
        "cleaned.jsonl", shlex.quote(str(cleaned))
    )


def build_report(advice: Advice, *, run_dir: str | Path | None = None) -> dict[str, Any]:
    """Everything the HTML report shows, as plain data (also its JSON twin)."""
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
        measured_facts=dataset_facts(advice.lint_report) if advice.lint_report else None,
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
