"""Per-example analysis: everything about one example that needs no other example.

``analyse`` turns a normalised ``Example`` into a small, picklable
``ExampleResult`` (problems, content hits, duplicate keys, token counts). It is
a pure function of the example and the ``Context``, so the same code runs
inline or in worker processes; everything that compares examples (duplicates,
balance, conventions) happens afterwards, in file order, in the runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from advisor.datasets import formats as fmt
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, SFT, TEXT, Example, Message
from advisor.linter.content import check_example, whitespace_fields
from advisor.providers.tokens import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    Encoder,
    tool_calls_text,
    tool_definition_tokens,
)

STOPS = ("\n", " END", "###", " [END]", "***", ".")


class ExampleResult(NamedTuple):
    """What the runner needs to know about one example (all plain data)."""

    line: int
    ordinal: int
    self_instruct: bool
    problems: Sequence[tuple[str, int | None, str, str | None]]
    invalid: bool
    counted: bool
    hits: Sequence[tuple[str, str, str | None]]
    edits: Sequence[tuple[tuple[Any, ...], str]]
    keys: tuple[int, int, int, int] | None
    tokens: int
    assistant_tokens: int
    messages: int
    label: str | None
    convention: tuple[int, bool, str] | None
    missing_system: bool
    missing_user: bool
    # Near duplicates: (input ids, output ids) from analyse, replaced by the batch
    # layer with (input signature, output signature) as bytes.
    near: tuple[Any, Any] | None = None
    # Semantic duplicates: (input text, output text).
    texts: tuple[str, str] | None = None


@dataclass
class Context:
    """Settings and caches shared by every analysed example of a run."""

    encoder: Encoder
    tool_overhead: str
    error_codes: frozenset[str]
    empty_markers: frozenset[str]
    separators: tuple[str, ...]
    wanted: frozenset[str]
    near: bool = False
    semantic: bool = False
    _role_tokens: dict[str, int] = field(default_factory=dict)
    _tools_tokens: dict[int, int] = field(default_factory=dict)

    def role_cost(self, role: str) -> int:
        cost = self._role_tokens.get(role)
        if cost is None:
            cost = self._role_tokens[role] = self.encoder.count(role)
        return cost

    def tools_cost(self, tools: list[Any]) -> int:
        key = hash(repr(tools))
        cost = self._tools_tokens.get(key)
        if cost is None:
            cost = tool_definition_tokens(tools, self.encoder, self.tool_overhead)
            self._tools_tokens[key] = cost
        return cost


# --------------------------------------------------------------------------- keys


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _message_key(message: Message) -> tuple[str, str, str]:
    calls = tool_calls_text(message.tool_calls) if message.tool_calls else ""
    return (message.role, _normalise(message.content), calls)


def example_keys(example: Example) -> tuple[int, int, int, int]:
    """Hashes of (whole example, input side, output side) after whitespace
    normalisation, plus the byte-for-byte identity of the example.

    The input side is every turn before the last assistant reply (system
    included) with the tool definitions; the output side is the reply, the
    label, and for preference data the rejected reply. Python's ``hash`` is
    stable within a run and shared by forked workers.
    """
    raw_parts = tuple((m.role, m.content, repr(m.tool_calls)) for m in example.messages)
    raw = hash((raw_parts, example.label, repr(example.tools), repr(example.rejected)))
    if example.kind == TEXT:
        whole = hash(tuple(_message_key(m) for m in example.messages))
        return whole, whole, whole, raw
    tools = repr(example.tools) if example.tools else ""
    last = example.last_assistant_index()
    prompt = example.messages if last is None else example.messages[:last]
    prompt_key = hash((tuple(_message_key(m) for m in prompt), tools))
    output_parts: tuple[Any, ...] = tuple(_message_key(m) for m in example.messages[len(prompt) :])
    if example.label is not None:
        output_parts = (*output_parts, ("label", example.label))
    if example.rejected:
        output_parts = (*output_parts, tuple(_message_key(m) for m in example.rejected))
    output_key = hash(output_parts)
    return hash((prompt_key, output_key)), prompt_key, output_key, raw


# --------------------------------------------------------------------------- tokens


def count_tokens(
    example: Example, context: Context, keep_ids: bool = False
) -> tuple[int, int, list[int] | None, list[int] | None]:
    """(total, assistant) tokens as OpenAI counts chat fine-tuning examples.

    With ``keep_ids`` also returns the token ids of the input side (turns before
    the last assistant reply, system prompts excluded since they are usually
    shared by every example) and of the output side, which near-duplicate
    detection shingles: the ids come for free with the count.
    """
    encode = context.encoder.encoding.encode_ordinary
    chat = example.kind != TEXT
    total = REPLY_PRIMING if chat else 0
    assistant = 0
    prompt_ids: list[int] | None = [] if keep_ids else None
    output_ids: list[int] | None = [] if keep_ids else None
    last = example.last_assistant_index() if example.kind != TEXT else None
    for index, message in enumerate(example.messages + (example.rejected or [])):
        ids = encode(message.content) if message.content else []
        tokens = len(ids)
        if message.tool_calls:
            call_ids = encode(tool_calls_text(message.tool_calls))
            tokens += len(call_ids)
            ids = ids + call_ids
        if chat:
            total += TOKENS_PER_MESSAGE + context.role_cost(message.role)
            if message.name:
                total += len(encode(message.name)) + TOKENS_PER_NAME
        total += tokens
        if message.role == "assistant":
            assistant += tokens
        if keep_ids and index < len(example.messages):
            if last is not None and index >= last:
                output_ids.extend(ids)  # type: ignore[union-attr]
            elif message.role not in ("system", "developer"):
                prompt_ids.extend(ids)  # type: ignore[union-attr]
    if example.tools:
        total += context.tools_cost(example.tools)
    if keep_ids and example.kind == CLASSIFICATION:
        output_ids = []  # labels are compared for equality, not shingled
    return total, assistant, prompt_ids, output_ids


# --------------------------------------------------------------------------- analyse


def _conventions(example: Example, separators: tuple[str, ...]) -> tuple[int, bool, str]:
    """(index of the prompt's separator or -1, completion starts with a space, stop)."""
    record = example.record if isinstance(example.record, dict) else {}
    prompt = record.get("prompt") if isinstance(record.get("prompt"), str) else ""
    completion = record.get("completion") if isinstance(record.get("completion"), str) else ""
    sep = next((i for i, s in enumerate(separators) if prompt.endswith(s)), -1)
    stop = next((s for s in STOPS if completion.endswith(s)), "")
    return sep, completion.startswith(" "), stop


def _empty_input_hits(
    example: Example, markers: frozenset[str], hits: list[Any], edits: list[Any]
) -> None:
    if example.format not in (fmt.ALPACA, fmt.SELF_INSTRUCT):
        return
    for path, value in example.text_fields:
        if path[-1] == "input" and value.strip() and value.strip().lower() in markers:
            hits.append(
                (
                    "Q003",
                    f"`input` is {value.strip()!r}; use an empty string for 'no input'.",
                    "input",
                )
            )
            edits.append((path, "empty"))


def analyse(example: Example, context: Context) -> ExampleResult:
    """Everything about one example that does not depend on the others."""
    problems: Any = [(p.code, p.line, p.message, p.field) for p in example.problems] or ()
    invalid = any(p.code in context.error_codes for p in example.problems)
    counted = bool(example.messages)
    hits: Any = ()
    edits: list[tuple[tuple[Any, ...], str]] = []
    keys = None
    missing_system = missing_user = False
    convention = None
    if counted and not invalid:
        hits = check_example(example, context.empty_markers, context.wanted) or ()
        if "Q006" in context.wanted and any(code == "Q006" for code, _, _ in hits):
            edits.extend((path, "strip") for path, _ in whitespace_fields(example))
        if example.format in (fmt.ALPACA, fmt.SELF_INSTRUCT):
            hits = list(hits)
            _empty_input_hits(example, context.empty_markers, hits, edits)
        keys = example_keys(example)
        if example.kind in (SFT, PREFERENCE):
            roles = {m.role for m in example.messages}
            missing_system = "system" not in roles and "developer" not in roles
            missing_user = "user" not in roles
        if example.format == fmt.PROMPT_COMPLETION:
            convention = _conventions(example, context.separators)
    tokens = assistant = 0
    prompt_ids = output_ids = None
    texts = None
    if counted:
        keep = context.near and keys is not None
        tokens, assistant, prompt_ids, output_ids = count_tokens(example, context, keep)
        if context.semantic and keys is not None:
            texts = comparison_texts(example)
    return ExampleResult(
        line=example.line,
        ordinal=example.ordinal,
        self_instruct=example.format == fmt.SELF_INSTRUCT,
        problems=problems,
        invalid=invalid or not counted,
        counted=counted,
        hits=hits,
        edits=edits or (),
        keys=keys,
        tokens=tokens,
        assistant_tokens=assistant,
        messages=len(example.messages),
        label=example.label if example.kind == CLASSIFICATION and example.label else None,
        convention=convention,
        missing_system=missing_system,
        missing_user=missing_user,
        near=None if prompt_ids is None else (prompt_ids, output_ids),
        texts=texts,
    )


def comparison_texts(example: Example) -> tuple[str, str]:
    """(input side, output side) as text, for embedding: the same split as the
    token ids used for near duplicates."""
    if example.kind == TEXT:
        return " ".join(m.content for m in example.messages), ""
    last = example.last_assistant_index()
    prompt = example.messages if last is None else example.messages[:last]
    prompt_text = "\n".join(m.content for m in prompt if m.role not in ("system", "developer"))
    if example.kind == CLASSIFICATION:
        return prompt_text, ""
    output = example.messages[len(prompt) :]
    output_text = "\n".join(
        m.content + (tool_calls_text(m.tool_calls) if m.tool_calls else "") for m in output
    )
    return prompt_text, output_text
