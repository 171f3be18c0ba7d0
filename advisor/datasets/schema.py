"""JSON Schema validation of tool parameters, cached per distinct schema.

Tool definitions are usually repeated verbatim on every row (drone_training.jsonl
carries the same ``tools`` 103 times), so each distinct schema is checked once.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any


def schema_error(parameters: Any) -> str | None:
    """The first reason ``parameters`` is not a valid JSON Schema, or None."""
    if not isinstance(parameters, dict):
        return f"expected an object, got {type(parameters).__name__}"
    try:
        key = json.dumps(parameters, sort_keys=True)
    except (TypeError, ValueError):
        return "not serialisable as JSON"
    return _check(key)


@lru_cache(maxsize=1024)
def _check(serialised: str) -> str | None:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft7Validator.check_schema(json.loads(serialised))
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path)
        return f"{exc.message}" + (f" (at {path})" if path else "")
    return None
