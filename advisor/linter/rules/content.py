"""Content quality (Q): unfilled placeholders, empty output markers, refusal
boilerplate, truncated outputs, stray whitespace, "no input" markers, and the
prompt/completion conventions most rows of a file follow."""

from __future__ import annotations

import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zlib import crc32

from advisor.datasets.formats import ALPACA, PROMPT_COMPLETION, SELF_INSTRUCT
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, SFT, Example
from advisor.linter.rules.base import (
    FileCheck,
    FileCounts,
    Hit,
    Sink,
    TextCheck,
    field_name,
    lines_shown,
)
from advisor.rulebook import rule

Q001 = rule("Q001", "template-placeholder", scope="example")
Q002 = rule("Q002", "empty-output-marker", scope="example")
Q003 = rule("Q003", "empty-input-marker", scope="example", fix="empty")
Q004 = rule("Q004", "refusal-boilerplate", scope="example")
Q005 = rule("Q005", "truncated-text", scope="example")
Q006 = rule("Q006", "surrounding-whitespace", scope="example", fix="strip")
Q007 = rule("Q007", "inconsistent-prompt-separator", scope="file")
Q008 = rule("Q008", "inconsistent-completion-convention", scope="file")
Q009 = rule("Q009", "placeholder-answer", scope="example")
Q010 = rule("Q010", "degenerate-repetition", scope="example")
Q011 = rule("Q011", "shouting-output", scope="example")
Q012 = rule("Q012", "same-output-everywhere", scope="file", needs=("keys",))
Q013 = rule("Q013", "repeated-prompt-prefix", scope="file")
Q014 = rule("Q014", "partial-reasoning-traces", scope="file")

