"""What changes what lint checks: the one declaration of each lint option.

``LintOptions`` is what the linter runs with; its fields are also the flags of
``advisor lint`` / ``dups`` / ``report`` / ``check`` and, where marked
``config``, the keys of ``[tool.advisor]``. Kept light (no linter import) so the
command line can build its options from it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.datasets.formats.names import FORMATS
from advisor.settings import Quiet, setting


@dataclass(kw_only=True)
class LintOptions(Quiet):
    """Everything that changes what lint checks."""

    select: tuple[str, ...] = setting(
        ("ALL",),
        "Rule codes or prefixes to check, e.g. F,T or D001 (default ALL).",
        config=True,
        show_default=False,
    )
    ignore: tuple[str, ...] = setting(
        (), "Rule codes or prefixes to skip, e.g. Q004 or P.", config=True
    )
    model: str | None = setting(
        None, "Model for token limits and cost (default: see rules/providers.toml).", config=True
    )
    epochs: int | None = setting(
        None,
        "Epochs for the cost estimate (default: OpenAI's rule from the example count).",
        config=True,
        min=1,
    )
    input_format: str | None = setting(
        None,
        "Force the data format instead of detecting it (see `advisor lint --help`).",
        config=True,
        choices=FORMATS,
    )
    text_column: str | None = setting(
        None, "Classification data: the column holding the text.", config=True
    )
    label_column: str | None = setting(
        None, "Classification data: the column holding the label.", config=True
    )
    # Worker processes for large JSON Lines files (None: one per core).
    workers: int | None = setting(
        None, "Worker processes for large JSON Lines files (default: one per core).", cli=False
    )
    # Near duplicates (MinHash) run by default; semantic ones (embeddings) on request.
    near: bool = setting(
        True,
        "Skip near duplicates (MinHash) and their conflicts and leaks, to save time.",
        flags=("--no-near",),
    )
    semantic: bool = setting(
        False,
        "Also find semantic duplicates, conflicts and leaks with sentence embeddings (D005).",
        config=True,
    )
    # "full": every text through the model; "fast": a static embedding proposes
    # candidates and the model confirms them (see advisor/similarity/static_embeddings.py).
    semantic_tier: str = setting(
        "full",
        "fast: a static embedding distilled from the model proposes pairs, the model "
        "confirms them (much faster on large files; may miss some pairs).",
        choices=("full", "fast"),
    )
    # Glob patterns that pick the files to lint inside a folder (default: dataset files).
    include: tuple[str, ...] = setting(
        (),
        "In a folder, lint the files matching GLOB (repeatable) instead of the dataset files "
        "(.jsonl, .ndjson, .json, .csv, .tsv).",
        metavar="GLOB",
    )
    embedding_model: str | None = setting(
        None,
        "A local sentence-transformers folder (default: the bundled all-MiniLM-L6-v2).",
        config=True,
        path="dir",
        exists=True,
    )
