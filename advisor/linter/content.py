"""Per-example content checks: quality (Q), special tokens (T002), privacy (P).

Each check is a plain function over one normalised ``Example``; cheap substring
tests guard every regular expression because these run on every text of files
with hundreds of thousands of examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from advisor.datasets import formats
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, Example
from advisor.providers.tokens import tool_calls_text

Hit = tuple[str, str, str | None]  # (code, message, field)

SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{2,40}\|>")
PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
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

SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_\-]{60,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})")),
    ("Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,}")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z]{34}\b")),
    (
        "JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
        ),
    ),
)
SECRET_HINTS = (
    "sk-",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "AIza",
    "_live_",
    "_test_",
    "hf_",
    "eyJ",
    "PRIVATE KEY",
)
SECRET_HINT = re.compile("|".join(re.escape(hint) for hint in SECRET_HINTS))
REFUSAL_HINTS = ("as a", "sorry", "afraid", "cannot", "can't", "not able", "unable")
EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])"
)
CARD = re.compile(
    r"(?<![\d.,-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5}|\d{13,19})"
    r"(?![\d-]|[.,]\d)"
)
CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|35|3[068])")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask(secret: str) -> str:
    """Show enough of a secret to find it, never the whole of it."""
    if len(secret) <= 12:
        return secret[:2] + "…"
    return f"{secret[:6]}…{secret[-2:]}"


def texts_of(example: Example) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text of the example with its path, tool calls included."""
    yield from example.text_fields
    for index, message in enumerate(example.messages):
        if message.tool_calls:
            yield ("turn", index + 1, "tool_calls"), tool_calls_text(message.tool_calls)


def _field_name(path: tuple[Any, ...]) -> str:
    """("messages", 2, "content") -> "messages[2].content"."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def check_text(field: str, text: str, hits: list[Hit]) -> None:
    """Checks that apply to any text wherever it sits: T002, Q001, P001-P004."""
    if "<|" in text:
        match = SPECIAL_TOKEN.search(text)
        if match:
            hits.append(
                (
                    "T002",
                    f"{field} contains the control token {match.group(0)!r}; remove or escape it.",
                    field,
                )
            )
    if "{{" in text:
        searchable = CODE_FENCE_BLOCK.sub("", text) if "```" in text else text
        found = PLACEHOLDER.findall(searchable)
        if found:
            shown = ", ".join(dict.fromkeys(found[:3]))
            hits.append(("Q001", f"{field} has unfilled placeholder(s) {shown}.", field))
    if SECRET_HINT.search(text):
        for label, pattern in SECRETS:
            match = pattern.search(text)
            if match and (label != "OpenAI API key" or any(c.isdigit() for c in match.group(0))):
                hits.append(
                    (
                        "P001",
                        f"{field} contains what looks like a {label} "
                        f"({mask(match.group(0))}); remove it and rotate the key.",
                        field,
                    )
                )
                break
    if "@" in text:
        match = EMAIL.search(text)
        if match:
            hits.append(
                ("P002", f"{field} contains an e-mail address ({mask(match.group(0))}).", field)
            )
    if _has_long_digits(text):
        for match in CARD.finditer(text):
            digits = re.sub(r"[ -]", "", match.group(0))
            if 13 <= len(digits) <= 19 and CARD_PREFIX.match(digits) and luhn_valid(digits):
                hits.append(
                    (
                        "P004",
                        f"{field} contains a payment card number "
                        f"(…{digits[-4:]}, passes the Luhn check).",
                        field,
                    )
                )
                break
        else:
            match = PHONE.search(text)
            if match and sum(c.isdigit() for c in match.group(0)) >= 9:
                hits.append(
                    ("P003", f"{field} contains a phone number ({mask(match.group(0))}).", field)
                )


_DIGIT_RUN = re.compile(r"[0-9][0-9 .()-]{7,}[0-9]")


def _has_long_digits(text: str) -> bool:
    return _DIGIT_RUN.search(text) is not None


def whitespace_fields(example: Example) -> list[tuple[tuple[Any, ...], str]]:
    """Text fields with surrounding whitespace that a safe fix may strip.

    Legacy prompt/completion data is exempt where whitespace is the convention:
    one leading space on completions and a trailing separator on prompts.
    """
    flagged: list[tuple[tuple[Any, ...], str]] = []
    legacy = example.format == formats.PROMPT_COMPLETION
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


def check_example(
    example: Example, empty_markers: frozenset[str], wanted: frozenset[str] | None = None
) -> list[Hit]:
    """All per-example content checks; returns (code, message, field) hits.

    One pass of cheap substring tests over the example's joined text decides
    which detailed checks can possibly fire; most examples need none of them.
    ``wanted`` (the selected codes) lets a run skip checks nobody asked for.
    """
    wanted = wanted if wanted is not None else ALL_CONTENT_CODES
    hits: list[Hit] = []
    fields = list(texts_of(example))
    joined = "\x00".join(text for _, text in fields)
    if (
        ("T002" in wanted and "<|" in joined)
        or ("Q001" in wanted and "{{" in joined)
        or ("P002" in wanted and "@" in joined)
        or ("P001" in wanted and SECRET_HINT.search(joined) is not None)
        or (("P003" in wanted or "P004" in wanted) and _has_long_digits(joined))
    ):
        for path, text in fields:
            check_text(_field_name(path), text, hits)
        hits = [hit for hit in hits if hit[0] in wanted]
    if "Q006" in wanted:
        flagged = whitespace_fields(example)
        if flagged:
            names = ", ".join(_field_name(path) for path, _ in flagged[:3])
            more = f" and {len(flagged) - 3} more" if len(flagged) > 3 else ""
            hits.append(("Q006", f"Leading/trailing whitespace in {names}{more}.", None))
    if example.kind in (CLASSIFICATION, PREFERENCE) or not example.messages:
        return hits
    last = example.last_assistant_index()
    if last is None:
        return hits
    reply = example.messages[last]
    if reply.tool_calls and not reply.has_content:
        return hits
    output = reply.content.strip()
    if len(output) < 20 and output.lower() in empty_markers:
        if "Q002" in wanted:
            message = f"The output is only {output!r}; give a real answer or drop the example."
            hits.append(("Q002", message, None))
        return hits
    if "Q004" in wanted:
        for message in example.messages:
            head = message.content[:400]
            if message.role != "assistant" or not head:
                continue
            lowered = head.lower()
            if any(hint in lowered for hint in REFUSAL_HINTS):
                match = REFUSAL.search(head)
                if match:
                    note = f"An assistant reply is refusal boilerplate ({match.group(0)!r})."
                    hits.append(("Q004", note, None))
                    break
    if "Q005" in wanted and len(output) > 20:
        tail = output[-40:]
        if DANGLING.search(tail) or output.count("```") % 2 == 1:
            shown = output[-25:].replace("\n", " ")
            hits.append(("Q005", f"The output looks truncated (ends …{shown!r}).", None))
    return hits


ALL_CONTENT_CODES = frozenset(
    {"T002", "Q001", "Q002", "Q004", "Q005", "Q006", "P001", "P002", "P003", "P004"}
)
