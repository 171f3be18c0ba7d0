"""Project configuration from ``[tool.advisor]`` in the nearest pyproject.toml.

Teams keep lint settings next to their code, as with ruff. Command-line flags
override the file; the file overrides the built-in defaults.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import UsageError


class AdvisorConfig(BaseModel):
    """Keys accepted in ``[tool.advisor]`` (dashes or underscores)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: list[str] | None = None
    ignore: list[str] | None = None
    extend_ignore: list[str] | None = Field(None, alias="extend-ignore")
    fail_on: Literal["error", "warning", "info", "never"] | None = Field(None, alias="fail-on")
    model: str | None = None
    epochs: int | None = Field(None, ge=1)
    output_format: Literal["text", "json", "github", "sarif"] | None = Field(
        None, alias="output-format"
    )
    input_format: str | None = Field(None, alias="input-format")
    text_column: str | None = Field(None, alias="text-column")
    label_column: str | None = Field(None, alias="label-column")
    semantic: bool | None = None
    embedding_model: str | None = Field(None, alias="embedding-model")
    # Extra strategy rule files or folders (company policy), relative to the
    # pyproject.toml that names them.
    rules: list[str] | None = None


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml from ``start`` (default: the working directory) up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> tuple[AdvisorConfig, Path | None]:
    """Read ``[tool.advisor]``; a malformed section is a usage error naming the file."""
    path = find_pyproject(start)
    if path is None:
        return AdvisorConfig(), None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read pyproject.toml: {exc}") from exc
    section = data.get("tool", {}).get("advisor", {})
    lint_section = section.pop("lint", {}) if isinstance(section.get("lint"), dict) else {}
    section = {**section, **lint_section}
    section = {
        key.replace("_", "-") if "_" in key else key: value for key, value in section.items()
    }
    try:
        return AdvisorConfig.model_validate(section), path
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{path}: [tool.advisor] {where}: {first['msg']}") from exc
