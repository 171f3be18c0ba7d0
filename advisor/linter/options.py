"""Lint options from the command line and ``[tool.advisor]``: which wins, and the
check that every given rule pattern names a rule. Kept apart from ``advisor.api``
so that ``advisor lint`` does not import the advice engine (about 0.1 s)."""

from __future__ import annotations

from typing import Any

from advisor.config import AdvisorConfig
from advisor.linter.catalogue import load_catalogue
from advisor.linter.findings import check_patterns
from advisor.linter.runner import LintOptions


def lint_options(config: AdvisorConfig | None = None, **given: Any) -> LintOptions:
    """Lint options: values given here win over ``[tool.advisor]``, which wins over
    the defaults. ``None``, empty strings and empty tuples count as not given."""
    config = config or AdvisorConfig()
    given = {key: value for key, value in given.items() if value not in (None, (), [], "")}
    rules = load_catalogue().rules
    select = tuple(given.pop("select", ()))
    check_patterns(select, "--select", rules)
    ignore = tuple(given.pop("ignore", ()))
    check_patterns(ignore, "--ignore", rules)
    configured_select = tuple(c.upper() for c in config.select or ["ALL"])
    configured_ignore = tuple(
        c.upper() for c in (config.ignore or []) + (config.extend_ignore or [])
    )
    check_patterns(configured_select, "[tool.advisor] select", rules)
    check_patterns(configured_ignore, "[tool.advisor] ignore", rules)
    select = select or configured_select
    ignore = ignore or configured_ignore
    from_config = {
        "model": config.model,
        "epochs": config.epochs,
        "input_format": config.input_format,
        "text_column": config.text_column,
        "label_column": config.label_column,
        "semantic": bool(config.semantic),
        "embedding_model": config.embedding_model,
    }
    merged = {key: value for key, value in from_config.items() if value not in (None, "")}
    merged.update(given)
    if "embedding_model" in merged:
        merged["embedding_model"] = str(merged["embedding_model"])
    if given.get("semantic") is False and config.semantic:
        merged["semantic"] = True  # a flag that is off means "not given"
    return LintOptions(select=select, ignore=ignore, **merged)
