"""advisor: should this use case be prompting, RAG or fine-tuning, and is the data ready?

The library's calls live in ``advisor.api`` (``lint``, ``advise``,
``build_report``). ``advisor.lint`` is the same function, loaded on first use so
that ``import advisor`` and ``advisor --help`` import nothing heavy.
"""

from __future__ import annotations

from typing import Any

from advisor.version import __version__

__all__ = ["__version__", "lint"]


def __getattr__(name: str) -> Any:
    if name == "lint":
        from advisor.api import lint

        return lint
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
