"""Which format a raw record is in, and which columns of a table hold text and label."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.names import (
    ALPACA,
    CHAT,
    CLASSIFICATION_FORMAT,
    DPO,
    GEMINI,
    KTO,
    PROMPT_COMPLETION,
    RAW_TEXT,
    SELF_INSTRUCT,
    SHAREGPT,
)

TEXT_COLUMN_NAMES = (
    "text",
    "sentence",
    "utterance",
    "sms",
    "message",
    "query",
    "question",
    "user_prompt",
    "prompt",
    "content",
    "review",
    "description",
    "document",
    "input",
)

LABEL_COLUMN_NAMES = (
    "label",
    "labels",
    "label_text",
    "category",
    "class",
    "intent",
    "classification",
    "target",
    "sentiment",
    "topic",
)


def ci_lookup(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    lowered = {key.lower(): key for key in record if isinstance(key, str)}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def record_format(record: Any) -> str | None:
    """The format one raw JSON record is in, or None when it matches none."""
    if not isinstance(record, dict):
        return None
    has = record.__contains__
    is_preference = has("chosen") or has("rejected")
    kto_label = isinstance(record.get("label"), bool)
    if has("messages") or has("conversations"):
        if is_preference:
            return DPO
        if kto_label:
            return KTO
        return CHAT if has("messages") else SHAREGPT
    if has("contents"):
        return GEMINI
    if has("input") and (has("preferred_output") or has("non_preferred_output")):
        return DPO
    if has("prompt") and is_preference:
        return DPO
    if has("prompt") and has("completion"):
        return KTO if kto_label else PROMPT_COMPLETION
    if has("instruction"):
        if has("instances"):
            return SELF_INSTRUCT
        if is_preference:
            return DPO
        return ALPACA
    text_key = ci_lookup(record, TEXT_COLUMN_NAMES)
    label_key = ci_lookup(record, LABEL_COLUMN_NAMES)
    if text_key and label_key and text_key != label_key:
        return CLASSIFICATION_FORMAT
    if has("text"):
        return RAW_TEXT
    return None


def choose_columns(
    rows: list[dict[str, Any]], text_column: str | None, label_column: str | None
) -> tuple[str | None, str | None, list[str]]:
    """Pick the text and label columns of a table from names first, then shape.

    Returns ``(text, label, notes)``; notes explain a choice made from the data
    so the user can override it with ``--text-column`` / ``--label-column``.
    """
    notes: list[str] = []
    columns = list(rows[0].keys()) if rows else []
    if not columns:
        return text_column, label_column, notes
    probe = {column: column for column in columns}
    text = text_column or ci_lookup(probe, TEXT_COLUMN_NAMES)
    label = label_column or ci_lookup(probe, LABEL_COLUMN_NAMES)
    others = [c for c in columns if c not in (text, label)]
    if text is None and others:
        text = max(others, key=lambda c: sum(len(str(r.get(c, ""))) for r in rows))
        notes.append(f"text column {text!r} chosen as the longest column")
        others.remove(text)
    if label is None and others:
        label = min(others, key=lambda c: len({str(r.get(c, "")) for r in rows}))
        notes.append(f"label column {label!r} chosen as the column with fewest distinct values")
    return text, label, notes
