"""One-line progress bars with rate and ETA on standard error.

Every long step (embedding, fine-tuning, evaluation, generation) reports through
this one class, so they all look alike and all go quiet with ``--quiet``. No tqdm:
it is not a dependency of the core package, and a bar this small needs none.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``[#####-----] 12/40 steps, 3.1/s, ETA 9s`` redrawn in place.

    ``start`` lets a resumed run begin part-way without counting the steps it
    skipped into the rate (so the ETA stays honest after ``--resume``).
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "",
        *,
        enabled: bool = True,
        start: int = 0,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.total = max(total, 0)
        self.unit = unit
        self.enabled = enabled
        self.done = start
        self._start_count = start
        self._started = time.perf_counter()
        self._stream = stream
        self._last_draw = 0.0
        self.note = ""

    def update(self, done: int | None = None, *, advance: int = 1, note: str = "") -> None:
        """Move to ``done`` (or forward by ``advance``) and redraw at most 10 times a second."""
        self.done = done if done is not None else self.done + advance
        if note:
            self.note = note
        now = time.perf_counter()
        if self.enabled and (now - self._last_draw >= 0.1 or self.done >= self.total):
            self._last_draw = now
            self._draw(final=False)

    def eta_seconds(self) -> float:
        elapsed = time.perf_counter() - self._started
        counted = self.done - self._start_count
        if counted <= 0 or elapsed <= 0:
            return 0.0
        return (self.total - self.done) * elapsed / counted

    def close(self) -> None:
        if self.enabled:
            self._draw(final=True)

    def _draw(self, *, final: bool) -> None:
        stream = self._stream or sys.stderr
        elapsed = time.perf_counter() - self._started
        counted = self.done - self._start_count
        rate = counted / elapsed if elapsed > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        unit = f" {self.unit}" if self.unit else ""
        tail = f"{elapsed:.0f}s" if final else f"ETA {self.eta_seconds():.0f}s"
        note = f", {self.note}" if self.note else ""
        stream.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total}{unit}, {rate:.1f}/s{note}, {tail}"
        )
        if final:
            stream.write("\n")
        stream.flush()
