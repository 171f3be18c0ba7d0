"""The lint and dups workflows: check files, write the output and the fixed copies.

``lint_files`` is all of ``advisor lint`` but the printing: the project's
``[tool.advisor]`` under the given options, the overwrite guard over the one
list of inputs the lint reads, the run, the rendered output, the fixed copies.
``lint`` is the same call for Python users, returning the JSON report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import UsageError
from advisor.workflows.project import load_project, settings_for
from advisor.workflows.settings import DupsSettings, LintSettings

if TYPE_CHECKING:
    from advisor.linter.clusters import ClusterReport
    from advisor.linter.facts import LintReport
    from advisor.linter.fixes import FixSummary
    from advisor.linter.run import LintRun


@dataclass
class FixedCopy:
    """One copy written with the safe fixes, and what it dropped."""

    summary: FixSummary
    dropped: str

    def sentence(self) -> str:
        summary = self.summary
        text = (
            f"Wrote {summary.output}: dropped {summary.dropped} {self.dropped}, edited "
            f"{summary.edited} example(s)"
        )
        if summary.kept_unparsed:
            text += f"; {summary.kept_unparsed} unparseable line(s) copied unchanged"
        return text + "."


@dataclass
class LintOutcome:
    """What one lint produced: the run, its rendered output, the copies written."""

    settings: LintSettings
    run: LintRun
    fixed: list[FixedCopy] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """The output in ``settings.output_format``, rendered when first read (the
        library's ``lint`` returns the report and never pays for it)."""
        from advisor.linter.output import render

        settings = self.settings
        return render(self.run, settings.output_format, show_facts=not settings.lint.quiet)

    @property
    def failed(self) -> bool:
        """A finding at or above ``fail_on``: the command exits 1."""
        return self.run.worst_at_or_above(self.settings.fail_on)


def lint_settings(paths: Any, **given: Any) -> LintSettings:
    """``LintSettings`` from keywords, with ``[tool.advisor]`` (unless ``no_config``)."""
    given["paths"] = tuple(paths) if isinstance(paths, list | tuple) else (paths,)
    project = load_project(bool(given.get("no_config")))
    return settings_for(LintSettings, given, project)


def check_fix_options(settings: LintSettings) -> None:
    """Fix options that cannot work together are refused before any work."""
    if settings.fix is not None and (len(settings.paths) != 1 or Path(settings.paths[0]).is_dir()):
        raise UsageError("--fix takes exactly one input file.")
    if settings.fix_eval is not None and settings.eval is None:
        raise UsageError("--fix-eval writes a copy of the --eval file: give --eval.")
    if settings.drop_leaks_from == "train" and (settings.fix is None or settings.eval is None):
        raise UsageError(
            "--drop-leaks-from train drops leaked examples from the --fix copy of the "
            "training file: give --eval and --fix."
        )


def lint_files(settings: LintSettings) -> LintOutcome:
    """Lint, render, write ``output`` and the fixed copies; never prints."""
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.linter.fixes import move_leak_fixes_to_training, write_fixed
    from advisor.linter.inputs import find_inputs
    from advisor.linter.runner import run_lint

    check_fix_options(settings)
    inputs = find_inputs(settings.paths, settings.lint.include)
    refuse_to_overwrite(
        [("-o", settings.output), ("--fix", settings.fix), ("--fix-eval", settings.fix_eval)],
        [("input", path) for path in inputs.files] + [("--eval", settings.eval)],
    )
    run = run_lint(settings.paths, settings.lint, eval_path=settings.eval, inputs=inputs)
    outcome = LintOutcome(settings, run)
    if settings.output is not None:
        write_atomic(settings.output, outcome.text)
    if settings.drop_leaks_from == "train":
        move_leak_fixes_to_training(run)
    if settings.fix is not None:
        dropped = (
            "duplicate(s)"
            if settings.drop_leaks_from == "eval"
            else "duplicate(s) or leak source(s)"
        )
        outcome.fixed.append(FixedCopy(write_fixed(run.results[0], settings.fix), dropped))
    if settings.fix_eval is not None and run.eval_result is not None:
        summary = write_fixed(run.eval_result, settings.fix_eval)
        outcome.fixed.append(FixedCopy(summary, "leaked or duplicate row(s)"))
    return outcome


def lint(path: Any, **given: Any) -> LintReport:
    """Lint a dataset the way ``advisor lint --format json`` does, in the same project
    (``[tool.advisor]`` applies unless ``no_config=True``); returns the same report.
    Takes every option the command takes, by its field name (``eval``, ``select``,
    ``ignore``, ``model``, ``fix``, …; see ``LintSettings`` and ``LintOptions``).

    >>> report = advisor.lint("train.jsonl", model="gpt-4o-mini")   # doctest: +SKIP
    >>> report.facts.unique_examples, [f.code for f in report.findings]  # doctest: +SKIP
    """
    return lint_files(lint_settings(path, **given)).run.report()


def find_duplicates(settings: DupsSettings) -> ClusterReport:
    """``advisor dups``: every duplicate rule, whatever ``[tool.advisor]`` selects."""
    from advisor.linter.clusters import build_clusters
    from advisor.linter.runner import run_lint

    options = replace(settings.lint, select=("D",), ignore=())
    run = run_lint([settings.path], options, eval_path=settings.eval)
    return build_clusters(run.findings)


def dups_settings(path: Any, **given: Any) -> DupsSettings:
    """``DupsSettings`` from keywords, with ``[tool.advisor]``'s other lint options."""
    given["path"] = Path(path)
    project = load_project()
    selection = ("select", "ignore", "extend_ignore")
    values = {k: v for k, v in project.values.items() if k not in selection}
    return settings_for(DupsSettings, given, replace(project, values=values))


def dups(path: Any, **given: Any) -> ClusterReport:
    """The library's ``advisor dups``: duplicate clusters of ``path``."""
    return find_duplicates(dups_settings(path, **given))
