"""Project configuration from ``[tool.advisor]`` in the nearest pyproject.toml.

Teams keep lint settings next to their code, as with ruff. Command-line flags
override the file; the file overrides the built-in defaults.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.settings import CONFIG_FILE, Field, check_value


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml from ``start`` (default: the working directory) up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


@dataclass
class ProjectConfig:
    """The ``[tool.advisor]`` values, by field name, and the file they came from."""

    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def load_config(keys: Mapping[str, Field], start: Path | None = None) -> ProjectConfig:
    """Read ``[tool.advisor]`` (and ``[tool.advisor.lint]``, merged into it): each key
    must be one of ``keys`` (the settings' config fields) and of its type; a malformed
    section is a usage error naming the file and the key."""
    path = find_pyproject(start)
    if path is None:
        return ProjectConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read pyproject.toml: {exc}") from exc
    section = data.get("tool", {}).get("advisor", {})
    lint_section = section.pop("lint", {}) if isinstance(section.get("lint"), dict) else {}
    section = {key.replace("_", "-"): value for key, value in {**section, **lint_section}.items()}
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key not in keys:
            raise UsageError(
                f"{path}: [tool.advisor] {key}: not a setting advisor reads "
                f"(known: {', '.join(sorted(keys))})."
            )
        item = keys[key]
        try:
            values[item.name] = check_value(item, value, CONFIG_FILE)
        except UsageError as exc:
            raise UsageError(f"{path}: {exc}") from exc
    return ProjectConfig(values, path)
