"""The advise workflow: answers (and what was measured) in, a recommendation out.

``advise_on`` is the typed call every workflow that advises makes (recommend,
report, check, train's gate); ``advise`` is the library's call with keywords
and ``[tool.advisor]``, the same one ``advisor recommend`` makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.workflows.project import load_project, settings_for, strategy_rule_paths
from advisor.workflows.settings import Advised, AdviseSettings

if TYPE_CHECKING:
    from advisor.advice.engine import Recommendation, StrategyRule
    from advisor.advice.usecase import LoadedUseCase, UseCase
    from advisor.linter.facts import LintReport
    from advisor.linter.run import LintRun
    from advisor.linter.settings import LintOptions
    from advisor.measure.baseline import Baseline
    from advisor.measure.docs_probe import DocsProbe


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
    # The dataset's facts as the rules read them (computed once; the report shows them).
    facts: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The `advisor recommend --format json` contract."""
        return {
            "recommendation": self.recommendation.model_dump(),
            "usecase": self.usecase.model_dump(),
        }


def advise_on(
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
    from advisor.advice.engine import load_rules, recommend
    from advisor.advice.measured import measure, with_paths
    from advisor.advice.usecase import LoadedUseCase, load_answers
    from advisor.linter.runner import run_lint
    from advisor.linter.settings import LintOptions

    loaded = answers if isinstance(answers, LoadedUseCase) else load_answers(answers)
    rules = load_rules(list(rule_paths))
    lint_run = report = None
    if dataset is not None:
        lint_run = run_lint([dataset], options or LintOptions(), eval_path=eval_path)
        report = lint_run.report()
    measured = measure(
        loaded.usecase, docs=docs, baseline=baseline, target=target, lint_report=report
    )
    result = recommend(measured.usecase, rules, facts=measured.facts, defaulted=loaded.defaulted)
    result.measured, result.notes = measured.replaced, measured.notes
    if dataset is not None:
        result.next_steps = [with_paths(step, Path(dataset)) for step in result.next_steps]
    return Advice(
        answers=loaded,
        usecase=measured.usecase,
        recommendation=result,
        rules=rules,
        dataset=Path(dataset) if dataset is not None else None,
        eval_path=Path(eval_path) if eval_path is not None else None,
        lint_run=lint_run,
        lint_report=report,
        docs=docs,
        baseline=baseline,
        facts=measured.facts,
    )


def advise_with(
    settings: Advised,
    answers: LoadedUseCase | None = None,
    *,
    eval_path: Path | None = None,
    rule_paths: list[Path] | None = None,
) -> Advice:
    """Advice from a workflow's settings: the measurement files read, the strategy
    rules ``rule_paths`` (default: those given, then the project's) added;
    ``answers`` when the caller already has them (check)."""
    from advisor.measure.baseline import load_baseline
    from advisor.measure.docs_probe import load_probe

    if rule_paths is None:
        rule_paths = strategy_rule_paths(settings.rules, load_project())
    return advise_on(
        answers if answers is not None else settings.answers,
        dataset=settings.dataset,
        eval_path=eval_path,
        options=settings.lint,
        rule_paths=rule_paths,
        docs=load_probe(settings.docs) if settings.docs is not None else None,
        baseline=load_baseline(settings.baseline) if settings.baseline is not None else None,
        target=settings.target,
    )


def advise(answers: Any, **given: Any) -> Advice:
    """What ``advisor recommend`` does, with its options as keywords (``dataset``,
    ``rules``, ``docs``, ``baseline``, ``target``, and the lint options the dataset is
    linted with); ``[tool.advisor]`` applies.

    >>> advice = advise("usecase.toml", dataset="train.jsonl")              # doctest: +SKIP
    >>> advice.recommendation.primary, advice.recommendation.confidence     # doctest: +SKIP
    """
    from advisor.advice.usecase import LoadedUseCase

    loaded = answers if isinstance(answers, LoadedUseCase) else None
    given["answers"] = Path(loaded.source or "answers") if loaded else Path(answers)
    project = load_project()
    settings = settings_for(AdviseSettings, given, project)
    return advise_with(settings, loaded, rule_paths=strategy_rule_paths(settings.rules, project))
