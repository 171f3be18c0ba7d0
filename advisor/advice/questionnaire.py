"""The interactive questionnaire, driven entirely by the ``UseCase`` model.

Each question's text, help, choices and default come from the model's fields;
``?`` shows the help, a bad answer is explained and asked again, and a question
whose ``ask_if`` does not hold for the answers so far is skipped. Answers
already in a file are not asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from advisor.advice.fields import field_type
from advisor.advice.usecase import UseCase, is_relevant

Ask = Callable[[str], str]
Say = Callable[[str], None]


def _choices(name: str) -> tuple[str, ...] | None:
    return field_type(UseCase.model_fields[name].annotation).choices


def _kind(name: str) -> str:
    kind = field_type(UseCase.model_fields[name].annotation).kind
    if kind is bool:
        return "bool"
    if kind == (int, float):
        return "int"
    return "choice"


def _parse(name: str, raw: str) -> Any:
    """Turn typed text into a value for ``name``; ValueError explains a bad answer."""
    text = raw.strip()
    kind = _kind(name)
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("y", "yes", "true", "1"):
            return True
        if lowered in ("n", "no", "false", "0"):
            return False
        if lowered in ("unknown", "?unknown", "") and UseCase.model_fields[name].default is None:
            return None
        raise ValueError("answer yes or no")
    if kind == "int":
        try:
            value = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError("answer with a whole number, e.g. 250") from None
        if value < 0:
            raise ValueError("the number cannot be negative")
        return value
    choices = _choices(name) or ()
    matches = [c for c in choices if c == text.lower()] or [
        c for c in choices if c.startswith(text.lower()) and text
    ]
    if len(matches) == 1:
        return matches[0]
    raise ValueError(f"choose one of: {', '.join(choices)}")


def _prompt_text(name: str, meta: dict[str, Any], default: Any) -> str:
    kind = _kind(name)
    if kind == "bool":
        hint = "yes/no" + ("/unknown" if UseCase.model_fields[name].default is None else "")
    elif kind == "int":
        hint = "a number"
    else:
        hint = "/".join(_choices(name) or ())
    if default is None:
        shown = "unknown"
    elif isinstance(default, bool):
        shown = "yes" if default else "no"
    else:
        shown = str(default)
    return f"{meta['prompt']} [{hint}] (default {shown}, ? for help): "


def run_questionnaire(
    ask: Ask,
    say: Say,
    known: dict[str, Any] | None = None,
    on_answer: Callable[[dict[str, Any]], None] | None = None,
) -> UseCase:
    """Ask every relevant question not already answered in ``known``.

    ``on_answer`` receives the answers so far after each one (the CLI saves them,
    so Ctrl-C or a crash at question 15 loses nothing).
    """
    answers: dict[str, Any] = dict(known or {})
    for name, meta in UseCase.questions().items():
        if name in answers:
            continue
        current = UseCase.model_validate(answers)
        if not is_relevant(name, current):
            continue
        default = UseCase.model_fields[name].default
        while True:
            raw = ask(_prompt_text(name, meta, default))
            if raw.strip() == "?":
                say(f"  {meta['help']}")
                continue
            if raw.strip() == "":
                answers[name] = default
                if on_answer is not None:
                    on_answer(dict(answers))
                break
            try:
                value = _parse(name, raw)
                UseCase.model_validate({**answers, name: value})
            except (ValueError, ValidationError) as exc:
                message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
                say(f"  Sorry: {message}.")
                continue
            answers[name] = value
            if on_answer is not None:
                on_answer(dict(answers))
            break
    return UseCase.model_validate(answers)