# Not ``${{ … }}``: that is a GitHub Actions expression quoted in the text, not a slot.
PLACEHOLDER = re.compile(r"(?<!\$)\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
CODE_FENCE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
REFUSAL = re.compile(
    r"\bas an ai(?: language)? model\b|\bas a large language model\b|\bas an ai developed by\b"
    r"|\bi(?:'m| am) (?:sorry|afraid),? but i (?:can(?:no|')t|am unable|won't)\b"
    r"|\bi (?:cannot|can't|won't) (?:fulfill|comply with|assist with|help with) "
    r"(?:that|this|your) request\b"
    r"|\bi'm not able to (?:provide|help with) (?:that|this)\b",
    re.I,
)
DANGLING = re.compile(r"(?:[,(\[{:]|\b(?:and|or|the|of|to|with|because|but))\s*$", re.I)

# Q009: a reply that is a to-do note or filler, or that leaves a slot unfilled.
PLACEHOLDER_REPLY = re.compile(  # matched at the start of the reply
    r"(?:todo|tbd|tba|fixme|placeholder)\b\W*(?:$|[:\-–]\s*\S)|\W*lorem ipsum\b", re.I
)
UNFILLED_SLOT = re.compile(r"[<\[{]\s*(?:insert|your)\b[^<>\[\]{}\n]{0,60}[>\]}]", re.I)
# Q010: a unit of 1 to 8 words repeated back to back this often, over this many
# words, is a generation loop, not text (lists and tables vary their words).
LOOP_REPEATS = 10
LOOP_WORDS = 50
LOOP_UNIT = 8
# Q011: a run of capitals worth computing the share for, and the share that flags.
CAPITALS = re.compile(r"[A-Z]{3,}[^a-z]{1,3}[A-Z]{3,}")
SHOUTING_SHARE = 0.7
SHOUTING_LETTERS = 30
REFUSAL_HINTS = ("as a", "sorry", "afraid", "cannot", "can't", "not able", "unable")
# Stop sequences a legacy completion may end with (Q008). Not ".": a full stop ends
# sentences, and modern prompt/completion data (wwdc25: 1,726 of 1,800) ends most
# answers with one while the rest end with "!" or "?" quite correctly.
STOPS = ("\n", " END", "###", " [END]", "***")


# --------------------------------------------------------------------------- per text


def placeholders(field: str, text: str, hits: list[Hit]) -> None:
    """Q001: unfilled template placeholders (outside code fences)."""
    if "{{" in text:
        searchable = CODE_FENCE_BLOCK.sub("", text) if "```" in text else text
        found = PLACEHOLDER.findall(searchable)
        if found:
            shown = ", ".join(dict.fromkeys(found[:3]))
            hits.append((Q001.code, f"{field} has unfilled placeholder(s) {shown}.", field))


TEXT_CHECKS = (TextCheck((Q001,), lambda joined: "{{" in joined, placeholders),)


# --------------------------------------------------------------------------- per example


def whitespace_fields(example: Example) -> list[tuple[tuple[Any, ...], str]]:
    """Text fields with surrounding whitespace that a safe fix may strip.

    Legacy prompt/completion data is exempt where whitespace is the convention:
    one leading space on completions and a trailing separator on prompts.
    """
    flagged: list[tuple[tuple[Any, ...], str]] = []
    legacy = example.format == PROMPT_COMPLETION
    for path, value in example.text_fields:
        if not (value[:1].isspace() or value[-1:].isspace()) or value.isspace():
            continue
        if legacy and path == ("completion",):
            body = value[1:] if value.startswith(" ") else value
            if body == body.rstrip() and not body[:1].isspace():
                continue
        if legacy and path == ("prompt",) and value == value.lstrip():
            continue
        flagged.append((path, value))
    return flagged


def whitespace(example: Example, hits: list[Hit], edits: list[Any]) -> None:
    """Q006, with the strip edits its safe fix makes. The hit names the field with
    turn numbers left out (``messages[*].content``): the file pass gathers the
    hits of one field into one finding (``whitespace_summary``)."""
    flagged = whitespace_fields(example)
    if flagged:
        for name in dict.fromkeys(_field_pattern(path) for path, _ in flagged):
            hits.append((Q006.code, "", name))
        edits.extend((path, "strip") for path, _ in flagged)


def _field_pattern(path: tuple[Any, ...]) -> str:
    return field_name(tuple("*" if isinstance(part, int) else part for part in path))


def whitespace_summary(name: str, lines: list[int], examples: int) -> str:
    """Q006 once per field and file: surrounding whitespace is a habit of whoever
    wrote the file (every completion ends with a newline), so it is one finding
    with its count and first lines, not one per row (a 1,800-row file would
    get 1,800 infos). The safe fix still strips every row."""
    return (
        f"Leading/trailing whitespace in {name} of {len(lines):,} of {examples:,} "
        f"example(s) (line{'s' if len(lines) > 1 else ''} {lines_shown(lines)}); "
        "the fix strips it."
    )


def empty_input_markers(
    example: Example, markers: frozenset[str], hits: list[Hit], edits: list[Any]
) -> None:
    """Q003: an Alpaca/Self-Instruct ``input`` that says "no input" in words."""
    if example.format not in (ALPACA, SELF_INSTRUCT):
        return
    for path, value in example.text_fields:
        if path[-1] == "input" and value.strip() and value.strip().lower() in markers:
            hits.append(
                (
                    Q003.code,
                    f"`input` is {value.strip()!r}; use an empty string for 'no input'.",
                    "input",
                )
            )
            edits.append((path, "empty"))


# The rules ``reply_checks`` reports: it is skipped when none is selected.
REPLY_CODES = frozenset(rule.code for rule in (Q002, Q004, Q005, Q009, Q010, Q011))


def reply_checks(
    example: Example, empty_markers: frozenset[str], wanted: frozenset[str], hits: list[Hit]
) -> None:
    """Q002, Q004, Q005, Q009, Q010, Q011: the final assistant reply is empty in
    words, refusal boilerplate, cut off, a placeholder, a generation loop, or
    shouting."""
    if example.kind in (CLASSIFICATION, PREFERENCE) or not example.messages:
        return
    last = example.last_assistant_index()
    if last is None:
        return
    reply = example.messages[last]
    if reply.tool_calls and not reply.has_content:
        return
    output = reply.content.strip()
    if len(output) < 20 and output.lower() in empty_markers:
        if Q002.code in wanted:
            message = f"The output is only {output!r}; give a real answer or drop the example."
            hits.append((Q002.code, message, None))
        return
    if Q004.code in wanted:
        for message in example.messages:
            head = message.content[:400]
            if message.role != "assistant" or not head:
                continue
            lowered = head.lower()
            if any(hint in lowered for hint in REFUSAL_HINTS):
                match = REFUSAL.search(head)
                # With tools on offer, "I'm sorry, but I can't book flights" teaches the
                # model where its functions end (glaive function-calling data); only the
                # "as an AI model" identity boilerplate is reported there.
                if match and example.tools and not match.group(0).lower().startswith("as a"):
                    continue
                if match:
                    note = f"An assistant reply is refusal boilerplate ({match.group(0)!r})."
                    hits.append((Q004.code, note, None))
                    break
    if Q009.code in wanted:
        placeholder_reply(output, hits)
    if Q010.code in wanted and len(output) >= LOOP_WORDS * 2:
        repetition(output, hits)
    if Q011.code in wanted and len(output) >= SHOUTING_LETTERS:
        shouting(output, hits)
    if Q005.code in wanted and len(output) > 20:
        tail = output[-40:]
        if DANGLING.search(tail) or output.count("```") % 2 == 1:
            shown = output[-25:].replace("\n", " ")
            hits.append((Q005.code, f"The output looks truncated (ends …{shown!r}).", None))


def placeholder_reply(output: str, hits: list[Hit]) -> None:
    """Q009: the reply is a to-do note or lorem ipsum, or leaves a slot unfilled."""
    if PLACEHOLDER_REPLY.match(output):
        shown = output[:40]
        hits.append((Q009.code, f"The output is a placeholder ({shown!r}), not an answer.", None))
    elif "[" in output or "<" in output or "{" in output:
        match = UNFILLED_SLOT.search(output)
        if match:
            shown = match.group(0)
            hits.append((Q009.code, f"The output leaves a slot unfilled ({shown!r}).", None))


def repetition(output: str, hits: list[Hit]) -> None:
    """Q010: a phrase repeated back to back, as a model stuck in a loop writes it.

    Cheap gate first: a loop makes the words of a reply mostly the same, so replies
    whose distinct words are over a third of all words are not examined further.
    """
    words = output.split()
    if len(words) < LOOP_WORDS or len(set(words)) * 3 > len(words):
        return
    best_span, best_unit = 0, 0
    for unit in range(1, LOOP_UNIT + 1):
        run = 0
        for same in map(str.__eq__, words, words[unit:]):
            run = run + 1 if same else 0
            if run + unit > best_span and (run + unit) >= unit * LOOP_REPEATS:
                best_span, best_unit = run + unit, unit
    if best_span >= LOOP_WORDS:
        phrase = _loop_phrase(words, best_unit)
        if any(character.isalnum() for character in phrase):
            hits.append(
                (
                    Q010.code,
                    f"The output repeats {phrase!r} back to back over {best_span:,} of its "
                    f"{len(words):,} words: a generation loop, not an answer.",
                    None,
                )
            )


def _loop_phrase(words: list[str], unit: int) -> str:
    """The most frequent ``unit``-word phrase: the one the loop repeats."""
    counts = Counter(tuple(words[i : i + unit]) for i in range(0, len(words) - unit + 1))
    return " ".join(counts.most_common(1)[0][0])[:60]


def shouting(output: str, hits: list[Hit]) -> None:
    """Q011: a reply written mostly in capital letters."""
    if not CAPITALS.search(output[:400]):
        return
    letters = [character for character in output[:2000] if character.isalpha()]
    if len(letters) < SHOUTING_LETTERS:
        return
    share = sum(map(str.isupper, letters)) / len(letters)
    if share >= SHOUTING_SHARE:
        hits.append(
            (
                Q011.code,
                f"{share:.0%} of the output's letters are capitals; the model will learn to shout.",
                None,
            )
        )


# --------------------------------------------------------------------------- file patterns

# Q013: prompt-prefix lengths (characters) compared across the file, and the share of
# prompts that must share one to report it.
PREFIX_LENGTHS = (100, 200, 400, 800, 1600)
PREFIX_SHARE = 0.9
# Q012: the share of generation examples with one output that makes it a pattern.
SAME_OUTPUT_SHARE = 0.5
PATTERN_MIN_EXAMPLES = 10


def prompt_prefix(example: Example) -> tuple[tuple[int, ...], str] | None:
    """CRC-32 of the first user turn's first 100, 200, 400… characters (as many as it
    has), and its first 80 characters to show. CRC-32, not ``hash``: worker
    processes must agree."""
    if example.kind in (CLASSIFICATION, PREFERENCE):
        return None
    user = next((m.content for m in example.messages if m.role == "user"), "")
    if len(user) < PREFIX_LENGTHS[0]:
        return None
    encoded = user[: PREFIX_LENGTHS[-1]].encode()
    keys = tuple(crc32(encoded[:length]) for length in PREFIX_LENGTHS if len(user) >= length)
    return keys, user[:80]


class RepeatedPromptPrefix(FileCheck):
    """Q013 once per file: most prompts open with the same long text, paid for on
    every example (estimated at OpenAI's rule of thumb, 4 characters a token)."""

    rules = (Q013,)

    def payload(self, example: Example) -> tuple[tuple[int, ...], str] | None:
        return prompt_prefix(example)

    def finish(
        self, state: list[tuple[int, tuple[tuple[int, ...], str]]], sink: Sink, counts: FileCounts
    ) -> None:
        examples = counts.valid
        if examples < PATTERN_MIN_EXAMPLES or not state:
            return
        rows = [(line, keys, shown) for line, (keys, shown) in state]
        found = None
        for level, length in enumerate(PREFIX_LENGTHS):
            tally = Counter(keys[level] for _, keys, _ in rows if len(keys) > level)
            if not tally:
                break
            key, count = tally.most_common(1)[0]
            if count < PREFIX_SHARE * examples:
                break
            found = (length, key, count, level)
        if found is None:
            return
        length, key, count, level = found
        line, _, shown = next(row for row in rows if len(row[1]) > level and row[1][level] == key)
        per_example = length // 4
        sink.add(
            Q013,
            line,
            f"{count:,} of {examples:,} prompts open with the same {length:,}+ characters "
            f"({shown!r}…), about {per_example:,} tokens paid on every example and epoch. "
            "Fine-tuning can learn the behaviour they ask for: shorten them here and at "
            "inference alike, or keep them on purpose.",
        )


def check_same_output(
    sink: Sink, outputs: Counter[int], first_line: dict[int, int], examples: int
) -> None:
    """Q012 once per file: one output answers most generation examples."""
    if examples < PATTERN_MIN_EXAMPLES or not outputs:
        return
    key, count = outputs.most_common(1)[0]
    if count >= SAME_OUTPUT_SHARE * examples and count > 1:
        sink.add(
            Q012,
            first_line[key],
            f"{count:,} of {examples:,} examples ({count / examples:.0%}) have the same "
            f"output as line {first_line[key]}: the model learns to give that answer "
            "whatever the input. For a fixed set of answers, use classification data.",
        )


# --------------------------------------------------------------------------- conventions


Convention = tuple[int, bool, str]  # (prompt separator index or -1, leading space, stop)


def conventions(example: Example, separators: tuple[str, ...]) -> Convention | None:
    """What a legacy prompt/completion row does (Q007/Q008 compare it with the file)."""
    if example.format != PROMPT_COMPLETION:
        return None
    record = example.record if isinstance(example.record, dict) else {}
    prompt = record.get("prompt") if isinstance(record.get("prompt"), str) else ""
    completion = record.get("completion") if isinstance(record.get("completion"), str) else ""
    sep = next((i for i, s in enumerate(separators) if prompt.endswith(s)), -1)
    stop = next((s for s in STOPS if completion.endswith(s)), "")
    return sep, completion.startswith(" "), stop


def check_conventions(
    sink: Sink,
    rows: list[tuple[int, int, bool, str]],
    separators: list[str],
    share: float,
) -> None:
    """Q007/Q008: flag the minority when most rows follow a convention."""
    n = len(rows)
    _flag_minority(
        sink,
        [(line, separators[sep] if sep >= 0 else None) for line, sep, _, _ in rows],
        Q007,
        lambda value, count: (
            f"Prompt does not end with the separator {value!r} that {count} of {n} prompts use."
        ),
        share,
    )
    _flag_minority(
        sink,
        [(line, True if space else None) for line, _, space, _ in rows],
        Q008,
        lambda _, count: f"Completion does not start with a space, unlike {count} of {n}.",
        share,
    )
    _flag_minority(
        sink,
        [(line, stop or None) for line, _, _, stop in rows],
        Q008,
        lambda value, count: (
            f"Completion does not end with the stop sequence {value!r} "
            f"that {count} of {n} completions use."
        ),
        share,
    )


def _flag_minority(
    sink: Sink, rows: list[tuple[int, Any]], code: Any, message: Any, share: float
) -> None:
    """When at least ``share`` of rows share one value, flag the others."""
    values = Counter(value for _, value in rows if value is not None)
    if not values:
        return
    value, count = values.most_common(1)[0]
    if share <= count / len(rows) < 1:
        for line, found in rows:
            if found != value:
                sink.add(code, line, message(value, count))


# Q014: a reasoning trace opens the reply of a reasoning model (DeepSeek-R1, Qwen3 and
# the models distilled from them write it inline, between think tags).
THINK_OPEN = "<think>"


class PartialReasoningTraces(FileCheck):
    """Q014 once per file: some replies open with a reasoning trace and others do
    not, so the model learns to reason only sometimes, and which reply gets a
    trace is an accident of how the file was assembled."""

    rules = (Q014,)

    def payload(self, example: Example) -> bool | None:
        if example.kind != SFT:
            return None
        last = example.last_assistant_index()
        if last is None:
            return None
        return example.messages[last].content.lstrip().startswith(THINK_OPEN)

    def start(self) -> TraceTally:
        return TraceTally()

    def fold(self, state: TraceTally, line: int, payload: bool | None) -> None:
        if payload is True:
            state.traced += 1
        elif payload is False:
            state.without.append(line)

    def finish(self, state: TraceTally, sink: Sink, counts: FileCounts) -> None:
        without, traced = state.without, state.traced
        replies = traced + len(without)
        if replies < PATTERN_MIN_EXAMPLES or not traced or not without:
            return
        sink.add(
            Q014,
            without[0],
            f"{traced:,} of {replies:,} replies open with a {THINK_OPEN} reasoning trace "
            f"and {len(without):,} do not (lines {lines_shown(list(without))}): the model "
            "learns to reason only sometimes. Give every reply a trace, or mark the replies "
            "meant to answer directly with an empty <think></think> block, as hybrid "
            "reasoning models' templates do.",
        )


@dataclass
class TraceTally:
    """Q014's state for one file: a count, and the lines of replies without a trace
    (8 bytes each: a file of a million replies keeps no tuple per row)."""

    traced: int = 0
    without: array[int] = field(default_factory=lambda: array("q"))


# Whole-file checks of this family (each owns its payload, fold and finish).
FILE_CHECKS: tuple[FileCheck, ...] = (RepeatedPromptPrefix(), PartialReasoningTraces())
