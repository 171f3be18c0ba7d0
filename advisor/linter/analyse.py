"""Per-example analysis: everything about one example that needs no other example.

``analyse`` turns a normalised ``Example`` into a small, picklable
``ExampleResult`` (problems, content hits, duplicate keys, token counts). It is
a pure function of the example and the ``Context``, so the same code runs
inline or in worker processes; everything that compares examples (duplicates,
balance, conventions) happens afterwards, in file order, in the runner.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from advisor.datasets.formats import SELF_INSTRUCT
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, SFT, TEXT, Example
from advisor.datasets.structure import F026
from advisor.linter.rules import TEXT_CHECKS, content, tokens
from advisor.linter.rules.base import FileCheck, Hit, TextCheck, field_name
from advisor.linter.rules.duplicates import example_keys
from advisor.providers.models import ImageLimits
from advisor.providers.tokens import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    Encoder,
    tool_calls_text,
    tool_definition_tokens,
)
from advisor.similarity import lexical_guard


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
    # Near duplicates: (input ids, output ids, input guard) from analyse; the batch
    # layer replaces the ids with MinHash signatures as bytes.
    near: tuple[Any, Any, Any] | None = None
    # Semantic duplicates: (input text, output text).
    texts: tuple[str, str] | None = None
    # One payload per whole-file check of the run (``Context.file_checks``), in order.
    payloads: tuple[Any, ...] = ()


# System and developer prompts: the texts a chat file repeats row after row.
INSTRUCTION_ROLES = frozenset({"system", "developer"})
INSTRUCTION_CACHE = 64


@dataclass
class Context:
    """Settings and caches shared by every analysed example of a run."""

    encoder: Encoder | None  # None when nothing reads tokens (``count`` and ``near`` off)
    tool_overhead: str
    error_codes: frozenset[str]
    empty_markers: frozenset[str]
    separators: tuple[str, ...]
    wanted: frozenset[str]
    near: bool = False
    semantic: bool = False
    # Token counts (T001 and the cost facts); the near level encodes the texts anyway.
    count: bool = True
    # Duplicate keys (the D rules, Q012, the size rules and the cost's epochs read them).
    keys: bool = True
    # T004: the provider profile's image limits and its name (None: not published).
    image_limits: ImageLimits | None = None
    provider: str = ""
    # The whole-file checks with a selected rule: each example gives each a payload.
    file_checks: tuple[FileCheck, ...] = ()
    _role_tokens: dict[str, int] = field(default_factory=dict)
    _tools_tokens: dict[int, int] = field(default_factory=dict)
    _instruction_ids: dict[str, list[int]] = field(default_factory=dict)
    _text_checks: tuple[TextCheck, ...] | None = None

    def text_checks(self) -> tuple[TextCheck, ...]:
        """The per-text checks with at least one selected rule (decided once per run)."""
        if self._text_checks is None:
            self._text_checks = tuple(
                check
                for check in TEXT_CHECKS
                if any(rule.code in self.wanted for rule in check.rules)
            )
        return self._text_checks

    def role_cost(self, role: str) -> int:
        cost = self._role_tokens.get(role)
        if cost is None:
            assert self.encoder is not None
            cost = self._role_tokens[role] = self.encoder.count(role)
        return cost

    def instruction_ids(self, text: str) -> list[int]:
        """Token ids of a system or developer prompt, encoded once per distinct text:
        most chat files repeat one instruction on every row (11% of the characters
        of bench/lint_speed.py's file). Callers never mutate the list. A full cache
        drops its oldest prompt, so a file of distinct prompts costs no more memory."""
        cache = self._instruction_ids
        ids = cache.get(text)
        if ids is None:
            assert self.encoder is not None
            if len(cache) >= INSTRUCTION_CACHE:
                del cache[next(iter(cache))]
            ids = cache[text] = self.encoder.encoding.encode_ordinary(text)
        return ids

    def tools_cost(self, tools: list[Any]) -> int:
        key = hash(repr(tools))
        cost = self._tools_tokens.get(key)
        if cost is None:
            assert self.encoder is not None
            cost = tool_definition_tokens(tools, self.encoder, self.tool_overhead)
            self._tools_tokens[key] = cost
        return cost


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
    assert context.encoder is not None
    encode = context.encoder.encoding.encode_ordinary
    chat = example.kind != TEXT
    total = REPLY_PRIMING if chat else 0
    assistant = 0
    prompt_ids: list[int] | None = [] if keep_ids else None
    output_ids: list[int] | None = [] if keep_ids else None
    last = example.last_assistant_index() if example.kind != TEXT else None
    for index, message in enumerate(example.messages + (example.rejected or [])):
        if not message.content:
            ids = []
        elif message.role in INSTRUCTION_ROLES:
            ids = context.instruction_ids(message.content)
        else:
            ids = encode(message.content)
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
            elif message.role not in INSTRUCTION_ROLES:
                prompt_ids.extend(ids)  # type: ignore[union-attr]
    if example.tools:
        total += context.tools_cost(example.tools)
    if keep_ids and example.kind == CLASSIFICATION:
        output_ids = []  # labels are compared for equality, not shingled
    return total, assistant, prompt_ids, output_ids


# --------------------------------------------------------------------------- analyse


def content_hits(
    example: Example, context: Context, edits: list[tuple[tuple[Any, ...], str]]
) -> list[Hit]:
    """Every selected per-example content check (T002, Q, P) on one example.

    One pass of cheap substring tests over the example's joined text decides which
    text checks can fire at all; most examples need none of them.
    """
    wanted = context.wanted
    hits: list[Hit] = []
    checks = context.text_checks()
    active: list[TextCheck] = []
    if checks:
        fields = list(texts_of(example))
        joined = "\x00".join(text for _, text in fields)
        active = [check for check in checks if check.hint(joined)]
    if active:
        named = [(field_name(path), text) for path, text in fields]
        for check in active:
            for name, text in named:
                check.check(name, text, hits)
        hits = [hit for hit in hits if hit[0] in wanted]
    if example.images and context.image_limits is not None and tokens.T004.code in wanted:
        tokens.image_limits(example.images, context.image_limits, context.provider, hits)
    if content.Q006.code in wanted:
        content.whitespace(example, hits, edits)
    if not wanted.isdisjoint(content.REPLY_CODES):
        content.reply_checks(example, context.empty_markers, wanted, hits)
    if content.Q003.code in wanted:
        content.empty_input_markers(example, context.empty_markers, hits, edits)
    return hits


def rename_foreign_parts(example: Example, edits: list[tuple[tuple[Any, ...], str]]) -> None:
    """F026's safe fix, LLaMA-Factory v1 to OpenAI: text parts' "value" becomes "text";
    "loss_weight" 0 or 1 on an assistant turn becomes "weight", and on other turns
    goes (OpenAI never trains on them). Other weights and shapes are left alone."""
    if not any(problem.code == F026.code for problem in example.problems):
        return
    for path, _ in example.text_fields:
        if path[-1] == "value" and path[0] == "messages":
            edits.append((path, "rename"))
    record = example.record
    turns = record.get("messages") if isinstance(record, dict) else None
    for index, turn in enumerate(turns if isinstance(turns, list) else []):
        if isinstance(turn, dict) and "loss_weight" in turn:
            weight = turn["loss_weight"]
            if turn.get("role") != "assistant" or (
                weight in (0, 1) and not isinstance(weight, bool)
            ):
                edits.append((("messages", index, "loss_weight"), "rename"))


def texts_of(example: Example) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text of the example with its path, tool calls included."""
    yield from example.text_fields
    for index, message in enumerate(example.messages):
        if message.tool_calls:
            yield ("turn", index + 1, "tool_calls"), tool_calls_text(message.tool_calls)


def analyse(example: Example, context: Context) -> ExampleResult:
    """Everything about one example that does not depend on the others."""
    problems: Any = [(p.code, p.line, p.message, p.field) for p in example.problems] or ()
    invalid = any(p.code in context.error_codes for p in example.problems)
    counted = bool(example.messages)
    hits: Any = ()
    edits: list[tuple[tuple[Any, ...], str]] = []
    keys = None
    payloads: tuple[Any, ...] = ()
    missing_system = missing_user = False
    convention = None
    if F026.code in context.wanted:
        rename_foreign_parts(example, edits)
    if counted and not invalid:
        hits = content_hits(example, context, edits) or ()
        keys = example_keys(example) if context.keys else None
        if example.kind in (SFT, PREFERENCE):
            roles = {m.role for m in example.messages}
            missing_system = "system" not in roles and "developer" not in roles
            missing_user = "user" not in roles
        convention = content.conventions(example, context.separators)
        if context.file_checks:
            payloads = tuple(check.payload(example) for check in context.file_checks)
    tokens = assistant = 0
    prompt_ids = output_ids = None
    texts = None
    near = None
    if counted:
        keep = context.near and keys is not None
        if context.count or keep:
            tokens, assistant, prompt_ids, output_ids = count_tokens(example, context, keep)
        if keys is not None and (context.semantic or keep):
            sides = comparison_texts(example)
            if keep:  # the input's guard fingerprint rides with its token ids
                near = (prompt_ids, output_ids, lexical_guard.fingerprint(sides[0]))
            if context.semantic:
                texts = sides
    return ExampleResult(
        line=example.line,
        ordinal=example.ordinal,
        self_instruct=example.format == SELF_INSTRUCT,
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
        near=near,
        texts=texts,
        payloads=payloads,
    )


def comparison_texts(example: Example) -> tuple[str, str]:
    """(input side, output side) as text, for embedding: the same split as the
    token ids used for near duplicates."""
    if example.kind == TEXT:
        return " ".join(m.content for m in example.messages), ""
    last = example.last_assistant_index()
    prompt = example.messages if last is None else example.messages[:last]
    prompt_text = "\n".join(m.content for m in prompt if m.role not in INSTRUCTION_ROLES)
    if example.kind == CLASSIFICATION:
        return prompt_text, ""
    output = example.messages[len(prompt) :]
    output_text = "\n".join(
        m.content + (tool_calls_text(m.tool_calls) if m.tool_calls else "") for m in output
    )
    return prompt_text, output_text
