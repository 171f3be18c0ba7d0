"""advisor: should this use case be prompting, RAG or fine-tuning, and is the data ready?

The package imports nothing heavy at start-up so that ``advisor --help`` stays fast;
``advisor.lint`` loads the linter on first call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from advisor.linter.facts import LintReport

__all__ = ["__version__", "lint"]


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
    from advisor.linter.runner import LintOptions, run_lint

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
