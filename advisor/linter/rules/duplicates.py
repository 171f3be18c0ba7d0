"""Duplicates and leakage (D): exact, near and semantic duplicates, conflicting
outputs for the same input, and evaluation examples that leak from training.

The exact level is decided here while the file is folded in order (hashes of
each example's input and output sides); the near and semantic levels run after
the pass, in ``advisor.linter.similar``, and report the same rules.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from advisor.datasets.model import CLASSIFICATION, PREFERENCE, TEXT, Example, Message
from advisor.linter.rules.base import Sink
from advisor.providers.tokens import tool_calls_text
from advisor.rulebook import rule

D001 = rule("D001", "exact-duplicate", scope="file", fix="drop", needs=("keys",))
D002 = rule("D002", "conflicting-outputs", scope="file", needs=("keys", "near", "semantic"))
D003 = rule("D003", "train-eval-leak", scope="file", fix="drop", needs=("keys", "near", "semantic"))
D004 = rule("D004", "near-duplicate", scope="file", fix="drop", needs=("keys", "near"))
D005 = rule("D005", "semantic-duplicate", scope="file", fix="drop", needs=("keys", "semantic"))


# --------------------------------------------------------------------------- keys


def _normalise(text: str) -> str:
    """Whitespace collapsed, case folded, Unicode compatibility forms unified (NFKC):
    "Ｒｅｓｅｔ  my PIN" and "reset my pin" are the same example to a model's eye and
    to a reviewer's. Pure-ASCII text (most rows) skips the NFKC pass."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


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


# --------------------------------------------------------------------------- exact level


@dataclass
class DuplicateIndex:
    """First line of every example and every input seen in a training file."""

    file: str
    examples: dict[int, int] = field(default_factory=dict)
    inputs: dict[int, tuple[int, int]] = field(default_factory=dict)
    identical: set[int] = field(default_factory=set)
    # Generation inputs already reported as having several outputs (D002 once per input).
    conflicted_inputs: set[int] = field(default_factory=set)


@dataclass
class ExactCounts:
    """What the exact level counted in one file (part of the file's facts)."""

    exact: int = 0
    identical: int = 0
    conflicting: int = 0
    duplicate_inputs: int = 0
    leaked: int = 0
    leaked_lines: set[int] = field(default_factory=set)


def _report_exact_conflict(
    sink: Sink, index: DuplicateIndex, line: int, first: int, prompt: int, kind: str | None
) -> None:
    """D002 for an exact-input conflict. Each mislabelled row of a classifier is its own
    error; generation data often holds many answers to one prompt on purpose (wwdc25:
    1,800 rows, 271 prompts), so it gets one finding per prompt, not one per answer."""
    severity = None
    if kind == CLASSIFICATION:
        message = f"Same input as line {first} with a different label."
    elif prompt in index.conflicted_inputs:
        return
    else:
        # An info, not a warning: several answers to one prompt are often on purpose
        # (references in another style); a reader judged 23 of 50 such pairs on real
        # data to be the same answer reworded (bench/precision).
        severity = "info"
        index.conflicted_inputs.add(prompt)
        message = (
            f"Same input as line {first} with another output: the model learns a blend of "
            "the answers, so keep several only if each is right and in the voice you want "
            "(later rows with this input are counted in 'conflicting', not listed again)."
        )
    sink.add(
        D002,
        line,
        message,
        severity=severity,
        duplicate_of={"file": sink.file, "line": first},
        similarity=1.0,
        kind="conflict",
    )


def check_exact(
    sink: Sink,
    index: DuplicateIndex,
    counts: ExactCounts,
    example: tuple[int, int, bool],
    keys: tuple[int, int, int, int],
    kind: str | None,
    reference: DuplicateIndex | None = None,
) -> bool:
    """D001 exact duplicates, D002 exact conflicts, D003 exact leaks for one example
    (``(line, ordinal, self_instruct)``); False when it is an exact duplicate."""
    line, ordinal, self_instruct = example
    whole, prompt, output, raw_key = keys
    identical = raw_key in index.identical
    index.identical.add(raw_key)
    first = index.examples.get(whole)
    if first is not None:
        counts.exact += 1
        counts.identical += identical
        counts.duplicate_inputs += 1
        how = "" if identical else " (differing only in whitespace, case or Unicode form)"
        finding = sink.add(
            D001,
            line,
            f"Exact duplicate of line {first}{how}.",
            duplicate_of={"file": sink.file, "line": first},
            similarity=1.0,
            kind="exact",
        )
        if finding is not None and not self_instruct:
            sink.drop(ordinal)
        unique = False
    else:
        unique = True
        index.examples[whole] = line
        seen = index.inputs.get(prompt)
        if seen is None:
            index.inputs[prompt] = (line, output)
        else:
            counts.duplicate_inputs += 1
            if kind not in (PREFERENCE, TEXT) and seen[1] != output:
                counts.conflicting += 1
                _report_exact_conflict(sink, index, line, seen[0], prompt, kind)
    if reference is not None:
        leaked = reference.inputs.get(prompt)
        if leaked is not None:
            counts.leaked += 1
            counts.leaked_lines.add(line)
            finding = sink.add(
                D003,
                line,
                f"This evaluation example's input is also in {reference.file} "
                f"(line {leaked[0]}); it inflates evaluation scores.",
                duplicate_of={"file": reference.file, "line": leaked[0]},
                similarity=1.0,
                kind="leak",
            )
            if finding is not None and not self_instruct:
                sink.drop(ordinal, leak=True)  # written only by --fix-eval
    return unique
