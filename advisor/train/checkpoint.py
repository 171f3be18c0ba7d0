"""Checkpoints that survive a crash: written whole or not at all.

A checkpoint is a folder ``checkpoints/step-N`` holding ``state.json`` (the step,
the loss history, anything a backend needs to continue) and whatever tensors
the backend writes. It is built under a temporary name and renamed into place,
so an interrupted save leaves the previous checkpoint intact; only then are
older checkpoints removed. ``--resume`` picks the newest complete one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.fsutil import write_folder_atomic

STEP_FOLDER = re.compile(r"^step-(\d+)$")
STATE_FILE = "state.json"


def checkpoints_dir(run_dir: Path) -> Path:
    return run_dir / "checkpoints"


def save_checkpoint(
    run_dir: Path, step: int, state: dict[str, Any], write_tensors: Callable[[Path], None]
) -> Path:
    """Write checkpoint ``step`` atomically, then drop the older ones."""
    root = checkpoints_dir(run_dir)
    final = root / f"step-{step}"

    def fill(staging: Path) -> None:
        write_tensors(staging)
        with open(staging / STATE_FILE, "w", encoding="utf-8") as handle:
            json.dump({**state, "step": step}, handle)
            handle.flush()
            os.fsync(handle.fileno())

    write_folder_atomic(final, fill)
    for folder in root.iterdir():
        match = STEP_FOLDER.match(folder.name)
        if folder.is_dir() and (match is None or int(match.group(1)) != step):
            shutil.rmtree(folder, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The newest complete checkpoint and its state, or None."""
    root = checkpoints_dir(run_dir)
    if not root.is_dir():
        return None
    found = []
    for folder in root.iterdir():
        match = STEP_FOLDER.match(folder.name)
        if match and (folder / STATE_FILE).is_file():
            found.append((int(match.group(1)), folder))
    for _, folder in sorted(found, reverse=True):
        try:
            state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return folder, state
    return None


def remove_checkpoints(run_dir: Path) -> None:
    """Once the final model is written, the checkpoints are no longer needed."""
    shutil.rmtree(checkpoints_dir(run_dir), ignore_errors=True)


class Interrupted(AdvisorError):
    """Training stopped on a signal after saving a checkpoint (exit 130)."""

    exit_code = 130


def rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": np.random.get_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class StopFlag:
    """SIGINT/SIGTERM during training: finish the step, checkpoint, stop cleanly."""

    def __init__(self) -> None:
        self.raised: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.raised is not None:  # second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.raised = signum

    def __exit__(self, *_: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
