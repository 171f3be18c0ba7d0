"""ShareGPT records: ``conversations`` of from/value turns, optional ``system`` and ``tools``."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example
from advisor.datasets.formats.messages import normalise_sharegpt_turns
from advisor.datasets.formats.names import SHAREGPT
from advisor.datasets.model import SFT, Example, Message
from advisor.datasets.structure import check_conversation, check_tools, flag_unknown_keys

SHAREGPT_TOP_KEYS = {"conversations", "system", "tools", "id", "images", "videos", "audios"}


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    example = new_example(line, SHAREGPT, SFT, record)
    flag_unknown_keys(example, record, SHAREGPT_TOP_KEYS, top_level=True)
    if record.get("tools"):
        example.tools = check_tools(example, record["tools"], "tools")
    messages = normalise_sharegpt_turns(record.get("conversations"), line, example)
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        messages.insert(0, Message("system", system))
        example.text_fields.append((("system",), system))
    example.messages = messages
    check_conversation(example)
    return [example]
