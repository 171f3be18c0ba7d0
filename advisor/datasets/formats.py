"""Recognise each fine-tuning format and normalise a raw record into an ``Example``.

Structural defects (the ``F`` rule family) are found here, while the record is
still raw, and attached to the example as ``Problem``s: this is the only place
that looks inside raw JSON. Content checks downstream only see ``Example``s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from advisor.datasets.model import (
    CLASSIFICATION,
    PREFERENCE,
    SFT,
    TEXT,
    Example,
    Message,
    Problem,
)

CHAT = "openai-chat"
SHAREGPT = "sharegpt"
ALPACA = "alpaca"
SELF_INSTRUCT = "self-instruct"
PROMPT_COMPLETION = "prompt-completion"
RAW_TEXT = "text"
CLASSIFICATION_FORMAT = "classification"
DPO = "preference-dpo"
KTO = "preference-kto"
GEMINI = "gemini-contents"

FORMATS = (
    CHAT,
    SHAREGPT,
    ALPACA,
    SELF_INSTRUCT,
    PROMPT_COMPLETION,
    RAW_TEXT,
    CLASSIFICATION_FORMAT,
    DPO,
    KTO,
    GEMINI,
)
PREFERENCE_FORMATS = (DPO, KTO)

CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
MESSAGE_KEYS = {
    "role",
    "content",
    "name",
    "function_call",
    "tool_calls",
    "tool_call_id",
    "weight",
    "refusal",
    "loss_weight",
}
CHAT_TOP_KEYS = {"messages", "tools", "functions", "parallel_tool_calls"}
SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
    "function": "tool",
}
SHAREGPT_TOP_KEYS = {"conversations", "system", "tools", "id", "images", "videos", "audios"}
ALPACA_KEYS = {"instruction", "input", "output", "system", "history", "id", "text", "category"}
SELF_INSTRUCT_KEYS = {"id", "name", "instruction", "instances", "is_classification"}
PROMPT_COMPLETION_KEYS = {"prompt", "completion", "id", "metadata"}
# Vertex AI / Gemini supervised tuning: {"systemInstruction": {...}, "contents": [...]}.
GEMINI_TOP_KEYS = {"contents", "systemInstruction", "system_instruction"}
GEMINI_ROLES = {"user": "user", "model": "assistant"}

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
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


# --------------------------------------------------------------------------- detection


def _ci_lookup(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
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
    text_key = _ci_lookup(record, TEXT_COLUMN_NAMES)
    label_key = _ci_lookup(record, LABEL_COLUMN_NAMES)
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
    text = text_column or _ci_lookup(probe, TEXT_COLUMN_NAMES)
    label = label_column or _ci_lookup(probe, LABEL_COLUMN_NAMES)
    others = [c for c in columns if c not in (text, label)]
    if text is None and others:
        text = max(others, key=lambda c: sum(len(str(r.get(c, ""))) for r in rows))
        notes.append(f"text column {text!r} chosen as the longest column")
        others.remove(text)
    if label is None and others:
        label = min(others, key=lambda c: len({str(r.get(c, "")) for r in rows}))
        notes.append(f"label column {label!r} chosen as the column with fewest distinct values")
    return text, label, notes


# --------------------------------------------------------------------------- helpers


def content_text(content: Any) -> tuple[str, bool]:
    """Text of a message's content: a string, None, or a list of parts.

    Returns ``(text, well_formed)``. Parts may carry ``text`` (OpenAI) or
    ``value`` (LLaMA-Factory v1); non-text parts (images, audio) add no text.
    """
    if content is None:
        return "", True
    if isinstance(content, str):
        return content, True
    if isinstance(content, list):
        pieces: list[str] = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                value = part.get("text", part.get("value"))
                if part.get("type", "text") == "text":
                    if not isinstance(value, str):
                        return "", False
                    pieces.append(value)
            else:
                return "", False
        return "".join(pieces), True
    return "", False


def _text_paths(content: Any, base: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(content, str):
        return [(base, content)]
    fields: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, dict):
                key = "text" if "text" in part else "value"
                if isinstance(part.get(key), str):
                    fields.append(((*base, index, key), part[key]))
    return fields


def _unknown_keys(record: dict[str, Any], allowed: set[str]) -> list[str]:
    if record.keys() <= allowed:
        return []
    return [str(key) for key in record if key not in allowed]


def _flag_unknown_keys(
    example: Example, record: dict[str, Any], allowed: set[str], *, top_level: bool, hint: str = ""
) -> None:
    """F005 for keys a format does not define (providers reject or silently drop them)."""
    extra = _unknown_keys(record, allowed)
    if extra:
        where = "top-level key(s)" if top_level else "key(s)"
        tail = f"; {hint}" if hint else ""
        example.problems.append(
            Problem("F005", example.line, f"Unknown {where} {', '.join(map(repr, extra))}{tail}.")
        )


def has_text(text: str) -> bool:
    """True when ``text`` holds something other than whitespace (without copying it)."""
    return bool(text) and not text.isspace()


# --------------------------------------------------------------------------- messages


def _normalise_chat_messages(
    raw_messages: Any, line: int, base: tuple[Any, ...], example: Example
) -> list[Message]:
    """OpenAI-style role/content messages (also used for preference prompts).

    This runs once per message of every file, so the common case (a dict with a
    known role and string content) takes the shortest path and error messages
    are only formatted when there is an error.
    """
    problems = example.problems
    key = base[-1]
    if not isinstance(raw_messages, list) or not raw_messages:
        problems.append(
            Problem("F007", line, f"`{key}` must be a non-empty list of messages.", str(key))
        )
        return []
    messages: list[Message] = []
    text_fields = example.text_fields
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            where = f"{key}[{index}]"
            problems.append(
                Problem("F007", line, f"{where} is {type(raw).__name__}, not an object.", where)
            )
            continue
        role = raw.get("role")
        if not isinstance(role, str) or role not in CHAT_ROLES:
            where = f"{key}[{index}]"
            if not isinstance(role, str):
                problems.append(Problem("F007", line, f"{where} has no `role`.", where))
                continue
            problems.append(
                Problem(
                    "F006",
                    line,
                    f"{where} has role {role!r}; use one of system, user, assistant, tool.",
                    f"{where}.role",
                )
            )
        if not raw.keys() <= MESSAGE_KEYS:
            where = f"{key}[{index}]"
            extra = _unknown_keys(raw, MESSAGE_KEYS)
            problems.append(
                Problem(
                    "F005",
                    line,
                    f"{where} has unknown key(s) {', '.join(map(repr, extra))}; "
                    "providers reject or ignore them.",
                    where,
                )
            )
        content = raw.get("content")
        tool_calls = raw.get("tool_calls")
        function_call = raw.get("function_call")
        if function_call is not None and tool_calls is None:
            tool_calls = [{"type": "function", "function": function_call, "legacy": True}]
        if isinstance(content, str):
            text, well_formed = content, True
            text_fields.append(((*base, index, "content"), content))
        else:
            text, well_formed = content_text(content)
            text_fields.extend(_text_paths(content, (*base, index, "content")))
            if "content" not in raw and tool_calls is None:
                where = f"{key}[{index}]"
                problems.append(Problem("F007", line, f"{where} has no `content`.", where))
        present = has_text(text)
        if not well_formed:
            where = f"{key}[{index}]"
            problems.append(
                Problem(
                    "F007",
                    line,
                    f"{where}.content must be a string or a list of text parts, "
                    f"not {type(content).__name__}.",
                    f"{where}.content",
                )
            )
        elif not present and not tool_calls and "content" in raw:
            where = f"{key}[{index}]"
            problems.append(
                Problem("F012", line, f"{where} ({role}) has empty content.", f"{where}.content")
            )
        weight = raw.get("weight")
        if weight is not None and (isinstance(weight, bool) or weight not in (0, 1)):
            where = f"{key}[{index}]"
            problems.append(
                Problem(
                    "F017",
                    line,
                    f"{where}.weight is {weight!r}; it must be the integer 0 or 1.",
                    f"{where}.weight",
                )
            )
        name = raw.get("name")
        call_id = raw.get("tool_call_id")
        if tool_calls is not None and not isinstance(tool_calls, list):
            where = f"{key}[{index}]"
            problems.append(
                Problem("F007", line, f"{where}.tool_calls must be a list.", f"{where}.tool_calls")
            )
            tool_calls = None
        messages.append(
            Message(
                role=role,
                content=text,
                has_content=present,
                name=name if isinstance(name, str) else None,
                tool_calls=tool_calls,
                tool_call_id=call_id if isinstance(call_id, str) else None,
                weight=weight,
            )
        )
    return messages


def _normalise_sharegpt_turns(raw_turns: Any, line: int, example: Example) -> list[Message]:
    problems = example.problems
    if not isinstance(raw_turns, list) or not raw_turns:
        problems.append(
            Problem(
                "F007", line, "`conversations` must be a non-empty list of turns.", "conversations"
            )
        )
        return []
    messages: list[Message] = []
    for index, raw in enumerate(raw_turns):
        where = f"conversations[{index}]"
        if not isinstance(raw, dict):
            problems.append(
                Problem("F007", line, f"{where} is {type(raw).__name__}, not an object.", where)
            )
            continue
        source = raw.get("from", raw.get("role"))
        value_key = "value" if "value" in raw else "content"
        value = raw.get(value_key)
        if not isinstance(source, str):
            problems.append(Problem("F007", line, f"{where} has no `from`.", where))
            continue
        role = SHAREGPT_ROLES.get(source.lower())
        if role is None:
            problems.append(
                Problem(
                    "F006",
                    line,
                    f"{where} is from {source!r}; ShareGPT turns come from human, gpt, "
                    "system, function_call or observation.",
                    f"{where}.from",
                )
            )
            role = source
        text, well_formed = content_text(value)
        if not well_formed or value is None:
            problems.append(
                Problem(
                    "F007", line, f"{where}.{value_key} must be a string.", f"{where}.{value_key}"
                )
            )
        elif not text.strip():
            problems.append(
                Problem(
                    "F012", line, f"{where} ({source}) has empty content.", f"{where}.{value_key}"
                )
            )
        tool_calls = None
        if source.lower() == "function_call":
            tool_calls = [_sharegpt_call(text, line, where, problems)]
            text_for_message = ""
        else:
            text_for_message = text
            example.text_fields.extend(_text_paths(value, ("conversations", index, value_key)))
        messages.append(
            Message(
                role=role,
                content=text_for_message,
                has_content=bool(text_for_message.strip()),
                tool_calls=tool_calls,
            )
        )
    return messages


def _sharegpt_call(value: str, line: int, where: str, problems: list[Problem]) -> dict[str, Any]:
    try:
        call = json.loads(value)
    except ValueError:
        problems.append(
            Problem("F021", line, f"{where} function_call is not valid JSON.", f"{where}.value")
        )
        return {"type": "function", "function": {"name": None, "arguments": value}}
    if not isinstance(call, dict):
        problems.append(
            Problem("F021", line, f"{where} function_call must be a JSON object.", f"{where}.value")
        )
        return {"type": "function", "function": {"name": None, "arguments": value}}
    arguments = call.get("arguments", {})
    return {
        "type": "function",
        "sharegpt": True,
        "function": {
            "name": call.get("name"),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }


# --------------------------------------------------------------------------- conversation rules


def check_conversation(example: Example, *, require_assistant: bool = True) -> None:
    """Turn-order rules shared by every conversational format."""
    line = example.line
    messages = example.messages
    problems = example.problems
    if not messages:
        return
    roles = [m.role for m in messages]
    if require_assistant and "assistant" not in roles:
        problems.append(
            Problem(
                "F008",
                line,
                "No assistant message: there is nothing for the model to learn from this example.",
            )
        )
    if "user" not in roles and "assistant" in roles:
        problems.append(Problem("F022", line, "No user message: the example has no user turn."))
    systems = [i for i, role in enumerate(roles) if role in ("system", "developer")]
    if len(systems) > 1:
        problems.append(Problem("F013", line, f"{len(systems)} system messages; keep one, first."))
    if systems and systems[0] != 0:
        problems.append(
            Problem(
                "F009", line, f"The system message is turn {systems[0] + 1}; it must come first."
            )
        )
    if require_assistant and roles[-1] != "assistant" and "assistant" in roles:
        problems.append(
            Problem(
                "F010",
                line,
                f"The last message is from {roles[-1]!r}; turns after the last assistant reply "
                "are not trained on.",
            )
        )
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1] and roles[index] in ("user", "assistant"):
            if roles[index] == "assistant" and messages[index - 1].tool_calls:
                continue
            problems.append(
                Problem(
                    "F011",
                    line,
                    f"Turns {index} and {index + 1} are both {roles[index]!r}; merge them or add "
                    "the missing turn between.",
                )
            )
            break
    _check_tool_pairing(example)


def _check_tool_pairing(example: Example) -> None:
    line = example.line
    problems = example.problems
    messages = example.messages
    pending: dict[str, int] = {}
    anonymous_pending = 0
    defined = _defined_function_names(example.tools)
    for index, message in enumerate(messages):
        if message.role == "assistant" and message.tool_calls:
            is_last = index == len(messages) - 1
            for call_index, call in enumerate(message.tool_calls):
                _check_tool_call(call, line, index, call_index, defined, problems)
                if is_last:
                    continue
                call_id = call.get("id") if isinstance(call, dict) else None
                if isinstance(call_id, str) and not (isinstance(call, dict) and call.get("legacy")):
                    pending[call_id] = index
                else:
                    anonymous_pending += 1
        elif message.role in ("tool", "function"):
            if message.tool_call_id is not None:
                if message.tool_call_id in pending:
                    del pending[message.tool_call_id]
                else:
                    problems.append(
                        Problem(
                            "F014",
                            line,
                            f"Turn {index + 1} answers tool call {message.tool_call_id!r}, which "
                            "no earlier assistant turn made.",
                        )
                    )
            elif anonymous_pending:
                anonymous_pending -= 1
            elif pending and message.role == "tool" and len(pending) == 1:
                problems.append(
                    Problem(
                        "F014", line, f"Turn {index + 1} is a tool response without `tool_call_id`."
                    )
                )
                pending.clear()
            else:
                problems.append(
                    Problem(
                        "F014",
                        line,
                        f"Turn {index + 1} is a {message.role} response with no tool call "
                        "before it.",
                    )
                )
        elif message.role in ("user", "assistant") and (pending or anonymous_pending):
            missing = len(pending) + anonymous_pending
            problems.append(
                Problem(
                    "F014",
                    line,
                    f"{missing} tool call(s) before turn {index + 1} have no tool response.",
                )
            )
            pending.clear()
            anonymous_pending = 0


def _defined_function_names(tools: list[Any] | None) -> set[str] | None:
    if not tools:
        return None
    names: set[str] = set()
    for tool in tools:
        if isinstance(tool, dict):
            function = tool.get("function", tool)
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.add(function["name"])
    return names


def _check_tool_call(
    call: Any,
    line: int,
    turn: int,
    call_index: int,
    defined: set[str] | None,
    problems: list[Problem],
) -> None:
    where = f"turn {turn + 1}, tool call {call_index + 1}"
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        problems.append(
            Problem("F007", line, f"{where} must be an object with a `function` object.")
        )
        return
    function = call["function"]
    name = function.get("name")
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        problems.append(
            Problem(
                "F016",
                line,
                f"{where} calls function {name!r}; names must match ^[a-zA-Z0-9_-]{{1,64}}$.",
            )
        )
    elif defined is not None and name not in defined:
        problems.append(
            Problem(
                "F023", line, f"{where} calls {name!r}, which the example's tools do not define."
            )
        )
    arguments = function.get("arguments")
    if call.get("sharegpt"):
        return
    if not isinstance(arguments, str):
        problems.append(
            Problem("F021", line, f"{where}: `arguments` must be a JSON-encoded string.")
        )
        return
    try:
        json.loads(arguments)
    except ValueError:
        problems.append(Problem("F021", line, f"{where}: `arguments` is not valid JSON."))


def check_tools(example: Example, raw_tools: Any, key: str) -> list[Any] | None:
    """Validate tool definitions (``tools``/``functions``) as JSON Schema."""
    line = example.line
    problems = example.problems
    tools = raw_tools
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            problems.append(
                Problem("F015", line, f"`{key}` is a string that is not valid JSON.", key)
            )
            return None
    if not isinstance(tools, list):
        problems.append(Problem("F015", line, f"`{key}` must be a list of tool definitions.", key))
        return None
    from advisor.datasets.schema import schema_error

    for index, tool in enumerate(tools):
        where = f"{key}[{index}]"
        if not isinstance(tool, dict):
            problems.append(Problem("F015", line, f"{where} is not an object.", where))
            continue
        function = tool.get("function") if key == "tools" and "function" in tool else tool
        if not isinstance(function, dict):
            problems.append(Problem("F015", line, f"{where}.function is not an object.", where))
            continue
        name = function.get("name")
        if not isinstance(name, str) or not FUNCTION_NAME.match(name):
            problems.append(
                Problem(
                    "F016",
                    line,
                    f"{where} defines function {name!r}; names must match ^[a-zA-Z0-9_-]{{1,64}}$.",
                    where,
                )
            )
        parameters = function.get("parameters")
        if parameters is None:
            continue
        error = schema_error(parameters)
        if error:
            problems.append(
                Problem(
                    "F015", line, f"{where}.parameters is not valid JSON Schema: {error}", where
                )
            )
    return tools


# --------------------------------------------------------------------------- normalisers


def _new(line: int, fmt: str, kind: str, record: Any) -> Example:
    return Example(line=line, format=fmt, kind=kind, record=record)


def _from_chat(record: dict[str, Any], line: int) -> list[Example]:
    example = _new(line, CHAT, SFT, record)
    _flag_unknown_keys(
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
    example.messages = _normalise_chat_messages(
        record.get("messages"), line, ("messages",), example
    )
    check_conversation(example)
    return [example]


def _from_sharegpt(record: dict[str, Any], line: int) -> list[Example]:
    example = _new(line, SHAREGPT, SFT, record)
    _flag_unknown_keys(example, record, SHAREGPT_TOP_KEYS, top_level=True)
    if record.get("tools"):
        example.tools = check_tools(example, record["tools"], "tools")
    messages = _normalise_sharegpt_turns(record.get("conversations"), line, example)
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        messages.insert(0, Message("system", system))
        example.text_fields.append((("system",), system))
    example.messages = messages
    check_conversation(example)
    return [example]


def _string_field(record: dict[str, Any], key: str, example: Example, *, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            example.problems.append(
                Problem("F003", example.line, f"Missing required field `{key}`.", key)
            )
        return ""
    if not isinstance(value, str):
        example.problems.append(
            Problem(
                "F007",
                example.line,
                f"`{key}` must be a string, not {type(value).__name__}.",
                key,
            )
        )
        return str(value)
    example.text_fields.append(((key,), value))
    return value


def _from_alpaca(record: dict[str, Any], line: int) -> list[Example]:
    example = _new(line, ALPACA, SFT, record)
    _flag_unknown_keys(example, record, ALPACA_KEYS, top_level=False)
    instruction = _string_field(record, "instruction", example, required=True)
    given = _string_field(record, "input", example, required=False)
    output = _string_field(record, "output", example, required=True)
    system = _string_field(record, "system", example, required=False)
    messages: list[Message] = []
    if system.strip():
        messages.append(Message("system", system))
    history = record.get("history")
    if isinstance(history, list):
        for turn in history:
            if isinstance(turn, list) and len(turn) == 2 and all(isinstance(t, str) for t in turn):
                messages.append(Message("user", turn[0], bool(turn[0].strip())))
                messages.append(Message("assistant", turn[1], bool(turn[1].strip())))
            else:
                example.problems.append(
                    Problem("F007", line, "`history` must be a list of [user, assistant] pairs.")
                )
                break
    prompt = instruction + ("\n\n" + given if given.strip() else "")
    messages.append(Message("user", prompt, bool(prompt.strip())))
    messages.append(Message("assistant", output, bool(output.strip())))
    if "instruction" in record and not instruction.strip():
        example.problems.append(Problem("F012", line, "`instruction` is empty.", "instruction"))
    if "output" in record and not output.strip():
        example.problems.append(Problem("F012", line, "`output` is empty.", "output"))
    example.messages = messages
    return [example]


def _from_self_instruct(record: dict[str, Any], line: int) -> list[Example]:
    instances = record.get("instances")
    probe = _new(line, SELF_INSTRUCT, SFT, record)
    instruction = _string_field(record, "instruction", probe, required=True)
    _flag_unknown_keys(probe, record, SELF_INSTRUCT_KEYS, top_level=False)
    if not isinstance(instances, list) or not instances:
        probe.problems.append(
            Problem("F007", line, "`instances` must be a non-empty list of {input, output}.")
        )
        return [probe]
    examples: list[Example] = []
    for index, instance in enumerate(instances):
        example = _new(line, SELF_INSTRUCT, SFT, record)
        example.sub_index = index
        if index == 0:
            example.problems.extend(probe.problems)
            example.text_fields.extend(probe.text_fields)
        if not isinstance(instance, dict):
            example.problems.append(Problem("F007", line, f"instances[{index}] is not an object."))
            examples.append(example)
            continue
        given = instance.get("input", "")
        output = instance.get("output")
        if not isinstance(output, str):
            example.problems.append(
                Problem("F003", line, f"instances[{index}] has no string `output`.")
            )
            output = ""
        elif not output.strip():
            example.problems.append(Problem("F012", line, f"instances[{index}].output is empty."))
        given = given if isinstance(given, str) else ""
        example.text_fields.append((("instances", index, "input"), given))
        example.text_fields.append((("instances", index, "output"), output))
        prompt = instruction + ("\n\n" + given if given.strip() else "")
        example.messages = [
            Message("user", prompt, bool(prompt.strip())),
            Message("assistant", output, bool(output.strip())),
        ]
        examples.append(example)
    return examples


def _from_prompt_completion(record: dict[str, Any], line: int) -> list[Example]:
    example = _new(line, PROMPT_COMPLETION, SFT, record)
    _flag_unknown_keys(
        example,
        record,
        PROMPT_COMPLETION_KEYS,
        top_level=False,
        hint="prompt/completion rows hold only `prompt` and `completion`",
    )
    prompt = _string_field(record, "prompt", example, required=True)
    completion = _string_field(record, "completion", example, required=True)
    if "completion" in record and not completion.strip():
        example.problems.append(Problem("F012", line, "`completion` is empty.", "completion"))
    example.messages = [
        Message("user", prompt, bool(prompt.strip())),
        Message("assistant", completion, bool(completion.strip())),
    ]
    return [example]


def _from_text(record: dict[str, Any], line: int) -> list[Example]:
    example = _new(line, RAW_TEXT, TEXT, record)
    text = _string_field(record, "text", example, required=True)
    if "text" in record and not text.strip():
        example.problems.append(Problem("F012", line, "`text` is empty.", "text"))
    example.messages = [Message("assistant", text, bool(text.strip()))]
    return [example]


def make_classification_normaliser(
    text_column: str, label_column: str
) -> Callable[[dict[str, Any], int], list[Example]]:
    """Rows of a table (or JSONL) with a text and a label column."""

    def normalise(record: dict[str, Any], line: int) -> list[Example]:
        example = _new(line, CLASSIFICATION_FORMAT, CLASSIFICATION, record)
        if text_column not in record:
            example.problems.append(
                Problem("F003", line, f"Missing the text column {text_column!r}.", text_column)
            )
        if label_column not in record:
            example.problems.append(
                Problem("F003", line, f"Missing the label column {label_column!r}.", label_column)
            )
        text = record.get(text_column)
        label = record.get(label_column)
        text = text if isinstance(text, str) else ("" if text is None else str(text))
        if isinstance(record.get(text_column), str):
            example.text_fields.append(((text_column,), text))
        label_text = "" if label is None else str(label).strip()
        if text_column in record and not text.strip():
            example.problems.append(Problem("F012", line, "The text is empty.", text_column))
        if label_column in record and not label_text:
            example.problems.append(Problem("F012", line, "The label is empty.", label_column))
        example.label = label_text
        example.messages = [
            Message("user", text, bool(text.strip())),
            Message("assistant", label_text, bool(label_text)),
        ]
        return [example]

    return normalise


def _preference_side(value: Any, line: int, key: str, example: Example) -> list[Message] | None:
    if isinstance(value, str):
        if not value.strip():
            example.problems.append(Problem("F012", line, f"`{key}` is empty.", key))
        example.text_fields.append(((key,), value))
        return [Message("assistant", value, bool(value.strip()))]
    if isinstance(value, dict):
        text, ok = content_text(value.get("content", value.get("value")))
        if not ok or not text.strip():
            example.problems.append(Problem("F012", line, f"`{key}` has no text.", key))
        role = SHAREGPT_ROLES.get(
            str(value.get("role", value.get("from", "assistant"))).lower(), "assistant"
        )
        return [Message(role, text, bool(text.strip()))]
    if isinstance(value, list):
        messages: list[Message] = []
        for item in value:
            messages.extend(_preference_side(item, line, key, example) or [])
        return messages
    example.problems.append(Problem("F003", line, f"`{key}` is missing or not a reply.", key))
    return None


def _from_preference(record: dict[str, Any], line: int) -> list[Example]:
    fmt = (
        KTO
        if isinstance(record.get("label"), bool)
        and not ("chosen" in record or "rejected" in record)
        else DPO
    )
    example = _new(line, fmt, PREFERENCE, record)
    if "messages" in record:
        example.messages = _normalise_chat_messages(
            record["messages"], line, ("messages",), example
        )
    elif "conversations" in record:
        example.messages = _normalise_sharegpt_turns(record["conversations"], line, example)
    elif isinstance(record.get("input"), dict):
        example.messages = _normalise_chat_messages(
            record["input"].get("messages"), line, ("input", "messages"), example
        )
    elif "prompt" in record or "instruction" in record:
        key = "prompt" if "prompt" in record else "instruction"
        prompt = _string_field(record, key, example, required=True)
        example.messages = [Message("user", prompt, bool(prompt.strip()))]
    if fmt == DPO:
        chosen_key = "chosen" if "chosen" in record else "preferred_output"
        rejected_key = "rejected" if "rejected" in record else "non_preferred_output"
        example.chosen = _preference_side(record.get(chosen_key), line, chosen_key, example)
        example.rejected = _preference_side(record.get(rejected_key), line, rejected_key, example)
        if example.chosen:
            example.messages = example.messages + example.chosen
    elif "completion" in record:
        completion = _string_field(record, "completion", example, required=True)
        example.messages.append(Message("assistant", completion, bool(completion.strip())))
    return [example]


def _gemini_parts(
    raw: Any, where: str, path: tuple[Any, ...], example: Example
) -> tuple[str, bool]:
    """Text of a Gemini ``parts`` list; non-text parts (fileData, inlineData) add none."""
    if not isinstance(raw, list) or not raw:
        example.problems.append(
            Problem("F007", example.line, f"{where}.parts must be a non-empty list.", where)
        )
        return "", False
    pieces = []
    for index, part in enumerate(raw):
        if not isinstance(part, dict):
            example.problems.append(
                Problem("F007", example.line, f"{where}.parts[{index}] is not an object.", where)
            )
            continue
        if "text" in part:
            if not isinstance(part["text"], str):
                example.problems.append(
                    Problem("F007", example.line, f"{where}.parts[{index}].text is not a string.")
                )
                continue
            pieces.append(part["text"])
            example.text_fields.append(((*path, "parts", index, "text"), part["text"]))
    return "".join(pieces), True


def _from_gemini(record: dict[str, Any], line: int) -> list[Example]:
    """Vertex AI Gemini tuning records: ``contents`` of user/model turns made of parts."""
    example = _new(line, GEMINI, SFT, record)
    _flag_unknown_keys(
        example,
        record,
        GEMINI_TOP_KEYS,
        top_level=True,
        hint="Gemini tuning examples hold `contents` and optionally `systemInstruction`",
    )
    messages: list[Message] = []
    system_key = "systemInstruction" if "systemInstruction" in record else "system_instruction"
    system = record.get(system_key)
    if system is not None:
        if isinstance(system, dict):
            text, _ = _gemini_parts(system.get("parts"), system_key, (system_key,), example)
            messages.append(Message("system", text, has_text(text)))
        else:
            example.problems.append(
                Problem("F007", line, f"`{system_key}` must be an object with `parts`.")
            )
    contents = record.get("contents")
    if not isinstance(contents, list) or not contents:
        example.problems.append(
            Problem("F007", line, "`contents` must be a non-empty list of turns.", "contents")
        )
        contents = []
    for index, turn in enumerate(contents):
        where = f"contents[{index}]"
        if not isinstance(turn, dict):
            example.problems.append(Problem("F007", line, f"{where} is not an object.", where))
            continue
        role = turn.get("role")
        if role not in GEMINI_ROLES:
            example.problems.append(
                Problem(
                    "F006",
                    line,
                    f"{where} has role {role!r}; Gemini turns are 'user' or 'model'.",
                    f"{where}.role",
                )
            )
            continue
        text, _ = _gemini_parts(turn.get("parts"), where, ("contents", index), example)
        if not has_text(text):
            example.problems.append(
                Problem("F012", line, f"{where} ({role}) has empty content.", f"{where}.parts")
            )
        messages.append(Message(GEMINI_ROLES[role], text, has_text(text)))
    example.messages = messages
    check_conversation(example)
    return [example]


NORMALISERS: dict[str, Callable[[dict[str, Any], int], list[Example]]] = {
    GEMINI: _from_gemini,
    CHAT: _from_chat,
    SHAREGPT: _from_sharegpt,
    ALPACA: _from_alpaca,
    SELF_INSTRUCT: _from_self_instruct,
    PROMPT_COMPLETION: _from_prompt_completion,
    RAW_TEXT: _from_text,
    DPO: _from_preference,
    KTO: _from_preference,
}


def kind_of(fmt: str) -> str:
    """Which kind of dataset a format holds (decides which checks apply)."""
    if fmt in PREFERENCE_FORMATS:
        return PREFERENCE
    if fmt == CLASSIFICATION_FORMAT:
        return CLASSIFICATION
    if fmt == RAW_TEXT:
        return TEXT
    return SFT
