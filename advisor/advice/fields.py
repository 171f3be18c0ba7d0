"""What each use-case field holds, read once from its type annotation.

The condition language (type checks of strategy rules and ``ask_if``), the
questionnaire (how to parse a typed answer) and the engine all need the same
facts about a field: its base type, its choices and whether it may be unknown.
They live here, below all three, so none of them imports another for it.
"""

from __future__ import annotations

import typing
from typing import Any, Literal

from pydantic import BaseModel

from advisor.advice.conditions import FieldType


def field_type(annotation: Any) -> FieldType:
    """``Literal[...]`` → text with choices, ``bool`` → bool, ``int`` → number;
    ``X | None`` is X, nullable."""
    nullable = False
    args = typing.get_args(annotation)
    if args and type(None) in args:
        nullable = True
        annotation = next(a for a in args if a is not type(None))
    if typing.get_origin(annotation) is Literal:
        return FieldType(str, typing.get_args(annotation), nullable)
    if annotation is bool:
        return FieldType(bool, None, nullable)
    if annotation is int:
        return FieldType((int, float), None, nullable)
    return FieldType(object, None, nullable)  # pragma: no cover - every field is one of the above


def model_field_types(model: type[BaseModel]) -> dict[str, FieldType]:
    """The condition type of every field of a pydantic model."""
    return {name: field_type(field.annotation) for name, field in model.model_fields.items()}
