"""Decode JSON as Python does, and note what standard JSON does not allow.

Python's ``json`` accepts ``NaN`` and ``Infinity``, repeated keys (the last one
wins), lone UTF-16 surrogate escapes and escaped NUL characters; providers'
strict parsers reject them, or keep a different one of two repeated keys. The
decoder below parses exactly as ``json`` does and lists each of these, so the
reader can report them (F024) instead of passing them on.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_OR_NUL = re.compile("[\ud800-\udfff\x00]")
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class StrictDecoder:
    """``raw_decode``/``loads`` like ``json.JSONDecoder``, plus what was not standard.

    One instance per process: the hooks collect into ``self._found``, which each
    call resets, so an instance is not safe to share between threads.
    """

    def __init__(self) -> None:
        self._found: list[str] = []
        self._decoder = json.JSONDecoder(
            object_pairs_hook=self._pairs, parse_constant=self._constant
        )

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) != len(pairs):
            seen: set[str] = set()
            repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
            self._found.append(
                f"the key {repeated!r} appears twice in one object (one of the two is lost)"
            )
        return value

    def _constant(self, name: str) -> float:
        self._found.append(f"{name} is not a JSON number (write null or a number)")
        return _CONSTANTS[name]

    def raw_decode(self, text: str, pos: int = 0) -> tuple[Any, int, list[str]]:
        """Decode the value at ``pos``; returns it, where it ends, and what was not
        standard JSON (empty for standard JSON)."""
        self._found = []
        value, end = self._decoder.raw_decode(text, pos)
        found = self._found
        if "\\u" in text[pos:end]:
            found.extend(_bad_characters(value))
        return value, end, found

    def loads(self, text: str) -> tuple[Any, list[str]]:
        """A whole document (surrounding whitespace allowed), as ``json.loads``."""
        start = len(text) - len(text.lstrip())
        value, end, found = self.raw_decode(text, start)
        if text[end:].strip():
            raise json.JSONDecodeError("Extra data", text, end)
        return value, found


def _bad_characters(value: Any) -> list[str]:
    """Lone surrogates and NUL characters in any string of ``value`` (keys included)."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts = [item]
        elif isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in texts:
            match = _SURROGATE_OR_NUL.search(text)
            if match is None:
                continue
            if match.group(0) == "\x00":
                note = "an escaped NUL character (\\u0000)"
            else:
                note = f"a lone UTF-16 surrogate (\\u{ord(match.group(0)):04x}), not valid Unicode"
            if note not in found:
                found.append(note)
    return found
