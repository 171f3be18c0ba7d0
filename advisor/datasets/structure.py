"""The format family (F): structural rules, the only checks that see raw records.

Readers (``advisor.datasets.raw`` and the format modules) attach these rules'
``Problem``s to the examples they build; the checks shared by every
conversational format live here: turn order, tool calls and their answers,
tool definitions, unknown keys. Everything downstream sees only ``Example``s.
"""

from __future__ import annotations

import json
import re
from typing import Any

from advisor.datasets.model import Example, Problem
from advisor.rulebook import rule

F001 = rule("F001", "invalid-json", scope="example")
F002 = rule("F002", "not-an-object", scope="example")
F003 = rule("F003", "unrecognised-record", scope="example")
F004 = rule("F004", "mixed-formats", scope="example")
F005 = rule("F005", "unknown-key", scope="example")
F006 = rule("F006", "unknown-role", scope="example")
F007 = rule("F007", "malformed-message", scope="example")
F008 = rule("F008", "no-assistant-message", scope="example")
F009 = rule("F009", "system-not-first", scope="example")
F010 = rule("F010", "last-message-not-assistant", scope="example")
F011 = rule("F011", "consecutive-same-role", scope="example")
F012 = rule("F012", "empty-content", scope="example")
F013 = rule("F013", "multiple-system-messages", scope="example")
F014 = rule("F014", "unpaired-tool-call", scope="example")
F015 = rule("F015", "invalid-tool-schema", scope="example")
F016 = rule("F016", "invalid-function-name", scope="example")
F017 = rule("F017", "invalid-weight", scope="example")
F018 = rule("F018", "not-utf8", scope="example")
F019 = rule("F019", "empty-file", scope="file")
F020 = rule("F020", "preference-data", scope="file")
F021 = rule("F021", "invalid-tool-arguments", scope="example")
F022 = rule("F022", "no-user-message", scope="example")
F023 = rule("F023", "undefined-function-call", scope="example")
F024 = rule("F024", "non-standard-json", scope="example")
F025 = rule("F025", "image-outside-user-turn", scope="example")
F026 = rule("F026", "foreign-content-part", scope="example", fix="rename")


FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def unknown_keys(record: dict[str, Any], allowed: set[str]) -> list[str]:
    if record.keys() <= allowed:
        return []
    return [str(key) for key in record if key not in allowed]


def flag_unknown_keys(
    example: Example, record: dict[str, Any], allowed: set[str], *, top_level: bool, hint: str = ""
) -> None:
    """F005 for keys a format does not define (providers reject or silently drop them)."""
    extra = unknown_keys(record, allowed)
    if extra:
        where = "top-level key(s)" if top_level else "key(s)"
        tail = f"; {hint}" if hint else ""
        example.problems.append(
            Problem(F005, example.line, f"Unknown {where} {', '.join(map(repr, extra))}{tail}.")
        )


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
                F008,
                line,
                "No assistant message: there is nothing for the model to learn from this example.",
            )
        )
    if "user" not in roles and "assistant" in roles:
        problems.append(Problem(F022, line, "No user message: the example has no user turn."))
    systems = [i for i, role in enumerate(roles) if role in ("system", "developer")]
    if len(systems) > 1:
        problems.append(Problem(F013, line, f"{len(systems)} system messages; keep one, first."))
    if systems and systems[0] != 0:
        problems.append(
            Problem(F009, line, f"The system message is turn {systems[0] + 1}; it must come first.")
        )
    if require_assistant and roles[-1] != "assistant" and "assistant" in roles:
        problems.append(
            Problem(
                F010,
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
                    F011,
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
                            F014,
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
                        F014,
                        line,
                        f"Turn {index + 1} is a tool response without `tool_call_id`.",
                    )
                )
                pending.clear()
            else:
                problems.append(
                    Problem(
                        F014,
                        line,
                        f"Turn {index + 1} is a {message.role} response with no tool call "
                        "before it.",
                    )
                )
        elif message.role in ("user", "assistant") and (pending or anonymous_pending):
            missing = len(pending) + anonymous_pending
            problems.append(
                Problem(
                    F014,
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
        problems.append(Problem(F007, line, f"{where} must be an object with a `function` object."))
        return
    function = call["function"]
    name = function.get("name")
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        problems.append(
            Problem(
                F016,
                line,
                f"{where} calls function {name!r}; names must match ^[a-zA-Z0-9_-]{{1,64}}$.",
            )
        )
    elif defined is not None and name not in defined:
        problems.append(
            Problem(F023, line, f"{where} calls {name!r}, which the example's tools do not define.")
        )
    arguments = function.get("arguments")
    if call.get("sharegpt"):
        return
    if not isinstance(arguments, str):
        problems.append(Problem(F021, line, f"{where}: `arguments` must be a JSON-encoded string."))
        return
    try:
        json.loads(arguments)
    except ValueError:
        problems.append(Problem(F021, line, f"{where}: `arguments` is not valid JSON."))


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
                Problem(F015, line, f"`{key}` is a string that is not valid JSON.", key)
            )
            return None
    if not isinstance(tools, list):
        problems.append(Problem(F015, line, f"`{key}` must be a list of tool definitions.", key))
        return None
    from advisor.datasets.schema import schema_error

    for index, tool in enumerate(tools):
        where = f"{key}[{index}]"
        if not isinstance(tool, dict):
            problems.append(Problem(F015, line, f"{where} is not an object.", where))
            continue
        function = tool.get("function") if key == "tools" and "function" in tool else tool
        if not isinstance(function, dict):
            problems.append(Problem(F015, line, f"{where}.function is not an object.", where))
            continue
        name = function.get("name")
        if not isinstance(name, str) or not FUNCTION_NAME.match(name):
            problems.append(
                Problem(
                    F016,
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
                Problem(F015, line, f"{where}.parameters is not valid JSON Schema: {error}", where)
            )
    return tools
