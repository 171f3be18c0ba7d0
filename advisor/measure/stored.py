"""Read a measurement written earlier (docs.json, baseline.json) back, or say why not."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from advisor.errors import InputError

M = TypeVar("M", bound=BaseModel)


def load_measurement(path: Path | str, model: type[M], what: str, command: str) -> M:
    """``path`` validated as ``model``; a missing or foreign file is an InputError."""
    path = Path(path)
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc}).") from exc
    except ValueError as exc:
        raise InputError(f"{path}: not a {what} written by advisor {command} ({exc}).") from exc
