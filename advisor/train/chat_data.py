"""Turn examples into token ids and a label mask, and audit that mask.

The loss must fall on the assistant's tokens only: a model trained on its own
prompts learns to write prompts. The mask is derived from the model's own chat
template, not from a hard-coded format: the conversation is rendered one
message at a time, so the text each assistant turn adds after the template's
generation header is known exactly, and the fast tokenizer's character offsets
say which tokens fall inside it. The audit then counts trainable tokens per
example and refuses the run when any example has none (no assistant turn, an
empty one, all turns weighted 0, or every answer truncated away), naming the
line, instead of silently training on nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from advisor.datasets.model import Example, Message
from advisor.errors import UsageError

IGNORE_INDEX = -100


@dataclass
class Encoded:
    """One example as the trainer sees it."""

    line: int
    input_ids: list[int]
    labels: list[int]
    trainable: int
    truncated: bool


@dataclass
class MaskAudit:
    examples: int = 0
    tokens: int = 0
    trainable_tokens: int = 0
    truncated: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "tokens": self.tokens,
            "trainable_tokens": self.trainable_tokens,
            "trainable_share": round(self.trainable_tokens / self.tokens, 4) if self.tokens else 0,
            "truncated": self.truncated,
            "refused": [{"line": line, "reason": reason} for line, reason in self.refused],
        }


def message_text(message: Message) -> str:
    """The text a turn contributes; tool calls are written as JSON after any content,
    since small chat templates have no slot for them."""
    if not message.tool_calls:
        return message.content
    calls = []
    for call in message.tool_calls:
        function = call.get("function", call) if isinstance(call, dict) else call
        if isinstance(function, dict):
            calls.append({"name": function.get("name"), "arguments": function.get("arguments")})
        else:
            calls.append(function)
    rendered = json.dumps(calls, ensure_ascii=False)
    return f"{message.content}\n{rendered}" if message.content else rendered


def chat_messages(example: Example) -> list[dict[str, Any]]:
    """Template-ready messages, each with ``train`` saying whether its tokens carry loss."""
    out = []
    for message in example.messages:
        role = "assistant" if message.role == "assistant" else message.role
        if role == "developer":
            role = "system"
        if role in {"function"}:
            role = "tool"
        train = role == "assistant" and message.weight not in (0, 0.0, False)
        out.append({"role": role, "content": message_text(message), "train": train})
    return out


def _render(tokenizer: Any, messages: list[dict[str, Any]], *, generation: bool) -> str:
    plain = [{"role": m["role"], "content": m["content"]} for m in messages]
    if not plain and not generation:
        return ""
    return tokenizer.apply_chat_template(plain, tokenize=False, add_generation_prompt=generation)


def trainable_spans(
    tokenizer: Any, messages: list[dict[str, Any]]
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character ranges that carry loss.

    Each trained assistant turn contributes the text between the template's
    generation header and the end-of-turn token (inclusive), so the model learns
    to stop; whatever the template adds after that token is not trained.
    """
    end = tokenizer.eos_token
    spans: list[tuple[int, int]] = []
    previous = ""
    for index, message in enumerate(messages):
        full = _render(tokenizer, messages[: index + 1], generation=False)
        if message["train"]:
            header = _render(tokenizer, messages[:index], generation=True)
            if not header.startswith(previous) or not full.startswith(header):
                raise UsageError(
                    "This model's chat template does not render conversations "
                    "incrementally, so advisor cannot tell which tokens are the "
                    "assistant's; use a model with a ChatML-style template."
                )
            start, stop = len(header), len(full)
            cut = full.find(end, start) if end else -1
            if cut != -1:
                stop = cut + len(end)
            spans.append((start, stop))
        elif not full.startswith(previous):
            raise UsageError(
                "This model's chat template does not render conversations incrementally; "
                "use a model with a ChatML-style template."
            )
        previous = full
    return previous, spans


def encode_example(
    tokenizer: Any, example: Example, max_length: int, messages: list[dict[str, Any]] | None = None
) -> Encoded:
    """Token ids and labels (``-100`` where no loss is taken), truncated on the right."""
    messages = messages if messages is not None else chat_messages(example)
    text, spans = trainable_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(encoded["input_ids"])
    labels = [IGNORE_INDEX] * len(ids)
    for position, (start, stop) in enumerate(encoded["offset_mapping"]):
        if stop > start and any(a <= start < b for a, b in spans):
            labels[position] = ids[position]
    truncated = len(ids) > max_length
    ids, labels = ids[:max_length], labels[:max_length]
    trainable = sum(1 for label in labels if label != IGNORE_INDEX)
    return Encoded(example.line, ids, labels, trainable, truncated)


def encode_all(
    tokenizer: Any, examples: list[Example], max_length: int
) -> tuple[list[Encoded], MaskAudit]:
    """Encode every example and audit the mask; the audit lists refusals, not raises."""
    audit = MaskAudit()
    encoded = []
    for example in examples:
        item = encode_example(tokenizer, example, max_length)
        audit.examples += 1
        audit.tokens += len(item.input_ids)
        audit.trainable_tokens += item.trainable
        audit.truncated += item.truncated
        if item.trainable == 0:
            messages = chat_messages(example)
            if not any(m["role"] == "assistant" for m in messages):
                reason = "no assistant turn"
            elif not any(m["train"] for m in messages):
                reason = "every assistant turn has weight 0"
            elif item.truncated:
                reason = f"every assistant token lies beyond --max-length {max_length}"
            else:
                reason = "the assistant turns are empty"
            audit.refused.append((example.line, reason))
        encoded.append(item)
    return encoded, audit


def refuse_untrainable(audit: MaskAudit, path: str) -> None:
    """Stop before training when any example would contribute no loss."""
    if not audit.refused:
        return
    shown = "; ".join(f"line {line}: {reason}" for line, reason in audit.refused[:10])
    more = f" (and {len(audit.refused) - 10} more)" if len(audit.refused) > 10 else ""
    raise UsageError(
        f"{path}: {len(audit.refused)} example(s) have no trainable tokens, so training on "
        f"them would teach nothing: {shown}{more}. Fix or drop them (or raise --max-length)."
    )


def show_mask(tokenizer: Any, item: Encoded) -> str:
    """The example as text with trained tokens inside ⟦ ⟧, for eyeballing the mask."""
    out = []
    inside = False
    for token_id, label in zip(item.input_ids, item.labels, strict=True):
        trained = label != IGNORE_INDEX
        if trained != inside:
            out.append("⟦" if trained else "⟧")
            inside = trained
        out.append(tokenizer.decode([token_id]))
    if inside:
        out.append("⟧")
    return "".join(out)


def prompt_and_reference(example: Example) -> tuple[list[dict[str, Any]], str]:
    """The conversation up to the last assistant turn, and that turn's text."""
    messages = chat_messages(example)
    for index in range(len(messages) - 1, -1, -1):
        if messages[index]["role"] == "assistant":
            return messages[:index], messages[index]["content"]
    return messages, ""
