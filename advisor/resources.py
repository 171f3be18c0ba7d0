"""Locate the data folders (``rules/``, ``reports/``) that ship inside the wheel.

In a wheel they are the packages ``advisor._rules`` and ``advisor._reports``; in a
plain checkout run without installing, they are the top-level folders. Looking
them up in one place keeps every loader agnostic of how advisor was installed.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from advisor.errors import RuleFileError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _package_dir(package: str, fallback: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            path = Path(location)
            if path.is_dir():
                return path
    if (_REPO_ROOT / "pyproject.toml").is_file():
        return _REPO_ROOT / fallback
    raise RuleFileError(
        f"advisor's bundled data ({fallback}/) is missing from this installation; "
        "reinstall advisor."
    )


def rules_dir() -> Path:
    """The folder holding the bundled rule files (lint rules, providers, strategy)."""
    return _package_dir("advisor._rules", "rules")


def reports_dir() -> Path:
    """The folder holding the bundled report templates and CSS."""
    return _package_dir("advisor._reports", "reports")


def read_rule_file(path: Path, what: str) -> dict[str, Any]:
    """Parse one TOML data file; unreadable or malformed is a RuleFileError naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot read {what}: {exc}") from exc
