"""Safe file output: a crash or Ctrl-C never leaves a half-written file behind, and no
command writes over one of its inputs."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

from advisor.errors import OutputError, UsageError


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    An operating-system refusal (read-only folder, full disk) is an ``OutputError``
    naming the file; nothing is left behind.
    """
    target = Path(path)
    try:
        _write_atomic(target, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise OutputError(_cannot_write(target, exc)) from exc


def _cannot_write(target: Path, exc: OSError) -> str:
    """Why ``target`` cannot be written, in words (a file standing where a folder is
    needed says so, rather than "File exists")."""
    for folder in target.parents:
        if folder.exists():
            if not folder.is_dir():
                return f"cannot write {target}: {folder} is a file, not a folder."
            break
    return f"cannot write {target}: {exc.strerror or exc}."


def _write_atomic(target: Path, payload: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file's bytes (read in blocks), to name exactly what was used."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def same_file(a: Path | str, b: Path | str) -> bool:
    """True when two paths name the same file (so --fix can refuse to overwrite its input)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def write_folder_atomic(folder: Path | str, fill: Callable[[Path], None]) -> None:
    """Build a folder under a temporary name beside it, then rename it into place.

    ``fill`` writes the contents into the staging folder it is given. A crash or
    Ctrl-C leaves the previous folder (if any) untouched and no half-written one.
    """
    target = Path(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise OutputError(_cannot_write(target, exc)) from exc
    try:
        fill(staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def refuse_to_overwrite(
    outputs: list[tuple[str, Path | str | None]], inputs: list[tuple[str, Path | str | None]]
) -> None:
    """Refuse (``UsageError``) when an output would replace one of the command's inputs
    (the same file by any name: a symlink or a hard link counts) or another output.

    ``outputs`` and ``inputs`` are (how the user named it, path) pairs; None is skipped.
    Called before any work, so a refused command has written nothing.
    """
    named_outputs = [(flag, Path(path)) for flag, path in outputs if path is not None]
    named_inputs = [(role, Path(path)) for role, path in inputs if path is not None]
    for flag, output in named_outputs:
        for role, source in named_inputs:
            if same_file(output, source):
                raise UsageError(
                    f"{flag} {output} is the same file as {role} {source}; advisor never "
                    "overwrites an input. Name another output file."
                )
    for (flag_a, a), (flag_b, b) in combinations(named_outputs, 2):
        if same_file(a, b):
            raise UsageError(f"{flag_a} and {flag_b} both name {a}; give each its own file.")
