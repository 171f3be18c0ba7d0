"""OpenAI chat fine-tuning records: ``messages`` with optional ``tools``/``functions``."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example
from advisor.datasets.formats.messages import normalise_chat_messages
from advisor.datasets.formats.names import CHAT
from advisor.datasets.model import SFT, Example
from advisor.datasets.structure import check_conversation, check_tools, flag_unknown_keys

CHAT_TOP_KEYS = {"messages", "tools", "functions", "parallel_tool_calls"}


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    example = new_example(line, CHAT, SFT, record)
    flag_unknown_keys(
        example,
        record,
        CHAT_TOP_KEYS,
        top_level=True,
        hint="chat examples hold `messages` and optionally `tools`, `functions`, "
        "`parallel_tool_calls`",
    )
    if "tools" in record:
        example.tools = check_tools(example, record["tools"], "tools")
    if "functions" in record:
        functions = check_tools(example, record["functions"], "functions")
        example.tools = (example.tools or []) + (functions or [])
    example.messages = normalise_chat_messages(record.get("messages"), line, ("messages",), example)
    check_conversation(example)
    return [example]
