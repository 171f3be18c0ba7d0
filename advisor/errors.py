"""Typed errors raised by the library.

Only ``advisor.cli`` turns these into messages and exit codes, so library callers
(notebooks, CI scripts, the report) can catch them precisely.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: something the user can fix, with a message that says how."""


class InputError(AdvisorError):
    """A file cannot be read at all (missing, a directory with no data, unreadable)."""


class UsageError(AdvisorError):
    """Options that contradict each other or name something that does not exist."""


class OutputError(AdvisorError):
    """An output cannot be written (a read-only folder, a full disk, a file in the way)."""


class RuleFileError(AdvisorError):
    """A file in rules/ is malformed; the message names the file and the entry."""
