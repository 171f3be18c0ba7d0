"""The project's ``[tool.advisor]`` and the one precedence: given > configured > default.

Every workflow that lints reads the same table, so ``advisor lint FILE`` and
``advisor.lint(FILE)`` run in one project give the same findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from advisor.config import ProjectConfig, load_config
from advisor.linter.settings import LintOptions
from advisor.settings import config_fields, resolve
from advisor.workflows.settings import LintSettings, ProjectKeys

# The classes whose `config` fields are the [tool.advisor] keys.
CONFIG_CLASSES = (LintOptions, LintSettings, ProjectKeys)


def config_keys() -> dict[str, Any]:
    """Every ``[tool.advisor]`` key with its field (the README's key list comes from here)."""
    return config_fields(*CONFIG_CLASSES)


def load_project(no_config: bool = False, start: Path | None = None) -> ProjectConfig:
    """The nearest pyproject.toml's ``[tool.advisor]`` (nothing with ``no_config``)."""
    return ProjectConfig() if no_config else load_config(config_keys(), start)


def rule_codes(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Rule patterns as typed: repeated, comma lists (``F,T``), any case."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    codes: list[str] = []
    for value in values:
        codes.extend(part.strip().upper() for part in str(value).split(",") if part.strip())
    return tuple(codes)


def lint_options(given: Mapping[str, Any], project: ProjectConfig) -> LintOptions:
    """Lint options: given beats ``[tool.advisor]`` beats the defaults. ``select`` and
    ``ignore`` are checked against the catalogue under the name the user wrote them
    by; ``extend-ignore`` adds to the configured ``ignore`` (a given ``ignore``
    replaces both)."""
    from advisor.linter.catalogue import load_catalogue
    from advisor.linter.findings import check_patterns

    given = dict(given)
    configured = dict(project.values)
    rules = load_catalogue().rules
    select = rule_codes(given.pop("select", None))
    ignore = rule_codes(given.pop("ignore", None))
    check_patterns(select, "--select", rules)
    check_patterns(ignore, "--ignore", rules)
    configured_select = rule_codes(configured.pop("select", None))
    configured_ignore = rule_codes(configured.pop("ignore", None)) + rule_codes(
        configured.pop("extend_ignore", None)
    )
    check_patterns(configured_select, "[tool.advisor] select", rules)
    check_patterns(configured_ignore, "[tool.advisor] ignore", rules)
    options = resolve(LintOptions, given, configured, where="lint option")
    options.select = select or configured_select or options.select
    options.ignore = ignore or configured_ignore
    return options


def strategy_rule_paths(extra: Iterable[Path | str], project: ProjectConfig) -> list[Path]:
    """Company-policy rule files: those given, then ``rules`` from ``[tool.advisor]``
    (relative to the pyproject.toml that names them)."""
    paths = [Path(p) for p in extra]
    configured = project.values.get("rules") or ()
    if configured and project.path is not None:
        paths += [project.path.parent / p for p in configured]
    return paths


def settings_for(cls: type, given: Mapping[str, Any], project: ProjectConfig) -> Any:
    """``cls`` (a workflow's settings) from flat keywords: its nested ``lint`` through
    ``lint_options``, everything else through ``resolve``; the one precedence."""
    from advisor.settings import fields_of, flat_fields

    if not any(item.nested is LintOptions for item in fields_of(cls)):
        return resolve(cls, given, project.values)
    lint_keys = {item.name for item in flat_fields(LintOptions)}
    lint = lint_options({k: v for k, v in given.items() if k in lint_keys}, project)
    settings = resolve(cls, {k: v for k, v in given.items() if k not in lint_keys}, project.values)
    settings.lint = lint
    return settings
