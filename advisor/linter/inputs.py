"""Which files a lint reads: every file named, and the dataset files inside a folder.

A folder holds more than data (licences, READMEs, label lists); linting those
fails for no reason. From a folder, only files with a dataset extension are
read, and a ``.json`` that is a list of plain values (a label list) is passed
over; ``--include GLOB`` picks files by pattern instead. What is passed over is
reported (``advisor lint -v``), never dropped silently.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.errors import InputError

DATASET_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")


@dataclass
class Inputs:
    """The files to lint, in order, and the files a folder held that were passed over."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def find_inputs(paths: Iterable[Path | str], include: Iterable[str] = ()) -> Inputs:
    """Files as given; from each folder (recursively, sorted) its dataset files, or the
    files matching an ``include`` glob (relative to the folder) when any is given."""
    patterns = tuple(include)
    found = Inputs()
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            before = len(found.files)
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                reason = _why_skipped(candidate, candidate.relative_to(path), patterns)
                if reason is None:
                    found.files.append(candidate)
                else:
                    found.skipped.append((candidate, reason))
            if len(found.files) == before:
                wanted = " or ".join(patterns) if patterns else ", ".join(DATASET_SUFFIXES)
                raise InputError(
                    f"{path}: the folder holds no dataset files ({wanted}); name the files, "
                    "or pick them with --include GLOB."
                )
        elif not path.exists():
            raise InputError(f"{path}: no such file.")
        else:
            found.files.append(path)
    return found


def _why_skipped(path: Path, relative: Path, patterns: tuple[str, ...]) -> str | None:
    """None when a file in a folder is to be linted, else why it is passed over."""
    if patterns:
        name = relative.as_posix()
        if any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path.name, p) for p in patterns):
            return None
        return "matches no --include pattern"
    if path.name.startswith("."):
        return "a hidden file"
    suffix = path.suffix.lower()
    if suffix not in DATASET_SUFFIXES:
        return f"not a dataset file ({suffix or 'no extension'})"
    if suffix == ".json" and _is_list_of_values(path):
        return "a JSON list of plain values (such as label names), not examples"
    return None


def _is_list_of_values(path: Path) -> bool:
    """True for a JSON array whose first element is not an object (``["a", "b"]``)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    if not head.startswith(b"["):
        return False
    rest = head[1:].lstrip()
    return bool(rest) and rest[:1] not in (b"{", b"]")
